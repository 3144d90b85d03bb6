from flask import Blueprint

bp = Blueprint("tasks", __name__)

from coach.tasks import library, routes  # noqa: E402,F401

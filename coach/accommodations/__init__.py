from flask import Blueprint

bp = Blueprint("accommodations", __name__)

from coach.accommodations import routes, signoff  # noqa: E402,F401

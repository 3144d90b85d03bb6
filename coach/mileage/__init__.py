from flask import Blueprint

bp = Blueprint("mileage", __name__, url_prefix="/mileage")

from coach.mileage import review, routes  # noqa: E402,F401

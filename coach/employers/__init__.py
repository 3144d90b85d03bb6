from flask import Blueprint

bp = Blueprint("employers", __name__, url_prefix="/employers")

from coach.employers import routes  # noqa: E402,F401

from flask import Blueprint

bp = Blueprint("jobdev", __name__, url_prefix="/jobdev")

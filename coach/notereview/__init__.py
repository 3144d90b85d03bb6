from flask import Blueprint

bp = Blueprint("notereview", __name__, url_prefix="/notes")

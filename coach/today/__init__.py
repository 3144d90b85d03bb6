from flask import Blueprint

bp = Blueprint("today", __name__, url_prefix="/today")

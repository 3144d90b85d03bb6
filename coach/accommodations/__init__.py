from flask import Blueprint

bp = Blueprint("accommodations", __name__)

from flask import Blueprint

bp = Blueprint("mileage", __name__, url_prefix="/mileage")

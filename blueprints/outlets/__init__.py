from flask import Blueprint

bp = Blueprint("outlets", __name__, url_prefix="/console/outlets")

from . import views  # noqa: E402,F401

from flask import Blueprint

bp = Blueprint("districts", __name__, url_prefix="/console/districts")

from . import views  # noqa: E402,F401

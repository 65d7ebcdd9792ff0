from flask import Blueprint

bp = Blueprint("inquiries", __name__, url_prefix="/console/inquiries")

from . import views  # noqa: E402,F401

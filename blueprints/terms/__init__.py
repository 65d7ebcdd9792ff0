from flask import Blueprint

bp = Blueprint("terms", __name__, url_prefix="/console/admin/terms")

from . import views  # noqa: E402,F401

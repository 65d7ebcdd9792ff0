from flask import Blueprint

bp = Blueprint("platform_accounts", __name__, url_prefix="/console/admin/platforms")

from . import views  # noqa: E402,F401

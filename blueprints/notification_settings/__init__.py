from flask import Blueprint

bp = Blueprint("notification_settings", __name__, url_prefix="/console/notifications")

from . import views  # noqa: E402,F401

from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/console")

from . import views  # noqa: E402,F401

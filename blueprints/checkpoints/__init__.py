from flask import Blueprint

bp = Blueprint("checkpoints", __name__)

from . import views  # noqa: E402,F401

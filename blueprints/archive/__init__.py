from flask import Blueprint

bp = Blueprint("archive", __name__, url_prefix="/console/archive")

from . import commands, views  # noqa: E402,F401

from flask import Blueprint

bp = Blueprint("posts", __name__, url_prefix="/console/posts")

from . import commands, views  # noqa: E402,F401

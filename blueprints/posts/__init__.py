from flask import Blueprint

bp = Blueprint("posts", __name__, url_prefix="/console/posts")

from . import commands, views  # noqa: E402,F401
from blueprints.post_validity import views as _post_validity  # noqa: E402,F401

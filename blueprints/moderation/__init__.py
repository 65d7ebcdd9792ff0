"""The moderation console: the comment queue, actions, blocks, keyword lists and the report."""
from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/console/moderation")


@bp.after_request
def never_cache(response):
    # Moderation pages show commenters' e-mail and network addresses.
    response.headers["Cache-Control"] = "no-store"
    return response


from . import views  # noqa: E402,F401

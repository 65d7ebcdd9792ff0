"""The archive's signed checkpoints, public: anyone may keep them and check the chain later."""
from flask import current_app, jsonify, render_template

from beatdesk import checkpoints
from beatdesk.errors import DomainError

from ..archive.signing import archive_key
from ..database import db
from . import bp


class KeyUnavailable(DomainError):
    status_code = 503


def _published() -> dict:
    try:
        key = archive_key()
    except (OSError, ValueError) as exc:  # an unreadable key file is the operator's to fix
        current_app.logger.error("archive signing key unavailable: %s", exc)
        raise KeyUnavailable("The archive's checkpoints cannot be shown right now. "
                             "Try again later.") from None
    return checkpoints.published(db(), key)


@bp.route("/archive/checkpoints")
def page():
    """The newest signed checkpoints and the public key that checks them."""
    return render_template("checkpoints/page.html", published=_published())


@bp.route("/archive/checkpoints.json")
def as_json():
    """The same, as JSON: what ``flask archive verify --checkpoint`` reads back."""
    response = jsonify(_published())
    response.headers["Cache-Control"] = "public, max-age=60"
    return response

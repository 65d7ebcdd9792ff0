"""The archive's signed checkpoints, public: anyone may keep them and check the chain later."""
from flask import jsonify, render_template

from beatdesk import checkpoints

from ..archive.signing import archive_key
from ..database import db
from . import bp


@bp.route("/archive/checkpoints")
def page():
    """The newest signed checkpoints and the public key that checks them."""
    published = checkpoints.published(db(), archive_key())
    return render_template("checkpoints/page.html", published=published)


@bp.route("/archive/checkpoints.json")
def as_json():
    """The same, as JSON: what ``flask archive verify --checkpoint`` reads back."""
    response = jsonify(checkpoints.published(db(), archive_key()))
    response.headers["Cache-Control"] = "public, max-age=60"
    return response

"""Images of public posts, served to anyone (only while their post is public)."""
from flask import Blueprint, abort, make_response
from sqlalchemy import select

from beatdesk.models import MediaAsset, RevisionImage
from beatdesk.publication import public_revision_ids, resolved_asset

from ..database import db
from .views import send_asset

bp = Blueprint("media", __name__)


@bp.route("/media/<int:asset_id>")
def image(asset_id: int):
    asset = db().scalars(
        select(MediaAsset).join(RevisionImage, RevisionImage.asset_id == MediaAsset.id)
        .where(MediaAsset.id == asset_id,
               RevisionImage.revision_id.in_(public_revision_ids().scalar_subquery()))).first()
    if asset is None:
        if resolved_asset(db(), asset_id):
            # A resolved missing-person or wanted notice: taken down for good, and no cache
            # may keep serving it (Chicago Twitter V.B.2).
            response = make_response("This image was taken down: the notice was resolved.", 410)
            response.headers["Cache-Control"] = "no-store"
            response.mimetype = "text/plain"
            return response
        abort(404)
    return send_asset(asset, private=False)

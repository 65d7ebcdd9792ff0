"""Images of public posts, served to anyone (only while their post is public)."""
from flask import Blueprint, abort
from sqlalchemy import select

from beatdesk.models import MediaAsset, RevisionImage
from beatdesk.publication import public_revision_ids

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
        abort(404)
    return send_asset(asset, private=False)

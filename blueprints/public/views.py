"""The public site (no sign-in)."""
from flask import render_template
from sqlalchemy import text

from beatdesk import districts

from ..database import db
from . import bp


@bp.route("/")
def index():
    """The department's landing page: who maintains it, how to reach it, its districts."""
    return render_template("public/index.html",
                           department=districts.get_department(db()),
                           districts=districts.list_districts(db(), approved_only=True))


@bp.route("/healthz")
def healthz():
    """Liveness probe for the reverse proxy: the app answers and the database responds."""
    db().execute(text("SELECT 1"))
    return {"status": "ok"}

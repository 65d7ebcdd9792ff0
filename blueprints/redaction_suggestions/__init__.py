"""Suggested redactions of a records request: review, accept, reject, apply across records."""
from flask import Blueprint

bp = Blueprint("redaction_suggestions", __name__, url_prefix="/console/records")

from . import views  # noqa: E402,F401

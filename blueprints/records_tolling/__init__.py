"""Waiting on the requester: the officer asks for a clarification, sends a fee estimate or
offers to narrow a request, and records the answer; the request page shows the clock
(templates/records/_tolling.html) and the days skipped (templates/records/_due.html)."""
from flask import Blueprint

bp = Blueprint("records_tolling", __name__, url_prefix="/console/records")

from . import views  # noqa: E402,F401

"""Letters to records requesters: the templates an administrator edits, and the letters a
records officer makes from a request's page (templates/records/_letters.html)."""
from flask import Blueprint

bp = Blueprint("letters", __name__, url_prefix="/console")

from . import views  # noqa: E402,F401

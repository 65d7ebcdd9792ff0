"""The requester portal: file a public records request and follow it, without an account."""
from flask import Blueprint

bp = Blueprint("records_portal", __name__, url_prefix="/records-requests")

from . import views  # noqa: E402,F401

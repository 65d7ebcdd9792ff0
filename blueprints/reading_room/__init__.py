"""The public reading room (``bp``, anonymous) and the records officer's side of it: publishing,
withdrawing, and the records reports (``staff_bp``, under the records console)."""
from flask import Blueprint

bp = Blueprint("reading_room", __name__)
staff_bp = Blueprint("reading_room_staff", __name__, url_prefix="/console/records")

from . import views  # noqa: E402,F401

from flask import Blueprint

bp = Blueprint("checks", __name__, url_prefix="/console")

from . import views  # noqa: E402,F401
from . import citations  # noqa: E402,F401  (the department's directive and section per rule)

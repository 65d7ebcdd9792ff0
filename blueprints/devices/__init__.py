"""Registered department devices (administrators; the enrolment page a browser opens with its
one-time code) and representatives' duty hours (commanders set them, sergeants release posts
outside them). ``flask devices not-required`` is the operator's way back in."""
from flask import Blueprint

bp = Blueprint("devices", __name__, url_prefix="/console/devices", cli_group="devices")
enrol_bp = Blueprint("device_enrolment", __name__, url_prefix="/device", cli_group=None)
duty_bp = Blueprint("duty_hours", __name__, url_prefix="/console/duty-hours", cli_group=None)

from . import cli, duty_views, enrol_views, views  # noqa: E402,F401

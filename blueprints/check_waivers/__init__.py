"""Permissions that allow a blocking finding: News Affairs exceptions, employees' consent and
written permissions for images, recorded from a post's page."""
from flask import Blueprint

bp = Blueprint("check_waivers", __name__, url_prefix="/console/posts")

from . import views  # noqa: E402,F401

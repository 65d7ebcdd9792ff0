"""Visitor comments on public posts: the comment form's target (no sign-in)."""
from flask import Blueprint

bp = Blueprint("comments", __name__)

from . import views  # noqa: E402,F401

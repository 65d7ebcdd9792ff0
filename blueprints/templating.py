"""Jinja filters and globals shared by every template."""
from datetime import datetime

from flask import Flask, g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from beatdesk import districts, notifications
from beatdesk.roles import Role

from .common_forms import ActionForm
from .database import db


def format_utc(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M UTC") -> str:
    return value.strftime(fmt) if value else "—"


def register(app: Flask) -> None:
    app.add_template_filter(format_utc, "utc")

    @app.context_processor
    def inject_globals():
        return {
            "Role": Role,
            "demo_mode": app.config["DEMO_MODE"],
            "logout_form": ActionForm(formdata=None) if current_user.is_authenticated else None,
            "site_department": _department_cached,
            "attention": _attention_cached,
        }


def _department_cached():
    """The department row for page headers and footers, read once per request at most."""
    if "site_department" not in g:
        try:
            g.site_department = districts.get_department(db())
        except SQLAlchemyError:  # an error page must still render when the database is down
            db().rollback()
            g.site_department = None
    return g.site_department


def _attention_cached() -> list[notifications.Attention]:
    """What needs the signed-in user, for the navigation's count (once per request)."""
    if "attention" not in g:
        g.attention = []
        if current_user.is_authenticated:
            try:
                g.attention = notifications.attention(db(), current_user)
            except SQLAlchemyError:
                db().rollback()
    return g.attention

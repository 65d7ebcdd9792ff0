"""Jinja filters and globals shared by every template."""
from datetime import date, datetime

from flask import Flask, g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from beatdesk import clock, districts, notifications
from beatdesk.models import PostState, RequestState
from beatdesk.roles import Role

from .common_forms import ActionForm
from .database import db


def department_zone() -> str:
    """The department's time zone (config ``TIMEZONE``)."""
    return clock.department_zone().key


def department_time(value: datetime | None) -> str:
    """A time as people read it: "Nov 30, 2026, 8:46 AM CST", in the department's zone."""
    return clock.local_text(value, department_zone())


def department_date(value: datetime | date | None) -> str:
    """The date of a time in the department's zone (or a date as it is): "Nov 30, 2026"."""
    return clock.local_date_text(value, department_zone())


def department_day(value: datetime | date | None) -> str:
    """A date with its weekday, for due dates: "Monday, Nov 30, 2026"."""
    return clock.local_date_text(value, department_zone(), weekday=True)


def iso_time(value: datetime | None) -> str:
    """A time for machines (``<time datetime>``, JSON): ISO 8601 with the department's offset."""
    return clock.iso_local(value, department_zone())


def department_zone_label() -> str:
    """How inputs name the zone they take: "Central Time, CST/CDT"."""
    return clock.zone_label(department_zone())


def state_label(value: str | None) -> str:
    """A stored state name as people read it ("awaiting_news_affairs" -> "Awaiting News
    Affairs"), for timelines that keep states as text."""
    if not value:
        return "—"
    for states in (PostState, RequestState):
        try:
            return states(value).label
        except ValueError:
            continue
    return str(value).replace("_", " ").capitalize()


def register(app: Flask) -> None:
    app.add_template_filter(department_time, "department_time")
    app.add_template_filter(department_date, "department_date")
    app.add_template_filter(department_day, "department_day")
    app.add_template_filter(iso_time, "iso_time")
    app.add_template_filter(state_label, "state_label")
    app.add_template_global(department_zone_label, "department_zone_label")

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

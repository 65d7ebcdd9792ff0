"""Jinja filters and globals shared by every template."""
import threading
from collections import OrderedDict
from datetime import date, datetime, timedelta

from flask import Flask, current_app, g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from beatdesk import clock, districts, notifications
from beatdesk.models import PostState, RequestState
from beatdesk.roles import Role

from .common_forms import ActionForm
from .database import db
from .public import cache as page_cache

ATTENTION_MAX_USERS = 1024


class AttentionKept:
    """What needs each signed-in user, kept between their pages by one app (``_attention_for``):
    user id -> (what it was computed at, when, the items); least recently used dropped first."""

    def __init__(self, max_users: int = ATTENTION_MAX_USERS):
        self.max_users = max_users
        self._kept: OrderedDict[int, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_id: int) -> tuple | None:
        with self._lock:
            return self._kept.get(user_id)

    def put(self, user_id: int, entry: tuple) -> None:
        with self._lock:
            self._kept[user_id] = entry
            self._kept.move_to_end(user_id)
            while len(self._kept) > self.max_users:
                self._kept.popitem(last=False)


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
    app.extensions["beatdesk.attention_kept"] = AttentionKept()

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
                g.attention = _attention_for(current_user)
            except SQLAlchemyError:
                db().rollback()
    return g.attention


def _attention_for(user) -> list[notifications.Attention]:
    """``notifications.attention``, kept per user while nothing changed: about twenty counts
    that every console page would otherwise repeat.

    A kept answer is used only while the archive's head (read for every page: one indexed row)
    and this process's write generation are what they were when it was computed, so a change
    anyone archives, in any process or instance, and any write of this process, shows on the
    next page. Time alone (a review falling overdue, a records request falling due) and changes
    that are not archived (e.g. a platform send given up by the outbox worker) show within
    ``ATTENTION_CACHE_SECONDS`` (0 turns the keeping off).
    """
    seconds = float(current_app.config.get("ATTENTION_CACHE_SECONDS") or 0)
    session = db()
    if seconds <= 0:
        return notifications.attention(session, user)
    local = page_cache.generation()
    position, _ = page_cache.read_archive_head(session.connection())
    now = clock.utcnow()
    current = (local, position, user.role, user.district_id)
    store = current_app.extensions["beatdesk.attention_kept"]
    kept = store.get(user.id)
    if kept is not None and kept[0] == current and \
            timedelta(0) <= now - kept[1] < timedelta(seconds=seconds):
        return kept[2]
    items = notifications.attention(session, user)
    store.put(user.id, (current, now, items))
    return items

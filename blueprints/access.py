"""Who may reach staff pages: login, session lifetime, trusted networks and role checks."""
import ipaddress
from datetime import UTC, datetime
from functools import wraps
from urllib.parse import urlsplit

from flask import (Flask, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_login import current_user, logout_user

from beatdesk import clock
from beatdesk.auth import SecurityPolicy, SessionState, session_state
from beatdesk.context import Actor
from beatdesk.models import User
from beatdesk.roles import Role

from .database import db
from .extensions import login_manager

# Blueprints whose every page is for signed-in staff.
STAFF_BLUEPRINTS = frozenset({"console", "admin", "districts", "posts", "inquiries", "terms",
                              "checks", "records", "moderation", "archive", "outbox",
                              "platform_accounts", "redaction_suggestions", "reading_room_staff", "letters"})
STAFF_BLUEPRINTS |= {"check_waivers"}
STAFF_BLUEPRINTS |= {"outlets"}
STAFF_BLUEPRINTS |= {"devices", "duty_hours"}
# Blueprints only reachable from trusted networks when those are configured (and, when the
# department requires them, from registered devices; the enrolment page is the exception).
CONSOLE_BLUEPRINTS = STAFF_BLUEPRINTS | {"auth", "device_enrolment"}


def client_addr() -> str:
    return request.remote_addr or ""


def actor() -> Actor:
    """The signed-in user and their address, as the domain wants them."""
    user = current_user if current_user.is_authenticated else None
    return Actor(user=user, client_addr=client_addr())


def security_policy() -> SecurityPolicy:
    return current_app.extensions["beatdesk.security_policy"]


def role_required(*roles: Role):
    """Route decorator: signed in, and holding one of ``roles`` (any role if none given)."""
    def decorator(view):
        view.allowed_roles = frozenset(roles) if roles else frozenset(Role)

        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in view.allowed_roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def require(allowed: bool) -> None:
    """Object-level check: ``require(can_view_district(current_user, district))``."""
    if not allowed:
        abort(403)


def safe_next(target: str | None, default: str) -> str:
    """Follow ``next`` only to a path on this site (no scheme, no host, no ``//``)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target


def now_ts() -> float:
    return clock.utcnow().timestamp()


def start_staff_session(user: User) -> None:
    """Mark the session freshly authenticated (after every factor has passed)."""
    session.permanent = True
    session["auth_at"] = now_ts()
    session["last_seen"] = now_ts()


def _ts(key: str) -> datetime:
    return datetime.fromtimestamp(float(session.get(key, 0)), UTC)


def _address_trusted(app: Flask, address: str) -> bool:
    networks = app.extensions["beatdesk.trusted_networks"]
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def current_session_state() -> SessionState:
    return session_state(_ts("auth_at"), _ts("last_seen"), security_policy())


def _next_for_get() -> str | None:
    return request.full_path if request.method == "GET" else None


def end_expired_session():
    """Sign out a session past its absolute lifetime and send the user to sign in again."""
    logout_user()
    session.clear()
    flash("Your session reached its 12-hour limit. Sign in again.", "info")
    return redirect(url_for("auth.login", next=_next_for_get()))


def guard_console() -> object | None:
    """before_request: trusted networks, then login, session lifetime and forced password change."""
    blueprint = request.blueprint
    if blueprint not in CONSOLE_BLUEPRINTS:
        return None
    if not _address_trusted(current_app, client_addr()):
        return render_template("errors/untrusted_network.html", address=client_addr()), 403
    from .devices.guard import refuse_unregistered  # registered devices, when required
    refused = refuse_unregistered(client_addr())
    if refused is not None:
        return refused
    if blueprint not in STAFF_BLUEPRINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    state = current_session_state()
    if state is SessionState.EXPIRED:
        return end_expired_session()
    if state is SessionState.IDLE_LOCKED:
        session["locked"] = True
        return redirect(url_for("auth.unlock", next=_next_for_get()))
    session["last_seen"] = now_ts()
    if current_user.must_change_password and request.endpoint not in (
            "console.change_password", "auth.logout"):
        flash("Choose a new password before you continue.", "info")
        return redirect(url_for("console.change_password"))
    return None


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """Sessions carry ``id:session_token``; a rotated token ends every older session."""
    user_id, _, session_token = token.partition(":")
    if not user_id.isdigit():
        return None
    user = db().get(User, int(user_id))
    if user is None or not user.active or user.session_token != session_token:
        return None
    return user

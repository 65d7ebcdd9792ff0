"""The registered-device check every console request passes (next to trusted networks)."""
from datetime import timedelta

from flask import current_app, g, render_template, request
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from beatdesk import clock, devices
from beatdesk.models.devices import RegisteredDevice

from ..database import _context_writes, db

COOKIE = "beatdesk_device"
COOKIE_LIFETIME = timedelta(days=400)  # the longest browsers keep a cookie
# The enrolment page must work on a browser that is not registered yet.
EXEMPT_BLUEPRINTS = frozenset({"device_enrolment"})


def current_device() -> RegisteredDevice | None:
    """This browser's registered device (revoked ones included), read once per request."""
    if "current_device" not in g:
        token = request.cookies.get(COOKIE)
        g.current_device = devices.device_for_token(db(), token) if token else None
    return g.current_device


def set_device_cookie(response, token: str) -> None:
    response.set_cookie(COOKIE, token, max_age=int(COOKIE_LIFETIME.total_seconds()), path="/",
                        httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))


def _note_seen(device: RegisteredDevice, address: str) -> None:
    """Write "last seen". A request that writes already holds the write lock: its own session
    carries it (kept when the view commits). One that only reads writes it in a short
    transaction of its own, leaving the page's session read-only."""
    if not devices.needs_touch(device, address):
        return
    now, address = clock.utcnow(), (address or "")[:64]
    if _context_writes():
        device.last_seen_at, device.last_seen_addr = now, address
        return
    session = current_app.extensions["beatdesk.write_sessionmaker"]()
    try:
        session.execute(update(RegisteredDevice).where(RegisteredDevice.id == device.id)
                        .values(last_seen_at=now, last_seen_addr=address))
        session.commit()
    except SQLAlchemyError:  # best effort: a busy database must not refuse the page
        session.rollback()
    finally:
        session.close()


def refuse_unregistered(address: str):
    """None when this browser may use the console; else the 403 page saying what to do."""
    if request.blueprint in EXEMPT_BLUEPRINTS:
        return None
    device = current_device()
    if devices.usable(device):
        _note_seen(device, address)
        return None
    if not devices.is_required(db()):
        return None
    return render_template("devices/unregistered.html", device=device), 403

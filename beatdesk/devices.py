"""Registered department devices (Detroit 102.8 4.4; Chicago Twitter IV.D; Deerfield C.2).

An administrator creates an enrolment for a named department browser and is shown a one-time
code once (single use, short-lived, stored hashed). Typed on that browser's enrolment page, the
code gives the browser a long-lived token (stored hashed) that the web layer keeps in a cookie.
When the department requires registered devices, the console refuses every other browser.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import clock
from .audit import record_event
from .context import Actor
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .models import AuditEvent, Outcome
from .models.devices import DeviceRequirement, RegisteredDevice
from .roles import Role
from .text import normalise

CODE_LIFETIME = timedelta(minutes=15)
# Codes read aloud or copied by hand: no 0/O, 1/I/L. Ten characters: 50 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
# Wrong codes anyone may type department-wide in ``ATTEMPT_WINDOW`` before the page stops
# taking codes for the rest of it (on top of the per-address rate limit).
MAX_FAILED_ATTEMPTS = 10
ATTEMPT_WINDOW = timedelta(minutes=15)
LAST_SEEN_EVERY = timedelta(minutes=5)  # how stale "last seen" may get before it is written
MAX_NAME = 120


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def canonical_code(typed: str) -> str:
    """A typed code as issued: spaces and dashes dropped, upper case."""
    return "".join(ch for ch in typed.upper() if ch not in " -\t")


def format_code(code: str) -> str:
    """``ABCDEFGHJK`` shown as ``ABCDE-FGHJK``."""
    return f"{code[:5]}-{code[5:]}"


def _require_admin(actor: Actor) -> None:
    if actor.user is None or actor.user.role is not Role.ADMIN or not actor.user.active:
        raise PermissionDenied("Only administrators manage registered devices.")


# --- the setting -------------------------------------------------------------------------------

def is_required(session: Session) -> bool:
    row = session.get(DeviceRequirement, 1)
    return bool(row and row.required)


def requirement(session: Session) -> DeviceRequirement | None:
    return session.get(DeviceRequirement, 1)


def set_required(session: Session, actor: Actor, required: bool, *,
                 current_device: RegisteredDevice | None = None, operator: bool = False) -> bool:
    """Turn the requirement on or off; returns whether it changed.

    Turning it on is refused unless the administrator's own browser is a registered device
    (``current_device``), so nobody locks themselves out. ``operator`` is the command-line
    recovery, which may only turn it off.
    """
    if operator:
        if required:
            raise PermissionDenied("The operator's command can only turn the requirement off.")
    else:
        _require_admin(actor)
    if required and not usable(current_device):
        raise PermissionDenied(
            "Register this browser first: the console would refuse it once registered devices "
            "are required. Create an enrolment below and enter its code on this browser.")
    row = session.get(DeviceRequirement, 1)
    if row is not None and row.required == required:
        return False
    if row is None:
        if not required:
            return False
        row = DeviceRequirement(id=1)
        session.add(row)
    row.required = required
    row.changed_at = clock.utcnow()
    row.changed_by_id = actor.user.id if actor.user is not None else None
    record_event(session, actor, "devices.required_on" if required else "devices.required_off",
                 obj=row, login="operator (command line)" if operator else None,
                 details={"required": required, "operator": operator,
                          "device_id": current_device.id if current_device else None})
    return True


# --- enrolment ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Enrolment:
    device: RegisteredDevice
    code: str  # shown once, never stored


def create_enrolment(session: Session, actor: Actor, name: str) -> Enrolment:
    _require_admin(actor)
    name = " ".join(normalise(name or "", "Device name", "name").split())
    if not name:
        raise ValidationFailed("Name the device, for example “Front desk PC, District 1”.",
                               field="name")
    if len(name) > MAX_NAME:
        raise ValidationFailed(f"Keep the device's name to {MAX_NAME} characters.", field="name")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = clock.utcnow()
    device = RegisteredDevice(name=name, created_at=now, created_by_id=actor.user.id,
                              code_hash=_hash(code), code_expires_at=now + CODE_LIFETIME)
    session.add(device)
    record_event(session, actor, "devices.enrolment_created", obj=device,
                 details={"name": name, "expires_at": clock.iso(device.code_expires_at)})
    return Enrolment(device=device, code=code)


def _recent_failures(session: Session, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "devices.enrol_failed",
        AuditEvent.occurred_at >= now - ATTEMPT_WINDOW)) or 0


@dataclass(frozen=True)
class Enrolled:
    device: RegisteredDevice
    token: str  # for the browser's cookie, never stored


def enrol(session: Session, actor: Actor, typed_code: str) -> Enrolled:
    """Exchange a one-time code for a device token. A wrong, used or expired code is refused
    and recorded; too many wrong codes in a while close the page for the rest of it."""
    now = clock.utcnow()
    if _recent_failures(session, now) >= MAX_FAILED_ATTEMPTS:
        raise PermissionDenied(
            "Too many wrong codes were entered recently. Wait 15 minutes and try again, or ask "
            "an administrator for a new code.")
    code = canonical_code(typed_code or "")
    if not code:
        raise ValidationFailed("Enter the code an administrator gave you.", field="code")
    device = None
    if len(code) == CODE_LENGTH:
        device = session.scalar(select(RegisteredDevice).where(
            RegisteredDevice.code_hash == _hash(code)))
    if device is None or device.revoked_at is not None or \
            clock.as_utc(device.code_expires_at) <= now:
        reason = "expired" if device is not None else "unknown"
        record_event(session, actor, "devices.enrol_failed", outcome=Outcome.FAILURE,
                     object_type="registered_devices",
                     object_id=device.id if device is not None else "",
                     details={"reason": reason})
        if device is not None:
            device.code_hash = None  # an expired code is spent
            raise ValidationFailed("That code has expired. Ask an administrator for a new one.",
                                   field="code")
        raise ValidationFailed("That code is not right, or it was already used. Check it, or "
                               "ask an administrator for a new one.", field="code")
    token = secrets.token_urlsafe(32)
    device.code_hash = None
    device.token_hash = _hash(token)
    device.enrolled_at = now
    device.last_seen_at = now
    device.last_seen_addr = (actor.client_addr or "")[:64]
    record_event(session, actor, "devices.enrolled", obj=device, details={"name": device.name})
    return Enrolled(device=device, token=token)


def device_for_token(session: Session, token: str | None) -> RegisteredDevice | None:
    """The enrolled device whose cookie holds ``token`` (revoked ones included: the caller
    decides), or None."""
    if not token or len(token) > 200:
        return None
    device = session.scalar(select(RegisteredDevice).where(
        RegisteredDevice.token_hash == _hash(token)))
    if device is None or not hmac.compare_digest(device.token_hash or "", _hash(token)):
        return None
    return device


def usable(device: RegisteredDevice | None) -> bool:
    return device is not None and device.enrolled_at is not None and device.revoked_at is None


def needs_touch(device: RegisteredDevice, client_addr: str) -> bool:
    """Whether "last seen" is worth writing now (at most every few minutes, or from a new
    address), so pages don't each write a row."""
    seen = clock.as_utc(device.last_seen_at)
    return (seen is None or clock.utcnow() - seen >= LAST_SEEN_EVERY
            or device.last_seen_addr != (client_addr or "")[:64])


# --- listing and revoking ----------------------------------------------------------------------

def list_devices(session: Session) -> list[RegisteredDevice]:
    """Enrolled devices and pending enrolments, newest first."""
    return list(session.scalars(select(RegisteredDevice)
                                .order_by(RegisteredDevice.created_at.desc(),
                                          RegisteredDevice.id.desc())))


def get_device(session: Session, device_id: int) -> RegisteredDevice:
    device = session.get(RegisteredDevice, device_id)
    if device is None:
        raise NotFound("No such device.")
    return device


def revoke(session: Session, actor: Actor, device: RegisteredDevice) -> None:
    _require_admin(actor)
    if device.revoked_at is not None:
        raise Conflict(f"{device.name} was already revoked.")
    device.revoked_at = clock.utcnow()
    device.revoked_by_id = actor.user.id
    device.code_hash = None
    record_event(session, actor, "devices.revoked", obj=device, details={"name": device.name})


def status_text(device: RegisteredDevice, now: datetime | None = None) -> str:
    now = now or clock.utcnow()
    if device.revoked_at is not None:
        return "Revoked"
    if device.enrolled_at is not None:
        return "Registered"
    if device.code_hash and clock.as_utc(device.code_expires_at) > now:
        return "Waiting for its code"
    return "Code expired unused"

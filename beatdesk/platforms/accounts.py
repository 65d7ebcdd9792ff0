"""Connecting the department's platform accounts: connect, test, replace credentials, disconnect.

Only administrators do any of it. Credentials (X: a bearer access token; Mastodon: an access
token for the instance; Bluesky: an app password) are sealed with ``beatdesk.sealing`` the moment
they arrive, are never shown again, and never appear in an audit or archive record. Every change
is audited (``audit.record_event``) and archived (``archive.append``) with the account's public
fields only.

Disconnecting an account stops new outbox rows for it; rows already queued for it are left to
the outbox, which cancels or keeps them by its own rules (``beatdesk.platforms.outbox``).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beatdesk import archive, audit, clock, outlets, sealing
from beatdesk.context import Actor
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import District, User
from beatdesk.models.platforms import Platform, PlatformAccount
from beatdesk.roles import Role

from .base import AccountInfo, Connector, ConnectorError

# Platforms an administrator can connect (the local connector needs no account).
CONNECTABLE = (Platform.X, Platform.MASTODON, Platform.BLUESKY)
DEFAULT_BLUESKY_PDS = "https://bsky.social"
# Addresses where plain http is accepted: stand-in servers on this machine, for testing.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_URL = 500
MAX_SECRET = 4000

# X: 1 to 15 letters, digits or underscores.
_X_HANDLE = re.compile(r"@?([A-Za-z0-9_]{1,15})")
# Mastodon: a username (letters, digits, underscores; dots and dashes inside), optionally
# @domain; without a domain the instance's own host is used.
_MASTODON_HANDLE = re.compile(
    r"@?([A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*)(?:@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?))?")
# Bluesky (AT Protocol handle syntax): a domain name of two or more labels, the last one not
# starting with a digit; at most 253 characters.
_BLUESKY_HANDLE = re.compile(
    r"@?((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)")
_SECRET = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no spaces


@dataclass(frozen=True)
class ConnectionData:
    """What the connect form gives. Fields a platform does not use are ignored."""

    platform: Platform
    district_id: int | None       # None: the department's own account
    handle: str = ""
    base_url: str = ""            # Mastodon instance, Bluesky PDS, X's API (empty: api.x.com)
    access_token: str = ""        # X, Mastodon
    app_password: str = ""        # Bluesky


@dataclass(frozen=True)
class TestOutcome:
    ok: bool
    message: str
    info: AccountInfo | None = None


# --- permission --------------------------------------------------------------------------------

def can_manage_accounts(user: User | None) -> bool:
    """Only an active administrator connects, tests, replaces or disconnects accounts."""
    return user is not None and user.active and user.role == Role.ADMIN


def _require_admin(actor: Actor) -> None:
    if not can_manage_accounts(actor.user):
        raise PermissionDenied("Only an administrator manages platform accounts.")


# --- validation --------------------------------------------------------------------------------

def validate_base_url(value: str, label: str = "The server address",
                      field: str = "base_url") -> str:
    """The address normalised (no trailing slash). https only, except for 127.0.0.1 and
    localhost (stand-in servers for testing). Raises ValidationFailed with a sentence."""
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"{label} is required, e.g. https://mastodon.social.", field)
    if len(value) > MAX_URL:
        raise ValidationFailed(f"{label} is {len(value)} characters long; at most {MAX_URL}.",
                               field)
    if not value.isascii() or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationFailed(f"{label} may not contain spaces, control characters or "
                               "letters outside ASCII (write an international name in its "
                               "xn-- form).", field)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValidationFailed(f"{label} is not a valid web address.", field) from None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("https", "http") or not host:
        raise ValidationFailed(f"{label} must be a full address starting with https://, "
                               "e.g. https://mastodon.social.", field)
    if parts.scheme.lower() == "http" and host not in LOCAL_HOSTS:
        raise ValidationFailed(f"{label} must start with https:// (plain http:// is accepted "
                               "only for 127.0.0.1 or localhost, for testing).", field)
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed(f"{label} must not contain a user name or password.", field)
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise ValidationFailed(f"{label} must not contain a query (?) or fragment (#).", field)
    if not re.fullmatch(r"[a-z0-9.\-\[\]:]+", host) or ".." in host:
        raise ValidationFailed(f"{label} has an invalid host name.", field)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}"


def normalise_handle(platform: Platform, value: str, base_url: str = "") -> str:
    """The handle in the platform's own form (X: @name; Mastodon: name@instance; Bluesky:
    name.bsky.social). Raises ValidationFailed with the platform's format."""
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"The {platform.label} handle is required.", "handle")
    if platform == Platform.X:
        match = _X_HANDLE.fullmatch(value)
        if not match:
            raise ValidationFailed("An X handle is 1 to 15 letters, digits or underscores, "
                                   "e.g. @ChicagoPolice.", "handle")
        return "@" + match.group(1)
    if platform == Platform.MASTODON:
        match = _MASTODON_HANDLE.fullmatch(value)
        if not match or len(match.group(1)) > 30:
            raise ValidationFailed("A Mastodon handle is a user name of up to 30 letters, "
                                   "digits or underscores, optionally with its server, e.g. "
                                   "district1@mastodon.social.", "handle")
        domain = (match.group(2) or urlsplit(base_url).netloc or "").lower()
        return f"{match.group(1)}@{domain}" if domain else match.group(1)
    if platform == Platform.BLUESKY:
        match = _BLUESKY_HANDLE.fullmatch(value)
        if not match or len(match.group(1)) > 253:
            raise ValidationFailed("A Bluesky handle is a domain name, e.g. "
                                   "district1.bsky.social (no spaces; letters, digits, dashes "
                                   "and dots).", "handle")
        return match.group(1).lower()
    raise ValidationFailed(f"{platform.label} accounts are not connected here.", "platform")


def _secret(value: str, label: str, field: str, hint: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"The {label} is required. {hint}", field)
    if len(value) > MAX_SECRET:
        raise ValidationFailed(f"The {label} is {len(value)} characters long; at most "
                               f"{MAX_SECRET}.", field)
    if not _SECRET.fullmatch(value):
        raise ValidationFailed(f"The {label} may contain only letters, digits and ASCII "
                               "punctuation, with no spaces: paste it exactly as the platform "
                               "showed it.", field)
    return value


def _credentials(data: ConnectionData) -> dict[str, str]:
    """The credentials to seal, checked; the same field names the connectors read."""
    if data.platform == Platform.BLUESKY:
        return {"app_password": _secret(
            data.app_password, "app password", "app_password",
            "Create one in Bluesky under Settings, Privacy and security, App passwords.")}
    return {"access_token": _secret(
        data.access_token, "access token", "access_token",
        "X: the account's OAuth 2.0 user access token; Mastodon: a token from Preferences, "
        "Development, New application.")}


def _check_platform(platform: Platform | str) -> Platform:
    try:
        platform = Platform(platform)
    except ValueError:
        raise ValidationFailed("Choose X, Mastodon or Bluesky.", "platform") from None
    if platform not in CONNECTABLE:
        raise ValidationFailed("Choose X, Mastodon or Bluesky.", "platform")
    return platform


def _check_district(session: Session, district_id: int | None) -> None:
    if district_id is not None and session.get(District, district_id) is None:
        raise ValidationFailed("That district does not exist; choose one from the list, or "
                               "the department.", "district_id")


# --- records -----------------------------------------------------------------------------------

def public_fields(account: PlatformAccount) -> dict:
    """What audit and archive records say about an account: never its credentials."""
    return {"platform": account.platform.value, "handle": account.handle,
            "district_id": account.district_id, "base_url": account.base_url,
            "account_ref": account.account_ref, "active": account.active,
            "last_test_ok": account.last_test_ok}


def _record(session: Session, actor: Actor, account: PlatformAccount, event: str,
            extra: dict | None = None) -> None:
    details = public_fields(account) | (extra or {})
    audit.record_event(session, actor, f"platform_account.{event}", obj=account, details=details)
    archive.append(session, record_type="platform_account", object_id=account.id,
                   district_id=account.district_id, actor=actor,
                   content={"event": event, "account_id": account.id, **details,
                            "state": "active" if account.active else "disconnected"})


# --- operations --------------------------------------------------------------------------------

def list_accounts(session: Session) -> list[PlatformAccount]:
    """Every account ever connected: active ones first, then by platform and handle."""
    return list(session.scalars(select(PlatformAccount).order_by(
        PlatformAccount.active.desc(), PlatformAccount.platform, PlatformAccount.handle,
        PlatformAccount.id)))


def get_account(session: Session, account_id: int) -> PlatformAccount:
    account = session.get(PlatformAccount, account_id)
    if account is None:
        raise NotFound("No such platform account.")
    return account


def connect_account(session: Session, actor: Actor, data: ConnectionData) -> PlatformAccount:
    """Connect an account to a district (or the department), its credentials sealed.

    Raises PermissionDenied for anyone but an administrator, ValidationFailed (naming the
    field) for a bad address, handle, credential or district, or when the same account is
    already connected and active.
    """
    _require_admin(actor)
    platform = _check_platform(data.platform)
    _check_district(session, data.district_id)
    if platform == Platform.MASTODON:
        base_url = validate_base_url(data.base_url, "The instance address")
    elif platform == Platform.BLUESKY:
        base_url = validate_base_url(data.base_url or DEFAULT_BLUESKY_PDS, "The PDS address")
    else:  # X: empty means X's own API (the connector's default address)
        base_url = (validate_base_url(data.base_url, "The API address")
                    if (data.base_url or "").strip() else "")
    handle = normalise_handle(platform, data.handle, base_url)
    credentials = _credentials(data)
    if platform == Platform.BLUESKY:
        credentials["handle"] = handle
    existing = session.scalar(select(PlatformAccount).where(
        PlatformAccount.platform == platform, PlatformAccount.active.is_(True),
        func.lower(PlatformAccount.handle) == handle.lower(),
        PlatformAccount.base_url == base_url))
    if existing is not None:
        raise ValidationFailed(f"{platform.label} {handle} is already connected (account "
                               f"#{existing.id}); replace its credentials, or disconnect it "
                               "first.", "handle")
    account = PlatformAccount(platform=platform, district_id=data.district_id, handle=handle,
                              base_url=base_url, credentials=sealing.seal(json.dumps(credentials)),
                              active=True, connected_by_id=actor.user.id,
                              connected_at=clock.utcnow())
    session.add(account)
    session.flush()
    _record(session, actor, account, "connected")
    outlets.record_created(session, actor, account)  # awaits approval before any send
    return account


def replace_credentials(session: Session, actor: Actor, account: PlatformAccount,
                        data: ConnectionData) -> PlatformAccount:
    """New credentials for an active account (e.g. a revoked token); the last test result is
    cleared until the account is tested again. Raises PermissionDenied, ValidationFailed, or
    Conflict for a disconnected account."""
    _require_admin(actor)
    if not account.active:
        raise Conflict(f"{account.label} is disconnected; connect it again instead.")
    credentials = _credentials(ConnectionData(
        platform=account.platform, district_id=account.district_id,
        access_token=data.access_token, app_password=data.app_password))
    if account.platform == Platform.BLUESKY:
        credentials["handle"] = account.handle
    account.credentials = sealing.seal(json.dumps(credentials))
    account.last_tested_at = account.last_test_ok = None
    account.last_test_message = ""
    session.flush()
    _record(session, actor, account, "credentials_replaced")
    return account


def disconnect_account(session: Session, actor: Actor, account: PlatformAccount
                       ) -> PlatformAccount:
    """Stop using an account: no new posts go to it. Rows already in the outbox for it are
    left to the outbox. Raises PermissionDenied, or Conflict if already disconnected."""
    _require_admin(actor)
    if not account.active:
        raise Conflict(f"{account.label} was already disconnected.")
    account.active = False
    account.disconnected_by_id = actor.user.id
    account.disconnected_at = clock.utcnow()
    session.flush()
    _record(session, actor, account, "disconnected")
    return account


def check_can_test(actor: Actor, account: PlatformAccount) -> None:
    """Raises PermissionDenied for anyone but an administrator, Conflict when disconnected."""
    _require_admin(actor)
    if not account.active:
        raise Conflict(f"{account.label} is disconnected; connect it again to test it.")


def run_connection_test(connector_factory: Callable[[], Connector]) -> TestOutcome:
    """Sign in to the platform and read the account. No database work: call it outside a
    transaction. Whatever goes wrong becomes a message, never an exception."""
    try:
        connector = connector_factory()
        info = connector.verify()
    except ConnectorError as exc:
        status = f" (HTTP {exc.status})" if exc.status else ""
        return TestOutcome(False, f"The connection failed{status}: {exc.message}")
    except Exception as exc:  # a client library's own error: still a failed test
        return TestOutcome(False, f"The connection failed: {exc.__class__.__name__}: {exc}"[:500])
    if getattr(connector, "platform", "") == Platform.LOCAL.value:
        return TestOutcome(True, "Checked with the local connector only "
                                 "(PLATFORM_CONNECTORS=local): the platform was not contacted.")
    return TestOutcome(True, f"Connected as {info.handle}"
                             + (f" ({info.display_name})" if info.display_name else "") + ".",
                       info)


def record_connection_test(session: Session, actor: Actor, account: PlatformAccount,
                           outcome: TestOutcome, at: datetime | None = None) -> PlatformAccount:
    """Store a test's result; a successful live test records the platform's id for the account
    and the handle it confirmed."""
    check_can_test(actor, account)
    before = outlets.fields_of(account)
    account.last_tested_at = at or clock.utcnow()
    account.last_test_ok = outcome.ok
    account.last_test_message = outcome.message[:2000]
    if outcome.ok and outcome.info is not None:
        if outcome.info.account_ref:
            account.account_ref = outcome.info.account_ref[:200]
        if outcome.info.handle:
            account.handle = normalise_confirmed_handle(account, outcome.info.handle)
    session.flush()
    _record(session, actor, account, "tested", {"message": account.last_test_message})
    outlets.record_change(session, actor, account, before)  # a new handle awaits approval
    return account


def normalise_confirmed_handle(account: PlatformAccount, handle: str) -> str:
    """The handle the platform confirmed, in the same form as a typed one (kept as typed if
    the platform's form does not fit, so a surprising answer never breaks the record)."""
    try:
        return normalise_handle(account.platform, handle, account.base_url)[:200]
    except ValidationFailed:
        return account.handle

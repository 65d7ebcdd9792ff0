"""Staff sign-in: password, TOTP second factor, lockout, and session lifetime rules.

Failures are written to the audit trail and the failure counter before the exception is
raised; the caller commits in both cases so a refused attempt is still on record.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beatdesk import clock, passwords, totp
from beatdesk.audit import record_event
from beatdesk.context import Actor
from beatdesk.errors import DomainError
from beatdesk.models import Outcome, User

GENERIC_FAILURE = "The log-on ID or password is not correct."


@dataclass(frozen=True)
class SecurityPolicy:
    lockout_threshold: int = 5
    lockout_duration: timedelta = timedelta(minutes=10)
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=12)


class AuthenticationFailed(DomainError):
    status_code = 401


class AccountLocked(AuthenticationFailed):
    status_code = 401


def find_by_login(session: Session, login_id: str) -> User | None:
    login_id = login_id.strip().lower()
    if not login_id:
        return None
    return session.scalar(select(User).where(func.lower(User.login_id) == login_id))


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _lock_message(user: User) -> str:
    until = clock.department_text(user.locked_until)
    return (f"This account is locked after repeated failed sign-ins. Try again after {until}, "
            "or ask an administrator to unlock it.")


def _clear_expired_lock(user: User, now: datetime) -> None:
    if user.locked_until is not None and user.locked_until <= now:
        user.locked_until = None
        user.failed_logins = 0


def register_failure(session: Session, user: User, actor: Actor, reason: str,
                     policy: SecurityPolicy, now: datetime) -> None:
    """Count one failed attempt, lock the account at the threshold, and audit both."""
    _clear_expired_lock(user, now)
    user.failed_logins += 1
    record_event(session, actor, "login.failure", obj=user, outcome=Outcome.FAILURE,
                 login=user.login_id, details={"reason": reason, "consecutive": user.failed_logins})
    if user.failed_logins >= policy.lockout_threshold:
        user.locked_until = now + policy.lockout_duration
        record_event(session, actor, "account.locked", obj=user, outcome=Outcome.FAILURE,
                     login=user.login_id,
                     details={"until": user.locked_until.isoformat(),
                              "after_failures": user.failed_logins})
        raise AccountLocked(_lock_message(user))


def check_password(session: Session, login_id: str, password: str, client_addr: str,
                   policy: SecurityPolicy, now: datetime | None = None) -> User:
    """First factor. Returns the user, or raises AuthenticationFailed / AccountLocked."""
    now = now or clock.utcnow()
    user = find_by_login(session, login_id)
    actor = Actor(user=user, client_addr=client_addr)
    if user is None or not user.active:
        passwords.verify_password(None, password)
        record_event(session, actor, "login.failure", outcome=Outcome.FAILURE,
                     login=login_id.strip().lower()[:120],
                     object_type="users" if user else "", object_id=user.id if user else "",
                     details={"reason": "unknown log-on ID" if user is None else "account inactive"})
        raise AuthenticationFailed(GENERIC_FAILURE)
    if is_locked(user, now):
        record_event(session, actor, "login.failure", obj=user, outcome=Outcome.FAILURE,
                     details={"reason": "account locked"})
        raise AccountLocked(_lock_message(user))
    if not passwords.verify_password(user.password_hash, password):
        register_failure(session, user, actor, "wrong password", policy, now)
        raise AuthenticationFailed(GENERIC_FAILURE)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def complete_login(session: Session, user: User, actor: Actor, second_factor: str,
                   now: datetime | None = None) -> None:
    """Record a successful sign-in once every required factor is through."""
    now = now or clock.utcnow()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record_event(session, actor, "login.success", obj=user,
                 details={"second_factor": second_factor})


def verify_second_factor(session: Session, user: User, code: str, client_addr: str,
                         policy: SecurityPolicy, now: datetime | None = None) -> None:
    """Second factor for an enrolled user; a wrong code counts as a failed sign-in."""
    now = now or clock.utcnow()
    actor = Actor(user=user, client_addr=client_addr)
    if is_locked(user, now):
        raise AccountLocked(_lock_message(user))
    counter = totp.matching_counter(user.totp_secret or "", code, now, user.totp_last_counter)
    if counter is None:
        register_failure(session, user, actor, "wrong second-factor code", policy, now)
        raise AuthenticationFailed("That code is not valid. Enter the current 6-digit code "
                                   "from your authenticator app.")
    user.totp_last_counter = counter
    complete_login(session, user, actor, "totp", now)


def pending_enrolment_secret(session: Session, user: User) -> str:
    """The secret to enrol with; made once and kept until confirmed, so a reload shows the same QR."""
    if user.has_second_factor:
        raise DomainError("A second factor is already enrolled for this account.")
    if not user.totp_secret:
        user.totp_secret = totp.new_secret()
        session.flush()
    return user.totp_secret


def confirm_enrolment(session: Session, user: User, code: str, client_addr: str,
                      policy: SecurityPolicy, now: datetime | None = None) -> None:
    """Finish enrolment with a first valid code; this also completes the sign-in."""
    now = now or clock.utcnow()
    actor = Actor(user=user, client_addr=client_addr)
    if is_locked(user, now):
        raise AccountLocked(_lock_message(user))
    counter = totp.matching_counter(user.totp_secret or "", code, now, None)
    if counter is None:
        register_failure(session, user, actor, "wrong code during second-factor enrolment",
                         policy, now)
        raise AuthenticationFailed("That code does not match. Check the time on your phone and "
                                   "enter the current 6-digit code.")
    user.totp_confirmed_at = now
    user.totp_last_counter = counter
    record_event(session, actor, "second_factor.enrolled", obj=user)
    complete_login(session, user, actor, "totp", now)


class SessionState(StrEnum):
    ACTIVE = "active"
    IDLE_LOCKED = "idle_locked"
    EXPIRED = "expired"


def session_state(authenticated_at: datetime, last_seen_at: datetime, policy: SecurityPolicy,
                  now: datetime | None = None) -> SessionState:
    """Expired after the absolute lifetime; locked after the idle timeout; else active."""
    now = now or clock.utcnow()
    if now - authenticated_at >= policy.absolute_timeout:
        return SessionState.EXPIRED
    if now - last_seen_at >= policy.idle_timeout:
        return SessionState.IDLE_LOCKED
    return SessionState.ACTIVE


def unlock_session(session: Session, user: User, password: str, client_addr: str,
                   policy: SecurityPolicy, now: datetime | None = None) -> None:
    """Re-enter the password to resume an idle-locked session; failures count toward lockout."""
    now = now or clock.utcnow()
    actor = Actor(user=user, client_addr=client_addr)
    if is_locked(user, now):
        raise AccountLocked(_lock_message(user))
    if not passwords.verify_password(user.password_hash, password):
        register_failure(session, user, actor, "wrong password at session unlock", policy, now)
        raise AuthenticationFailed("The password is not correct.")
    user.failed_logins = 0
    record_event(session, actor, "session.unlocked", obj=user)


def record_logout(session: Session, user: User, client_addr: str) -> None:
    record_event(session, Actor(user=user, client_addr=client_addr), "logout", obj=user)

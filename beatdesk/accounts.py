"""Staff account management: create, edit, deactivate, reset and unlock.

All operations check the actor's permission, validate, change state, write the audit row and
flush; the caller commits.
"""
import re
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from beatdesk import clock, passwords
from beatdesk.audit import record_event
from beatdesk.context import SYSTEM, Actor
from beatdesk.errors import NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import District, Outcome, RepresentativeDesignation, User
from beatdesk.models.people import new_session_token
from beatdesk.permissions import can_manage_users
from beatdesk.roles import Role
from beatdesk.wording import in_sentence

LOGIN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,38}[a-z0-9]$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class UserData:
    """The editable fields of a staff account, as plain values."""

    full_name: str
    rank: str
    star_number: str
    employee_number: str
    login_id: str
    email: str
    role: Role
    district_id: int | None

    def normalised(self) -> "UserData":
        return UserData(
            full_name=" ".join(self.full_name.split()),
            rank=" ".join(self.rank.split()),
            star_number=self.star_number.strip(),
            employee_number=self.employee_number.strip(),
            login_id=self.login_id.strip().lower(),
            email=self.email.strip().lower(),
            role=Role(self.role),
            district_id=self.district_id if Role(self.role).is_district_role else None,
        )


def _require_admin(actor: Actor) -> None:
    if not can_manage_users(actor.user):
        raise PermissionDenied("Only an administrator can manage staff accounts.")


def _validate(session: Session, data: UserData, existing: User | None) -> None:
    if not data.full_name:
        raise ValidationFailed("Enter the full name.", field="full_name")
    if not LOGIN_ID_RE.match(data.login_id):
        raise ValidationFailed("A log-on ID is 3 to 40 lower-case letters, digits, dots, dashes "
                               "or underscores.", field="login_id")
    if not EMAIL_RE.match(data.email):
        raise ValidationFailed("Enter a valid department e-mail address.", field="email")
    if not data.employee_number:
        raise ValidationFailed("Enter the employee number.", field="employee_number")
    if data.role is Role.REPRESENTATIVE and not (data.rank and data.star_number):
        raise ValidationFailed("A district representative needs a rank and star number "
                               "(Twitter directive V.A.2).", field="star_number")
    if data.role.is_district_role:
        district = session.get(District, data.district_id) if data.district_id else None
        if district is None:
            raise ValidationFailed(f"A {in_sentence(data.role.label)} needs a district.",
                                   field="district_id")
        if not district.is_approved:
            raise ValidationFailed(f"{district.label} is not approved yet; approve it first.",
                                   field="district_id")
    for field, label, column in (
        ("login_id", "log-on ID", User.login_id),
        ("employee_number", "employee number", User.employee_number),
        ("email", "e-mail address", User.email),
    ):
        value = getattr(data, field)
        query = select(User.id).where(func.lower(column) == value.lower())
        if existing is not None:
            query = query.where(User.id != existing.id)
        if session.scalar(query) is not None:
            raise ValidationFailed(f"Another account already uses the {label} “{value}”.",
                                   field=field)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such staff account.")
    return user


def create_user(session: Session, actor: Actor, data: UserData, password: str,
                *, demo_account: bool = False) -> User:
    """Create a staff account with an initial password the user must change at first sign-in.

    Raises PermissionDenied unless the actor is an admin, ValidationFailed on bad or duplicate data.
    """
    _require_admin(actor)
    data = data.normalised()
    _validate(session, data, None)
    passwords.check_password_policy(password, data.login_id)
    user = User(**asdict(data), password_hash=passwords.hash_password(password),
                must_change_password=not demo_account, demo_account=demo_account)
    session.add(user)
    record_event(session, actor, "user.created", obj=user,
                 details={"fields": _public_fields(user)})
    return user


def bootstrap_admin(session: Session, data: UserData, password: str) -> User:
    """Create the first administrator from the command line (no acting user exists yet)."""
    data = data.normalised()
    if data.role is not Role.ADMIN:
        raise ValidationFailed("The first account must be an administrator.")
    _validate(session, data, None)
    passwords.check_password_policy(password, data.login_id)
    user = User(**asdict(data), password_hash=passwords.hash_password(password))
    session.add(user)
    record_event(session, SYSTEM, "user.created", obj=user,
                 login="cli", details={"fields": _public_fields(user), "via": "command line"})
    return user


def _public_fields(user: User) -> dict:
    return {
        "full_name": user.full_name, "rank": user.rank, "star_number": user.star_number,
        "employee_number": user.employee_number, "login_id": user.login_id,
        "email": user.email, "role": str(user.role), "district_id": user.district_id,
    }


def update_user(session: Session, actor: Actor, user: User, data: UserData) -> User:
    """Change a staff account; role or district changes are audited as permission changes.

    Moving a designated representative out of the role or district ends the designation.
    """
    _require_admin(actor)
    data = data.normalised()
    _validate(session, data, user)
    if user.id == actor.user.id and data.role is not Role.ADMIN:
        raise ValidationFailed("You cannot remove your own administrator role.", field="role")
    if user.role is Role.ADMIN and data.role is not Role.ADMIN:
        _refuse_if_last_admin(session, user)
    before = _public_fields(user)
    for field, value in asdict(data).items():
        setattr(user, field, value)
    after = _public_fields(user)
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not changes:
        return user
    if "role" in changes or "district_id" in changes:
        record_event(session, actor, "user.permissions_changed", obj=user,
                     details={k: changes[k] for k in ("role", "district_id") if k in changes})
        user.session_token = new_session_token()
        if not (user.role is Role.REPRESENTATIVE and "district_id" not in changes):
            _end_active_designation(session, actor, user, "role or district changed")
    record_event(session, actor, "user.updated", obj=user, details={"changes": changes})
    return user


def _refuse_if_last_admin(session: Session, user: User) -> None:
    others = session.scalar(select(func.count(User.id)).where(
        User.role == Role.ADMIN, User.active.is_(True), User.id != user.id))
    if not others:
        raise ValidationFailed("This is the last active administrator; name another first.")


def _end_active_designation(session: Session, actor: Actor, user: User, reason: str) -> None:
    designation = session.scalar(select(RepresentativeDesignation).where(
        RepresentativeDesignation.user_id == user.id, RepresentativeDesignation.ended_at.is_(None)))
    if designation is None:
        return
    designation.ended_at = clock.utcnow()
    designation.ended_by_id = actor.user.id
    designation.end_reason = reason
    record_event(session, actor, "representative.ended", obj=designation,
                 details={"user_id": user.id, "district_id": designation.district_id,
                          "reason": reason})


def deactivate_user(session: Session, actor: Actor, user: User) -> None:
    """Deactivate an account: its sessions end and any representative designation ends."""
    _require_admin(actor)
    if user.id == actor.user.id:
        raise ValidationFailed("You cannot deactivate your own account.")
    if not user.active:
        raise ValidationFailed(f"{user.full_name} is already inactive.")
    if user.role is Role.ADMIN:
        _refuse_if_last_admin(session, user)
    user.active = False
    user.session_token = new_session_token()
    _end_active_designation(session, actor, user, "account deactivated")
    record_event(session, actor, "user.deactivated", obj=user)


def reactivate_user(session: Session, actor: Actor, user: User) -> None:
    _require_admin(actor)
    if user.active:
        raise ValidationFailed(f"{user.full_name} is already active.")
    if user.district is not None and not user.district.is_approved:
        raise ValidationFailed(f"{user.district.label} is not approved.")
    user.active = True
    record_event(session, actor, "user.reactivated", obj=user)


def reset_password(session: Session, actor: Actor, user: User, new_password: str) -> None:
    """Set a temporary password; the user must choose a new one at the next sign-in."""
    _require_admin(actor)
    passwords.check_password_policy(new_password, user.login_id)
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = clock.utcnow()
    user.must_change_password = True
    user.session_token = new_session_token()
    record_event(session, actor, "password.reset", obj=user)


def reset_second_factor(session: Session, actor: Actor, user: User) -> None:
    """Clear the TOTP enrolment (lost phone); the user enrols again at the next sign-in."""
    _require_admin(actor)
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_counter = None
    user.session_token = new_session_token()
    record_event(session, actor, "second_factor.reset", obj=user)


def unlock_account(session: Session, actor: Actor, user: User) -> None:
    """Lift a lockout before its ten minutes are up."""
    _require_admin(actor)
    if user.locked_until is None and user.failed_logins == 0:
        raise ValidationFailed(f"{user.full_name}'s account is not locked.")
    _lift_lockout(session, actor, user)


def unlock_account_from_console(session: Session, user: User) -> None:
    """The operator's way back in when no administrator can sign in (``flask users unlock``)."""
    _lift_lockout(session, SYSTEM, user, login="cli",
                  details={"via": "command line"})


def _lift_lockout(session: Session, actor: Actor, user: User, **audit) -> None:
    user.locked_until = None
    user.failed_logins = 0
    record_event(session, actor, "account.unlocked", obj=user, **audit)


def change_own_password(session: Session, actor: Actor, current: str, new: str) -> None:
    """A signed-in user changes their password; the current one must be given."""
    user = actor.user
    if not passwords.verify_password(user.password_hash, current):
        record_event(session, actor, "password.change_failed", obj=user, outcome=Outcome.FAILURE,
                     details={"reason": "current password wrong"})
        raise ValidationFailed("Your current password is not correct.", field="current_password")
    if passwords.verify_password(user.password_hash, new):
        raise ValidationFailed("Choose a password different from the current one.",
                               field="password")
    passwords.check_password_policy(new, user.login_id)
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = clock.utcnow()
    user.must_change_password = False
    user.session_token = new_session_token()
    record_event(session, actor, "password.changed", obj=user)


def list_users(session: Session, *, role: str = "", district_id: int | None = None,
               active: bool | None = None, q: str = "") -> list[User]:
    query = select(User).options(selectinload(User.district)).order_by(User.full_name)
    if role:
        query = query.where(User.role == Role(role))
    if district_id:
        query = query.where(User.district_id == district_id)
    if active is not None:
        query = query.where(User.active.is_(active))
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(func.lower(User.full_name).like(like) | User.login_id.like(like)
                            | User.employee_number.like(like))
    return list(session.scalars(query))

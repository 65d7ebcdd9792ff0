"""Designation of district representatives by the district commander.

At most two are active per district at a time (Chicago Twitter directive V.A.1); the
database backs that with a unique index over the active (district, slot) pairs. Ending or
replacing a designation keeps the row, so the history shows who named whom and when.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from beatdesk import clock
from beatdesk.audit import record_event
from beatdesk.context import Actor
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import District, RepresentativeDesignation, User
from beatdesk.permissions import can_designate_representatives
from beatdesk.roles import Role

MAX_ACTIVE = 2


def active_designations(session: Session, district: District) -> list[RepresentativeDesignation]:
    return list(session.scalars(
        select(RepresentativeDesignation)
        .options(joinedload(RepresentativeDesignation.user))
        .where(RepresentativeDesignation.district_id == district.id,
               RepresentativeDesignation.ended_at.is_(None))
        .order_by(RepresentativeDesignation.slot)))


def designation_history(session: Session, district: District) -> list[RepresentativeDesignation]:
    return list(session.scalars(
        select(RepresentativeDesignation)
        .options(joinedload(RepresentativeDesignation.user),
                 joinedload(RepresentativeDesignation.designated_by),
                 joinedload(RepresentativeDesignation.ended_by))
        .where(RepresentativeDesignation.district_id == district.id)
        .order_by(RepresentativeDesignation.designated_at.desc(),
                  RepresentativeDesignation.id.desc())))


def eligible_candidates(session: Session, district: District) -> list[User]:
    """Active representative-role users of the district who are not designated now."""
    designated = select(RepresentativeDesignation.user_id).where(
        RepresentativeDesignation.ended_at.is_(None))
    return list(session.scalars(
        select(User).where(User.district_id == district.id, User.role == Role.REPRESENTATIVE,
                           User.active.is_(True), User.id.not_in(designated))
        .order_by(User.full_name)))


def _require_commander(actor: Actor, district: District) -> None:
    if not district.is_approved:
        raise ValidationFailed(f"{district.label} is not approved yet.")
    if not can_designate_representatives(actor.user, district):
        raise PermissionDenied("Only the district's commander names its representatives.")


def _candidate(session: Session, district: District, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such staff member.")
    if not (user.active and user.role is Role.REPRESENTATIVE and user.district_id == district.id):
        raise ValidationFailed(f"{user.full_name} is not an active representative-role member "
                               f"of {district.label}.", field="user_id")
    return user


def designate(session: Session, actor: Actor, district: District, user_id: int,
              replaces_id: int | None = None, reason: str = "") -> RepresentativeDesignation:
    """Name a representative, optionally replacing an active one in the same step.

    Raises ValidationFailed when the district already has two active representatives and no
    one is being replaced, or when the candidate is not eligible.
    """
    _require_commander(actor, district)
    user = _candidate(session, district, user_id)
    active = active_designations(session, district)
    if any(d.user_id == user.id for d in active):
        raise ValidationFailed(f"{user.full_name} is already a representative of {district.label}.",
                               field="user_id")
    now = clock.utcnow()
    replaced = None
    if replaces_id is not None:
        replaced = next((d for d in active if d.id == replaces_id), None)
        if replaced is None:
            raise ValidationFailed("The representative to replace is no longer active.",
                                   field="replaces_id")
        slot = replaced.slot
        replaced.ended_at = now
        replaced.ended_by_id = actor.user.id
        replaced.end_reason = reason.strip() or f"replaced by {user.full_name}"
        session.flush()  # free the slot before the new designation takes it
    else:
        free = sorted({1, 2} - {d.slot for d in active})
        if not free:
            names = " and ".join(d.user.full_name for d in active)
            raise ValidationFailed(
                f"{district.label} already has {MAX_ACTIVE} active representatives ({names}). "
                "Replace one of them instead.", field="user_id")
        slot = free[0]
    designation = RepresentativeDesignation(
        district_id=district.id, user_id=user.id, slot=slot,
        designated_at=now, designated_by_id=actor.user.id)
    session.add(designation)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict("Someone else changed this district's representatives at the same time; "
                       "reload and try again.") from exc
    if replaced is not None:
        replaced.replaced_by_id = designation.id
        record_event(session, actor, "representative.replaced", obj=replaced,
                     details={"district_id": district.id, "replaced_user_id": replaced.user_id,
                              "new_user_id": user.id, "reason": replaced.end_reason})
    record_event(session, actor, "representative.designated", obj=designation,
                 details={"district_id": district.id, "user_id": user.id, "slot": slot})
    return designation


def end_designation(session: Session, actor: Actor, district: District, designation_id: int,
                    reason: str) -> RepresentativeDesignation:
    """End an active designation without naming a successor."""
    _require_commander(actor, district)
    designation = session.get(RepresentativeDesignation, designation_id)
    if designation is None or designation.district_id != district.id:
        raise NotFound("No such designation in this district.")
    if not designation.is_active:
        raise ValidationFailed("That designation has already ended.")
    if not reason.strip():
        raise ValidationFailed("Give a reason for ending the designation.", field="reason")
    designation.ended_at = clock.utcnow()
    designation.ended_by_id = actor.user.id
    designation.end_reason = reason.strip()
    record_event(session, actor, "representative.ended", obj=designation,
                 details={"district_id": district.id, "user_id": designation.user_id,
                          "reason": designation.end_reason})
    return designation


def registry(session: Session) -> list[RepresentativeDesignation]:
    """Every active designation across the department, for News Affairs' registry."""
    return list(session.scalars(
        select(RepresentativeDesignation)
        .join(RepresentativeDesignation.district)
        .options(joinedload(RepresentativeDesignation.user),
                 joinedload(RepresentativeDesignation.district),
                 joinedload(RepresentativeDesignation.designated_by))
        .where(RepresentativeDesignation.ended_at.is_(None))
        .order_by(District.number, RepresentativeDesignation.slot)))

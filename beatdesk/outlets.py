"""Approving the department's outlets: district pages and platform accounts.

The directives have every official outlet approved by a named authority (Detroit 102.8 4.3:
the Chief of Police; Chicago, Use of Social Media Outlets IV.A.1: the Superintendent of Police;
Deerfield B.a: the Chief; Massachusetts IV.A.1-2: the chief executive or designee). Here:

- an administrator records the approving authority (its title and the person holding it) and
  the delegates who may approve for it (from when, until when, or revoked); every change is
  audited and kept;
- every district page and platform account has versions of what is approved (handles or
  address, statement of purpose, contact details); a real change (not only spacing) makes a new
  version, and the outlet awaits approval again, the earlier approval kept in its history;
- only the authority or a delegate whose delegation is in force approves, and never the person
  who created the outlet or made the version being approved (the database refuses it too);
- a platform account awaiting approval gets no sends: the outbox holds its rows
  (``held_accounts``); a district never approved is not public and can't be assigned, and a
  public district awaiting approval again keeps showing its last approved statement, contact
  details and handles (``site.get_public_district``).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from beatdesk import archive, clock, text
from beatdesk.audit import record_event
from beatdesk.context import Actor
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import District, User
from beatdesk.models.outlets import (Outlet, OutletApproval, OutletAuthority, OutletDelegation,
                                     OutletKind, OutletVersion)
from beatdesk.models.platforms import PlatformAccount
from beatdesk.roles import Role

MAX_TITLE = 200
MAX_APPROVING_AS = 300
MAX_NOTE = 2000

# What each kind of outlet has approved, with the names people read in the history.
DISTRICT_FIELDS = {
    "slug": "Page address",
    "handle_x": "X handle",
    "handle_mastodon": "Mastodon handle",
    "handle_bluesky": "Bluesky handle",
    "intro_statement": "Statement of purpose",
    "contact_phone": "Contact phone",
    "contact_email": "Contact e-mail",
    "contact_address": "Contact address",
}
ACCOUNT_FIELDS = {
    "handle": "Handle",
    "base_url": "Server address",
}
FIELD_LABELS = {**DISTRICT_FIELDS, **ACCOUNT_FIELDS}


# --- who may do what ---------------------------------------------------------------------------

def can_manage_authority(user: User | None) -> bool:
    """Administrators record the approving authority and its delegates."""
    return user is not None and user.active and user.role is Role.ADMIN


def _require_admin(actor: Actor) -> None:
    if not can_manage_authority(actor.user):
        raise PermissionDenied("Only an administrator records the approving authority and its "
                               "delegates.")


def current_authority(session: Session) -> OutletAuthority | None:
    return session.scalars(select(OutletAuthority)
                           .order_by(OutletAuthority.recorded_at.desc(),
                                     OutletAuthority.id.desc()).limit(1)).first()


@dataclass(frozen=True)
class Capacity:
    """In what capacity a user approves: the authority itself, or a delegation in force."""

    approving_as: str
    authority: OutletAuthority | None = None
    delegation: OutletDelegation | None = None


def capacity(session: Session, user: User | None, when: datetime | None = None
             ) -> Capacity | None:
    """The user's capacity to approve outlets at ``when`` (now), or None."""
    if user is None or not getattr(user, "active", False) or not user.id:
        return None
    when = when or clock.utcnow()
    authority = current_authority(session)
    if authority is not None and authority.user_id == user.id:
        return Capacity(approving_as=authority.title, authority=authority)
    for delegation in session.scalars(select(OutletDelegation).where(
            OutletDelegation.user_id == user.id, OutletDelegation.revoked_at.is_(None))
            .order_by(OutletDelegation.starts_at.desc(), OutletDelegation.id.desc())):
        if delegation.active_at(when):
            return Capacity(approving_as=delegation.approving_as, delegation=delegation)
    return None


def may_approve(session: Session, user: User | None) -> bool:
    return capacity(session, user) is not None


def can_view(user: User | None) -> bool:
    """Every active staff member may read the outlets and their approval history."""
    return user is not None and getattr(user, "is_authenticated", False) and user.active


# --- the authority and its delegates -----------------------------------------------------------

def _active_user(session: Session, user_id: int | None, field: str) -> User:
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active:
        raise ValidationFailed("Choose an active staff member from the list.", field)
    return user


def _title(value: str, label: str, field: str, limit: int) -> str:
    value = " ".join(text.normalise(value or "", label, field).split())
    if not value:
        raise ValidationFailed(f"Enter {label.lower()}.", field)
    if len(value) > limit:
        raise ValidationFailed(f"{label} is {len(value)} characters long; at most {limit}.",
                               field)
    return value


def _note(value: str, field: str = "note") -> str:
    value = text.normalise(value or "", "The note", field).strip()
    if len(value) > MAX_NOTE:
        raise ValidationFailed(f"The note is {len(value)} characters long; at most {MAX_NOTE}.",
                               field)
    return value


def record_authority(session: Session, actor: Actor, title: str, user_id: int,
                     note: str = "") -> OutletAuthority:
    """Record (or change) who approves outlets: the title the directive names ("Chief of
    Police", "Superintendent of Police") and the person holding it. The earlier record stays."""
    _require_admin(actor)
    title = _title(title, "The authority's title", "title", MAX_TITLE)
    user = _active_user(session, user_id, "user_id")
    if user.id == actor.user.id:
        raise ValidationFailed("An administrator can't name themselves the approving "
                               "authority; another administrator records it.", "user_id")
    row = OutletAuthority(title=title, user_id=user.id, note=_note(note),
                          recorded_by_id=actor.user.id, recorded_at=clock.utcnow())
    session.add(row)
    session.flush()
    details = {"title": title, "user_id": user.id, "user": user.login_id, "note": row.note}
    record_event(session, actor, "outlet_authority.recorded", obj=row, details=details)
    archive.append(session, record_type="outlet_authority", object_id=row.id, district_id=None,
                   actor=actor, content={"event": "recorded", "authority_id": row.id,
                                         "recorded_at": clock.iso(row.recorded_at), **details})
    return row


def authority_history(session: Session) -> list[OutletAuthority]:
    return list(session.scalars(select(OutletAuthority).order_by(
        OutletAuthority.recorded_at.desc(), OutletAuthority.id.desc())))


def record_delegation(session: Session, actor: Actor, user_id: int, approving_as: str,
                      starts_at: datetime | None = None, ends_at: datetime | None = None,
                      note: str = "") -> OutletDelegation:
    """Let ``user_id`` approve outlets for the authority from ``starts_at`` (now) until
    ``ends_at`` (none: until revoked). ``approving_as`` says as whom ("Deputy Chief, for the
    Chief of Police"); empty: "Delegate of the <authority's title>"."""
    _require_admin(actor)
    user = _active_user(session, user_id, "user_id")
    if user.id == actor.user.id:
        raise ValidationFailed("An administrator can't make themselves a delegate; another "
                               "administrator records it.", "user_id")
    if not (approving_as or "").strip():
        authority = current_authority(session)
        if authority is None:
            raise ValidationFailed("Say whom the delegate approves for, or record the "
                                   "approving authority first.", "approving_as")
        approving_as = f"Delegate of the {authority.title}"
    approving_as = _title(approving_as, "Approving as", "approving_as", MAX_APPROVING_AS)
    now = clock.utcnow()
    starts_at = clock.as_utc(starts_at) if starts_at is not None else now
    ends_at = clock.as_utc(ends_at) if ends_at is not None else None
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationFailed("The delegation must end after it starts.", "ends_at")
    if ends_at is not None and ends_at <= now:
        raise ValidationFailed("The delegation would already have ended; choose an end in the "
                               "future.", "ends_at")
    row = OutletDelegation(user_id=user.id, approving_as=approving_as, starts_at=starts_at,
                           ends_at=ends_at, note=_note(note), recorded_by_id=actor.user.id,
                           recorded_at=now, revoke_reason="")
    session.add(row)
    session.flush()
    details = {"user_id": user.id, "user": user.login_id, "approving_as": approving_as,
               "starts_at": clock.iso(starts_at), "ends_at": clock.iso(ends_at) if ends_at else "",
               "note": row.note}
    record_event(session, actor, "outlet_delegation.recorded", obj=row, details=details)
    archive.append(session, record_type="outlet_delegation", object_id=row.id, district_id=None,
                   actor=actor, content={"event": "recorded", "delegation_id": row.id,
                                         "state": "active", **details})
    return row


def revoke_delegation(session: Session, actor: Actor, delegation_id: int,
                      reason: str) -> OutletDelegation:
    """End a delegation now, with the reason. Approvals already given stay."""
    _require_admin(actor)
    row = session.get(OutletDelegation, delegation_id)
    if row is None:
        raise NotFound("There is no such delegation.")
    reason = _note(reason, "reason")
    if not reason:
        raise ValidationFailed("Say why the delegation is revoked.", "reason")
    if row.revoked_at is not None:
        raise Conflict("This delegation was already revoked.")
    row.revoked_at, row.revoked_by_id, row.revoke_reason = clock.utcnow(), actor.user.id, reason
    session.flush()
    details = {"user_id": row.user_id, "approving_as": row.approving_as, "reason": reason}
    record_event(session, actor, "outlet_delegation.revoked", obj=row, details=details)
    archive.append(session, record_type="outlet_delegation", object_id=row.id, district_id=None,
                   actor=actor, content={"event": "revoked", "delegation_id": row.id,
                                         "state": "revoked",
                                         "revoked_at": clock.iso(row.revoked_at), **details})
    return row


def delegations(session: Session) -> list[OutletDelegation]:
    """Every delegation ever recorded, newest first."""
    return list(session.scalars(select(OutletDelegation).order_by(
        OutletDelegation.recorded_at.desc(), OutletDelegation.id.desc())))


# --- versions ----------------------------------------------------------------------------------

def _same(value) -> str:
    """A field as compared: spacing and line breaks don't make a change."""
    return " ".join(str(value or "").split())


def fields_of(obj: District | PlatformAccount) -> dict[str, str]:
    names = DISTRICT_FIELDS if isinstance(obj, District) else ACCOUNT_FIELDS
    return {name: str(getattr(obj, name) or "") for name in names}


def fingerprint(fields: dict[str, str]) -> str:
    compared = {k: _same(v) for k, v in sorted(fields.items())}
    return hashlib.sha256(json.dumps(compared, sort_keys=True).encode()).hexdigest()


def outlet_of(session: Session, obj: District | PlatformAccount) -> Outlet | None:
    column = Outlet.district_id if isinstance(obj, District) else Outlet.account_id
    return session.scalar(select(Outlet).where(column == obj.id))


def _latest(session: Session, outlet: Outlet) -> OutletVersion:
    return session.scalar(select(OutletVersion).where(
        OutletVersion.outlet_id == outlet.id, OutletVersion.number == outlet.current_number))


def _new_outlet(session: Session, obj, user_id: int | None, fields: dict,
                legacy_approved: bool) -> Outlet:
    kind = OutletKind.DISTRICT if isinstance(obj, District) else OutletKind.ACCOUNT
    outlet = Outlet(kind=kind, district_id=obj.id if kind == OutletKind.DISTRICT else None,
                    account_id=obj.id if kind == OutletKind.ACCOUNT else None,
                    created_by_id=user_id, created_at=clock.utcnow(), current_number=1,
                    approved_number=1 if legacy_approved else None)
    session.add(outlet)
    session.flush()
    session.add(OutletVersion(outlet_id=outlet.id, number=1, fields=fields,
                              fingerprint=fingerprint(fields),
                              changes={k: ["", v] for k, v in fields.items() if v},
                              changed_by_id=user_id, created_by_id=user_id,
                              changed_at=clock.utcnow()))
    session.flush()
    return outlet


def ensure_outlet(session: Session, obj: District | PlatformAccount) -> Outlet:
    """The outlet's record; one made before approvals were recorded gets its first version
    from what it says now (a district approved then counts as approved, with that approval)."""
    outlet = outlet_of(session, obj)
    if outlet is None:
        outlet = _new_outlet(session, obj, None, fields_of(obj), _in_use(obj))
    return outlet


def _in_use(obj: District | PlatformAccount) -> bool:
    """Made before approvals were recorded and already in use: an approved district, or a
    connected account. Its first version counts as approved (no approval on file)."""
    return obj.is_approved if isinstance(obj, District) else bool(obj.active)


def record_created(session: Session, actor: Actor, obj: District | PlatformAccount) -> Outlet:
    """A new district or account: its first version, awaiting approval. Called in the same
    transaction as the creation (``beatdesk.districts``, ``beatdesk.platforms.accounts``)."""
    session.flush()
    outlet = outlet_of(session, obj)
    if outlet is not None:
        return outlet
    outlet = _new_outlet(session, obj, actor.user.id if actor.user else None, fields_of(obj),
                         False)
    # The creation itself is audited by the caller ("district.created", "platform_account.
    # connected"); the archive keeps the first version.
    _record(session, actor, outlet, "outlet.created", _latest(session, outlet), audit=False)
    return outlet


def record_change(session: Session, actor: Actor, obj: District | PlatformAccount,
                  before: dict[str, str] | None = None) -> OutletVersion | None:
    """After an edit: a new version when a handle, address, statement or contact detail really
    changed (not only its spacing); the outlet then awaits approval again. ``before``: the
    fields before the edit, for an outlet made before approvals were recorded."""
    session.flush()
    outlet = outlet_of(session, obj)
    if outlet is None:
        if before is None:
            return None
        outlet = _new_outlet(session, obj, None, before, _in_use(obj))
    latest = _latest(session, outlet)
    fields = fields_of(obj)
    if fingerprint(fields) == latest.fingerprint:
        return None
    changes = {k: [latest.fields.get(k, ""), v] for k, v in fields.items()
               if _same(latest.fields.get(k, "")) != _same(v)}
    user_id = actor.user.id if actor.user else None
    version = OutletVersion(outlet_id=outlet.id, number=outlet.current_number + 1, fields=fields,
                            fingerprint=fingerprint(fields), changes=changes,
                            changed_by_id=user_id, created_by_id=outlet.created_by_id,
                            changed_at=clock.utcnow())
    session.add(version)
    outlet.current_number = version.number
    session.flush()
    _record(session, actor, outlet, "outlet.changed", version)
    return version


def _record(session: Session, actor: Actor, outlet: Outlet, event: str,
            version: OutletVersion, extra: dict | None = None, audit: bool = True) -> None:
    details = {"outlet": outlet.label, "kind": str(outlet.kind), "version": version.number,
               "changes": version.changes, "awaiting_approval": outlet.awaiting_approval,
               **(extra or {})}
    if audit:
        record_event(session, actor, event, obj=outlet, details=details)
    archive.append(session, record_type=event, object_id=outlet.id,
                   district_id=outlet.district_id or (outlet.account.district_id
                                                      if outlet.account else None),
                   actor=actor, content={"outlet_id": outlet.id, "fields": version.fields,
                                         "fingerprint": version.fingerprint,
                                         "state": "approved" if not outlet.awaiting_approval
                                         else "awaiting approval", **details})


# --- approving ---------------------------------------------------------------------------------

def approve(session: Session, actor: Actor, outlet: Outlet, number: int | None = None,
            note: str = "", audit: bool = True) -> OutletApproval:
    """Approve the outlet's current version (``number``: the version the approver saw).
    ``audit=False``: the caller audits the approval under its own event (it is archived
    either way).

    Raises PermissionDenied unless the actor is the authority or a delegate in force, or when
    they created the outlet or made this version; Conflict when the outlet changed since the
    approver saw it, or is already approved; ValidationFailed for a note too long.
    """
    found = capacity(session, actor.user)
    if found is None:
        authority = current_authority(session)
        who = f"the {authority.title} or a delegate" if authority else \
            "the approving authority or a delegate"
        raise PermissionDenied(f"Only {who} the department recorded approves outlets.")
    note = _note(note)
    version = _latest(session, outlet)
    if number is not None and number != outlet.current_number:
        raise Conflict(f"{outlet.label} changed since you opened it (now version "
                       f"{outlet.current_number}); read the change and approve again.")
    if not outlet.awaiting_approval:
        raise Conflict(f"{outlet.label} is already approved as it is.")
    if actor.user.id in (outlet.created_by_id, version.changed_by_id):
        raise PermissionDenied("You created this outlet or made this change, so another "
                               "approver must approve it.")
    approval = OutletApproval(version_id=version.id, version_changed_by_id=version.changed_by_id,
                              outlet_created_by_id=version.created_by_id,
                              approver_id=actor.user.id,
                              authority_id=found.authority.id if found.authority else None,
                              delegation_id=found.delegation.id if found.delegation else None,
                              approving_as=found.approving_as, note=note,
                              approved_at=clock.utcnow())
    session.add(approval)
    outlet.approved_number = version.number
    if outlet.district is not None and not outlet.district.is_approved:
        outlet.district.approved_at = approval.approved_at
        outlet.district.approved_by_id = actor.user.id
    session.flush()
    _record(session, actor, outlet, "outlet.approved", version,
            {"approving_as": found.approving_as, "note": note,
             "delegation_id": approval.delegation_id, "authority_id": approval.authority_id},
            audit=audit)
    return approval


# --- reading -----------------------------------------------------------------------------------

def get_outlet(session: Session, outlet_id: int) -> Outlet:
    outlet = session.get(Outlet, outlet_id)
    if outlet is None:
        raise NotFound("There is no such outlet.")
    return outlet


def list_outlets(session: Session) -> list[Outlet]:
    """Every district page and active platform account (recording any made before approvals
    were kept), awaiting approval first."""
    for district in session.scalars(select(District).order_by(District.number)):
        ensure_outlet(session, district)
    for account in session.scalars(select(PlatformAccount).where(
            PlatformAccount.active.is_(True)).order_by(PlatformAccount.id)):
        ensure_outlet(session, account)
    session.flush()
    rows = list(session.scalars(select(Outlet).outerjoin(PlatformAccount).where(
        or_(Outlet.account_id.is_(None), PlatformAccount.active.is_(True)))))
    return sorted(rows, key=lambda o: (not o.awaiting_approval, o.kind != OutletKind.DISTRICT,
                                       o.label))


def awaiting(session: Session) -> list[Outlet]:
    return [o for o in list_outlets(session) if o.awaiting_approval]


def awaiting_count(session: Session) -> int:
    """Outlets with a record awaiting approval (what an approver's attention shows)."""
    return len(list(session.scalars(select(Outlet.id).outerjoin(PlatformAccount).where(
        or_(Outlet.approved_number.is_(None), Outlet.approved_number != Outlet.current_number),
        or_(Outlet.account_id.is_(None), PlatformAccount.active.is_(True))))))


def versions(session: Session, outlet: Outlet) -> list[OutletVersion]:
    """Newest first, each with its approvals."""
    return list(session.scalars(select(OutletVersion).where(
        OutletVersion.outlet_id == outlet.id).order_by(OutletVersion.number.desc())))


def held_accounts():
    """A query of the accounts whose sends wait: recorded, and awaiting approval."""
    return select(Outlet.account_id).where(
        Outlet.account_id.is_not(None),
        or_(Outlet.approved_number.is_(None), Outlet.approved_number != Outlet.current_number))


def hold_reason(session: Session, account_id: int | None) -> str:
    """Why the outbox holds sends to this account ("" when it doesn't)."""
    if account_id is None:
        return ""
    outlet = session.scalar(select(Outlet).where(Outlet.account_id == account_id))
    if outlet is None or not outlet.awaiting_approval:
        return ""
    again = " again after a change" if outlet.approved_number else ""
    return (f"Held: {outlet.label} awaits approval{again} by the approving authority; it is "
            "sent once the account is approved.")


def approved_fields_by_district(session: Session) -> dict[int, dict[str, str]]:
    """For each public district awaiting approval again: the fields of its last approved
    version, what its page keeps showing (one query; ``site.get_public_district`` reads the same
    for one district)."""
    rows = session.execute(select(Outlet.district_id, OutletVersion.fields).join(
        OutletVersion, (OutletVersion.outlet_id == Outlet.id)
        & (OutletVersion.number == Outlet.approved_number)).where(
        Outlet.district_id.is_not(None), Outlet.approved_number != Outlet.current_number))
    return {district_id: dict(fields) for district_id, fields in rows}

"""Retention schedules, legal holds and disposition runs over the archive.

- An administrator sets a ``RetentionSchedule`` per record type or family (period and the
  authority it comes from). The most specific active schedule applies to a record ("post.revision"
  before "post"); records without a schedule are kept. The archive's own disposition
  certificates ("archive.*") are never disposed of.
- Records officers and administrators place ``LegalHold``s (reason, case or request number and a
  scope: district, record type, date range and/or a saved search, all of which must match).
  A record matching any active hold is frozen.
- A ``DispositionRun`` is proposed by a records officer or administrator and lists the records
  past retention and not held. Only a second, different authorised person's approval executes
  it: holds and schedules are checked again, each listed record still due has its content
  replaced by a tombstone keeping its hash (the chain still verifies), and a certificate (what,
  under which schedule, proposed and approved by whom, when) is appended to the archive.

Public interface: ``create_schedule``, ``retire_schedule``, ``list_schedules``, ``create_hold``,
``release_hold``, ``list_holds``, ``held_condition``, ``is_held``, ``propose_run``,
``approve_run``, ``cancel_run``, ``list_runs``, ``run_items``, ``certificate``, and the
predicates ``can_manage_schedules``, ``can_manage_holds``, ``can_run_dispositions``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, false, func, literal, not_, or_, select, update
from sqlalchemy.orm import Session

from . import archive, clock
from .archive_search import (SearchCriteria, criteria_conditions, day_start, range_conditions,
                             type_condition)
from .audit import record_event
from .context import Actor
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .models import (ArchiveRecord, DispositionItem, DispositionRun, DispositionState, District,
                     ItemOutcome, LegalHold, PeriodUnit, RetentionSchedule, SavedSearch, User)
from .roles import Role

RECORD_TYPE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")
PERMANENT_FAMILY = "archive"  # the archive's own certificates are kept for good
MAX_PERIOD = {PeriodUnit.DAYS: 365 * 200, PeriodUnit.YEARS: 200}
BATCH = 500


def _staff(user: User | None) -> bool:
    return user is not None and user.active


def can_manage_schedules(user: User | None) -> bool:
    """Only administrators set and retire retention schedules."""
    return _staff(user) and user.role is Role.ADMIN


def can_manage_holds(user: User | None) -> bool:
    """Records officers and administrators place and release legal holds."""
    return _staff(user) and user.role in (Role.RECORDS, Role.ADMIN)


def can_run_dispositions(user: User | None) -> bool:
    """Records officers and administrators propose, approve and cancel disposition runs."""
    return _staff(user) and user.role in (Role.RECORDS, Role.ADMIN)


def _require(allowed: bool, message: str = "You may not do this.") -> None:
    if not allowed:
        raise PermissionDenied(message)


def _person(user: User | None) -> dict:
    if user is None:
        return {}
    return {"id": user.id, "login_id": user.login_id, "name": user.full_name,
            "role": user.role.value}


# --- Schedules -----------------------------------------------------------------------------

def _clean_type(record_type: str) -> str:
    record_type = (record_type or "").strip().lower()
    if not record_type or len(record_type) > 80 or not RECORD_TYPE.match(record_type):
        raise ValidationFailed("Enter a record type or family, e.g. comment or post.revision "
                               "(lower-case words joined by dots).", field="record_type")
    return record_type


def create_schedule(session: Session, actor: Actor, *, record_type: str, period_amount: int,
                    period_unit: PeriodUnit | str, authority: str) -> RetentionSchedule:
    """Set how long a record type is kept. Raises PermissionDenied unless admin, and
    ValidationFailed for a malformed type or period, a missing authority, the archive's own
    certificates, or a type that already has an active schedule."""
    _require(can_manage_schedules(actor.user), "Only administrators set retention schedules.")
    record_type = _clean_type(record_type)
    if record_type.split(".")[0] == PERMANENT_FAMILY:
        raise ValidationFailed("Disposition certificates are kept permanently; they take no "
                               "retention schedule.", field="record_type")
    try:
        unit = PeriodUnit(period_unit)
    except ValueError:
        raise ValidationFailed("Choose days or years.", field="period_unit") from None
    if not isinstance(period_amount, int) or not 1 <= period_amount <= MAX_PERIOD[unit]:
        raise ValidationFailed(f"Enter a period from 1 to {MAX_PERIOD[unit]} {unit.value}.",
                               field="period_amount")
    authority = (authority or "").strip()
    if not authority or len(authority) > 500:
        raise ValidationFailed("Name the authority for this period (e.g. the Local Records "
                               "Act application number), at most 500 characters.",
                               field="authority")
    if session.scalar(select(RetentionSchedule.id).where(
            RetentionSchedule.record_type == record_type, RetentionSchedule.retired_at.is_(None))):
        raise ValidationFailed(f"{record_type} already has an active schedule; retire it first.",
                               field="record_type")
    schedule = RetentionSchedule(record_type=record_type, period_amount=period_amount,
                                 period_unit=unit, authority=authority,
                                 created_by_id=actor.user.id)
    session.add(schedule)
    record_event(session, actor, "retention.schedule_created", obj=schedule,
                 details={"record_type": record_type, "period": schedule.period_label,
                          "authority": authority})
    return schedule


def retire_schedule(session: Session, actor: Actor, schedule: RetentionSchedule) -> None:
    """Stop applying a schedule (it stays on file). Raises Conflict if already retired."""
    _require(can_manage_schedules(actor.user), "Only administrators retire retention schedules.")
    if schedule.retired_at is not None:
        raise Conflict("This schedule was already retired.")
    schedule.retired_at = clock.utcnow()
    schedule.retired_by_id = actor.user.id
    record_event(session, actor, "retention.schedule_retired", obj=schedule,
                 details={"record_type": schedule.record_type})


def list_schedules(session: Session, *, active_only: bool = False) -> list[RetentionSchedule]:
    query = select(RetentionSchedule).order_by(RetentionSchedule.record_type,
                                               RetentionSchedule.id.desc())
    if active_only:
        query = query.where(RetentionSchedule.retired_at.is_(None))
    return list(session.scalars(query))


def get_schedule(session: Session, schedule_id: int) -> RetentionSchedule:
    schedule = session.get(RetentionSchedule, schedule_id)
    if schedule is None:
        raise NotFound("There is no such retention schedule.")
    return schedule


def cutoff(schedule: RetentionSchedule, now: datetime) -> datetime:
    """Records made before this moment have passed the schedule's period."""
    if schedule.period_unit is PeriodUnit.DAYS:
        return now - timedelta(days=schedule.period_amount)
    year = now.year - schedule.period_amount
    try:
        return now.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return now.replace(year=year, day=28)


def _governed_by(schedule: RetentionSchedule, schedules: list[RetentionSchedule]) -> list:
    """Records a schedule governs: its type or family, minus more specific scheduled types."""
    conditions = [type_condition(schedule.record_type), not_(type_condition(PERMANENT_FAMILY))]
    for other in schedules:
        if other.record_type.startswith(schedule.record_type + "."):
            conditions.append(not_(type_condition(other.record_type)))
    return conditions


# --- Legal holds ---------------------------------------------------------------------------

@dataclass(frozen=True)
class HoldData:
    reason: str
    case_number: str
    district_id: int | None = None
    record_type: str = ""
    since: date | None = None
    until: date | None = None
    saved_search_id: int | None = None


def create_hold(session: Session, actor: Actor, data: HoldData) -> LegalHold:
    """Freeze every record matching the scope. Raises PermissionDenied unless records/admin,
    ValidationFailed without reason, case number or any scope, or with a bad date range."""
    _require(can_manage_holds(actor.user), "Only records officers and administrators place "
                                           "legal holds.")
    reason, case_number = (data.reason or "").strip(), (data.case_number or "").strip()
    if not reason or len(reason) > 1000:
        raise ValidationFailed("State the reason for the hold (at most 1,000 characters).",
                               field="reason")
    if not case_number or len(case_number) > 80:
        raise ValidationFailed("Enter the case or request number (at most 80 characters).",
                               field="case_number")
    record_type = _clean_type(data.record_type) if (data.record_type or "").strip() else ""
    if data.since and data.until and data.until < data.since:
        raise ValidationFailed("The end date is before the start date.", field="until")
    if data.district_id is not None and session.get(District, data.district_id) is None:
        raise ValidationFailed("Choose an existing district.", field="district_id")
    if data.saved_search_id is not None and session.get(SavedSearch, data.saved_search_id) is None:
        raise ValidationFailed("Choose an existing saved search.", field="saved_search_id")
    if (data.district_id is None and not record_type and not data.since and not data.until
            and data.saved_search_id is None):
        raise ValidationFailed("Give the hold a scope: a district, a record type, a date range "
                               "or a saved search.")
    hold = LegalHold(reason=reason, case_number=case_number, district_id=data.district_id,
                     record_type=record_type,
                     since=day_start(data.since) if data.since else None,
                     until=day_start(data.until) + timedelta(days=1) if data.until else None,
                     saved_search_id=data.saved_search_id, created_by_id=actor.user.id)
    session.add(hold)
    record_event(session, actor, "legal_hold.placed", obj=hold,
                 details={"case_number": case_number, "reason": reason,
                          "scope": hold_scope(hold)})
    return hold


def release_hold(session: Session, actor: Actor, hold: LegalHold, reason: str) -> None:
    """Lift a hold. Raises ValidationFailed without a reason, Conflict if already released."""
    _require(can_manage_holds(actor.user), "Only records officers and administrators release "
                                           "legal holds.")
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValidationFailed("State why the hold is released (at most 500 characters).",
                               field="reason")
    if hold.released_at is not None:
        raise Conflict("This hold was already released.")
    hold.released_at = clock.utcnow()
    hold.released_by_id = actor.user.id
    hold.release_reason = reason
    record_event(session, actor, "legal_hold.released", obj=hold,
                 details={"case_number": hold.case_number, "reason": reason})


def get_hold(session: Session, hold_id: int) -> LegalHold:
    hold = session.get(LegalHold, hold_id)
    if hold is None:
        raise NotFound("There is no such legal hold.")
    return hold


def list_holds(session: Session) -> list[LegalHold]:
    """Active holds first, newest first."""
    return list(session.scalars(select(LegalHold).order_by(
        LegalHold.released_at.is_not(None), LegalHold.id.desc())))


def hold_scope(hold: LegalHold) -> str:
    """A readable summary of what the hold freezes."""
    parts = []
    if hold.district_id is not None:
        parts.append(f"district #{hold.district_id}")
    if hold.record_type:
        parts.append(f"type {hold.record_type}")
    if hold.since or hold.until:
        since = hold.since.date().isoformat() if hold.since else "…"
        until = (hold.until - timedelta(days=1)).date().isoformat() if hold.until else "…"
        parts.append(f"recorded {since} to {until}")
    if hold.saved_search_id is not None:
        parts.append(f"saved search #{hold.saved_search_id}")
    return ", ".join(parts)


def _hold_conditions(session: Session, hold: LegalHold) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if hold.district_id is not None:
        conditions.append(ArchiveRecord.district_id == hold.district_id)
    if hold.record_type:
        conditions.append(type_condition(hold.record_type))
    conditions += range_conditions(hold.since, hold.until)
    if hold.saved_search_id is not None:
        saved = session.get(SavedSearch, hold.saved_search_id)
        if saved is not None:
            conditions += criteria_conditions(session, SearchCriteria.from_dict(saved.criteria))
    return conditions


def held_condition(session: Session) -> ColumnElement[bool]:
    """True for records matching any active hold (False when there is none)."""
    holds = session.scalars(select(LegalHold).where(LegalHold.released_at.is_(None))).all()
    if not holds:
        return false()
    return or_(*(and_(True, *_hold_conditions(session, h)) for h in holds))


def is_held(session: Session, record: ArchiveRecord) -> bool:
    return bool(session.scalar(select(ArchiveRecord.id).where(
        ArchiveRecord.id == record.id, held_condition(session))))


# --- Disposition runs ----------------------------------------------------------------------

def _in_open_run():
    return exists().where(DispositionItem.record_id == ArchiveRecord.id,
                          DispositionItem.run_id == DispositionRun.id,
                          DispositionRun.state == DispositionState.PROPOSED)


def propose_run(session: Session, actor: Actor) -> DispositionRun:
    """List every record past its retention, not held, not disposed and not in another open run.

    Raises PermissionDenied unless records/admin, ValidationFailed when nothing is due.
    """
    _require(can_run_dispositions(actor.user), "Only records officers and administrators "
                                               "propose dispositions.")
    now = clock.utcnow()
    run = DispositionRun(proposed_by_id=actor.user.id, proposed_at=now)
    session.add(run)
    session.flush()
    schedules = list_schedules(session, active_only=True)
    held = held_condition(session)
    for schedule in schedules:
        due = (select(literal(run.id), ArchiveRecord.id, literal(schedule.id),
                      literal(ItemOutcome.PENDING.value))
               .where(*_governed_by(schedule, schedules),
                      ArchiveRecord.recorded_at < cutoff(schedule, now),
                      ArchiveRecord.disposed_at.is_(None), not_(held), not_(_in_open_run())))
        session.execute(DispositionItem.__table__.insert().from_select(
            ["run_id", "record_id", "schedule_id", "outcome"], due))
    count = session.scalar(select(func.count(DispositionItem.id))
                           .where(DispositionItem.run_id == run.id))
    if not count:
        raise ValidationFailed("No record is past its retention period and free of legal holds; "
                               "there is nothing to dispose of.")
    record_event(session, actor, "disposition.proposed", obj=run, details={"records": count})
    return run


def get_run(session: Session, run_id: int) -> DispositionRun:
    run = session.get(DispositionRun, run_id)
    if run is None:
        raise NotFound("There is no such disposition run.")
    return run


def list_runs(session: Session) -> list[DispositionRun]:
    return list(session.scalars(select(DispositionRun).order_by(DispositionRun.id.desc())))


def run_items(session: Session, run: DispositionRun, page: int = 1, per_page: int = 100):
    """One page of a run's items with their records, in chain order."""
    from .audit import paginate

    query = (select(DispositionItem).where(DispositionItem.run_id == run.id)
             .order_by(DispositionItem.record_id))
    return paginate(session, query, page, per_page)


def item_counts(session: Session, run: DispositionRun) -> dict[str, int]:
    rows = session.execute(select(DispositionItem.outcome, func.count())
                           .where(DispositionItem.run_id == run.id)
                           .group_by(DispositionItem.outcome)).all()
    return {str(outcome): n for outcome, n in rows}


def _claim(session: Session, run: DispositionRun, values: dict) -> None:
    """Move a proposed run on, once: a second person acting at the same moment gets Conflict."""
    done = session.execute(update(DispositionRun)
                           .where(DispositionRun.id == run.id,
                                  DispositionRun.state == DispositionState.PROPOSED)
                           .values(**values).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict("This disposition run was already approved or cancelled.")
    session.refresh(run)


def approve_run(session: Session, actor: Actor, run: DispositionRun,
                key=None) -> DispositionRun:
    """Approve a proposed run and execute it at once.

    With the archive ``key`` (``beatdesk.checkpoints.ArchiveKey``) the certificate is sealed:
    verification then accepts its tombstones only under a seal nobody without the key can make.

    Raises PermissionDenied unless records/admin or when the approver proposed the run (a second
    person must approve), Conflict if it is no longer proposed. Records held or no longer due
    now are kept and marked so; the others become tombstones; the certificate is archived.
    """
    _require(can_run_dispositions(actor.user), "Only records officers and administrators "
                                               "approve dispositions.")
    if run.proposed_by_id == actor.user.id:
        raise PermissionDenied("You proposed this disposition; a second authorised person "
                               "must approve it.")
    if run.state is not DispositionState.PROPOSED:
        raise Conflict("This disposition run was already approved or cancelled.")
    now = clock.utcnow()
    _claim(session, run, {"state": DispositionState.EXECUTED.value, "approved_by_id": actor.user.id,
                          "approved_at": now})
    disposed, kept = _execute(session, run, now)
    content = {
        "certificate": "disposition",
        "disposition_run_id": run.id,
        "proposed_by": _person(session.get(User, run.proposed_by_id)),
        "proposed_at": run.proposed_at,
        "approved_by": _person(actor.user),
        "approved_at": now,
        "schedules": _schedules_used(session, run),
        "disposed": disposed,
        "disposed_count": len(disposed),
        "kept": kept,
    }
    if key is not None:
        payload = archive.seal_payload(json.loads(archive.canonical_json(content)))
        content[archive.SEAL] = {"key_id": key.key_id, "signature": key.sign(payload)}
    certificate_record = archive.append(session, record_type="archive.disposition_certificate",
                                        object_id=run.id, district_id=None, actor=actor,
                                        content=content)
    run.certificate_record_id = certificate_record.id
    run.disposed_count = len(disposed)
    record_event(session, actor, "disposition.executed", obj=run,
                 details={"disposed": len(disposed), "kept": len(kept),
                          "certificate_record_id": certificate_record.id})
    return run


def _execute(session: Session, run: DispositionRun, now: datetime) -> tuple[list, list]:
    """Dispose of each item still due, batch by batch; return (disposed, kept) for the certificate."""
    schedules = {s.id: s for s in session.scalars(select(RetentionSchedule))}
    active = [s for s in schedules.values() if s.active]
    held = held_condition(session)
    disposed, kept = [], []
    last = 0
    while True:
        items = session.scalars(select(DispositionItem)
                                .where(DispositionItem.run_id == run.id,
                                       DispositionItem.record_id > last)
                                .order_by(DispositionItem.record_id).limit(BATCH)).all()
        if not items:
            break
        ids = [item.record_id for item in items]
        held_now = set(session.scalars(select(ArchiveRecord.id)
                                       .where(ArchiveRecord.id.in_(ids), held)))
        records = {r.id: r for r in session.scalars(select(ArchiveRecord)
                                                    .where(ArchiveRecord.id.in_(ids)))}
        for item in items:
            record = records[item.record_id]
            schedule = schedules[item.schedule_id]
            if item.record_id in held_now:
                item.outcome = ItemOutcome.HELD
            elif not _still_due(session, record, schedule, active, now):
                item.outcome = ItemOutcome.RETAINED
            else:
                archive.dispose_record(session, record, run.id)
                item.outcome = ItemOutcome.DISPOSED
                disposed.append({"record_id": record.id, "record_type": record.record_type,
                                 "object_id": record.object_id, "district_id": record.district_id,
                                 "recorded_at": record.recorded_at,
                                 "content_hash": record.content_hash,
                                 "record_hash": record.record_hash,
                                 "schedule_id": schedule.id})
            if item.outcome is not ItemOutcome.DISPOSED:
                kept.append({"record_id": item.record_id, "reason": item.outcome.value})
        session.flush()  # flushed objects are weakly held: memory stays flat over big runs
        last = ids[-1]
    return disposed, kept


def _still_due(session: Session, record: ArchiveRecord, schedule: RetentionSchedule,
               active: list[RetentionSchedule], now: datetime) -> bool:
    if record.disposed_at is not None or not schedule.active:
        return False
    governing = max((s for s in active if record.record_type == s.record_type
                     or record.record_type.startswith(s.record_type + ".")),
                    key=lambda s: len(s.record_type), default=None)
    return governing is not None and governing.id == schedule.id \
        and record.recorded_at < cutoff(schedule, now)


def _schedules_used(session: Session, run: DispositionRun) -> list[dict]:
    ids = select(DispositionItem.schedule_id).where(DispositionItem.run_id == run.id).distinct()
    return [{"id": s.id, "record_type": s.record_type, "period": s.period_label,
             "authority": s.authority}
            for s in session.scalars(select(RetentionSchedule)
                                     .where(RetentionSchedule.id.in_(ids))
                                     .order_by(RetentionSchedule.id))]


def cancel_run(session: Session, actor: Actor, run: DispositionRun) -> None:
    """Withdraw a proposed run (nothing is disposed of). Raises Conflict if no longer proposed."""
    _require(can_run_dispositions(actor.user), "Only records officers and administrators "
                                               "cancel dispositions.")
    if run.state is not DispositionState.PROPOSED:
        raise Conflict("This disposition run was already approved or cancelled.")
    _claim(session, run, {"state": DispositionState.CANCELLED.value,
                          "cancelled_by_id": actor.user.id, "cancelled_at": clock.utcnow()})
    record_event(session, actor, "disposition.cancelled", obj=run)


def certificate(session: Session, run: DispositionRun) -> dict | None:
    """The run's certificate as archived (parsed), or None before execution."""
    if run.certificate_record_id is None:
        return None
    return json.loads(archive.get_record(session, run.certificate_record_id).content)


def records_due_count(session: Session) -> int:
    """How many records a proposal made now would list (for the dispositions page)."""
    now = clock.utcnow()
    schedules = list_schedules(session, active_only=True)
    held = held_condition(session)
    total = 0
    for schedule in schedules:
        total += session.scalar(select(func.count(ArchiveRecord.id)).where(
            *_governed_by(schedule, schedules), ArchiveRecord.recorded_at < cutoff(schedule, now),
            ArchiveRecord.disposed_at.is_(None), not_(held), not_(_in_open_run()))) or 0
    return total


"""Public records requests: logging, due dates, state changes, snapshots and redactions.

A records officer logs a request; its due date follows the configured state's rules
(:mod:`beatdesk.due_dates`). Every change is a :class:`RequestEvent` (who, when, a note) plus an
audit row in the same transaction. The officer attaches archive records to the request as a
frozen snapshot and redacts passages or whole records under an exemption; redactions apply to
the release (:mod:`beatdesk.release`), never to the archive.

Permission: only the records role changes requests; administrators may read them.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field as dataclass_field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beatdesk import audit, clock, sametext
from beatdesk.context import Actor
from beatdesk.due_dates import (DEFAULT_TIMEZONE, RecordsRules, add_business_days,
                                business_days_between, due_date, extended_due_date,
                                receipt_date)
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import User
from beatdesk.models.records import (CLOSED_STATES, Exemption, ReceivedVia, RecordsRequest,
                                     Redaction, RedactionKind, RequestEvent, RequestState,
                                     SnapshotItem)
from beatdesk.roles import Role
from beatdesk.wording import in_sentence

S = RequestState

# The one table of allowed state changes. Extending goes through extend_request (it moves the
# due date); the released states are reached by building a release or, for records handed
# over outside Beatdesk, by a change with a note.
TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    S.RECEIVED: frozenset({S.SEARCHING, S.REVIEWING, S.EXTENDED, S.RELEASED_IN_FULL,
                           S.RELEASED_IN_PART, S.DENIED, S.WITHDRAWN}),
    S.SEARCHING: frozenset({S.REVIEWING, S.EXTENDED, S.RELEASED_IN_FULL, S.RELEASED_IN_PART,
                            S.DENIED, S.WITHDRAWN}),
    S.REVIEWING: frozenset({S.SEARCHING, S.EXTENDED, S.RELEASED_IN_FULL, S.RELEASED_IN_PART,
                            S.DENIED, S.WITHDRAWN}),
    S.EXTENDED: frozenset({S.SEARCHING, S.REVIEWING, S.RELEASED_IN_FULL, S.RELEASED_IN_PART,
                           S.DENIED, S.WITHDRAWN}),
    # Waiting on the requester is entered and left through records_tolling (it stops and
    # resumes the clock); a plain change may only close the request meanwhile.
    S.WAITING: frozenset({S.RELEASED_IN_FULL, S.RELEASED_IN_PART, S.DENIED, S.WITHDRAWN}),
    S.RELEASED_IN_FULL: frozenset(),
    S.RELEASED_IN_PART: frozenset(),
    S.DENIED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

DUE_SOON_BUSINESS_DAYS = 2
REDACTION_MARK = "[REDACTED under {code}]"


# --- permissions --------------------------------------------------------------------------

def _staff(user: User | None) -> bool:
    return user is not None and user.active


def can_view_requests(user: User | None) -> bool:
    """Records officers work requests; administrators may read them."""
    return _staff(user) and user.role in (Role.RECORDS, Role.ADMIN)


def can_manage_requests(user: User | None) -> bool:
    """Only records officers log, change, redact and release."""
    return _staff(user) and user.role is Role.RECORDS


def _require_officer(actor: Actor) -> None:
    if not can_manage_requests(actor.user):
        raise PermissionDenied("Only a records officer may change public records requests.")


def _require_open(request: RecordsRequest) -> None:
    if request.state in CLOSED_STATES:
        raise Conflict(f"{request.label} is closed ({in_sentence(request.state.label)}); "
                       "nothing more can change.")


# --- requests ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestData:
    requester_name: str
    requester_contact: str
    received_via: ReceivedVia | str
    received_at: datetime
    description: str
    commercial: bool = False


def _event(session: Session, actor: Actor, request: RecordsRequest, action: str,
           from_state: RequestState | None, note: str = "",
           exemption: Exemption | None = None) -> RequestEvent:
    event = RequestEvent(request_id=request.id, action=action,
                         from_state=from_state.value if from_state else None,
                         to_state=request.state.value, note=note,
                         exemption_id=exemption.id if exemption else None, due_on=request.due_on,
                         actor_id=actor.user.id if actor.user else None,
                         occurred_at=clock.utcnow())
    session.add(event)
    return event


def create_request(session: Session, actor: Actor, data: RequestData, rules: RecordsRules,
                   timezone: str = DEFAULT_TIMEZONE, *,
                   filed_by_requester: bool = False) -> RecordsRequest:
    """Log a request and compute its due date. Raises PermissionDenied, ValidationFailed.

    ``filed_by_requester``: the requester filed it on the public site (``records_portal``),
    received by web form, with no staff creator.
    """
    if not filed_by_requester:
        _require_officer(actor)
    elif data.received_via != ReceivedVia.WEB_FORM:
        raise PermissionDenied("Only a records officer may log a request received otherwise "
                               "than by the web form.")
    name, contact = data.requester_name.strip(), data.requester_contact.strip()
    description = data.description.strip()
    if not name:
        raise ValidationFailed("Enter the requester's name.", field="requester_name")
    if not contact:
        raise ValidationFailed("Enter how to reach the requester.", field="requester_contact")
    if not description:
        raise ValidationFailed("Describe the records requested.", field="description")
    try:
        via = ReceivedVia(data.received_via)
    except ValueError:
        raise ValidationFailed("Choose how the request was received.",
                               field="received_via") from None
    if data.received_at.tzinfo is None:
        raise ValidationFailed("The time of receipt needs a time zone.", field="received_at")
    if data.received_at > clock.utcnow():
        raise ValidationFailed("The time of receipt cannot be in the future.",
                               field="received_at")
    received_on = receipt_date(data.received_at, timezone)
    due = due_date(received_on, rules, commercial=data.commercial)
    request = RecordsRequest(
        requester_name=name, requester_contact=contact, received_via=via,
        received_at=data.received_at, received_on=received_on, description=description,
        commercial=bool(data.commercial), rules_key=rules.key, state=S.RECEIVED,
        original_due_on=due, due_on=due, created_by_id=actor.user.id if actor.user else None,
        created_at=clock.utcnow(), updated_at=clock.utcnow())
    session.add(request)
    session.flush()
    _event(session, actor, request, "logged", None,
           note=f"Due {due.isoformat()} under {rules.label}"
                f"{' (commercial request)' if data.commercial else ''}.")
    audit.record_event(session, actor, "records.request_logged", obj=request,
                       details={"due_on": due.isoformat(), "rules": rules.key,
                                "commercial": bool(data.commercial)})
    return request


def get_request(session: Session, request_id: int) -> RecordsRequest:
    request = session.get(RecordsRequest, request_id)
    if request is None:
        raise NotFound("There is no such request.")
    return request


def get_exemption(session: Session, exemption_id: int | None) -> Exemption:
    exemption = session.get(Exemption, exemption_id) if exemption_id else None
    if exemption is None or not exemption.active:
        raise ValidationFailed("Choose an exemption from the list.", field="exemption_id")
    return exemption


def active_exemptions(session: Session) -> list[Exemption]:
    return list(session.scalars(select(Exemption).where(Exemption.active.is_(True))
                                .order_by(Exemption.id)))


def allowed_next_states(request: RecordsRequest) -> list[RequestState]:
    """States a plain change may move to (extension has its own operation)."""
    return [state for state in RequestState
            if state in TRANSITIONS[request.state] and state not in (S.EXTENDED, S.WAITING)]


def change_state(session: Session, actor: Actor, request: RecordsRequest,
                 to_state: RequestState | str, note: str = "",
                 exemption_id: int | None = None, *, action: str = "state_changed",
                 expected_state: RequestState | str | None = None) -> RequestEvent:
    """Move a request along ``TRANSITIONS``. Denial needs an exemption and a reason.

    Raises PermissionDenied, Conflict (closed, or changed since the officer looked), and
    ValidationFailed (a change the table does not allow, a denial without grounds).
    """
    _require_officer(actor)
    if expected_state is not None and request.state != RequestState(expected_state):
        raise Conflict(f"{request.label} changed to {in_sentence(request.state.label)} meanwhile; "
                       "reload the page and try again.")
    _require_open(request)
    try:
        target = RequestState(to_state)
    except ValueError:
        raise ValidationFailed("Choose a state.", field="to_state") from None
    if target is S.EXTENDED:
        raise ValidationFailed("Use the extension form: an extension needs a reason and moves "
                               "the due date.", field="to_state")
    if target is S.WAITING:
        raise ValidationFailed("Use the clarification, fee or narrowing forms: waiting for the "
                               "requester stops the clock.", field="to_state")
    if target not in TRANSITIONS[request.state]:
        raise ValidationFailed(f"A request that is {in_sentence(request.state.label)} cannot "
                               f"become {in_sentence(target.label)}.", field="to_state")
    note = (note or "").strip()
    exemption = None
    if target is S.DENIED:
        exemption = get_exemption(session, exemption_id)
        if not note:
            raise ValidationFailed("State the reason for the denial.", field="note")
        request.denial_exemption_id = exemption.id
    if target is S.WITHDRAWN and not note:
        raise ValidationFailed("Note how the requester withdrew the request.", field="note")
    previous = request.state
    request.state = target
    request.updated_at = clock.utcnow()
    if target in CLOSED_STATES:
        request.closed_at = clock.utcnow()
        if previous is S.WAITING:
            from beatdesk.records_tolling import end_wait_on_close
            end_wait_on_close(session, actor, request)
    event = _event(session, actor, request, action, previous, note, exemption)
    session.flush()
    audit.record_event(session, actor, "records.request_state_changed", obj=request,
                       details={"from": previous.value, "to": target.value,
                                "exemption": exemption.code if exemption else None})
    return event


def extend_request(session: Session, actor: Actor, request: RecordsRequest, rules: RecordsRules,
                   reason: str, days: int | None = None) -> RequestEvent:
    """Take the one extension the rules allow, moving the due date by ``days`` business days.

    Raises PermissionDenied, Conflict (closed or already extended) and ValidationFailed
    (no reason, no extension under these rules, too many days).
    """
    _require_officer(actor)
    _require_open(request)
    if request.extended_at is not None:
        raise Conflict(f"{request.label} was already extended once; the law allows one "
                       "extension.")
    if request.state is S.WAITING:
        raise Conflict(f"The clock of {request.label} is stopped while waiting for the "
                       "requester; record the answer first.")
    if not rules.allows_extension():
        raise ValidationFailed(f"{rules.label} provides no extension.", field="days")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("State the reason for the extension.", field="reason")
    days = rules.extension_days if days is None else days
    if not 1 <= days <= rules.extension_days:
        raise ValidationFailed(f"An extension is 1 to {rules.extension_days} business days.",
                               field="days")
    previous = request.state
    request.due_on = extended_due_date(request.due_on, rules, days)
    request.extended_at, request.extension_days = clock.utcnow(), days
    request.extension_reason = reason
    request.state = S.EXTENDED
    request.updated_at = clock.utcnow()
    event = _event(session, actor, request, "extended", previous,
                   f"Extended by {days} business days: {reason}")
    session.flush()
    audit.record_event(session, actor, "records.request_extended", obj=request,
                       details={"days": days, "due_on": request.due_on.isoformat()})
    return event


def request_events(session: Session, request: RecordsRequest) -> list[RequestEvent]:
    return list(session.scalars(select(RequestEvent).where(RequestEvent.request_id == request.id)
                                .order_by(RequestEvent.occurred_at, RequestEvent.id)))


# --- dashboard -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Dashboard:
    today: date
    overdue: list[RecordsRequest]
    due_soon: list[RecordsRequest]
    other_open: list[RecordsRequest]
    recently_closed: list[RecordsRequest]
    waiting: list[RecordsRequest] = dataclass_field(default_factory=list)  # clock stopped or paused


def today_in(timezone: str = DEFAULT_TIMEZONE) -> date:
    return receipt_date(clock.utcnow(), timezone)


def dashboard(session: Session, rules: RecordsRules,
              timezone: str = DEFAULT_TIMEZONE) -> Dashboard:
    """Open requests split into waiting for the requester (whose lateness the wait explains),
    overdue, due within two business days, and the rest."""
    today = today_in(timezone)
    soon_limit = add_business_days(today, DUE_SOON_BUSINESS_DAYS, rules)
    open_requests = list(session.scalars(
        select(RecordsRequest).where(RecordsRequest.state.notin_([s.value for s in CLOSED_STATES]))
        .order_by(RecordsRequest.due_on, RecordsRequest.id)))
    waiting = [r for r in open_requests if r.state is S.WAITING]
    open_requests = [r for r in open_requests if r.state is not S.WAITING]
    overdue = [r for r in open_requests if r.due_on < today]
    due_soon = [r for r in open_requests if today <= r.due_on <= soon_limit]
    other = [r for r in open_requests if r.due_on > soon_limit]
    closed = list(session.scalars(
        select(RecordsRequest).where(RecordsRequest.state.in_([s.value for s in CLOSED_STATES]))
        .order_by(RecordsRequest.closed_at.desc(), RecordsRequest.id.desc()).limit(20)))
    return Dashboard(today=today, overdue=overdue, due_soon=due_soon, other_open=other,
                     recently_closed=closed, waiting=waiting)


def business_days_left(request: RecordsRequest, rules: RecordsRules, today: date) -> int:
    return business_days_between(today, request.due_on, rules)


# --- snapshots -----------------------------------------------------------------------------

def canonical_json(content) -> str:
    """The archive's canonical form: sorted keys, UTF-8, no insignificant whitespace."""
    if isinstance(content, str):
        return content
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def attach_records(session: Session, actor: Actor, request: RecordsRequest,
                   records: Iterable, note: str = "") -> int:
    """Copy archive records into the request's frozen snapshot; returns how many were new.

    ``records`` are ``ArchiveRecord`` rows (or objects with the same attributes: ``id``,
    ``record_type``, ``object_id``, ``district_id``, ``recorded_at``, ``actor_label``, ``state``,
    ``content`` as canonical JSON or a dict, ``content_hash``, ``record_hash``). A record
    already attached is skipped. Raises PermissionDenied, Conflict (closed request).
    """
    _require_officer(actor)
    _require_open(request)
    already = set(session.scalars(select(SnapshotItem.archive_record_id)
                                  .where(SnapshotItem.request_id == request.id)))
    now, added = clock.utcnow(), 0
    for record in records:
        if record.id in already:
            continue
        already.add(record.id)
        session.add(SnapshotItem(
            request_id=request.id, archive_record_id=record.id,
            record_type=record.record_type, object_id=str(record.object_id),
            district_id=record.district_id, recorded_at=record.recorded_at,
            actor_label=getattr(record, "actor_label", "") or "",
            state=getattr(record, "state", "") or "",
            archive_hash=record.record_hash, content_hash=record.content_hash,
            content=canonical_json(record.content),
            attached_by_id=actor.user.id, attached_at=now))
        added += 1
    if added:
        session.flush()
        _event(session, actor, request, "records_attached", request.state,
               note or f"{added} archive record{'s' if added != 1 else ''} attached.")
        audit.record_event(session, actor, "records.records_attached", obj=request,
                           details={"added": added})
        from beatdesk import redaction_suggestions  # private data in them: suggest redactions
        redaction_suggestions.suggest_attached(session, actor, request, attached_at=now)
    return added


def snapshot_count(session: Session, request: RecordsRequest) -> int:
    return session.scalar(select(func.count(SnapshotItem.id))
                          .where(SnapshotItem.request_id == request.id)) or 0


def get_item(session: Session, request: RecordsRequest, item_id: int) -> SnapshotItem:
    item = session.get(SnapshotItem, item_id)
    if item is None or item.request_id != request.id:
        raise NotFound("There is no such record in this request.")
    return item


def item_content(item: SnapshotItem) -> dict:
    value = json.loads(item.content)
    return value if isinstance(value, dict) else {"value": value}


def text_fields(content, prefix: str = "") -> list[tuple[str, str]]:
    """Every string value in a record as (dotted path, text), e.g. ("comments.0.body", ...)."""
    found: list[tuple[str, str]] = []
    if isinstance(content, dict):
        for key in sorted(content):
            found += text_fields(content[key], f"{prefix}{key}.")
    elif isinstance(content, list):
        for index, value in enumerate(content):
            found += text_fields(value, f"{prefix}{index}.")
    elif isinstance(content, str):
        found.append((prefix[:-1], content))
    return found


def active_redactions(session: Session, item_ids: Iterable[int]) -> dict[int, list[Redaction]]:
    ids = list(item_ids)
    by_item: dict[int, list[Redaction]] = {i: [] for i in ids}
    if not ids:
        return by_item
    rows = session.scalars(select(Redaction).where(Redaction.item_id.in_(ids),
                                                   Redaction.removed_at.is_(None))
                           .order_by(Redaction.id))
    for row in rows:
        by_item[row.item_id].append(row)
    return by_item


def add_redaction(session: Session, actor: Actor, request: RecordsRequest, item: SnapshotItem,
                  *, exemption_id: int | None, kind: RedactionKind | str, field: str = "",
                  start: int | None = None, end: int | None = None, text: str = "",
                  note: str = "") -> Redaction:
    """Withhold a whole record, a character range of one field, or every occurrence of a text.

    Ranges are in characters (code points) of the field's text as shown in the review page. A
    text is found as "the same text" (:mod:`beatdesk.sametext`: any case, composed or not),
    the one test the preview and the release apply too. The passage a range covers, like an
    exact text, is then removed from every field of the record; the
    ``field`` of a text redaction only says where the officer found it. Raises
    PermissionDenied, Conflict (closed request) and ValidationFailed (unknown field, range
    outside the text, text not found, no exemption).
    """
    _require_officer(actor)
    _require_open(request)
    if item.request_id != request.id:
        raise NotFound("There is no such record in this request.")
    exemption = get_exemption(session, exemption_id)
    try:
        kind = RedactionKind(kind)
    except ValueError:
        raise ValidationFailed("Choose what to redact.", field="kind") from None
    fields = dict(text_fields(item_content(item)))
    field = (field or "").strip()
    if kind is RedactionKind.RANGE:
        if field not in fields:
            raise ValidationFailed("Choose a field of this record.", field="field")
        length = len(fields[field])
        if start is None or end is None or not 0 <= start < end <= length:
            raise ValidationFailed(f"The range must lie within the field's {length} characters "
                                   "(start before end).", field="start")
        text = ""
    elif kind is RedactionKind.TEXT:
        if not text:
            raise ValidationFailed("Enter the exact text to redact.", field="text")
        haystack = [fields[field]] if field else list(fields.values())
        if field and field not in fields:
            raise ValidationFailed("Choose a field of this record, or none for all.",
                                   field="field")
        if not any(sametext.occurs(value, text) for value in haystack):
            raise ValidationFailed("That text does not occur in the record"
                                   f"{' field' if field else ''}.", field="text")
        start = end = None
    else:
        field, start, end, text = "", None, None, ""
    redaction = Redaction(request_id=request.id, item_id=item.id, kind=kind, field=field,
                          start_at=start, end_at=end, match_text=text,
                          exemption_id=exemption.id, note=(note or "").strip(),
                          created_by_id=actor.user.id, created_at=clock.utcnow())
    session.add(redaction)
    session.flush()
    audit.record_event(session, actor, "records.redaction_added", obj=redaction,
                       details={"request": request.id, "item": item.id, "kind": kind.value,
                                "exemption": exemption.code})
    return redaction


def remove_redaction(session: Session, actor: Actor, request: RecordsRequest,
                     redaction_id: int) -> Redaction:
    """Lift a redaction before release; the row stays, marked removed (who and when)."""
    _require_officer(actor)
    _require_open(request)
    redaction = session.get(Redaction, redaction_id)
    if redaction is None or redaction.request_id != request.id:
        raise NotFound("There is no such redaction on this request.")
    if redaction.removed_at is not None:
        raise Conflict("That redaction was already removed.")
    redaction.removed_at, redaction.removed_by_id = clock.utcnow(), actor.user.id
    session.flush()
    audit.record_event(session, actor, "records.redaction_removed", obj=redaction,
                       details={"request": request.id, "item": redaction.item_id})
    return redaction


# --- applying redactions --------------------------------------------------------------------

def _occurrences(value: str, passage: str) -> list[tuple[int, int]]:
    """Every (start, end) where ``passage`` occurs in ``value`` as the same text (Unicode
    canonical equivalence and case folding, see :mod:`beatdesk.sametext`), overlaps too."""
    return sametext.spans(value, passage)


def _redact_string(value: str, path: str, redactions: list[Redaction],
                   passages: list[tuple[str, str]]) -> str:
    """Replace every range of this field and every occurrence of a passage, all located in
    the original text and merged, so no replacement can split or reveal another."""
    spans: list[tuple[int, int, str]] = []
    for r in redactions:
        if r.kind is RedactionKind.RANGE and r.field == path and r.start_at < len(value):
            spans.append((r.start_at, min(r.end_at, len(value)), r.exemption.code))
    for passage, code in passages:
        spans += [(a, b, code) for a, b in _occurrences(value, passage)]
    if not spans:
        return value
    spans.sort()
    merged: list[list] = []
    for a, b, code in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
            if code not in merged[-1][2]:
                merged[-1][2].append(code)
        else:
            merged.append([a, b, [code]])
    out, position = [], 0
    for a, b, codes in merged:
        out.append(value[position:a])
        out.append(REDACTION_MARK.format(code=", ".join(codes)))
        position = b
    out.append(value[position:])
    return "".join(out)


def _walk(content, path: str, redactions: list[Redaction], passages_for):
    if isinstance(content, dict):
        return {k: _walk(v, f"{path}{k}.", redactions, passages_for) for k, v in content.items()}
    if isinstance(content, list):
        return [_walk(v, f"{path}{i}.", redactions, passages_for) for i, v in enumerate(content)]
    if isinstance(content, str):
        field = path[:-1]
        return _redact_string(content, field, redactions, passages_for(field))
    return content


# --- private data withheld by default ---------------------------------------------------------

# Commenters' e-mail and network addresses are withheld from every release unless the officer
# chooses, for one request, to release them (a logged choice). E-mail addresses are "private
# information" (5 ILCS 140/2(c-5) names personal e-mail addresses; exempt under 7(1)(b));
# network addresses identify a person's connection (personal privacy, 7(1)(c)).
PRIVATE_KINDS = {
    "email": ("e-mail address", "7(1)(b)"),
    "network": ("network address", "7(1)(c)"),
}
# Keys under which the archive stores them (comments, moderation blocks, audit records).
PRIVATE_KEYS = {"author_email": "email", "email": "email", "requester_email": "email",
                "client_addr": "network", "network": "network", "ip": "network",
                "ip_address": "network", "remote_addr": "network"}
EMAIL_VALUE = re.compile(r"[^@\s<>\[\]]+@[^@\s<>\[\]]+\.[^@\s<>\[\]]+")
PRIVATE_CHOICE_ACTIONS = ("private_data_released", "private_data_withheld")


@dataclass(frozen=True)
class PrivateValue:
    """One private value in a record: where (dotted path), what kind, the value itself."""

    path: str
    kind: str
    value: str

    @property
    def label(self) -> str:
        return PRIVATE_KINDS[self.kind][0]

    @property
    def code(self) -> str:
        return PRIVATE_KINDS[self.kind][1]


def _private_kind(key: str, value: str) -> str | None:
    kind = PRIVATE_KEYS.get(key.lower())
    if kind:
        return kind
    # A value that is nothing but an e-mail address is one wherever it is stored. Network
    # addresses are only looked for under their keys: short texts such as "::" or "1.2" would
    # parse as addresses.
    return "email" if EMAIL_VALUE.fullmatch(value.strip()) else None


def private_values(content) -> list[PrivateValue]:
    """Every non-empty e-mail or network address in a record: a value stored under a key that
    holds one (``author_email``, ``client_addr``...), or a value that is nothing but an e-mail
    address."""
    found = []
    for path, value in text_fields(content):
        if value.strip():
            kind = _private_kind(path.rsplit(".", 1)[-1], value)
            if kind:
                found.append(PrivateValue(path, kind, value))
    return found


def private_data_released(session: Session, request: RecordsRequest) -> bool:
    """Whether the officer chose to release private data for this request (the latest choice
    counts; none means withheld)."""
    latest = session.scalar(select(RequestEvent.action)
                            .where(RequestEvent.request_id == request.id,
                                   RequestEvent.action.in_(PRIVATE_CHOICE_ACTIONS))
                            .order_by(RequestEvent.id.desc()).limit(1))
    return latest == "private_data_released"


def choose_private_data_release(session: Session, actor: Actor, request: RecordsRequest,
                                release: bool, reason: str = "") -> RequestEvent:
    """Release (or withhold again) commenters' e-mail and network addresses for this request.

    The choice is a request event, an audit event and so an archive record. Releasing needs a
    reason (e.g. the requester is the commenter). Raises PermissionDenied, Conflict (closed
    request, or that is already the choice) and ValidationFailed (no reason to release).
    """
    _require_officer(actor)
    _require_open(request)
    reason = (reason or "").strip()
    if release and not reason:
        raise ValidationFailed("State why private data may be released for this request.",
                               field="reason")
    if private_data_released(session, request) == bool(release):
        raise Conflict("Private data is already " + ("released" if release else "withheld")
                       + " for this request.")
    action = PRIVATE_CHOICE_ACTIONS[0] if release else PRIVATE_CHOICE_ACTIONS[1]
    note = ("Commenters' e-mail and network addresses will be released: " + reason if release
            else "Commenters' e-mail and network addresses withheld again"
                 + (f": {reason}" if reason else "."))
    event = _event(session, actor, request, action, request.state, note)
    request.updated_at = clock.utcnow()
    session.flush()
    audit.record_event(session, actor, "records." + action, obj=request,
                       details={"release": bool(release), "reason": reason})
    return event


def redacted_content(content: dict, redactions: list[Redaction], *,
                     withhold_private: bool = True) -> tuple[dict | None, list]:
    """The record as released: ``None`` when withheld whole, else with passages marked.

    A passage removed anywhere in a record (a character range of one field, or an exact text)
    is removed from every field of that record, so it cannot reappear elsewhere in it. Unless
    ``withhold_private`` is false (the officer's choice), every e-mail and network address
    (:func:`private_values`) is removed the same way, under its exemption.
    Returns the content and the withholding exemptions (for a withheld record).
    """
    withheld = [r for r in redactions if r.kind is RedactionKind.RECORD]
    if withheld:
        return None, [r.exemption for r in withheld]
    fields = dict(text_fields(content))
    passages: list[tuple[str, str]] = []
    if withhold_private:
        passages += [(p.value, p.code) for p in private_values(content)]
    for r in redactions:
        if r.kind is RedactionKind.RANGE and r.field in fields:
            passage = fields[r.field][r.start_at:r.end_at]
            if passage.strip():
                passages.append((passage, r.exemption.code))
        elif r.kind is RedactionKind.TEXT:
            passages.append((r.match_text, r.exemption.code))
    return _walk(content, "", redactions, lambda field: passages), []


def redacted_passages(content: dict, redactions: list[Redaction], *,
                      withhold_private: bool = True) -> list[str]:
    """The original passages a record's redactions remove (for checks; never released)."""
    fields = dict(text_fields(content))
    passages = [p.value for p in private_values(content)] if withhold_private else []
    for r in redactions:
        if r.kind is RedactionKind.RANGE and r.field in fields:
            passages.append(fields[r.field][r.start_at:r.end_at])
        elif r.kind is RedactionKind.TEXT:
            passages.append(r.match_text)
    return passages


def attach_search_results(session: Session, actor: Actor, request: RecordsRequest, criteria,
                          *, record_ids: Iterable[int] | None = None,
                          with_history: bool = True) -> int:
    """Attach the chosen results of an archive search (all of them when ``record_ids`` is None).

    The criteria are saved on the request (a ``SavedSearch`` linked by ``request_id``), so the
    request shows how its records were found. With ``with_history`` each record's history
    (every record of the same object: a comment and its moderation actions, a post and its
    revisions) is attached with it. Raises PermissionDenied, Conflict, ValidationFailed.
    """
    from beatdesk.archive import record_history
    from beatdesk.archive_search import SearchCriteria, search_query
    from beatdesk.models import ArchiveRecord, SavedSearch

    _require_officer(actor)
    _require_open(request)
    if isinstance(criteria, dict):
        criteria = SearchCriteria.from_dict(criteria)
    query = search_query(session, criteria)
    if record_ids is not None:
        ids = sorted({int(i) for i in record_ids})
        if not ids:
            raise ValidationFailed("Choose at least one record to attach.", field="record_ids")
        query = query.where(ArchiveRecord.id.in_(ids))

    def expanded():
        seen: set[int] = set()
        for record in session.scalars(query.order_by(None).order_by(ArchiveRecord.id)).all():
            for each in (record_history(session, record) if with_history else [record]):
                if each.id not in seen:
                    seen.add(each.id)
                    yield each

    added = attach_records(session, actor, request, expanded(),
                           note=f"Attached from the archive search: {criteria.describe()}.")
    session.add(SavedSearch(name=f"{request.label}: {criteria.describe()}"[:120],
                            criteria=criteria.to_dict(), owner_id=actor.user.id,
                            created_at=clock.utcnow(), request_id=request.id))
    session.flush()
    return added


def saved_searches(session: Session, request: RecordsRequest) -> list:
    from beatdesk.models import SavedSearch

    return list(session.scalars(select(SavedSearch).where(SavedSearch.request_id == request.id)
                                .order_by(SavedSearch.created_at, SavedSearch.id)))


def snapshot_page(session: Session, request: RecordsRequest, page: int = 1, per_page: int = 50):
    """One page of the request's snapshot, in attachment order."""
    return audit.paginate(session, select(SnapshotItem)
                          .where(SnapshotItem.request_id == request.id)
                          .order_by(SnapshotItem.id), page, per_page)


def redaction_summary(session: Session, request: RecordsRequest) -> dict[int, int]:
    """Active redactions per snapshot item (item id -> count), for the review list."""
    rows = session.execute(select(Redaction.item_id, func.count(Redaction.id))
                           .where(Redaction.request_id == request.id,
                                  Redaction.removed_at.is_(None))
                           .group_by(Redaction.item_id))
    return {item_id: count for item_id, count in rows}


def item_redactions(session: Session, item: SnapshotItem) -> list[Redaction]:
    return list(session.scalars(select(Redaction).where(Redaction.item_id == item.id)
                                .order_by(Redaction.id)))

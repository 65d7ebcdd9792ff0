"""Suggested redactions: private persons' data in a request's attached records, proposed when
records are attached (and again on demand), each accepted or rejected by the records officer.

What is suggested (:mod:`beatdesk.private_passages`): e-mail and network addresses in any text,
phone numbers, home and street addresses, dates of birth, Social Security numbers, and the names
of victims, witnesses, complainants and juveniles where the records show them; a name found so
in one record is suggested wherever else it occurs in the request's records. Each suggestion
cites the exemption it would rest on.

What is not suggested again: commenters' e-mail and network addresses stored under their own
keys (``records.private_values``), which every release withholds by default unless the officer
makes the logged choice to release them, and any passage an active redaction already removes.

Accepting makes a redaction of the passage (:func:`records.add_redaction`, every occurrence in
the record); rejecting is a request event, an audit event, and a line of the release's
redaction log saying the passage was released on the officer's decision. A release is refused
while a suggestion waits for a decision. The passage itself is never written to the audit
trail (which is archived) nor to the redaction log.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beatdesk import audit, clock, records, sametext
from beatdesk.checks.findings import CheckContext
from beatdesk.checks.terms import context_for
from beatdesk.context import Actor
from beatdesk.errors import Conflict, NotFound, ValidationFailed
from beatdesk.models import District, Exemption, RecordsRequest, Redaction, SnapshotItem
from beatdesk.models.records import RedactionKind
from beatdesk.models.redaction_suggestions import (RedactionSuggestion, SuggestionKind,
                                                   SuggestionStatus)
from beatdesk.private_passages import EXEMPTION_CODES, REASONS, find_private_passages
from beatdesk.checks.personal import email_domain, official_phone

P = SuggestionStatus
BATCH = 500
NAME_KINDS = (SuggestionKind.VICTIM_NAME, SuggestionKind.JUVENILE_NAME)
# Values that are identifiers, never prose: hashes, media keys, timestamps.
_NOT_PROSE = re.compile(r"[0-9a-f]{32,}(?:\.\w{2,4})?|\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+)?"
                        r"(?:Z|[+-]\d{2}:?\d{2})?")


# --- reading ----------------------------------------------------------------------------------

def department_context(session: Session) -> CheckContext:
    """The department's and every district's official phones, e-mail domains and addresses:
    contact details of the public body are not a private person's data."""
    base = context_for(session, None)
    districts = list(session.scalars(select(District)))
    phones = {official_phone(d.contact_phone, base.region) for d in districts if d.contact_phone}
    domains = {email_domain(d.contact_email) for d in districts if d.contact_email}
    addresses = {d.contact_address for d in districts if d.contact_address.strip()}
    return CheckContext(
        official_phones=base.official_phones | frozenset(p for p in phones if p),
        official_email_domains=base.official_email_domains | frozenset(d for d in domains if d),
        official_addresses=base.official_addresses | frozenset(addresses),
        extra_terms=base.extra_terms, region=base.region, directive_name=base.directive_name)


def _exemptions(session: Session) -> dict[str, Exemption]:
    found = {e.code: e for e in session.scalars(select(Exemption).where(
        Exemption.active.is_(True), Exemption.code.in_(set(EXEMPTION_CODES.values()))))}
    missing = sorted(set(EXEMPTION_CODES.values()) - set(found))
    if missing:
        raise Conflict("Suggested redactions cite exemptions "
                       f"{', '.join(missing)}, which are missing or inactive; an administrator "
                       "restores them in the exemptions list.")
    return found


def get_suggestion(session: Session, request: RecordsRequest,
                   suggestion_id: int) -> RedactionSuggestion:
    suggestion = session.get(RedactionSuggestion, suggestion_id)
    if suggestion is None or suggestion.request_id != request.id:
        raise NotFound("There is no such suggested redaction on this request.")
    return suggestion


def _items(session: Session, request: RecordsRequest,
           item_ids: Iterable[int] | None = None) -> Iterable[SnapshotItem]:
    """The request's items in batches (all of them, or those named)."""
    query = select(SnapshotItem).where(SnapshotItem.request_id == request.id)
    if item_ids is not None:
        ids = sorted(set(item_ids))
        for start in range(0, len(ids), BATCH):
            yield from session.scalars(query.where(SnapshotItem.id.in_(ids[start:start + BATCH]))
                                       .order_by(SnapshotItem.id))
        return
    last = 0
    while True:
        rows = list(session.scalars(query.where(SnapshotItem.id > last)
                                    .order_by(SnapshotItem.id).limit(BATCH)))
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def _prose(content) -> list[tuple[str, str]]:
    """The text fields worth reading: not identifiers, not the keys under which commenters'
    e-mail and network addresses are stored (the Private data choice governs those)."""
    out = []
    for path, value in records.text_fields(content):
        key = path.rsplit(".", 1)[-1].lower()
        if not value.strip() or key in records.PRIVATE_KEYS or _NOT_PROSE.fullmatch(value):
            continue
        out.append((path, value))
    return out


@dataclass
class _Covered:
    """What already keeps a passage of one record out of the release."""

    withheld: bool
    passages: list[str]

    def covers(self, value: str, start: int, end: int) -> bool:
        if self.withheld:
            return True
        return any(a <= start and end <= b for passage in self.passages
                   for a, b in sametext.spans(value, passage))


def _covered(content, redactions: list[Redaction]) -> _Covered:
    if any(r.kind is RedactionKind.RECORD for r in redactions):
        return _Covered(True, [])
    # Private values count as decided whichever way the officer chose (a logged choice).
    passages = [p for p in records.redacted_passages(content, redactions, withhold_private=True)
                if p.strip()]
    return _Covered(False, passages)


# --- suggesting -------------------------------------------------------------------------------

def _existing_keys(session: Session, item_ids: list[int]) -> set[tuple]:
    keys: set[tuple] = set()
    for start in range(0, len(item_ids), BATCH):
        rows = session.execute(select(
            RedactionSuggestion.item_id, RedactionSuggestion.field, RedactionSuggestion.start_at,
            RedactionSuggestion.end_at, RedactionSuggestion.kind).where(
            RedactionSuggestion.item_id.in_(item_ids[start:start + BATCH])))
        keys.update((i, f, s, e, SuggestionKind(k)) for i, f, s, e, k in rows)
    return keys


def _scan(session: Session, request: RecordsRequest, items: list[SnapshotItem],
          context: CheckContext, exemptions: dict[str, Exemption],
          names: dict[str, tuple[SuggestionKind, str]]) -> list[RedactionSuggestion]:
    """New suggestions for ``items``; also collects the victims' and juveniles' names found."""
    keys = _existing_keys(session, [i.id for i in items])
    redactions = records.active_redactions(session, [i.id for i in items])
    made = []
    for item in items:
        content = records.item_content(item)
        covered = _covered(content, redactions[item.id])
        if covered.withheld:
            continue
        for path, value in _prose(content):
            for found in find_private_passages(value, context):
                kind = SuggestionKind(found.kind)
                if kind in NAME_KINDS:
                    names.setdefault(sametext.fold(found.text), (kind, found.text))
                key = (item.id, path, found.start, found.end, kind)
                if key in keys or covered.covers(value, found.start, found.end):
                    continue
                keys.add(key)
                made.append(RedactionSuggestion(
                    request_id=request.id, item_id=item.id, field=path, start_at=found.start,
                    end_at=found.end, passage=found.text, kind=kind,
                    exemption_id=exemptions[found.exemption_code].id, status=P.PENDING,
                    reason=found.reason, created_at=clock.utcnow()))
    return made


def _spread_names(session: Session, request: RecordsRequest,
                  names: dict[str, tuple[SuggestionKind, str]],
                  exemptions: dict[str, Exemption]) -> list[RedactionSuggestion]:
    """A victim's or juvenile's name found in one record, wherever else the request's records
    hold it (a later mention has no cue of its own)."""
    if not names:
        return []
    made = []
    for batch in _batched(_items(session, request)):
        keys = _existing_keys(session, [i.id for i in batch])
        redactions = records.active_redactions(session, [i.id for i in batch])
        for item in batch:
            folded = sametext.fold(item.content)
            hits = [(kind, text) for key, (kind, text) in names.items() if key in folded]
            if not hits:
                continue
            content = records.item_content(item)
            covered = _covered(content, redactions[item.id])
            if covered.withheld:
                continue
            for path, value in _prose(content):
                for kind, text in hits:
                    for start, end in sametext.spans(value, text):
                        if not _word_bounded(value, start, end):
                            continue
                        key = (item.id, path, start, end, kind)
                        if key in keys or covered.covers(value, start, end):
                            continue
                        keys.add(key)
                        made.append(RedactionSuggestion(
                            request_id=request.id, item_id=item.id, field=path,
                            start_at=start, end_at=end, passage=value[start:end], kind=kind,
                            exemption_id=exemptions[EXEMPTION_CODES[kind.value]].id,
                            status=P.PENDING,
                            reason=REASONS[kind.value] + " Named so elsewhere in these records.",
                            created_at=clock.utcnow()))
    return made


def _word_bounded(value: str, start: int, end: int) -> bool:
    return (start == 0 or not value[start - 1].isalnum()) and \
        (end == len(value) or not value[end].isalnum())


def _batched(items: Iterable[SnapshotItem]) -> Iterable[list[SnapshotItem]]:
    batch: list[SnapshotItem] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def suggest(session: Session, actor: Actor, request: RecordsRequest,
            item_ids: Iterable[int] | None = None) -> int:
    """Read the request's attached records (those named, or all of them) and suggest a
    redaction for each private value not yet suggested or redacted. Returns how many are new.

    Raises PermissionDenied (not a records officer), Conflict (closed request, or the
    exemptions the suggestions cite are missing).
    """
    records._require_officer(actor)
    records._require_open(request)
    exemptions = _exemptions(session)
    context = department_context(session)
    names: dict[str, tuple[SuggestionKind, str]] = {
        sametext.fold(text): (kind, text) for kind, text in session.execute(
            select(RedactionSuggestion.kind, RedactionSuggestion.passage).where(
                RedactionSuggestion.request_id == request.id,
                RedactionSuggestion.kind.in_([k.value for k in NAME_KINDS])))}
    made: list[RedactionSuggestion] = []
    for batch in _batched(_items(session, request, item_ids)):
        new = _scan(session, request, batch, context, exemptions, names)
        session.add_all(new)
        made += new
    session.flush()
    spread = _spread_names(session, request, names, exemptions)
    session.add_all(spread)
    made += spread
    if made:
        session.flush()
        kinds = Counter(s.kind.value for s in made)
        records._event(session, actor, request, "redactions_suggested", request.state,
                       f"{len(made)} redaction{'s' if len(made) != 1 else ''} suggested: "
                       + ", ".join(f"{n} {SuggestionKind(k).short}{'s' if n != 1 else ''}"
                                   for k, n in sorted(kinds.items())) + ".")
        audit.record_event(session, actor, "records.redactions_suggested", obj=request,
                           details={"suggested": len(made), "kinds": dict(sorted(kinds.items()))})
    return len(made)


def suggest_attached(session: Session, actor: Actor, request: RecordsRequest,
                     attached_at) -> int:
    """Suggest redactions in the records just attached (those attached at ``attached_at``)."""
    ids = list(session.scalars(select(SnapshotItem.id).where(
        SnapshotItem.request_id == request.id, SnapshotItem.attached_at == attached_at)))
    return suggest(session, actor, request, item_ids=ids) if ids else 0


# --- deciding ---------------------------------------------------------------------------------

def _require_pending(suggestion: RedactionSuggestion) -> None:
    if suggestion.status is not P.PENDING:
        raise Conflict(f"That suggestion was already {suggestion.status.value}.")


def _decide(suggestion: RedactionSuggestion, actor: Actor, status: SuggestionStatus,
            note: str = "", redaction: Redaction | None = None) -> None:
    suggestion.status = status
    suggestion.decided_by_id, suggestion.decided_at = actor.user.id, clock.utcnow()
    suggestion.note = note
    if redaction is not None:
        suggestion.redaction_id = redaction.id


def _settle_covered(session: Session, actor: Actor, item: SnapshotItem,
                    redaction: Redaction, source: RedactionSuggestion) -> int:
    """Pending suggestions of ``item`` the new redaction now covers are accepted with it."""
    pending = list(session.scalars(select(RedactionSuggestion).where(
        RedactionSuggestion.item_id == item.id, RedactionSuggestion.status == P.PENDING.value,
        RedactionSuggestion.id != source.id)))
    if not pending:
        return 0
    fields = dict(records.text_fields(records.item_content(item)))
    settled = 0
    for other in pending:
        value = fields.get(other.field, "")
        if any(a <= other.start_at and other.end_at <= b
               for a, b in sametext.spans(value, redaction.match_text)):
            _decide(other, actor, P.ACCEPTED, f"Covered by suggestion {source.id}.", redaction)
            settled += 1
    return settled


def _accept(session: Session, actor: Actor, request: RecordsRequest,
            suggestion: RedactionSuggestion, note: str) -> Redaction:
    redaction = records.add_redaction(
        session, actor, request, suggestion.item, exemption_id=suggestion.exemption_id,
        kind=RedactionKind.TEXT, field=suggestion.field, text=suggestion.passage,
        note=f"Suggested redaction {suggestion.id} ({suggestion.kind.short}) accepted"
             + (f": {note}" if note else "."))
    _decide(suggestion, actor, P.ACCEPTED, note, redaction)
    session.flush()
    _settle_covered(session, actor, suggestion.item, redaction, suggestion)
    return redaction


def accept(session: Session, actor: Actor, request: RecordsRequest, suggestion_id: int,
           note: str = "") -> RedactionSuggestion:
    """Redact the suggested passage (every occurrence in its record) under its exemption.

    Raises PermissionDenied, NotFound (not this request's), Conflict (closed request, already
    decided).
    """
    records._require_officer(actor)
    records._require_open(request)
    suggestion = get_suggestion(session, request, suggestion_id)
    _require_pending(suggestion)
    note = (note or "").strip()
    redaction = _accept(session, actor, request, suggestion, note)
    audit.record_event(session, actor, "records.redaction_suggestion_accepted", obj=suggestion,
                       details={"request": request.id, "item": suggestion.item_id,
                                "kind": suggestion.kind.value,
                                "exemption": suggestion.exemption.code,
                                "redaction": redaction.id})
    return suggestion


def accept_kind(session: Session, actor: Actor, request: RecordsRequest,
                kind: SuggestionKind | str) -> int:
    """Accept every pending suggestion of one kind; returns how many were decided (those a
    sibling's redaction covers are accepted with it).

    Raises PermissionDenied, Conflict (closed request), ValidationFailed (unknown kind, or
    nothing of that kind waits).
    """
    records._require_officer(actor)
    records._require_open(request)
    try:
        kind = SuggestionKind(kind)
    except ValueError:
        raise ValidationFailed("Choose a kind of suggestion.", field="kind") from None
    ids = list(session.scalars(select(RedactionSuggestion.id).where(
        RedactionSuggestion.request_id == request.id, RedactionSuggestion.kind == kind.value,
        RedactionSuggestion.status == P.PENDING.value).order_by(RedactionSuggestion.id)))
    if not ids:
        raise ValidationFailed(f"No suggested {kind.short} waits for a decision.", field="kind")
    for suggestion_id in ids:
        suggestion = session.get(RedactionSuggestion, suggestion_id)
        if suggestion.status is P.PENDING:
            _accept(session, actor, request, suggestion, "Accepted with every "
                                                         f"{kind.short} of the request.")
    decided = session.scalar(select(func.count(RedactionSuggestion.id)).where(
        RedactionSuggestion.id.in_(ids), RedactionSuggestion.status == P.ACCEPTED.value)) or 0
    audit.record_event(session, actor, "records.redaction_suggestions_accepted", obj=request,
                       details={"kind": kind.value, "accepted": decided})
    return decided


def reject(session: Session, actor: Actor, request: RecordsRequest, suggestion_id: int,
           reason: str = "") -> RedactionSuggestion:
    """Release the suggested passage: a request event, an audit event and, in the release's
    redaction log, a line saying it was released on the officer's decision.

    Raises PermissionDenied, NotFound, Conflict (closed request, already decided).
    """
    records._require_officer(actor)
    records._require_open(request)
    suggestion = get_suggestion(session, request, suggestion_id)
    _require_pending(suggestion)
    reason = (reason or "").strip()
    _decide(suggestion, actor, P.REJECTED, reason)
    item = suggestion.item
    records._event(session, actor, request, "redaction_suggestion_rejected", request.state,
                   f"Suggested redaction {suggestion.id} ({suggestion.kind.short} in archive "
                   f"record {item.archive_record_id}, {suggestion.exemption.code}) rejected: "
                   "it will be released on the officer's decision"
                   + (f". {reason}" if reason else "."))
    request.updated_at = clock.utcnow()
    session.flush()
    audit.record_event(session, actor, "records.redaction_suggestion_rejected", obj=suggestion,
                       details={"request": request.id, "item": suggestion.item_id,
                                "kind": suggestion.kind.value,
                                "exemption": suggestion.exemption.code, "reason": reason})
    return suggestion


# --- across every attached record -------------------------------------------------------------

@dataclass(frozen=True)
class Across:
    """Where an accepted passage occurs in the request's attached records."""

    occurrences: int  # every occurrence, in every record
    records: int  # records holding it
    to_redact: int  # of those, records it is not yet redacted from
    total_records: int  # records attached


def _across(session: Session, request: RecordsRequest, passage: str):
    """(item, occurrences, already redacted) for each attached record holding ``passage``."""
    folded = sametext.fold(passage)
    for batch in _batched(_items(session, request)):
        redactions = records.active_redactions(session, [i.id for i in batch])
        for item in batch:
            if folded not in sametext.fold(item.content):
                continue
            content = records.item_content(item)
            count = sum(len(sametext.spans(value, passage))
                        for _, value in records.text_fields(content))
            if not count:
                continue
            own = redactions[item.id]
            done = any(r.kind is RedactionKind.RECORD for r in own) or any(
                r.kind is RedactionKind.TEXT and sametext.fold(r.match_text) == folded
                for r in own)
            yield item, count, done


def _require_accepted(suggestion: RedactionSuggestion) -> None:
    if suggestion.status is not P.ACCEPTED:
        raise Conflict("Accept the suggestion first; then it can be applied across every "
                       "attached record.")


def occurrences_across(session: Session, request: RecordsRequest,
                       suggestion: RedactionSuggestion) -> Across:
    """How often an accepted passage occurs across every attached record (shown before
    applying). Raises Conflict if the suggestion is not accepted."""
    _require_accepted(suggestion)
    total = records.snapshot_count(session, request)
    occurrences = holding = to_redact = 0
    for _, count, done in _across(session, request, suggestion.passage):
        occurrences += count
        holding += 1
        to_redact += 0 if done else 1
    return Across(occurrences, holding, to_redact, total)


def apply_across(session: Session, actor: Actor, request: RecordsRequest, suggestion_id: int,
                 expected_occurrences: int | None = None) -> int:
    """Redact an accepted passage from every attached record that holds it; returns how many
    records got a new redaction. ``expected_occurrences`` is the count the officer saw: if the
    records changed since, nothing is applied.

    Raises PermissionDenied, NotFound, Conflict (closed request, not accepted, count changed).
    """
    records._require_officer(actor)
    records._require_open(request)
    suggestion = get_suggestion(session, request, suggestion_id)
    _require_accepted(suggestion)
    found = list(_across(session, request, suggestion.passage))
    occurrences = sum(count for _, count, _ in found)
    if expected_occurrences is not None and occurrences != expected_occurrences:
        raise Conflict(f"The passage now occurs {occurrences} times, not "
                       f"{expected_occurrences}; nothing was applied. Review the count again.")
    applied = 0
    for item, _, done in found:
        if done:
            continue
        redaction = records.add_redaction(
            session, actor, request, item, exemption_id=suggestion.exemption_id,
            kind=RedactionKind.TEXT, text=suggestion.passage,
            note=f"Applied across every attached record from suggested redaction "
                 f"{suggestion.id}.")
        session.flush()
        _settle_covered(session, actor, item, redaction, suggestion)
        applied += 1
    audit.record_event(session, actor, "records.redaction_applied_across", obj=suggestion,
                       details={"request": request.id, "records": applied,
                                "occurrences": occurrences,
                                "exemption": suggestion.exemption.code})
    return applied


# --- what waits, for the request page and the release ---------------------------------------

def undecided(session: Session, request: RecordsRequest) -> list[RedactionSuggestion]:
    """Pending suggestions nothing covers yet (a redaction the officer made by hand, or the
    Private data choice, settles a suggestion of the same passage)."""
    pending = list(session.scalars(select(RedactionSuggestion).where(
        RedactionSuggestion.request_id == request.id,
        RedactionSuggestion.status == P.PENDING.value).order_by(RedactionSuggestion.id)))
    if not pending:
        return []
    by_item: dict[int, list[RedactionSuggestion]] = {}
    for s in pending:
        by_item.setdefault(s.item_id, []).append(s)
    redactions = records.active_redactions(session, list(by_item))
    left = []
    for item_id, suggestions in by_item.items():
        item = session.get(SnapshotItem, item_id)
        content = records.item_content(item)
        covered = _covered(content, redactions[item_id])
        fields = dict(records.text_fields(content))
        left += [s for s in suggestions
                 if not covered.covers(fields.get(s.field, ""), s.start_at, s.end_at)]
    return sorted(left, key=lambda s: s.id)


def require_decided(session: Session, request: RecordsRequest) -> None:
    """Raises ValidationFailed while any suggested redaction waits for a decision."""
    waiting = len(undecided(session, request))
    if waiting:
        raise ValidationFailed(
            f"{waiting} suggested redaction{'s' if waiting != 1 else ''} still "
            f"wait{'s' if waiting == 1 else ''} for a decision: accept or reject each one "
            "(Suggested redactions, on the request's page) before building the release. "
            "Nothing is withheld or released without your decision.")


@dataclass(frozen=True)
class KindSummary:
    kind: SuggestionKind
    exemption: str
    pending: int
    accepted: int
    rejected: int


@dataclass(frozen=True)
class Panel:
    kinds: list[KindSummary]
    waiting: int  # pending, not covered: blocks the release
    covered: int  # pending, settled by a redaction or the Private data choice
    total: int


def panel(session: Session, request: RecordsRequest) -> Panel:
    """Counts per kind and decision, for the request page."""
    rows = session.execute(select(RedactionSuggestion.kind, RedactionSuggestion.status,
                                  func.count(RedactionSuggestion.id))
                           .where(RedactionSuggestion.request_id == request.id)
                           .group_by(RedactionSuggestion.kind, RedactionSuggestion.status))
    counts: dict[SuggestionKind, Counter] = {}
    for kind, status, n in rows:
        counts.setdefault(SuggestionKind(kind), Counter())[SuggestionStatus(status)] += n
    kinds = [KindSummary(kind, EXEMPTION_CODES[kind.value], c[P.PENDING], c[P.ACCEPTED],
                         c[P.REJECTED]) for kind, c in sorted(counts.items())]
    pending = sum(k.pending for k in kinds)
    waiting = len(undecided(session, request)) if pending else 0
    return Panel(kinds, waiting, pending - waiting, sum(k.pending + k.accepted + k.rejected
                                                        for k in kinds))


@dataclass(frozen=True)
class Row:
    suggestion: RedactionSuggestion
    archive_record_id: int
    before: str
    after: str
    covered: bool


def review_page(session: Session, request: RecordsRequest, *, status: str = "",
                kind: str = "", page: int = 1, per_page: int = 50):
    """One page of suggestions (filtered by status and kind), each with a little context."""
    query = select(RedactionSuggestion).where(RedactionSuggestion.request_id == request.id)
    if status in {s.value for s in SuggestionStatus}:
        query = query.where(RedactionSuggestion.status == status)
    if kind in {k.value for k in SuggestionKind}:
        query = query.where(RedactionSuggestion.kind == kind)
    result = audit.paginate(session, query.order_by(RedactionSuggestion.id), page, per_page)
    waiting = {s.id for s in undecided(session, request)}
    rows = []
    for s in result.items:
        value = dict(records.text_fields(records.item_content(s.item))).get(s.field, "")
        before = value[max(0, s.start_at - 50):s.start_at]
        after = value[s.end_at:s.end_at + 50]
        rows.append(Row(s, s.item.archive_record_id,
                        ("…" if s.start_at > 50 else "") + before,
                        after + ("…" if s.end_at + 50 < len(value) else ""),
                        s.status is P.PENDING and s.id not in waiting))
    return result, rows


def rejected_log_rows(session: Session, request: RecordsRequest) -> list[list[str]]:
    """Lines of the release's redaction log for the suggestions the officer rejected: what
    kind, where, the exemption it would have cited, who decided and when; never the passage."""
    rows = session.execute(
        select(RedactionSuggestion, SnapshotItem.archive_record_id, SnapshotItem.record_type,
               SnapshotItem.object_id)
        .join(SnapshotItem, SnapshotItem.id == RedactionSuggestion.item_id)
        .where(RedactionSuggestion.request_id == request.id,
               RedactionSuggestion.status == P.REJECTED.value)
        .order_by(RedactionSuggestion.id))
    out = []
    for s, archive_record_id, record_type, object_id in rows:
        at = clock.as_utc(s.decided_at)
        out.append([archive_record_id, record_type, object_id,
                    f"{s.kind.short} suggested for redaction, released on the officer's "
                    "decision", s.field, s.exemption.code, s.exemption.citation,
                    s.decided_by.login_id if s.decided_by else "",
                    at.strftime("%Y-%m-%dT%H:%M:%SZ") if at else ""])
    return out

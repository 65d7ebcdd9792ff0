"""The archive: append-only, hash-chained records of everything Beatdesk holds.

Callers record a change in the same transaction as the change itself::

    archive.append(session, record_type="post.revision", object_id=revision.id,
                   district_id=post.district_id, actor=actor, content={...})

Public interface:

- ``append(session, *, record_type, object_id, district_id, actor, content) -> ArchiveRecord``
  adds one record at the end of the chain (content is a JSON-able dict; a ``"state"`` key, e.g.
  "discontinued" or "removed", is also stored as the record's searchable state).
- ``verify(session, *, batch_size=1000, on_batch=None) -> VerifyReport`` recomputes every
  hash and link in constant memory and names each record that no longer matches.
- ``get_record(session, record_id) -> ArchiveRecord`` (raises ``NotFound``) and
  ``record_history(session, record) -> list[ArchiveRecord]``: the records of the same type
  family ("post" for "post.revision") and object id, oldest first.
- ``search(session, criteria, page=1, per_page=50, *, count_limit=None) -> SearchPage`` (a
  ``beatdesk.audit.Page`` of ``ArchiveRecord``), ``search_query`` and ``SearchCriteria``: see
  ``beatdesk.archive_search``.
- ``dispose_record(session, record, run_id)``: replace the content by a tombstone that keeps the
  hash (used only by ``beatdesk.retention``, after a second person approved the run).

How a record is hashed: ``content`` is canonical JSON (sorted keys, UTF-8, no spaces, datetimes
as ISO 8601 UTC); ``content_hash`` is its SHA-256; ``record_hash`` is the SHA-256 of the canonical
JSON of the record's position, type, object id, district, actor id and label, time, state,
``content_hash`` and ``prev_hash`` (the previous record's ``record_hash``; 64 zeros for the first).

Concurrency: every append first takes the chain lock, then reads the head. On PostgreSQL that is a
transaction-level advisory lock; on SQLite it is a write to the one-row ``archive_head`` table,
which takes the database's write lock for the rest of the transaction. Unique constraints on
``prev_hash`` and on the position make a fork impossible even without the lock.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from . import clock
from .archive_search import SearchCriteria, search, search_query  # noqa: F401  (this module's interface)
from .context import Actor
from .errors import NotFound
from .models import GENESIS_HASH, ArchiveHead, ArchiveRecord

# Any constant will do; it only has to be the same for every process appending to the chain.
CHAIN_LOCK_KEY = 0x6265617464657361  # "beatdesa"
HISTORY_LIMIT = 1000


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot archive a {type(value).__name__}")


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a Z, the one spelling hashes are computed over."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the archive")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(content: Any) -> str:
    """Sorted keys, no insignificant spaces, non-ASCII kept as UTF-8."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_json_default)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def searchable_text(content: Any) -> str:
    """Every string value of the (parsed) content, one per line: what the full-text index reads."""
    parts: list[str] = []

    def walk(value):
        if isinstance(value, str):
            if value:
                parts.append(value)
        elif isinstance(value, dict):
            for key in sorted(value):
                walk(value[key])
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(content)
    return "\n".join(parts)


def compute_record_hash(*, id: int, record_type: str, object_id: str, district_id: int | None,
                        actor_id: int | None, actor_label: str, recorded_at: datetime, state: str,
                        content_hash: str, prev_hash: str) -> str:
    return sha256_hex(canonical_json({
        "id": id, "record_type": record_type, "object_id": object_id,
        "district_id": district_id, "actor_id": actor_id, "actor_label": actor_label,
        "recorded_at": iso_utc(recorded_at), "state": state, "content_hash": content_hash,
        "prev_hash": prev_hash,
    }))


def tombstone(content_hash: str, disposed_at: datetime, run_id: int) -> str:
    """What a disposed record's content becomes: it names the hash of what was destroyed."""
    return canonical_json({"tombstone": True, "content_hash": content_hash,
                           "disposed_at": iso_utc(disposed_at), "disposition_run_id": run_id})


def _lock_chain(session: Session) -> None:
    """Serialise appends until this transaction ends (see the module docstring)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
        insert = pg_insert
    else:
        insert = sqlite_insert
    session.execute(insert(ArchiveHead).values(id=1, position=0, record_hash=GENESIS_HASH)
                    .on_conflict_do_nothing(index_elements=["id"]))


def append(session: Session, *, record_type: str, object_id: int | str,
           district_id: int | None, actor: Actor | None, content: dict[str, Any],
           actor_label: str | None = None) -> ArchiveRecord:
    """Append one record to the chain, in the caller's transaction.

    ``actor_label`` overrides the actor's log-on ID (e.g. the ID typed at a failed sign-in).
    Raises ValueError for a record type that is empty or too long, or content that is not JSON.
    """
    if not record_type or len(record_type) > 80:
        raise ValueError("record_type must be 1 to 80 characters")
    body = canonical_json(content)
    parsed = json.loads(body)
    state = parsed.get("state") if isinstance(parsed, dict) else None
    state = state[:40] if isinstance(state, str) else ""
    user = actor.user if actor is not None else None
    label = actor_label if actor_label is not None else (actor.login if actor is not None else "")

    _lock_chain(session)
    head = session.execute(select(ArchiveRecord.id, ArchiveRecord.record_hash)
                           .order_by(ArchiveRecord.id.desc()).limit(1)).first()
    position, prev_hash = (head.id + 1, head.record_hash) if head else (1, GENESIS_HASH)
    recorded_at = clock.utcnow().astimezone(UTC)
    content_hash = sha256_hex(body)
    fields = dict(id=position, record_type=record_type, object_id=str(object_id)[:80],
                  district_id=district_id, actor_id=user.id if user is not None else None,
                  actor_label=(label or "")[:120], recorded_at=recorded_at, state=state,
                  content_hash=content_hash, prev_hash=prev_hash)
    record = ArchiveRecord(**fields, content=body, search_text=searchable_text(parsed),
                           record_hash=compute_record_hash(**fields))
    session.add(record)
    session.flush()
    session.execute(update(ArchiveHead).where(ArchiveHead.id == 1)
                    .values(position=position, record_hash=record.record_hash))
    return record


def dispose_record(session: Session, record: ArchiveRecord, run_id: int) -> None:
    """Replace the content by a tombstone keeping its hash; metadata and links stay as they were.

    Only ``beatdesk.retention`` calls this, once holds and the second approval have been checked.
    """
    if record.disposed_at is not None:
        return
    disposed_at = clock.utcnow().astimezone(UTC)
    record.content = tombstone(record.content_hash, disposed_at, run_id)
    record.search_text = ""
    record.disposed_at = disposed_at
    record.disposition_run_id = run_id
    session.flush()


def get_record(session: Session, record_id: int) -> ArchiveRecord:
    """One archive record. Raises NotFound."""
    record = session.get(ArchiveRecord, record_id)
    if record is None:
        raise NotFound("There is no archive record with that number.")
    return record


def record_history(session: Session, record: ArchiveRecord) -> list[ArchiveRecord]:
    """Every record of the same type family and object id (the record included), oldest first."""
    if record.object_id == "":
        return [record]
    family = record.family
    query = (select(ArchiveRecord)
             .where(ArchiveRecord.object_id == record.object_id,
                    or_(ArchiveRecord.record_type == family,
                        ArchiveRecord.record_type.startswith(family + ".", autoescape=True)))
             .order_by(ArchiveRecord.id).limit(HISTORY_LIMIT))
    return list(session.scalars(query))


@dataclass(frozen=True)
class Problem:
    record_id: int
    reason: str


@dataclass
class VerifyReport:
    """The outcome of a verification: how many records were checked and what did not match."""

    checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    disposed: int = 0
    head_position: int = 0
    listed_limit: int = 10_000

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def bad_record_ids(self) -> list[int]:
        return sorted({p.record_id for p in self.problems})

    def add(self, record_id: int, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < self.listed_limit:
            self.problems.append(Problem(record_id, reason))

    def summary(self) -> str:
        if self.ok:
            return (f"Archive verified: {self.checked} records, chain intact"
                    f" ({self.disposed} disposed of, hashes kept).")
        return (f"Archive verification FAILED: {self.checked} records checked, "
                f"{self.problem_count} problems in {len(self.bad_record_ids)} records"
                f"{' (first ' + str(self.listed_limit) + ' listed)' if self.problem_count > len(self.problems) else ''}.")

    def as_details(self, limit: int = 100) -> dict:
        """A short form for the audit trail (the verify page shows the last one)."""
        return {"checked": self.checked, "disposed": self.disposed, "ok": self.ok,
                "problem_count": self.problem_count,
                "problems": [{"record_id": p.record_id, "reason": p.reason}
                             for p in self.problems[:limit]]}


_VERIFY_COLUMNS = (ArchiveRecord.id, ArchiveRecord.record_type, ArchiveRecord.object_id,
                   ArchiveRecord.district_id, ArchiveRecord.actor_id, ArchiveRecord.actor_label,
                   ArchiveRecord.recorded_at, ArchiveRecord.state, ArchiveRecord.content,
                   ArchiveRecord.content_hash, ArchiveRecord.prev_hash, ArchiveRecord.record_hash,
                   ArchiveRecord.search_text, ArchiveRecord.disposed_at,
                   ArchiveRecord.disposition_run_id)


def _check_content(row, report: VerifyReport) -> None:
    if row.disposed_at is not None:
        report.disposed += 1
        if row.disposition_run_id is None or row.content != tombstone(
                row.content_hash, row.disposed_at, row.disposition_run_id):
            report.add(row.id, "the tombstone of this disposed record does not match its hash "
                               "or disposal details")
        elif row.search_text:
            report.add(row.id, "a disposed record still carries search text")
        return
    if sha256_hex(row.content) != row.content_hash:
        report.add(row.id, "the content does not match its content hash")
        return
    if searchable_text(json.loads(row.content)) != row.search_text:
        report.add(row.id, "the search text does not match the content")


def verify(session: Session, *, batch_size: int = 1000,
           on_batch: Callable[[int], None] | None = None) -> VerifyReport:
    """Recompute every record's hashes and links, oldest first, ``batch_size`` rows at a time.

    Names each record whose content, content hash, record hash, link or position no longer
    matches; ``on_batch(n)`` is called after each batch (progress bars).
    """
    report = VerifyReport()
    expected_id, expected_prev = 1, GENESIS_HASH
    last_id = 0
    while True:
        rows = session.execute(select(*_VERIFY_COLUMNS).where(ArchiveRecord.id > last_id)
                               .order_by(ArchiveRecord.id).limit(batch_size)).all()
        if not rows:
            break
        for row in rows:
            report.checked += 1
            if row.id != expected_id:
                report.add(row.id, f"records {expected_id} to {row.id - 1} are missing before it")
            if row.prev_hash != expected_prev:
                report.add(row.id, "the link is broken: its previous-record hash is not the "
                                   "hash of the record before it")
            _check_content(row, report)
            recomputed = compute_record_hash(
                id=row.id, record_type=row.record_type, object_id=row.object_id,
                district_id=row.district_id, actor_id=row.actor_id, actor_label=row.actor_label,
                recorded_at=row.recorded_at, state=row.state, content_hash=row.content_hash,
                prev_hash=row.prev_hash)
            if recomputed != row.record_hash:
                report.add(row.id, "the record hash does not match the record")
            expected_id, expected_prev = row.id + 1, row.record_hash
        last_id = rows[-1].id
        if on_batch is not None:
            on_batch(len(rows))
    head = session.execute(select(ArchiveHead.position, ArchiveHead.record_hash)).first()
    report.head_position = last_id
    if head is not None and head.position != last_id:
        report.add(head.position, f"the archive head names record {head.position} but the chain "
                                  f"ends at record {last_id}")
    elif head is not None and last_id and head.record_hash != expected_prev:
        report.add(last_id, "the archive head's hash does not match the last record")
    return report


def chain_length(session: Session) -> int:
    """The number of records (the position of the newest one)."""
    return session.scalar(select(ArchiveRecord.id).order_by(ArchiveRecord.id.desc()).limit(1)) or 0

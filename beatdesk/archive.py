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

Concurrency: every append first takes the chain lock, then reads the head (a second append in
the same transaction, which still holds the lock, continues from the head the first one wrote). On PostgreSQL that is a
transaction-level advisory lock; on SQLite it is a write to the one-row ``archive_head`` table,
which takes the database's write lock for the rest of the transaction. Unique constraints on
``prev_hash`` and on the position make a fork impossible even without the lock.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import or_, select, text, update
from sqlalchemy.exc import DBAPIError
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
# session.info key: (transaction, position, record_hash) of the last append in that transaction
_HEAD_KEY = "beatdesk.archive.head"


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


def lock_chain(session: Session) -> None:
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

    postgresql = session.get_bind().dialect.name == "postgresql"
    known = session.info.get(_HEAD_KEY)
    if known is not None and known[0] is _transaction(session):
        # This transaction appended last and still holds the chain lock: the head is known.
        position, prev_hash = known[1] + 1, known[2]
    else:
        if postgresql:  # the head row is written by the upsert below
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
        else:
            lock_chain(session)
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
    if postgresql:
        session.execute(pg_insert(ArchiveHead).values(
            id=1, position=position, record_hash=record.record_hash).on_conflict_do_update(
            index_elements=["id"], set_={"position": position, "record_hash": record.record_hash}))
    else:
        session.execute(update(ArchiveHead).where(ArchiveHead.id == 1)
                        .values(position=position, record_hash=record.record_hash))
    session.info[_HEAD_KEY] = (_transaction(session), position, record.record_hash)
    return record


def _transaction(session: Session):
    """The session's innermost transaction: a head remembered in one is valid only there (a
    savepoint rolled back, or a new transaction, reads the head again)."""
    return session.get_nested_transaction() or session.get_transaction()


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
    """Every record about the same object (the record included), oldest first: resolved by the
    kind of object and its id, see ``beatdesk.archive_history``."""
    from .archive_history import record_history as history_of

    return history_of(session, record)


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
    head_hash: str = GENESIS_HASH
    checkpoints: int = 0
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
        anchored = (f", {self.checkpoints} signed checkpoints matched" if self.checkpoints else "")
        if self.ok:
            return (f"Archive verified: {self.checked} records, chain intact"
                    f" ({self.disposed} disposed of, hashes kept{anchored}).")
        return (f"Archive verification FAILED: {self.checked} records checked, "
                f"{self.problem_count} problems in {len(self.bad_record_ids)} records"
                f"{' (first ' + str(self.listed_limit) + ' listed)' if self.problem_count > len(self.problems) else ''}.")

    def as_details(self, limit: int = 100) -> dict:
        """A short form for the audit trail (the verify page shows the last one)."""
        return {"checked": self.checked, "disposed": self.disposed, "ok": self.ok,
                "checkpoints": self.checkpoints, "problem_count": self.problem_count,
                "problems": [{"record_id": p.record_id, "reason": p.reason}
                             for p in self.problems[:limit]]}


# --- Reading stored values as they are --------------------------------------------------------
#
# Verification must survive any value someone with database access can store: a timestamp the
# driver cannot turn into a datetime, text that is not UTF-8, a string in an integer column. So
# the rows are read without SQLAlchemy's type processing (times as text in one fixed spelling),
# every value is checked here, and a row the driver cannot read at all is read column by column.

_COLUMNS = ("id", "record_type", "object_id", "district_id", "actor_id", "actor_label",
            "recorded_at", "state", "content", "content_hash", "prev_hash", "record_hash",
            "search_text", "disposed_at", "disposition_run_id")
_TIME_COLUMNS = ("recorded_at", "disposed_at")
_INT_COLUMNS = ("district_id", "actor_id", "disposition_run_id")
_TEXT_COLUMNS = ("record_type", "object_id", "actor_label", "state", "content", "search_text")
_HASH_COLUMNS = ("content_hash", "prev_hash", "record_hash")
_HASH = re.compile(r"[0-9a-f]{64}")
# SQLAlchemy's spelling on SQLite, and PostgreSQL's to_char below (always with an era).
_STORED_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?: AD)?")
CERTIFICATE_TYPE = "archive.disposition_certificate"
CERTIFICATE_CACHE = 16  # disposition runs whose certificates verify keeps parsed at once


def time_as_stored(dialect: str, column: str) -> str:
    """SQL reading a time column as text, never as a value the driver must convert."""
    if dialect != "postgresql":
        return column  # SQLite hands back what is stored, whatever it is
    # Fixed spelling whatever the session's DateStyle; 'infinity' becomes a marker (malformed)
    # and a BC date keeps its era so it can never pass as AD.
    return (f"CASE WHEN {column} IS NULL THEN NULL ELSE coalesce(to_char({column} AT TIME ZONE "
            f"'UTC', 'YYYY-MM-DD HH24:MI:SS.US BC'), 'not a finite time') END")


def parse_stored_time(value: Any) -> datetime:
    """A time as ``time_as_stored`` reads it. Raises ValueError for anything else."""
    return _parse_time(value)


def _column_sql(dialect: str, column: str) -> str:
    return time_as_stored(dialect, column) if column in _TIME_COLUMNS else column


def _select_sql(dialect: str, where: str) -> str:
    columns = ", ".join(f"{_column_sql(dialect, c)} AS {c}" for c in _COLUMNS)
    return f"SELECT {columns} FROM archive_records WHERE {where}"


def _read_rows(session: Session, where: str, params: dict) -> list[dict]:
    """Rows as stored; a batch the driver cannot read is read row by row, then column by column."""
    dialect = session.get_bind().dialect.name
    sql = _select_sql(dialect, where) + " ORDER BY id LIMIT :limit"
    try:
        with session.begin_nested():  # a failed read must not end the whole transaction
            return [dict(r) for r in session.execute(text(sql), params).mappings()]
    except (DBAPIError, ValueError, UnicodeError):
        pass
    ids = session.scalars(text(f"SELECT id FROM archive_records WHERE {where} ORDER BY id "
                               "LIMIT :limit"), params).all()
    return [_read_one(session, dialect, record_id) for record_id in ids]


def _read_one(session: Session, dialect: str, record_id: int) -> dict:
    row: dict = {"id": record_id, "_unreadable": []}
    for column in _COLUMNS[1:]:
        expression = _column_sql(dialect, column)
        try:
            with session.begin_nested():
                row[column] = session.execute(text(f"SELECT {expression} FROM archive_records "
                                                   "WHERE id = :id"), {"id": record_id}).scalar()
        except (DBAPIError, ValueError, UnicodeError) as exc:
            row[column] = None
            row["_unreadable"].append(f"{column} ({type(exc).__name__})")
    return row


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    match = _STORED_TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("not a timestamp")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    micro = int((match.group(7) or "0").ljust(6, "0"))
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def _shown(value: Any, limit: int = 40) -> str:
    shown = repr(value)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


@dataclass
class _Fields:
    """A row's values once each has been checked; ``malformed`` names the columns that were not."""

    values: dict
    malformed: list[str]


def _check_types(row: dict) -> _Fields:
    values, malformed = dict(row), [f"{c} could not be read" for c in row.get("_unreadable", ())]
    for column in _TEXT_COLUMNS:
        if not isinstance(row[column], str):
            malformed.append(f"{column} is not text ({_shown(row[column])})")
    for column in _HASH_COLUMNS:
        if not isinstance(row[column], str) or not _HASH.fullmatch(row[column]):
            malformed.append(f"{column} is not a SHA-256 hash ({_shown(row[column])})")
    for column in _INT_COLUMNS:
        value = row[column]
        if value is not None and (type(value) is not int):
            malformed.append(f"{column} is not a whole number ({_shown(value)})")
    for column in _TIME_COLUMNS:
        value = row[column]
        if value is None and column == "disposed_at":
            continue
        try:
            values[column] = _parse_time(value)
        except (ValueError, TypeError, OverflowError):
            malformed.append(f"{column} is not a valid time ({_shown(value)})")
    if (row["disposed_at"] is None) != (row["disposition_run_id"] is None):
        malformed.append("disposed_at and disposition_run_id must be set together")
    return _Fields(values, malformed)


def _recomputed_hash(v: dict) -> str:
    return compute_record_hash(
        id=v["id"], record_type=v["record_type"], object_id=v["object_id"],
        district_id=v["district_id"], actor_id=v["actor_id"], actor_label=v["actor_label"],
        recorded_at=v["recorded_at"], state=v["state"], content_hash=v["content_hash"],
        prev_hash=v["prev_hash"])


# --- Disposition certificates ----------------------------------------------------------------

@dataclass
class _Certificate:
    record_id: int | None
    fault: str | None  # why it cannot authorise anything, or None
    disposed: dict  # record id -> record hash it lists as destroyed


def _load_certificate(session: Session, run_id: int, key: Any = None) -> _Certificate:
    """The archived certificate of a disposition run, checked on its own."""
    rows = _read_rows(session, "record_type = :type AND object_id = :object_id",
                      {"type": CERTIFICATE_TYPE, "object_id": str(run_id), "limit": 2})
    if not rows:
        return _Certificate(None, f"no disposition certificate for run {run_id} is in the "
                                  "archive", {})
    row = rows[0]
    if len(rows) > 1:
        return _Certificate(row["id"], f"run {run_id} has more than one certificate", {})
    fields = _check_types(row)
    if fields.malformed:
        return _Certificate(row["id"], f"its certificate (record {row['id']}) is malformed", {})
    v = fields.values
    if v["disposed_at"] is not None or sha256_hex(v["content"]) != v["content_hash"] \
            or _recomputed_hash(v) != v["record_hash"]:
        return _Certificate(row["id"], f"its certificate (record {row['id']}) is not intact", {})
    try:
        content = json.loads(v["content"])
        fault = certificate_fault(content, run_id) or (
            seal_fault(content, key) if key is not None else None)
        disposed = {} if fault else {int(e["record_id"]): str(e["record_hash"])
                                     for e in content["disposed"]}
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        fault, disposed = "it cannot be read", {}
    if fault:
        return _Certificate(row["id"], f"its certificate (record {row['id']}) {fault}", {})
    return _Certificate(row["id"], None, disposed)


def certificate_fault(content: Any, run_id: int | None = None) -> str | None:
    """Why a parsed disposition certificate cannot authorise a disposal, or None when it can."""
    if not isinstance(content, dict) or content.get("certificate") != "disposition":
        return "is not a disposition certificate"
    if run_id is not None and content.get("disposition_run_id") != run_id:
        return "names another disposition run"
    proposer, approver = content.get("proposed_by"), content.get("approved_by")
    if not isinstance(proposer, dict) or not isinstance(approver, dict) \
            or proposer.get("id") is None or approver.get("id") is None \
            or proposer.get("id") == approver.get("id"):
        return "was not approved by a second person"
    if not isinstance(content.get("disposed"), list):
        return "does not list what it destroyed"
    return None


SEAL = "seal"


def seal_payload(content: dict) -> bytes:
    """What a certificate's seal signs: its canonical JSON without the seal."""
    return canonical_json({k: v for k, v in content.items() if k != SEAL}).encode("utf-8")


def seal_fault(content: dict, key: Any) -> str | None:
    """Why a certificate is not sealed by ``key`` (the archive key, ``beatdesk.checkpoints``),
    or None when it is. Only the application holds the private key, so a certificate written
    into the database by anyone else cannot carry a seal that verifies."""
    seal = content.get(SEAL)
    if not isinstance(seal, dict) or seal.get("key_id") != key.key_id \
            or not key.verify_signature(seal_payload(content), seal.get("signature")):
        return "is not sealed by this archive's key"
    return None


class _CertificateCache:
    """Parsed certificates of the few runs seen last: verify's memory stays bounded."""

    def __init__(self, session: Session, key: Any = None):
        self.session, self.key, self.entries = session, key, OrderedDict()

    def get(self, run_id: int) -> _Certificate:
        if run_id in self.entries:
            self.entries.move_to_end(run_id)
            return self.entries[run_id]
        certificate = _load_certificate(self.session, run_id, self.key)
        self.entries[run_id] = certificate
        if len(self.entries) > CERTIFICATE_CACHE:
            self.entries.popitem(last=False)
        return certificate


def _check_content(v: dict, report: VerifyReport, certificates: _CertificateCache) -> None:
    if v["disposed_at"] is not None:
        report.disposed += 1
        if v["content"] != tombstone(v["content_hash"], v["disposed_at"], v["disposition_run_id"]):
            report.add(v["id"], "the tombstone of this disposed record does not match its hash "
                                "or disposal details")
            return
        if v["search_text"]:
            report.add(v["id"], "a disposed record still carries search text")
        certificate = certificates.get(v["disposition_run_id"])
        if certificate.fault is not None:
            report.add(v["id"], f"forged tombstone: {certificate.fault}")
        elif certificate.record_id <= v["id"]:
            report.add(v["id"], f"forged tombstone: its certificate (record "
                                f"{certificate.record_id}) comes before it in the chain")
        elif certificate.disposed.get(v["id"]) != v["record_hash"]:
            report.add(v["id"], f"forged tombstone: the certificate of disposition run "
                                f"{v['disposition_run_id']} (record {certificate.record_id}) "
                                "does not list this record with this hash")
        return
    if sha256_hex(v["content"]) != v["content_hash"]:
        report.add(v["id"], "the content does not match its content hash")
        return
    parsed = json.loads(v["content"])
    if searchable_text(parsed) != v["search_text"]:
        report.add(v["id"], "the search text does not match the content")
    if v["record_type"] == CERTIFICATE_TYPE:
        fault = certificate_fault(parsed)
        if fault:
            report.add(v["id"], f"this disposition certificate {fault}")


def _check_record(row: dict, report: VerifyReport, certificates: _CertificateCache) -> None:
    """Every check of one record; whatever its values, it ends in a verdict, never an error."""
    fields = _check_types(row)
    for reason in fields.malformed:
        report.add(row["id"], f"malformed stored value: {reason}")
    if fields.malformed:
        return
    try:
        _check_content(fields.values, report, certificates)
        if _recomputed_hash(fields.values) != row["record_hash"]:
            report.add(row["id"], "the record hash does not match the record")
    except Exception as exc:  # noqa: BLE001  any content at all must end in a named record
        report.add(row["id"], f"the record could not be checked ({type(exc).__name__}: "
                              f"{_shown(str(exc), 80)})")


def verify(session: Session, *, batch_size: int = 1000,
           on_batch: Callable[[int], None] | None = None,
           since: tuple[int, str] | None = None, key: Any = None) -> VerifyReport:
    """Recompute every record's hashes and links, oldest first, ``batch_size`` rows at a time.

    Names each record whose content, content hash, record hash, link or position no longer
    matches, each record holding a malformed value (and goes on: the links are checked with the
    stored hashes, so one broken record hides nothing after it), and each tombstone that no
    intact, second-person-approved disposition certificate lists. ``since=(position, hash)``
    checks only what follows a record already trusted (a signed checkpoint). With the archive
    ``key``, a certificate must also carry its seal to authorise a tombstone. ``on_batch(n)`` is
    called after each batch (progress bars). Never raises for what is stored.
    """
    report = VerifyReport()
    certificates = _CertificateCache(session, key)
    expected_id, expected_prev, last_id = 1, GENESIS_HASH, 0
    if since is not None:
        position, trusted_hash = since
        rows = _read_rows(session, "id = :id", {"id": position, "limit": 1})
        stored = rows[0]["record_hash"] if rows else None
        if stored != trusted_hash:
            report.add(position, "this record no longer has the hash a signed checkpoint gave it"
                       if rows else "this record, covered by a signed checkpoint, is missing")
        expected_id, expected_prev, last_id = position + 1, trusted_hash, position
    while True:
        rows = _read_rows(session, "id > :last", {"last": last_id, "limit": batch_size})
        if not rows:
            break
        for row in rows:
            report.checked += 1
            if row["id"] != expected_id:
                report.add(row["id"], f"records {expected_id} to {row['id'] - 1} are missing "
                                      "before it")
            if row["prev_hash"] != expected_prev:
                report.add(row["id"], "the link is broken: its previous-record hash is not the "
                                      "hash of the record before it")
            _check_record(row, report, certificates)
            expected_id, expected_prev = row["id"] + 1, row["record_hash"]
        last_id = rows[-1]["id"]
        if on_batch is not None:
            on_batch(len(rows))
    report.head_position = last_id
    report.head_hash = expected_prev if isinstance(expected_prev, str) else ""
    _check_head(session, report, last_id, expected_prev)
    return report


def _check_head(session: Session, report: VerifyReport, last_id: int, last_hash: Any) -> None:
    try:
        with session.begin_nested():
            head = session.execute(text("SELECT position, record_hash FROM archive_head")).first()
    except (DBAPIError, ValueError, UnicodeError) as exc:
        report.add(last_id, f"the archive head cannot be read ({type(exc).__name__})")
        return
    if head is None:
        return
    if type(head.position) is not int or not isinstance(head.record_hash, str):
        report.add(last_id, f"the archive head holds malformed values ({_shown(head.position)}, "
                            f"{_shown(head.record_hash)})")
    elif head.position != last_id:
        report.add(head.position, f"the archive head names record {head.position} but the chain "
                                  f"ends at record {last_id}")
    elif last_id and head.record_hash != last_hash:
        report.add(last_id, "the archive head's hash does not match the last record")


def chain_length(session: Session) -> int:
    """The number of records (the position of the newest one)."""
    return session.scalar(select(ArchiveRecord.id).order_by(ArchiveRecord.id.desc()).limit(1)) or 0

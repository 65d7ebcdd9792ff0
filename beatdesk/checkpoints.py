"""Signed checkpoints: the archive chain's head, anchored outside the table it protects.

A hash chain proves that no record was changed in place, but not that its newest records were
not deleted with the head rewound to match. So Beatdesk signs checkpoints, each a statement
"the chain held ``record_count`` records, ending at ``position`` with ``record_hash``, at
``signed_at``", with an Ed25519 key kept in a file outside the database. Checkpoints are stored
in ``archive_checkpoints`` (append-only), published on the public site (``/archive/checkpoints``,
with the public key) and in the feeds, and printed by ``flask archive checkpoint`` for outside
parties to keep. Verification checks the chain against every stored checkpoint and any copy
handed back (``flask archive verify --checkpoint FILE``): a checkpoint beyond the end of the
chain, or whose record no longer has the signed hash, names the missing or rewritten records.

A checkpoint is only signed over a chain that verifies from the previous checkpoint on, so a
signature never blesses a tampered tail.

Public interface: ``ArchiveKey`` (``load_or_create``, ``sign``, ``verify_signature``,
``public_pem``, ``key_id``), ``make_checkpoint``, ``latest``, ``recent``, ``document``,
``published``, ``parse_documents``, ``verify_anchored`` and ``ChainBroken``.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from . import archive, clock
from .archive import VerifyReport
from .errors import DomainError
from .models import ArchiveCheckpoint, ArchiveRecord

ALGORITHM = "Ed25519"
DOCUMENT_KIND = "beatdesk-archive-checkpoint"
BATCH = 1000


class ChainBroken(DomainError):
    """The chain does not verify, so no checkpoint may be signed over it."""

    status_code = 409

    def __init__(self, report: VerifyReport):
        super().__init__("The archive chain does not verify; no checkpoint was signed. "
                         + report.summary())
        self.report = report


class ArchiveKey:
    """The archive's Ed25519 signing key (private part in a file only the application reads)."""

    def __init__(self, private_key: Ed25519PrivateKey):
        self._private = private_key
        self.public_key = private_key.public_key()
        raw = self.public_key.public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
        # Short enough to print, long enough that two keys never share it by chance.
        self.key_id = hashlib.sha256(raw).hexdigest()[:32]

    @classmethod
    def generate(cls) -> ArchiveKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path | str) -> ArchiveKey:
        """Read the PEM private key at ``path``, creating it (mode 0600) on first use.

        Raises ValueError when the file exists but holds no Ed25519 private key.
        """
        path = Path(path)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())
            # O_EXCL: two processes starting at once must not each write a different key.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(pem)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return cls(key)

    @property
    def public_pem(self) -> str:
        return self.public_key.public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()

    def sign(self, payload: bytes) -> str:
        return base64.b64encode(self._private.sign(payload)).decode("ascii")

    def verify_signature(self, payload: bytes, signature: Any) -> bool:
        return verify_with(self.public_key, payload, signature)


def verify_with(public_key: Ed25519PublicKey, payload: bytes, signature: Any) -> bool:
    """True when ``signature`` (base64) is ``public_key``'s signature of ``payload``."""
    try:
        public_key.verify(base64.b64decode(signature, validate=True), payload)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _payload(doc: dict) -> bytes:
    """The signed bytes: the canonical JSON of the checkpoint without its signature."""
    return archive.canonical_json({k: v for k, v in doc.items() if k != "signature"}).encode()


def _unsigned(position: int, record_hash: str, record_count: int, signed_at: str,
              key_id: str) -> dict:
    return {"kind": DOCUMENT_KIND, "algorithm": ALGORITHM, "key_id": key_id,
            "position": position, "record_hash": record_hash, "record_count": record_count,
            "signed_at": signed_at}


def document(checkpoint: ArchiveCheckpoint) -> dict:
    """The checkpoint as the signed JSON statement outside parties keep."""
    doc = _unsigned(checkpoint.position, checkpoint.record_hash, checkpoint.record_count,
                    archive.iso_utc(checkpoint.signed_at), checkpoint.key_id)
    doc["signature"] = checkpoint.signature
    return doc


def latest(session: Session) -> ArchiveCheckpoint | None:
    return session.scalars(select(ArchiveCheckpoint)
                           .order_by(ArchiveCheckpoint.id.desc()).limit(1)).first()


def recent(session: Session, limit: int = 20) -> list[ArchiveCheckpoint]:
    return list(session.scalars(select(ArchiveCheckpoint)
                                .order_by(ArchiveCheckpoint.id.desc()).limit(limit)))


def published(session: Session, key: ArchiveKey, limit: int = 20) -> dict:
    """What the public site publishes: the public key and the newest checkpoints."""
    rows = recent(session, limit)
    return {"kind": DOCUMENT_KIND + "s", "algorithm": ALGORITHM, "key_id": key.key_id,
            "public_key": key.public_pem,
            "signed_bytes": "canonical JSON (sorted keys, no spaces, UTF-8) of a checkpoint "
                            "without its signature",
            "latest": document(rows[0]) if rows else None,
            "recent": [document(r) for r in rows]}


def make_checkpoint(session: Session, key: ArchiveKey, *, batch_size: int = 1000,
                    on_batch: Callable[[int], None] | None = None,
                    verified: tuple[int, str] | None = None) -> ArchiveCheckpoint:
    """Sign and store a checkpoint of the chain's head, in the caller's transaction.

    Verifies the records appended since the newest stored checkpoint (all of them when there is
    none, or when that checkpoint no longer verifies), or since ``verified`` (the head position
    and hash of a full verification this process just made), first. Returns the newest
    checkpoint unchanged when the head has not moved. Raises ChainBroken when the chain does not
    verify.
    """
    archive.lock_chain(session)  # the head cannot move while it is read and signed
    previous = latest(session)
    since = verified
    if previous is not None and key.verify_signature(_payload(document(previous)),
                                                     previous.signature):
        if since is None or previous.position > since[0]:
            since = (previous.position, previous.record_hash)
    if since is not None and since[0] == 0:
        since = None
    report = archive.verify(session, batch_size=batch_size, on_batch=on_batch, since=since,
                            key=key)
    if not report.ok:
        raise ChainBroken(report)
    head = session.execute(select(ArchiveRecord.id, ArchiveRecord.record_hash)
                           .order_by(ArchiveRecord.id.desc()).limit(1)).first()
    position, record_hash = (head.id, head.record_hash) if head else (0, archive.GENESIS_HASH)
    if previous is not None and (previous.position, previous.record_hash) == (position, record_hash):
        return previous
    count = session.scalar(select(func.count(ArchiveRecord.id))) or 0
    signed_at = clock.utcnow()
    doc = _unsigned(position, record_hash, count, archive.iso_utc(signed_at), key.key_id)
    checkpoint = ArchiveCheckpoint(position=position, record_hash=record_hash,
                                   record_count=count, signed_at=signed_at, key_id=key.key_id,
                                   signature=key.sign(_payload(doc)))
    session.add(checkpoint)
    session.flush()
    return checkpoint


def parse_documents(raw: str | bytes) -> list[dict]:
    """Checkpoints from a kept file: one statement, a list of them, or the published JSON.

    Raises ValueError, with a message saying what is wrong, for anything else.
    """
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"the file is not JSON ({exc})") from None
    if isinstance(data, dict) and data.get("kind") == DOCUMENT_KIND + "s":
        data = list(data.get("recent") or []) + ([data["latest"]] if data.get("latest") else [])
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise ValueError("the file holds no checkpoint")
    for doc in data:
        fault = _document_fault(doc)
        if fault:
            raise ValueError(f"not a Beatdesk archive checkpoint: {fault}")
    return data


def _document_fault(doc: Any) -> str | None:
    if not isinstance(doc, dict) or doc.get("kind") != DOCUMENT_KIND:
        return "it does not say it is one"
    for name in ("position", "record_count"):
        if type(doc.get(name)) is not int or doc[name] < 0:
            return f"{name} is not a whole number"
    for name in ("record_hash", "signed_at", "key_id", "signature"):
        if not isinstance(doc.get(name), str):
            return f"{name} is missing"
    return None


def verify_anchored(session: Session, key: ArchiveKey, *, kept: Iterable[dict] = (),
                    batch_size: int = 1000,
                    on_batch: Callable[[int], None] | None = None) -> VerifyReport:
    """Verify the whole chain (tombstones against sealed certificates), then hold it against
    every stored checkpoint and the ``kept`` ones (statements an outside party handed back).
    Names each record a checkpoint proves missing or rewritten, and each checkpoint whose
    signature does not verify."""
    report = archive.verify(session, batch_size=batch_size, on_batch=on_batch, key=key)
    end = report.head_position
    _check_stored(session, key, report, end)
    for doc in kept:
        actual = _hash_at(session, doc["position"])
        _check_one(report, key, doc, actual, end, "the kept checkpoint")
    return report


def _hash_at(session: Session, position: int) -> str | None:
    try:
        with session.begin_nested():
            return session.execute(text("SELECT record_hash FROM archive_records WHERE id = :id"),
                                   {"id": position}).scalar()
    except (DBAPIError, ValueError, UnicodeError, OverflowError):
        return None


_STORED_COLUMNS = ("position", "record_hash", "record_count", "signed_at", "key_id", "signature")


def _stored_sql(dialect: str, where: str) -> str:
    signed_at = archive.time_as_stored(dialect, "c.signed_at")
    return ("SELECT c.id, c.position, c.record_hash, c.record_count, "
            f"{signed_at} AS signed_at, c.key_id, c.signature, r.record_hash AS actual "
            "FROM archive_checkpoints c LEFT JOIN archive_records r ON r.id = c.position "
            f"WHERE {where} ORDER BY c.id")


def _read_stored(session: Session, last: int) -> list[dict]:
    """Stored checkpoints as stored; a batch the driver cannot read is read row by row."""
    dialect = session.get_bind().dialect.name
    try:
        with session.begin_nested():
            return [dict(r) for r in session.execute(
                text(_stored_sql(dialect, "c.id > :last") + " LIMIT :n"),
                {"last": last, "n": BATCH}).mappings()]
    except (DBAPIError, ValueError, UnicodeError):
        pass
    ids = session.scalars(text("SELECT id FROM archive_checkpoints WHERE id > :last ORDER BY id "
                               "LIMIT :n"), {"last": last, "n": BATCH}).all()
    rows = []
    for checkpoint_id in ids:
        try:
            with session.begin_nested():
                rows.append(dict(session.execute(text(_stored_sql(dialect, "c.id = :id")),
                                                 {"id": checkpoint_id}).mappings().one()))
        except (DBAPIError, ValueError, UnicodeError) as exc:
            rows.append({"id": checkpoint_id, "_unreadable": type(exc).__name__})
    return rows


def _stored_document(row: dict) -> dict:
    """The signed statement a stored row makes. Raises ValueError naming a malformed value."""
    if "_unreadable" in row:
        raise ValueError(f"it cannot be read ({row['_unreadable']})")
    for name in ("position", "record_count"):
        if type(row[name]) is not int:
            raise ValueError(f"{name} is not a whole number ({row[name]!r:.40})")
    for name in ("record_hash", "key_id", "signature"):
        if not isinstance(row[name], str):
            raise ValueError(f"{name} is not text ({row[name]!r:.40})")
    try:
        signed_at = archive.iso_utc(archive.parse_stored_time(row["signed_at"]))
    except (ValueError, TypeError, OverflowError):
        raise ValueError(f"signed_at is not a valid time ({row['signed_at']!r:.40})") from None
    doc = _unsigned(row["position"], row["record_hash"], row["record_count"], signed_at,
                    row["key_id"])
    doc["signature"] = row["signature"]
    return doc


def _check_stored(session: Session, key: ArchiveKey, report: VerifyReport, end: int) -> None:
    last = 0
    while True:
        rows = _read_stored(session, last)
        if not rows:
            return
        for row in rows:
            label = f"stored checkpoint {row['id']}"
            try:
                doc = _stored_document(row)
            except ValueError as exc:
                position = row.get("position")
                report.add(position if type(position) is int else end,
                           f"{label} holds a malformed value: {exc}; it proves nothing and was "
                           "tampered with")
                continue
            actual = row["actual"] if isinstance(row["actual"], str) else None
            _check_one(report, key, doc, actual, end, label)
        last = rows[-1]["id"]


def _check_one(report: VerifyReport, key: ArchiveKey, doc: dict, actual: str | None, end: int,
               label: str) -> None:
    position = doc["position"]
    if doc["key_id"] != key.key_id or not key.verify_signature(_payload(doc), doc["signature"]):
        report.add(position, f"{label} (record {position}) is not signed by this archive's key, "
                             "so it proves nothing: it was forged or altered")
        return
    when = doc["signed_at"]
    if position == 0:
        report.checkpoints += 1
        return
    if position > end:
        first = end + 1
        report.add(first, f"records {first} to {position} are missing: {label}, signed "
                          f"{when}, saw the chain end at record {position} with hash "
                          f"{doc['record_hash']} (the chain was truncated and its head rewound)")
    elif actual is None:
        report.add(position, f"this record is missing: {label}, signed {when}, covers it")
    elif actual != doc["record_hash"]:
        report.add(position, f"this record does not have the hash {label}, signed {when}, "
                             "gave it: the chain was rewritten at or before it")
    else:
        report.checkpoints += 1

"""The transactional outbox: rows written with the change that causes them, claimed by workers,
sent outside any transaction, and recorded (attempt, receipt, archive, audit) afterwards.

- ``on_post_event`` runs inside ``beatdesk.posts``' transaction: a release queues one
  ``post.create`` per active target account (the post's district's and the department's); a
  discontinuation cancels creates never tried and queues a ``post.delete`` after every create
  that reached, or may have reached, a platform.
- ``claim`` takes due rows in one short transaction (PostgreSQL: ``FOR UPDATE SKIP LOCKED``;
  SQLite: one ``UPDATE ... RETURNING`` under the write lock), leasing them to one worker.
- ``send_one`` builds the request from the row, calls the connector with no transaction open,
  then ``record`` writes the outcome in a new short transaction.

A create tried before (its answer may have been lost, or its worker killed after the platform
accepted it) is always looked up on the platform first (``find_post``), so no platform receives
the same post twice.
"""
from __future__ import annotations

import logging
import os
import random
import secrets
import signal
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, aliased, joinedload

from beatdesk import archive, clock
from beatdesk.audit import record_event
from beatdesk.context import Actor
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import Post, PostRevision, User
from beatdesk.models.platforms import (OUTBOX_DONE, AttemptOutcome, OutboxAttempt, OutboxKind,
                                       OutboxRow, OutboxState, Platform, PlatformAccount)
from beatdesk.roles import Role
from beatdesk.wording import in_sentence

from . import base

log = logging.getLogger("beatdesk.outbox")

K, S = OutboxKind, OutboxState
# A dependency is finished (a delete may go) once its create can change no more.
FINISHED = (S.SENT, S.CANCELLED, S.DEAD, S.RESOLVED)
CRASH_ENV = "BEATDESK_WORKER_CRASH_AT"
CRASH_POINTS = ("claimed", "before_send", "after_send", "before_commit")
RATE_LIMIT_JITTER_SECONDS = 5


# --- idempotency keys --------------------------------------------------------------------------

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_tid_lock = threading.Lock()
_tid_last = 0


def _local_tid() -> str:
    """An AT Protocol TID: 53 bits of microseconds since 1970 and 10 bits of clock id, in
    sortable base32 (13 characters). Strictly increasing within the process."""
    global _tid_last
    with _tid_lock:
        micros = max(time.time_ns() // 1000, _tid_last + 1)
        _tid_last = micros
    value = (micros << 10) | secrets.randbelow(1024)
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


def new_key(platform: Platform | str) -> str:
    """The idempotency key written with a row: a TID for Bluesky (its record key), else a
    random hex string (Mastodon's Idempotency-Key, X's reconciliation marker)."""
    if str(platform) == Platform.BLUESKY:
        try:
            return import_module("beatdesk.platforms.bluesky").new_tid()
        except (ImportError, AttributeError):
            return _local_tid()
    return uuid.uuid4().hex


# --- writing rows (in the caller's transaction) ------------------------------------------------

def target_accounts(session: Session, district_id: int) -> list[PlatformAccount]:
    """Active accounts a post of ``district_id`` goes to: the district's and the department's."""
    return list(session.scalars(
        select(PlatformAccount)
        .where(PlatformAccount.active.is_(True),
               or_(PlatformAccount.district_id == district_id,
                   PlatformAccount.district_id.is_(None)))
        .order_by(PlatformAccount.id)))


def enqueue_post(session: Session, post: Post) -> list[OutboxRow]:
    """Queue one ``post.create`` per target account (none twice for the same account).

    The database refuses the rows of a notable post whose current revision News Affairs has
    not approved (a trigger), so a release that slipped past the workflow cannot go out.
    """
    now = clock.utcnow()
    already = set(session.scalars(select(OutboxRow.account_id).where(
        OutboxRow.post_id == post.id, OutboxRow.kind == K.POST_CREATE)))
    rows = []
    for account in target_accounts(session, post.district_id):
        if account.id in already:
            continue
        row = OutboxRow(kind=K.POST_CREATE, state=S.PENDING, account_id=account.id,
                        post_id=post.id, revision_id=post.current_revision_id,
                        idempotency_key=new_key(account.platform), payload={},
                        attempts=0, max_attempts=_setting("OUTBOX_MAX_ATTEMPTS", 8),
                        available_at=now, created_at=now, updated_at=now)
        session.add(row)
        rows.append(row)
    if rows:
        session.flush()
        archive.append(session, record_type="outbox.queued", object_id=post.id,
                       district_id=post.district_id, actor=None, actor_label="outbox",
                       content={"post_id": post.id, "revision_id": post.current_revision_id,
                                "state": "queued", "at": now.isoformat(),
                                "rows": [{"outbox_id": r.id, "kind": str(r.kind),
                                          "account_id": r.account_id,
                                          "idempotency_key": r.idempotency_key} for r in rows]})
    return rows


def withdraw_post(session: Session, post: Post, why: str = "The post was discontinued."
                  ) -> tuple[list[OutboxRow], list[OutboxRow]]:
    """A discontinued post (or a resolved notice): cancel creates never tried, saying ``why``,
    and queue a delete after every create that reached (or may have reached) its platform.
    Returns (cancelled, deletes)."""
    now = clock.utcnow()
    cancelled, deletes = [], []
    creates = session.scalars(select(OutboxRow).where(
        OutboxRow.post_id == post.id, OutboxRow.kind == K.POST_CREATE).order_by(OutboxRow.id)).all()
    has_delete = set(session.scalars(select(OutboxRow.depends_on_id).where(
        OutboxRow.post_id == post.id, OutboxRow.kind == K.POST_DELETE)))
    for create in creates:
        # Conditional, so a worker's claim that won the race is never overwritten.
        result = session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == create.id, OutboxRow.state == S.PENDING,
                   OutboxRow.attempts == 0)
            .values(state=S.CANCELLED, updated_at=now, last_error=why)
            .execution_options(synchronize_session=False))
        session.refresh(create)
        if result.rowcount:
            cancelled.append(create)
            continue
        if create.state == S.CANCELLED or create.id in has_delete:
            continue
        if create.state == S.SENT or create.attempts > 0 or create.platform_id:
            delete = OutboxRow(kind=K.POST_DELETE, state=S.PENDING, account_id=create.account_id,
                               post_id=post.id, depends_on_id=create.id,
                               idempotency_key=uuid.uuid4().hex, payload={},
                               attempts=0, max_attempts=_setting("OUTBOX_MAX_ATTEMPTS", 8),
                               available_at=now, created_at=now, updated_at=now)
            session.add(delete)
            deletes.append(delete)
    if cancelled or deletes:
        session.flush()
        archive.append(session, record_type="outbox.withdrawn", object_id=post.id,
                       district_id=post.district_id, actor=None, actor_label="outbox",
                       content={"post_id": post.id, "state": "withdrawn", "at": now.isoformat(),
                                "cancelled": [r.id for r in cancelled],
                                "deletes": [{"outbox_id": d.id, "after": d.depends_on_id}
                                            for d in deletes]})
    return cancelled, deletes


def on_post_event(session: Session, post: Post, action: str) -> None:
    """Called by ``beatdesk.posts`` after every post event, in the same transaction: a release
    queues one create per target account; a discontinuation cancels unsent creates and queues
    deletes where the post went out."""
    if action == "published":
        enqueue_post(session, post)
    elif action == "discontinued":
        withdraw_post(session, post)
    elif action == "resolved":
        # A resolved missing-person or wanted notice: its images come down from every platform
        # (connectors can't edit media), so the platform posts are deleted (Chicago Twitter V.B.2).
        withdraw_post(session, post, "The notice was resolved; its images were taken down.")


def enqueue(session: Session, kind: OutboxKind, *, account_id: int | None = None,
            post_id: int | None = None, comment_id: int | None = None,
            user_id: int | None = None, payload: dict | None = None,
            depends_on_id: int | None = None, available_at: datetime | None = None,
            platform: Platform | str = "") -> OutboxRow:
    """Queue any other operation (a hide, a block, a report, an e-mail) in the caller's
    transaction. Other modules (inbound moderation, staff mail) call this."""
    now = clock.utcnow()
    row = OutboxRow(kind=OutboxKind(kind), state=S.PENDING, account_id=account_id,
                    post_id=post_id, comment_id=comment_id, user_id=user_id,
                    depends_on_id=depends_on_id, idempotency_key=new_key(platform),
                    payload=payload or {}, attempts=0,
                    max_attempts=_setting("OUTBOX_MAX_ATTEMPTS", 8),
                    available_at=available_at or now, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def _setting(name: str, default: Any) -> Any:
    """A configuration value when an application is active (domain code never needs one)."""
    try:
        from flask import current_app
        return current_app.config.get(name, default)
    except RuntimeError:
        return default


# --- claiming ----------------------------------------------------------------------------------

def _due(now: datetime):
    from beatdesk.outlets import held_accounts  # an account awaiting approval gets no sends

    dep = aliased(OutboxRow)
    query = (select(OutboxRow.id)
             .outerjoin(dep, dep.id == OutboxRow.depends_on_id)
             .where(or_(OutboxRow.account_id.is_(None),
                        OutboxRow.account_id.not_in(held_accounts())))
             .where(or_(
                 and_(OutboxRow.state == S.PENDING, OutboxRow.available_at <= now,
                      or_(OutboxRow.depends_on_id.is_(None), dep.state.in_(FINISHED))),
                 and_(OutboxRow.state == S.SENDING, OutboxRow.lease_until < now)))
             .order_by(OutboxRow.available_at, OutboxRow.id))
    return query


def claim(session: Session, worker: str, limit: int = 10, lease_seconds: int = 300,
          now: datetime | None = None) -> list[int]:
    """Lease up to ``limit`` due rows to ``worker`` and commit; returns their ids.

    Due: pending, its time come and the row it depends on finished; or sending with a lease
    that ran out (its worker died). The session should take the write lock at BEGIN on SQLite.
    """
    now = now or clock.utcnow()
    lease = now + timedelta(seconds=lease_seconds)
    values = dict(state=S.SENDING, lease_until=lease, claimed_by=worker[:100],
                  attempts=OutboxRow.attempts + 1, updated_at=now)
    try:
        if session.get_bind().dialect.name == "postgresql":
            ids = list(session.scalars(_due(now).limit(limit)
                                       .with_for_update(skip_locked=True, of=OutboxRow)))
            if ids:
                session.execute(update(OutboxRow).where(OutboxRow.id.in_(ids)).values(**values)
                                .execution_options(synchronize_session=False))
        else:
            ids = list(session.scalars(
                update(OutboxRow).where(OutboxRow.id.in_(_due(now).limit(limit).scalar_subquery()))
                .values(**values).returning(OutboxRow.id)
                .execution_options(synchronize_session=False)))
        if ids:
            session.execute(update(OutboxRow).where(OutboxRow.id.in_(ids),
                                                    OutboxRow.first_attempt_at.is_(None))
                            .values(first_attempt_at=now)
                            .execution_options(synchronize_session=False))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return sorted(ids)


# --- what a row asks the platform --------------------------------------------------------------

def public_link(post_id: int, config: Mapping) -> str:
    """The post's page on the department's public site."""
    base_url = config.get("PUBLIC_BASE_URL") or ""
    if not base_url and config.get("SERVER_NAME"):
        base_url = f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}"
    return f"{(base_url or 'http://localhost:5000').rstrip('/')}/posts/{post_id}"


def outgoing_post(session: Session, row: OutboxRow, config: Mapping) -> base.OutgoingPost:
    """The revision's text exactly as approved, its images with their alt text, and the link."""
    from beatdesk.media import MediaStore

    revision = session.get(PostRevision, row.revision_id)
    if revision is None:
        raise base.PermanentError(f"revision {row.revision_id} no longer exists")
    store = MediaStore(Path(config.get("MEDIA_ROOT") or "media"))
    images = []
    post = session.get(Post, row.post_id) if row.post_id else None
    # A resolved missing-person or wanted notice's images were taken down everywhere: a create
    # tried again before its delete never carries them (beatdesk.post_validity).
    taken_down = post is not None and post.resolved_at is not None
    for image in sorted(revision.images, key=lambda i: i.position) if not taken_down else ():
        try:
            with store.open(image.asset.storage_key) as handle:
                data = handle.read()
        except NotFound as exc:
            raise base.PermanentError(f"image {image.asset.storage_key} is missing from the "
                                      "media store") from exc
        images.append(base.OutgoingImage(data=data, mime_type=image.asset.mime,
                                         alt_text=image.alt_text,
                                         filename=image.asset.original_name or "image"))
    return base.OutgoingPost(text=revision.body, images=tuple(images), key=row.idempotency_key,
                             link=public_link(row.post_id, config))


# --- sending -----------------------------------------------------------------------------------

@dataclass
class Result:
    outcome: AttemptOutcome
    sent: base.Sent | None = None
    error: str = ""
    status: int | None = None
    retry_at: datetime | None = None
    cancel: bool = False          # nothing to do any more (a delete whose create never landed)


def crash_point(name: str) -> None:
    """Test-only fault: the worker process kills itself (SIGKILL) at the named step when
    ``BEATDESK_WORKER_CRASH_AT`` names it, as a power cut or ``kill -9`` would."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class _Job:
    row: OutboxRow
    number: int
    started_at: datetime
    account: PlatformAccount | None
    outgoing: base.OutgoingPost | None = None       # a create's post, or a delete's create's
    create: OutboxRow | None = None                 # a delete's create


def _prepare(session: Session, row_id: int, worker: str, config: Mapping) -> _Job | None:
    row = session.get(OutboxRow, row_id, options=[joinedload(OutboxRow.user)])
    if row is None or row.state != S.SENDING or row.claimed_by != worker[:100]:
        return None
    account = session.get(PlatformAccount, row.account_id) if row.account_id else None
    job = _Job(row=row, number=row.attempts, started_at=clock.utcnow(), account=account)
    if row.kind == K.POST_CREATE:
        job.outgoing = outgoing_post(session, row, config)
    elif row.kind == K.POST_DELETE and row.depends_on_id:
        job.create = session.get(OutboxRow, row.depends_on_id)
        if job.create is not None and job.create.revision_id and not job.create.platform_id:
            job.outgoing = outgoing_post(session, job.create, config)
    return job


def _perform(job: _Job, config: Mapping, connector_factory: Callable) -> Result:
    """One network operation for the row (no transaction open)."""
    row = job.row
    if row.kind == K.EMAIL:
        staff_mail = import_module("beatdesk.staff_mail")
        deliver = getattr(staff_mail, "deliver", None)
        if deliver is None:
            raise base.TransientError("e-mail delivery is not available yet")
        deliver(row, config)
        return Result(AttemptOutcome.SENT, base.Sent(platform_id="", url=""))
    if job.account is None or not job.account.active:
        if row.kind == K.POST_CREATE and job.number == 1:  # never tried: nothing to undo
            return Result(AttemptOutcome.PERMANENT, cancel=True,
                          error="the account was disconnected before the post was sent")
        raise base.PermanentError("the account is disconnected")
    connector = connector_factory(job.account, config)
    if row.kind == K.POST_CREATE:
        if job.number > 1:  # an earlier try may have landed: look before sending again
            found = connector.find_post(job.outgoing, since=row.first_attempt_at)
            if found is not None:
                return Result(AttemptOutcome.RECONCILED, found)
        crash_point("before_send")
        try:
            sent = connector.create_post(job.outgoing)
        except base.DuplicateContent as exc:
            found = connector.find_post(job.outgoing, since=row.first_attempt_at)
            if found is not None:
                return Result(AttemptOutcome.RECONCILED, found)
            raise base.PermanentError(f"{exc.message} (and no earlier post was found)",
                                      exc.status) from exc
        return Result(AttemptOutcome.SENT, sent)
    if row.kind == K.POST_DELETE:
        create = job.create
        if create is None or create.state == S.CANCELLED:
            return Result(AttemptOutcome.PERMANENT, cancel=True, error="the post was never sent")
        platform_id = create.platform_id
        if not platform_id and job.outgoing is not None:
            found = connector.find_post(job.outgoing, since=create.first_attempt_at)
            platform_id = found.platform_id if found else ""
        if not platform_id:
            return Result(AttemptOutcome.PERMANENT, cancel=True,
                          error="the post never reached the platform")
        connector.delete_post(platform_id)
        return Result(AttemptOutcome.SENT, base.Sent(platform_id=platform_id, url=""))
    payload = row.payload or {}
    if row.kind in (K.REPLY_HIDE, K.REPLY_UNHIDE):
        connector.hide_reply(payload["platform_id"], payload.get("root"),
                             row.kind == K.REPLY_HIDE)
    elif row.kind == K.AUTHOR_BLOCK:
        connector.block(payload["author_ref"])
    elif row.kind == K.AUTHOR_REPORT:
        connector.report(payload["author_ref"], list(payload.get("platform_ids") or []),
                         payload.get("comment", ""))
    else:
        raise base.PermanentError(f"unknown outbox operation {row.kind}")
    return Result(AttemptOutcome.SENT, base.Sent(platform_id=payload.get("platform_id", ""),
                                                 url=""))


def backoff_seconds(attempt: int, base_seconds: float, cap_seconds: float) -> float:
    """Exponential back-off with full jitter: uniform in [0, min(cap, base * 2**(n-1))]."""
    ceiling = min(cap_seconds, base_seconds * (2 ** max(attempt - 1, 0)))
    return random.uniform(0, ceiling)


def _classify(job: _Job, exc: BaseException, config: Mapping, now: datetime) -> Result:
    message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
    status = getattr(exc, "status", None)
    row = job.row
    if isinstance(exc, base.RateLimited):
        reset = exc.reset_at or now + timedelta(seconds=backoff_seconds(
            job.number, config.get("OUTBOX_RETRY_BASE_SECONDS", 30),
            config.get("OUTBOX_RETRY_CAP_SECONDS", 3600)))
        return Result(AttemptOutcome.RATE_LIMITED, error=message, status=status,
                      retry_at=max(reset, now) + timedelta(
                          seconds=random.uniform(0, RATE_LIMIT_JITTER_SECONDS)))
    if isinstance(exc, base.PermanentError):
        return Result(AttemptOutcome.PERMANENT, error=message, status=status)
    if not isinstance(exc, base.ConnectorError):  # a library's own error, a bug: retried
        message = f"{exc.__class__.__name__}: {message}"
    if job.number >= row.max_attempts:
        return Result(AttemptOutcome.DEAD, error=message, status=status)
    delay = backoff_seconds(job.number, config.get("OUTBOX_RETRY_BASE_SECONDS", 30),
                            config.get("OUTBOX_RETRY_CAP_SECONDS", 3600))
    return Result(AttemptOutcome.RETRY, error=message, status=status,
                  retry_at=now + timedelta(seconds=delay))


def record(session: Session, row_id: int, worker: str, number: int, started_at: datetime,
           result: Result) -> OutboxRow | None:
    """Write the attempt, the row's new state and receipt, the archive record and the audit
    event, in the session's transaction (the caller commits)."""
    now = clock.utcnow()
    query = select(OutboxRow).where(OutboxRow.id == row_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        return None
    session.add(OutboxAttempt(outbox_id=row.id, number=number, worker=worker[:100],
                              started_at=started_at, finished_at=now, outcome=result.outcome,
                              status_code=result.status, error=result.error[:4000]))
    ours = row.state == S.SENDING and row.claimed_by == worker[:100] and row.attempts == number
    if ours:
        row.lease_until = None
        row.updated_at = now
        if result.cancel:
            row.state, row.last_error = S.CANCELLED, result.error
        elif result.outcome in (AttemptOutcome.SENT, AttemptOutcome.RECONCILED):
            row.state, row.sent_at, row.last_error = S.SENT, now, ""
            if result.sent is not None:
                row.platform_id = result.sent.platform_id[:200]
                row.platform_url = result.sent.url[:500]
                if result.sent.sent_at is not None:
                    row.sent_at = result.sent.sent_at
        elif result.outcome in (AttemptOutcome.RETRY, AttemptOutcome.RATE_LIMITED):
            row.state, row.available_at, row.last_error = S.PENDING, result.retry_at, result.error
        else:
            row.state, row.last_error = S.DEAD, result.error
    actor = Actor(user=None, client_addr="worker")
    district_id = row.account.district_id if row.account is not None else None
    archive.append(session, record_type="outbox.attempt", object_id=row.id,
                   district_id=district_id, actor=None, actor_label=f"worker {worker}"[:120],
                   content={"outbox_id": row.id, "kind": str(row.kind), "attempt": number,
                            "outcome": str(result.outcome), "state": str(row.state),
                            "status_code": result.status, "error": result.error,
                            "post_id": row.post_id, "account_id": row.account_id,
                            "idempotency_key": row.idempotency_key,
                            "platform_id": result.sent.platform_id if result.sent else "",
                            "started_at": started_at.isoformat(), "finished_at": now.isoformat(),
                            "recorded": ours})
    if ours and row.state == S.SENT and row.kind in (K.POST_CREATE, K.POST_DELETE):
        archive.append(session, record_type="post.receipt", object_id=row.post_id or row.id,
                       district_id=district_id, actor=None, actor_label="outbox",
                       content={"post_id": row.post_id, "outbox_id": row.id,
                                "operation": str(row.kind), "state": "sent",
                                "account_id": row.account_id,
                                "account": row.account.label if row.account else "",
                                "platform_id": row.platform_id, "url": row.platform_url,
                                "revision_id": row.revision_id,
                                "sent_at": row.sent_at.isoformat()})
    record_event(session, actor, f"outbox.{result.outcome}", obj=row, login=f"worker {worker}",
                 details={"kind": str(row.kind), "attempt": number, "state": str(row.state),
                          "error": result.error, "platform_id": row.platform_id})
    if ours and row.state == S.DEAD:
        notify = getattr(import_module("beatdesk.staff_mail"), "notify_send_failed", None)
        if notify is not None:
            notify(session, row)
    session.flush()
    return row


def send_one(read_session: Session, write_session: Session, row_id: int, worker: str,
             config: Mapping, connector_factory: Callable | None = None) -> OutboxRow | None:
    """Send one claimed row and record what came of it. Never raises for the row's own
    failure (that is an attempt); raises only when the database itself fails."""
    if connector_factory is None:
        from .connectors import connector_for as connector_factory
    try:
        job = _prepare(read_session, row_id, worker, config)
        result = None
    except Exception as exc:  # a broken row (e.g. an image gone): an attempt like any other
        log.warning("outbox row %s could not be prepared: %s", row_id, exc)
        read_session.rollback()
        row = read_session.get(OutboxRow, row_id)
        if row is None:
            return None
        job = _Job(row=row, number=row.attempts, started_at=clock.utcnow(), account=None)
        result = _classify(job, exc, config, clock.utcnow())
    # End the read (commit keeps what was loaded) so nothing is held while the platform answers.
    read_session.commit()
    if job is None:
        return None  # no longer this worker's row
    if result is None:
        crash_point("claimed")
        try:
            result = _perform(job, config, connector_factory)
        except Exception as exc:  # noqa: BLE001 - every failure is an attempt, never the loop's end
            if not isinstance(exc, base.ConnectorError):
                log.warning("outbox row %s: %s", row_id, exc, exc_info=True)
            result = _classify(job, exc, config, clock.utcnow())
        crash_point("after_send")
    try:
        row = record(write_session, row_id, worker, job.number, job.started_at, result)
        crash_point("before_commit")
        write_session.commit()
    except BaseException:
        write_session.rollback()
        raise
    return row


# --- people acting on dead rows ----------------------------------------------------------------

def can_manage(user: User | None) -> bool:
    """Admins and News Affairs see failed sends and act on them."""
    return user is not None and user.role in (Role.ADMIN, Role.NEWS_AFFAIRS)


def _dead_row(session: Session, actor: Actor, row_id: int) -> OutboxRow:
    if not can_manage(actor.user):
        raise PermissionDenied("Only administrators and News Affairs act on failed sends.")
    query = select(OutboxRow).where(OutboxRow.id == row_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise NotFound("There is no such outbox row.")
    if row.state != S.DEAD:
        raise Conflict(f"This row is {in_sentence(row.state.label)} now, not failed; reload the page.")
    return row


def retry_dead(session: Session, actor: Actor, row_id: int) -> OutboxRow:
    """Send a failed row again: it gets fresh tries and goes out at once (a create already
    tried is looked up on its platform first). Raises PermissionDenied, NotFound, Conflict."""
    row = _dead_row(session, actor, row_id)
    now = clock.utcnow()
    row.state, row.available_at, row.updated_at = S.PENDING, now, now
    row.max_attempts = row.attempts + _setting("OUTBOX_MAX_ATTEMPTS", 8)
    _act(session, actor, row, "outbox.retried", "")
    return row


def resolve_dead(session: Session, actor: Actor, row_id: int, note: str) -> OutboxRow:
    """Mark a failed row dealt with by hand, with the person's note. Raises ValidationFailed
    without a note, and PermissionDenied, NotFound or Conflict as ``retry_dead``."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say what was done by hand.", field="note")
    row = _dead_row(session, actor, row_id)
    now = clock.utcnow()
    row.state, row.updated_at = S.RESOLVED, now
    row.resolved_by_id, row.resolved_note = actor.user.id, note[:2000]
    _act(session, actor, row, "outbox.resolved", note)
    return row


def _act(session: Session, actor: Actor, row: OutboxRow, event: str, note: str) -> None:
    session.flush()
    record_event(session, actor, event, obj=row,
                 details={"kind": str(row.kind), "post_id": row.post_id, "note": note,
                          "last_error": row.last_error})
    archive.append(session, record_type=event, object_id=row.id,
                   district_id=row.account.district_id if row.account else None, actor=actor,
                   content={"outbox_id": row.id, "kind": str(row.kind), "state": str(row.state),
                            "post_id": row.post_id, "note": note, "last_error": row.last_error,
                            "at": clock.utcnow().isoformat()})


# --- reading -----------------------------------------------------------------------------------

def receipts(session: Session, post_id: int) -> list[OutboxRow]:
    """The post's creates and deletes, per account, oldest first."""
    return list(session.scalars(
        select(OutboxRow).options(joinedload(OutboxRow.account))
        .where(OutboxRow.post_id == post_id,
               OutboxRow.kind.in_((K.POST_CREATE, K.POST_DELETE)))
        .order_by(OutboxRow.account_id, OutboxRow.id)))


def dead_rows(session: Session, resolved: int = 0) -> list[OutboxRow]:
    """Every failed row, newest first, then the ``resolved`` most recently resolved ones."""
    def newest(state: OutboxState):
        return (select(OutboxRow).options(joinedload(OutboxRow.account))
                .where(OutboxRow.state == state)
                .order_by(OutboxRow.updated_at.desc(), OutboxRow.id.desc()))
    rows = list(session.scalars(newest(S.DEAD)))
    if resolved:
        rows += session.scalars(newest(S.RESOLVED).limit(resolved))
    return rows


def held_rows(session: Session) -> list[tuple[OutboxRow, str]]:
    """Queued rows the outbox holds because their account awaits approval, with the reason."""
    from beatdesk.outlets import held_accounts, hold_reason

    rows = session.scalars(select(OutboxRow).options(joinedload(OutboxRow.account))
                           .where(OutboxRow.state == S.PENDING,
                                  OutboxRow.account_id.in_(held_accounts()))
                           .order_by(OutboxRow.id)).all()
    return [(row, hold_reason(session, row.account_id)) for row in rows]


def pending_count(session: Session) -> int:
    from sqlalchemy import func
    return session.scalar(select(func.count()).select_from(OutboxRow).where(
        OutboxRow.state.in_((S.PENDING, S.SENDING)))) or 0


__all__ = ["on_post_event", "enqueue_post", "withdraw_post", "enqueue", "claim", "send_one",
           "record", "retry_dead", "resolve_dead", "receipts", "dead_rows", "can_manage",
           "backoff_seconds", "new_key", "OUTBOX_DONE"]

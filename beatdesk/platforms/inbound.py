"""Replies, mentions and quotes from the department's platform accounts; moderation mirrored back.

Public operations:

- ``poll_due(sessions, config, now)``: what ``flask worker`` runs: every active account whose
  last poll is older than ``INBOUND_POLL_SECONDS`` is polled (``poll_account``) and its recent
  replies looked up again (``refresh_account``), each account in its own transaction.
- ``poll_account(session, account, connector, now)``: read the platform since the stored cursor
  and store each new reply to one of the department's posts as a ``Comment``, screened exactly
  like a visitor's comment (held or visible by the district's moderation mode and the screening
  rules), archived and audited. A connector error is recorded on the account and the cursor
  kept, so the next poll reads the same items again: nothing is lost.
- ``refresh_account(session, account, connector, now, days)``: replies captured in the last
  ``days`` days looked up again; an edit becomes a ``CommentPlatformEvent`` (old and new text),
  the new text is screened again; a deletion becomes an event and ``platform_deleted_at``.
  Nothing captured is ever purged (records law): a deleted reply leaves Beatdesk's public page
  and stays in the archive, the queue and the records search.
- ``on_moderation(session, actor, comment, action)``: called by ``beatdesk.moderation`` after
  every decision, in the same transaction: a takedown of a platform reply queues a hide on X,
  Bluesky (threadgate) and the local connector, and a restore or approval after a hide queues
  the unhide; Mastodon has no action for someone else's reply, which is recorded as such.
- ``queue_author_block`` / ``queue_author_report``: a moderator's "Block author" and "Report to
  the instance" on a Mastodon reply, each queued as its own outbox row.
- ``platform_details`` / ``events_by_comment``: what the moderation pages show.

A reply is stored once, whatever the polling does: ``comments`` has a unique index on
(source_platform, platform_id). Each insert runs in a savepoint and a conflict there (another
poller stored it first) counts as already stored.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from beatdesk import archive, clock, screening
from beatdesk import text as texts
from beatdesk.audit import record_event
from beatdesk.comments import comment_record
from beatdesk.context import Actor
from beatdesk.db import is_contention, take_write_lock, takes_write_lock
from beatdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import (Comment, CommentFlag, CommentPlatformEvent, CommentState,
                             ModerationAction, ModerationKind, ModerationMode, OutboxKind,
                             OutboxRow, OutboxState, Platform, PlatformAccount,
                             PlatformEventKind, Post)
from beatdesk.wording import in_sentence

from .base import Connector, ConnectorError, InboundItem

log = logging.getLogger(__name__)

DEFAULT_POLL_SECONDS = 120
DEFAULT_LOOKUP_DAYS = 7
LOOKUP_BATCH = 100              # ids per ``connector.lookup`` call
LOOKUP_MAX = 1000               # replies looked up again per account and poll, newest first
REPORT_MAX = 1000               # characters of a report's comment to the instance
NO_TEXT = "(no text)"           # a reply with only an image still needs a body

# Where hiding someone's reply exists (X: hidden replies; Bluesky: the threadgate), and the
# local connector, which behaves like X (its hide is a no-op that succeeds).
HIDE_PLATFORMS = frozenset({Platform.X, Platform.BLUESKY, Platform.LOCAL})
# Where the queue offers "Block author" and "Report to the instance" instead.
AUTHOR_ACTION_PLATFORMS = frozenset({Platform.MASTODON})

TAKEDOWN_ACTIONS = frozenset({"hide", "remove"})
RESTORING_ACTIONS = frozenset({"restore", "approve"})

# The poller acts for nobody in particular; its records name the platform's author instead.
POLLER = Actor(user=None, client_addr="")


# --- storing what the platform says ---------------------------------------------------------

def _clean(value: str | None, limit: int | None = None) -> str:
    """Platform text in the stored shape: characters that may not be stored become U+FFFD
    (a platform's text can't be refused), then the one normalisation every write applies."""
    cleaned = texts.normalise(texts.scrub(value or "")).strip()
    return cleaned[:limit] if limit else cleaned


def _body(item: InboundItem) -> str:
    return _clean(item.text) or NO_TEXT


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _platform(account: PlatformAccount) -> str:
    return Platform(account.platform).value


def _author_label(comment: Comment) -> str:
    return f"{comment.source_platform}: {comment.author_handle or comment.author_name}"[:120]


def _platform_record(comment: Comment, **extra) -> dict[str, Any]:
    """What the archive keeps about a reply beyond a visitor comment's fields."""
    return {"source_platform": comment.source_platform, "platform_id": comment.platform_id,
            "account_id": comment.account_id, "author_handle": comment.author_handle,
            "author_ref": comment.author_ref, "platform_url": comment.platform_url,
            "platform_kind": comment.platform_kind,
            "platform_created_at": comment.platform_created_at,
            "platform_edited_at": comment.platform_edited_at,
            "platform_deleted_at": comment.platform_deleted_at, **extra}


def _flag_dict(flag) -> dict[str, Any]:
    return {"rule": flag.rule, "reason": flag.reason, "quote": flag.quote, "holds": flag.holds}


def _describe(exc: BaseException) -> str:
    """A connector's error as the account shows it. A client error no connector classified
    (e.g. a dropped connection inside a client library) is shown by its type and text."""
    message = exc.message if isinstance(exc, ConnectorError) else str(exc)
    return f"{type(exc).__name__}: {message}"[:1000]


@dataclass
class PollResult:
    """What one poll of one account did (also logged)."""

    account_id: int
    stored: list[int] = field(default_factory=list)   # new comment ids
    already: int = 0          # items stored before (a repeated or overlapping poll)
    unrelated: int = 0        # items tied to no post of ours (skipped)
    gone: int = 0             # items deleted before we first saw them (skipped)
    edited: int = 0
    deleted: int = 0
    error: str = ""


def _our_posts(session: Session, account_id: int, platform_ids: set[str]) -> dict[str, int]:
    """platform id -> post id, for the department's posts this account sent."""
    if not platform_ids:
        return {}
    rows = session.execute(
        select(OutboxRow.platform_id, OutboxRow.post_id)
        .where(OutboxRow.account_id == account_id, OutboxRow.kind == OutboxKind.POST_CREATE,
               OutboxRow.state == OutboxState.SENT,
               OutboxRow.platform_id.in_(sorted(platform_ids))))
    return {platform_id: post_id for platform_id, post_id in rows}


def _lock_account(session: Session, account_id: int) -> PlatformAccount:
    """The account as committed now, its row locked until the transaction ends (PostgreSQL), so
    two pollers of one account take turns; on SQLite the write lock does the same."""
    account = session.get(PlatformAccount, account_id, with_for_update=True,
                          populate_existing=True)
    if account is None:
        raise NotFound("No such platform account.")
    return account


def poll_account(session: Session, account: PlatformAccount, connector: Connector,
                 now: datetime | None = None) -> PollResult:
    """Read the account's replies since its cursor and store the new ones; the caller commits.

    The platform is read first, before this transaction writes anything. On a connector error
    the account records it (``inbound_error``) and keeps its cursor.
    """
    now = now or clock.utcnow()
    account_id, cursor = account.id, account.inbound_cursor or ""
    result = PollResult(account_id=account_id)
    try:
        page = connector.fetch_replies(cursor)
    except Exception as exc:  # noqa: BLE001 - whatever the client raised, the cursor stays
        result.error = _describe(exc)
        _begin_writing(session)
        account = _lock_account(session, account_id)
        _record_poll_error(session, account, result.error, now)
        log.warning("inbound: %s: %s", account.label, result.error)
        return result

    _begin_writing(session)
    account = _lock_account(session, account_id)
    archive.lock_chain(session)  # the appends below take turns with every other writer's
    items = page.items
    ids = {item.platform_id for item in items}
    known = set(session.scalars(
        select(Comment.platform_id).where(Comment.source_platform == _platform(account),
                                          Comment.platform_id.in_(sorted(ids))))) if ids else set()
    ours = _our_posts(session, account.id, {ref for item in items
                                             for ref in (item.in_reply_to, item.root) if ref})
    for item in items:
        if item.platform_id in known:
            result.already += 1
            continue
        known.add(item.platform_id)
        post_id = ours.get(item.in_reply_to or "") or ours.get(item.root or "")
        if post_id is None:
            result.unrelated += 1
            continue
        if item.deleted:
            result.gone += 1
            continue
        comment = _store(session, account, item, post_id, now)
        if comment is None:
            result.already += 1
        else:
            result.stored.append(comment.id)
    # Another poller may have moved the cursor while we read: keep theirs (what we read is
    # stored either way, and their page starts where they left off).
    new_cursor = account.inbound_cursor
    if page.cursor and account.inbound_cursor == cursor:
        new_cursor = page.cursor[:200]
    if account.inbound_error:
        record_event(session, POLLER, "platform_account.inbound_recovered", obj=account,
                     login="", details={"previous_error": account.inbound_error})
    _save_poll_state(session, account, inbound_cursor=new_cursor, inbound_polled_at=now,
                     inbound_error="")
    if result.unrelated:
        log.info("inbound: %s: %d item(s) answer no post of ours; skipped", account.label,
                 result.unrelated)
    log.info("inbound: %s: %d stored, %d already stored", account.label, len(result.stored),
             result.already)
    session.flush()
    return result


def _record_poll_error(session: Session, account: PlatformAccount, error: str,
                       now: datetime) -> None:
    """The error shown on the account; audited when it changes (not on every failing poll)."""
    if account.inbound_error != error:
        record_event(session, POLLER, "platform_account.inbound_failed", obj=account, login="",
                     details={"error": error, "cursor_kept": account.inbound_cursor})
    _save_poll_state(session, account, inbound_error=error, inbound_polled_at=now)


def _save_poll_state(session: Session, account: PlatformAccount, **values: Any) -> None:
    """Polling's bookkeeping on the account row, written without bumping the row's version:
    a poll is not an edit, so an administrator's change made meanwhile is not refused as
    stale (nor the poll's by theirs)."""
    table = PlatformAccount.__table__
    session.execute(update(table).where(table.c.id == account.id).values(**values))
    for name, value in values.items():
        set_committed_value(account, name, value)


def _store(session: Session, account: PlatformAccount, item: InboundItem, post_id: int,
           now: datetime) -> Comment | None:
    """One reply as a screened, archived comment; None if another poller stored it first."""
    post = session.get(Post, post_id)
    district = post.district
    body = _body(item)
    handle = _clean(item.author_handle, 200)
    name = _clean(item.author_name, 80) or handle[:80] or "Unknown author"
    flags = screening.screen_comment(session, district, body, name=name)
    holds = any(flag.holds for flag in flags)
    state = (CommentState.HELD if district.moderation_mode == ModerationMode.PRE or holds
             else CommentState.VISIBLE)
    comment = Comment(
        post_id=post.id, district_id=post.district_id, author_name=name, author_email="",
        body=body, terms_version=0, client_addr="", state=state,
        source_platform=_platform(account), platform_id=item.platform_id[:200],
        account_id=account.id, author_handle=handle, author_ref=_clean(item.author_ref, 200),
        platform_url=_clean(item.url, 500), platform_kind=_clean(item.kind, 16) or "reply",
        platform_created_at=_aware(item.created_at), platform_edited_at=_aware(item.edited_at),
        created_at=now)
    try:
        with session.begin_nested():
            session.add(comment)
            session.flush()
    except IntegrityError:
        # The unique index: another poller stored this reply after we looked.
        return None
    for flag in flags:
        session.add(CommentFlag(comment_id=comment.id, rule=flag.rule, reason=flag.reason,
                                quote=flag.quote, holds=flag.holds))
    session.add(ModerationAction(
        comment_id=comment.id, district_id=comment.district_id, kind=ModerationKind.SUBMITTED,
        to_state=state.value,
        note="; ".join([f"Captured from {account.label}"] + [f.reason for f in flags])[:2000]))
    archive.append(session, record_type="comment", object_id=comment.id,
                   district_id=comment.district_id, actor=POLLER,
                   actor_label=_author_label(comment),
                   content=comment_record(comment, flags=[_flag_dict(f) for f in flags],
                                          platform=_platform_record(
                                              comment, in_reply_to=item.in_reply_to,
                                              root=item.root)))
    record_event(session, POLLER, "comment.captured", obj=comment, login="",
                 details={"post_id": post.id, "state": state.value,
                          "platform": comment.source_platform,
                          "platform_id": comment.platform_id, "account_id": account.id,
                          "flags": [f.rule for f in flags]})
    return comment


# --- later edits and deletions ----------------------------------------------------------------

def refresh_account(session: Session, account: PlatformAccount, connector: Connector,
                    now: datetime | None = None, days: int = DEFAULT_LOOKUP_DAYS) -> PollResult:
    """Look the account's replies of the last ``days`` days up again; record edits and
    deletions as events. The caller commits. A connector error changes nothing."""
    now = now or clock.utcnow()
    account_id = account.id
    result = PollResult(account_id=account_id)
    since = now - timedelta(days=days)
    managed = not session.in_transaction()
    if managed:
        take_write_lock(session, False)  # a read; the network call below must hold no lock
    captured = list(session.execute(
        select(Comment.id, Comment.platform_id)
        .where(Comment.account_id == account_id, Comment.platform_id.is_not(None),
               Comment.platform_deleted_at.is_(None), Comment.created_at >= since)
        .order_by(Comment.created_at.desc(), Comment.id.desc()).limit(LOOKUP_MAX)))
    if managed:
        session.rollback()
    if not captured:
        return result
    by_platform_id = {platform_id: comment_id for comment_id, platform_id in captured}
    found: dict[str, InboundItem] = {}
    ids = list(by_platform_id)
    try:
        for start in range(0, len(ids), LOOKUP_BATCH):
            for item in connector.lookup(ids[start:start + LOOKUP_BATCH]):
                found[item.platform_id] = item
    except Exception as exc:  # noqa: BLE001 - nothing changes; looked up again next time
        result.error = _describe(exc)
        log.warning("inbound lookup: account %s: %s", account_id, result.error)
        return result
    changes = [(by_platform_id[pid], item) for pid, item in found.items()
               if pid in by_platform_id]
    if not changes:
        return result
    _begin_writing(session)
    archive.lock_chain(session)
    for comment_id, item in changes:
        comment = session.get(Comment, comment_id, populate_existing=True)
        if comment is None or comment.platform_deleted_at is not None:
            continue
        if item.deleted:
            _record_deleted(session, comment, item, now)
            result.deleted += 1
        elif _body(item) != comment.body:
            _record_edited(session, comment, item, now)
            result.edited += 1
    session.flush()
    return result


def _record_deleted(session: Session, comment: Comment, item: InboundItem,
                    now: datetime) -> None:
    """The reply is gone on the platform: it leaves Beatdesk's public page; its text stays."""
    event = CommentPlatformEvent(comment_id=comment.id, kind=PlatformEventKind.DELETED,
                                 old_body=comment.body, occurred_at=_aware(item.edited_at),
                                 observed_at=now)
    session.add(event)
    comment.platform_deleted_at = now
    comment.version = comment.version + 1
    session.flush()
    details = {"event": "deleted", "event_id": event.id, "observed_at": now}
    archive.append(session, record_type="comment.platform", object_id=comment.id,
                   district_id=comment.district_id, actor=POLLER,
                   actor_label=_author_label(comment),
                   content=comment_record(comment, platform=_platform_record(comment),
                                          platform_event=details))
    record_event(session, POLLER, "comment.platform_deleted", obj=comment, login="",
                 details={"event_id": event.id, "platform_id": comment.platform_id})


def _record_edited(session: Session, comment: Comment, item: InboundItem,
                   now: datetime) -> None:
    """The reply's text changed on the platform: both texts kept, the new one screened again.
    A visible reply whose new text screening holds goes back to the queue, held."""
    old_body, new_body = comment.body, _body(item)
    event = CommentPlatformEvent(comment_id=comment.id, kind=PlatformEventKind.EDITED,
                                 old_body=old_body, new_body=new_body,
                                 occurred_at=_aware(item.edited_at), observed_at=now)
    session.add(event)
    comment.body = new_body
    comment.platform_edited_at = _aware(item.edited_at) or now
    comment.version = comment.version + 1
    flags = screening.screen_comment(session, comment.district, new_body,
                                     name=comment.author_name)
    seen = {(flag.rule, flag.quote) for flag in comment.flags}
    for flag in flags:
        if (flag.rule, flag.quote) not in seen:
            session.add(CommentFlag(comment_id=comment.id, rule=flag.rule, reason=flag.reason,
                                    quote=flag.quote, holds=flag.holds))
    from_state = comment.state
    if comment.state == CommentState.VISIBLE and any(flag.holds for flag in flags):
        comment.state = CommentState.HELD
    session.add(ModerationAction(
        comment_id=comment.id, district_id=comment.district_id, kind=ModerationKind.SUBMITTED,
        from_state=from_state.value, to_state=comment.state.value,
        note="; ".join(["Edited on the platform; screened again"]
                       + [f.reason for f in flags])[:2000]))
    session.flush()
    details = {"event": "edited", "event_id": event.id, "old_body": old_body,
               "new_body": new_body, "observed_at": now}
    archive.append(session, record_type="comment.platform", object_id=comment.id,
                   district_id=comment.district_id, actor=POLLER,
                   actor_label=_author_label(comment),
                   content=comment_record(comment, flags=[_flag_dict(f) for f in flags],
                                          platform=_platform_record(comment),
                                          platform_event=details))
    record_event(session, POLLER, "comment.platform_edited", obj=comment, login="",
                 details={"event_id": event.id, "platform_id": comment.platform_id,
                          "from": from_state.value, "to": comment.state.value,
                          "flags": [f.rule for f in flags]})


# --- the worker's entry point -----------------------------------------------------------------

@dataclass
class PollSummary:
    polled: list[PollResult] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)  # account id, what went wrong


def _setting(config: Any, name: str, default: int) -> int:
    try:
        value = config.get(name) if config is not None else None
    except AttributeError:
        value = getattr(config, name, None)
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def due_accounts(session: Session, now: datetime, interval_seconds: int) -> list[int]:
    """Active accounts never polled, or last polled ``interval_seconds`` ago or more."""
    cutoff = now - timedelta(seconds=interval_seconds)
    return list(session.scalars(
        select(PlatformAccount.id)
        .where(PlatformAccount.active.is_(True),
               (PlatformAccount.inbound_polled_at.is_(None))
               | (PlatformAccount.inbound_polled_at <= cutoff))
        .order_by(PlatformAccount.inbound_polled_at.is_not(None),
                  PlatformAccount.inbound_polled_at, PlatformAccount.id)))


def _default_connector_for(account: PlatformAccount, config: Any) -> Connector:
    from beatdesk.platforms import connectors  # the outbox's part: one place builds connectors

    return connectors.connector_for(account, config)


def poll_due(sessions: sessionmaker | Session, config: Any, now: datetime | None = None, *,
             connector_for: Callable[[PlatformAccount, Any], Connector] | None = None
             ) -> PollSummary:
    """Poll every due account (``INBOUND_POLL_SECONDS``, default 120) and look its replies of the
    last ``INBOUND_LOOKUP_DAYS`` (default 7) up again, each account in its own transaction,
    committed here. One account's failure is recorded and never stops the others.

    ``sessions`` is a session factory (the worker's) or a session (tests, the CLI).
    """
    now = now or clock.utcnow()
    interval = _setting(config, "INBOUND_POLL_SECONDS", DEFAULT_POLL_SECONDS)
    days = _setting(config, "INBOUND_LOOKUP_DAYS", DEFAULT_LOOKUP_DAYS)
    build = connector_for or _default_connector_for
    own = not isinstance(sessions, Session)
    session = sessions() if own else sessions
    if not own:
        session.commit()  # whatever the caller did is theirs; each account gets its own
    writes_before = takes_write_lock(session)
    summary = PollSummary()
    try:
        take_write_lock(session, False)
        account_ids = due_accounts(session, now, interval)
        session.rollback()
        for account_id in account_ids:
            try:
                summary.polled.append(_poll_one(session, account_id, build, config, now, days))
            except OperationalError as exc:
                session.rollback()
                if not is_contention(exc):
                    summary.failed.append((account_id, f"{type(exc).__name__}: {exc}"))
                    log.exception("inbound: account %s failed", account_id)
                    continue
                # Another writer held what we needed; the cursor was not saved, so the next
                # poll reads the same items again.
                summary.failed.append((account_id, "the database was busy; polled again next "
                                                    "time"))
                log.warning("inbound: account %s: database busy, will poll again", account_id)
            except Exception as exc:  # one account's trouble must not stop the others
                session.rollback()
                summary.failed.append((account_id, f"{type(exc).__name__}: {exc}"))
                log.exception("inbound: account %s failed", account_id)
    finally:
        if own:
            session.close()
        elif not session.in_transaction():
            take_write_lock(session, writes_before)
    return summary


def _poll_one(session: Session, account_id: int, build, config: Any, now: datetime,
              days: int) -> PollResult:
    # Read the account and build its connector, then end that read: no transaction (and, on
    # SQLite, no write lock) is held while the platform answers.
    take_write_lock(session, False)
    account = session.get(PlatformAccount, account_id)
    connector = build(account, config)
    session.expunge(account)
    session.rollback()
    result = poll_account(session, account, connector, now)
    session.commit()
    refreshed = refresh_account(session, account, connector, now, days)
    session.commit()
    result.edited, result.deleted = refreshed.edited, refreshed.deleted
    if refreshed.error and not result.error:
        result.error = refreshed.error
    return result


def _begin_writing(session: Session) -> None:
    """Writes below take SQLite's write lock when their transaction begins (``beatdesk.db``)."""
    if not session.in_transaction():
        take_write_lock(session)


# --- moderation mirrored on the platform ------------------------------------------------------

def _root_of(session: Session, comment: Comment) -> str | None:
    """The department's post the reply's conversation hangs from, as the platform knows it."""
    return session.scalar(
        select(OutboxRow.platform_id)
        .where(OutboxRow.account_id == comment.account_id, OutboxRow.post_id == comment.post_id,
               OutboxRow.kind == OutboxKind.POST_CREATE, OutboxRow.platform_id != "")
        .limit(1))


def _payload(session: Session, comment: Comment) -> dict[str, Any]:
    return {"platform_id": comment.platform_id, "root": _root_of(session, comment),
            "author_ref": comment.author_ref}


def _queue(session: Session, kind: OutboxKind, comment: Comment,
           payload: dict[str, Any] | None = None) -> OutboxRow:
    """One outbox row for the reply, in the caller's transaction, under a fresh uuid4 key."""
    from beatdesk.platforms import outbox  # the outbox imports the models this module does

    return outbox.enqueue(session, kind, account_id=comment.account_id, comment_id=comment.id,
                          payload=payload or _payload(session, comment))


def _last_mirror(session: Session, comment: Comment) -> OutboxRow | None:
    """The latest hide or unhide queued for the reply (cancelled ones never happened)."""
    return session.scalar(
        select(OutboxRow)
        .where(OutboxRow.comment_id == comment.id,
               OutboxRow.kind.in_((OutboxKind.REPLY_HIDE, OutboxKind.REPLY_UNHIDE)),
               OutboxRow.state != OutboxState.CANCELLED)
        .order_by(OutboxRow.id.desc()).limit(1))


def _note(session: Session, actor: Actor, comment: Comment, note: str,
          kind: ModerationKind = ModerationKind.NOTE) -> None:
    session.add(ModerationAction(comment_id=comment.id, district_id=comment.district_id,
                                 kind=kind, from_state=comment.state.value,
                                 to_state=comment.state.value,
                                 actor_id=actor.user.id if actor.user is not None else None,
                                 note=note[:2000]))


def on_moderation(session: Session, actor: Actor, comment: Comment, action: str) -> None:
    """Called by ``beatdesk.moderation`` after every decision, in the same transaction: a
    takedown of a platform reply is mirrored where the platform allows it (a ``reply.hide``
    outbox row on X, Bluesky and the local connector; ``reply.unhide`` when a hidden reply is
    restored or approved); on Mastodon, where no such action exists, the history, the archive
    and the audit trail say so. Visitor comments are left alone."""
    if not comment.source_platform or comment.account_id is None:
        return
    account = session.get(PlatformAccount, comment.account_id)
    if account is None or action not in TAKEDOWN_ACTIONS | RESTORING_ACTIONS:
        return
    platform = Platform(account.platform)
    if platform in HIDE_PLATFORMS:
        last = _last_mirror(session, comment)
        hidden_now = last is not None and last.kind == OutboxKind.REPLY_HIDE
        if action in TAKEDOWN_ACTIONS and not hidden_now:
            kind = OutboxKind.REPLY_HIDE
        elif action in RESTORING_ACTIONS and hidden_now:
            kind = OutboxKind.REPLY_UNHIDE
        else:
            return  # already as the platform shows it (e.g. a hidden reply then removed)
        if not account.active:
            _mirror_skipped(session, actor, comment, account, action,
                            f"{account.label} is disconnected: nothing was sent to "
                            f"{platform.label}.")
            return
        row = _queue(session, kind, comment)
        details = {"action": action, "outbox_id": row.id, "kind": kind.value,
                   "platform": platform.value, "account_id": account.id,
                   "platform_id": comment.platform_id}
        _note(session, actor, comment,
              f"{kind.label} queued for {account.label} (outbox #{row.id}).")
        archive.append(session, record_type="comment.mirror", object_id=comment.id,
                       district_id=comment.district_id, actor=actor,
                       content=comment_record(comment, platform=_platform_record(comment),
                                              mirror=details))
        event = "hide" if kind == OutboxKind.REPLY_HIDE else "unhide"
        record_event(session, actor, f"comment.mirror_{event}", obj=comment, details=details)
    elif action in TAKEDOWN_ACTIONS:
        _mirror_skipped(session, actor, comment, account, action, no_platform_action(account))


def no_platform_action(account: PlatformAccount) -> str:
    return (f"No platform action exists: {Platform(account.platform).label} offers no way to "
            "hide someone else's reply, so it stays on the platform. Block the author or "
            "report the reply to the instance if it calls for that.")


def _mirror_skipped(session: Session, actor: Actor, comment: Comment, account: PlatformAccount,
                    action: str, reason: str) -> None:
    details = {"action": action, "platform": Platform(account.platform).value,
               "account_id": account.id, "platform_id": comment.platform_id,
               "platform_action": "none", "reason": reason}
    _note(session, actor, comment, reason)
    archive.append(session, record_type="comment.mirror", object_id=comment.id,
                   district_id=comment.district_id, actor=actor,
                   content=comment_record(comment, platform=_platform_record(comment),
                                          mirror=details))
    record_event(session, actor, "comment.mirror_none", obj=comment, details=details)


# --- block and report (Mastodon) --------------------------------------------------------------

def _platform_reply(session: Session, actor: Actor, comment_id: int
                    ) -> tuple[Comment, PlatformAccount]:
    from beatdesk import moderation  # moderation imports this module

    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound("No such comment.")
    if not moderation.can_moderate(actor.user, comment.district_id):
        raise PermissionDenied("You can't moderate this district's comments.")
    account = (session.get(PlatformAccount, comment.account_id)
               if comment.account_id is not None else None)
    if not comment.source_platform or account is None:
        raise ValidationFailed("This comment was written on Beatdesk, not on a platform: use "
                               "“Block the commenter” instead.")
    if Platform(account.platform) not in AUTHOR_ACTION_PLATFORMS:
        raise ValidationFailed(f"{Platform(account.platform).label} replies are hidden on the "
                               "platform when you hide or remove them here; blocking and "
                               "reporting are offered for Mastodon replies.")
    if not account.active:
        raise ValidationFailed(f"{account.label} is disconnected; nothing can be sent to it.")
    if not comment.author_ref:
        raise ValidationFailed("The platform gave no account id for the author; nothing can be "
                               "sent.")
    return comment, account


def _already_queued(session: Session, kind: OutboxKind, account: PlatformAccount,
                    comment: Comment) -> OutboxRow | None:
    """A block of the same author from the same account that is queued or done."""
    rows = session.scalars(
        select(OutboxRow)
        .where(OutboxRow.kind == kind, OutboxRow.account_id == account.id,
               OutboxRow.state.in_((OutboxState.PENDING, OutboxState.SENDING,
                                    OutboxState.SENT)))
        .order_by(OutboxRow.id.desc()))
    for row in rows:
        if (row.payload or {}).get("author_ref") == comment.author_ref:
            return row
    return None


def queue_author_block(session: Session, actor: Actor, comment_id: int) -> OutboxRow:
    """Queue "block this reply's author" from the department's Mastodon account.

    Raises NotFound, PermissionDenied outside the moderator's district, ValidationFailed for a
    reply from a platform without the action, and Conflict when the block is already queued or
    done.
    """
    comment, account = _platform_reply(session, actor, comment_id)
    earlier = _already_queued(session, OutboxKind.AUTHOR_BLOCK, account, comment)
    if earlier is not None:
        raise Conflict(f"Blocking {comment.author_handle or comment.author_name} from "
                       f"{account.label} is already {in_sentence(earlier.state.label)} "
                       f"(outbox #{earlier.id}).")
    row = _queue(session, OutboxKind.AUTHOR_BLOCK, comment)
    details = {"outbox_id": row.id, "account_id": account.id, "author_ref": comment.author_ref,
               "author_handle": comment.author_handle}
    _note(session, actor, comment, f"Block of {comment.author_handle} from {account.label} "
                                   f"queued (outbox #{row.id}).", kind=ModerationKind.BLOCK)
    archive.append(session, record_type="comment.moderation", object_id=comment.id,
                   district_id=comment.district_id, actor=actor,
                   content=comment_record(comment, platform=_platform_record(comment),
                                          moderation={"action": "platform_block", **details}))
    record_event(session, actor, "comment.platform_block_queued", obj=comment, details=details)
    return row


def queue_author_report(session: Session, actor: Actor, comment_id: int,
                        reason: str) -> OutboxRow:
    """Queue a report of the reply to its instance's moderators, with the moderator's reason.

    Raises as ``queue_author_block``, and ValidationFailed for a missing or over-long reason.
    """
    comment, account = _platform_reply(session, actor, comment_id)
    reason = texts.normalise(reason or "", "The reason", field="reason").strip()
    if not reason:
        raise ValidationFailed("Say why the reply is reported; the instance's moderators read it.",
                               field="reason")
    if len(reason) > REPORT_MAX:
        raise ValidationFailed(f"The reason can be at most {REPORT_MAX} characters.",
                               field="reason")
    payload = {**_payload(session, comment), "platform_ids": [comment.platform_id],
               "comment": reason}
    row = _queue(session, OutboxKind.AUTHOR_REPORT, comment, payload)
    details = {"outbox_id": row.id, "account_id": account.id, "author_ref": comment.author_ref,
               "author_handle": comment.author_handle, "reason": reason}
    _note(session, actor, comment, f"Reported to the instance from {account.label} "
                                   f"(outbox #{row.id}): {reason}")
    archive.append(session, record_type="comment.moderation", object_id=comment.id,
                   district_id=comment.district_id, actor=actor,
                   content=comment_record(comment, platform=_platform_record(comment),
                                          moderation={"action": "platform_report", **details}))
    record_event(session, actor, "comment.platform_report_queued", obj=comment, details=details)
    return row


# --- what the moderation pages show -----------------------------------------------------------

@dataclass
class PlatformDetails:
    """A platform reply as the comment page shows it."""

    account: PlatformAccount
    platform: Platform
    post_url: str                      # the department's post on the platform ("" if unknown)
    events: list[CommentPlatformEvent]
    mirrors: list[OutboxRow]           # hides, unhides, blocks and reports queued for it

    @property
    def offers_author_actions(self) -> bool:
        return self.platform in AUTHOR_ACTION_PLATFORMS

    @property
    def hides_on_platform(self) -> bool:
        return self.platform in HIDE_PLATFORMS


def platform_details(session: Session, comment: Comment) -> PlatformDetails | None:
    """The platform side of a captured reply, or None for a visitor's comment."""
    if not comment.source_platform or comment.account_id is None:
        return None
    account = session.get(PlatformAccount, comment.account_id)
    if account is None:
        return None
    post_url = session.scalar(
        select(OutboxRow.platform_url)
        .where(OutboxRow.account_id == account.id, OutboxRow.post_id == comment.post_id,
               OutboxRow.kind == OutboxKind.POST_CREATE).limit(1)) or ""
    return PlatformDetails(
        account=account, platform=Platform(account.platform), post_url=post_url,
        events=events_by_comment(session, [comment.id]).get(comment.id, []),
        mirrors=list(session.scalars(select(OutboxRow).where(OutboxRow.comment_id == comment.id)
                                     .order_by(OutboxRow.id))))


def events_by_comment(session: Session, comment_ids: Iterable[int]
                      ) -> dict[int, list[CommentPlatformEvent]]:
    """Platform events of the given comments, oldest first (one query)."""
    ids = sorted(set(comment_ids))
    events: dict[int, list[CommentPlatformEvent]] = {}
    if not ids:
        return events
    for event in session.scalars(select(CommentPlatformEvent)
                                 .where(CommentPlatformEvent.comment_id.in_(ids))
                                 .order_by(CommentPlatformEvent.observed_at,
                                           CommentPlatformEvent.id)):
        events.setdefault(event.comment_id, []).append(event)
    return events


def platform_label(value: str) -> str:
    """"X", "Mastodon", "Bluesky", "Local (no network)" for a stored platform value."""
    try:
        return Platform(value).label
    except ValueError:
        return value

"""E-mail to staff when work waits for them, sent through the outbox.

``notify`` records one ``StaffNotification`` per person and event (the unique
``(user_id, dedupe_key)`` means an event never tells the same person twice) and, by the person's
preference for that kind (no preference row: at once), either writes an e-mail outbox row in the
caller's transaction, leaves it for the day's digest, or only records it.

Who is told:
- News Affairs, when a notable post waits for its approval (``on_post_event``);
- a post's author, when it is returned (or rejected), approved, held, discontinued
  (``on_post_event``) or could not be sent to a platform (``notify_send_failed``);
- the district's sergeant, when comments wait for moderation and when the district's review is
  due; records officers, when a request is due within two business days or overdue
  (``periodic``, which the worker calls on every loop and which also sends the digests).

Messages carry a title and links, never a post's text. ``deliver`` hands a row to the SMTP server
named by the configuration; with no ``SMTP_HOST`` the message is written to the log and counts as
sent, so a fresh install and the demo work offline.
"""
from __future__ import annotations

import base64
import binascii
import logging
import smtplib
import socket
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import clock
from .archive import append as archive_append
from .audit import record_event
from .context import Actor
from .errors import PermissionDenied, ValidationFailed
from .models import Comment, CommentState, District, Post, PostEvent, PostState, User
from .models.platforms import (Delivery, NotificationKind, NotificationPreference, OutboxKind,
                               OutboxRow, StaffNotification)
from .platforms.base import PermanentError, Sent, TransientError
from .roles import Role

log = logging.getLogger(__name__)

K = NotificationKind
AUTHOR_KINDS = (K.POST_RETURNED, K.POST_APPROVED, K.POST_HELD, K.POST_DISCONTINUED,
                K.SEND_FAILED)
# The kinds each role can receive, in the order the preferences page lists them.
KINDS_BY_ROLE: dict[Role, tuple[NotificationKind, ...]] = {
    Role.REPRESENTATIVE: AUTHOR_KINDS,
    Role.SERGEANT: AUTHOR_KINDS + (K.COMMENTS_WAITING, K.REVIEW_DUE),
    Role.COMMANDER: (),
    Role.NEWS_AFFAIRS: (K.NOTABLE_WAITING,),
    Role.RECORDS: (K.REQUEST_DUE_SOON, K.REQUEST_OVERDUE),
    Role.ADMIN: (),
}
KIND_HINTS = {
    K.NOTABLE_WAITING: "When a district submits a post the checks read as a notable incident.",
    K.POST_RETURNED: "When a reviewer returns or rejects a post you wrote, with a note.",
    K.POST_APPROVED: "When News Affairs approves a post you wrote.",
    K.POST_HELD: "When the checks stop a post you wrote at its release.",
    K.POST_DISCONTINUED: "When someone else discontinues a post you wrote.",
    K.SEND_FAILED: "When a post you wrote could not be sent to one of the district's accounts.",
    K.COMMENTS_WAITING: "At most once a day per district, when comments wait for moderation.",
    K.REVIEW_DUE: "When a published post has waited longer than the review interval.",
    K.REQUEST_DUE_SOON: "Once per request and due date, two business days ahead.",
    K.REQUEST_OVERDUE: "Once per request and due date, the day after it was due.",
}
# Post events that tell the author, and how the subject says it.
AUTHOR_EVENTS = {
    "returned": (K.POST_RETURNED, "was returned to you"),
    "rejected": (K.POST_RETURNED, "was rejected"),
    "approved": (K.POST_APPROVED, "was approved by News Affairs"),
    "held": (K.POST_HELD, "was held at its release"),
    "discontinued": (K.POST_DISCONTINUED, "was discontinued"),
}
DEFAULT_DIGEST_HOUR = 7
DEFAULT_BASE_URL = "http://localhost:5000"
SEALED_LINK_MARK = "[private link]"  # in an e-mail's text: where its sealed link goes
SETTINGS_PATH = "/console/notifications"


# --- settings ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class MailSettings:
    """What the messages need from the configuration."""

    timezone: str = "America/Chicago"
    public_base_url: str = DEFAULT_BASE_URL
    digest_hour: int = DEFAULT_DIGEST_HOUR
    records_rules: Any = "IL"

    @classmethod
    def from_config(cls, config: Mapping | None) -> MailSettings:
        if config is None:
            config = _app_config()
        hour = config.get("DIGEST_HOUR", DEFAULT_DIGEST_HOUR)
        return cls(timezone=config.get("TIMEZONE") or cls.timezone,
                   public_base_url=(config.get("PUBLIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
                   digest_hour=int(hour) if hour is not None else DEFAULT_DIGEST_HOUR,
                   records_rules=config.get("RECORDS_RULES") or "IL")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def url(self, path: str) -> str:
        return f"{self.public_base_url}{path}"

    def local(self, moment: datetime) -> datetime:
        return clock.as_utc(moment).astimezone(self.zone)

    def when(self, moment: datetime) -> str:
        """A time as people in the department read it: "Nov 30, 2026, 1:05 PM CST"."""
        return clock.local_text(moment, self.zone)

    def day(self, value: date) -> str:
        """A date with its weekday: "Monday, Nov 30, 2026"."""
        return clock.local_date_text(value, self.zone, weekday=True)


def _app_config() -> Mapping:
    """The running app's configuration when there is one (the worker and the web app both run
    inside one); defaults otherwise."""
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - Flask is a dependency
        return {}
    return current_app.config if has_app_context() else {}


# --- preferences -------------------------------------------------------------------------------

def kinds_for(user: User) -> tuple[NotificationKind, ...]:
    return KINDS_BY_ROLE.get(user.role, ())


def preferences(session: Session, user: User) -> dict[NotificationKind, Delivery]:
    """The user's choice for each kind their role receives (no row: at once)."""
    stored = {p.kind: p.delivery for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    return {kind: stored.get(kind, Delivery.IMMEDIATE) for kind in kinds_for(user)}


def delivery_for(session: Session, user: User, kind: NotificationKind) -> Delivery:
    preference = session.get(NotificationPreference, (user.id, kind))
    return preference.delivery if preference else Delivery.IMMEDIATE


def set_preferences(session: Session, actor: Actor, choices: Mapping[str, str]) -> dict:
    """Store the signed-in user's choices (kind -> immediate / digest / off) for the kinds their
    role receives; audited and archived. Returns what changed.

    Raises PermissionDenied without a signed-in user, ValidationFailed for an unknown kind or
    delivery, or a kind the user's role does not receive.
    """
    user = actor.user
    if user is None or not user.active:
        raise PermissionDenied("Sign in to choose your notifications.")
    allowed = kinds_for(user)
    current = preferences(session, user)
    changes: dict[str, dict[str, str]] = {}
    for raw_kind, raw_delivery in choices.items():
        try:
            kind = NotificationKind(raw_kind)
        except ValueError:
            raise ValidationFailed(f"There is no notification called {raw_kind!r}.") from None
        if kind not in allowed:
            raise ValidationFailed(f"{user.role.label}s don't receive “{kind.label}”.",
                                   field=kind.value)
        try:
            delivery = Delivery(raw_delivery)
        except ValueError:
            raise ValidationFailed(f"Choose at once, daily digest or off for “{kind.label}”.",
                                   field=kind.value) from None
        if current[kind] == delivery:
            continue
        preference = session.get(NotificationPreference, (user.id, kind))
        if preference is None:
            session.add(NotificationPreference(user_id=user.id, kind=kind, delivery=delivery))
        else:
            preference.delivery = delivery
        changes[kind.value] = {"from": current[kind].value, "to": delivery.value}
    if changes:
        session.flush()
        record_event(session, actor, "notifications.preferences", obj=user,
                     details={"changes": changes})
        archive_append(session, record_type="notifications.preferences", object_id=user.id,
                       district_id=user.district_id, actor=actor,
                       content={"user_id": user.id, "changes": changes,
                                "at": clock.utcnow().isoformat()})
    return changes


# --- recording and queueing --------------------------------------------------------------------

def notify(session: Session, user: User, kind: NotificationKind, title: str, link: str,
           dedupe_key: str, *, settings: MailSettings | None = None) -> StaffNotification | None:
    """Tell ``user`` about one event, once.

    Returns the new notification, or None when the user is inactive or was already told about
    ``dedupe_key``. Immediate delivery writes an e-mail outbox row in the caller's transaction;
    digest leaves it for ``send_digests``; off only records it.
    """
    if user is None or not user.active:
        return None
    dedupe_key = dedupe_key[:200]
    if session.scalar(select(StaffNotification.id).where(
            StaffNotification.user_id == user.id, StaffNotification.dedupe_key == dedupe_key)):
        return None
    settings = settings or MailSettings.from_config(None)
    delivery = delivery_for(session, user, kind)
    notification = StaffNotification(user_id=user.id, kind=kind, delivery=delivery,
                                     title=title[:300], link=link[:500],
                                     dedupe_key=dedupe_key, created_at=clock.utcnow())
    try:
        with session.begin_nested():  # another worker may have told them a moment ago
            session.add(notification)
            session.flush()
    except IntegrityError:
        return None
    if delivery is Delivery.IMMEDIATE:
        row = _queue_email(session, user, *_immediate_message(user, notification, settings))
        notification.outbox_id = row.id
        session.flush()
    return notification


def _queue_email(session: Session, user: User, subject: str, text: str) -> OutboxRow:
    now = clock.utcnow()
    row = OutboxRow(kind=OutboxKind.EMAIL, user_id=user.id, idempotency_key=uuid.uuid4().hex,
                    payload={"to": user.email, "subject": subject, "text": text},
                    available_at=now, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def _sentence(title: str) -> str:
    return title if title.endswith((".", "?", "!")) else f"{title}."


def _footer(kind_labels: Iterable[str], how: str, settings: MailSettings) -> str:
    labels = "; ".join(sorted(set(kind_labels)))
    return (f"You receive this {how} because of your notification settings ({labels}). "
            f"Change them at {settings.url(SETTINGS_PATH)}\n\n-- \nBeatdesk")


def _immediate_message(user: User, notification: StaffNotification,
                       settings: MailSettings) -> tuple[str, str]:
    subject = f"Beatdesk: {notification.title}"
    text = (f"Hello {user.full_name},\n\n"
            f"{_sentence(notification.title)}\n"
            f"Noted {settings.when(notification.created_at)}.\n\n"
            f"Open it in Beatdesk: {settings.url(notification.link)}\n\n"
            + _footer([notification.kind.label], "e-mail at once", settings) + "\n")
    return subject, text


# --- post events -------------------------------------------------------------------------------

def _post_title(session: Session, post: Post, what: str) -> str:
    district = post.district or session.get(District, post.district_id)
    category = getattr(post.category, "label", str(post.category))
    name = district.name if district else f"district {post.district_id}"
    return f"Post {post.id} ({category}, {name}) {what}"


def _post_link(post: Post) -> str:
    return f"/console/posts/{post.id}"


def _authors(session: Session, post: Post) -> list[User]:
    ids = [post.author_id]
    revision = post.current_revision
    if revision is not None and revision.created_by_id not in ids:
        ids.append(revision.created_by_id)
    return [u for u in (session.get(User, i) for i in ids if i is not None) if u is not None]


def on_post_event(session: Session, post: Post, action: str, note: str = "") -> None:
    """Called by ``beatdesk.posts`` after every post event, in the same transaction: tells News
    Affairs when a notable post waits, and the author when their post is returned, rejected,
    approved, held or discontinued by someone else. The note is not mailed (it may quote the
    post); the link leads to it."""
    event = session.scalars(select(PostEvent).where(PostEvent.post_id == post.id)
                            .order_by(PostEvent.id.desc()).limit(1)).first()
    event_key = f"post-event:{event.id}" if event else f"post:{post.id}:{action}:{post.version}"
    actor_id = event.actor_id if event else None
    settings = MailSettings.from_config(None)
    if action == "submitted" and post.state == PostState.AWAITING_NEWS_AFFAIRS:
        title = _post_title(session, post, "waits for News Affairs' approval")
        for user in session.scalars(select(User).where(User.role == Role.NEWS_AFFAIRS,
                                                       User.active.is_(True))
                                    .order_by(User.id)):
            notify(session, user, K.NOTABLE_WAITING, title,
                   _post_link(post), f"{event_key}:notable", settings=settings)
        return
    if action not in AUTHOR_EVENTS:
        return
    kind, what = AUTHOR_EVENTS[action]
    title = _post_title(session, post, what)
    for user in _authors(session, post):
        if user.id == actor_id:  # nobody needs an e-mail about what they just did
            continue
        notify(session, user, kind, title, _post_link(post), f"{event_key}:{kind.value}",
               settings=settings)


def notify_send_failed(session: Session, row: OutboxRow) -> None:
    """Called by the outbox when a platform row dies: tells the post's author."""
    if row.kind not in (OutboxKind.POST_CREATE, OutboxKind.POST_DELETE) or row.post_id is None:
        return  # an e-mail never mails about itself; moderation rows show on the dead-row page
    post = session.get(Post, row.post_id)
    if post is None:
        return
    account = row.account
    where = account.label if account is not None else "a platform account"
    what = (f"could not be sent to {where}" if row.kind == OutboxKind.POST_CREATE
            else f"could not be deleted from {where}")
    title = _post_title(session, post, what)
    settings = MailSettings.from_config(None)
    for user in _authors(session, post):
        notify(session, user, K.SEND_FAILED, title, _post_link(post),
               f"outbox:{row.id}:send_failed", settings=settings)


# --- the worker's periodic pass ----------------------------------------------------------------

def periodic(session: Session, now: datetime | None = None,
             config: Mapping | None = None) -> int:
    """Everything that becomes due with time, then the digests. Each situation notifies once
    (see the dedupe keys). Returns how many notifications were recorded. The caller commits."""
    now = clock.as_utc(now or clock.utcnow())
    settings = MailSettings.from_config(config)
    made = 0
    made += _comments_waiting(session, now, settings)
    made += _reviews_due(session, now, settings)
    made += _requests_due(session, now, settings)
    send_digests(session, now, config=config)
    return made


def _sergeants(session: Session, district_id: int) -> list[User]:
    return list(session.scalars(select(User).where(
        User.role == Role.SERGEANT, User.district_id == district_id, User.active.is_(True))
        .order_by(User.id)))


def _comments_waiting(session: Session, now: datetime, settings: MailSettings) -> int:
    today = settings.local(now).date()
    rows = session.execute(
        select(District, func.count(Comment.id))
        .join(Comment, Comment.district_id == District.id)
        .where(Comment.state == CommentState.HELD, Comment.official.is_(False))
        .group_by(District.id).order_by(District.id)).all()
    made = 0
    for district, count in rows:
        noun = "comment waits" if count == 1 else "comments wait"
        title = f"{count} {noun} for moderation in {district.name}"
        for user in _sergeants(session, district.id):
            if notify(session, user, K.COMMENTS_WAITING, title, "/console/moderation/?state=held",
                      f"comments_waiting:{district.id}:{today.isoformat()}", settings=settings):
                made += 1
    return made


def _reviews_due(session: Session, now: datetime, settings: MailSettings) -> int:
    from .posts import overdue_reviews  # posts imports this module

    made = 0
    for due in overdue_reviews(session, now):
        posts_word = "post" if due.unreviewed == 1 else "posts"
        title = (f"The review of {due.district.name} is due: {due.unreviewed} published "
                 f"{posts_word} unreviewed since {settings.when(due.oldest)}")
        for user in _sergeants(session, due.district.id):
            if notify(session, user, K.REVIEW_DUE, title, "/console/posts/sergeant",
                      f"review_due:{due.district.id}:{due.oldest.isoformat()}",
                      settings=settings):
                made += 1
    return made


def _requests_due(session: Session, now: datetime, settings: MailSettings) -> int:
    from .due_dates import add_business_days, rules_for
    from .models.records import CLOSED_STATES, RecordsRequest
    from .records import DUE_SOON_BUSINESS_DAYS

    rules = rules_for(settings.records_rules)
    today = settings.local(now).date()
    soon_limit = add_business_days(today, DUE_SOON_BUSINESS_DAYS, rules)
    requests = list(session.scalars(
        select(RecordsRequest).where(RecordsRequest.state.notin_([s.value for s in CLOSED_STATES]),
                                     RecordsRequest.due_on <= soon_limit)
        .order_by(RecordsRequest.due_on, RecordsRequest.id)))
    if not requests:
        return 0
    officers = list(session.scalars(select(User).where(User.role == Role.RECORDS,
                                                       User.active.is_(True)).order_by(User.id)))
    made = 0
    for request in requests:
        if request.due_on < today:
            kind, title = K.REQUEST_OVERDUE, (f"Records request {request.id} is overdue: it was "
                                              f"due on {settings.day(request.due_on)}")
        else:
            kind, title = K.REQUEST_DUE_SOON, (f"Records request {request.id} is due on "
                                               f"{settings.day(request.due_on)}")
        key = f"{kind.value}:{request.id}:{request.due_on.isoformat()}"
        for user in officers:
            if notify(session, user, kind, title, f"/console/records/{request.id}", key,
                      settings=settings):
                made += 1
    return made


# --- digests -----------------------------------------------------------------------------------

def digest_cutoff(now: datetime, settings: MailSettings) -> datetime | None:
    """Today's digest time (UTC) when it has come, else None."""
    local = settings.local(now)
    at = datetime.combine(local.date(), time(hour=max(0, min(23, settings.digest_hour))),
                          tzinfo=settings.zone)
    return at.astimezone(UTC) if local >= at else None


def send_digests(session: Session, now: datetime | None = None,
                 config: Mapping | None = None) -> list[OutboxRow]:
    """Once the day's DIGEST_HOUR (department time) has come: one e-mail per user with every
    digest item recorded before it, each marked with the e-mail's outbox row. Items recorded
    later wait for the next day's digest. The caller commits."""
    now = clock.as_utc(now or clock.utcnow())
    settings = MailSettings.from_config(config)
    cutoff = digest_cutoff(now, settings)
    if cutoff is None:
        return []
    query = (select(StaffNotification).where(StaffNotification.delivery == Delivery.DIGEST,
                                             StaffNotification.outbox_id.is_(None),
                                             StaffNotification.created_at < cutoff)
             .order_by(StaffNotification.user_id, StaffNotification.created_at,
                       StaffNotification.id))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # two workers never send one item twice
    by_user: dict[int, list[StaffNotification]] = {}
    for item in session.scalars(query):
        by_user.setdefault(item.user_id, []).append(item)
    rows = []
    for user_id, items in by_user.items():
        user = session.get(User, user_id)
        if user is None or not user.active:
            continue  # kept unsent: an account made active again gets them next morning
        row = _queue_email(session, user, *_digest_message(user, items, cutoff, settings))
        for item in items:
            item.outbox_id = row.id
        rows.append(row)
    session.flush()
    return rows


def _digest_message(user: User, items: list[StaffNotification], cutoff: datetime,
                    settings: MailSettings) -> tuple[str, str]:
    day = settings.day(settings.local(cutoff).date())
    count = f"{len(items)} item" + ("" if len(items) == 1 else "s")
    lines = [f"Hello {user.full_name},", "",
             f"Your Beatdesk digest for {day} has {count}:", ""]
    for number, item in enumerate(items, start=1):
        lines += [f"{number}. {_sentence(item.title)}",
                  f"   Noted {settings.when(item.created_at)}.",
                  f"   {settings.url(item.link)}", ""]
    lines.append(_footer([i.kind.label for i in items], "daily digest", settings))
    return f"Beatdesk digest for {day}: {count}", "\n".join(lines) + "\n"


# --- sending -----------------------------------------------------------------------------------

def _setting(config: Mapping, name: str, default=None):
    value = config.get(name) if config is not None else None
    return default if value is None or value == "" else value


def build_message(row: OutboxRow, config: Mapping) -> EmailMessage:
    payload = row.payload or {}
    to, subject, text = payload.get("to"), payload.get("subject"), payload.get("text")
    if not to or not subject or not text:
        raise PermanentError("The e-mail row lacks a recipient, subject or text.")
    if payload.get("sealed_link"):
        # A requester's private tracking link is kept sealed and opened only to send it.
        from .sealing import SealingError, unseal

        try:
            text = text.replace(SEALED_LINK_MARK, unseal(payload["sealed_link"]), 1)
        except SealingError as exc:
            raise PermanentError(f"The sealed link does not open: {exc}") from exc
    sender = _setting(config, "MAIL_FROM", "beatdesk@localhost")
    # Long subjects stay on one line (a folded one reads back with a leading space).
    message = EmailMessage(policy=email_policy.SMTP.clone(max_line_length=998))
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.utcnow())
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    # Stable across retries, so a mail server that took it once can recognise a repeat.
    message["Message-ID"] = f"<{row.idempotency_key}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    # Files sent with the message (a letter's PDF): name, type and the bytes in base64.
    for attachment in payload.get("attachments") or []:
        try:
            data = base64.b64decode(attachment["data"], validate=True)
            maintype, _, subtype = attachment.get("content_type", "").partition("/")
            filename = attachment["filename"]
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise PermanentError(f"The e-mail row has an unreadable attachment: {exc}") from exc
        message.add_attachment(data, maintype=maintype or "application",
                               subtype=subtype or "octet-stream", filename=filename)
    return message


def deliver(row: OutboxRow, config: Mapping) -> Sent:
    """Send one e-mail row. Called by the outbox worker outside any transaction.

    Raises TransientError when the mail server can't be reached, times out or answers 4xx (the
    outbox tries again later: a server that is down delays mail, loses none), PermanentError
    on 5xx. With no SMTP_HOST configured the message is written to the log and counts as sent.
    """
    message = build_message(row, config)
    host = _setting(config, "SMTP_HOST")
    now = clock.utcnow()
    if not host:
        # Offline installs and the demo: the mail is kept in the log, where an operator sees it.
        log.warning("No SMTP_HOST configured: this e-mail was logged, not sent.\n%s",
                    message.as_string())
        return Sent(platform_id=message["Message-ID"], url="", sent_at=now)
    port = int(_setting(config, "SMTP_PORT", 25))
    timeout = float(_setting(config, "SMTP_TIMEOUT", 10))
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            if _truthy(_setting(config, "SMTP_STARTTLS", False)):
                smtp.starttls()
            username = _setting(config, "SMTP_USERNAME")
            if username:
                smtp.login(username, _setting(config, "SMTP_PASSWORD", ""))
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        answers = list(exc.recipients.values())
        code = min((c for c, _ in answers), default=550)
        said = "; ".join(f"{c} {_decoded(m)}" for c, m in answers)
        raise _by_code(code, f"The mail server refused {row.payload.get('to')}: {said}") from exc
    except smtplib.SMTPResponseException as exc:
        raise _by_code(exc.smtp_code, f"The mail server answered {exc.smtp_code} "
                       f"{_decoded(exc.smtp_error)}") from exc
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, socket.timeout,
            TimeoutError, ConnectionError, OSError) as exc:
        raise TransientError(f"The mail server at {host}:{port} could not be reached: {exc}"
                             ) from exc
    except smtplib.SMTPException as exc:
        raise TransientError(f"The mail server at {host}:{port} failed: {exc}") from exc
    return Sent(platform_id=message["Message-ID"], url="", sent_at=now)


def _by_code(code: int, message: str):
    if 400 <= code < 500:
        return TransientError(message, status=code)
    return PermanentError(message, status=code)


def _decoded(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)

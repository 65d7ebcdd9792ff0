"""The department's accounts on X, Mastodon and Bluesky, the outbox that sends to them (and
e-mails staff), every attempt at a send, and staff notification preferences.

Nothing here is deleted: an account is disconnected, an outbox row ends sent, cancelled, dead or
resolved by hand, and each attempt stays as its own row (and in the archive).
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in


class Platform(StrEnum):
    LOCAL = "local"          # no network: the default, for a fresh install and the demo
    X = "x"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"

    @property
    def label(self) -> str:
        return {"local": "Local (no network)", "x": "X", "mastodon": "Mastodon",
                "bluesky": "Bluesky"}[self.value]


class PlatformAccount(Base):
    """A platform account connected to a district (or, with no district, the department)."""

    __tablename__ = "platform_accounts"
    __table_args__ = (
        CheckConstraint(f"platform IN ({sql_in(Platform)})", name="platform_known"),
        CheckConstraint("handle <> ''", name="handle_present"),
        CheckConstraint("active OR disconnected_at IS NOT NULL", name="disconnect_recorded"),
        Index("ix_platform_accounts_district", "district_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[Platform] = mapped_column(StrEnumType(Platform))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    handle: Mapped[str] = mapped_column(String(200))
    # Every platform's address is configuration (a Mastodon instance, a Bluesky PDS, X's API).
    base_url: Mapped[str] = mapped_column(String(500), default="")
    # The platform's own id for the account (X user id, Mastodon account id, Bluesky DID).
    account_ref: Mapped[str] = mapped_column(String(200), default="")
    # Fernet token of the credentials' JSON (``beatdesk.secrets``); never stored in clear.
    credentials: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    connected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    disconnected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_tested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_test_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_test_message: Mapped[str] = mapped_column(Text, default="")
    # Inbound polling: the platform's cursor (since_id, min_id, indexedAt) and when it last ran.
    inbound_cursor: Mapped[str] = mapped_column(String(200), default="")
    inbound_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    inbound_error: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    district = relationship("District")
    connected_by = relationship("User", foreign_keys=[connected_by_id])
    disconnected_by = relationship("User", foreign_keys=[disconnected_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def label(self) -> str:
        return f"{self.platform.label} {self.handle}"


class OutboxKind(StrEnum):
    POST_CREATE = "post.create"
    POST_DELETE = "post.delete"
    REPLY_HIDE = "reply.hide"
    REPLY_UNHIDE = "reply.unhide"
    AUTHOR_BLOCK = "author.block"
    AUTHOR_REPORT = "author.report"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return {"post.create": "Post", "post.delete": "Delete post", "reply.hide": "Hide reply",
                "reply.unhide": "Unhide reply", "author.block": "Block author",
                "author.report": "Report author", "email": "E-mail"}[self.value]


class OutboxState(StrEnum):
    PENDING = "pending"        # waiting for its time (available_at) and any row it depends on
    SENDING = "sending"        # claimed by a worker until lease_until
    SENT = "sent"              # the platform (or mail server) accepted it
    CANCELLED = "cancelled"    # withdrawn before it was sent (e.g. its post was discontinued)
    DEAD = "dead"              # gave up: a permanent error, or too many tries
    RESOLVED = "resolved"      # a dead row a person dealt with by hand, with a note

    @property
    def label(self) -> str:
        return {"pending": "Queued", "sending": "Sending", "sent": "Sent",
                "cancelled": "Cancelled", "dead": "Failed", "resolved": "Resolved by hand"}[
            self.value]


OUTBOX_DONE = (OutboxState.SENT, OutboxState.CANCELLED, OutboxState.RESOLVED)


class OutboxRow(Base):
    """One operation for one target: a post to one account, a delete, a hide, an e-mail.

    Written in the same transaction as the change that causes it; sent by ``flask worker``
    outside any transaction; ``idempotency_key`` is chosen when the row is written (for Bluesky
    it is the record key, a TID) so a retry can never send twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(OutboxKind)})", name="kind_known"),
        CheckConstraint(f"state IN ({sql_in(OutboxState)})", name="state_known"),
        CheckConstraint("kind <> 'post.create' OR (post_id IS NOT NULL AND revision_id IS NOT NULL "
                        "AND account_id IS NOT NULL)", name="create_names_post"),
        CheckConstraint("kind = 'email' OR account_id IS NOT NULL", name="platform_has_account"),
        # An e-mail goes to a staff member or to a records request's requester.
        CheckConstraint("kind <> 'email' OR user_id IS NOT NULL OR records_request_id IS NOT NULL",
                        name="email_has_recipient"),
        CheckConstraint("state <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        CheckConstraint("state <> 'sending' OR lease_until IS NOT NULL", name="claim_has_lease"),
        CheckConstraint("attempts >= 0", name="attempts_counted"),
        # The worker's claim: due rows in order.
        Index("ix_outbox_due", "state", "available_at", "id"),
        Index("ix_outbox_post", "post_id", "kind"),
        Index("ix_outbox_platform_id", "account_id", "platform_id"),
        # No post goes to one account twice.
        Index("ux_outbox_one_create_per_account", "account_id", "post_id", unique=True,
              sqlite_where=text("kind = 'post.create'"),
              postgresql_where=text("kind = 'post.create'")),
        UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(StrEnumType(OutboxKind))
    state: Mapped[OutboxState] = mapped_column(StrEnumType(OutboxState),
                                               default=OutboxState.PENDING)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("platform_accounts.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("post_revisions.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    records_request_id: Mapped[int | None] = mapped_column(ForeignKey("records_requests.id"),
                                                           index=True)
    # A delete waits for its create; a hide waits for nothing.
    depends_on_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    # The receipt: the platform's id and link for what it accepted.
    platform_id: Mapped[str] = mapped_column(String(200), default="")
    platform_url: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    account = relationship("PlatformAccount")
    post = relationship("Post")
    revision = relationship("PostRevision")
    comment = relationship("Comment")
    user = relationship("User", foreign_keys=[user_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
    depends_on = relationship("OutboxRow", remote_side=[id])
    attempt_log: Mapped[list[OutboxAttempt]] = relationship(order_by="OutboxAttempt.id",
                                                            back_populates="row")


class AttemptOutcome(StrEnum):
    SENT = "sent"                  # accepted now
    RECONCILED = "reconciled"      # found already on the platform from an earlier attempt
    RETRY = "retry"                # 5xx, time-out or lost response: tried again later
    RATE_LIMITED = "rate_limited"  # 429: tried again after the platform's reset
    PERMANENT = "permanent"        # another 4xx: not retried
    DEAD = "dead"                  # the last allowed try failed

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class OutboxAttempt(Base):
    """One try at sending an outbox row, whatever came of it."""

    __tablename__ = "outbox_attempts"
    __table_args__ = (
        CheckConstraint(f"outcome IN ({sql_in(AttemptOutcome)})", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    outcome: Mapped[AttemptOutcome] = mapped_column(StrEnumType(AttemptOutcome))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")

    row: Mapped[OutboxRow] = relationship(back_populates="attempt_log")


class NotificationKind(StrEnum):
    NOTABLE_WAITING = "notable_waiting"      # News Affairs: a notable post waits
    POST_RETURNED = "post_returned"          # author
    POST_APPROVED = "post_approved"          # author
    POST_HELD = "post_held"                  # author
    POST_DISCONTINUED = "post_discontinued"  # author
    SEND_FAILED = "send_failed"              # author (and admins on the dead-row page)
    COMMENTS_WAITING = "comments_waiting"    # sergeant
    REVIEW_DUE = "review_due"                # sergeant
    REQUEST_DUE_SOON = "request_due_soon"    # records officers: due within two business days
    REQUEST_OVERDUE = "request_overdue"      # records officers

    @property
    def label(self) -> str:
        return NOTIFICATION_LABELS[self]


NOTIFICATION_LABELS = {
    NotificationKind.NOTABLE_WAITING: "A notable post waits for News Affairs",
    NotificationKind.POST_RETURNED: "My post was returned",
    NotificationKind.POST_APPROVED: "My post was approved",
    NotificationKind.POST_HELD: "My post was held at release",
    NotificationKind.POST_DISCONTINUED: "My post was discontinued",
    NotificationKind.SEND_FAILED: "A post failed to reach a platform",
    NotificationKind.COMMENTS_WAITING: "Comments wait for moderation",
    NotificationKind.REVIEW_DUE: "My district's review is due",
    NotificationKind.REQUEST_DUE_SOON: "A records request is due within two business days",
    NotificationKind.REQUEST_OVERDUE: "A records request is overdue",
}


class Delivery(StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"
    OFF = "off"

    @property
    def label(self) -> str:
        return {"immediate": "At once", "digest": "Daily digest", "off": "Off"}[self.value]


class NotificationPreference(Base):
    """How one user wants one kind of notification (no row: immediately)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(NotificationKind)})", name="kind_known"),
        CheckConstraint(f"delivery IN ({sql_in(Delivery)})", name="delivery_known"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(StrEnumType(NotificationKind),
                                                   primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(StrEnumType(Delivery))


class StaffNotification(Base):
    """Something one user is told about. Immediate ones become an e-mail outbox row at once;
    digest ones wait until the day's digest takes them (``outbox_id`` then names it)."""

    __tablename__ = "staff_notifications"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(NotificationKind)})", name="kind_known"),
        CheckConstraint(f"delivery IN ({sql_in(Delivery)})", name="delivery_known"),
        # The same event never notifies the same person twice (e.g. "due soon" on every poll).
        UniqueConstraint("user_id", "dedupe_key", name="uq_staff_notifications_once"),
        Index("ix_staff_notifications_digest", "delivery", "outbox_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[NotificationKind] = mapped_column(StrEnumType(NotificationKind))
    delivery: Mapped[Delivery] = mapped_column(StrEnumType(Delivery))
    title: Mapped[str] = mapped_column(String(300))
    # A path in the console (the e-mail makes it absolute); never the post's content.
    link: Mapped[str] = mapped_column(String(500))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    user = relationship("User")


class PlatformEventKind(StrEnum):
    EDITED = "edited"
    DELETED = "deleted"

    @property
    def label(self) -> str:
        return {"edited": "Edited on the platform", "deleted": "Deleted on the platform"}[
            self.value]


class CommentPlatformEvent(Base):
    """A later edit or deletion, on the platform, of a reply captured as a comment: the text
    before and after is kept (records law: nothing captured is purged)."""

    __tablename__ = "comment_platform_events"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(PlatformEventKind)})", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    kind: Mapped[PlatformEventKind] = mapped_column(StrEnumType(PlatformEventKind))
    old_body: Mapped[str] = mapped_column(Text, default="")
    new_body: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # as the platform says
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    comment = relationship("Comment")

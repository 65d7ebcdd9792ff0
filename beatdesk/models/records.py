"""Public records requests, their history, frozen snapshots of archive records, redactions and
releases."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in
from .people import User


class RequestState(StrEnum):
    RECEIVED = "received"
    SEARCHING = "searching"
    REVIEWING = "reviewing"
    EXTENDED = "extended"
    RELEASED_IN_FULL = "released_in_full"
    RELEASED_IN_PART = "released_in_part"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"
    WAITING = "waiting_for_requester"  # a clarification, fee or narrowing (records_tolling)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        return self not in CLOSED_STATES


CLOSED_STATES = frozenset({RequestState.RELEASED_IN_FULL, RequestState.RELEASED_IN_PART,
                           RequestState.DENIED, RequestState.WITHDRAWN})


class ReceivedVia(StrEnum):
    EMAIL = "email"
    MAIL = "mail"
    IN_PERSON = "in_person"
    WEB_FORM = "web_form"

    @property
    def label(self) -> str:
        return {"email": "E-mail", "mail": "Mail", "in_person": "In person",
                "web_form": "Web form"}[self.value]


class RedactionKind(StrEnum):
    RECORD = "record"  # the whole record is withheld
    RANGE = "range"  # characters [start, end) of one field
    TEXT = "text"  # every occurrence of a passage, in one field or in the whole record


class Exemption(Base):
    """A statutory ground for withholding, chosen when redacting or denying."""

    __tablename__ = "records_exemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    citation: Mapped[str] = mapped_column(String(120))
    label: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def display(self) -> str:
        return f"{self.code} {self.label}"


class RecordsRequest(Base):
    """A public records request and where it stands."""

    __tablename__ = "records_requests"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_in(RequestState)})", name="state"),
        CheckConstraint(f"received_via IN ({sql_in(ReceivedVia)})", name="received_via"),
        CheckConstraint("(extended_at IS NULL) = (extension_days IS NULL)",
                        name="extension_recorded"),
        CheckConstraint("state <> 'denied' OR denial_exemption_id IS NOT NULL",
                        name="denial_has_exemption"),
        CheckConstraint("due_on >= received_on", name="due_after_receipt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_contact: Mapped[str] = mapped_column(String(500))
    received_via: Mapped[ReceivedVia] = mapped_column(StrEnumType(ReceivedVia))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_on: Mapped[date] = mapped_column(Date)  # the date in the department's time zone
    description: Mapped[str] = mapped_column(Text)
    commercial: Mapped[bool] = mapped_column(Boolean, default=False)
    rules_key: Mapped[str] = mapped_column(String(16))
    state: Mapped[RequestState] = mapped_column(StrEnumType(RequestState),
                                                default=RequestState.RECEIVED, index=True)
    original_due_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_days: Mapped[int | None] = mapped_column(Integer)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    denial_exemption_id: Mapped[int | None] = mapped_column(ForeignKey("records_exemptions.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: web form
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    denial_exemption: Mapped[Exemption | None] = relationship()

    @property
    def label(self) -> str:
        return f"Request {self.id}"


class RequestEvent(Base):
    """One change to a request: who, when, from which state to which, and why."""

    __tablename__ = "records_request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_requests.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    exemption_id: Mapped[int | None] = mapped_column(ForeignKey("records_exemptions.id"))
    due_on: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    actor: Mapped[User | None] = relationship()
    exemption: Mapped[Exemption | None] = relationship()


class SnapshotItem(Base):
    """A frozen copy of one archive record attached to a request.

    Later changes to the archive (a disposition's tombstone, say) never reach the copy; the
    archive hash shows which record it was.
    """

    __tablename__ = "records_snapshot_items"
    __table_args__ = (UniqueConstraint("request_id", "archive_record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_requests.id"), index=True)
    archive_record_id: Mapped[int] = mapped_column(Integer)
    record_type: Mapped[str] = mapped_column(String(80))
    object_id: Mapped[str] = mapped_column(String(80))
    district_id: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_label: Mapped[str] = mapped_column(String(120), default="")
    state: Mapped[str] = mapped_column(String(40), default="")
    archive_hash: Mapped[str] = mapped_column(String(64))  # the chain link's record hash
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)  # the archive's canonical JSON, as it was
    attached_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class Redaction(Base):
    """A passage or a whole snapshot record withheld from the release, under an exemption."""

    __tablename__ = "records_redactions"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(RedactionKind)})", name="kind"),
        CheckConstraint("kind <> 'range' OR (start_at IS NOT NULL AND end_at > start_at "
                        "AND start_at >= 0 AND field <> '')", name="range_valid"),
        CheckConstraint("kind <> 'text' OR match_text <> ''", name="text_given"),
        CheckConstraint("(removed_at IS NULL) = (removed_by_id IS NULL)", name="removal_recorded"),
        Index("ix_records_redactions_item_active", "item_id", "removed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_requests.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("records_snapshot_items.id"))
    kind: Mapped[RedactionKind] = mapped_column(StrEnumType(RedactionKind))
    field: Mapped[str] = mapped_column(String(200), default="")  # "" = every field (text kind)
    start_at: Mapped[int | None] = mapped_column(Integer)
    end_at: Mapped[int | None] = mapped_column(Integer)
    match_text: Mapped[str] = mapped_column(Text, default="")
    exemption_id: Mapped[int] = mapped_column(ForeignKey("records_exemptions.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    exemption: Mapped[Exemption] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    item: Mapped[SnapshotItem] = relationship()


class Release(Base):
    """A release package given to the requester: what, to whom, when, and its hash."""

    __tablename__ = "records_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_requests.id"), index=True)
    released_to: Mapped[str] = mapped_column(String(800))
    outcome: Mapped[str] = mapped_column(String(32))
    package_name: Mapped[str] = mapped_column(String(200))
    package_sha256: Mapped[str] = mapped_column(String(64))
    package_bytes: Mapped[int] = mapped_column(BigInteger)
    record_count: Mapped[int] = mapped_column(Integer)
    withheld_count: Mapped[int] = mapped_column(Integer)
    redaction_count: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    created_by: Mapped[User | None] = relationship()

"""Redactions Beatdesk suggests in a request's attached records, each waiting for the records
officer's decision (accepted: a redaction; rejected: released on the officer's decision)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in
from .people import User
from .records import Exemption, Redaction, SnapshotItem


class SuggestionKind(StrEnum):
    EMAIL = "email"
    NETWORK = "network"
    PHONE = "phone"
    HOME_ADDRESS = "home_address"
    STREET_ADDRESS = "street_address"
    DATE_OF_BIRTH = "date_of_birth"
    SSN = "ssn"
    VICTIM_NAME = "victim_name"
    JUVENILE_NAME = "juvenile_name"

    @property
    def label(self) -> str:
        return {"email": "E-mail address", "network": "Network (IP) address",
                "phone": "Phone number", "home_address": "Home address",
                "street_address": "Street address (withhold if it is a private home)",
                "date_of_birth": "Date of birth", "ssn": "Social Security number",
                "victim_name": "Name of a victim, witness or complainant",
                "juvenile_name": "Name of a juvenile"}[self.value]

    @property
    def short(self) -> str:
        return {"email": "e-mail address", "network": "network address",
                "phone": "phone number", "home_address": "home address",
                "street_address": "street address", "date_of_birth": "date of birth",
                "ssn": "Social Security number", "victim_name": "victim's name",
                "juvenile_name": "juvenile's name"}[self.value]


class SuggestionStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RedactionSuggestion(Base):
    """One passage of one attached record that looks like a private person's data.

    ``start_at``/``end_at`` are code points of the field's text (as everywhere in records).
    Accepting links the redaction it made; rejecting records who and why, and the release's
    redaction log says the passage was released on the officer's decision.
    """

    __tablename__ = "records_redaction_suggestions"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(SuggestionKind)})", name="kind"),
        CheckConstraint(f"status IN ({sql_in(SuggestionStatus)})", name="status"),
        CheckConstraint("end_at > start_at AND start_at >= 0", name="span_valid"),
        CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decision_recorded"),
        CheckConstraint("(decided_at IS NULL) = (decided_by_id IS NULL)", name="decided_by_recorded"),
        CheckConstraint("status <> 'accepted' OR redaction_id IS NOT NULL",
                        name="accepted_has_redaction"),
        UniqueConstraint("item_id", "field", "start_at", "end_at", "kind",
                         name="uq_records_redaction_suggestions_span"),
        Index("ix_records_redaction_suggestions_request_status", "request_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_requests.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("records_snapshot_items.id"), index=True)
    field: Mapped[str] = mapped_column(String(200))
    start_at: Mapped[int] = mapped_column(Integer)
    end_at: Mapped[int] = mapped_column(Integer)
    passage: Mapped[str] = mapped_column(Text)  # never written to the audit trail or a release
    kind: Mapped[SuggestionKind] = mapped_column(StrEnumType(SuggestionKind))
    exemption_id: Mapped[int] = mapped_column(ForeignKey("records_exemptions.id"))
    status: Mapped[SuggestionStatus] = mapped_column(StrEnumType(SuggestionStatus),
                                                     default=SuggestionStatus.PENDING)
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was suggested
    note: Mapped[str] = mapped_column(Text, default="")  # the officer's note on the decision
    redaction_id: Mapped[int | None] = mapped_column(ForeignKey("records_redactions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    exemption: Mapped[Exemption] = relationship()
    item: Mapped[SnapshotItem] = relationship()
    redaction: Mapped[Redaction | None] = relationship()
    decided_by: Mapped[User | None] = relationship()

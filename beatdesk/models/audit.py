"""The append-only audit trail of staff actions and security events."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in
from .people import User


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


class AuditEvent(Base):
    """One audited event. Rows are never updated or deleted (database triggers refuse it)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint(f"outcome IN ({sql_in(Outcome)})", name="outcome"),
        Index("ix_audit_events_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The log-on ID as typed or as it was at the time, kept even when no account matched.
    actor_login: Mapped[str] = mapped_column(String(120), default="")
    event: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[str] = mapped_column(String(40), default="")
    outcome: Mapped[Outcome] = mapped_column(StrEnumType(Outcome), default=Outcome.SUCCESS)
    client_addr: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()

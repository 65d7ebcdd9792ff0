"""Stretches of waiting on the requester (a clarification, a fee, an offer to narrow), during
which the statutory clock may stop."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in
from .people import User


class WaitReason(StrEnum):
    CLARIFICATION = "clarification"
    FEE = "fee"
    NARROWING = "narrowing"

    @property
    def label(self) -> str:
        return {"clarification": "Clarification", "fee": "Fee",
                "narrowing": "Narrowing an unduly burdensome request"}[self.value]


class WaitOutcome(StrEnum):
    ANSWERED = "answered"  # the clarification arrived
    PAID = "paid"
    WAIVED = "waived"
    AGREED = "agreed"  # the requester agreed to a narrower request
    DECLINED = "declined"  # the requester declined to narrow it
    CLOSED = "closed"  # the request was closed while waiting

    @property
    def label(self) -> str:
        return {"answered": "Clarification answered", "paid": "Fee paid",
                "waived": "Fee waived", "agreed": "Narrowing agreed",
                "declined": "Narrowing declined",
                "closed": "Request closed while waiting"}[self.value]


# Which answers end which wait.
OUTCOMES_FOR = {
    WaitReason.CLARIFICATION: (WaitOutcome.ANSWERED,),
    WaitReason.FEE: (WaitOutcome.PAID, WaitOutcome.WAIVED),
    WaitReason.NARROWING: (WaitOutcome.AGREED, WaitOutcome.DECLINED),
}


class TollingPeriod(Base):
    """One wait on the requester: the question (or estimate) sent, the answer received, and
    whether the state's rules stopped the clock meanwhile (with the law cited)."""

    __tablename__ = "records_tolling_periods"
    __table_args__ = (
        CheckConstraint(f"reason IN ({sql_in(WaitReason)})", name="reason"),
        CheckConstraint(f"outcome IS NULL OR outcome IN ({sql_in(WaitOutcome)})",
                        name="outcome"),
        CheckConstraint("(ended_at IS NULL) = (ended_on IS NULL) AND "
                        "(ended_at IS NULL) = (outcome IS NULL)", name="end_recorded"),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
        CheckConstraint("(reason = 'fee') = (fee_cents IS NOT NULL)", name="fee_estimated"),
        CheckConstraint("fee_cents IS NULL OR fee_cents >= 0", name="fee_not_negative"),
        CheckConstraint("fee_paid_cents IS NULL OR outcome = 'paid'", name="paid_amount"),
        Index("ix_records_tolling_periods_request", "request_id", "started_on"),
        # at most one open wait per request
        Index("uq_records_tolling_periods_open", "request_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_requests.id"))
    reason: Mapped[WaitReason] = mapped_column(StrEnumType(WaitReason))
    stops_clock: Mapped[bool] = mapped_column(Boolean)
    restarts: Mapped[bool] = mapped_column(Boolean, default=False)
    citation: Mapped[str] = mapped_column(String(200), default="")
    resume_state: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    fee_cents: Mapped[int | None] = mapped_column(Integer)
    started_on: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the requester
    outcome: Mapped[WaitOutcome | None] = mapped_column(StrEnumType(WaitOutcome))
    answer_note: Mapped[str] = mapped_column(Text, default="")
    fee_paid_cents: Mapped[int | None] = mapped_column(Integer)

    started_by: Mapped[User | None] = relationship(foreign_keys=[started_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

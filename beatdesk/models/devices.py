"""Registered department devices and representatives' duty hours."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, now_utc


class RegisteredDevice(Base):
    """A department browser: enrolled with a one-time code, then known by its cookie.

    Only hashes are stored: of the one-time code while the enrolment is pending, then of the
    browser's long-lived token. Revoking keeps the row (who and when).
    """

    __tablename__ = "registered_devices"
    __table_args__ = (
        CheckConstraint("(revoked_at IS NULL) = (revoked_by_id IS NULL)", name="revoke_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # SHA-256 of the one-time code; cleared once used.
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 of the browser's cookie token, set when the code is entered.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_addr: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    @property
    def is_enrolled(self) -> bool:
        return self.enrolled_at is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class DeviceRequirement(Base):
    """The department's setting "Require registered devices for the console"; one row at most
    (none: off)."""

    __tablename__ = "device_requirement"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # Empty when the operator's command changed it.
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class DutyShift(Base):
    """One day's duty hours of a representative, in the department's wall-clock time.

    Minutes after midnight; an end at or before the start runs past midnight into the next
    day (Fri 22:00-06:00 ends Saturday morning). A representative has at most one shift a day.
    """

    __tablename__ = "duty_shifts"
    __table_args__ = (
        UniqueConstraint("user_id", "weekday", name="uq_duty_shifts_user_weekday"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("start_minute >= 0 AND start_minute < 1440", name="start_range"),
        CheckConstraint("end_minute >= 0 AND end_minute < 1440", name="end_range"),
        CheckConstraint("start_minute <> end_minute", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # Monday 0 .. Sunday 6
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    @property
    def overnight(self) -> bool:
        return self.end_minute < self.start_minute


class DutyHoursRelease(Base):
    """The district's sergeant's release of one post outside its author's duty hours."""

    __tablename__ = "duty_hours_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), unique=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    released_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    reason: Mapped[str] = mapped_column(String(2000))

    released_by = relationship("User", foreign_keys=[released_by_id])

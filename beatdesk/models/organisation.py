"""The department and its districts (the approved social media outlets)."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in


class ModerationMode(StrEnum):
    PRE = "pre"    # visitor comments wait for a moderator
    POST = "post"  # visible at once, removable

    @property
    def label(self) -> str:
        return {"pre": "Pre-moderation (comments wait for approval)",
                "post": "Post-moderation (comments show at once, removable)"}[self.value]


class Department(Base):
    """The department's own identity; exactly one row."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    official_website: Mapped[str] = mapped_column(String(500))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_address: Mapped[str] = mapped_column(String(500), default="")
    # How often each district's sergeant must review its postings (Chicago Twitter V.B).
    review_interval_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    # What the department calls its social media directive ("General Order 12-3"); findings
    # cite it, with the source policies as reference. Empty: "the department's directive".
    directive_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)


class District(Base):
    """A district outlet. It may be used only once approved (who and when are recorded)."""

    __tablename__ = "districts"
    __table_args__ = (
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint(f"moderation_mode IN ({sql_in(ModerationMode)})", name="moderation_mode"),
        CheckConstraint("(approved_at IS NULL) = (approved_by_id IS NULL)", name="approval_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    handle_x: Mapped[str] = mapped_column(String(80), default="")
    handle_mastodon: Mapped[str] = mapped_column(String(200), default="")
    handle_bluesky: Mapped[str] = mapped_column(String(200), default="")
    intro_statement: Mapped[str] = mapped_column(Text, default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_address: Mapped[str] = mapped_column(String(500), default="")
    moderation_mode: Mapped[ModerationMode] = mapped_column(
        StrEnumType(ModerationMode), default=ModerationMode.PRE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # users.district_id points back here, so this key is added after both tables exist.
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))

    approved_by = relationship("User", foreign_keys=[approved_by_id])

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def label(self) -> str:
        return f"District {self.number:03d} ({self.name})"

"""Versions of the Terms of Service and Takedown Policy shown on every public page."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, now_utc


class TermsVersion(Base):
    """One version of the terms: a draft until published, then frozen and readable for good.

    The number is given at publication (1, 2, 3 ...), so public addresses never skip a draft
    that was abandoned. ``body_html`` is rendered and sanitized once, when the text is saved.
    """

    __tablename__ = "terms_versions"
    __table_args__ = (
        CheckConstraint("(number IS NULL) = (published_at IS NULL)", name="number_when_published"),
        CheckConstraint("number IS NULL OR number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int | None] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    source_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    summary_of_changes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # NULL for the default text the installation shipped with.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by = relationship("User", foreign_keys=[created_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def version(self) -> int | None:
        """The public version number (``number``), None while a draft."""
        return self.number

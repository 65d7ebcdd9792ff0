"""The public reading room: released records packages a records officer published."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in
from .people import User
from .records import Release


class PublicationScope(StrEnum):
    PACKAGE = "package"  # every public file: the readable parts and records.json/records.csv
    PUBLIC_PARTS = "public_parts"  # only the readable parts: index.html and the PDF

    @property
    def label(self) -> str:
        return {"package": "The whole package (index.html, PDF, records.json and records.csv)",
                "public_parts": "Only the readable parts (index.html and PDF)"}[self.value]


class Publication(Base):
    """A release published in the reading room, under a subject and summary the officer wrote.

    The published files are a public edition of the release: its records with the same
    redactions, and a cover page without the requester's name or contact. Withdrawal hides the
    publication from the public; the row, its files and its archive records stay.
    """

    __tablename__ = "records_publications"
    __table_args__ = (
        CheckConstraint(f"scope IN ({sql_in(PublicationScope)})", name="scope"),
        CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_by_id IS NULL)",
                        name="withdrawal_recorded"),
        CheckConstraint("withdrawn_at IS NULL OR withdrawal_reason <> ''",
                        name="withdrawal_has_reason"),
        Index("ix_records_publications_listing", "withdrawn_at", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("records_releases.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_requests.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    scope: Mapped[PublicationScope] = mapped_column(StrEnumType(PublicationScope))
    folder: Mapped[str] = mapped_column(String(200))  # under the release root
    files: Mapped[list] = mapped_column(JSON, default=list)  # [{name, sha256, bytes}]
    record_count: Mapped[int] = mapped_column(default=0)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    release: Mapped[Release] = relationship()
    published_by: Mapped[User] = relationship(foreign_keys=[published_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    @property
    def label(self) -> str:
        return f"Publication {self.id}"

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

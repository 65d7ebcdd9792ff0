"""Letters to a records requester: the templates an administrator edits, and each letter made
from one for a request (its PDF, hash, and the e-mail that carried it)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in
from .people import User


class LetterKind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    CLARIFICATION = "clarification"
    EXTENSION = "extension"
    FEE_ESTIMATE = "fee_estimate"
    DENIAL = "denial"
    RELEASE = "release"

    @property
    def label(self) -> str:
        return {"acknowledgement": "Acknowledgement", "clarification": "Clarification",
                "extension": "Extension", "fee_estimate": "Fee estimate", "denial": "Denial",
                "release": "Release"}[self.value]


class LetterTemplate(Base):
    """The text of one kind of letter: Markdown with {{placeholders}}, and its HTML, rendered
    and sanitized once when saved. A kind with no row uses the built-in Illinois text."""

    __tablename__ = "records_letter_templates"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(LetterKind)})", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LetterKind] = mapped_column(StrEnumType(LetterKind), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    updated_by: Mapped[User | None] = relationship()


class Letter(Base):
    """A letter made for a request: the filled text, the PDF and its SHA-256, and where it was
    sent. ``number`` counts the request's letters of one kind (letters/<kind>-<number>.pdf in a
    release package)."""

    __tablename__ = "records_letters"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(LetterKind)})", name="kind_known"),
        CheckConstraint("number >= 1", name="number_positive"),
        UniqueConstraint("request_id", "kind", "number", name="uq_records_letters_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_requests.id"), index=True)
    kind: Mapped[LetterKind] = mapped_column(StrEnumType(LetterKind))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body_markdown: Mapped[str] = mapped_column(Text)  # the template with its fields filled
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read when downloaded
    sent_to: Mapped[str] = mapped_column(String(320), default="")  # "" = not e-mailed
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    created_by: Mapped[User] = relationship()

    @property
    def file_name(self) -> str:
        return f"{self.kind.value}-{self.number}.pdf"

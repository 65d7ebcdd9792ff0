"""Texts the department publishes outside a post: official replies and district statements."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in


class PublishedTextKind(StrEnum):
    OFFICIAL_REPLY = "official_reply"          # the district's answer to a visitor comment
    DISTRICT_STATEMENT = "district_statement"  # the statement of purpose and scope on its page

    @property
    def label(self) -> str:
        return {"official_reply": "Official reply",
                "district_statement": "District statement"}[self.value]


class PublishedText(Base):
    """One release of such a text: the words as published, the policy checks run on them, the
    reasons given for their warnings, and the sergeant's review.

    Rows are added, never rewritten (a changed statement is a new row); only the review is set
    later, once.
    """

    __tablename__ = "published_texts"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(PublishedTextKind)})", name="kind_known"),
        CheckConstraint("kind <> 'official_reply' OR comment_id IS NOT NULL",
                        name="reply_names_comment"),
        CheckConstraint("(reviewed_at IS NULL) = (reviewed_by_id IS NULL)",
                        name="review_recorded"),
        # The sergeant's review: a district's unreviewed texts, oldest first.
        Index("ix_published_texts_review", "district_id", "reviewed_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PublishedTextKind] = mapped_column(StrEnumType(PublishedTextKind))
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{"rule", "title", "reason", "user_id", "at"}]: one per warning rule, given on release.
    acknowledgements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    district = relationship("District")
    comment = relationship("Comment")
    author = relationship("User", foreign_keys=[author_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])

    @property
    def acknowledged(self) -> dict[str, dict[str, Any]]:
        return {a["rule"]: a for a in self.acknowledgements or []}

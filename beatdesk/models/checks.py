"""Admin-added phrases that extend the policy checks' built-in word lists."""
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, now_utc
from .people import User


class CheckTerm(Base):
    """One phrase an administrator added to a check's word list.

    Terms are deactivated, never deleted, so a past finding can always be traced to its term.
    A partial unique index keeps one active row per rule and phrase.
    """

    __tablename__ = "check_terms"
    __table_args__ = (
        CheckConstraint("length(phrase) > 0", name="phrase_not_empty"),
        CheckConstraint("(active AND deactivated_at IS NULL) OR "
                        "(NOT active AND deactivated_at IS NOT NULL)", name="deactivation_recorded"),
        Index("uq_check_terms_active_phrase", "rule", "phrase", unique=True,
              sqlite_where=text("active"), postgresql_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(40), index=True)
    phrase: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    deactivated_by: Mapped[User | None] = relationship(foreign_keys=[deactivated_by_id])

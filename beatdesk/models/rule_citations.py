"""The department's own directive and section for each check rule."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, now_utc
from .people import User


class RuleCitation(Base):
    """What findings of one rule cite first: the department's directive (empty: the department's
    directive name) and section. One row per rule code; every change is in the audit log."""

    __tablename__ = "rule_citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(40), unique=True)
    directive_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    section: Mapped[str] = mapped_column(String(100), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    updated_by: Mapped[User] = relationship(foreign_keys=[updated_by_id])

"""The requester portal: how a request filed on the public site is reached and answered, and
the messages between the records officer and the requester."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in
from .people import User
from .records import RecordsRequest


class Delivery(StrEnum):
    """How the requester wants to receive the records."""

    EMAIL = "email"
    PICKUP = "pickup"
    MAIL = "mail"

    @property
    def label(self) -> str:
        return {"email": "By e-mail", "pickup": "Pick up at the department",
                "mail": "By postal mail"}[self.value]


class MessageSender(StrEnum):
    OFFICER = "officer"
    REQUESTER = "requester"

    @property
    def label(self) -> str:
        return {"officer": "Records officer", "requester": "Requester"}[self.value]


class PortalAccess(Base):
    """A request filed on the public site: the requester's e-mail and postal address, how they
    want the records, and the hash of the private tracking token (never the token itself)."""

    __tablename__ = "records_portal_access"
    __table_args__ = (
        CheckConstraint(f"delivery IN ({sql_in(Delivery)})", name="delivery_known"),
        CheckConstraint("delivery <> 'mail' OR postal_address <> ''", name="mail_has_address"),
    )

    request_id: Mapped[int] = mapped_column(ForeignKey("records_requests.id"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    postal_address: Mapped[str] = mapped_column(Text, default="")
    delivery: Mapped[Delivery] = mapped_column(StrEnumType(Delivery))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    request: Mapped[RecordsRequest] = relationship()


class RequestMessage(Base):
    """One message about a request, from the records officer or from the requester."""

    __tablename__ = "records_request_messages"
    __table_args__ = (
        CheckConstraint(f"sender IN ({sql_in(MessageSender)})", name="sender_known"),
        CheckConstraint("sender <> 'officer' OR actor_id IS NOT NULL", name="officer_named"),
        Index("ix_records_request_messages_request", "request_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_requests.id"))
    sender: Mapped[MessageSender] = mapped_column(StrEnumType(MessageSender))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    actor: Mapped[User | None] = relationship()

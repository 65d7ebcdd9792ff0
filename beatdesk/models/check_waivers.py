"""Recorded permissions that allow a blocking finding: News Affairs exceptions, employees'
consent, image permissions.

One table holds every record, never changed once written: a permission (``granted``), its
revocation (``revoked``, pointing at the permission it ends) and an author's request for a News
Affairs exception (``requested``). A record names the post and the exact finding it is about:
the rule and the quoted words, or for an image, the media asset on that post.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in


# The values of ``beatdesk.checks.findings.WaiverKind`` (not imported: the checks package
# imports the models).
WAIVER_KINDS = ("employee_consent", "image_permission", "news_affairs")


class WaiverAction(StrEnum):
    GRANTED = "granted"      # the permission itself
    REVOKED = "revoked"      # ends the permission ``revokes_id`` names
    REQUESTED = "requested"  # the author asks News Affairs for an exception


class ConsentMethod(StrEnum):
    WRITING = "writing"
    EMAIL = "email"
    SIGNED_FORM = "signed_form"

    @property
    def label(self) -> str:
        return CONSENT_METHOD_LABELS[self]


CONSENT_METHOD_LABELS = {
    ConsentMethod.WRITING: "In writing",
    ConsentMethod.EMAIL: "By e-mail",
    ConsentMethod.SIGNED_FORM: "Signed consent form",
}


class CheckWaiver(Base):
    """One record about a permission for one finding of one post (see the module docstring)."""

    __tablename__ = "check_waivers"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(WAIVER_KINDS)})", name="kind"),
        CheckConstraint(f"action IN ({sql_in(WaiverAction)})", name="action"),
        CheckConstraint("reason <> ''", name="reason_given"),
        CheckConstraint("quote <> ''", name="quote_given"),
        CheckConstraint("(action = 'revoked') = (revokes_id IS NOT NULL)", name="revocation"),
        Index("ix_check_waivers_post_kind", "post_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    kind: Mapped[str] = mapped_column(String(32))
    action: Mapped[WaiverAction] = mapped_column(StrEnumType(WaiverAction),
                                                 default=WaiverAction.GRANTED)
    rule: Mapped[str] = mapped_column(String(60))
    # The quoted words of a text finding, or the media asset id of an image, as a string.
    quote: Mapped[str] = mapped_column(String(1000))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("media_assets.id"))
    reason: Mapped[str] = mapped_column(Text)
    # Image permission: who granted it (name and rank). Consent: the employee's name.
    granted_by: Mapped[str] = mapped_column(String(200), default="")
    employee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    consent_method: Mapped[str] = mapped_column(String(32), default="")
    granted_on: Mapped[date | None] = mapped_column(Date)  # date of the written word
    revokes_id: Mapped[int | None] = mapped_column(ForeignKey("check_waivers.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    post = relationship("Post")
    asset = relationship("MediaAsset")
    employee_user = relationship("User", foreign_keys=[employee_user_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    revokes = relationship("CheckWaiver", remote_side=[id])


@event.listens_for(CheckWaiver, "before_update")
def _never_changed(mapper, connection, target) -> None:
    raise ValueError("A recorded permission is never changed; record a revocation instead.")

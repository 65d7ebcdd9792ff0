"""Posts, their immutable revisions and everything that happens to them on the way to the public."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in


class Category(StrEnum):
    COMMUNITY_ALERT = "community_alert"
    CRIME_PREVENTION_TIP = "crime_prevention_tip"
    SUCCESS_STORY = "success_story"
    COMMUNITY_EVENT = "community_event"
    BEAT_MEETING = "beat_meeting"
    ROAD_CLOSURE = "road_closure"
    SPECIAL_EVENT = "special_event"
    WEATHER_EMERGENCY = "weather_emergency"
    MISSING_PERSON = "missing_person"
    WANTED_PERSON = "wanted_person"
    RECRUITMENT = "recruitment"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.COMMUNITY_ALERT: "Community alert",
    Category.CRIME_PREVENTION_TIP: "Crime prevention tip",
    Category.SUCCESS_STORY: "Success story",
    Category.COMMUNITY_EVENT: "Community event",
    Category.BEAT_MEETING: "Beat meeting",
    Category.ROAD_CLOSURE: "Road closure",
    Category.SPECIAL_EVENT: "Special event",
    Category.WEATHER_EMERGENCY: "Weather emergency",
    Category.MISSING_PERSON: "Missing or endangered person",
    Category.WANTED_PERSON: "Wanted person / tip request",
    Category.RECRUITMENT: "Recruitment",
}

# Deerfield D.a: pertinent and time-sensitive items may be posted at once.
TIME_SENSITIVE = frozenset({Category.ROAD_CLOSURE, Category.WEATHER_EMERGENCY,
                            Category.MISSING_PERSON})


class PostState(StrEnum):
    DRAFT = "draft"
    CHECKED = "checked"
    AWAITING_SERGEANT = "awaiting_sergeant"
    AWAITING_NEWS_AFFAIRS = "awaiting_news_affairs"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    HELD = "held"
    PUBLISHED = "published"
    DISCONTINUED = "discontinued"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize().replace("news affairs", "News Affairs")


class InquiryState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Post(Base):
    """A district's post. Its text lives in revisions; ``current_revision`` is the latest."""

    __tablename__ = "posts"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_in(PostState)})", name="state_known"),
        CheckConstraint(f"category IN ({sql_in(Category)})", name="category_known"),
        # A notable post reaches approval, a schedule or the public only with its current
        # revision approved by News Affairs (Chicago Twitter IV.A.1).
        CheckConstraint("NOT notable OR state NOT IN ('approved', 'scheduled', 'published') "
                        "OR (approved_revision_id IS NOT NULL AND current_revision_id IS NOT NULL "
                        "AND approved_revision_id = current_revision_id)",
                        name="notable_needs_current_approval"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> author_id",
                        name="no_self_approval"),
        CheckConstraint("state <> 'published' OR published_at IS NOT NULL",
                        name="published_has_time"),
        CheckConstraint("state <> 'scheduled' OR scheduled_for IS NOT NULL",
                        name="scheduled_has_time"),
        CheckConstraint("state <> 'discontinued' OR (discontinued_at IS NOT NULL "
                        "AND discontinued_by_id IS NOT NULL AND discontinue_reason <> '')",
                        name="discontinued_recorded"),
        Index("ix_posts_public", "district_id", "state", "published_at"),
        Index("ix_posts_state_published", "state", "published_at"),
        Index("ix_posts_review", "district_id", "state", "reviewed_at"),
        # The sergeant's review queue: a district's unreviewed posts, oldest published first.
        Index("ix_posts_unreviewed", "district_id", "published_at", "id",
              sqlite_where=text("reviewed_at IS NULL"), postgresql_where=text("reviewed_at IS NULL")),
        Index("ix_posts_district_updated", "district_id", "updated_at"),
        Index("ix_posts_updated", "updated_at"),
        # Time-bound posts (Chicago Twitter V.B.2): the sergeant's "past its date" list.
        Index("ix_posts_valid_until", "district_id", "state", "valid_until"),
        CheckConstraint("resolved_at IS NULL OR (resolved_by_id IS NOT NULL "
                        "AND resolved_note <> '')", name="resolved_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    category: Mapped[Category] = mapped_column(StrEnumType(Category))
    state: Mapped[PostState] = mapped_column(StrEnumType(PostState),
                                             default=PostState.DRAFT)
    notable: Mapped[bool] = mapped_column(Boolean, default=False)
    sergeant_review_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    current_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("post_revisions.id", use_alter=True, name="fk_posts_current_revision_id"))
    approved_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("post_revisions.id", use_alter=True, name="fk_posts_approved_revision_id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    discontinued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    discontinued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    discontinue_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # When a time-bound post stops being true (an end date) or must be checked again (a review
    # date, for missing and wanted notices): beatdesk.post_validity.
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A missing-person or wanted notice marked resolved: its images come down everywhere.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    version: Mapped[int] = mapped_column(Integer, default=1)

    district = relationship("District", lazy="joined", innerjoin=True)
    author = relationship("User", foreign_keys=[author_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])
    discontinued_by = relationship("User", foreign_keys=[discontinued_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
    current_revision: Mapped[PostRevision | None] = relationship(
        foreign_keys=[current_revision_id], post_update=True)
    approved_revision: Mapped[PostRevision | None] = relationship(
        foreign_keys=[approved_revision_id], post_update=True)

    # Optimistic locking: two people acting on the same post can't overwrite each other.
    __mapper_args__ = {"version_id_col": version}

    @property
    def approval_current(self) -> bool:
        return (self.approved_revision_id is not None
                and self.approved_revision_id == self.current_revision_id)

    @property
    def is_public(self) -> bool:
        return self.state == PostState.PUBLISHED and (not self.notable or self.approval_current)


class PostRevision(Base):
    """One immutable version of a post's content, with the checks run on it."""

    __tablename__ = "post_revisions"
    __table_args__ = (
        UniqueConstraint("post_id", "number"),
        CheckConstraint(f"category IN ({sql_in(Category)})", name="category_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    category: Mapped[Category] = mapped_column(StrEnumType(Category))
    body: Mapped[str] = mapped_column(Text)
    notable_marked: Mapped[bool] = mapped_column(Boolean, default=False)
    notable_forced: Mapped[bool] = mapped_column(Boolean, default=False)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    post: Mapped[Post] = relationship(foreign_keys=[post_id])
    created_by = relationship("User")
    images: Mapped[list[RevisionImage]] = relationship(
        order_by="RevisionImage.position", back_populates="revision")
    acknowledgements: Mapped[list[Acknowledgement]] = relationship(
        order_by="Acknowledgement.id", back_populates="revision")

    @property
    def notable(self) -> bool:
        return self.notable_marked or self.notable_forced


class MediaAsset(Base):
    """A verified, re-encoded image file (content-addressed in the media store)."""

    __tablename__ = "media_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(80))
    mime: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class RevisionImage(Base):
    """An image as one revision presents it: alt text, credit and the uploader's attestation."""

    __tablename__ = "revision_images"
    __table_args__ = (UniqueConstraint("revision_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("post_revisions.id"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("media_assets.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    alt_text: Mapped[str] = mapped_column(Text, default="")
    credit: Mapped[str] = mapped_column(String(500), default="")
    attested: Mapped[bool] = mapped_column(Boolean, default=False)
    attested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    revision: Mapped[PostRevision] = relationship(back_populates="images")
    asset: Mapped[MediaAsset] = relationship(lazy="joined", innerjoin=True)


class Acknowledgement(Base):
    """An author's reasoned acknowledgement of a warning on one revision."""

    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("revision_id", "rule"),
                      CheckConstraint("reason <> ''", name="reason_given"))

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("post_revisions.id"), index=True)
    rule: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    revision: Mapped[PostRevision] = relationship(back_populates="acknowledgements")
    user = relationship("User")


class PostEvent(Base):
    """The post's timeline: who did what, when, to which revision."""

    __tablename__ = "post_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("post_revisions.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    actor = relationship("User")
    revision = relationship("PostRevision")


class MediaInquiry(Base):
    """A media inquiry about a posting, routed to News Affairs (Chicago Twitter IV.A.2)."""

    __tablename__ = "media_inquiries"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_in(InquiryState)})", name="state_known"),
        CheckConstraint("state <> 'closed' OR (responded_at IS NOT NULL AND response <> '')",
                        name="closed_has_response"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)
    outlet: Mapped[str] = mapped_column(String(200))
    reporter: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(300))
    question: Mapped[str] = mapped_column(Text)
    state: Mapped[InquiryState] = mapped_column(StrEnumType(InquiryState),
                                                default=InquiryState.OPEN, index=True)
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    response: Mapped[str] = mapped_column(Text, default="")
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    district = relationship("District")
    post = relationship("Post")
    logged_by = relationship("User", foreign_keys=[logged_by_id])
    responded_by = relationship("User", foreign_keys=[responded_by_id])

    __mapper_args__ = {"version_id_col": version}

"""Visitor comments, their screening flags, every moderation action, blocks and keyword lists.

Nothing here is ever deleted: moderation changes a comment's state and appends a
``ModerationAction`` saying who, when and why; a block is lifted, not removed.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, false,
                        text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in


class CommentState(StrEnum):
    HELD = "held"          # waiting for a moderator (pre-moderation or held by screening)
    VISIBLE = "visible"    # shown on the public page
    HIDDEN = "hidden"      # taken out of public view, citing a clause, without a placeholder
    REMOVED = "removed"    # replaced publicly by a placeholder naming the clause

    @property
    def label(self) -> str:
        return {"held": "Held for review", "visible": "Visible", "hidden": "Hidden",
                "removed": "Removed"}[self.value]


class ModerationKind(StrEnum):
    SUBMITTED = "submitted"
    APPROVE = "approve"
    HIDE = "hide"
    REMOVE = "remove"
    RESTORE = "restore"
    NOTE = "note"
    REPLY = "reply"
    BLOCK = "block"
    UNBLOCK = "unblock"

    @property
    def label(self) -> str:
        return {"submitted": "Submitted", "approve": "Approved", "hide": "Hidden",
                "remove": "Removed", "restore": "Restored", "note": "Note",
                "reply": "Official reply", "block": "Commenter blocked",
                "unblock": "Block lifted"}[self.value]


class KeywordAction(StrEnum):
    HOLD = "hold"  # the comment waits for a moderator
    FLAG = "flag"  # the comment follows the district's mode, marked for a moderator's attention

    @property
    def label(self) -> str:
        return {"hold": "Hold for review", "flag": "Flag only"}[self.value]


class Comment(Base):
    """A visitor's comment on a published post, or the district's official reply to one."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_in(CommentState)})", name="state_known"),
        CheckConstraint("body <> ''", name="body_present"),
        CheckConstraint("author_name <> ''", name="name_present"),
        # A removed or hidden comment always says which clause took it down, and when.
        CheckConstraint("state NOT IN ('removed', 'hidden') OR (clause_number <> '' "
                        "AND handled_at IS NOT NULL)", name="takedown_cites_clause"),
        CheckConstraint("NOT official OR (parent_id IS NOT NULL AND staff_author_id IS NOT NULL)",
                        name="official_reply_recorded"),
        # The moderation queue: newest first, by district and/or state (DESIGN.md section 8).
        # Each ends in the queue's whole order (created_at DESC, id DESC), so a page is a walk.
        Index("ix_comments_queue", "district_id", "state", "created_at", "id"),
        Index("ix_comments_state_created", "state", "created_at", "id"),
        Index("ix_comments_district_created", "district_id", "created_at", "id"),
        Index("ix_comments_created", "created_at", "id"),
        # The same over the few flagged comments (the queue's flag filters).
        *(Index(name, *columns, sqlite_where=text("flagged = 1"),
                postgresql_where=text("flagged"))
          for name, columns in (
              ("ix_comments_flagged_queue", ("district_id", "state", "created_at", "id")),
              ("ix_comments_flagged_state", ("state", "created_at", "id")),
              ("ix_comments_flagged_district", ("district_id", "created_at", "id")),
              ("ix_comments_flagged_created", ("created_at", "id")))),
        Index("ix_comments_public", "post_id", "state", "created_at"),
        # The sergeant's count of visitors' comments held in the district (every console page's
        # navigation): answered from the index alone, without reading the comments.
        Index("ix_comments_district_state_official", "district_id", "state", "official"),
        # A reply captured from a platform is stored once, whatever the polling does.
        Index("ux_comments_platform_id", "source_platform", "platform_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    # The post's district, kept on the row so the moderation queue filters on one index.
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    author_name: Mapped[str] = mapped_column(String(80))
    author_email: Mapped[str] = mapped_column(String(254), default="")  # never shown publicly
    body: Mapped[str] = mapped_column(Text)
    # The Terms of Service version number the visitor accepted (0 for official replies).
    terms_version: Mapped[int] = mapped_column(Integer, default=0)
    client_addr: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[CommentState] = mapped_column(StrEnumType(CommentState))
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    staff_author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Snapshot of the clause behind the latest takedown (the public placeholder names it).
    clause_number: Mapped[str] = mapped_column(String(20), default="")
    clause_title: Mapped[str] = mapped_column(String(200), default="")
    clause_terms_version: Mapped[int | None] = mapped_column(Integer)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # A reply, mention or quote captured from a platform ('' for Beatdesk's own form).
    source_platform: Mapped[str] = mapped_column(String(16), default="")
    platform_id: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("platform_accounts.id"))
    author_handle: Mapped[str] = mapped_column(String(200), default="")
    author_ref: Mapped[str] = mapped_column(String(200), default="")  # platform's user id
    platform_url: Mapped[str] = mapped_column(String(500), default="")
    platform_kind: Mapped[str] = mapped_column(String(16), default="")  # reply, mention, quote
    platform_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    platform_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    platform_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set by the database when the comment's first screening flag is stored (migration 0011's
    # trigger), so the queue's flag filters walk a partial index instead of probing every row.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Bumped by every moderation change; a moderator's action names the version they saw.
    version: Mapped[int] = mapped_column(Integer, default=1)

    post = relationship("Post")
    district = relationship("District")
    handled_by = relationship("User", foreign_keys=[handled_by_id])
    account = relationship("PlatformAccount")
    staff_author = relationship("User", foreign_keys=[staff_author_id])
    flags: Mapped[list[CommentFlag]] = relationship(order_by="CommentFlag.id",
                                                    back_populates="comment")

    @property
    def is_public(self) -> bool:
        return self.state == CommentState.VISIBLE

    @property
    def holding_flags(self) -> list[CommentFlag]:
        return [flag for flag in self.flags if flag.holds]


class CommentFlag(Base):
    """One reason screening gave for holding or flagging a comment."""

    __tablename__ = "comment_flags"
    __table_args__ = (Index("ix_comment_flags_rule", "rule", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(300))
    quote: Mapped[str] = mapped_column(String(300), default="")
    holds: Mapped[bool] = mapped_column(Boolean, default=True)

    comment: Mapped[Comment] = relationship(back_populates="flags")


class ModerationAction(Base):
    """One thing that happened to a comment: who, when, which transition and why."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(ModerationKind)})", name="kind_known"),
        CheckConstraint("kind NOT IN ('hide', 'remove') OR clause_number <> ''",
                        name="takedown_cites_clause"),
        Index("ix_moderation_actions_report", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    kind: Mapped[ModerationKind] = mapped_column(StrEnumType(ModerationKind))
    from_state: Mapped[str] = mapped_column(String(20), default="")
    to_state: Mapped[str] = mapped_column(String(20), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    clause_number: Mapped[str] = mapped_column(String(20), default="")
    clause_title: Mapped[str] = mapped_column(String(200), default="")
    terms_version: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    actor = relationship("User")


class CommenterBlock(Base):
    """A moderator's block of a commenter by e-mail address and/or network, until it expires."""

    __tablename__ = "commenter_blocks"
    __table_args__ = (
        CheckConstraint("email <> '' OR network <> ''", name="blocks_something"),
        CheckConstraint("(lifted_at IS NULL) = (lifted_by_id IS NULL)", name="lift_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), default="", index=True)  # lower-case
    network: Mapped[str] = mapped_column(String(50), default="")  # CIDR, e.g. 203.0.113.0/24
    reason: Mapped[str] = mapped_column(Text)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by = relationship("User", foreign_keys=[created_by_id])
    lifted_by = relationship("User", foreign_keys=[lifted_by_id])
    district = relationship("District")


class ScreeningKeyword(Base):
    """An administrator's word or phrase that holds or flags a comment containing it."""

    __tablename__ = "screening_keywords"
    __table_args__ = (
        CheckConstraint(f"action IN ({sql_in(KeywordAction)})", name="action_known"),
        CheckConstraint("phrase <> ''", name="phrase_present"),
        CheckConstraint("active OR (deactivated_at IS NOT NULL AND deactivated_by_id IS NOT NULL)",
                        name="deactivation_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(String(200))
    action: Mapped[KeywordAction] = mapped_column(StrEnumType(KeywordAction))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deactivated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by = relationship("User", foreign_keys=[created_by_id])

"""Approvals of the department's outlets: district pages and platform accounts.

The directives have each official outlet approved by a named authority (Detroit 102.8 4.3: the
Chief of Police; Chicago, Use of Social Media Outlets IV.A.1: the Superintendent; Deerfield B.a;
Massachusetts IV.A.1-2). The department records its authority's title and the person holding
it (``OutletAuthority``, every change kept) and the delegates who may approve for them
(``OutletDelegation``: from when, until when, or revoked). Each outlet (``Outlet``) keeps every
version of what was approved (``OutletVersion``: handle or address, statement of purpose,
contact details) and every approval (``OutletApproval``). The database itself refuses an
approval by the person who created the outlet or made the version approved.
"""
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (JSON, CheckConstraint, ForeignKey, ForeignKeyConstraint, Index, Integer,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in


class OutletKind(StrEnum):
    DISTRICT = "district"   # a district's public page (and the handles it lists)
    ACCOUNT = "account"     # a connected platform account

    @property
    def label(self) -> str:
        return {"district": "District page", "account": "Platform account"}[self.value]


class OutletAuthority(Base):
    """Who approves outlets: the title the directive names and the person holding it. The
    newest row is the current one; earlier rows are the history."""

    __tablename__ = "outlet_authorities"
    __table_args__ = (
        CheckConstraint("title <> ''", name="title_present"),
        # An administrator never names themselves the approving authority.
        CheckConstraint("user_id <> recorded_by_id", name="not_self_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    user = relationship("User", foreign_keys=[user_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])


class OutletDelegation(Base):
    """A user who may approve outlets for the authority, from ``starts_at`` until ``ends_at``
    (none: until revoked), unless revoked."""

    __tablename__ = "outlet_delegations"
    __table_args__ = (
        CheckConstraint("approving_as <> ''", name="approving_as_present"),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("(revoked_at IS NULL) = (revoked_by_id IS NULL)",
                        name="revocation_recorded"),
        CheckConstraint("revoked_at IS NULL OR revoke_reason <> ''", name="revocation_has_reason"),
        CheckConstraint("user_id <> recorded_by_id", name="not_self_delegated"),
        Index("ix_outlet_delegations_user", "user_id", "revoked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approving_as: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User", foreign_keys=[user_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    def active_at(self, when: datetime) -> bool:
        return (self.revoked_at is None and self.starts_at <= when
                and (self.ends_at is None or when < self.ends_at))


class Outlet(Base):
    """One district page or platform account, with its current and last approved version
    numbers (awaiting approval when they differ)."""

    __tablename__ = "outlets"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(OutletKind)})", name="kind_known"),
        CheckConstraint("(kind = 'district') = (district_id IS NOT NULL)", name="district_named"),
        CheckConstraint("(kind = 'account') = (account_id IS NOT NULL)", name="account_named"),
        CheckConstraint("current_number >= 1", name="has_version"),
        CheckConstraint("approved_number IS NULL OR approved_number <= current_number",
                        name="approved_is_a_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutletKind] = mapped_column(StrEnumType(OutletKind))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("platform_accounts.id"),
                                                   unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    current_number: Mapped[int] = mapped_column(Integer, default=1)
    approved_number: Mapped[int | None] = mapped_column(Integer)

    district = relationship("District")
    account = relationship("PlatformAccount")
    created_by = relationship("User", foreign_keys=[created_by_id])
    versions: Mapped[list["OutletVersion"]] = relationship(
        order_by="OutletVersion.number", back_populates="outlet")

    @property
    def awaiting_approval(self) -> bool:
        return self.approved_number != self.current_number

    @property
    def label(self) -> str:
        if self.kind == OutletKind.DISTRICT and self.district is not None:
            return f"{self.district.label} page"
        if self.account is not None:
            return self.account.label
        return f"Outlet #{self.id}"


class OutletVersion(Base):
    """What one version of an outlet says: its fields, the change from the version before,
    who made it and who created the outlet (the two people who may not approve it)."""

    __tablename__ = "outlet_versions"
    __table_args__ = (
        UniqueConstraint("outlet_id", "number", name="uq_outlet_versions_number"),
        # The key an approval names, so the database can compare the approver with both people.
        UniqueConstraint("id", "changed_by_id", "created_by_id",
                         name="uq_outlet_versions_authors"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlets.id"))
    number: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fingerprint: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    outlet: Mapped[Outlet] = relationship(back_populates="versions")
    changed_by = relationship("User", foreign_keys=[changed_by_id])
    approvals: Mapped[list["OutletApproval"]] = relationship(
        back_populates="version", order_by="OutletApproval.id",
        primaryjoin="OutletVersion.id == foreign(OutletApproval.version_id)", viewonly=True)


class OutletApproval(Base):
    """An approval of one version of an outlet, by the authority or a delegate."""

    __tablename__ = "outlet_approvals"
    __table_args__ = (
        UniqueConstraint("version_id", name="uq_outlet_approvals_version_id"),
        ForeignKeyConstraint(
            ["version_id", "version_changed_by_id", "outlet_created_by_id"],
            ["outlet_versions.id", "outlet_versions.changed_by_id",
             "outlet_versions.created_by_id"],
            name="fk_outlet_approvals_version_authors"),
        CheckConstraint("approver_id <> version_changed_by_id", name="not_by_its_author"),
        CheckConstraint("approver_id <> outlet_created_by_id", name="not_by_its_creator"),
        CheckConstraint("(authority_id IS NULL) <> (delegation_id IS NULL)", name="capacity_named"),
        CheckConstraint("approving_as <> ''", name="approving_as_present"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("outlet_versions.id"))
    version_changed_by_id: Mapped[int | None] = mapped_column(Integer)
    outlet_created_by_id: Mapped[int | None] = mapped_column(Integer)
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("outlet_authorities.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("outlet_delegations.id"))
    approving_as: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    version: Mapped[OutletVersion] = relationship(
        foreign_keys=[version_id], primaryjoin="OutletApproval.version_id == OutletVersion.id")
    approver = relationship("User", foreign_keys=[approver_id])
    delegation = relationship("OutletDelegation")
    authority = relationship("OutletAuthority")

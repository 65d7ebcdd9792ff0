"""The archive chain, saved searches, retention schedules, legal holds and disposition runs.

Archive records are append-only: the database refuses DELETE, and refuses every UPDATE except the
one a disposition makes (content replaced by a tombstone, search text emptied, ``disposed_at`` and
``disposition_run_id`` set), which must leave every hashed column as it was.

Full-text search needs schema the models do not describe, created per dialect by migration 0005:
on SQLite a contentless FTS5 table ``archive_records_fts`` (kept in sync by triggers), on
PostgreSQL a generated ``search_vector`` tsvector column with a GIN index. They are listed in
``Base.metadata.info["unmodelled"]`` so the migration test leaves them out of its comparison.
"""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, StrEnumType, UTCDateTime, now_utc, sql_in
from .organisation import District
from .people import User

# The link the first record points back to.
GENESIS_HASH = "0" * 64

Base.metadata.info.setdefault("unmodelled", set()).update({
    "archive_records_fts", "archive_records_fts_data", "archive_records_fts_idx",
    "archive_records_fts_docsize", "archive_records_fts_config",
    "archive_records.search_vector", "ix_archive_records_search_vector",
    # PostgreSQL only (migration 0012d): GIN (search_vector, district_id) and the covering
    # (district_id, id) INCLUDE (search_vector)
    "ix_archive_records_search_district", "ix_archive_records_district_recent",
})


class ArchiveRecord(Base):
    """One link of the chain. ``id`` is the position in the chain (1, 2, 3, ... without gaps)."""

    __tablename__ = "archive_records"
    __table_args__ = (
        Index("ix_archive_records_object", "object_id", "record_type"),
        CheckConstraint("(disposed_at IS NULL) = (disposition_run_id IS NULL)",
                        name="disposal_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    record_type: Mapped[str] = mapped_column(String(80), index=True)
    object_id: Mapped[str] = mapped_column(String(80))
    district_id: Mapped[int | None] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The actor's log-on ID at the time, kept whatever happens to the account later.
    actor_label: Mapped[str] = mapped_column(String(120), default="", index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The object's state when recorded (e.g. "discontinued", "removed"), from content["state"].
    state: Mapped[str] = mapped_column(String(40), default="", index=True)
    # Canonical JSON (sorted keys, UTF-8); a tombstone once disposed of.
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The words of the content, for the full-text index; emptied by a disposition.
    search_text: Mapped[str] = mapped_column(Text, default="")
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disposition_run_id: Mapped[int | None] = mapped_column(ForeignKey("disposition_runs.id"))

    actor: Mapped[User | None] = relationship()

    @property
    def family(self) -> str:
        """The record type's first part: "post" for "post.revision"."""
        return self.record_type.split(".", 1)[0]

    @property
    def disposed(self) -> bool:
        return self.disposed_at is not None


class ArchiveHead(Base):
    """One row naming the newest record; appends lock it, and verify checks nothing follows."""

    __tablename__ = "archive_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(default=0)
    record_hash: Mapped[str] = mapped_column(String(64))


class ArchiveCheckpoint(Base):
    """A signed statement of the chain's head at one moment, kept outside the table it protects.

    The signature (Ed25519, the archive key of ``beatdesk.checkpoints``) covers the position,
    hash, count and time; the same statement is published on the public site and in the feeds,
    so an outside party's copy proves what the chain held even if these rows are deleted.
    """

    __tablename__ = "archive_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(index=True)
    record_hash: Mapped[str] = mapped_column(String(64))
    record_count: Mapped[int]
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200))


class SavedSearch(Base):
    """A named archive search; ``request_id`` ties it to a public records request."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    request_id: Mapped[int | None] = mapped_column(index=True)

    owner: Mapped[User] = relationship()


class PeriodUnit(StrEnum):
    DAYS = "days"
    YEARS = "years"


ACTIVE_SCHEDULE = text("retired_at IS NULL")


class RetentionSchedule(Base):
    """How long records of a type (or type family, e.g. "comment") are kept, and on whose authority."""

    __tablename__ = "retention_schedules"
    __table_args__ = (
        CheckConstraint("period_amount > 0", name="period_positive"),
        CheckConstraint(f"period_unit IN ({sql_in(PeriodUnit)})", name="period_unit"),
        CheckConstraint("(retired_at IS NULL) = (retired_by_id IS NULL)", name="retirement_recorded"),
        Index("uq_retention_schedules_active_type", "record_type", unique=True,
              sqlite_where=ACTIVE_SCHEDULE, postgresql_where=ACTIVE_SCHEDULE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(80))
    period_amount: Mapped[int]
    period_unit: Mapped[PeriodUnit] = mapped_column(StrEnumType(PeriodUnit))
    authority: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    retired_by: Mapped[User | None] = relationship(foreign_keys=[retired_by_id])

    @property
    def active(self) -> bool:
        return self.retired_at is None

    @property
    def period_label(self) -> str:
        unit = self.period_unit.value
        return f"{self.period_amount} {unit[:-1] if self.period_amount == 1 else unit}"


class LegalHold(Base):
    """Freezes every record matching its scope (all given parts at once) while active."""

    __tablename__ = "legal_holds"
    __table_args__ = (
        CheckConstraint("(released_at IS NULL) = (released_by_id IS NULL)", name="release_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(1000))
    case_number: Mapped[str] = mapped_column(String(80))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    record_type: Mapped[str] = mapped_column(String(80), default="")
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    saved_search_id: Mapped[int | None] = mapped_column(ForeignKey("saved_searches.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    release_reason: Mapped[str] = mapped_column(String(500), default="")

    district: Mapped[District | None] = relationship()
    saved_search: Mapped[SavedSearch | None] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])

    @property
    def active(self) -> bool:
        return self.released_at is None


class DispositionState(StrEnum):
    PROPOSED = "proposed"
    EXECUTED = "executed"
    CANCELLED = "cancelled"


class DispositionRun(Base):
    """A proposed list of expired records; a second person's approval disposes of them."""

    __tablename__ = "disposition_runs"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_in(DispositionState)})", name="state"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> proposed_by_id",
                        name="second_person_approves"),
        CheckConstraint("(state = 'executed') = (approved_at IS NOT NULL AND approved_by_id IS NOT NULL)",
                        name="approval_recorded"),
        CheckConstraint("(state = 'cancelled') = (cancelled_at IS NOT NULL AND cancelled_by_id IS NOT NULL)",
                        name="cancellation_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[DispositionState] = mapped_column(StrEnumType(DispositionState),
                                                    default=DispositionState.PROPOSED)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The archive record holding the disposition certificate (plain integer: the archive is
    # written after the run, and the run must not depend on it to exist).
    certificate_record_id: Mapped[int | None]
    disposed_count: Mapped[int] = mapped_column(default=0)

    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])


class ItemOutcome(StrEnum):
    PENDING = "pending"
    DISPOSED = "disposed"
    HELD = "held"  # a hold placed after the proposal froze it: kept
    RETAINED = "retained"  # no longer past retention at execution (schedule retired or changed)


class DispositionItem(Base):
    """One record a run lists, the schedule it expired under, and what became of it."""

    __tablename__ = "disposition_items"
    __table_args__ = (
        UniqueConstraint("run_id", "record_id", name="uq_disposition_items_run_record"),
        CheckConstraint(f"outcome IN ({sql_in(ItemOutcome)})", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("disposition_runs.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("archive_records.id"), index=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("retention_schedules.id"))
    outcome: Mapped[ItemOutcome] = mapped_column(StrEnumType(ItemOutcome),
                                                 default=ItemOutcome.PENDING)

    record: Mapped[ArchiveRecord] = relationship()
    schedule: Mapped[RetentionSchedule] = relationship()

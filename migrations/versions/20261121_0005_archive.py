"""Archive chain, full-text search, retention schedules, legal holds and dispositions.

The archive is append-only at the database: DELETE is refused, and UPDATE is refused unless it is
a disposition (content replaced by a tombstone that names the kept content hash, search text
emptied, disposed_at and disposition_run_id set once), leaving every hashed column unchanged.

Full-text search per dialect: SQLite gets a contentless FTS5 table of ``search_text`` (and filter
tokens, see FACETS) kept in sync by triggers; PostgreSQL a generated tsvector column with a GIN
index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
ACTIVE_SCHEDULE = sa.text("retired_at IS NULL")

# Columns a disposition must leave as they were (the chain hashes cover them).
KEPT_BY_DISPOSAL = ("id", "record_type", "object_id", "district_id", "actor_id", "actor_label",
                    "recorded_at", "state", "content_hash", "prev_hash", "record_hash")


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, UTC_TIME, nullable=nullable)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"

    op.create_table(
        "disposition_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        _time("proposed_at"),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        _time("approved_at", nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        _time("cancelled_at", nullable=True),
        sa.Column("certificate_record_id", sa.Integer(), nullable=True),
        sa.Column("disposed_count", sa.Integer(), nullable=False),
        sa.CheckConstraint("state IN ('cancelled', 'executed', 'proposed')",
                           name="ck_disposition_runs_state"),
        sa.CheckConstraint("approved_by_id IS NULL OR approved_by_id <> proposed_by_id",
                           name="ck_disposition_runs_second_person_approves"),
        sa.CheckConstraint(
            "(state = 'executed') = (approved_at IS NOT NULL AND approved_by_id IS NOT NULL)",
            name="ck_disposition_runs_approval_recorded"),
        sa.CheckConstraint(
            "(state = 'cancelled') = (cancelled_at IS NOT NULL AND cancelled_by_id IS NOT NULL)",
            name="ck_disposition_runs_cancellation_recorded"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"],
                                name="fk_disposition_runs_proposed_by_id_users"),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"],
                                name="fk_disposition_runs_approved_by_id_users"),
        sa.ForeignKeyConstraint(["cancelled_by_id"], ["users.id"],
                                name="fk_disposition_runs_cancelled_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_disposition_runs"),
    )

    op.create_table(
        "archive_records",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("record_type", sa.String(80), nullable=False),
        sa.Column("object_id", sa.String(80), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(120), nullable=False),
        _time("recorded_at"),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("record_hash", sa.String(64), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        _time("disposed_at", nullable=True),
        sa.Column("disposition_run_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("(disposed_at IS NULL) = (disposition_run_id IS NULL)",
                           name="ck_archive_records_disposal_recorded"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"],
                                name="fk_archive_records_actor_id_users"),
        sa.ForeignKeyConstraint(["disposition_run_id"], ["disposition_runs.id"],
                                name="fk_archive_records_disposition_run_id_disposition_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_archive_records"),
        # One record per link: two appends can never both follow the same head.
        sa.UniqueConstraint("prev_hash", name="uq_archive_records_prev_hash"),
        sa.UniqueConstraint("record_hash", name="uq_archive_records_record_hash"),
    )
    for column in ("record_type", "district_id", "actor_id", "actor_label", "recorded_at", "state"):
        op.create_index(f"ix_archive_records_{column}", "archive_records", [column])
    op.create_index("ix_archive_records_object", "archive_records", ["object_id", "record_type"])

    op.create_table(
        "archive_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("record_hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_archive_head_single_row"),
        sa.PrimaryKeyConstraint("id", name="pk_archive_head"),
    )

    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        _time("created_at"),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_saved_searches_owner_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_saved_searches"),
    )
    op.create_index("ix_saved_searches_owner_id", "saved_searches", ["owner_id"])
    op.create_index("ix_saved_searches_request_id", "saved_searches", ["request_id"])

    op.create_table(
        "retention_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(80), nullable=False),
        sa.Column("period_amount", sa.Integer(), nullable=False),
        sa.Column("period_unit", sa.String(32), nullable=False),
        sa.Column("authority", sa.String(500), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("retired_at", nullable=True),
        sa.Column("retired_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("period_amount > 0", name="ck_retention_schedules_period_positive"),
        sa.CheckConstraint("period_unit IN ('days', 'years')",
                           name="ck_retention_schedules_period_unit"),
        sa.CheckConstraint("(retired_at IS NULL) = (retired_by_id IS NULL)",
                           name="ck_retention_schedules_retirement_recorded"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name="fk_retention_schedules_created_by_id_users"),
        sa.ForeignKeyConstraint(["retired_by_id"], ["users.id"],
                                name="fk_retention_schedules_retired_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_retention_schedules"),
    )
    op.create_index("uq_retention_schedules_active_type", "retention_schedules", ["record_type"],
                    unique=True, sqlite_where=ACTIVE_SCHEDULE, postgresql_where=ACTIVE_SCHEDULE)

    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("case_number", sa.String(80), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("record_type", sa.String(80), nullable=False),
        _time("since", nullable=True),
        _time("until", nullable=True),
        sa.Column("saved_search_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("released_at", nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("release_reason", sa.String(500), nullable=False),
        sa.CheckConstraint("(released_at IS NULL) = (released_by_id IS NULL)",
                           name="ck_legal_holds_release_recorded"),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"],
                                name="fk_legal_holds_district_id_districts"),
        sa.ForeignKeyConstraint(["saved_search_id"], ["saved_searches.id"],
                                name="fk_legal_holds_saved_search_id_saved_searches"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name="fk_legal_holds_created_by_id_users"),
        sa.ForeignKeyConstraint(["released_by_id"], ["users.id"],
                                name="fk_legal_holds_released_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_legal_holds"),
    )

    op.create_table(
        "disposition_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.CheckConstraint("outcome IN ('disposed', 'held', 'pending', 'retained')",
                           name="ck_disposition_items_outcome"),
        sa.ForeignKeyConstraint(["run_id"], ["disposition_runs.id"],
                                name="fk_disposition_items_run_id_disposition_runs"),
        sa.ForeignKeyConstraint(["record_id"], ["archive_records.id"],
                                name="fk_disposition_items_record_id_archive_records"),
        sa.ForeignKeyConstraint(["schedule_id"], ["retention_schedules.id"],
                                name="fk_disposition_items_schedule_id_retention_schedules"),
        sa.PrimaryKeyConstraint("id", name="pk_disposition_items"),
        sa.UniqueConstraint("run_id", "record_id", name="uq_disposition_items_run_record"),
    )
    op.create_index("ix_disposition_items_run_id", "disposition_items", ["run_id"])
    op.create_index("ix_disposition_items_record_id", "disposition_items", ["record_id"])

    if sqlite:
        _sqlite_append_only()
        _sqlite_full_text()
    else:
        _postgresql_append_only()
        _postgresql_full_text()


def _disposal_only(old: str, new: str, same) -> str:
    """The condition under which an UPDATE is a legitimate disposition."""
    kept = " AND ".join(same(f"{new}.{c}", f"{old}.{c}") for c in KEPT_BY_DISPOSAL)
    return (f"{old}.disposed_at IS NULL AND {new}.disposed_at IS NOT NULL "
            f"AND {new}.disposition_run_id IS NOT NULL AND {new}.search_text = '' AND {kept}")


def _sqlite_append_only() -> None:
    allowed = _disposal_only("OLD", "NEW", lambda a, b: f"{a} IS {b}")
    op.execute(f"""
        CREATE TRIGGER archive_records_no_update BEFORE UPDATE ON archive_records
        WHEN NOT ({allowed} AND instr(NEW.content, OLD.content_hash) > 0)
        BEGIN SELECT RAISE(ABORT, 'archive_records is append-only'); END""")
    op.execute("""
        CREATE TRIGGER archive_records_no_delete BEFORE DELETE ON archive_records
        BEGIN SELECT RAISE(ABORT, 'archive_records is append-only'); END""")


def _postgresql_append_only() -> None:
    allowed = _disposal_only("OLD", "NEW", lambda a, b: f"{a} IS NOT DISTINCT FROM {b}")
    op.execute(f"""
        CREATE FUNCTION archive_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND {allowed}
               AND strpos(NEW.content, OLD.content_hash) > 0 THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'archive_records is append-only';
        END $$""")
    op.execute("""
        CREATE TRIGGER archive_records_append_only BEFORE UPDATE OR DELETE ON archive_records
        FOR EACH ROW EXECUTE FUNCTION archive_records_append_only()""")


# Filter values as extra FTS tokens ("zd12 zsremoved ztcomment.moderation zajdoe"): a search for
# a common word in one district then intersects two posting lists instead of checking every match.
# They only narrow what the index returns; the SQL conditions still decide.
FACETS = ("'zd' || ifnull({r}.district_id, '') || ' zs' || {r}.state || ' zt' || {r}.record_type "
          "|| ' za' || {r}.actor_label")


def _sqlite_full_text() -> None:
    op.execute("""
        CREATE VIRTUAL TABLE archive_records_fts USING fts5(
            search_text, facets, content='', tokenize='porter unicode61 remove_diacritics 2')""")
    op.execute(f"""
        CREATE TRIGGER archive_records_fts_insert AFTER INSERT ON archive_records BEGIN
            INSERT INTO archive_records_fts (rowid, search_text, facets)
                VALUES (NEW.id, NEW.search_text, {FACETS.format(r="NEW")});
        END""")
    op.execute(f"""
        CREATE TRIGGER archive_records_fts_update AFTER UPDATE ON archive_records BEGIN
            INSERT INTO archive_records_fts (archive_records_fts, rowid, search_text, facets)
                VALUES ('delete', OLD.id, OLD.search_text, {FACETS.format(r="OLD")});
            INSERT INTO archive_records_fts (rowid, search_text, facets)
                VALUES (NEW.id, NEW.search_text, {FACETS.format(r="NEW")});
        END""")


def _postgresql_full_text() -> None:
    op.execute("""
        ALTER TABLE archive_records ADD COLUMN search_vector tsvector
            GENERATED ALWAYS AS (to_tsvector('english', search_text)) STORED""")
    op.execute("CREATE INDEX ix_archive_records_search_vector ON archive_records "
               "USING gin (search_vector)")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for trigger in ("archive_records_fts_insert", "archive_records_fts_update",
                        "archive_records_no_update", "archive_records_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS archive_records_fts")
    op.drop_table("disposition_items")
    op.drop_table("legal_holds")
    op.drop_table("retention_schedules")
    op.drop_table("saved_searches")
    op.drop_table("archive_head")
    op.drop_table("archive_records")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS archive_records_append_only()")
    op.drop_table("disposition_runs")

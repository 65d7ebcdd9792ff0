"""Foundation: department, districts, staff accounts, representative designations, audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
ACTIVE = sa.text("ended_at IS NULL")


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, UTC_TIME, nullable=nullable)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"

    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("official_website", sa.String(500), nullable=False),
        sa.Column("contact_phone", sa.String(40), nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=False),
        sa.Column("contact_address", sa.String(500), nullable=False),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_department"),
    )

    # districts.approved_by_id and users.district_id point at each other; on PostgreSQL the
    # first of the pair is added once both tables exist. SQLite resolves references lazily.
    district_approver_fk = [sa.ForeignKeyConstraint(
        ["approved_by_id"], ["users.id"], name="fk_districts_approved_by_id_users")] if sqlite else []
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("slug", sa.String(80), nullable=False),
        sa.Column("handle_x", sa.String(80), nullable=False),
        sa.Column("handle_mastodon", sa.String(200), nullable=False),
        sa.Column("handle_bluesky", sa.String(200), nullable=False),
        sa.Column("intro_statement", sa.Text(), nullable=False),
        sa.Column("contact_phone", sa.String(40), nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=False),
        sa.Column("contact_address", sa.String(500), nullable=False),
        sa.Column("moderation_mode", sa.String(32), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        _time("approved_at", nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("moderation_mode IN ('post', 'pre')", name="ck_districts_moderation_mode"),
        sa.CheckConstraint("(approved_at IS NULL) = (approved_by_id IS NULL)",
                           name="ck_districts_approval_recorded"),
        sa.CheckConstraint("number > 0", name="ck_districts_number_positive"),
        *district_approver_fk,
        sa.PrimaryKeyConstraint("id", name="pk_districts"),
        sa.UniqueConstraint("name", name="uq_districts_name"),
        sa.UniqueConstraint("number", name="uq_districts_number"),
        sa.UniqueConstraint("slug", name="uq_districts_slug"),
    )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(120), nullable=False),
        sa.Column("rank", sa.String(60), nullable=False),
        sa.Column("star_number", sa.String(20), nullable=False),
        sa.Column("employee_number", sa.String(20), nullable=False),
        sa.Column("login_id", sa.String(40), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("demo_account", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        _time("password_changed_at"),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        _time("totp_confirmed_at", nullable=True),
        sa.Column("totp_last_counter", sa.Integer(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        _time("locked_until", nullable=True),
        _time("last_login_at", nullable=True),
        sa.Column("session_token", sa.String(64), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.CheckConstraint(
            "(role IN ('commander', 'representative', 'sergeant')) = (district_id IS NOT NULL)",
            name="ck_users_district_matches_role"),
        sa.CheckConstraint(
            "role IN ('admin', 'commander', 'news_affairs', 'records', 'representative', 'sergeant')",
            name="ck_users_role"),
        sa.CheckConstraint("failed_logins >= 0", name="ck_users_failed_logins_nonnegative"),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"],
                                name="fk_users_district_id_districts"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.UniqueConstraint("employee_number", name="uq_users_employee_number"),
        sa.UniqueConstraint("login_id", name="uq_users_login_id"),
    )
    op.create_index("ix_users_district_id", "users", ["district_id"])
    if not sqlite:
        op.create_foreign_key("fk_districts_approved_by_id_users", "districts", "users",
                              ["approved_by_id"], ["id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        _time("occurred_at"),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_login", sa.String(120), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("client_addr", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint("outcome IN ('denied', 'failure', 'success')",
                           name="ck_audit_events_outcome"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_audit_events_actor_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_actor_id", "audit_events", ["actor_id"])
    op.create_index("ix_audit_events_event", "audit_events", ["event"])
    op.create_index("ix_audit_events_object", "audit_events", ["object_type", "object_id"])
    op.create_index("ix_audit_events_occurred_at", "audit_events", ["occurred_at"])
    _make_audit_append_only(sqlite)

    op.create_table(
        "representative_designations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        _time("designated_at"),
        sa.Column("designated_by_id", sa.Integer(), nullable=False),
        _time("ended_at", nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("end_reason", sa.String(500), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("(ended_at IS NULL) = (ended_by_id IS NULL)",
                           name="ck_representative_designations_end_recorded"),
        sa.CheckConstraint("slot IN (1, 2)", name="ck_representative_designations_slot"),
        sa.ForeignKeyConstraint(["designated_by_id"], ["users.id"],
                                name="fk_representative_designations_designated_by_id_users"),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"],
                                name="fk_representative_designations_district_id_districts"),
        sa.ForeignKeyConstraint(["ended_by_id"], ["users.id"],
                                name="fk_representative_designations_ended_by_id_users"),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"], ["representative_designations.id"],
            name="fk_representative_designations_replaced_by"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_representative_designations_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_representative_designations"),
    )
    op.create_index("ix_representative_designations_district_id", "representative_designations",
                    ["district_id"])
    op.create_index("ix_representative_designations_user_id", "representative_designations",
                    ["user_id"])
    # At most one active designation per (district, slot) and per user: two slots = two reps.
    op.create_index("uq_representative_designations_active_slot", "representative_designations",
                    ["district_id", "slot"], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_index("uq_representative_designations_active_user", "representative_designations",
                    ["user_id"], unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def _make_audit_append_only(sqlite: bool) -> None:
    """The audit trail refuses UPDATE and DELETE at the database, whoever connects."""
    if sqlite:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{action.lower()} BEFORE {action} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END")
        return
    op.execute("""
        CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_events is append-only';
        END $$""")
    op.execute("""
        CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_table("representative_designations")
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    op.drop_table("audit_events")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
        op.drop_constraint("fk_districts_approved_by_id_users", "districts", type_="foreignkey")
    op.drop_table("users")
    op.drop_table("districts")
    op.drop_table("department")

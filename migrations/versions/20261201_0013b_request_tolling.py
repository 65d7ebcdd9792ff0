"""Records request tolling: stretches of waiting on the requester (clarification, fee,
narrowing) during which the statutory clock may stop, and the "waiting for requester" state.

Revision ID: 0013b_request_tolling
Revises: 0013a_requester_portal
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0013b_request_tolling'
down_revision = '0013a_requester_portal'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
STATES = ("denied", "extended", "received", "released_in_full", "released_in_part",
          "reviewing", "searching", "withdrawn")
WAITING = "waiting_for_requester"
# 0006 gave the name through the naming convention, which prefixed it once more.
STATE_CHECK = "ck_records_requests_ck_records_requests_state"


def _state_check(states) -> str:
    return "state IN (" + ", ".join(f"'{s}'" for s in sorted(states)) + ")"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rebuild(table: str, change) -> None:
    """Change ``table`` in a batch; on SQLite (which copies the table) keep its triggers, and
    defer foreign-key checks so rows referring to it survive the copy."""
    if not _sqlite():
        with op.batch_alter_table(table) as batch:
            change(batch)
        return
    triggers = [row[0] for row in op.get_bind().exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,))]
    op.execute("PRAGMA defer_foreign_keys = ON")
    with op.batch_alter_table(table, recreate="always") as batch:
        change(batch)
    for sql in triggers:
        op.execute(sql)


def _states(states):
    def change(batch):
        batch.drop_constraint(op.f(STATE_CHECK), type_="check")
        batch.create_check_constraint(op.f(STATE_CHECK),
                                      sa.text(_state_check(states)))
    return change


def upgrade() -> None:
    op.create_table(
        "records_tolling_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("stops_clock", sa.Boolean(), nullable=False),
        sa.Column("restarts", sa.Boolean(), nullable=False),
        sa.Column("citation", sa.String(200), nullable=False),
        sa.Column("resume_state", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("fee_cents", sa.Integer(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("ended_at", UTC_TIME, nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("answer_note", sa.Text(), nullable=False),
        sa.Column("fee_paid_cents", sa.Integer(), nullable=True),
        sa.CheckConstraint("reason IN ('clarification', 'fee', 'narrowing')",
                           name=op.f("ck_records_tolling_periods_reason")),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('agreed', 'answered', 'closed', "
                           "'declined', 'paid', 'waived')",
                           name=op.f("ck_records_tolling_periods_outcome")),
        sa.CheckConstraint("(ended_at IS NULL) = (ended_on IS NULL) AND "
                           "(ended_at IS NULL) = (outcome IS NULL)",
                           name=op.f("ck_records_tolling_periods_end_recorded")),
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= started_on",
                           name=op.f("ck_records_tolling_periods_ends_after_start")),
        sa.CheckConstraint("(reason = 'fee') = (fee_cents IS NOT NULL)",
                           name=op.f("ck_records_tolling_periods_fee_estimated")),
        sa.CheckConstraint("fee_cents IS NULL OR fee_cents >= 0",
                           name=op.f("ck_records_tolling_periods_fee_not_negative")),
        sa.CheckConstraint("fee_paid_cents IS NULL OR outcome = 'paid'",
                           name=op.f("ck_records_tolling_periods_paid_amount")),
        sa.ForeignKeyConstraint(["request_id"], ["records_requests.id"],
                                name=op.f("fk_records_tolling_periods_request_id_records_requests")),
        sa.ForeignKeyConstraint(["started_by_id"], ["users.id"],
                                name=op.f("fk_records_tolling_periods_started_by_id_users")),
        sa.ForeignKeyConstraint(["ended_by_id"], ["users.id"],
                                name=op.f("fk_records_tolling_periods_ended_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records_tolling_periods")),
    )
    op.create_index("ix_records_tolling_periods_request", "records_tolling_periods",
                    ["request_id", "started_on"])
    op.create_index("uq_records_tolling_periods_open", "records_tolling_periods",
                    ["request_id"], unique=True, sqlite_where=sa.text("ended_at IS NULL"),
                    postgresql_where=sa.text("ended_at IS NULL"))
    _rebuild("records_requests", _states(STATES + (WAITING,)))


def downgrade() -> None:
    # A request waiting on its requester goes back to the state it was in before the wait.
    op.execute(
        "UPDATE records_requests SET state = COALESCE((SELECT p.resume_state "
        "FROM records_tolling_periods p WHERE p.request_id = records_requests.id "
        "AND p.ended_at IS NULL), 'received') "
        f"WHERE state = '{WAITING}'")
    _rebuild("records_requests", _states(STATES))
    op.drop_index("uq_records_tolling_periods_open", table_name="records_tolling_periods")
    op.drop_index("ix_records_tolling_periods_request", table_name="records_tolling_periods")
    op.drop_table("records_tolling_periods")

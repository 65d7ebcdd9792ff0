"""Suggested redactions: private persons' data found in a request's attached records,
each awaiting the records officer's decision.

Revision ID: 0013d_redaction_suggestions
Revises: 0013c_records_letters
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0013d_redaction_suggestions'
down_revision = '0013c_records_letters'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
TABLE = "records_redaction_suggestions"
KINDS = ("date_of_birth", "email", "home_address", "juvenile_name", "network", "phone", "ssn",
         "street_address", "victim_name")
STATUSES = ("accepted", "pending", "rejected")


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("start_at", sa.Integer(), nullable=False),
        sa.Column("end_at", sa.Integer(), nullable=False),
        sa.Column("passage", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("exemption_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("redaction_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC_TIME, nullable=True),
        sa.CheckConstraint(f"kind IN ({_in(KINDS)})", name=op.f(f"ck_{TABLE}_kind")),
        sa.CheckConstraint(f"status IN ({_in(STATUSES)})", name=op.f(f"ck_{TABLE}_status")),
        sa.CheckConstraint("end_at > start_at AND start_at >= 0",
                           name=op.f(f"ck_{TABLE}_span_valid")),
        sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)",
                           name=op.f(f"ck_{TABLE}_decision_recorded")),
        sa.CheckConstraint("(decided_at IS NULL) = (decided_by_id IS NULL)",
                           name=op.f(f"ck_{TABLE}_decided_by_recorded")),
        sa.CheckConstraint("status <> 'accepted' OR redaction_id IS NOT NULL",
                           name=op.f(f"ck_{TABLE}_accepted_has_redaction")),
        sa.ForeignKeyConstraint(["request_id"], ["records_requests.id"],
                                name=op.f(f"fk_{TABLE}_request_id_records_requests")),
        sa.ForeignKeyConstraint(["item_id"], ["records_snapshot_items.id"],
                                name=op.f(f"fk_{TABLE}_item_id_records_snapshot_items")),
        sa.ForeignKeyConstraint(["exemption_id"], ["records_exemptions.id"],
                                name=op.f(f"fk_{TABLE}_exemption_id_records_exemptions")),
        sa.ForeignKeyConstraint(["redaction_id"], ["records_redactions.id"],
                                name=op.f(f"fk_{TABLE}_redaction_id_records_redactions")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f(f"fk_{TABLE}_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.UniqueConstraint("item_id", "field", "start_at", "end_at", "kind",
                            name=op.f(f"uq_{TABLE}_span")),
    )
    op.create_index(f"ix_{TABLE}_item_id", TABLE, ["item_id"])
    op.create_index(f"ix_{TABLE}_request_status", TABLE, ["request_id", "status"])


def downgrade() -> None:
    op.drop_index(f"ix_{TABLE}_request_status", table_name=TABLE)
    op.drop_index(f"ix_{TABLE}_item_id", table_name=TABLE)
    op.drop_table(TABLE)

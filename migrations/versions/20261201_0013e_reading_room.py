"""Public reading room: publications of released records packages.

Revision ID: 0013e_reading_room
Revises: 0013d_redaction_suggestions
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0013e_reading_room'
down_revision = '0013d_redaction_suggestions'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "records_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(32), nullable=False),
        sa.Column("folder", sa.String(200), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=False),
        sa.Column("published_at", UTC_TIME, nullable=False),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", UTC_TIME, nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=False),
        sa.CheckConstraint("scope IN ('package', 'public_parts')",
                           name=op.f("ck_records_publications_scope")),
        sa.CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_by_id IS NULL)",
                           name=op.f("ck_records_publications_withdrawal_recorded")),
        sa.CheckConstraint("withdrawn_at IS NULL OR withdrawal_reason <> ''",
                           name=op.f("ck_records_publications_withdrawal_has_reason")),
        sa.ForeignKeyConstraint(["release_id"], ["records_releases.id"],
                                name=op.f("fk_records_publications_release_id_records_releases")),
        sa.ForeignKeyConstraint(["request_id"], ["records_requests.id"],
                                name=op.f("fk_records_publications_request_id_records_requests")),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"],
                                name=op.f("fk_records_publications_published_by_id_users")),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["users.id"],
                                name=op.f("fk_records_publications_withdrawn_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records_publications")),
    )
    op.create_index("ix_records_publications_release_id", "records_publications",
                    ["release_id"])
    op.create_index("ix_records_publications_request_id", "records_publications",
                    ["request_id"])
    op.create_index("ix_records_publications_listing", "records_publications",
                    ["withdrawn_at", "published_at"])


def downgrade() -> None:
    op.drop_index("ix_records_publications_listing", table_name="records_publications")
    op.drop_index("ix_records_publications_request_id", table_name="records_publications")
    op.drop_index("ix_records_publications_release_id", table_name="records_publications")
    op.drop_table("records_publications")

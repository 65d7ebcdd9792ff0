"""Policy-check word lists an admin can extend.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
ACTIVE = sa.text("active")


def upgrade() -> None:
    op.create_table(
        "check_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("phrase", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("deactivated_at", UTC_TIME, nullable=True),
        sa.Column("deactivated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("length(phrase) > 0", name="ck_check_terms_phrase_not_empty"),
        sa.CheckConstraint("(active AND deactivated_at IS NULL) OR "
                           "(NOT active AND deactivated_at IS NOT NULL)",
                           name="ck_check_terms_deactivation_recorded"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name="fk_check_terms_created_by_id_users"),
        sa.ForeignKeyConstraint(["deactivated_by_id"], ["users.id"],
                                name="fk_check_terms_deactivated_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_check_terms"),
    )
    op.create_index("ix_check_terms_rule", "check_terms", ["rule"])
    op.create_index("uq_check_terms_active_phrase", "check_terms", ["rule", "phrase"],
                    unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade() -> None:
    op.drop_table("check_terms")

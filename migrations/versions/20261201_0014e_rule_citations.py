"""The department's own directive and section for each check rule.

Revision ID: 0014e_rule_citations
Revises: 0014d_post_validity
Create Date: 2026-12-01
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0014e_rule_citations'
down_revision = '0014d_post_validity'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rule_citations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("directive_name", sa.String(200), server_default="", nullable=False),
        sa.Column("section", sa.String(100), server_default="", nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"],
                                name="fk_rule_citations_updated_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_rule_citations"),
        sa.UniqueConstraint("rule", name="uq_rule_citations_rule"),
    )


def downgrade() -> None:
    op.drop_table("rule_citations")

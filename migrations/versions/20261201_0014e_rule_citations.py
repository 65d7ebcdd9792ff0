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
    pass


def downgrade() -> None:
    pass

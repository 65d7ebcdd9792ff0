"""An index that answers the count of a district's held visitor comments by itself.

Revision ID: 0015a_held_count_index
Revises: 0014e_rule_citations
Create Date: 2026-12-01
"""
from alembic import op


revision = '0015a_held_count_index'
down_revision = '0014e_rule_citations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_comments_district_state_official", "comments",
                    ["district_id", "state", "official"])


def downgrade() -> None:
    op.drop_index("ix_comments_district_state_official", table_name="comments")

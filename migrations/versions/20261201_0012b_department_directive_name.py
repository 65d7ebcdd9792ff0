"""The department's name for its social media directive, which policy-check findings cite
(with the source policies as reference) instead of other agencies' documents.

Revision ID: 0012b_department_directive_name
Revises: 0012d_archive_search_recent
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0012b_department_directive_name'
down_revision = '0012d_archive_search_recent'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("department") as batch:
        batch.add_column(sa.Column("directive_name", sa.String(200), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("department") as batch:
        batch.drop_column("directive_name")

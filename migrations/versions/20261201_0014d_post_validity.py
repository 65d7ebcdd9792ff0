"""Time-bound posts: end or review dates, and resolved missing-person and wanted notices.

Revision ID: 0014d_post_validity
Revises: 0014c_devices_duty_hours
Create Date: 2026-12-01
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0014d_post_validity'
down_revision = '0014c_devices_duty_hours'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

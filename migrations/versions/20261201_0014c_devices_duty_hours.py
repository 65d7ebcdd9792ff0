"""Registered department devices and representatives' duty hours.

Revision ID: 0014c_devices_duty_hours
Revises: 0014b_outlet_approvals
Create Date: 2026-12-01
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0014c_devices_duty_hours'
down_revision = '0014b_outlet_approvals'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""Waivers of blocking findings: News Affairs exceptions, employees' consent, image permissions.

Revision ID: 0014a_check_waivers
Revises: 0013e_reading_room
Create Date: 2026-12-01
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0014a_check_waivers'
down_revision = '0013e_reading_room'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

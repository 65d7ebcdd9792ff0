"""Outlet approvals: district pages and platform accounts approved by the named authority, with history.

Revision ID: 0014b_outlet_approvals
Revises: 0014a_check_waivers
Create Date: 2026-12-01
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0014b_outlet_approvals'
down_revision = '0014a_check_waivers'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

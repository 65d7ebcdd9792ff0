"""Records request tolling: periods when the statutory clock stops while waiting on the requester.

Revision ID: 0013b_request_tolling
Revises: 0013a_requester_portal
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0013b_request_tolling'
down_revision = '0013a_requester_portal'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""Requester portal: requests filed from the public site (no creator), a private tracking
token stored as a hash, and messages between the records officer and the requester.

Revision ID: 0013a_requester_portal
Revises: 0012b_department_directive_name
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0013a_requester_portal'
down_revision = '0012b_department_directive_name'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

"""Records letters: templates an administrator edits and the letters made from them.

Revision ID: 0013c_records_letters
Revises: 0013b_request_tolling
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0013c_records_letters'
down_revision = '0013b_request_tolling'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

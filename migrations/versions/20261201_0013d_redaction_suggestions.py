"""Suggested redactions: private persons' data found in a request's attached records,
each awaiting the records officer's decision.

Revision ID: 0013d_redaction_suggestions
Revises: 0013c_records_letters
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0013d_redaction_suggestions'
down_revision = '0013c_records_letters'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

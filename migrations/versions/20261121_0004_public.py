"""Terms of Service and Takedown Policy versions; version 1 is the default text.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21

Every installation starts with version 1 published, so public pages always link to terms and
visitor comments always have a version to accept. The text and its rendering come from
``beatdesk.terms`` (the same default ``current_terms`` installs if the table is ever empty).
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    terms_versions = op.create_table(
        "terms_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("source_markdown", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("summary_of_changes", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.Column("published_at", UTC_TIME, nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("(number IS NULL) = (published_at IS NULL)",
                           name="ck_terms_versions_number_when_published"),
        sa.CheckConstraint("number IS NULL OR number > 0", name="ck_terms_versions_number_positive"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name="fk_terms_versions_created_by_id_users"),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"],
                                name="fk_terms_versions_published_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_terms_versions"),
        sa.UniqueConstraint("number", name="uq_terms_versions_number"),
    )

    from beatdesk.terms import default_version_values

    values = default_version_values(datetime.now(UTC))
    if op.get_bind().dialect.name == "sqlite":  # stored naive, read back as UTC
        values = {k: v.replace(tzinfo=None) if isinstance(v, datetime) else v
                  for k, v in values.items()}
    op.bulk_insert(terms_versions, [values])


def downgrade() -> None:
    op.drop_table("terms_versions")

"""Official replies and district statements: their check results, acknowledgements and review.

Revision ID: 0009_published_texts
Revises: 0008_checkpoints
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_published_texts"
down_revision = "0008_checkpoints"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "published_texts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("acknowledgements", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("reviewed_at", UTC_TIME, nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('district_statement', 'official_reply')",
                           name=op.f("ck_published_texts_kind_known")),
        sa.CheckConstraint("kind <> 'official_reply' OR comment_id IS NOT NULL",
                           name=op.f("ck_published_texts_reply_names_comment")),
        sa.CheckConstraint("(reviewed_at IS NULL) = (reviewed_by_id IS NULL)",
                           name=op.f("ck_published_texts_review_recorded")),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"],
                                name=op.f("fk_published_texts_district_id_districts")),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"],
                                name=op.f("fk_published_texts_comment_id_comments")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_published_texts_author_id_users")),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"],
                                name=op.f("fk_published_texts_reviewed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_texts")),
    )
    op.create_index("ix_published_texts_comment_id", "published_texts", ["comment_id"])
    op.create_index("ix_published_texts_review", "published_texts",
                    ["district_id", "reviewed_at", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_published_texts_review", table_name="published_texts")
    op.drop_index("ix_published_texts_comment_id", table_name="published_texts")
    op.drop_table("published_texts")

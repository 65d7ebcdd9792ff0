"""Signed archive checkpoints: the chain's head, anchored outside the table it protects.

Checkpoints are statements, never corrected: the database refuses UPDATE and DELETE on them.

Revision ID: 0008_checkpoints
Revises: 0007
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_checkpoints"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archive_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("record_hash", sa.String(64), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_archive_checkpoints"),
    )
    op.create_index("ix_archive_checkpoints_position", "archive_checkpoints", ["position"])
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER archive_checkpoints_no_{action.lower()} BEFORE {action} "
                       "ON archive_checkpoints BEGIN SELECT RAISE(ABORT, "
                       "'archive_checkpoints is append-only'); END")
    else:
        op.execute("""
            CREATE FUNCTION archive_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'archive_checkpoints is append-only';
            END $$""")
        op.execute("""
            CREATE TRIGGER archive_checkpoints_append_only BEFORE UPDATE OR DELETE
            ON archive_checkpoints FOR EACH ROW EXECUTE FUNCTION archive_checkpoints_append_only()""")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS archive_checkpoints_no_{action}")
    op.drop_table("archive_checkpoints")
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS archive_checkpoints_append_only()")

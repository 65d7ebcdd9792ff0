"""The moderation queue and the sergeant's review queue at a million rows: indexes that end in
the queue's whole order (created_at, id), a ``flagged`` mark on comments kept by the database
itself when a screening flag is stored, partial indexes over the flagged comments, and a partial
index over the posts a sergeant has not reviewed.

Revision ID: 0011_queue_search_indexes
Revises: 0010_platforms
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_queue_search_indexes'
down_revision = '0010_platforms'
branch_labels = None
depends_on = None

# name -> (columns before, columns after); every queue order ends in created_at DESC, id DESC.
QUEUE_INDEXES = {
    "ix_comments_queue": (["district_id", "state", "created_at"],
                          ["district_id", "state", "created_at", "id"]),
    "ix_comments_state_created": (["state", "created_at"], ["state", "created_at", "id"]),
    "ix_comments_district_created": (["district_id", "created_at"],
                                     ["district_id", "created_at", "id"]),
    "ix_comments_created": (["created_at"], ["created_at", "id"]),
}
FLAGGED_INDEXES = {
    "ix_comments_flagged_queue": ["district_id", "state", "created_at", "id"],
    "ix_comments_flagged_state": ["state", "created_at", "id"],
    "ix_comments_flagged_district": ["district_id", "created_at", "id"],
    "ix_comments_flagged_created": ["created_at", "id"],
}


def _flagged_where():
    # The queries say "comments.flagged = 1" on SQLite and "comments.flagged = true" on
    # PostgreSQL; each database must see its partial index's condition in them.
    return {"sqlite_where": sa.text("flagged = 1"), "postgresql_where": sa.text("flagged")}


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("comments", sa.Column("flagged", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.execute("UPDATE comments SET flagged = true WHERE id IN "
               "(SELECT comment_id FROM comment_flags)")
    for name, (before, after) in QUEUE_INDEXES.items():
        op.drop_index(name, table_name="comments")
        op.create_index(name, "comments", after)
    for name, columns in FLAGGED_INDEXES.items():
        op.create_index(name, "comments", columns, **_flagged_where())
    op.create_index("ix_posts_unreviewed", "posts", ["district_id", "published_at", "id"],
                    sqlite_where=sa.text("reviewed_at IS NULL"),
                    postgresql_where=sa.text("reviewed_at IS NULL"))

    # A comment is marked flagged as soon as its first screening flag is stored, whoever
    # stores it (the comment form, captured platform replies, a bulk import). Flags are never
    # deleted, so the mark never has to be taken back.
    if bind.dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION comment_flags_mark_comment() RETURNS trigger AS $$
            BEGIN
              UPDATE comments SET flagged = true WHERE id = NEW.comment_id AND NOT flagged;
              RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER comment_flags_mark_comment AFTER INSERT OR UPDATE OF comment_id
              ON comment_flags FOR EACH ROW EXECUTE FUNCTION comment_flags_mark_comment()""")
    else:
        for name, event in (("comment_flags_mark_comment_insert", "INSERT"),
                            ("comment_flags_mark_comment_update", "UPDATE OF comment_id")):
            op.execute(f"""
                CREATE TRIGGER {name} AFTER {event} ON comment_flags
                BEGIN
                  UPDATE comments SET flagged = 1 WHERE id = NEW.comment_id AND flagged = 0;
                END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER comment_flags_mark_comment ON comment_flags")
        op.execute("DROP FUNCTION comment_flags_mark_comment()")
    else:
        op.execute("DROP TRIGGER comment_flags_mark_comment_insert")
        op.execute("DROP TRIGGER comment_flags_mark_comment_update")
    op.drop_index("ix_posts_unreviewed", table_name="posts")
    for name in FLAGGED_INDEXES:
        op.drop_index(name, table_name="comments")
    for name, (before, after) in QUEUE_INDEXES.items():
        op.drop_index(name, table_name="comments")
        op.create_index(name, "comments", before)
    op.drop_column("comments", "flagged")  # SQLite's own DROP COLUMN: no index names it now

"""Visitor comments, screening, moderation actions and commenter blocks.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
# Moderation hides, it never deletes: the database refuses it, whoever connects.
# table -> statements refused
PROTECTED = {"comments": ("DELETE",), "comment_flags": ("UPDATE", "DELETE"),
             "moderation_actions": ("UPDATE", "DELETE"), "commenter_blocks": ("DELETE",)}


def upgrade() -> None:
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(80), nullable=False),
        sa.Column("author_email", sa.String(254), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("terms_version", sa.Integer(), nullable=False),
        sa.Column("client_addr", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("official", sa.Boolean(), nullable=False),
        sa.Column("staff_author_id", sa.Integer(), nullable=True),
        sa.Column("clause_number", sa.String(20), nullable=False),
        sa.Column("clause_title", sa.String(200), nullable=False),
        sa.Column("clause_terms_version", sa.Integer(), nullable=True),
        sa.Column("handled_at", UTC_TIME, nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("state IN ('hidden', 'held', 'removed', 'visible')",
                           name=op.f("ck_comments_state_known")),
        sa.CheckConstraint("body <> ''", name=op.f("ck_comments_body_present")),
        sa.CheckConstraint("author_name <> ''", name=op.f("ck_comments_name_present")),
        sa.CheckConstraint("state NOT IN ('removed', 'hidden') OR (clause_number <> '' "
                           "AND handled_at IS NOT NULL)",
                           name=op.f("ck_comments_takedown_cites_clause")),
        sa.CheckConstraint("NOT official OR (parent_id IS NOT NULL AND staff_author_id IS NOT NULL)",
                           name=op.f("ck_comments_official_reply_recorded")),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_comments_post_id_posts")),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"],
                                name=op.f("fk_comments_district_id_districts")),
        sa.ForeignKeyConstraint(["parent_id"], ["comments.id"],
                                name=op.f("fk_comments_parent_id_comments")),
        sa.ForeignKeyConstraint(["staff_author_id"], ["users.id"],
                                name=op.f("fk_comments_staff_author_id_users")),
        sa.ForeignKeyConstraint(["handled_by_id"], ["users.id"],
                                name=op.f("fk_comments_handled_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index(op.f("ix_comments_parent_id"), "comments", ["parent_id"])
    op.create_index("ix_comments_queue", "comments", ["district_id", "state", "created_at"])
    op.create_index("ix_comments_state_created", "comments", ["state", "created_at"])
    op.create_index("ix_comments_district_created", "comments", ["district_id", "created_at"])
    op.create_index("ix_comments_created", "comments", ["created_at"])
    op.create_index("ix_comments_public", "comments", ["post_id", "state", "created_at"])

    op.create_table(
        "comment_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("quote", sa.String(300), nullable=False),
        sa.Column("holds", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"],
                                name=op.f("fk_comment_flags_comment_id_comments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_flags")),
    )
    op.create_index(op.f("ix_comment_flags_comment_id"), "comment_flags", ["comment_id"])
    op.create_index("ix_comment_flags_rule", "comment_flags", ["rule", "comment_id"])

    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(20), nullable=False),
        sa.Column("to_state", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("clause_number", sa.String(20), nullable=False),
        sa.Column("clause_title", sa.String(200), nullable=False),
        sa.Column("terms_version", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.CheckConstraint("kind IN ('approve', 'block', 'hide', 'note', 'remove', 'reply', "
                           "'restore', 'submitted', 'unblock')",
                           name=op.f("ck_moderation_actions_kind_known")),
        sa.CheckConstraint("kind NOT IN ('hide', 'remove') OR clause_number <> ''",
                           name=op.f("ck_moderation_actions_takedown_cites_clause")),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"],
                                name=op.f("fk_moderation_actions_comment_id_comments")),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"],
                                name=op.f("fk_moderation_actions_district_id_districts")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"],
                                name=op.f("fk_moderation_actions_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_actions")),
    )
    op.create_index(op.f("ix_moderation_actions_comment_id"), "moderation_actions", ["comment_id"])
    op.create_index(op.f("ix_moderation_actions_district_id"), "moderation_actions",
                    ["district_id"])
    op.create_index("ix_moderation_actions_report", "moderation_actions", ["kind", "created_at"])

    op.create_table(
        "commenter_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("network", sa.String(50), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", UTC_TIME, nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("lifted_at", UTC_TIME, nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("email <> '' OR network <> ''",
                           name=op.f("ck_commenter_blocks_blocks_something")),
        sa.CheckConstraint("(lifted_at IS NULL) = (lifted_by_id IS NULL)",
                           name=op.f("ck_commenter_blocks_lift_recorded")),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"],
                                name=op.f("fk_commenter_blocks_comment_id_comments")),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"],
                                name=op.f("fk_commenter_blocks_district_id_districts")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_commenter_blocks_created_by_id_users")),
        sa.ForeignKeyConstraint(["lifted_by_id"], ["users.id"],
                                name=op.f("fk_commenter_blocks_lifted_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commenter_blocks")),
    )
    op.create_index(op.f("ix_commenter_blocks_email"), "commenter_blocks", ["email"])
    op.create_index(op.f("ix_commenter_blocks_expires_at"), "commenter_blocks", ["expires_at"])

    op.create_table(
        "screening_keywords",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phrase", sa.String(200), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("deactivated_at", UTC_TIME, nullable=True),
        sa.Column("deactivated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("action IN ('flag', 'hold')",
                           name=op.f("ck_screening_keywords_action_known")),
        sa.CheckConstraint("phrase <> ''", name=op.f("ck_screening_keywords_phrase_present")),
        sa.CheckConstraint("active OR (deactivated_at IS NOT NULL AND deactivated_by_id IS NOT NULL)",
                           name=op.f("ck_screening_keywords_deactivation_recorded")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_screening_keywords_created_by_id_users")),
        sa.ForeignKeyConstraint(["deactivated_by_id"], ["users.id"],
                                name=op.f("fk_screening_keywords_deactivated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_keywords")),
    )
    op.create_index(op.f("ix_screening_keywords_active"), "screening_keywords", ["active"])
    _protect(op.get_bind().dialect.name == "sqlite")


def _protect(sqlite: bool) -> None:
    for table, actions in PROTECTED.items():
        message = f"{table} keeps every row: {' and '.join(actions).lower()} refused"
        if sqlite:
            for action in actions:
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
            continue
        op.execute(f"""
            CREATE FUNCTION {table}_keep_rows() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{message}';
            END $$""")
        op.execute(f"""
            CREATE TRIGGER {table}_keep_rows BEFORE {' OR '.join(actions)} ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_keep_rows()""")


def downgrade() -> None:
    op.drop_table("screening_keywords")
    op.drop_table("commenter_blocks")
    op.drop_table("moderation_actions")
    op.drop_table("comment_flags")
    op.drop_table("comments")
    if op.get_bind().dialect.name != "sqlite":  # SQLite dropped the triggers with the tables
        for table in PROTECTED:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_keep_rows()")

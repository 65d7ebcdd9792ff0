"""Platform accounts, the outbox and its attempts, captured platform replies, staff notifications
and their preferences; TOTP secrets widened for their encrypted form.

Revision ID: 0010_platforms
Revises: 0009_published_texts
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

UTC_TIME = sa.DateTime(timezone=True)


revision = '0010_platforms'
down_revision = '0009_published_texts'
branch_labels = None
depends_on = None


def _copy_totp_secrets(source: str, target: str, how: str) -> None:
    """Fill ``target`` from ``source`` for every user with a secret, sealed or opened with the
    configured key (ENCRYPTION_KEYS)."""
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column(source, sa.Text()),
                     sa.column(target, sa.Text()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c[source])
                        .where(users.c[source].is_not(None))).all()
    if rows:
        from beatdesk import sealing
        convert = getattr(sealing, how)
        for user_id, value in rows:
            bind.execute(users.update().where(users.c.id == user_id)
                         .values({target: convert(value)}))


def upgrade() -> None:
    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(32), nullable=False),
    sa.Column('delivery', sa.String(32), nullable=False),
    sa.CheckConstraint("delivery IN ('digest', 'immediate', 'off')", name=op.f('ck_notification_preferences_delivery_known')),
    sa.CheckConstraint("kind IN ('comments_waiting', 'notable_waiting', 'post_approved', 'post_discontinued', 'post_held', 'post_returned', 'request_due_soon', 'request_overdue', 'review_due', 'send_failed')", name=op.f('ck_notification_preferences_kind_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preferences'))
    )
    op.create_table('platform_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(32), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('handle', sa.String(length=200), nullable=False),
    sa.Column('base_url', sa.String(length=500), nullable=False),
    sa.Column('account_ref', sa.String(length=200), nullable=False),
    sa.Column('credentials', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('connected_by_id', sa.Integer(), nullable=True),
    sa.Column('connected_at', UTC_TIME, nullable=False),
    sa.Column('disconnected_by_id', sa.Integer(), nullable=True),
    sa.Column('disconnected_at', UTC_TIME, nullable=True),
    sa.Column('last_tested_at', UTC_TIME, nullable=True),
    sa.Column('last_test_ok', sa.Boolean(), nullable=True),
    sa.Column('last_test_message', sa.Text(), nullable=False),
    sa.Column('inbound_cursor', sa.String(length=200), nullable=False),
    sa.Column('inbound_polled_at', UTC_TIME, nullable=True),
    sa.Column('inbound_error', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("handle <> ''", name=op.f('ck_platform_accounts_handle_present')),
    sa.CheckConstraint("platform IN ('bluesky', 'local', 'mastodon', 'x')", name=op.f('ck_platform_accounts_platform_known')),
    sa.CheckConstraint('active OR disconnected_at IS NOT NULL', name=op.f('ck_platform_accounts_disconnect_recorded')),
    sa.ForeignKeyConstraint(['connected_by_id'], ['users.id'], name=op.f('fk_platform_accounts_connected_by_id_users')),
    sa.ForeignKeyConstraint(['disconnected_by_id'], ['users.id'], name=op.f('fk_platform_accounts_disconnected_by_id_users')),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_platform_accounts_district_id_districts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_accounts'))
    )
    with op.batch_alter_table('platform_accounts', schema=None) as batch_op:
        batch_op.create_index('ix_platform_accounts_district', ['district_id', 'active'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(32), nullable=False),
    sa.Column('state', sa.String(32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('revision_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('depends_on_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('available_at', UTC_TIME, nullable=False),
    sa.Column('lease_until', UTC_TIME, nullable=True),
    sa.Column('claimed_by', sa.String(length=100), nullable=False),
    sa.Column('first_attempt_at', UTC_TIME, nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('platform_id', sa.String(length=200), nullable=False),
    sa.Column('platform_url', sa.String(length=500), nullable=False),
    sa.Column('sent_at', UTC_TIME, nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_note', sa.Text(), nullable=False),
    sa.Column('created_at', UTC_TIME, nullable=False),
    sa.Column('updated_at', UTC_TIME, nullable=False),
    sa.CheckConstraint("kind <> 'email' OR user_id IS NOT NULL", name=op.f('ck_outbox_email_has_recipient')),
    sa.CheckConstraint("kind <> 'post.create' OR (post_id IS NOT NULL AND revision_id IS NOT NULL AND account_id IS NOT NULL)", name=op.f('ck_outbox_create_names_post')),
    sa.CheckConstraint("kind = 'email' OR account_id IS NOT NULL", name=op.f('ck_outbox_platform_has_account')),
    sa.CheckConstraint("kind IN ('author.block', 'author.report', 'email', 'post.create', 'post.delete', 'reply.hide', 'reply.unhide')", name=op.f('ck_outbox_kind_known')),
    sa.CheckConstraint("state <> 'sending' OR lease_until IS NOT NULL", name=op.f('ck_outbox_claim_has_lease')),
    sa.CheckConstraint("state <> 'sent' OR sent_at IS NOT NULL", name=op.f('ck_outbox_sent_has_time')),
    sa.CheckConstraint("state IN ('cancelled', 'dead', 'pending', 'resolved', 'sending', 'sent')", name=op.f('ck_outbox_state_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_attempts_counted')),
    sa.ForeignKeyConstraint(['account_id'], ['platform_accounts.id'], name=op.f('fk_outbox_account_id_platform_accounts')),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_outbox_comment_id_comments')),
    sa.ForeignKeyConstraint(['depends_on_id'], ['outbox.id'], name=op.f('fk_outbox_depends_on_id_outbox')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_outbox_post_id_posts')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_outbox_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['revision_id'], ['post_revisions.id'], name=op.f('fk_outbox_revision_id_post_revisions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('idempotency_key', name='uq_outbox_idempotency_key')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_depends_on_id'), ['depends_on_id'], unique=False)
        batch_op.create_index('ix_outbox_due', ['state', 'available_at', 'id'], unique=False)
        batch_op.create_index('ix_outbox_platform_id', ['account_id', 'platform_id'], unique=False)
        batch_op.create_index('ix_outbox_post', ['post_id', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ux_outbox_one_create_per_account', ['account_id', 'post_id'], unique=True, sqlite_where=sa.text("kind = 'post.create'"), postgresql_where=sa.text("kind = 'post.create'"))

    op.create_table('outbox_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=100), nullable=False),
    sa.Column('started_at', UTC_TIME, nullable=False),
    sa.Column('finished_at', UTC_TIME, nullable=False),
    sa.Column('outcome', sa.String(32), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.CheckConstraint("outcome IN ('dead', 'permanent', 'rate_limited', 'reconciled', 'retry', 'sent')", name=op.f('ck_outbox_attempts_outcome_known')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_outbox_attempts_outbox_id_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attempts'))
    )
    with op.batch_alter_table('outbox_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attempts_outbox_id'), ['outbox_id'], unique=False)

    op.create_table('staff_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(32), nullable=False),
    sa.Column('delivery', sa.String(32), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTC_TIME, nullable=False),
    sa.CheckConstraint("delivery IN ('digest', 'immediate', 'off')", name=op.f('ck_staff_notifications_delivery_known')),
    sa.CheckConstraint("kind IN ('comments_waiting', 'notable_waiting', 'post_approved', 'post_discontinued', 'post_held', 'post_returned', 'request_due_soon', 'request_overdue', 'review_due', 'send_failed')", name=op.f('ck_staff_notifications_kind_known')),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_staff_notifications_outbox_id_outbox')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notifications')),
    sa.UniqueConstraint('user_id', 'dedupe_key', name='uq_staff_notifications_once')
    )
    with op.batch_alter_table('staff_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_staff_notifications_digest', ['delivery', 'outbox_id', 'user_id'], unique=False)

    op.create_table(
        "comment_platform_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("old_body", sa.Text(), nullable=False),
        sa.Column("new_body", sa.Text(), nullable=False),
        sa.Column("occurred_at", UTC_TIME, nullable=True),
        sa.Column("observed_at", UTC_TIME, nullable=False),
        sa.CheckConstraint("kind IN ('deleted', 'edited')",
                           name=op.f("ck_comment_platform_events_kind_known")),
        sa.ForeignKeyConstraint(["comment_id"], ["comments.id"],
                                name=op.f("fk_comment_platform_events_comment_id_comments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_platform_events")),
    )
    op.create_index("ix_comment_platform_events_comment_id", "comment_platform_events",
                    ["comment_id"])

    # Plain ADD COLUMN on both databases (no table rebuild, so no constraint is lost).
    for column in (
        sa.Column("source_platform", sa.String(16), nullable=False, server_default=""),
        sa.Column("platform_id", sa.String(200), nullable=True),
        sa.Column("author_handle", sa.String(200), nullable=False, server_default=""),
        sa.Column("author_ref", sa.String(200), nullable=False, server_default=""),
        sa.Column("platform_url", sa.String(500), nullable=False, server_default=""),
        sa.Column("platform_kind", sa.String(16), nullable=False, server_default=""),
        sa.Column("platform_created_at", UTC_TIME, nullable=True),
        sa.Column("platform_edited_at", UTC_TIME, nullable=True),
        sa.Column("platform_deleted_at", UTC_TIME, nullable=True),
    ):
        op.add_column("comments", column)
    if op.get_bind().dialect.name == "sqlite":  # SQLite adds a column's reference inline only
        op.execute("ALTER TABLE comments ADD COLUMN account_id INTEGER "
                   "CONSTRAINT fk_comments_account_id_platform_accounts "
                   "REFERENCES platform_accounts (id)")
    else:
        op.add_column("comments", sa.Column("account_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_comments_account_id_platform_accounts", "comments",
                              "platform_accounts", ["account_id"], ["id"])
    op.create_index("ux_comments_platform_id", "comments", ["source_platform", "platform_id"],
                    unique=True)

    # TOTP secrets are stored sealed from now on: existing ones are sealed with the configured
    # key (ENCRYPTION_KEYS) and the clear column is dropped.
    op.add_column("users", sa.Column("totp_secret_sealed", sa.Text(), nullable=True))
    _copy_totp_secrets("totp_secret", "totp_secret_sealed", "seal")
    op.drop_column("users", "totp_secret")

    # A notable post's outbox rows cannot exist before News Affairs approved the revision they
    # send, and only while that approval is current (Chicago Twitter IV.A.1).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION outbox_notable_needs_approval() RETURNS trigger AS $$
            BEGIN
              IF NEW.post_id IS NOT NULL AND NEW.kind = 'post.create' AND EXISTS (
                  SELECT 1 FROM posts p JOIN post_revisions r ON r.id = NEW.revision_id
                   WHERE p.id = NEW.post_id AND (p.notable OR r.notable_marked OR r.notable_forced)
                     AND (p.approved_revision_id IS NULL
                          OR p.approved_revision_id <> NEW.revision_id
                          OR p.current_revision_id <> NEW.revision_id)) THEN
                RAISE EXCEPTION 'outbox: notable post % is not approved in revision %',
                  NEW.post_id, NEW.revision_id USING ERRCODE = 'check_violation';
              END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER outbox_notable_needs_approval BEFORE INSERT OR UPDATE OF post_id,
              revision_id, kind ON outbox FOR EACH ROW
              EXECUTE FUNCTION outbox_notable_needs_approval()""")
    else:
        for event in ("INSERT", "UPDATE OF post_id, revision_id, kind"):
            name = "outbox_notable_needs_approval_" + event.split()[0].lower()
            op.execute(f"""
                CREATE TRIGGER {name} BEFORE {event} ON outbox
                WHEN NEW.post_id IS NOT NULL AND NEW.kind = 'post.create' AND EXISTS (
                    SELECT 1 FROM posts p JOIN post_revisions r ON r.id = NEW.revision_id
                     WHERE p.id = NEW.post_id AND (p.notable OR r.notable_marked OR r.notable_forced)
                       AND (p.approved_revision_id IS NULL
                            OR p.approved_revision_id <> NEW.revision_id
                            OR p.current_revision_id <> NEW.revision_id))
                BEGIN
                  SELECT RAISE(ABORT, 'outbox: notable post is not approved in this revision');
                END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER outbox_notable_needs_approval ON outbox")
        op.execute("DROP FUNCTION outbox_notable_needs_approval()")
    else:
        op.execute("DROP TRIGGER outbox_notable_needs_approval_insert")
        op.execute("DROP TRIGGER outbox_notable_needs_approval_update")

    op.add_column("users", sa.Column("totp_secret", sa.String(64), nullable=True))
    _copy_totp_secrets("totp_secret_sealed", "totp_secret", "unseal")
    bind = op.get_bind()
    op.drop_column("users", "totp_secret_sealed")

    op.drop_index("ux_comments_platform_id", table_name="comments")
    if bind.dialect.name == "postgresql":
        op.drop_constraint("fk_comments_account_id_platform_accounts", "comments",
                           type_="foreignkey")
    for name in ("account_id", "platform_deleted_at", "platform_edited_at",
                 "platform_created_at", "platform_kind", "platform_url", "author_ref",
                 "author_handle", "platform_id", "source_platform"):
        op.drop_column("comments", name)

    op.drop_index("ix_comment_platform_events_comment_id", table_name="comment_platform_events")
    op.drop_table("comment_platform_events")
    op.drop_index("ix_staff_notifications_digest", table_name="staff_notifications")
    op.drop_table("staff_notifications")
    op.drop_index("ix_outbox_attempts_outbox_id", table_name="outbox_attempts")
    op.drop_table("outbox_attempts")
    for name in ("ux_outbox_one_create_per_account", "ix_outbox_user_id", "ix_outbox_post",
                 "ix_outbox_platform_id", "ix_outbox_due", "ix_outbox_depends_on_id",
                 "ix_outbox_comment_id"):
        op.drop_index(name, table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_platform_accounts_district", table_name="platform_accounts")
    op.drop_table("platform_accounts")
    op.drop_table("notification_preferences")

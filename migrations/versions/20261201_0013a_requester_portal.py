"""Requester portal: requests filed from the public site (no creator), a private tracking
token stored as a hash, messages between the records officer and the requester, and e-mail
through the outbox to a request's requester.

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

UTC_TIME = sa.DateTime(timezone=True)
EMAIL_TO_STAFF = "kind <> 'email' OR user_id IS NOT NULL"
EMAIL_TO_STAFF_OR_REQUESTER = EMAIL_TO_STAFF + " OR records_request_id IS NOT NULL"
CREATOR_REQUIRED = "created_by_id INTEGER NOT NULL,"
CREATOR_OPTIONAL = "created_by_id INTEGER,"
REQUEST_COLUMN = "records_request_id INTEGER"
REQUEST_REFERENCE = ("CONSTRAINT fk_outbox_records_request_id_records_requests "
                     "REFERENCES records_requests (id)")
CHECK = "CONSTRAINT ck_outbox_email_has_recipient CHECK ({})"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _loosen_sqlite_table(table: str, old: str, new: str) -> None:
    """SQLite: rewrite one clause of ``table``'s definition in place.

    Copying the table (Alembic's batch mode) would drop its triggers and, with foreign keys on,
    fail for a table other rows refer to. Removing a NOT NULL or loosening a CHECK does not
    change how rows are stored, and SQLite documents this in-place edit of the schema for
    exactly such changes (https://sqlite.org/lang_altertable.html#otheralter).
    """
    bind = op.get_bind()
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (table,)).scalar()
    if sql.count(old) != 1:
        raise RuntimeError(f"{table}: expected exactly one {old!r} in its definition")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
                             (sql.replace(old, new), table))
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    if _sqlite():
        _loosen_sqlite_table("records_requests", CREATOR_REQUIRED, CREATOR_OPTIONAL)
    else:
        op.alter_column("records_requests", "created_by_id", existing_type=sa.Integer(),
                        nullable=True)

    op.create_table(
        "records_portal_access",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("postal_address", sa.Text(), nullable=False),
        sa.Column("delivery", sa.String(32), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.CheckConstraint("delivery IN ('email', 'mail', 'pickup')",
                           name=op.f("ck_records_portal_access_delivery_known")),
        sa.CheckConstraint("delivery <> 'mail' OR postal_address <> ''",
                           name=op.f("ck_records_portal_access_mail_has_address")),
        sa.ForeignKeyConstraint(["request_id"], ["records_requests.id"],
                                name=op.f("fk_records_portal_access_request_id_records_requests")),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_records_portal_access")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_records_portal_access_token_hash")),
    )
    op.create_table(
        "records_request_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("sender IN ('officer', 'requester')",
                           name=op.f("ck_records_request_messages_sender_known")),
        sa.CheckConstraint("sender <> 'officer' OR actor_id IS NOT NULL",
                           name=op.f("ck_records_request_messages_officer_named")),
        sa.ForeignKeyConstraint(["request_id"], ["records_requests.id"],
                                name=op.f("fk_records_request_messages_request_id_records_requests")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"],
                                name=op.f("fk_records_request_messages_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records_request_messages")),
    )
    op.create_index("ix_records_request_messages_request", "records_request_messages",
                    ["request_id", "created_at"])

    # E-mail through the outbox to a request's requester (who has no staff account).
    if _sqlite():
        op.execute(f"ALTER TABLE outbox ADD COLUMN {REQUEST_COLUMN} {REQUEST_REFERENCE}")
        _loosen_sqlite_table("outbox", CHECK.format(EMAIL_TO_STAFF),
                             CHECK.format(EMAIL_TO_STAFF_OR_REQUESTER))
    else:
        op.add_column("outbox", sa.Column("records_request_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_outbox_records_request_id_records_requests"), "outbox",
                              "records_requests", ["records_request_id"], ["id"])
        op.drop_constraint(op.f("ck_outbox_email_has_recipient"), "outbox", type_="check")
        op.create_check_constraint(op.f("ck_outbox_email_has_recipient"), "outbox",
                                   sa.text(EMAIL_TO_STAFF_OR_REQUESTER))
    op.create_index("ix_outbox_records_request_id", "outbox", ["records_request_id"])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT 1 FROM records_requests WHERE created_by_id IS NULL "
                            "LIMIT 1").first():
        raise RuntimeError("Requests filed on the public site have no creator; they would be "
                           "lost by this downgrade. Export them first.")
    requester_mail = "SELECT id FROM outbox WHERE records_request_id IS NOT NULL"
    op.execute(f"DELETE FROM outbox_attempts WHERE outbox_id IN ({requester_mail})")
    op.execute(f"DELETE FROM outbox WHERE id IN ({requester_mail})")
    op.drop_index("ix_outbox_records_request_id", table_name="outbox")
    if _sqlite():
        _loosen_sqlite_table("outbox", CHECK.format(EMAIL_TO_STAFF_OR_REQUESTER),
                             CHECK.format(EMAIL_TO_STAFF))
        # SQLite drops a column in place once no constraint names it.
        _loosen_sqlite_table("outbox", REQUEST_COLUMN + " " + REQUEST_REFERENCE, REQUEST_COLUMN)
        op.execute("ALTER TABLE outbox DROP COLUMN records_request_id")
    else:
        op.drop_constraint(op.f("ck_outbox_email_has_recipient"), "outbox", type_="check")
        op.create_check_constraint(op.f("ck_outbox_email_has_recipient"), "outbox",
                                   sa.text(EMAIL_TO_STAFF))
        op.drop_constraint(op.f("fk_outbox_records_request_id_records_requests"), "outbox",
                           type_="foreignkey")
        op.drop_column("outbox", "records_request_id")
    op.drop_index("ix_records_request_messages_request", table_name="records_request_messages")
    op.drop_table("records_request_messages")
    op.drop_table("records_portal_access")
    if _sqlite():
        _loosen_sqlite_table("records_requests", CREATOR_OPTIONAL, CREATOR_REQUIRED)
    else:
        op.alter_column("records_requests", "created_by_id", existing_type=sa.Integer(),
                        nullable=False)

"""Time-bound posts: end or review dates, and resolved missing-person and wanted notices.

Revision ID: 0014d_post_validity
Revises: 0014c_devices_duty_hours
Create Date: 2026-12-01
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0014d_post_validity'
down_revision = '0014c_devices_duty_hours'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)
RESOLVED_RECORDED = ("resolved_at IS NULL OR (resolved_by_id IS NOT NULL "
                     "AND resolved_note <> '')")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rewrite_sqlite_table(table: str, old: str, new: str) -> None:
    """SQLite: rewrite one clause of ``table``'s definition in place (see 0013a's helper):
    here, removing a column's foreign key so the column can be dropped."""
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


RESOLVER_REFERENCE = " CONSTRAINT fk_posts_resolved_by_id_users REFERENCES users (id)"


def upgrade() -> None:
    if _sqlite():
        # Added in place: copying the posts table (batch mode) would fail while other rows
        # refer to it. SQLite tests a new column's CHECK against the rows already there.
        op.execute("ALTER TABLE posts ADD COLUMN valid_until DATETIME")
        op.execute("ALTER TABLE posts ADD COLUMN resolved_at DATETIME")
        op.execute("ALTER TABLE posts ADD COLUMN resolved_by_id INTEGER" + RESOLVER_REFERENCE)
        op.execute("ALTER TABLE posts ADD COLUMN resolved_note TEXT NOT NULL DEFAULT '' "
                   f"CONSTRAINT ck_posts_resolved_recorded CHECK ({RESOLVED_RECORDED})")
    else:
        op.add_column("posts", sa.Column("valid_until", UTC_TIME, nullable=True))
        op.add_column("posts", sa.Column("resolved_at", UTC_TIME, nullable=True))
        op.add_column("posts", sa.Column("resolved_by_id", sa.Integer(), nullable=True))
        op.add_column("posts", sa.Column("resolved_note", sa.Text(), nullable=False,
                                         server_default=""))
        op.create_foreign_key(op.f("fk_posts_resolved_by_id_users"), "posts", "users",
                              ["resolved_by_id"], ["id"])
        op.create_check_constraint(op.f("ck_posts_resolved_recorded"), "posts",
                                   sa.text(RESOLVED_RECORDED))
    op.create_index("ix_posts_valid_until", "posts", ["district_id", "state", "valid_until"])


def downgrade() -> None:
    op.drop_index("ix_posts_valid_until", table_name="posts")
    if _sqlite():
        # The CHECK names other columns, so the column holding it goes first.
        op.execute("ALTER TABLE posts DROP COLUMN resolved_note")
        _rewrite_sqlite_table("posts", RESOLVER_REFERENCE, "")
        op.execute("ALTER TABLE posts DROP COLUMN resolved_by_id")
        op.execute("ALTER TABLE posts DROP COLUMN resolved_at")
        op.execute("ALTER TABLE posts DROP COLUMN valid_until")
    else:
        op.drop_constraint(op.f("ck_posts_resolved_recorded"), "posts", type_="check")
        op.drop_constraint(op.f("fk_posts_resolved_by_id_users"), "posts", type_="foreignkey")
        op.drop_column("posts", "resolved_note")
        op.drop_column("posts", "resolved_by_id")
        op.drop_column("posts", "resolved_at")
        op.drop_column("posts", "valid_until")

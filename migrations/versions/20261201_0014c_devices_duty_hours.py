"""Registered department devices and representatives' duty hours.

Revision ID: 0014c_devices_duty_hours
Revises: 0014b_outlet_approvals
Create Date: 2026-12-01
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0014c_devices_duty_hours'
down_revision = '0014b_outlet_approvals'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    t = "registered_devices"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("code_expires_at", UTC_TIME, nullable=False),
        sa.Column("enrolled_at", UTC_TIME, nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=True),
        sa.Column("last_seen_at", UTC_TIME, nullable=True),
        sa.Column("last_seen_addr", sa.String(64), nullable=False),
        sa.Column("revoked_at", UTC_TIME, nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("(revoked_at IS NULL) = (revoked_by_id IS NULL)",
                           name=op.f(f"ck_{t}_revoke_recorded")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f(f"fk_{t}_created_by_id_users")),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"],
                                name=op.f(f"fk_{t}_revoked_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("code_hash", name=op.f(f"uq_{t}_code_hash")),
        sa.UniqueConstraint("token_hash", name=op.f(f"uq_{t}_token_hash")),
    )
    t = "device_requirement"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("changed_at", UTC_TIME, nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f(f"ck_{t}_single_row")),
        sa.ForeignKeyConstraint(["changed_by_id"], ["users.id"],
                                name=op.f(f"fk_{t}_changed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    t = "duty_shifts"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("end_minute", sa.Integer(), nullable=False),
        sa.Column("set_at", UTC_TIME, nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name=op.f(f"ck_{t}_weekday_range")),
        sa.CheckConstraint("start_minute >= 0 AND start_minute < 1440",
                           name=op.f(f"ck_{t}_start_range")),
        sa.CheckConstraint("end_minute >= 0 AND end_minute < 1440",
                           name=op.f(f"ck_{t}_end_range")),
        sa.CheckConstraint("start_minute <> end_minute", name=op.f(f"ck_{t}_not_empty")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f(f"fk_{t}_user_id_users")),
        sa.ForeignKeyConstraint(["set_by_id"], ["users.id"],
                                name=op.f(f"fk_{t}_set_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("user_id", "weekday", name="uq_duty_shifts_user_weekday"),
    )
    op.create_index(op.f(f"ix_{t}_user_id"), t, ["user_id"])
    t = "duty_hours_releases"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=False),
        sa.Column("released_at", UTC_TIME, nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f(f"fk_{t}_post_id_posts")),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"],
                                name=op.f(f"fk_{t}_district_id_districts")),
        sa.ForeignKeyConstraint(["released_by_id"], ["users.id"],
                                name=op.f(f"fk_{t}_released_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("post_id", name=op.f(f"uq_{t}_post_id")),
    )
    op.create_index(op.f(f"ix_{t}_district_id"), t, ["district_id"])


def downgrade() -> None:
    op.drop_index("ix_duty_hours_releases_district_id", table_name="duty_hours_releases")
    op.drop_table("duty_hours_releases")
    op.drop_index("ix_duty_shifts_user_id", table_name="duty_shifts")
    op.drop_table("duty_shifts")
    op.drop_table("device_requirement")
    op.drop_table("registered_devices")

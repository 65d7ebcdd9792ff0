"""Waivers of blocking findings: News Affairs exceptions, employees' consent, image permissions.

Revision ID: 0014a_check_waivers
Revises: 0013e_reading_room
Create Date: 2026-12-01
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0014a_check_waivers'
down_revision = '0013e_reading_room'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


TABLE = "check_waivers"
KINDS = ("employee_consent", "image_permission", "news_affairs")
ACTIONS = ("granted", "requested", "revoked")


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(60), nullable=False),
        sa.Column("quote", sa.String(1000), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by", sa.String(200), nullable=False),
        sa.Column("employee_user_id", sa.Integer(), nullable=True),
        sa.Column("consent_method", sa.String(32), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=True),
        sa.Column("revokes_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.CheckConstraint(f"kind IN ({_in(KINDS)})", name=op.f(f"ck_{TABLE}_kind")),
        sa.CheckConstraint(f"action IN ({_in(ACTIONS)})", name=op.f(f"ck_{TABLE}_action")),
        sa.CheckConstraint("reason <> ''", name=op.f(f"ck_{TABLE}_reason_given")),
        sa.CheckConstraint("quote <> ''", name=op.f(f"ck_{TABLE}_quote_given")),
        sa.CheckConstraint("(action = 'revoked') = (revokes_id IS NOT NULL)",
                           name=op.f(f"ck_{TABLE}_revocation")),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f(f"fk_{TABLE}_post_id_posts")),
        sa.ForeignKeyConstraint(["asset_id"], ["media_assets.id"],
                                name=op.f(f"fk_{TABLE}_asset_id_media_assets")),
        sa.ForeignKeyConstraint(["employee_user_id"], ["users.id"],
                                name=op.f(f"fk_{TABLE}_employee_user_id_users")),
        sa.ForeignKeyConstraint(["revokes_id"], ["check_waivers.id"],
                                name=op.f(f"fk_{TABLE}_revokes_id_check_waivers")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"],
                                name=op.f(f"fk_{TABLE}_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
    )
    op.create_index("ix_check_waivers_post_kind", TABLE, ["post_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_check_waivers_post_kind", table_name=TABLE)
    op.drop_table(TABLE)

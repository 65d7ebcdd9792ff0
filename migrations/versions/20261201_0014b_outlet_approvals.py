"""Outlet approvals: district pages and platform accounts approved by the named authority, with history.

Revision ID: 0014b_outlet_approvals
Revises: 0014a_check_waivers
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0014b_outlet_approvals'
down_revision = '0014a_check_waivers'
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outlet_authorities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.CheckConstraint("title <> ''", name=op.f("ck_outlet_authorities_title_present")),
        sa.CheckConstraint("user_id <> recorded_by_id",
                           name=op.f("ck_outlet_authorities_not_self_named")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_outlet_authorities_user_id_users")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"],
                                name=op.f("fk_outlet_authorities_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet_authorities")),
    )
    op.create_table(
        "outlet_delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("approving_as", sa.String(300), nullable=False),
        sa.Column("starts_at", UTC_TIME, nullable=False),
        sa.Column("ends_at", UTC_TIME, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.Column("revoked_at", UTC_TIME, nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=False),
        sa.CheckConstraint("approving_as <> ''",
                           name=op.f("ck_outlet_delegations_approving_as_present")),
        sa.CheckConstraint("ends_at IS NULL OR ends_at > starts_at",
                           name=op.f("ck_outlet_delegations_ends_after_start")),
        sa.CheckConstraint("(revoked_at IS NULL) = (revoked_by_id IS NULL)",
                           name=op.f("ck_outlet_delegations_revocation_recorded")),
        sa.CheckConstraint("revoked_at IS NULL OR revoke_reason <> ''",
                           name=op.f("ck_outlet_delegations_revocation_has_reason")),
        sa.CheckConstraint("user_id <> recorded_by_id",
                           name=op.f("ck_outlet_delegations_not_self_delegated")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_outlet_delegations_user_id_users")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"],
                                name=op.f("fk_outlet_delegations_recorded_by_id_users")),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"],
                                name=op.f("fk_outlet_delegations_revoked_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet_delegations")),
    )
    op.create_index("ix_outlet_delegations_user", "outlet_delegations",
                    ["user_id", "revoked_at"])
    op.create_table(
        "outlets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("current_number", sa.Integer(), nullable=False),
        sa.Column("approved_number", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('account', 'district')", name=op.f("ck_outlets_kind_known")),
        sa.CheckConstraint("(kind = 'district') = (district_id IS NOT NULL)",
                           name=op.f("ck_outlets_district_named")),
        sa.CheckConstraint("(kind = 'account') = (account_id IS NOT NULL)",
                           name=op.f("ck_outlets_account_named")),
        sa.CheckConstraint("current_number >= 1", name=op.f("ck_outlets_has_version")),
        sa.CheckConstraint("approved_number IS NULL OR approved_number <= current_number",
                           name=op.f("ck_outlets_approved_is_a_version")),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"],
                                name=op.f("fk_outlets_district_id_districts")),
        sa.ForeignKeyConstraint(["account_id"], ["platform_accounts.id"],
                                name=op.f("fk_outlets_account_id_platform_accounts")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_outlets_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlets")),
        sa.UniqueConstraint("district_id", name=op.f("uq_outlets_district_id")),
        sa.UniqueConstraint("account_id", name=op.f("uq_outlets_account_id")),
    )
    op.create_table(
        "outlet_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", UTC_TIME, nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_outlet_versions_number_positive")),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlets.id"],
                                name=op.f("fk_outlet_versions_outlet_id_outlets")),
        sa.ForeignKeyConstraint(["changed_by_id"], ["users.id"],
                                name=op.f("fk_outlet_versions_changed_by_id_users")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_outlet_versions_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet_versions")),
        sa.UniqueConstraint("outlet_id", "number", name=op.f("uq_outlet_versions_number")),
        sa.UniqueConstraint("id", "changed_by_id", "created_by_id",
                            name=op.f("uq_outlet_versions_authors")),
    )
    op.create_table(
        "outlet_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("version_changed_by_id", sa.Integer(), nullable=True),
        sa.Column("outlet_created_by_id", sa.Integer(), nullable=True),
        sa.Column("approver_id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=True),
        sa.Column("delegation_id", sa.Integer(), nullable=True),
        sa.Column("approving_as", sa.String(300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("approved_at", UTC_TIME, nullable=False),
        sa.CheckConstraint("approver_id <> version_changed_by_id",
                           name=op.f("ck_outlet_approvals_not_by_its_author")),
        sa.CheckConstraint("approver_id <> outlet_created_by_id",
                           name=op.f("ck_outlet_approvals_not_by_its_creator")),
        sa.CheckConstraint("(authority_id IS NULL) <> (delegation_id IS NULL)",
                           name=op.f("ck_outlet_approvals_capacity_named")),
        sa.CheckConstraint("approving_as <> ''",
                           name=op.f("ck_outlet_approvals_approving_as_present")),
        sa.ForeignKeyConstraint(["version_id"], ["outlet_versions.id"],
                                name=op.f("fk_outlet_approvals_version_id_outlet_versions")),
        sa.ForeignKeyConstraint(
            ["version_id", "version_changed_by_id", "outlet_created_by_id"],
            ["outlet_versions.id", "outlet_versions.changed_by_id",
             "outlet_versions.created_by_id"],
            name=op.f("fk_outlet_approvals_version_authors")),
        sa.ForeignKeyConstraint(["approver_id"], ["users.id"],
                                name=op.f("fk_outlet_approvals_approver_id_users")),
        sa.ForeignKeyConstraint(["authority_id"], ["outlet_authorities.id"],
                                name=op.f("fk_outlet_approvals_authority_id_outlet_authorities")),
        sa.ForeignKeyConstraint(["delegation_id"], ["outlet_delegations.id"],
                                name=op.f("fk_outlet_approvals_delegation_id_outlet_delegations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outlet_approvals")),
        sa.UniqueConstraint("version_id", name=op.f("uq_outlet_approvals_version_id")),
    )


def downgrade() -> None:
    for table in ("outlet_approvals", "outlet_versions", "outlets"):
        op.drop_table(table)
    op.drop_index("ix_outlet_delegations_user", table_name="outlet_delegations")
    for table in ("outlet_delegations", "outlet_authorities"):
        op.drop_table(table)

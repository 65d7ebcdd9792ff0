"""Records letters: the templates an administrator edits (Markdown, and its HTML sanitized
once on save) and the letters made from them for a request (PDF, SHA-256, e-mail).

A kind of letter with no template row uses the built-in Illinois text (beatdesk/letters.py),
so nothing is seeded here.

Revision ID: 0013c_records_letters
Revises: 0013b_request_tolling
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0013c_records_letters'
down_revision = '0013b_request_tolling'
branch_labels = None
depends_on = None

KINDS = "'acknowledgement', 'clarification', 'denial', 'extension', 'fee_estimate', 'release'"


def upgrade() -> None:
    op.create_table(
        "records_letter_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"kind IN ({KINDS})",
                           name=op.f("ck_records_letter_templates_kind_known")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"],
                                name=op.f("fk_records_letter_templates_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records_letter_templates")),
        sa.UniqueConstraint("kind", name=op.f("uq_records_letter_templates_kind")),
    )
    op.create_table(
        "records_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sent_to", sa.String(320), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"kind IN ({KINDS})", name=op.f("ck_records_letters_kind_known")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_records_letters_number_positive")),
        sa.ForeignKeyConstraint(["request_id"], ["records_requests.id"],
                                name=op.f("fk_records_letters_request_id_records_requests")),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"],
                                name=op.f("fk_records_letters_outbox_id_outbox")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_records_letters_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records_letters")),
        sa.UniqueConstraint("request_id", "kind", "number",
                            name=op.f("uq_records_letters_number")),
    )
    op.create_index("ix_records_letters_request_id", "records_letters", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_records_letters_request_id", table_name="records_letters")
    op.drop_table("records_letters")
    op.drop_table("records_letter_templates")

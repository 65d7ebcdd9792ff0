"""Public records requests: due dates, snapshots, redactions and release packages.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)

# Illinois Freedom of Information Act, 5 ILCS 140/7(1): the exemptions a records officer may
# cite when redacting or denying (more can be added to the table).
ILLINOIS_EXEMPTIONS = [
    ("7(1)(a)", "Information specifically prohibited from disclosure by federal or State law "
                "or rules and regulations implementing federal or State law"),
    ("7(1)(b)", "Private information, unless disclosure is required by another provision of "
                "this Act, a State or federal law or a court order"),
    ("7(1)(b-5)", "Law enforcement files and databases designed to inform law enforcement "
                  "agencies of the physical or mental status of individual subjects"),
    ("7(1)(c)", "Personal information the disclosure of which would constitute a clearly "
                "unwarranted invasion of personal privacy"),
    ("7(1)(d)(i)", "Law enforcement records whose disclosure would interfere with pending or "
                   "reasonably contemplated law enforcement proceedings"),
    ("7(1)(d)(ii)", "Law enforcement records whose disclosure would interfere with active "
                    "administrative enforcement proceedings"),
    ("7(1)(d)(iii)", "Law enforcement records whose disclosure would create a substantial "
                     "likelihood that a person will be deprived of a fair trial or an "
                     "impartial hearing"),
    ("7(1)(d)(iv)", "Law enforcement records whose disclosure would unavoidably disclose the "
                    "identity of a confidential source or of persons who file complaints with "
                    "or provide information to law enforcement"),
    ("7(1)(d)(v)", "Law enforcement records whose disclosure would disclose unique or "
                   "specialized investigative techniques"),
    ("7(1)(d)(vi)", "Law enforcement records whose disclosure would endanger the life or "
                    "physical safety of law enforcement personnel or any other person"),
    ("7(1)(d)(vii)", "Law enforcement records whose disclosure would obstruct an ongoing "
                     "criminal investigation by the agency"),
    ("7(1)(e)", "Records that relate to or affect the security of correctional institutions "
                "and detention facilities"),
    ("7(1)(f)", "Preliminary drafts, notes, recommendations, memoranda and other records in "
                "which opinions are expressed, or policies or actions are formulated"),
    ("7(1)(g)", "Trade secrets and commercial or financial information furnished under a "
                "claim that they are proprietary, privileged, or confidential"),
    ("7(1)(m)", "Communications with an attorney or auditor representing the public body, and "
                "materials prepared in anticipation of a proceeding at an attorney's request"),
    ("7(1)(n)", "Records relating to the adjudication of employee grievances or disciplinary "
                "cases, except the final outcome of cases in which discipline is imposed"),
    ("7(1)(v)", "Vulnerability assessments, security measures, and response policies or plans "
                "designed to identify, prevent, or respond to potential attacks"),
]


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, UTC_TIME, nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    exemptions = op.create_table(
        "records_exemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("citation", sa.String(120), nullable=False),
        sa.Column("label", sa.String(300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_records_exemptions"),
        sa.UniqueConstraint("code", name="uq_records_exemptions_code"),
    )
    op.bulk_insert(exemptions, [
        {"code": code, "citation": f"5 ILCS 140/{code}", "label": label, "active": True}
        for code, label in ILLINOIS_EXEMPTIONS])

    op.create_table(
        "records_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_name", sa.String(200), nullable=False),
        sa.Column("requester_contact", sa.String(500), nullable=False),
        sa.Column("received_via", sa.String(32), nullable=False),
        _time("received_at"),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("commercial", sa.Boolean(), nullable=False),
        sa.Column("rules_key", sa.String(16), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("original_due_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        _time("extended_at", nullable=True),
        sa.Column("extension_days", sa.Integer(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=False),
        sa.Column("denial_exemption_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        _time("closed_at", nullable=True),
        sa.CheckConstraint(
            "state IN ('denied', 'extended', 'received', 'released_in_full', "
            "'released_in_part', 'reviewing', 'searching', 'withdrawn')",
            name="ck_records_requests_state"),
        sa.CheckConstraint("received_via IN ('email', 'in_person', 'mail', 'web_form')",
                           name="ck_records_requests_received_via"),
        sa.CheckConstraint("(extended_at IS NULL) = (extension_days IS NULL)",
                           name="ck_records_requests_extension_recorded"),
        sa.CheckConstraint("state <> 'denied' OR denial_exemption_id IS NOT NULL",
                           name="ck_records_requests_denial_has_exemption"),
        sa.CheckConstraint("due_on >= received_on", name="ck_records_requests_due_after_receipt"),
        _fk("records_requests", "denial_exemption_id", "records_exemptions"),
        _fk("records_requests", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_records_requests"),
    )
    op.create_index("ix_records_requests_state", "records_requests", ["state"])
    op.create_index("ix_records_requests_due_on", "records_requests", ["due_on"])

    op.create_table(
        "records_request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(32), nullable=True),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("exemption_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        _time("occurred_at"),
        _fk("records_request_events", "request_id", "records_requests"),
        _fk("records_request_events", "exemption_id", "records_exemptions"),
        _fk("records_request_events", "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_records_request_events"),
    )
    op.create_index("ix_records_request_events_request_id", "records_request_events",
                    ["request_id"])

    op.create_table(
        "records_snapshot_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("archive_record_id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(80), nullable=False),
        sa.Column("object_id", sa.String(80), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        _time("recorded_at"),
        sa.Column("actor_label", sa.String(120), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("archive_hash", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("attached_by_id", sa.Integer(), nullable=True),
        _time("attached_at"),
        _fk("records_snapshot_items", "request_id", "records_requests"),
        _fk("records_snapshot_items", "attached_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_records_snapshot_items"),
        sa.UniqueConstraint("request_id", "archive_record_id",
                            name="uq_records_snapshot_items_request_id"),
    )
    op.create_index("ix_records_snapshot_items_request_id", "records_snapshot_items",
                    ["request_id"])

    op.create_table(
        "records_redactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("start_at", sa.Integer(), nullable=True),
        sa.Column("end_at", sa.Integer(), nullable=True),
        sa.Column("match_text", sa.Text(), nullable=False),
        sa.Column("exemption_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _time("created_at"),
        _time("removed_at", nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('range', 'record', 'text')",
                           name="ck_records_redactions_kind"),
        sa.CheckConstraint("kind <> 'range' OR (start_at IS NOT NULL AND end_at > start_at "
                           "AND start_at >= 0 AND field <> '')",
                           name="ck_records_redactions_range_valid"),
        sa.CheckConstraint("kind <> 'text' OR match_text <> ''",
                           name="ck_records_redactions_text_given"),
        sa.CheckConstraint("(removed_at IS NULL) = (removed_by_id IS NULL)",
                           name="ck_records_redactions_removal_recorded"),
        _fk("records_redactions", "request_id", "records_requests"),
        _fk("records_redactions", "item_id", "records_snapshot_items"),
        _fk("records_redactions", "exemption_id", "records_exemptions"),
        _fk("records_redactions", "created_by_id", "users"),
        _fk("records_redactions", "removed_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_records_redactions"),
    )
    op.create_index("ix_records_redactions_request_id", "records_redactions", ["request_id"])
    op.create_index("ix_records_redactions_item_active", "records_redactions",
                    ["item_id", "removed_at"])

    op.create_table(
        "records_releases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("released_to", sa.String(800), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("package_name", sa.String(200), nullable=False),
        sa.Column("package_sha256", sa.String(64), nullable=False),
        sa.Column("package_bytes", sa.BigInteger(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("withheld_count", sa.Integer(), nullable=False),
        sa.Column("redaction_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _time("created_at"),
        _fk("records_releases", "request_id", "records_requests"),
        _fk("records_releases", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name="pk_records_releases"),
    )
    op.create_index("ix_records_releases_request_id", "records_releases", ["request_id"])


def downgrade() -> None:
    op.drop_table("records_releases")
    op.drop_table("records_redactions")
    op.drop_table("records_snapshot_items")
    op.drop_table("records_request_events")
    op.drop_table("records_requests")
    op.drop_table("records_exemptions")

"""Authorization expectations for this area (see ``tests/routes/__init__.py``).

Records officers work public records requests; administrators may read them (dashboard,
request, record review, package download) but change nothing.
"""
import importlib.util
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from beatdesk.models import (Exemption, RecordsRequest, Redaction, RedactionKind, Release,
                             RequestState, SnapshotItem)
from beatdesk.roles import Role

OFFICER = frozenset({Role.RECORDS})
READERS = frozenset({Role.RECORDS, Role.ADMIN})
P = "/console/records"

STAFF_ROUTES: dict = {
    ("records.dashboard", "GET"): (f"{P}/", READERS, 200),
    ("records.new", "GET"): (f"{P}/new", OFFICER, 200),
    ("records.new", "POST"): (f"{P}/new", OFFICER, 400),
    ("records.detail", "GET"): (P + "/{records_request}", READERS, 200),
    ("records.change_state", "POST"): (P + "/{records_request}/state", OFFICER, 400),
    ("records.extend", "POST"): (P + "/{records_request}/extend", OFFICER, 400),
    ("records.private_data", "POST"): (P + "/{records_request}/private-data", OFFICER, 400),
    ("records.search_archive", "GET"): (P + "/{records_request}/search", OFFICER, 200),
    ("records.attach", "POST"): (P + "/{records_request}/attach", OFFICER, 400),
    ("records.item", "GET"): (P + "/{records_request}/items/{records_item}", READERS, 200),
    ("records.redact", "POST"):
        (P + "/{records_request}/items/{records_item}/redactions", OFFICER, 400),
    ("records.remove_redaction", "POST"):
        (P + "/{records_request}/redactions/{records_redaction}/remove", OFFICER, 303),
    ("records.release_package", "GET"): (P + "/{records_request}/release", OFFICER, 200),
    ("records.release_package", "POST"): (P + "/{records_request}/release", OFFICER, 400),
    # The row's package file does not exist on disk: an allowed role gets 404, others 403.
    ("records.download", "GET"):
        (P + "/{records_request}/releases/{records_release}/download", READERS, 404),
}
PUBLIC_ROUTES: dict = {}
SIGNED_IN_AS: dict = {endpoint: Role.RECORDS for (endpoint, method) in STAFF_ROUTES
                      if method == "POST"}


def ensure_exemptions(session) -> None:
    """Put back the exemptions migration 0006 seeds when a test run emptied every table
    (the PostgreSQL fixtures truncate between tests instead of copying a migrated file)."""
    if session.scalar(select(func.count(Exemption.id))):
        return
    path = Path(__file__).resolve().parents[2] / "migrations/versions/20261121_0006_records.py"
    spec = importlib.util.spec_from_file_location("records_migration_0006", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    session.execute(insert(Exemption), [
        {"code": code, "citation": f"5 ILCS 140/{code}", "label": label, "active": True}
        for code, label in migration.ILLINOIS_EXEMPTIONS])
    session.commit()


def objects(factory, base: dict) -> dict:
    """An open request with one attached record, a redaction of it, and a release row."""
    session = factory.session
    ensure_exemptions(session)
    officer = factory.user(Role.RECORDS)
    received = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    request = RecordsRequest(
        requester_name="Pat Requester", requester_contact="pat@example.org",
        received_via="email", received_at=received, received_on=date(2026, 11, 16),
        description="Posts about the parade.", commercial=False, rules_key="IL",
        state=RequestState.SEARCHING, original_due_on=date(2026, 11, 23),
        due_on=date(2026, 11, 23), created_by_id=officer.id)
    session.add(request)
    session.flush()
    item = SnapshotItem(request_id=request.id, archive_record_id=1, record_type="post.revision",
                        object_id="1", district_id=base["district"].id, recorded_at=received,
                        actor_label="rep1", state="published", archive_hash="a" * 64,
                        content_hash="b" * 64, content='{"body":"Parade on Main Street."}',
                        attached_by_id=officer.id)
    session.add(item)
    session.flush()
    exemption = session.scalars(select(Exemption).where(Exemption.code == "7(1)(c)")).one()
    redaction = Redaction(request_id=request.id, item_id=item.id, kind=RedactionKind.TEXT,
                          field="body", match_text="Main Street", exemption_id=exemption.id,
                          created_by_id=officer.id)
    release = Release(request_id=request.id, released_to="Pat", outcome="released_in_part",
                      package_name="missing.zip", package_sha256="c" * 64, package_bytes=1,
                      record_count=1, withheld_count=0, redaction_count=1,
                      created_by_id=officer.id)
    session.add_all([redaction, release])
    session.commit()
    return {"records_request": request, "records_item": item, "records_redaction": redaction,
            "records_release": release}

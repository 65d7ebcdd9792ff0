"""Authorization expectations for the reading room and the records reports
(see ``tests/routes/__init__.py``).

Records officers publish and withdraw; records officers and administrators read the reports.
The public pages are anonymous; on the matrix's database the publication is withdrawn, so its
page and files answer 410 Gone.
"""
from datetime import UTC, date, datetime

from beatdesk.models import Publication, RecordsRequest, Release, RequestState
from beatdesk.roles import Role

OFFICER = frozenset({Role.RECORDS})
READERS = frozenset({Role.RECORDS, Role.ADMIN})
P = "/console/records"

STAFF_ROUTES: dict = {
    ("reading_room_staff.publish", "POST"):
        (P + "/releases/{reading_room_release}/publish", OFFICER, 400),
    ("reading_room_staff.withdraw", "POST"):
        (P + "/publications/{reading_room_publication}/withdraw", OFFICER, 400),
    ("reading_room_staff.reports", "GET"): (f"{P}/reports", READERS, 200),
    ("reading_room_staff.reports_csv", "GET"): (f"{P}/reports.csv", READERS, 200),
}
PUBLIC_ROUTES: dict = {
    ("reading_room.index", "GET"): ("/reading-room", 200),
    ("reading_room.detail", "GET"): ("/reading-room/999999", 404),
    ("reading_room.download", "GET"): ("/reading-room/999999/files/records.pdf", 404),
}
SIGNED_IN_AS: dict = {"reading_room_staff.publish": Role.RECORDS,
                      "reading_room_staff.withdraw": Role.RECORDS}


def objects(factory, base: dict) -> dict:
    """A released request, its release, and a publication of it (withdrawn already)."""
    session = factory.session
    officer = factory.user(Role.RECORDS)
    request = RecordsRequest(
        requester_name="Pat Requester", requester_contact="pat@example.org",
        received_via="email", received_at=datetime(2026, 11, 16, 15, 0, tzinfo=UTC),
        received_on=date(2026, 11, 16), description="Posts about the parade.",
        commercial=False, rules_key="IL", state=RequestState.RELEASED_IN_FULL,
        original_due_on=date(2026, 11, 23), due_on=date(2026, 11, 23),
        created_by_id=officer.id, closed_at=datetime(2026, 11, 18, tzinfo=UTC))
    session.add(request)
    session.flush()
    release = Release(request_id=request.id, released_to="Pat", outcome="released_in_full",
                      package_name="missing.zip", package_sha256="c" * 64, package_bytes=1,
                      record_count=1, withheld_count=0, redaction_count=0,
                      created_by_id=officer.id)
    session.add(release)
    session.flush()
    publication = Publication(
        release_id=release.id, request_id=request.id, subject="Parade posts",
        summary="Posts.", scope="public_parts", folder="reading-room/publication-none",
        files=[], record_count=1, published_by_id=officer.id,
        withdrawn_by_id=officer.id, withdrawn_at=datetime(2026, 11, 19, tzinfo=UTC),
        withdrawal_reason="Withdrawn in the fixture.")
    session.add(publication)
    session.commit()
    return {"reading_room_release": release, "reading_room_publication": publication}

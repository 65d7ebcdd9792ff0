"""Authorization expectations for the archive (see ``tests/routes/__init__.py``)."""
from beatdesk import archive
from beatdesk.archive_search import SearchCriteria
from beatdesk.context import SYSTEM
from beatdesk.models import DispositionRun, LegalHold, PeriodUnit, RetentionSchedule, SavedSearch
from beatdesk.roles import Role

RECORDS_ADMIN = frozenset({Role.RECORDS, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})

STAFF_ROUTES: dict = {
    ("archive.search", "GET"): ("/console/archive/", RECORDS_ADMIN, 200),
    ("archive.record", "GET"): ("/console/archive/records/{archive_record}", RECORDS_ADMIN, 200),
    ("archive.saved_searches", "GET"): ("/console/archive/saved", RECORDS_ADMIN, 200),
    ("archive.save_search", "POST"): ("/console/archive/saved", RECORDS_ADMIN, 400),
    ("archive.delete_saved_search", "POST"):
        ("/console/archive/saved/{archive_saved_search}/delete", RECORDS_ADMIN, 303),
    ("archive.verify_page", "GET"): ("/console/archive/verify", RECORDS_ADMIN, 200),
    ("archive.run_verify", "POST"): ("/console/archive/verify", RECORDS_ADMIN, 303),
    ("archive.schedules", "GET"): ("/console/archive/retention", ADMIN, 200),
    ("archive.create_schedule", "POST"): ("/console/archive/retention", ADMIN, 400),
    ("archive.retire_schedule", "POST"):
        ("/console/archive/retention/{archive_schedule}/retire", ADMIN, 303),
    ("archive.holds", "GET"): ("/console/archive/holds", RECORDS_ADMIN, 200),
    ("archive.place_hold", "POST"): ("/console/archive/holds", RECORDS_ADMIN, 400),
    ("archive.release_hold", "POST"):
        ("/console/archive/holds/{archive_hold}/release", RECORDS_ADMIN, 400),
    ("archive.dispositions", "GET"): ("/console/archive/dispositions", RECORDS_ADMIN, 200),
    ("archive.propose_disposition", "POST"):
        ("/console/archive/dispositions", RECORDS_ADMIN, 303),
    ("archive.disposition", "GET"):
        ("/console/archive/dispositions/{archive_run}", RECORDS_ADMIN, 200),
    ("archive.approve_disposition", "POST"):
        ("/console/archive/dispositions/{archive_run}/approve", RECORDS_ADMIN, 303),
    ("archive.cancel_disposition", "POST"):
        ("/console/archive/dispositions/{archive_run}/cancel", RECORDS_ADMIN, 303),
}
PUBLIC_ROUTES: dict = {
    ("checkpoints.page", "GET"): ("/archive/checkpoints", 200),
    ("checkpoints.as_json", "GET"): ("/archive/checkpoints.json", 200),
}
SIGNED_IN_AS: dict = {}


def objects(factory, base: dict) -> dict:
    """A record, a saved search, a schedule, a hold and a run proposed by a records officer."""
    session = factory.session
    officer = factory.user(Role.RECORDS)
    admin = factory.user(Role.ADMIN)
    record = archive.append(session, record_type="comment", object_id="c-1",
                            district_id=base["district"].id, actor=SYSTEM,
                            content={"text": "A removed comment", "state": "removed"})
    saved = SavedSearch(name="Removed comments", owner_id=officer.id,
                        criteria=SearchCriteria(state="removed").to_dict())
    schedule = RetentionSchedule(record_type="comment", period_amount=2,
                                 period_unit=PeriodUnit.YEARS, authority="Local Records Act",
                                 created_by_id=admin.id)
    session.add_all([saved, schedule])
    session.flush()
    hold = LegalHold(reason="Lawsuit", case_number="2026-L-1", district_id=base["district"].id,
                     created_by_id=officer.id)
    run = DispositionRun(proposed_by_id=officer.id)
    session.add_all([hold, run])
    session.commit()
    return {"archive_record": record, "archive_saved_search": saved,
            "archive_schedule": schedule, "archive_hold": hold, "archive_run": run}

"""The archive console pages and the ``flask archive verify`` command."""
import re

import pytest
from sqlalchemy import func, select

from beatdesk import archive, retention
from beatdesk.context import SYSTEM, Actor
from beatdesk.models import (ArchiveRecord, AuditEvent, DispositionRun, DispositionState,
                             LegalHold, RetentionSchedule, SavedSearch)
from beatdesk.roles import Role

from .conftest import reread, sign_in
from .test_archive import tamper


def add_records(session, n=3, **content):
    records = [archive.append(session, record_type="comment.moderation", object_id="c-9",
                              district_id=None, actor=SYSTEM,
                              content={"body": f"Flagged remark number {i}", "state": "removed",
                                       **content})
               for i in range(n)]
    session.commit()
    return records


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_search_page_lists_matching_records(client, login_as, db_session):
    login_as(Role.RECORDS)
    records = add_records(db_session)
    response = client.get("/console/archive/", query_string={"text": "remark", "state": "removed"})
    page = text_of(response)
    assert response.status_code == 200
    assert "3 records matching" in page
    for r in records:
        assert f'href="/console/archive/records/{r.id}"' in page
    assert "Save this search" in page


def test_search_page_explains_bad_input(client, login_as):
    login_as(Role.ADMIN)
    response = client.get("/console/archive/", query_string={"since": "2026-02-01",
                                                             "until": "2026-01-01"})
    assert response.status_code == 400
    assert "There is a problem" in text_of(response)
    assert "end date is before the start date" in text_of(response)
    response = client.get("/console/archive/", query_string={"text": "!!!"})
    assert response.status_code == 400 and "at least one word" in text_of(response)
    response = client.get("/console/archive/", query_string={"since": "yesterday"})
    assert response.status_code == 400


def test_results_are_paginated(client, login_as, db_session, app):
    app.config["PAGE_SIZE"] = 2
    login_as(Role.RECORDS)
    add_records(db_session, 5)
    page = text_of(client.get("/console/archive/", query_string={"text": "remark"}))
    assert "Page 1 of 3 (5 in all)" in page
    assert "page=2" in page and "text=remark" in page


def test_record_page_shows_content_hashes_and_history(client, login_as, db_session):
    login_as(Role.RECORDS)
    first, second, _ = add_records(db_session)
    page = text_of(client.get(f"/console/archive/records/{second.id}"))
    assert "Flagged remark number 1" in page and second.record_hash in page
    assert f'href="/console/archive/records/{first.id}"' in page
    assert client.get("/console/archive/records/99999").status_code == 404


def test_saving_a_search(client, login_as, db_session):
    user = login_as(Role.RECORDS)
    response = client.post("/console/archive/saved", data={"name": "Removed remarks",
                                                           "text": "remark", "state": "removed"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/archive/saved"
    reread(db_session)
    saved = db_session.scalars(select(SavedSearch)).one()
    assert (saved.name, saved.owner_id, saved.criteria["text"]) == ("Removed remarks", user.id,
                                                                    "remark")
    page = text_of(client.get("/console/archive/saved"))
    assert "Removed remarks" in page and "text=remark" in page

    response = client.post("/console/archive/saved", data={"name": "", "text": "remark"})
    assert response.status_code == 400 and "There is a problem" in text_of(response)
    response = client.post(f"/console/archive/saved/{saved.id}/delete")
    assert response.status_code == 303
    reread(db_session)
    assert db_session.scalar(select(func.count(SavedSearch.id))) == 0


def test_verify_page_runs_and_shows_the_result(client, login_as, db_session):
    login_as(Role.RECORDS)
    records = add_records(db_session)
    assert "has not been verified" in text_of(client.get("/console/archive/verify"))
    response = client.post("/console/archive/verify")
    assert response.status_code == 303
    page = text_of(client.get("/console/archive/verify"))
    assert "Chain intact" in page

    tamper(db_session, records[1].id, "content")
    client.post("/console/archive/verify")
    page = text_of(client.get("/console/archive/verify"))
    assert "Mismatch found" in page
    assert f'href="/console/archive/records/{records[1].id}"' in page
    assert "does not match its content hash" in page
    reread(db_session)
    events = db_session.scalars(select(AuditEvent.outcome)
                                .where(AuditEvent.event == "archive.verified")).all()
    assert [e.value for e in events] == ["success", "failure"]


def test_cli_verify_exit_codes(app, db_session):
    records = add_records(db_session, 4)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output

    tamper(db_session, records[2].id, "record_hash")
    result = runner.invoke(args=["archive", "verify", "--batch-size", "2"])
    assert result.exit_code == 1
    assert f"record {records[2].id}: the record hash does not match" in result.output
    assert f"record {records[3].id}: the link is broken" in result.output
    assert "FAILED" in result.output


def test_schedule_pages(client, login_as, db_session):
    login_as(Role.ADMIN)
    response = client.post("/console/archive/retention", data={
        "record_type": "comment", "period_amount": "2", "period_unit": "years",
        "authority": "Local Records Act, Application No. 12-3"})
    assert response.status_code == 303
    page = text_of(client.get("/console/archive/retention"))
    assert "Local Records Act, Application No. 12-3" in page and "2 years" in page
    response = client.post("/console/archive/retention", data={
        "record_type": "comment", "period_amount": "1", "period_unit": "days", "authority": "x"})
    assert response.status_code == 400 and "already has an active schedule" in text_of(response)
    response = client.post("/console/archive/retention", data={
        "record_type": "post", "period_amount": "-1", "period_unit": "days", "authority": "x"})
    assert response.status_code == 400
    reread(db_session)
    schedule = db_session.scalars(select(RetentionSchedule)).one()
    assert client.post(f"/console/archive/retention/{schedule.id}/retire").status_code == 303
    reread(db_session)
    assert db_session.get(RetentionSchedule, schedule.id).retired_at is not None


def test_hold_pages(client, login_as, db_session, factory):
    login_as(Role.RECORDS)
    district = factory.district(number=31)
    response = client.post("/console/archive/holds", data={
        "reason": "Lawsuit", "case_number": "2026-L-7", "district_id": str(district.id)})
    assert response.status_code == 303
    page = text_of(client.get("/console/archive/holds"))
    assert "2026-L-7" in page and f"district #{district.id}" in page
    response = client.post("/console/archive/holds", data={"reason": "r", "case_number": "c"})
    assert response.status_code == 400 and "Give the hold a scope" in text_of(response)
    reread(db_session)
    hold = db_session.scalars(select(LegalHold)).one()
    response = client.post(f"/console/archive/holds/{hold.id}/release", data={"reason": ""})
    assert response.status_code == 400
    response = client.post(f"/console/archive/holds/{hold.id}/release",
                           data={"reason": "Case settled"})
    assert response.status_code == 303
    reread(db_session)
    assert db_session.get(LegalHold, hold.id).release_reason == "Case settled"


@pytest.fixture
def expired(db_session, factory, frozen_clock):
    admin = factory.user(Role.ADMIN)
    frozen_clock.now = frozen_clock.now.replace(year=2020)
    records = add_records(db_session, 2)
    frozen_clock.now = frozen_clock.now.replace(year=2026)
    retention.create_schedule(db_session, Actor(admin), record_type="comment", period_amount=1,
                              period_unit="years", authority="Local Records Act")
    db_session.commit()
    return records


def test_a_disposition_through_the_pages(client, factory, db_session, expired):
    officer, second = factory.user(Role.RECORDS), factory.user(Role.RECORDS)
    sign_in(client, officer)
    assert "2 records would be listed" in text_of(client.get("/console/archive/dispositions"))
    response = client.post("/console/archive/dispositions")
    assert response.status_code == 303
    run_url = response.headers["Location"]
    run_id = int(re.search(r"/dispositions/(\d+)$", run_url).group(1))
    page = text_of(client.get(run_url))
    assert "a second authorised person" in page and "Approve and dispose" not in page

    # The proposer cannot approve, even by posting directly.
    response = client.post(f"{run_url}/approve")
    assert response.status_code == 303
    reread(db_session)
    assert db_session.get(DispositionRun, run_id).state is DispositionState.PROPOSED
    assert "a second authorised person must approve" in text_of(client.get(run_url))

    sign_in(client, second)
    assert "Approve and dispose" in text_of(client.get(run_url))
    assert client.post(f"{run_url}/approve").status_code == 303
    reread(db_session)
    run = db_session.get(DispositionRun, run_id)
    assert run.state is DispositionState.EXECUTED and run.disposed_count == 2
    page = text_of(client.get(run_url))
    assert f"/console/archive/records/{run.certificate_record_id}" in page
    record_page = text_of(client.get(f"/console/archive/records/{expired[0].id}"))
    assert "Flagged remark" not in record_page and "tombstone" in record_page
    assert archive.verify(db_session).ok


def test_nothing_due_is_explained(client, login_as):
    login_as(Role.RECORDS)
    response = client.post("/console/archive/dispositions", follow_redirects=True)
    assert "nothing to dispose of" in text_of(response)


def test_cancelling_a_run(client, factory, db_session, expired):
    officer = factory.user(Role.RECORDS)
    run = retention.propose_run(db_session, Actor(officer))
    db_session.commit()
    sign_in(client, officer)
    assert client.post(f"/console/archive/dispositions/{run.id}/cancel").status_code == 303
    reread(db_session)
    assert db_session.get(DispositionRun, run.id).state is DispositionState.CANCELLED
    assert db_session.scalar(select(func.count(ArchiveRecord.id))
                             .where(ArchiveRecord.disposed_at.is_not(None))) == 0


def test_the_nav_links_to_the_archive_for_records_officers_only(client, login_as, factory):
    login_as(Role.RECORDS)
    assert 'href="/console/archive/"' in text_of(client.get("/console/"))
    sign_in(client, factory.user(Role.NEWS_AFFAIRS))
    assert 'href="/console/archive/"' not in text_of(client.get("/console/"))

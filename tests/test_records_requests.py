"""Public records requests: logging, due dates through the pages, states, dashboard,
snapshots and redactions."""
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from beatdesk import archive, records
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS, RecordsRules
from beatdesk.errors import Conflict, PermissionDenied, ValidationFailed
from beatdesk.models import (ArchiveRecord, AuditEvent, Exemption, RecordsRequest, Redaction,
                             RequestEvent, RequestState, SavedSearch, SnapshotItem)
from beatdesk.records import TRANSITIONS, RequestData
from beatdesk.roles import Role

from .conftest import make_app, reread, sign_in
from .routes.requests import ensure_exemptions

@pytest.fixture(autouse=True)
def exemptions(db_session):
    ensure_exemptions(db_session)


S = RequestState
WEDNESDAY_BEFORE_THANKSGIVING = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 14:00 in Chicago


def form_data(**overrides):
    data = {"requester_name": "Pat Requester", "requester_contact": "pat@example.org",
            "received_via": "email", "received_at": "2026-11-25T14:00",
            "description": "All posts about the Main Street parade."}
    data.update(overrides)
    return data


@pytest.fixture
def thanksgiving_week(frozen_clock):
    frozen_clock.now = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
    return frozen_clock


def _only_request(db_session) -> RecordsRequest:
    reread(db_session)
    return db_session.scalars(select(RecordsRequest)).one()


def test_officer_logs_a_request_due_after_thanksgiving(client, login_as, db_session,
                                                      thanksgiving_week):
    """Acceptance 4: received Wed 2026-11-25; Thu 26 is Thanksgiving; due Thu 2026-12-03."""
    officer = login_as(Role.RECORDS)
    response = client.post("/console/records/new", data=form_data())
    assert response.status_code == 303
    req = _only_request(db_session)
    assert response.headers["Location"] == f"/console/records/{req.id}"
    assert req.received_on == date(2026, 11, 25)
    assert req.due_on == req.original_due_on == date(2026, 12, 3)
    assert req.state is S.RECEIVED and req.rules_key == "IL"
    event = db_session.scalars(select(RequestEvent)).one()
    assert (event.action, event.to_state, event.actor_id) == ("logged", "received", officer.id)
    audited = db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "records.request_logged")).one()
    assert audited.object_id == str(req.id)
    page = client.get(f"/console/records/{req.id}").get_data(as_text=True)
    assert "Thursday, Dec 3, 2026" in page and "Pat Requester" in page


def test_after_hours_receipt_counts_as_that_local_day(client, login_as, db_session,
                                                      thanksgiving_week):
    """23:30 Wednesday in Chicago is already Thursday in UTC; still received Wednesday."""
    thanksgiving_week.now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    login_as(Role.RECORDS)
    client.post("/console/records/new", data=form_data(received_at="2026-11-25T23:30"))
    req = _only_request(db_session)
    assert req.received_at == datetime(2026, 11, 26, 5, 30, tzinfo=UTC)
    assert (req.received_on, req.due_on) == (date(2026, 11, 25), date(2026, 12, 3))


def test_commercial_request_gets_21_business_days(client, login_as, db_session,
                                                  thanksgiving_week):
    login_as(Role.RECORDS)
    client.post("/console/records/new", data=form_data(commercial="y"))
    req = _only_request(db_session)
    assert req.commercial and req.due_on == date(2026, 12, 28)


def test_extension_moves_the_due_date_once(client, login_as, db_session, thanksgiving_week):
    login_as(Role.RECORDS)
    client.post("/console/records/new", data=form_data())
    req = _only_request(db_session)
    response = client.post(f"/console/records/{req.id}/extend",
                           data={"days": "5", "reason": "Records must be collected from "
                                                        "another district."})
    assert response.status_code == 303
    req = _only_request(db_session)
    assert (req.state, req.due_on, req.original_due_on) == (S.EXTENDED, date(2026, 12, 10),
                                                           date(2026, 12, 3))
    assert req.extension_days == 5
    # One extension only; the second is refused and changes nothing.
    again = client.post(f"/console/records/{req.id}/extend", data={"days": "1", "reason": "x"})
    assert again.status_code == 409
    assert "already extended" in again.get_data(as_text=True)
    assert _only_request(db_session).due_on == date(2026, 12, 10)


@pytest.mark.parametrize("data,message", [
    ({"days": "6", "reason": "More time"}, "1 to 5 business days"),
    ({"days": "2", "reason": ""}, "State the reason"),
])
def test_bad_extensions_are_refused(client, login_as, db_session, thanksgiving_week, data,
                                    message):
    login_as(Role.RECORDS)
    client.post("/console/records/new", data=form_data())
    req = _only_request(db_session)
    response = client.post(f"/console/records/{req.id}/extend", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _only_request(db_session).due_on == date(2026, 12, 3)


def test_a_custom_states_rules_from_config(database_url, factory, db_session, thanksgiving_week):
    """RECORDS_RULES may be a RecordsRules: here 2 days counting the day of receipt."""
    custom = RecordsRules(key="ZZ", label="Custom Records Act", statute="ZZ 1", subdivision=None,
                          response_days=2, extension_days=3, commercial_days=4,
                          count_receipt_day=True)
    app = make_app(database_url, RECORDS_RULES=custom, TIMEZONE="America/New_York")
    client = app.test_client()
    sign_in(client, factory.user(Role.RECORDS))
    assert client.post("/console/records/new", data=form_data()).status_code == 303
    req = _only_request(db_session)
    # Wed 25 is day 1, Thu 26 Thanksgiving (federal calendar), Fri 27 day 2.
    assert (req.rules_key, req.due_on) == ("ZZ", date(2026, 11, 27))
    client.post(f"/console/records/{req.id}/extend", data={"days": "3", "reason": "Volume."})
    assert _only_request(db_session).due_on == date(2026, 12, 2)
    app.extensions["beatdesk.engine"].dispose()


@pytest.mark.parametrize("setting", [{"RECORDS_RULES": "XX"}, {"TIMEZONE": "Mars/Olympus"}])
def test_bad_records_settings_stop_the_app(database_url, setting):
    with pytest.raises(RuntimeError):
        make_app(database_url, **setting)


def test_form_errors_are_400_and_store_nothing(client, login_as, db_session, thanksgiving_week):
    login_as(Role.RECORDS)
    response = client.post("/console/records/new", data=form_data(requester_name="",
                                                                  received_via="fax"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "Enter the requester&#39;s name." in page
    future = client.post("/console/records/new", data=form_data(received_at="2026-12-01T10:00"))
    assert future.status_code == 400
    assert "cannot be in the future" in future.get_data(as_text=True)
    reread(db_session)
    assert db_session.scalar(select(func.count(RecordsRequest.id))) == 0


# --- states ---------------------------------------------------------------------------------

def _request(session, officer, state=S.RECEIVED) -> RecordsRequest:
    actor = Actor(officer)
    req = records.create_request(session, actor, RequestData(
        "Pat", "pat@example.org", "email", datetime(2026, 11, 16, 15, 0, tzinfo=UTC),
        "Posts."), ILLINOIS)
    if state is S.DENIED:
        req.denial_exemption_id = session.scalars(select(Exemption.id)).first()
    req.state = state
    session.commit()
    return req


@pytest.mark.parametrize("start", list(S), ids=str)
@pytest.mark.parametrize("target", [s for s in S if s is not S.EXTENDED], ids=str)
def test_transition_table(db_session, factory, frozen_clock, start, target):
    """Every state x every target: allowed exactly when the one table says so."""
    officer = factory.user(Role.RECORDS)
    req = _request(db_session, officer, start)
    exemption = db_session.scalars(select(Exemption).where(Exemption.code == "7(1)(c)")).one()
    if target in TRANSITIONS[start]:
        records.change_state(db_session, Actor(officer), req, target, note="Because.",
                             exemption_id=exemption.id)
        db_session.commit()
        assert req.state is target
        assert (req.closed_at is not None) == (not target.is_open)
    else:
        with pytest.raises((Conflict, ValidationFailed)):
            records.change_state(db_session, Actor(officer), req, target, note="Because.",
                                 exemption_id=exemption.id)
        db_session.rollback()
        assert db_session.get(RecordsRequest, req.id).state is start


def test_denial_needs_an_exemption_and_a_reason(client, login_as, db_session, frozen_clock):
    officer = login_as(Role.RECORDS)
    req = _request(db_session, officer)
    url = f"/console/records/{req.id}/state"
    no_exemption = client.post(url, data={"to_state": "denied", "note": "Private."})
    assert no_exemption.status_code == 400
    assert "Choose an exemption" in no_exemption.get_data(as_text=True)
    exemption = db_session.scalars(select(Exemption).where(Exemption.code == "7(1)(b)")).one()
    no_reason = client.post(url, data={"to_state": "denied", "exemption_id": exemption.id})
    assert no_reason.status_code == 400
    assert "reason for the denial" in no_reason.get_data(as_text=True)
    assert _only_request(db_session).state is S.RECEIVED
    ok = client.post(url, data={"to_state": "denied", "exemption_id": exemption.id,
                                "note": "Only private information."})
    assert ok.status_code == 303
    req = _only_request(db_session)
    assert (req.state, req.denial_exemption_id) == (S.DENIED, exemption.id)
    events = db_session.scalars(select(RequestEvent).order_by(RequestEvent.id)).all()
    assert [(e.from_state, e.to_state, e.exemption_id) for e in events][-1] == \
        ("received", "denied", exemption.id)
    page = client.get(f"/console/records/{req.id}").get_data(as_text=True)
    assert "5 ILCS 140/7(1)(b)" in page


def test_a_stale_form_is_refused(client, login_as, db_session, frozen_clock):
    officer = login_as(Role.RECORDS)
    req = _request(db_session, officer, S.SEARCHING)
    response = client.post(f"/console/records/{req.id}/state",
                           data={"to_state": "reviewing", "expected_state": "received"})
    assert response.status_code == 409
    assert _only_request(db_session).state is S.SEARCHING


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.RECORDS], ids=str)
def test_only_records_officers_change_requests(db_session, factory, frozen_clock, role):
    officer = factory.user(Role.RECORDS)
    req = _request(db_session, officer)
    other = factory.user(role)
    with pytest.raises(PermissionDenied):
        records.change_state(db_session, Actor(other), req, S.SEARCHING)
    with pytest.raises(PermissionDenied):
        records.extend_request(db_session, Actor(other), req, ILLINOIS, "x")
    assert records.can_view_requests(other) == (role is Role.ADMIN)


def test_admin_reads_but_cannot_change(client, login_as, db_session, factory, frozen_clock):
    req = _request(db_session, factory.user(Role.RECORDS))
    login_as(Role.ADMIN)
    page = client.get(f"/console/records/{req.id}")
    assert page.status_code == 200
    assert "Change the state" not in page.get_data(as_text=True)
    assert client.post(f"/console/records/{req.id}/state",
                       data={"to_state": "searching"}).status_code == 403
    assert _only_request(db_session).state is S.RECEIVED


def test_dashboard_shows_overdue_and_due_soon(client, login_as, db_session, factory,
                                              frozen_clock):
    officer = login_as(Role.RECORDS)
    actor = Actor(officer)

    def log(name, received):
        req = records.create_request(db_session, actor, RequestData(
            name, "x@example.org", "mail", received, "Posts."), ILLINOIS)
        db_session.commit()
        return req

    # Today is Fri 2026-11-20 (frozen clock), 09:00 in Chicago.
    overdue = log("Olivia Overdue", datetime(2026, 11, 10, 15, 0, tzinfo=UTC))  # due Nov 18
    today = log("Tess Today", datetime(2026, 11, 13, 15, 0, tzinfo=UTC))  # due Nov 20
    soon = log("Sam Soon", datetime(2026, 11, 16, 15, 0, tzinfo=UTC))  # due Nov 23
    later = log("Lee Later", datetime(2026, 11, 20, 14, 0, tzinfo=UTC))  # due Nov 30
    closed = log("Cal Closed", datetime(2026, 11, 9, 15, 0, tzinfo=UTC))
    records.change_state(db_session, actor, closed, S.WITHDRAWN, note="Withdrawn by phone.")
    db_session.commit()

    board = records.dashboard(db_session, ILLINOIS)
    assert [r.id for r in board.overdue] == [overdue.id]
    assert [r.id for r in board.due_soon] == [today.id, soon.id]
    assert [r.id for r in board.other_open] == [later.id]
    assert [r.id for r in board.recently_closed] == [closed.id]
    page = client.get("/console/records/").get_data(as_text=True)
    overdue_section = page.split("<h2>Overdue")[1].split("<h2>")[0]
    soon_section = page.split("<h2>Due within two business days")[1].split("<h2>")[0]
    assert "Olivia Overdue" in overdue_section and "(overdue)" in overdue_section
    assert "Tess Today" in soon_section and "Sam Soon" in soon_section
    assert "Lee Later" not in soon_section


# --- snapshots and redaction ----------------------------------------------------------------

def _archive_posts(session, author, district):
    actor = Actor(author)
    first = archive.append(session, record_type="post.revision", object_id=11,
                           district_id=district.id, actor=actor,
                           content={"body": "Parade on Main Street; call Jane Roe at 555-0100.",
                                    "state": "published"})
    second = archive.append(session, record_type="comment.created", object_id=21,
                            district_id=district.id, actor=None, actor_label="visitor",
                            content={"body": "Great parade!", "state": "visible"})
    removed = archive.append(session, record_type="comment.moderated", object_id=21,
                             district_id=district.id, actor=actor,
                             content={"action": "remove", "state": "removed",
                                      "reason": "Off-topic"})
    session.commit()
    return first, second, removed


def test_attach_search_results_freezes_a_snapshot(client, login_as, db_session, factory,
                                                  frozen_clock):
    officer = login_as(Role.RECORDS)
    district = factory.district()
    post, comment, removed = _archive_posts(db_session, factory.user(Role.REPRESENTATIVE,
                                                                     district), district)
    req = _request(db_session, officer, S.SEARCHING)
    page = client.get(f"/console/records/{req.id}/search", query_string={"text": "parade"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'value="{post.id}"' in text and f'value="{comment.id}"' in text

    response = client.post(f"/console/records/{req.id}/attach",
                           data={"text": "parade", "record_ids": [str(comment.id)],
                                 "with_history": "y"})
    assert response.status_code == 303
    reread(db_session)
    items = db_session.scalars(select(SnapshotItem).order_by(SnapshotItem.id)).all()
    # The comment comes with its history: the moderation record that removed it.
    assert [i.archive_record_id for i in items] == [comment.id, removed.id]
    archived = db_session.get(ArchiveRecord, removed.id)
    assert (items[1].content, items[1].archive_hash, items[1].content_hash) == \
        (archived.content, archived.record_hash, archived.content_hash)
    saved = db_session.scalars(select(SavedSearch)).one()
    assert saved.request_id == req.id and saved.criteria["text"] == "parade"

    # Attaching again adds nothing twice.
    client.post(f"/console/records/{req.id}/attach", data={"text": "parade", "all_results": "y"})
    reread(db_session)
    assert sorted(db_session.scalars(select(SnapshotItem.archive_record_id))) == \
        sorted([post.id, comment.id, removed.id])


def test_attach_without_a_choice_is_400(client, login_as, db_session, factory, frozen_clock):
    officer = login_as(Role.RECORDS)
    req = _request(db_session, officer)
    response = client.post(f"/console/records/{req.id}/attach", data={"text": "parade"})
    assert response.status_code == 400
    assert "Choose the records to attach" in response.get_data(as_text=True)


def _attached(session, officer, factory):
    district = factory.district()
    post, _, _ = _archive_posts(session, factory.user(Role.REPRESENTATIVE, district), district)
    req = _request(session, officer, S.REVIEWING)
    records.attach_records(session, Actor(officer), req, [post])
    session.commit()
    return req, session.scalars(select(SnapshotItem)).one(), post


def test_redactions_apply_to_the_preview_never_to_the_archive(client, login_as, db_session,
                                                              factory, frozen_clock):
    officer = login_as(Role.RECORDS)
    req, item, post = _attached(db_session, officer, factory)
    exemption = db_session.scalars(select(Exemption).where(Exemption.code == "7(1)(b)")).one()
    body = json.loads(item.content)["body"]
    start = body.index("555-0100")
    url = f"/console/records/{req.id}/items/{item.id}/redactions"
    response = client.post(url, data={"kind": "range", "field": "body", "start": start,
                                      "end": start + 8, "exemption_id": exemption.id})
    assert response.status_code == 303
    response = client.post(url, data={"kind": "text", "text": "jane roe",
                                      "exemption_id": exemption.id})
    assert response.status_code == 303
    page = client.get(f"/console/records/{req.id}/items/{item.id}").get_data(as_text=True)
    preview = page.split("As it will be released")[1].split("<h2>")[0]
    assert "555-0100" not in preview and "Jane Roe" not in preview
    assert "[REDACTED under 7(1)(b)]" in preview and "Main Street" in preview
    reread(db_session)
    assert db_session.get(ArchiveRecord, post.id).content == post.content  # archive untouched
    assert json.loads(db_session.get(SnapshotItem, item.id).content)["body"] == body


@pytest.mark.parametrize("data,message", [
    ({"kind": "range", "field": "body", "start": "40", "end": "400"}, "within the field"),
    ({"kind": "range", "field": "nope", "start": "0", "end": "2"}, "Not a valid choice"),
    ({"kind": "text", "text": "not in it"}, "does not occur"),
    ({"kind": "text", "text": ""}, "Enter the exact text"),
    ({"kind": "record", "exemption_id": ""}, "Choose an exemption"),
])
def test_bad_redactions_are_400_and_store_nothing(client, login_as, db_session, factory,
                                                  frozen_clock, data, message):
    officer = login_as(Role.RECORDS)
    req, item, _ = _attached(db_session, officer, factory)
    exemption = db_session.scalars(select(Exemption).where(Exemption.code == "7(1)(c)")).one()
    data = {"exemption_id": exemption.id, **data}
    response = client.post(f"/console/records/{req.id}/items/{item.id}/redactions", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    reread(db_session)
    assert db_session.scalar(select(func.count(Redaction.id))) == 0


def test_removing_a_redaction_keeps_it_on_record(client, login_as, db_session, factory,
                                                 frozen_clock):
    officer = login_as(Role.RECORDS)
    req, item, _ = _attached(db_session, officer, factory)
    exemption = db_session.scalars(select(Exemption).where(Exemption.code == "7(1)(c)")).one()
    redaction = records.add_redaction(db_session, Actor(officer), req, item,
                                      exemption_id=exemption.id, kind="record")
    db_session.commit()
    response = client.post(f"/console/records/{req.id}/redactions/{redaction.id}/remove")
    assert response.status_code == 303
    reread(db_session)
    kept = db_session.get(Redaction, redaction.id)
    assert kept.removed_at is not None and kept.removed_by_id == officer.id
    assert client.post(f"/console/records/{req.id}/redactions/{redaction.id}/remove") \
        .status_code == 303  # refused with a message, nothing changes
    assert records.active_redactions(db_session, [item.id]) == {item.id: []}


class _R:
    """A redaction as ``redacted_content`` reads it."""

    def __init__(self, kind, field="", start=None, end=None, text="", code="7(1)(c)"):
        self.kind, self.field, self.start_at, self.end_at = kind, field, start, end
        self.match_text = text
        self.exemption = Exemption(code=code, citation="", label="")


def test_overlapping_redactions_merge_and_passages_leave_every_field():
    from beatdesk.models import RedactionKind as K

    content = {"body": "Call Jane Roe at 555-0100 today.",
               "comments": [{"text": "jane roe again", "n": 3}], "title": "Roe Street"}
    released, withheld = records.redacted_content(content, [
        _R(K.RANGE, "body", 5, 13, code="7(1)(c)"),  # "Jane Roe"
        _R(K.RANGE, "body", 10, 25, code="7(1)(b)"),  # "Roe at 555-0100", overlapping
        _R(K.TEXT, "title", text="Roe Street"),
    ])
    assert withheld == []
    assert released["body"] == "Call [REDACTED under 7(1)(c), 7(1)(b)] today."
    assert released["comments"] == [{"text": "[REDACTED under 7(1)(c)] again", "n": 3}]
    assert released["title"] == "[REDACTED under 7(1)(c)]"
    assert content["body"].startswith("Call Jane Roe")  # the input is left alone
    gone, exemptions = records.redacted_content(content, [_R(K.RECORD, code="7(1)(f)")])
    assert gone is None and [e.code for e in exemptions] == ["7(1)(f)"]

"""The requester portal: filing a request on the public site, the private tracking link (which
can't be guessed or enumerated), messages both ways, withdrawal and released files."""
import hashlib
import html
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from beatdesk import records_portal, sealing, staff_mail
from beatdesk.models import (ArchiveRecord, AuditEvent, OutboxKind, OutboxRow, PortalAccess,
                             RecordsRequest, Release, RequestEvent, RequestMessage,
                             RequestState)
from beatdesk.release import package_path
from beatdesk.roles import Role

from .conftest import make_app, reread, sign_in
from .routes.requests import ensure_exemptions

TRACK = re.compile(r"^/records-requests/(\d+)/track/([A-Za-z0-9_-]{43})\?filed=1$")
WEDNESDAY_BEFORE_THANKSGIVING = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # 14:00 in Chicago


@pytest.fixture(autouse=True)
def exemptions(db_session):
    ensure_exemptions(db_session)


@pytest.fixture
def wednesday(frozen_clock):
    frozen_clock.now = WEDNESDAY_BEFORE_THANKSGIVING
    return frozen_clock


def form(**overrides):
    data = {"name": "Pat Requester", "email": "pat@example.org", "postal_address": "",
            "description": "Every post about the Main Street parade in November 2026.",
            "delivery": "email"}
    data.update(overrides)
    return data


def file_request(client, **overrides) -> tuple[int, str]:
    response = client.post("/records-requests/new", data=form(**overrides))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    found = TRACK.match(response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1)), found.group(2)


def track_url(request_id: int, token: str, rest: str = "") -> str:
    return f"/records-requests/{request_id}/track/{token}{rest}"


def officer_client(app, factory):
    reread(factory.session)  # a fresh snapshot: requests have written since it last read
    client = app.test_client()
    sign_in(client, factory.user(Role.RECORDS))
    return client


# --- filing ----------------------------------------------------------------------------------

def test_the_form_shows_the_illinois_notices_and_is_linked_from_the_public_site(client):
    page = client.get("/records-requests/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for notice in ("5 ILCS 140", "within 5 business days", "commercial purpose",
                   "5 ILCS 140/3.1(c)", "21 business days", "Public Access Counselor"):
        assert notice in text
    assert 'name="website"' in text  # the honeypot
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in page.headers
    assert 'href="/records-requests/new"' in client.get("/").get_data(as_text=True)


def test_a_visitor_files_a_request_and_gets_a_private_tracking_link(client, db_session,
                                                                   wednesday, app):
    request_id, token = file_request(client)
    reread(db_session)
    req = db_session.get(RecordsRequest, request_id)
    assert req.received_via.value == "web_form" and req.created_by_id is None
    assert req.received_at == WEDNESDAY_BEFORE_THANKSGIVING
    assert (req.received_on, req.due_on) == (date(2026, 11, 25), date(2026, 12, 3))
    assert req.requester_name == "Pat Requester" and req.state is RequestState.RECEIVED
    access = db_session.get(PortalAccess, request_id)
    assert access.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert access.email == "pat@example.org" and access.delivery.value == "email"
    assert len(token) == 43  # 32 random bytes

    page = client.get(track_url(request_id, token, "?filed=1"))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Your request was received" in text and f"<strong>{request_id}</strong>" in text
    assert token in text and "Thursday, Dec 3, 2026" in text
    assert "Received; the records officer has not answered yet" in text

    # The confirmation e-mail waits in the outbox; the link in it is sealed, never stored bare.
    row = db_session.scalars(select(OutboxRow).where(OutboxRow.records_request_id
                                                     == request_id)).one()
    assert row.kind is OutboxKind.EMAIL and row.user_id is None
    assert row.payload["to"] == "pat@example.org"
    assert token not in repr(row.payload)
    assert token in sealing.unseal(row.payload["sealed_link"])
    message = staff_mail.build_message(row, app.config)
    body = message.get_content()
    assert f"/records-requests/{request_id}/track/{token}" in body
    assert str(request_id) in message["Subject"] and "Thursday, Dec 3, 2026" in body

    # No table holds the token itself.
    for record in db_session.scalars(select(ArchiveRecord)):
        assert token not in record.content
    for event in db_session.scalars(select(AuditEvent)):
        assert token not in repr(event.details)
    events = {e.event for e in db_session.scalars(select(AuditEvent))}
    assert {"records.request_logged", "records.request_filed_online"} <= events
    logged = db_session.scalars(select(RequestEvent)).one()
    assert (logged.action, logged.actor_id) == ("logged", None)


def test_tracking_link_is_only_available_right_after_filing(client, db_session, wednesday):
    request_id, _token = file_request(client)
    reread(db_session)
    assert records_portal.tracking_link(db_session.get(RecordsRequest, request_id)) is None


REFUSALS = [
    ({"name": ""}, "Enter your name."),
    ({"email": ""}, "Enter your e-mail address"),
    ({"email": "not an address"}, "Enter an e-mail address like name@example.org."),
    ({"delivery": "mail", "postal_address": ""}, "Enter the postal address"),
    ({"delivery": "carrier pigeon"}, "Choose how you want to receive the records."),
    ({"description": "x" * 10_001}, "The description can be at most 10,000 characters"),
    ({"name": "n" * 201}, "Your name can be at most 200 characters."),
    ({"website": "http://spam.example"}, "Leave the field marked"),
]


@pytest.mark.parametrize("change,message", REFUSALS, ids=[m[:30] for _c, m in REFUSALS])
def test_bad_input_is_refused_with_a_message_and_everything_typed_kept(client, db_session,
                                                                      change, message):
    typed = form(postal_address="1 Elm St\nSpringfield", commercial="y",
                 description="Reports of the parade, with <b>tags</b> & ampersands.")
    typed.update(change)
    response = client.post("/records-requests/new", data=typed)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in text
    for name in ("name", "email", "description", "postal_address"):
        if typed[name] and len(typed[name]) < 500:
            assert html.escape(typed[name], quote=False) in text, name
    assert 'checked' in text.split('id="request-commercial"')[0][-200:] + \
        text.split('id="request-commercial"')[1][:100]
    reread(db_session)
    assert db_session.scalar(select(func.count(RecordsRequest.id))) == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=300), email=st.text(max_size=300), postal=st.text(max_size=300),
       description=st.text(max_size=600), delivery=st.text(max_size=20),
       commercial=st.sampled_from(["", "y", "on", "\u00e9"]))
def test_any_unicode_input_gets_an_answer_never_a_server_error(client, name, email, postal,
                                                               description, delivery,
                                                               commercial):
    response = client.post("/records-requests/new", data={
        "name": name, "email": email, "postal_address": postal, "description": description,
        "delivery": delivery, "commercial": commercial})
    assert response.status_code in (303, 400), response.status_code
    if response.status_code == 400 and "\x00" not in name + email + postal + description + delivery:
        text = response.get_data(as_text=True)
        assert "There is a problem" in text
        assert "Request public records" in text  # the form again, not an error page


# --- protections -------------------------------------------------------------------------------

@pytest.fixture
def protected_app(database_url, tmp_path):
    app = make_app(database_url, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True,
                   RECORDS_PORTAL_RATE_LIMIT="4 per minute",
                   RECORDS_PORTAL_VIEW_RATE_LIMIT="5 per minute")
    yield app
    app.extensions["beatdesk.engine"].dispose()


def _form_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_forged_stale_and_cross_site_submissions_are_refused_with_the_text_kept(protected_app):
    client = protected_app.test_client()
    token = _form_token(client.get("/records-requests/new").get_data(as_text=True))
    typed = form(description="Parade records, please.")

    missing = client.post("/records-requests/new", data=typed)
    assert missing.status_code == 400 and "security token" in missing.get_data(as_text=True)
    assert "Parade records, please." in missing.get_data(as_text=True)

    forged = client.post("/records-requests/new", data={**typed, "csrf_token": "forged"})
    assert forged.status_code == 400 and "security token" in forged.get_data(as_text=True)

    cross = client.post("/records-requests/new", data={**typed, "csrf_token": token},
                        headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and "another website" in cross.get_data(as_text=True)
    assert "Parade records, please." in cross.get_data(as_text=True)

    ok = client.post("/records-requests/new", data={**typed, "csrf_token": token},
                     headers={"Origin": "http://localhost"})
    assert ok.status_code == 303

    limited = client.post("/records-requests/new", data={**typed, "csrf_token": token})
    assert limited.status_code == 429
    text = limited.get_data(as_text=True)
    assert "several forms in a short time" in text and "Parade records, please." in text


def test_a_reply_needs_the_form_token_of_its_own_request(protected_app):
    client = protected_app.test_client()
    page = client.get("/records-requests/new").get_data(as_text=True)
    first = client.post("/records-requests/new", data={**form(), "csrf_token": _form_token(page)})
    request_id, token = TRACK.match(first.headers["Location"]).groups()
    tracking = client.get(track_url(request_id, token)).get_data(as_text=True)
    reply_token = _form_token(tracking.split('id="reply-title"')[1])

    response = client.post(track_url(request_id, token, "/reply"),
                           data={"body": "Only November, please."})
    assert response.status_code == 400 and "security token" in response.get_data(as_text=True)
    assert "Only November, please." in response.get_data(as_text=True)
    wrong_purpose = records_portal_token(protected_app, "withdraw", int(request_id))
    response = client.post(track_url(request_id, token, "/reply"),
                           data={"body": "Only November.", "csrf_token": wrong_purpose})
    assert response.status_code == 400
    response = client.post(track_url(request_id, token, "/reply"),
                           data={"body": "Only November.", "csrf_token": reply_token})
    assert response.status_code == 303


def test_scanning_tracking_addresses_is_rate_limited(protected_app):
    client = protected_app.test_client()
    answers = [client.get(track_url(1, f"guess-{n}")).status_code for n in range(7)]
    assert answers[:5] == [404] * 5 and answers[5:] == [429, 429]


def records_portal_token(app, purpose, request_id):
    from blueprints.records_portal import protection

    with app.test_request_context():
        return protection.issue(purpose, request_id)


# --- the tracking link can't be guessed ---------------------------------------------------------

def test_wrong_truncated_and_other_requests_tokens_are_all_the_same_404(client, db_session,
                                                                      wednesday, app, factory):
    first, first_token = file_request(client)
    second, second_token = file_request(client, name="Sam Other", email="sam@example.org",
                                        description="Sam's own request about the budget.")
    officer = officer_client(app, factory)
    officer.post("/console/records/new", data={
        "requester_name": "Staff Logged", "requester_contact": "x@example.org",
        "received_via": "email", "received_at": "2026-11-25T13:00", "description": "Logged."})
    reread(db_session)
    staff_logged = db_session.scalars(select(RecordsRequest).where(
        RecordsRequest.created_by_id.is_not(None))).one()

    attempts = [
        (first, first_token[:-1]),                 # truncated by one character
        (first, first_token[:20]),                 # truncated by half
        (first, first_token + "A"),                # one too many
        (first, first_token[:-1] + ("A" if first_token[-1] != "A" else "B")),  # one wrong
        (first, second_token),                     # another request's token
        (second, first_token),
        (staff_logged.id, first_token),            # a request filed by staff has no link
        (999_999, first_token),                    # no such request
        (first, "x" * 500),                        # far too long
        (first, first_token.upper() if first_token.upper() != first_token else "a" * 43),
    ]
    bodies = set()
    for request_id, token in attempts:
        for suffix in ("", "/withdraw", "/releases/1"):
            response = client.get(track_url(request_id, token, suffix))
            assert response.status_code == 404, (request_id, token, suffix)
            assert response.headers["Cache-Control"] == "private, no-store"
            bodies.add(response.get_data(as_text=True))
        response = client.post(track_url(request_id, token, "/reply"), data={"body": "hi"})
        assert response.status_code == 404
        response = client.post(track_url(request_id, token, "/withdraw"), data={})
        assert response.status_code == 404
    assert len(bodies) == 1  # the same answer, whatever was wrong
    body = bodies.pop()
    assert "Sam" not in body and "Pat" not in body and "parade" not in body
    reread(db_session)
    assert db_session.scalar(select(func.count(RequestMessage.id))) == 0
    assert {r.state for r in db_session.scalars(select(RecordsRequest))} == {RequestState.RECEIVED}

    # Each token opens its own request, and only that one.
    mine = client.get(track_url(first, first_token)).get_data(as_text=True)
    theirs = client.get(track_url(second, second_token)).get_data(as_text=True)
    assert "Main Street parade" in mine and "budget" not in mine
    assert "budget" in theirs and "Main Street parade" not in theirs


def test_tracking_pages_are_private_and_never_kept_by_the_page_cache(database_url, db_session,
                                                                      factory):
    app = make_app(database_url, PUBLIC_CACHE_SECONDS=60, PUBLIC_CACHE_CHECK_SECONDS=0)
    try:
        client = app.test_client()
        request_id, token = file_request(client)
        for _ in range(2):
            page = client.get(track_url(request_id, token))
            assert page.status_code == 200
            assert page.headers["Cache-Control"] == "private, no-store"
            assert page.headers["Referrer-Policy"] == "no-referrer"
            assert "public" not in page.headers["Cache-Control"]
            assert "Set-Cookie" not in page.headers
        store = app.extensions["beatdesk.public_cache"].store
        assert not [key for key in store._pages if "/records-requests/" in key[6]]
        client.get("/")  # the landing page is kept, so the cache is on
        assert any(key[6] == "/" for key in store._pages)
    finally:
        app.extensions["beatdesk.engine"].dispose()


# --- messages, withdrawal, released files --------------------------------------------------------

def test_officer_and_requester_exchange_messages(client, app, db_session, factory, wednesday):
    request_id, token = file_request(client)
    officer = officer_client(app, factory)
    page = officer.get(f"/console/records/{request_id}").get_data(as_text=True)
    assert "Messages with the requester" in page and 'id="officer-message-body"' in page
    assert "Filed on the public site" in page and "How they want the records: By e-mail. E-mail: pat@example.org." in page

    refused = officer.post(f"/console/records/{request_id}/messages", data={"body": "  "})
    assert refused.status_code == 400 and "Write the message." in refused.get_data(as_text=True)

    sent = officer.post(f"/console/records/{request_id}/messages",
                        data={"body": "Which district's parade do you mean?"})
    assert sent.status_code == 303
    reread(db_session)
    mail = db_session.scalars(select(OutboxRow).where(OutboxRow.records_request_id == request_id)
                              .order_by(OutboxRow.id.desc())).first()
    assert "Which district's parade" in mail.payload["text"]
    assert mail.payload["to"] == "pat@example.org"

    tracking = client.get(track_url(request_id, token)).get_data(as_text=True)
    assert "Which district&#39;s parade do you mean?" in tracking

    replied = client.post(track_url(request_id, token, "/reply"),
                          data={"body": "The Central district's, on Nov 11."})
    assert replied.status_code == 303
    tracking = client.get(replied.headers["Location"]).get_data(as_text=True)
    assert "Your message was sent" in tracking and "on Nov 11." in tracking
    reread(db_session)
    messages = db_session.scalars(select(RequestMessage).order_by(RequestMessage.id)).all()
    assert [(m.sender.value, m.actor_id is None) for m in messages] == [
        ("officer", False), ("requester", True)]
    audited = db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "records.message_from_requester")).one()
    assert audited.actor_login == "requester" and audited.details["body"].endswith("Nov 11.")
    assert "on Nov 11." in officer.get(f"/console/records/{request_id}").get_data(as_text=True)


def test_a_reply_answers_a_pending_clarification_and_the_clock_resumes(client, app, db_session,
                                                                      factory, wednesday):
    from beatdesk import records_tolling
    from beatdesk.context import Actor
    from beatdesk.due_dates import ILLINOIS

    request_id, token = file_request(client)
    reread(db_session)
    officer = factory.user(Role.RECORDS)
    req = db_session.get(RecordsRequest, request_id)
    records_tolling.ask_clarification(db_session, Actor(user=officer), req, ILLINOIS,
                                      "Which parade?")
    db_session.commit()
    assert req.state.value == "waiting_for_requester"
    page = client.get(track_url(request_id, token)).get_data(as_text=True)
    assert "Waiting for your answer" in page and "Which parade?" in page

    wednesday.advance(days=1)
    assert client.post(track_url(request_id, token, "/reply"),
                       data={"body": "The one on Main Street."}).status_code == 303
    reread(db_session)
    req = db_session.get(RecordsRequest, request_id)
    assert req.state.value != "waiting_for_requester"
    assert records_tolling.open_wait(db_session, req) is None


def test_the_requester_withdraws_after_confirming(client, db_session, wednesday):
    request_id, token = file_request(client)
    confirm = client.get(track_url(request_id, token, "/withdraw"))
    assert confirm.status_code == 200 and "Yes, withdraw the request" in confirm.get_data(
        as_text=True)
    reread(db_session)
    assert db_session.get(RecordsRequest, request_id).state is RequestState.RECEIVED

    done = client.post(track_url(request_id, token, "/withdraw"),
                       data={"reason": "Found them elsewhere."})
    assert done.status_code == 303
    reread(db_session)
    req = db_session.get(RecordsRequest, request_id)
    assert req.state is RequestState.WITHDRAWN and req.closed_at is not None
    event = db_session.scalars(select(RequestEvent).where(
        RequestEvent.action == "withdrawn_by_requester")).one()
    assert "Found them elsewhere." in event.note and event.actor_id is None
    assert db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "records.request_withdrawn_by_requester")).one()
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Your request was withdrawn." in page and "Withdrawn" in page
    assert 'id="reply-title"' not in page

    again = client.post(track_url(request_id, token, "/withdraw"), data={})
    assert again.status_code == 409 and "already closed" in again.get_data(as_text=True)
    late = client.post(track_url(request_id, token, "/reply"), data={"body": "One more thing"})
    assert late.status_code == 409 and "One more thing" in late.get_data(as_text=True)


def test_released_files_download_through_the_tracking_link_only(client, app, db_session,
                                                               wednesday):
    first, first_token = file_request(client)
    second, second_token = file_request(client, description="Another request.")
    reread(db_session)
    root = app.config.get("RELEASE_ROOT") or f"{app.instance_path}/releases"
    release = Release(request_id=first, released_to="pat@example.org", outcome="released_in_full",
                      package_name="request-1-release.zip", package_sha256="0" * 64,
                      package_bytes=12, record_count=1, withheld_count=0, redaction_count=0,
                      created_at=datetime.now(UTC))
    db_session.add(release)
    db_session.commit()
    path = package_path(root, release)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK fake zip!")

    page = client.get(track_url(first, first_token)).get_data(as_text=True)
    link = track_url(first, first_token, f"/releases/{release.id}")
    assert link in page and "request-1-release.zip" in page
    download = client.get(link)
    assert download.status_code == 200 and download.data == b"PK fake zip!"
    assert download.headers["Cache-Control"] == "private, no-store"
    # Another request's link can't reach it.
    assert client.get(track_url(second, second_token,
                                f"/releases/{release.id}")).status_code == 404
    assert client.get(track_url(first, first_token, "/releases/999")).status_code == 404


def test_officer_messages_on_a_request_logged_by_staff_are_kept_not_mailed(app, db_session,
                                                                        factory, wednesday):
    officer = officer_client(app, factory)
    officer.post("/console/records/new", data={
        "requester_name": "By Mail", "requester_contact": "1 Elm St", "received_via": "mail",
        "received_at": "2026-11-25T13:00", "description": "Logged."})
    reread(db_session)
    req = db_session.scalars(select(RecordsRequest)).one()
    before = db_session.scalar(select(func.count(OutboxRow.id)))
    response = officer.post(f"/console/records/{req.id}/messages",
                            data={"body": "We called you."})
    assert response.status_code == 303
    reread(db_session)
    assert db_session.scalar(select(func.count(OutboxRow.id))) == before
    assert db_session.scalars(select(RequestMessage)).one().body == "We called you."


def test_only_records_officers_send_messages(client, db_session, app, factory, wednesday):
    from beatdesk.context import Actor
    from beatdesk.errors import PermissionDenied

    request_id, _token = file_request(client)
    reread(db_session)
    req = db_session.get(RecordsRequest, request_id)
    with pytest.raises(PermissionDenied):
        records_portal.post_message(db_session, req, sender="officer", body="Hi",
                                    actor=Actor(user=factory.user(Role.ADMIN)))
    with pytest.raises(PermissionDenied):
        records_portal.post_message(db_session, req, sender="officer", body="Hi")


def test_a_reply_nobody_acted_on_is_in_the_records_officers_attention(client, app, db_session,
                                                                        factory, wednesday):
    from datetime import timedelta

    request_id, token = file_request(client)
    officer = officer_client(app, factory)
    label = "Records requests with a reply from the requester"

    def waiting_replies():
        reread(db_session)
        return [r.id for r in records_portal.awaiting_officer(db_session)]

    assert waiting_replies() == []
    officer.post(f"/console/records/{request_id}/messages", data={"body": "Which parade?"})
    wednesday.now += timedelta(minutes=5)
    assert client.post(track_url(request_id, token, "/reply"),
                       data={"body": "The Central district's."}).status_code == 303
    assert waiting_replies() == [request_id]
    dashboard = officer.get("/console/").get_data(as_text=True)
    assert f"{label}: 1" in dashboard
    board = officer.get("/console/records/").get_data(as_text=True)
    assert 'id="replies"' in board and f"Request {request_id}" in board

    # The officer writes back: the reply is handled.
    wednesday.now += timedelta(minutes=5)
    officer.post(f"/console/records/{request_id}/messages", data={"body": "Thank you."})
    assert waiting_replies() == []
    assert label not in officer.get("/console/").get_data(as_text=True)

    # A new reply, then a change of state by the officer: handled too.
    wednesday.now += timedelta(minutes=5)
    client.post(track_url(request_id, token, "/reply"), data={"body": "One more thing."})
    assert waiting_replies() == [request_id]
    wednesday.now += timedelta(minutes=5)
    assert officer.post(f"/console/records/{request_id}/state",
                        data={"to_state": "searching", "expected_state": "received",
                              "note": ""}).status_code == 303
    assert waiting_replies() == []

"""Suggested redactions in the browser: the officer sees them on the request page, finds the
release refused with a link to them, accepts one, rejects one with a reason, accepts every one
of a kind, applies a victim's name across every attached record after seeing the count, then
releases. axe-core (WCAG 2.1 AA) on the request page's section, the review list (with a
reject form open), the count page and the release page while it is refused."""
import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from beatdesk import archive, records
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.models import RequestState
from beatdesk.records import RequestData
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from ..routes.requests import ensure_exemptions
from .conftest import sign_in
from .test_login_a11y import assert_no_axe_violations

EMAIL = "jane.doe@mailbox.example"
PHONE = "(773) 555-0199"
OTHER_PHONE = "312-555-0142"
ADDRESS = "198.51.100.99"
VICTIM = "Maria Lopez"


@pytest.mark.browser
def test_officer_decides_every_suggestion_then_releases(page, live_server):
    with live_server.app.app_context():
        session = db()
        ensure_exemptions(session)
        factory = Factory(session)
        officer = factory.user(Role.RECORDS)
        actor = Actor(officer)
        made = [
            archive.append(session, record_type="comment", object_id=1, district_id=None,
                           actor=None, actor_label="visitor", content={
                               "body": f"The victim, {VICTIM}, lives near me. Write to {EMAIL} "
                                       f"or call {PHONE}.", "state": "visible"}),
            archive.append(session, record_type="comment", object_id=2, district_id=None,
                           actor=None, actor_label="visitor2", content={
                               "body": f"Praying for {VICTIM}. Posted from {ADDRESS}; my "
                                       f"number is {OTHER_PHONE}.", "state": "visible"}),
        ]
        req = records.create_request(session, actor, RequestData(
            "Pat Requester", "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC),
            "Comments about the crash."), ILLINOIS)
        records.change_state(session, actor, req, RequestState.REVIEWING)
        records.attach_records(session, actor, req, made)
        session.commit()
        login_id, secret, request_id = officer.login_id, officer.totp_secret, req.id

    sign_in(page, login_id, secret)
    page.goto(f"/console/records/{request_id}")
    section = page.get_by_role("heading", name="Suggested redactions", level=2)
    expect(section).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d+ suggestions wait for your decision"))).to_be_visible()
    assert_no_axe_violations(page, "the request page with suggestions")

    page.get_by_role("link", name="Release records").click()
    expect(page.get_by_text("The release cannot be built yet")).to_be_visible()
    assert_no_axe_violations(page, "the release page, refused")
    page.get_by_role("link", name="Accept or reject the pending suggestions").click()
    expect(page.get_by_role("heading", name=re.compile("^Suggested redactions for"))) \
        .to_be_visible()
    assert_no_axe_violations(page, "the suggestions review list")

    # Accept the e-mail address.
    row = page.locator("tr", has=page.locator("mark", has_text=EMAIL))
    row.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.get_by_text("The e-mail address is redacted under 7(1)(b).")).to_be_visible()

    # Reject one phone number, with the reason.
    row = page.locator("tr", has=page.locator("mark", has_text=PHONE))
    row.locator("summary").click()
    expect(row.get_by_label("Why it may be released")).to_be_visible()
    assert_no_axe_violations(page, "the review list with a reject form open")
    row = page.locator("tr", has=page.locator("mark", has_text=PHONE))
    row.get_by_label("Why it may be released").fill("The requester is this commenter.")
    row.get_by_role("button", name=re.compile("^Reject")).click()
    expect(page.get_by_text(re.compile("will be released; the decision is in"))).to_be_visible()

    # Accept the victim's name in the first record, then across every record.
    row = page.locator("tr", has=page.locator("mark", has_text=VICTIM)).first
    row.get_by_role("button", name=re.compile("^Accept")).click()
    page.get_by_role("link", name="all", exact=True).click()
    row = page.locator("tr", has=page.locator("mark", has_text=VICTIM)).first
    row.get_by_role("link", name=re.compile("^Apply across every attached record")).click()
    expect(page.get_by_text("in 2 of the 2 attached records")).to_be_visible()
    assert_no_axe_violations(page, "the count before applying across records")
    page.get_by_role("button", name="Redact all 2 occurrences").click()
    expect(page.get_by_text("The passage is now redacted from 1 more record.")).to_be_visible()

    # Everything else: accept every one of each kind left, from the request page.
    page.goto(f"/console/records/{request_id}")
    while page.get_by_role("button", name=re.compile("^Accept all")).count():
        page.get_by_role("button", name=re.compile("^Accept all")).first.click()
        expect(page.get_by_text(re.compile("accepted and redacted"))).to_be_visible()
    expect(page.get_by_text("Every suggestion has a decision.")).to_be_visible()
    assert_no_axe_violations(page, "the request page, every suggestion decided")

    page.get_by_role("link", name="Release records").click()
    expect(page.get_by_text("The release cannot be built yet")).to_have_count(0)
    page.get_by_label("I reviewed every record and its redactions").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Build and download the package").click()
    data = open(download_info.value.path(), "rb").read()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        contents = {name: package.read(name) for name in package.namelist()}
    for passage in (EMAIL, VICTIM, ADDRESS, OTHER_PHONE):
        assert all(passage.encode() not in body for body in contents.values()), passage
    assert PHONE.encode() in contents["records.json"]
    assert b"released on the officer's decision" in contents["redaction_log.csv"]

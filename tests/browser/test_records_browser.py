"""Acceptance 8 of the archive issue, the records officer's part: log a request, search the
archive, redact a passage, release and download the package; axe-core (WCAG 2.1 AA) on the
request, search, record review and release pages."""
import io
import re
import zipfile

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from beatdesk import archive
from beatdesk.context import Actor
from beatdesk.models import Exemption
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from ..routes.requests import ensure_exemptions
from .conftest import sign_in
from .test_login_a11y import assert_no_axe_violations

PASSAGE = "555-0142"
ORGANIZER = "Ada Lovelace"
SELECT_IN_FIELD = """(text) => {
  const cell = document.querySelector('[data-redact-field="body"]');
  const node = cell.firstChild;
  const start = node.textContent.indexOf(text);
  const range = document.createRange();
  range.setStart(node, start);
  range.setEnd(node, start + text.length);
  window.getSelection().removeAllRanges();
  window.getSelection().addRange(range);
  cell.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


def select_in_field(page, text):
    """Select ``text`` in the body field once the page's scripts have run.

    After a form's redirect the new page's text is visible before its deferred script runs; a
    selection made then has no listener to fill the form."""
    page.wait_for_load_state("load")
    page.evaluate(SELECT_IN_FIELD, text)


@pytest.mark.browser
def test_officer_logs_searches_redacts_releases_and_downloads(page, live_server):
    with live_server.app.app_context():
        session = db()
        ensure_exemptions(session)
        factory = Factory(session)
        district = factory.district()
        rep = factory.user(Role.REPRESENTATIVE, district)
        officer = factory.user(Role.RECORDS)
        record = archive.append(session, record_type="post.revision", object_id=5,
                                district_id=district.id, actor=Actor(rep), content={
                                    "body": f"Parade on Main Street; questions to {PASSAGE}. "
                                            f"Organizer {ORGANIZER}.",
                                    "state": "published"})
        session.commit()
        login_id, secret, record_id = officer.login_id, officer.totp_secret, record.id
        private = session.scalars(select(Exemption).where(Exemption.code == "7(1)(b)")).one()
        private_id = str(private.id)

    sign_in(page, login_id, secret)
    page.get_by_role("link", name="Records requests", exact=True).click()
    expect(page.get_by_role("heading", name="Public records requests", level=1)).to_be_visible()
    assert_no_axe_violations(page, "the records dashboard")

    page.get_by_role("link", name="Log a request").click()
    assert_no_axe_violations(page, "the new request form")
    page.get_by_label("Requester's name").fill("Pat Requester")
    page.get_by_label("Requester's contact").fill("pat@example.org")
    page.get_by_label("Received by").select_option("email")
    page.get_by_label("Records requested").fill("Posts about the parade.")
    page.get_by_role("button", name="Log request").click()
    expect(page).to_have_url(re.compile(r"/console/records/\d+$"))
    expect(page.get_by_text(re.compile(r"was logged\. The answer is due"))).to_be_visible()
    assert_no_axe_violations(page, "the request page")

    page.get_by_role("link", name="Search the archive").click()
    page.get_by_label("Words").fill("parade")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 matching record")).to_be_visible()
    assert_no_axe_violations(page, "the archive search results")
    page.get_by_label(f"Attach record {record_id}").check()
    page.get_by_role("button", name=re.compile("^Attach to Request")).click()
    expect(page.get_by_text("1 record attached")).to_be_visible()

    page.get_by_role("link", name=f"Record {record_id}").click()
    assert_no_axe_violations(page, "the record review page")
    page.get_by_label("Redact", exact=True).select_option("text")
    page.get_by_label("Exact text").fill(PASSAGE)
    page.get_by_label("Exemption").select_option(private_id)
    page.get_by_role("button", name="Redact", exact=True).click()
    expect(page.get_by_text("The redaction was added.")).to_be_visible()
    expect(page.get_by_text("[REDACTED under 7(1)(b)]")).to_be_visible()

    # Selecting text in the field fills in the range (static/js/records.js).
    select_in_field(page, ORGANIZER)
    expect(page.get_by_label("Redact", exact=True)).to_have_value("range")
    expect(page.get_by_label("Field", exact=True)).to_have_value("body")
    expect(page.locator("#selection-status")).to_contain_text("Selected characters")
    page.get_by_label("Exemption").select_option(private_id)
    page.get_by_role("button", name="Redact", exact=True).click()
    expect(page.get_by_text("The redaction was added.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"characters \d+–\d+"))).to_be_visible()

    page.get_by_role("link", name=re.compile("^Back to Request")).click()
    page.get_by_role("link", name="Release records").click()
    assert_no_axe_violations(page, "the release page")
    page.get_by_label("I reviewed every record and its redactions").check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Build and download the package").click()
    data = open(download_info.value.path(), "rb").read()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        contents = {name: package.read(name) for name in package.namelist()}
    assert "manifest.json" in contents and "records.pdf" in contents
    for passage in (PASSAGE, ORGANIZER):
        assert all(passage.encode() not in body for body in contents.values())
    assert b"Main Street" in contents["records.json"]


@pytest.mark.browser
def test_a_selection_after_emoji_redacts_exactly_the_selected_characters(page, live_server):
    """The page used to count UTF-16 units (two per emoji), the server code points: a selection
    after emoji or other characters outside the Basic Multilingual Plane redacted the wrong
    characters."""
    body = f"🚓🚨 Call 𝔅𝔢𝔞𝔱 👮🏽‍♀️ desk about {ORGANIZER}, who said 😀 thanks."
    with live_server.app.app_context():
        from beatdesk import records
        from beatdesk.due_dates import ILLINOIS
        from beatdesk.records import RequestData
        from datetime import UTC, datetime

        session = db()
        ensure_exemptions(session)
        factory = Factory(session)
        officer = factory.user(Role.RECORDS)
        record = archive.append(session, record_type="comment", object_id=9, district_id=None,
                                actor=None, content={"body": body, "state": "visible"})
        req = records.create_request(session, Actor(officer), RequestData(
            "Pat Requester", "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC),
            "Comments."), ILLINOIS)
        records.attach_records(session, Actor(officer), req, [record])
        session.commit()
        item_id = session.scalars(select(records.SnapshotItem)).one().id
        login_id, secret, request_id = officer.login_id, officer.totp_secret, req.id
        private_id = str(session.scalars(select(Exemption)
                                         .where(Exemption.code == "7(1)(c)")).one().id)

    sign_in(page, login_id, secret)
    page.goto(f"/console/records/{request_id}/items/{item_id}")
    select_in_field(page, ORGANIZER)
    start = body.index(ORGANIZER)  # Python counts code points
    expect(page.get_by_label("From character")).to_have_value(str(start))
    expect(page.get_by_label("To character (not included)")).to_have_value(
        str(start + len(ORGANIZER)))
    page.get_by_label("Exemption").select_option(private_id)
    page.get_by_role("button", name="Redact", exact=True).click()
    expect(page.get_by_text("The redaction was added.")).to_be_visible()
    preview = page.locator("dd.prewrap").first
    expect(preview).to_have_text(body.replace(ORGANIZER, "[REDACTED under 7(1)(c)]"))

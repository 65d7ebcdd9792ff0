"""The reading room and the records reports in a browser: the officer publishes a release from
the request page, a visitor finds, reads and downloads it, the officer reads the reports and
withdraws the publication; axe-core (WCAG 2.1 AA) on every new page at desktop and phone widths."""
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from beatdesk import archive, records, redaction_suggestions, release
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.records import RequestData
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from ..routes.requests import ensure_exemptions
from .conftest import TIMEOUT_MS, sign_in
from .test_login_a11y import assert_no_axe_violations

DESKTOP, MOBILE = {"width": 1280, "height": 900}, {"width": 375, "height": 740}
SHOTS = Path(os.environ.get("BEATDESK_SCREENSHOTS", "/tmp/beatdesk-screenshots"))
REQUESTER = "Philippa Requester-Danvers"
SUBJECT = "Comments on the parade posts, November 2026"


def _both_widths(page, what: str, *, fits: bool = True) -> None:
    """axe at both widths; with ``fits``, the page also fits a phone's width (wide tables
    scroll in their own region). Screenshots of both go to ``SHOTS``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-")
    assert_no_axe_violations(page, what)
    page.screenshot(path=str(SHOTS / f"reading-room-{name}-desktop.png"), full_page=True)
    page.set_viewport_size(MOBILE)
    assert_no_axe_violations(page, f"{what} on a phone")
    page.screenshot(path=str(SHOTS / f"reading-room-{name}-mobile.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert not fits or width <= MOBILE["width"] + 1, f"{what} is {width}px wide on a phone"
    page.set_viewport_size(DESKTOP)


@pytest.mark.browser
def test_publish_find_download_report_and_withdraw(page, chromium, live_server):
    app = live_server.app
    with app.app_context():
        session = db()
        ensure_exemptions(session)
        factory = Factory(session)
        district = factory.district()
        officer = factory.user(Role.RECORDS)
        record = archive.append(session, record_type="comment.created", object_id=70,
                                district_id=district.id, actor=None, actor_label="visitor",
                                content={"body": f"{REQUESTER} asked about the parade route.",
                                         "state": "visible"})
        req = records.create_request(session, Actor(officer), RequestData(
            REQUESTER, "philippa@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC),
            "Comments about the parade."), ILLINOIS)
        records.attach_records(session, Actor(officer), req, [record])
        for suggestion in redaction_suggestions.undecided(session, req):
            redaction_suggestions.reject(session, Actor(officer), req, suggestion.id)
        release.build_release(session, Actor(officer), req,
                              root=Path(app.instance_path) / "releases",
                              released_to=REQUESTER)
        session.commit()
        login_id, secret, request_id = officer.login_id, officer.totp_secret, req.id

    page.set_viewport_size(DESKTOP)
    sign_in(page, login_id, secret)
    page.goto(f"/console/records/{request_id}")
    expect(page.get_by_role("heading", name="Public reading room")).to_be_visible()
    # The request page's other sections are not this test's: axe only.
    _both_widths(page, "the request page with the publishing form", fits=False)

    # A refusal keeps what was typed and says what is wrong.
    summary = page.get_by_role("textbox", name="Summary", exact=True)
    summary.fill("Visitors' comments on the parade posts.")
    page.get_by_role("button", name="Publish in the reading room").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    expect(summary).to_have_value("Visitors' comments on the parade posts.")
    assert_no_axe_violations(page, "the publishing form with an error")

    page.get_by_role("textbox", name="Subject", exact=True).fill(SUBJECT)
    page.get_by_label("The whole package (index.html, PDF, records.json and records.csv)"
                      ).check()
    page.get_by_role("button", name="Publish in the reading room").click()
    expect(page.get_by_text(f"“{SUBJECT}” is in the public reading room.")).to_be_visible()
    assert_no_axe_violations(page, "the request page with a publication")

    page.goto("/console/records/")
    page.get_by_role("link", name=re.compile("^Reports")).click()
    expect(page.get_by_role("heading", name="Records requests report", level=1)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("answered late and on time"))).to_be_visible()
    _both_widths(page, "the records report")
    page.get_by_label("Year").fill("20x6")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_no_axe_violations(page, "the records report with an error")

    visitor_context = chromium.new_context(base_url=live_server.url)
    visitor_context.set_default_timeout(TIMEOUT_MS)
    visitor = visitor_context.new_page()
    visitor.set_viewport_size(DESKTOP)
    try:
        visitor.goto("/reading-room")
        expect(visitor.get_by_role("heading", name="Public records reading room")).to_be_visible()
        _both_widths(visitor, "the reading room")
        visitor.get_by_label("Search subjects and summaries").fill("parade")
        visitor.get_by_role("button", name="Search").click()
        expect(visitor.get_by_text("1 publication.")).to_be_visible()
        assert_no_axe_violations(visitor, "reading room search results")
        visitor.get_by_role("link", name=SUBJECT).click()
        expect(visitor.get_by_role("heading", name=SUBJECT, level=1)).to_be_visible()
        assert REQUESTER not in visitor.content()
        _both_widths(visitor, "a publication's page")
        with visitor.expect_download() as download_info:
            visitor.get_by_role("link", name="Readable records (HTML page)").click()
        html = Path(download_info.value.path()).read_text()
        assert "[REQUESTER] asked about the parade route." in html and REQUESTER not in html
        publication_url = visitor.url

        page.goto(f"/console/records/{request_id}")
        page.get_by_text("Withdraw from the reading room").click()
        page.get_by_label("Reason for withdrawing").fill("Published by mistake.")
        page.get_by_role("button", name="Withdraw", exact=True).click()
        expect(page.get_by_text(f"“{SUBJECT}” was withdrawn from the reading room.")
               ).to_be_visible()
        assert_no_axe_violations(page, "the request page with a withdrawn publication")

        response = visitor.goto(publication_url)
        assert response.status == 410
        expect(visitor.get_by_role("heading", name="Withdrawn from the reading room")
               ).to_be_visible()
        _both_widths(visitor, "a withdrawn publication")
        visitor.goto("/reading-room")
        expect(visitor.get_by_text("Nothing has been published in the reading room yet.")
               ).to_be_visible()
    finally:
        visitor_context.close()

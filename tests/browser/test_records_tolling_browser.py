"""The clock on the request page: the records officer asks for a clarification (the request
waits and the clock stops), records the answer, and reads which days the due date skipped and
why; axe-core (WCAG 2.1 AA) on the request page in each state and on the dashboard."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from beatdesk import clock, records
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.records import RequestData
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from ..routes.requests import ensure_exemptions
from .conftest import sign_in
from .test_login_a11y import assert_no_axe_violations


@pytest.mark.browser
def test_officer_asks_for_a_clarification_and_records_the_answer(page, live_server):
    with live_server.app.app_context():
        session = db()
        ensure_exemptions(session)
        officer = Factory(session).user(Role.RECORDS)
        req = records.create_request(session, Actor(officer), RequestData(
            "Pat Requester", "pat@example.org", "email", clock.utcnow() - timedelta(days=3),
            "Posts about the parade."), ILLINOIS)
        session.commit()
        login_id, secret, request_id = officer.login_id, officer.totp_secret, req.id

    sign_in(page, login_id, secret)
    page.goto(f"{live_server.url}/console/records/{request_id}")
    expect(page.get_by_role("heading", name="The clock", level=2)).to_be_visible()
    expect(page.get_by_role("heading", name="How the due date is counted")).to_be_visible()
    assert_no_axe_violations(page, "the request page with its clock")

    page.locator("summary", has_text="Ask for a clarification").click()
    page.get_by_role("button", name="Ask for a clarification").click()  # empty: refused
    expect(page.get_by_text("Write the question for the requester.").first).to_be_visible()
    assert_no_axe_violations(page, "the clarification form with an error")
    page.get_by_label("Question for the requester").fill("Which parade: 2025 or 2026?")
    page.get_by_role("button", name="Ask for a clarification").click()
    expect(page).to_have_url(re.compile(rf"/console/records/{request_id}#clock$"))
    expect(page.get_by_text(re.compile(r"waiting for the requester\. The clock is stopped"))
           ).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Waiting for the requester"))
           ).to_have_count(0)
    expect(page.locator(".notice--warning", has_text="The clock is stopped (5 ILCS 140/3(e)).")
           ).to_be_visible()
    assert_no_axe_violations(page, "the request page while waiting")

    page.goto(f"{live_server.url}/console/records/")
    expect(page.get_by_role("heading", name=re.compile("Waiting for the requester"))
           ).to_be_visible()
    expect(page.get_by_role("cell", name="Stopped (5 ILCS 140/3(e))")).to_be_visible()
    assert_no_axe_violations(page, "the dashboard with a request waiting")

    page.get_by_role("link", name=f"Request {request_id}").first.click()
    page.get_by_label("The requester's answer").select_option("answered")
    page.locator("#wait-answer-note").fill("The 2026 parade.")
    page.get_by_role("button", name="Record the answer").click()
    expect(page.get_by_text(re.compile(r"The answer was recorded\. Request \d+ is due"))
           ).to_be_visible()
    expect(page.get_by_role("cell", name="Clarification answered. The 2026 parade.")
           ).to_be_visible()
    assert_no_axe_violations(page, "the request page after the answer")

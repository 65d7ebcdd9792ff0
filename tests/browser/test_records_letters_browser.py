"""Letters in a browser: an administrator previews and saves a letter template; a records
officer makes a denial letter from the request page (refused first, with the errors shown),
then downloads its PDF; axe-core (WCAG 2.1 AA) on every page and state, desktop and phone."""
import hashlib
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
from .test_login_a11y import assert_no_axe_violations, make_user

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 740}


def both_widths(page, what: str) -> None:
    page.set_viewport_size(MOBILE)
    assert_no_axe_violations(page, f"{what} (phone)")
    page.set_viewport_size(DESKTOP)
    assert_no_axe_violations(page, what)


@pytest.mark.browser
def test_administrator_previews_and_saves_a_template(page, live_server):
    login_id, secret = make_user(live_server, Role.ADMIN)
    sign_in(page, login_id, secret)
    page.get_by_role("link", name="Letter templates").click()
    expect(page.get_by_role("heading", name="Letter templates", level=1)).to_be_visible()
    both_widths(page, "the letter templates")

    page.get_by_role("link", name="Extension").click()
    expect(page.get_by_role("heading", name="Extension letter", level=1)).to_be_visible()
    both_widths(page, "the extension template")

    page.get_by_label("Title").fill("Request {{request_number}}: more time")
    page.get_by_label("Text (Markdown)").fill(
        "We need **{{extension_days}}** more days.\n\n{{extension_reasons}}\n\n"
        "<script>alert(1)</script> {{denial_explanation}}")
    page.get_by_role("button", name="Save the template").click()
    expect(page.get_by_text("has no field {{denial_explanation}}").first).to_be_visible()
    both_widths(page, "the template with an error")

    page.get_by_label("Text (Markdown)").fill(
        "We need **{{extension_days}}** more days.\n\n{{extension_reasons}}\n\n"
        "<script>alert(1)</script>")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("section.letter-preview")
    expect(preview.locator("strong", has_text="5")).to_be_visible()
    expect(preview.get_by_text("<script>alert(1)</script>")).to_be_visible()
    expect(preview.locator("li", has_text="5 ILCS 140/3(e)(i)")).to_be_visible()
    both_widths(page, "the template preview")

    page.get_by_role("button", name="Save the template").click()
    expect(page.get_by_text("The extension letter template was saved.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Last changed"))).to_be_visible()
    both_widths(page, "the saved template")


@pytest.mark.browser
def test_officer_makes_a_denial_letter_and_downloads_it(page, live_server):
    with live_server.app.app_context():
        session = db()
        ensure_exemptions(session)
        officer = Factory(session).user(Role.RECORDS, full_name="Dana Whitfield")
        req = records.create_request(session, Actor(officer), RequestData(
            "Pat Requester", "pat@example.org", "email", clock.utcnow() - timedelta(days=2),
            "Posts about the parade."), ILLINOIS)
        session.commit()
        login_id, secret, request_id = officer.login_id, officer.totp_secret, req.id

    sign_in(page, login_id, secret)
    page.goto(f"{live_server.url}/console/records/{request_id}")
    expect(page.get_by_role("heading", name="Letters", level=2)).to_be_visible()
    expect(page.get_by_text("No letters yet.")).to_be_visible()
    both_widths(page, "the request page's letters")

    page.locator("summary", has_text="Denial letter").click()
    page.get_by_role("button", name="Make the denial letter").click()
    expect(page.get_by_text("Choose each exemption the denial cites.").first).to_be_visible()
    expect(page.locator("details.letter-form[open] summary")).to_have_text("Denial letter")
    both_widths(page, "the denial letter form with errors")

    page.get_by_label(re.compile(r"^5 ILCS 140/7\(1\)\(c\):")).check()
    page.get_by_label("Why each exemption applies").fill("The posts name a crime victim.")
    page.get_by_role("button", name="Make the denial letter").click()
    expect(page).to_have_url(re.compile(rf"/console/records/{request_id}#letters$"))
    expect(page.get_by_text(re.compile(r"The denial letter denial-1\.pdf was made\. It was "
                                       r"queued for e-mail to pat@example\.org\."))).to_be_visible()
    link = page.get_by_role("link", name="Download denial-1.pdf")
    expect(link).to_be_visible()
    both_widths(page, "the request page with a letter")

    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    digest = hashlib.sha256(response.body()).hexdigest()
    expect(page.locator("code", has_text=digest)).to_be_visible()

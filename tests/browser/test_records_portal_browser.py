"""A visitor files a public records request, gets the tracking link by e-mail (a local SMTP
server), reads the records officer's question and answers it, then withdraws the request; axe-core
finds no WCAG 2.1 AA violation on the portal's pages at desktop and phone widths."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from beatdesk import staff_mail
from beatdesk.models import OutboxRow, RecordsRequest, RequestMessage, RequestState
from beatdesk.roles import Role
from blueprints.database import db

from ..test_staff_mail import MailServer
from .conftest import TIMEOUT_MS, sign_in
from .test_login_a11y import assert_no_axe_violations, make_user

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
DESCRIPTION = "Every post about the Main Street parade\nin November 2026 <b>please</b>."


def check_both_widths(page, what: str) -> None:
    page.set_viewport_size(DESKTOP)
    assert_no_axe_violations(page, what)
    page.set_viewport_size(PHONE)
    assert_no_axe_violations(page, f"{what} (phone width)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), \
        f"{what} scrolls sideways on a phone"
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def mail_server():
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.mark.browser
def test_visitor_files_follows_answers_and_withdraws(page, chromium, live_server, mail_server):
    page.goto("/")
    page.get_by_role("link", name="Request public records").click()
    expect(page.get_by_role("heading", name="Request public records", level=1)).to_be_visible()
    expect(page.get_by_text("5 ILCS 140").first).to_be_visible()
    check_both_widths(page, "the request form")

    # A refusal keeps everything typed.
    page.get_by_label("Your name").fill("Jordan Avery")
    page.get_by_label("The records you are asking for").fill(DESCRIPTION)
    page.get_by_label("By postal mail").check()
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_label("The records you are asking for")).to_have_value(DESCRIPTION)
    expect(page.get_by_label("Your name")).to_have_value("Jordan Avery")
    expect(page.get_by_label("By postal mail")).to_be_checked()
    check_both_widths(page, "the request form with errors")

    page.get_by_label("E-mail address").fill("jordan@example.org")
    page.get_by_label("By e-mail").check()
    page.get_by_role("button", name="Send the request").click()
    expect(page).to_have_url(re.compile(r"/records-requests/\d+/track/[A-Za-z0-9_-]{43}\?filed=1$"))
    expect(page.get_by_text("Your request was received.")).to_be_visible()
    check_both_widths(page, "the confirmation and tracking page")
    tracking_url = page.url.split("?")[0]

    # The confirmation e-mail goes out through the outbox to a local SMTP server.
    with live_server.app.app_context():
        req = db().scalars(select(RecordsRequest)).one()
        row = db().scalars(select(OutboxRow).where(OutboxRow.records_request_id == req.id)).one()
        staff_mail.deliver(row, {**mail_server.config, "PUBLIC_BASE_URL": live_server.url})
        request_id = req.id
    (mail,) = mail_server.mailbox.to("jordan@example.org")
    link = re.search(r"http://\S+/track/\S+", mail.get_content()).group(0)
    assert link == tracking_url and str(request_id) in mail["Subject"]

    # The records officer asks a question from the request's page.
    login_id, secret = make_user(live_server, Role.RECORDS)
    staff = chromium.new_context(base_url=live_server.url)
    staff.set_default_timeout(TIMEOUT_MS)
    console = staff.new_page()
    sign_in(console, login_id, secret)
    console.goto(f"/console/records/{request_id}")
    console.get_by_label("Message to the requester").fill("Which district's parade do you mean?")
    console.get_by_role("button", name="Send the message").click()
    expect(console.get_by_text("The message was sent to the requester")).to_be_visible()
    assert_no_axe_violations(console, "the request page with its messages")

    # The visitor opens the link from the e-mail, reads the question and answers.
    visitor = chromium.new_context(base_url=live_server.url)
    visitor.set_default_timeout(TIMEOUT_MS)
    other = visitor.new_page()
    other.goto(link)
    expect(other.get_by_text("Which district's parade do you mean?")).to_be_visible()
    other.get_by_label("Your message").fill("The Central district's, on November 11.")
    other.get_by_role("button", name="Send the message").click()
    expect(other.get_by_text("Your message was sent to the records officer.")).to_be_visible()
    expect(other.get_by_text("The Central district's, on November 11.")).to_be_visible()
    check_both_widths(other, "the tracking page with messages")
    console.reload()
    expect(console.get_by_text("The Central district's, on November 11.")).to_be_visible()

    # A wrong link shows nothing of the request.
    other.goto(link[:-1])
    expect(other.get_by_role("heading", name="Not found")).to_be_visible()
    check_both_widths(other, "the tracking page's not-found answer")

    # Withdrawal asks first.
    other.goto(link)
    other.get_by_role("link", name="Withdraw the request…").click()
    expect(other.get_by_role("heading", name=f"Withdraw request {request_id}?")).to_be_visible()
    check_both_widths(other, "the withdrawal confirmation")
    other.get_by_label("Why you are withdrawing it (optional)").fill("Found it elsewhere.")
    other.get_by_role("button", name="Yes, withdraw the request").click()
    expect(other.get_by_text("Your request was withdrawn.")).to_be_visible()
    expect(other.get_by_text("Withdrawn", exact=True)).to_be_visible()
    with live_server.app.app_context():
        assert db().get(RecordsRequest, request_id).state is RequestState.WITHDRAWN
        assert len(db().scalars(select(RequestMessage)).all()) == 2
    staff.close()
    visitor.close()

"""A public records request from the first form to the released files, in two browsers.

A visitor files a request on the public site and gets the tracking link by e-mail (a local SMTP
server); the records officer asks for a clarification, which stops the clock, and the visitor's
answer on the tracking page starts it again; the officer sends an extension letter (which takes
the extension), attaches a record, redacts a private phone number, releases in part with a
denial letter citing the exemption; the visitor downloads the release from the tracking page and
finds the record without the phone number. axe-core checks each page on the way.
"""
import io
import re
import zipfile

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from beatdesk import archive, staff_mail
from beatdesk.context import Actor
from beatdesk.models import Exemption, OutboxRow, RecordsRequest, RequestState
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from ..routes.requests import ensure_exemptions
from ..test_staff_mail import MailServer
from .conftest import TIMEOUT_MS, sign_in
from .test_login_a11y import assert_no_axe_violations

PHONE = "312-555-0142"


@pytest.fixture
def mail_server():
    server = MailServer()
    server.start()
    yield server
    server.stop()


def _deliver_mail_to(live_server, mail_server, request_id: int) -> None:
    """Send every queued e-mail to the requester through the local SMTP server."""
    with live_server.app.app_context():
        rows = db().scalars(select(OutboxRow).where(
            OutboxRow.records_request_id == request_id)).all()
        for row in rows:
            staff_mail.deliver(row, {**mail_server.config, "PUBLIC_BASE_URL": live_server.url})


@pytest.mark.browser
def test_a_request_from_the_public_form_to_the_released_files(page, chromium, live_server,
                                                               mail_server):
    with live_server.app.app_context():
        session = db()
        ensure_exemptions(session)
        factory = Factory(session)
        district = factory.district()
        rep = factory.user(Role.REPRESENTATIVE, district)
        officer = factory.user(Role.RECORDS)
        record = archive.append(session, record_type="post.revision", object_id=7,
                                district_id=district.id, actor=Actor(rep), content={
                                    "body": f"Lost dog found near the parade route; call the "
                                            f"owner at {PHONE} to help.",
                                    "state": "published"})
        session.commit()
        login_id, secret, record_id = officer.login_id, officer.totp_secret, record.id
        private_id = str(session.scalars(
            select(Exemption).where(Exemption.code == "7(1)(b)")).one().id)

    # The visitor files the request on the public site.
    page.goto("/records-requests/new")
    page.get_by_label("Your name").fill("Jordan Avery")
    page.get_by_label("E-mail address").fill("jordan@example.org")
    page.get_by_label("The records you are asking for").fill("Posts about the parade route.")
    page.get_by_label("By e-mail").check()
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Your request was received.")).to_be_visible()
    request_id = int(re.search(r"/records-requests/(\d+)/track/", page.url).group(1))
    _deliver_mail_to(live_server, mail_server, request_id)
    (mail,) = mail_server.mailbox.to("jordan@example.org")
    link = re.search(r"http://\S+/track/\S+", mail.get_content()).group(0)

    # The officer asks for a clarification: the clock stops.
    staff = chromium.new_context(base_url=live_server.url)
    staff.set_default_timeout(TIMEOUT_MS)
    console = staff.new_page()
    sign_in(console, login_id, secret)
    console.goto(f"/console/records/{request_id}")
    console.locator("summary", has_text="Ask for a clarification").click()
    console.get_by_label("Question for the requester").fill("Which parade: 2025 or 2026?")
    console.get_by_role("button", name="Ask for a clarification").click()
    expect(console.get_by_text(re.compile(r"waiting for the requester\. The clock is stopped"))
           ).to_be_visible()
    assert_no_axe_violations(console, "the request page while the clock is stopped")

    # The visitor opens the e-mailed link, reads the question and answers: the clock resumes.
    visitor = chromium.new_context(base_url=live_server.url)
    visitor.set_default_timeout(TIMEOUT_MS)
    tracking = visitor.new_page()
    tracking.goto(link)
    expect(tracking.get_by_text("Which parade: 2025 or 2026?")).to_be_visible()
    tracking.get_by_label("Your message").fill("The 2026 parade, please.")
    tracking.get_by_role("button", name="Send the message").click()
    expect(tracking.get_by_text("Your message was sent to the records officer.")).to_be_visible()
    assert_no_axe_violations(tracking, "the tracking page after the answer")
    console.reload()
    expect(console.get_by_text("The 2026 parade, please.").first).to_be_visible()
    with live_server.app.app_context():
        req = db().get(RecordsRequest, request_id)
        assert req.state is not RequestState.WAITING
        due_before_extension = req.due_on

    # The extension letter takes the request's one extension.
    console.locator("summary", has_text="Extension letter").click()
    console.get_by_label(re.compile(r"^3\(e\)\(i\):")).check()
    console.get_by_label("Business days of the extension").fill("5")
    console.get_by_label("Explanation").first.fill("The records are kept in two places.")
    console.get_by_role("button", name="Make the extension letter").click()
    expect(console.get_by_role("link", name="Download extension-1.pdf")).to_be_visible()
    with live_server.app.app_context():
        req = db().get(RecordsRequest, request_id)
        assert req.extension_days == 5 and req.due_on > due_before_extension

    # Search, attach, redact the private phone number.
    console.get_by_role("link", name="Search the archive").click()
    console.get_by_label("Words").fill("parade")
    console.get_by_role("button", name="Search").click()
    console.get_by_label(f"Attach record {record_id}", exact=True).check()
    console.get_by_role("button", name=re.compile("^Attach to Request")).click()
    expect(console.get_by_text("1 record attached")).to_be_visible()
    console.goto(f"/console/records/{request_id}")
    accept_all = console.get_by_role("button", name=re.compile(r"^Accept all"))
    while accept_all.count():
        accept_all.first.click()
    console.get_by_role("link", name=f"Record {record_id}").first.click()
    console.get_by_label("Redact", exact=True).select_option("text")
    console.get_by_label("Exact text").fill(PHONE)
    console.get_by_label("Exemption").select_option(private_id)
    console.get_by_role("button", name="Redact", exact=True).click()
    expect(console.get_by_text("[REDACTED under 7(1)(b)]").first).to_be_visible()

    # Released in part, with a denial letter citing the exemption.
    console.goto(f"/console/records/{request_id}/release")
    console.get_by_label("Released to").fill("Jordan Avery, by e-mail")
    console.get_by_label("I reviewed every record and its redactions").check()
    with console.expect_download():
        console.get_by_role("button", name="Build and download the package").click()
    console.goto(f"/console/records/{request_id}")
    console.locator("summary", has_text="Denial letter").click()
    console.get_by_label(re.compile(r"^5 ILCS 140/7\(1\)\(b\):")).check()
    console.get_by_label("Why each exemption applies").fill("A private person's phone number.")
    console.get_by_role("button", name="Make the denial letter").click()
    expect(console.get_by_role("link", name="Download denial-1.pdf")).to_be_visible()
    assert_no_axe_violations(console, "the request page after the release and letters")
    with live_server.app.app_context():
        assert db().get(RecordsRequest, request_id).state is RequestState.RELEASED_IN_PART

    # The visitor downloads the release from the tracking page: the phone number is not in it.
    tracking.goto(link)
    expect(tracking.get_by_text("Released in part").first).to_be_visible()
    assert_no_axe_violations(tracking, "the tracking page with the release")
    with tracking.expect_download() as download_info:
        tracking.get_by_role("link", name=re.compile(r"^Download .*\.zip$")).first.click()
    data = open(download_info.value.path(), "rb").read()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        contents = {name: package.read(name) for name in package.namelist()}
    assert b"Lost dog found" in contents["records.json"]
    assert all(PHONE.encode() not in body for body in contents.values())
    staff.close()
    visitor.close()

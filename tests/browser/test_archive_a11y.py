"""axe-core (WCAG 2.1 A and AA) on the archive pages, as a records officer and an administrator."""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sqlalchemy import select

from beatdesk import archive, archive_search, posts, retention
from beatdesk.archive_search import SearchCriteria
from beatdesk.context import SYSTEM, Actor
from beatdesk.models import ArchiveRecord, Category, DispositionRun
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from .conftest import sign_in
from .test_login_a11y import assert_no_axe_violations

# Screenshots to look at (the pages as people see them), kept after the run.
SHOTS = Path(os.environ.get("BEATDESK_SCREENSHOTS", "/tmp/beatdesk-screenshots"))
DESKTOP, MOBILE = {"width": 1280, "height": 900}, {"width": 375, "height": 740}


def seed(live_server):
    """Records, a saved search, a schedule, a hold and a proposed run; returns the logins."""
    with live_server.app.app_context():
        session = db()
        factory = Factory(session)
        district = factory.district(number=7)
        officer = factory.user(Role.RECORDS)
        admin = factory.user(Role.ADMIN)
        for i in range(3):
            archive.append(session, record_type="comment.moderation", object_id="c-1",
                           district_id=district.id, actor=SYSTEM,
                           content={"body": f"Removed remark {i}", "state": "removed"})
        archive_search.save_search(session, Actor(officer), "Removed remarks",
                                   SearchCriteria(state="removed"))
        retention.create_schedule(session, Actor(admin), record_type="comment", period_amount=1,
                                  period_unit="days", authority="Local Records Act")
        retention.create_hold(session, Actor(officer), retention.HoldData(
            reason="Lawsuit", case_number="2026-L-3", district_id=district.id))
        session.commit()
        run = DispositionRun(proposed_by_id=admin.id)
        session.add(run)
        author = factory.user(Role.REPRESENTATIVE, district, full_name="Dana Ruiz",
                              rank="Sergeant")
        factory.designate(author)
        post = posts.create_post(session, Actor(author), district, posts.PostData(
            category=Category.COMMUNITY_ALERT,
            body="Road closures: the parade closes Main Street from 10 AM to 2 PM on Saturday. "
                 "Plan another route to the market."))
        session.commit()
        revision_id = session.scalar(select(ArchiveRecord.id).where(
            ArchiveRecord.record_type == "post.revision").order_by(ArchiveRecord.id.desc()))
        return ((officer.login_id, officer.totp_secret), (admin.login_id, admin.totp_secret),
                run.id, revision_id)


@pytest.mark.browser
def test_archive_pages_have_no_axe_violations(page, live_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    (officer, officer_secret), (admin, admin_secret), run_id, revision_id = seed(live_server)
    sign_in(page, officer, officer_secret)
    page.goto("/console/archive/")
    expect(page.get_by_role("heading", name="Search the archive")).to_be_visible()
    assert_no_axe_violations(page, "the archive search page")

    page.get_by_label("Words").fill("remark")
    page.get_by_label("State").select_option("removed")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("3 records matching")).to_be_visible()
    expect(page.locator("mark").first).to_have_text("remark")
    assert_no_axe_violations(page, "search results")
    page.screenshot(path=str(SHOTS / "archive-search-desktop.png"), full_page=True)
    page.set_viewport_size(MOBILE)
    assert_no_axe_violations(page, "search results on a phone")
    page.screenshot(path=str(SHOTS / "archive-search-mobile.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name=re.compile(r"^Comment moderation")).first.click()
    expect(page.get_by_role("heading", name=re.compile(r"archive record #"))).to_be_visible()
    assert_no_axe_violations(page, "an archive record")

    page.goto(f"/console/archive/records/{revision_id}")
    expect(page.get_by_role("heading", name="The post as this revision left it")).to_be_visible()
    assert_no_axe_violations(page, "a post revision record")
    page.screenshot(path=str(SHOTS / "archive-revision-desktop.png"), full_page=True)
    page.set_viewport_size(MOBILE)
    assert_no_axe_violations(page, "a post revision record on a phone")
    page.screenshot(path=str(SHOTS / "archive-revision-mobile.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    page.goto("/console/archive/?since=2026-02-01&until=2026-01-01")
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_no_axe_violations(page, "a search with an error")

    for path, what in (("/console/archive/saved", "saved searches"),
                       ("/console/archive/holds", "legal holds"),
                       ("/console/archive/dispositions", "dispositions"),
                       (f"/console/archive/dispositions/{run_id}", "a disposition run"),
                       ("/console/archive/verify", "verification")):
        page.goto(path)
        assert_no_axe_violations(page, what)

    page.goto("/console/archive/holds")
    page.get_by_role("button", name="Place hold").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_no_axe_violations(page, "the hold form with errors")

    page.goto("/console/archive/verify")
    page.get_by_role("button", name="Verify the archive now").click()
    expect(page.get_by_text("Chain intact", exact=True)).to_be_visible()
    assert_no_axe_violations(page, "verification result")

    page.context.clear_cookies()
    sign_in(page, admin, admin_secret)
    page.goto("/console/archive/retention")
    expect(page.get_by_role("heading", name="Retention schedules")).to_be_visible()
    assert_no_axe_violations(page, "retention schedules")
    page.get_by_role("button", name="Add schedule").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_no_axe_violations(page, "the schedule form with errors")

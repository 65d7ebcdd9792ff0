"""Browser: a commander sets a representative's duty hours and a sergeant opens a release; an
administrator enrols this browser with a one-time code and requires registered devices; another
browser is refused with the page saying what to do; axe-core finds nothing on the new pages."""
import re

import pytest
from playwright.sync_api import expect

from beatdesk.models import Category, PostState
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from .conftest import TIMEOUT_MS, sign_in
from .test_login_a11y import assert_no_axe_violations


def _context(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


def _district_staff(live_server):
    with live_server.app.app_context():
        factory = Factory(db())
        district = factory.district(name="Harbor", slug="harbor")
        commander = factory.user(Role.COMMANDER, district)
        rep = factory.user(Role.REPRESENTATIVE, district, full_name="Dana Reyes")
        factory.designate(rep, commander)
        sergeant = factory.user(Role.SERGEANT, district)
        post = factory.post(district, state=PostState.DRAFT, author=rep,
                            category=Category.CRIME_PREVENTION_TIP,
                            body="Lock your car and take your keys with you.")
        return ((commander.login_id, commander.totp_secret),
                (sergeant.login_id, sergeant.totp_secret), post.id)


@pytest.mark.browser
def test_commander_sets_duty_hours_and_sergeant_opens_a_release(page, chromium, live_server):
    commander, sergeant, post_id = _district_staff(live_server)
    sign_in(page, *commander)
    page.goto("/console/duty-hours/")
    expect(page.get_by_role("heading", name="Duty hours", exact=True)).to_be_visible()
    assert_no_axe_violations(page, "the duty hours list")
    page.get_by_role("link", name=re.compile("Set duty hours for .*Dana Reyes")).click()
    assert_no_axe_violations(page, "the duty hours form")

    page.get_by_label("Monday start", exact=True).fill("25:00")
    page.get_by_label("Monday end", exact=True).fill("17:00")
    page.get_by_role("button", name="Save duty hours").click()
    expect(page.get_by_role("alert")).to_contain_text("Monday start: enter a time of day")
    assert_no_axe_violations(page, "the duty hours form with an error")

    page.get_by_label("Monday start", exact=True).fill("09:00")
    page.get_by_label("Friday start", exact=True).fill("10:00 PM")
    page.get_by_label("Friday end", exact=True).fill("06:00")
    page.get_by_role("button", name="Save duty hours").click()
    expect(page).to_have_url(re.compile(r"/console/duty-hours/$"))
    expect(page.get_by_role("cell", name=re.compile(
        "Monday 9:00 AM to 5:00 PM; Friday 10:00 PM to 6:00 AM the next day"))).to_be_visible()

    context = _context(chromium, live_server)
    try:
        other = context.new_page()
        sign_in(other, *sergeant)
        other.goto("/console/duty-hours/")
        assert_no_axe_violations(other, "the sergeant's duty hours list")
        other.get_by_role("link", name=f"Release Post #{post_id}").click()
        other.get_by_role("button", name=f"Release Post #{post_id}").click()
        expect(other.get_by_role("alert")).to_be_visible()
        assert_no_axe_violations(other, "the release form with an error")
        other.get_by_label("Why may this post go out outside duty hours?").fill(
            "Storm warning for tonight's commute.")
        other.get_by_role("button", name=f"Release Post #{post_id}").click()
        expect(other.get_by_role("cell", name=re.compile("Released"))).to_be_visible()
    finally:
        context.close()


@pytest.mark.browser
def test_admin_enrols_this_browser_requires_devices_and_another_browser_is_refused(
        page, chromium, live_server):
    with live_server.app.app_context():
        admin = Factory(db()).user(Role.ADMIN)
        login = (admin.login_id, admin.totp_secret)
    sign_in(page, *login)
    page.goto("/console/devices/")
    expect(page.get_by_role("heading", name="Registered devices")).to_be_visible()
    assert_no_axe_violations(page, "the registered devices page")

    # Not from an unregistered browser.
    page.get_by_label("Require registered devices for the console").check()
    page.get_by_role("button", name="Save requirement").click()
    expect(page.get_by_role("alert")).to_contain_text("Register this browser first")
    assert_no_axe_violations(page, "the registered devices page with an error")

    page.get_by_label("Device name").fill("Information Services desk")
    page.get_by_role("button", name="Create a one-time code").click()
    code = page.locator("#device-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
    assert_no_axe_violations(page, "the one-time code page")

    page.get_by_role("link", name="Enrol this browser").click()
    expect(page.get_by_role("heading", name="Enrol this device")).to_be_visible()
    assert_no_axe_violations(page, "the enrolment page")
    page.get_by_label("One-time code").fill("WRONG-CODE2")
    page.get_by_role("button", name="Register this browser").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    assert_no_axe_violations(page, "the enrolment page with an error")
    page.get_by_label("One-time code").fill(code)
    page.get_by_role("button", name="Register this browser").click()
    expect(page.get_by_role("heading", name="This browser is registered")).to_be_visible()
    assert_no_axe_violations(page, "the enrolled page")

    page.goto("/console/devices/")
    page.get_by_label("Require registered devices for the console").check()
    page.get_by_role("button", name="Save requirement").click()
    expect(page.get_by_text("Registered devices are now required for the console.")).to_be_visible()
    expect(page.get_by_role("cell", name="Registered", exact=True)).to_be_visible()

    context = _context(chromium, live_server)
    try:
        other = context.new_page()
        response = other.goto("/login")
        assert response.status == 403
        expect(other.get_by_role("heading", name="This browser is not a registered department "
                                                 "device")).to_be_visible()
        expect(other.get_by_text("Ask an administrator (Information Services) to enrol this "
                                 "device.")).to_be_visible()
        assert_no_axe_violations(other, "the unregistered browser page")
        assert other.goto("/console/").status == 403
        other.get_by_role("link", name="device enrolment page").click()
        expect(other.get_by_role("heading", name="Enrol this device")).to_be_visible()
    finally:
        context.close()
    # The registered browser carries on.
    assert page.goto("/console/").status == 200

"""axe-core (WCAG 2.1 A and AA) on the e-mail notification settings, and the form used with
the keyboard-visible labels a person reads: choose, save, see the choice kept."""
import re

import pytest
from playwright.sync_api import expect

from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from .conftest import sign_in
from .test_login_a11y import assert_no_axe_violations


@pytest.mark.browser
def test_notification_settings_are_accessible_and_saved(page, live_server):
    with live_server.app.app_context():
        factory = Factory(db())
        sergeant = factory.user(Role.SERGEANT)
        admin = factory.user(Role.ADMIN)
        logins = [(u.login_id, u.totp_secret) for u in (sergeant, admin)]

    sign_in(page, *logins[0])
    page.goto("/console/account")
    page.get_by_role("link", name="E-mail notifications").click()
    expect(page).to_have_url(re.compile(r"/console/notifications$"))
    assert_no_axe_violations(page, "the notification settings")

    group = page.get_by_role("group", name="Comments wait for moderation")
    group.get_by_label("Daily digest").check()
    page.get_by_role("group", name="My post was approved").get_by_label("Off").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Your notification settings were saved.")).to_be_visible()
    expect(page.get_by_role("group", name="Comments wait for moderation")
           .get_by_label("Daily digest")).to_be_checked()
    expect(page.get_by_role("group", name="My post was approved")
           .get_by_label("Off")).to_be_checked()
    assert_no_axe_violations(page, "the notification settings after saving")

    page.context.clear_cookies()
    sign_in(page, *logins[1])
    page.goto("/console/notifications")
    expect(page.get_by_text("receives no e-mail notifications")).to_be_visible()
    assert_no_axe_violations(page, "the notification settings of a role without e-mail")

"""axe-core (WCAG 2.1 A and AA) on the policy checks page and the admin's phrases page,
including the phrases page with its error summary."""
import re

import pytest
from playwright.sync_api import expect

from beatdesk.roles import Role

from .conftest import sign_in
from .test_login_a11y import assert_no_axe_violations, make_user


@pytest.mark.browser
def test_checks_pages_have_no_axe_violations(page, live_server):
    login_id, secret = make_user(live_server, Role.ADMIN)
    sign_in(page, login_id, secret)

    page.goto("/console/checks")
    expect(page.get_by_role("heading", name="Policy checks", level=1)).to_be_visible()
    page.get_by_text("Built-in word list", exact=False).first.click()  # open one list
    assert_no_axe_violations(page, "the policy checks page")

    page.goto("/console/admin/check-terms")
    page.get_by_label("Check", exact=True).select_option("confidential")
    page.get_by_label("Word or phrase", exact=True).fill("Operation Nightfall")
    page.get_by_role("button", name="Add phrase").click()
    expect(page).to_have_url(re.compile(r"/console/admin/check-terms$"))
    expect(page.get_by_role("cell", name="Operation Nightfall", exact=True)).to_be_visible()
    assert_no_axe_violations(page, "the check phrases page")

    page.get_by_role("button", name="Add phrase").click()  # empty phrase
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_no_axe_violations(page, "the check phrases page with an error")

    page.get_by_role("button", name="Remove “Operation Nightfall”").click()
    expect(page.get_by_text("“Operation Nightfall” no longer counts.")).to_be_visible()

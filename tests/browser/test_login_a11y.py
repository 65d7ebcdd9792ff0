"""Sign-in in a real browser, and axe-core (WCAG 2.0/2.1 A and AA) on the staff pages."""
import re

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from beatdesk import clock
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from .conftest import code_step, password_step, sign_in

WCAG_A_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

_axe = Axe()


def assert_no_axe_violations(page, what: str) -> None:
    """Run axe-core on the page as it stands and fail with a readable list of what it found."""
    response = _axe.run(page, options=WCAG_A_AA).response
    assert response["testEngine"]["name"] == "axe-core"
    assert response["passes"], f"axe checked nothing on {what} ({page.url})"
    violations = response["violations"]
    if not violations:
        return
    lines = [f"{len(violations)} axe violation(s) on {what} ({page.url}):"]
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html']}")
            if node.get("failureSummary"):
                lines.extend("      " + s for s in node["failureSummary"].splitlines())
    pytest.fail("\n".join(lines), pytrace=False)


def make_user(live_server, role: Role, **fields):
    """A user in the live server's database; returns (login_id, totp_secret)."""
    with live_server.app.app_context():
        user = Factory(db()).user(role, **fields)
        return user.login_id, user.totp_secret


def wrong_code(secret: str) -> str:
    """Six digits matching none of the codes the server accepts now (±1 step), with a margin."""
    now = clock.utcnow().timestamp()
    totp = pyotp.TOTP(secret)
    accepted = {totp.at(now + step * 30) for step in (-2, -1, 0, 1, 2)}
    return next(c for c in (f"{n:06d}" for n in range(0, 1_000_000, 111_111)) if c not in accepted)


@pytest.mark.browser
def test_sign_in_with_password_and_totp_reaches_the_dashboard(page, live_server):
    login_id, secret = make_user(live_server, Role.SERGEANT)

    password_step(page, login_id)
    expect(page).to_have_url(re.compile(r"/login/verify$"))
    expect(page.get_by_role("heading", name="Enter your authenticator code")).to_be_visible()

    code_step(page, pyotp.TOTP(secret).now())
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()


@pytest.mark.browser
def test_wrong_totp_code_shows_an_error_tied_to_the_field(page, live_server):
    login_id, secret = make_user(live_server, Role.SERGEANT)
    password_step(page, login_id)
    expect(page).to_have_url(re.compile(r"/login/verify$"))

    code_step(page, wrong_code(secret))

    expect(page).to_have_url(re.compile(r"/login/verify$"))
    expect(page.get_by_role("heading", name="Enter your authenticator code")).to_be_visible()
    field = page.get_by_label("6-digit code", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("That code is not valid"))
    error_id = field.get_attribute("aria-describedby")
    expect(page.locator(f"#{error_id}")).to_contain_text("That code is not valid")
    expect(page.get_by_role("alert")).to_contain_text("That code is not valid")


@pytest.mark.browser
def test_login_page_has_no_axe_violations(page):
    response = page.goto("/login")
    # axe runs under the real CSP: inline scripts are refused, page.evaluate still works.
    assert "script-src 'self'" in response.headers["content-security-policy"]
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(content="window.inlineRan = true")
    assert page.evaluate("window.inlineRan") is None
    assert_no_axe_violations(page, "the sign-in page")


@pytest.mark.browser
def test_login_page_with_a_message_has_no_axe_violations(page):
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("status")).to_contain_text("Sign in to continue.")
    assert_no_axe_violations(page, "the sign-in page with a flashed message")


@pytest.mark.browser
def test_login_page_with_an_error_has_no_axe_violations(page, live_server):
    login_id, _ = make_user(live_server, Role.SERGEANT)
    password_step(page, login_id, password="not-the-password")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_no_axe_violations(page, "the sign-in page after a wrong password")


@pytest.mark.browser
def test_code_page_with_an_error_has_no_axe_violations(page, live_server):
    login_id, secret = make_user(live_server, Role.SERGEANT)
    password_step(page, login_id)
    assert_no_axe_violations(page, "the code page")
    code_step(page, wrong_code(secret))
    expect(page.get_by_label("6-digit code", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page, "the code page after a wrong code")


@pytest.mark.browser
def test_dashboard_has_no_axe_violations(page, live_server):
    login_id, secret = make_user(live_server, Role.SERGEANT)
    sign_in(page, login_id, secret)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    assert_no_axe_violations(page, "the dashboard")


@pytest.mark.browser
def test_enrolment_page_has_no_axe_violations(page, live_server):
    login_id, secret = make_user(live_server, Role.REPRESENTATIVE, totp=False)
    assert secret is None
    password_step(page, login_id)
    expect(page).to_have_url(re.compile(r"/login/enroll$"))
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    assert_no_axe_violations(page, "the second-factor enrolment page")

    key = "".join(page.locator("code.secret").inner_text().split())
    page.get_by_label("6-digit code", exact=True).fill(wrong_code(key))
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page).to_have_url(re.compile(r"/login/enroll$"))
    expect(page.get_by_label("6-digit code", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page, "the enrolment page after a wrong code")


@pytest.mark.browser
def test_enrolment_with_the_key_shown_reaches_the_dashboard(page, live_server):
    login_id, _ = make_user(live_server, Role.REPRESENTATIVE, totp=False)
    password_step(page, login_id)
    expect(page).to_have_url(re.compile(r"/login/enroll$"))
    key = "".join(page.locator("code.secret").inner_text().split())

    page.get_by_label("6-digit code", exact=True).fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Confirm and sign in").click()

    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your authenticator app is set up")
    assert_no_axe_violations(page, "the dashboard with a success message")


@pytest.mark.browser
@pytest.mark.parametrize(("path", "heading"), [
    ("/console/admin/users", "Staff accounts"),
    ("/console/districts/", "Districts"),
])
def test_admin_pages_have_no_axe_violations(page, live_server, path, heading):
    with live_server.app.app_context():
        factory = Factory(db())
        district = factory.district(number=7, name="Harbour")
        factory.district(number=8, name="Uptown", approved=False)
        factory.user(Role.SERGEANT, district)
        factory.user(Role.REPRESENTATIVE, district, totp=False, active=False)
        admin = factory.user(Role.ADMIN)
        login_id, secret = admin.login_id, admin.totp_secret
    sign_in(page, login_id, secret)

    page.goto(path)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator("table tbody tr").first).to_be_visible()
    assert_no_axe_violations(page, f"{heading} ({path})")

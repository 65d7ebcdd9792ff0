"""Acceptance 1 of issue 12: each role's main job, walked from the dashboard of the demo
department by clicking (no typed addresses after sign-in), with the attention list checked
before and after each step."""
import re

import pytest
from playwright.sync_api import expect

from beatdesk import demo
from blueprints.database import db

from ..conftest import make_app
from .conftest import TIMEOUT_MS, serve
from .test_login_a11y import assert_no_axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(database_url, tmp_path):
    app = make_app(database_url, WTF_CSRF_ENABLED=True, SERVER_NAME=None, BEATDESK_ENV="demo",
                   MEDIA_ROOT=str(tmp_path / "media"), RELEASE_ROOT=str(tmp_path / "releases"))
    app.instance_path = str(tmp_path)
    with app.app_context():
        demo.seed(db(), media_root=tmp_path / "media", release_root=tmp_path / "releases")
        db().commit()
    yield from serve(app)


@pytest.fixture
def open_as(chromium, demo_server):
    """``open_as(login)``: a new browser context signed in as a demo login, on its dashboard."""
    contexts = []

    def _open(login_id: str):
        context = chromium.new_context(base_url=demo_server.url, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        expect(page.get_by_text("Demo logins")).to_be_visible()
        page.get_by_label("Log-on ID", exact=True).fill(login_id)
        page.get_by_label("Password", exact=True).fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Continue", exact=True).click()
        expect(page).to_have_url(re.compile(r"/console/$"))
        return page

    yield _open
    for context in contexts:
        context.close()


def attention(page) -> list[str]:
    """The attention list on the dashboard, as the user reads it."""
    return [text.strip() for text in
            page.locator("section[aria-labelledby=attention-title] li").all_inner_texts()]


def count(page, label: str) -> int:
    """The count of one item of the attention list (0 when it is not listed)."""
    for item in attention(page):
        if item.startswith(label + ": "):
            return int(item.rsplit(": ", 1)[1])
    return 0


def to_dashboard(page) -> None:
    page.get_by_role("link", name="Dashboard", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/console/$"))


def test_each_role_walks_its_main_job_from_the_dashboard(open_as):
    # Representative: release the post News Affairs approved.
    page = open_as("d1.rep1")
    assert attention(page) == ["Posts returned to you: 1",
                               "Posts approved by News Affairs, ready for you to release: 1",
                               "Posts held at release: 1",
                               "Your posts discontinued in the last week: 1"]
    page.get_by_role("link", name=re.compile("ready for you to release")).click()
    page.get_by_role("link", name=re.compile(r"Thanksgiving parade")).click()
    page.get_by_role("button", name="Publish now", exact=True).click()
    expect(page.get_by_text(re.compile("published", re.I)).first).to_be_visible()
    to_dashboard(page)
    assert "Posts approved by News Affairs, ready for you to release: 1" not in attention(page)
    # The returned post shows News Affairs' note at the top.
    page.get_by_role("link", name="Posts returned to you: 1").click()
    page.get_by_role("link", name=re.compile("armed robberies")).click()
    expect(page.get_by_role("heading", name=re.compile("Returned to you by Noor News"))
           ).to_be_visible()

    # Sergeant: moderate a waiting comment, then discontinue a post from the review.
    page = open_as("d1.sergeant")
    waiting, unreviewed = count(page, "Comments waiting for moderation"), count(
        page, "Published posts to review (your review is overdue)")
    assert waiting and unreviewed
    page.get_by_role("link", name=f"Comments waiting for moderation: {waiting}").click()
    page.get_by_role("button", name=re.compile(r"^Approve comment #\d+$")).first.click()
    to_dashboard(page)
    assert count(page, "Comments waiting for moderation") == waiting - 1
    page.get_by_role("link", name=re.compile("Published posts to review")).click()
    first = page.locator("article.review-item[aria-labelledby^='post-'] details").first
    first.locator("summary").click()
    first.get_by_role("textbox").fill("The drop-off hours changed.")
    first.get_by_role("button", name=re.compile(r"^Discontinue post #\d+$")).click()
    expect(page.get_by_role("heading", name=f"Published since your last review "
                                             f"({unreviewed - 1})")).to_be_visible()
    to_dashboard(page)
    assert count(page, "Published posts to review (your review is overdue)") == unreviewed - 1

    # News Affairs: approve a notable post.
    page = open_as("news")
    assert "Notable posts awaiting approval: 2" in attention(page)
    page.get_by_role("link", name="Notable posts awaiting approval: 2").click()
    page.get_by_role("link", name=re.compile("catalytic converter")).click()
    page.get_by_role("button", name="Approve", exact=True).click()
    to_dashboard(page)
    assert "Notable posts awaiting approval: 1" in attention(page)

    # Commander: fill the open representative place.
    page = open_as("d1.commander")
    assert attention(page) == ["Representative places to fill: 1"]
    page.get_by_role("link", name="Representative places to fill: 1").click()
    choice = page.get_by_label("Representative", exact=True)
    choice.select_option(choice.locator("option", has_text="Morgan Standby").get_attribute(
        "value"))
    page.get_by_role("button", name="Name representative").click()
    to_dashboard(page)
    assert attention(page) == []
    expect(page.get_by_text("Nothing needs your attention right now.")).to_be_visible()

    # Records officer: release the request due the next business day.
    page = open_as("records")
    assert attention(page) == ["Records requests overdue: 1",
                               "Records requests due within two business days: 1"]
    page.get_by_role("link", name="Records requests due within two business days: 1").click()
    page.get_by_role("row").filter(has_text="Maria Lopez").get_by_role(
        "link", name=re.compile(r"^Request \d+$")).first.click()
    expect(page.get_by_text("Maria Lopez").first).to_be_visible()
    # Decide every suggested redaction of private persons' data before the release.
    accept_all = page.get_by_role("button", name=re.compile(r"^Accept all"))
    while accept_all.count():
        accept_all.first.click()
    expect(page.get_by_text(re.compile(r"waits? for your decision"))).to_have_count(0)
    page.get_by_role("link", name="Release records").click()
    page.get_by_label("Released to").fill("Maria Lopez, in person")
    page.get_by_label("I reviewed every record and its redactions").check()
    with page.expect_download():
        page.get_by_role("button", name="Build and download the package").click()
    to_dashboard(page)
    assert attention(page) == ["Records requests overdue: 1"]

    # The administrator sees the district waiting; the Chief of Police, the department's
    # approving authority, approves it (an administrator can't).
    page = open_as("admin")
    assert "Districts awaiting approval: 1" in attention(page)
    page = open_as("chief")
    page.get_by_role("link", name="Outlets awaiting your approval: 1").click()
    page.get_by_role("link", name=re.compile("Lakeview")).click()
    page.get_by_role("button", name=re.compile("^Approve District 019")).click()
    expect(page.get_by_text("is approved.")).to_be_visible()
    page = open_as("admin")
    assert attention(page) == ["Posts that could not be sent to a platform: 1"]


def test_demo_pages_have_no_axe_violations(open_as):
    """The sign-in page's demo logins, an ended designation's notice, the sergeant's review
    with its images and folded discontinue forms, and the attention page, at desktop and
    mobile widths (one demo department for both: seeding it is the slow part)."""
    for width in (1280, 390):
        page = open_as("d1.rep2")
        page.set_viewport_size({"width": width, "height": 900})
        assert_no_axe_violations(page, "the dashboard of a representative whose designation "
                                       "ended")
        page = open_as("d1.sergeant")
        page.set_viewport_size({"width": width, "height": 900})
        page.get_by_role("link", name="Review what the district published").click()
        page.locator("article.review-item details summary").first.click()
        assert_no_axe_violations(page, "the sergeant's review")
        page.get_by_role("link", name=re.compile("^Needs attention")).click()
        assert_no_axe_violations(page, "the attention page")
        page.get_by_role("button", name="Sign out").click()
        page.goto("/login")
        page.get_by_text("Demo logins").click()
        assert_no_axe_violations(page, "the sign-in page with the demo logins")

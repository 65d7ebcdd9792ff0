"""Platforms in a real browser (issue 10, acceptance 8): an administrator connects an X account
(a stand-in X on 127.0.0.1) and tests it, a representative publishes, the worker sends, the post
page shows the receipt; axe-core (WCAG 2.1 A and AA) on the new pages. Screenshots go to
``$BEATDESK_SCREENSHOTS`` when it is set."""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from beatdesk import outlets
from beatdesk.context import Actor
from beatdesk.models import User
from beatdesk.models.platforms import Platform, PlatformAccount
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory, make_app
from ..fakes.x_api import ACCOUNT_USERNAME, TOKEN, x_fake  # noqa: F401 (fixture)
from .conftest import TIMEOUT_MS, serve, sign_in
from .test_login_a11y import assert_no_axe_violations

pytestmark = pytest.mark.browser


def shoot(page, name: str) -> None:
    folder = os.environ.get("BEATDESK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture
def live_platforms(database_url, tmp_path):
    """The app with live connectors (the X account points at the stand-in X), CSRF on."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, SERVER_NAME=None,
                   PLATFORM_CONNECTORS="live", PUBLIC_BASE_URL="https://police.example",
                   INBOUND_POLL_SECONDS=0,
                   MEDIA_ROOT=str(tmp_path / "instance" / "media"))
    app.instance_path = str(tmp_path / "instance")
    yield from serve(app)


@pytest.fixture
def open_page(chromium, live_platforms):
    """Pages in browser contexts of their own (separate cookies): one per person."""
    contexts = []

    def _open():
        context = chromium.new_context(base_url=live_platforms.url)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def run_worker(app) -> None:
    """One round of ``flask worker --once``: due posts, the outbox, inbound polling."""
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output


def test_admin_connects_x_a_representative_publishes_and_a_moderator_hides_a_reply(
        open_page, live_platforms, x_fake):  # noqa: F811
    app = live_platforms.app
    with app.app_context():
        factory = Factory(db())
        district = factory.district(name="Harbour")
        admin = factory.user(Role.ADMIN)
        representative = factory.user(Role.REPRESENTATIVE, district)
        factory.designate(representative)
        sergeant = factory.user(Role.SERGEANT, district)
        admin_id = admin.id
        logins = {"admin": (admin.login_id, admin.totp_secret),
                  "rep": (representative.login_id, representative.totp_secret),
                  "sergeant": (sergeant.login_id, sergeant.totp_secret)}
        district_label = district.label

    # The administrator connects the department's X account for the district and tests it.
    page = open_page()
    sign_in(page, *logins["admin"])
    page.get_by_role("link", name="Platform accounts", exact=True).click()
    expect(page.get_by_role("heading", name="Platform accounts", level=1)).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("No account is connected yet"))).to_be_visible()
    assert_no_axe_violations(page, "the platform accounts page (empty)")
    page.get_by_role("link", name="Connect an X account").click()
    expect(page.get_by_role("heading", name="Connect an X account", level=1)).to_be_visible()
    assert_no_axe_violations(page, "the connect form")

    # A mistake first: the handle is refused with a sentence tied to its field.
    page.get_by_label("Posts from").select_option(label=district_label)
    page.get_by_label("X handle").fill("not a handle!")
    page.get_by_label("Bearer access token").fill(TOKEN)
    page.get_by_label("API address (optional)").fill(x_fake.base_url)
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("An X handle is 1 to 15 letters")
    handle = page.get_by_label("X handle")
    expect(handle).to_have_attribute("aria-invalid", "true")
    expect(handle).to_have_accessible_description(re.compile("An X handle is 1 to 15 letters"))
    expect(page.get_by_label("Bearer access token")).to_have_value("")  # never sent back
    assert_no_axe_violations(page, "the connect form with an error")
    shoot(page, "platforms-connect-error")

    handle.fill(f"@{ACCOUNT_USERNAME}")
    page.get_by_label("Bearer access token").fill(TOKEN)
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page).to_have_url(re.compile(r"/console/admin/platforms$"))
    expect(page.get_by_role("status")).to_contain_text(f"X @{ACCOUNT_USERNAME} is connected")
    page.get_by_role("button", name=f"Test the connection of X @{ACCOUNT_USERNAME}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Connected as @{ACCOUNT_USERNAME}")
    row = page.get_by_role("row", name=re.compile(f"X @{ACCOUNT_USERNAME}"))
    expect(row).to_contain_text("Passed")
    expect(row).to_contain_text(district_label)
    assert TOKEN not in page.content()
    assert_no_axe_violations(page, "the platform accounts page")
    shoot(page, "platforms-list")
    with app.app_context():
        account = db().query(PlatformAccount).one()
        assert account.platform == Platform.X and account.account_ref == x_fake.account_id
        # A new account receives posts once the department's approving authority approves it.
        chief = Factory(db()).user(Role.NEWS_AFFAIRS)
        outlets.record_authority(db(), Actor(db().get(User, admin_id)), "Chief of Police",
                                 chief.id)
        outlets.approve(db(), Actor(chief), outlets.outlet_of(db(), account))
        db().commit()

    # The representative writes a post, sees the X preview, submits and publishes it.
    rep = open_page()
    sign_in(rep, *logins["rep"])
    rep.goto("/console/posts/new")
    rep.get_by_label("Category", exact=True).select_option(label="Community alert")
    text = "Street sweeping on Harbour Ave tomorrow from 9 am: please move your cars."
    rep.get_by_label("Post text", exact=True).fill(text)
    rep.get_by_role("button", name="Save draft").click()
    expect(rep).to_have_url(re.compile(r"/console/posts/\d+$"))
    post_id = int(rep.url.rsplit("/", 1)[1])
    preview = rep.locator(".platform-preview [data-platform='x']")
    expect(preview).to_contain_text(f"@{ACCOUNT_USERNAME}")
    expect(preview).to_contain_text(f"of 280 weighted characters")
    assert_no_axe_violations(rep, "the post page with the platform preview")
    rep.get_by_role("button", name="Submit", exact=True).click()
    rep.get_by_role("button", name="Publish now").click()
    expect(rep.get_by_role("status")).to_contain_text(re.compile("published", re.I))

    # The worker sends it; X has it once; the post page shows the receipt.
    run_worker(app)
    sent = [p for p in x_fake.live_posts_by(x_fake.account_id) if p.sent_text == text]
    assert len(sent) == 1
    rep.reload()
    receipts = rep.locator("table.receipts")
    expect(receipts).to_contain_text("Sent")
    expect(receipts.get_by_role("link", name=re.compile(sent[0].id))).to_have_attribute(
        "href", re.compile(sent[0].id))
    assert_no_axe_violations(rep, "the post page with its receipts")
    shoot(rep, "platforms-post-receipts")

    # Someone replies on X; the worker brings the reply into the moderation queue, screened.
    reply_id = x_fake.add_reply(sent[0].id, "Move your own car first, you clowns.",
                                author="harbour_resident")
    run_worker(app)
    moderator = open_page()
    sign_in(moderator, *logins["sergeant"])
    moderator.get_by_role("link", name="Comments", exact=True).click()
    row = moderator.get_by_role("listitem").filter(has_text="harbour_resident")
    expect(row).to_contain_text("X")
    expect(row).to_contain_text("Move your own car first")
    assert_no_axe_violations(moderator, "the moderation queue with a reply from X")
    shoot(moderator, "platforms-moderation-queue")

    # The sergeant removes it, citing a clause; the worker hides it on X.
    row.get_by_role("link", name=re.compile(r"^Comment #\d+ by")).click()
    expect(moderator.get_by_role("heading", name="On X", level=2)).to_be_visible()
    assert_no_axe_violations(moderator, "a reply from X in moderation")
    moderator.locator("#action-remove").check()
    clause = moderator.get_by_label("Clause of the Takedown Policy (for hide and remove)")
    clause.select_option(index=1)
    moderator.get_by_role("button", name="Save decision").click()
    expect(moderator.get_by_role("status")).to_be_visible()
    assert not x_fake.posts[reply_id].hidden
    run_worker(app)
    assert x_fake.posts[reply_id].hidden
    moderator.reload()
    expect(moderator.get_by_role("table", name=re.compile("queued for this reply"))
           ).to_contain_text("Sent")
    assert_no_axe_violations(moderator, "a hidden reply from X in moderation")
    shoot(moderator, "platforms-moderation-hidden")


def test_mastodon_and_bluesky_forms_pass_axe_and_replace_credentials(open_page, live_platforms):
    with live_platforms.app.app_context():
        factory = Factory(db())
        admin = factory.user(Role.ADMIN)
        login = (admin.login_id, admin.totp_secret)
    page = open_page()
    sign_in(page, *login)
    page.goto("/console/admin/platforms/connect/bluesky")
    expect(page.get_by_label("PDS address")).to_have_value("https://bsky.social")
    assert_no_axe_violations(page, "the Bluesky connect form")
    page.goto("/console/admin/platforms/connect/mastodon")
    page.get_by_label("Mastodon handle").fill("district1")
    page.get_by_label("Instance address").fill("http://social.example")
    page.get_by_label("Access token").fill("a-token")
    page.get_by_role("button", name="Connect", exact=True).click()
    address = page.get_by_label("Instance address")
    expect(address).to_have_accessible_description(re.compile("must start with https://"))
    assert_no_axe_violations(page, "the Mastodon connect form with an error")
    address.fill("https://social.example")
    page.get_by_label("Access token").fill("a-token")
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("district1@social.example is connected")
    page.get_by_role("link", name="Replace credentials of Mastodon district1@social.example"
                     ).click()
    assert_no_axe_violations(page, "the replace credentials form")
    page.get_by_label("New access token").fill("another-token")
    page.get_by_role("button", name="Save the new credentials").click()
    expect(page.get_by_role("status")).to_contain_text("New credentials saved")
    page.get_by_role("button", name="Disconnect Mastodon district1@social.example").click()
    expect(page.get_by_role("row", name=re.compile("district1@social.example"))
           ).to_contain_text("Disconnected")
    assert_no_axe_violations(page, "the platform accounts page with a disconnected account")
    shoot(page, "platforms-disconnected")

"""A visitor comments, a moderator removes the comment citing a clause, and the visitor sees the
placeholder; script in names and comments never runs; axe-core finds no WCAG 2.1 AA violation
on the post page (with and without form errors) or the moderation pages."""
import re

import pytest
from playwright.sync_api import expect

from beatdesk import terms
from beatdesk.models import ModerationMode, PostState
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from .conftest import TIMEOUT_MS, sign_in
from .test_login_a11y import assert_no_axe_violations

SCRIPT_NAME = "<script>window.__pwned = 'name'</script>Robin"
SCRIPT_BODY = "Nice work <img src=x onerror=\"window.__pwned = 'body'\"> on the crossing."


def _setup(live_server):
    with live_server.app.app_context():
        factory = Factory(db())
        current = terms.current_terms(db())
        db().commit()
        clause = terms.takedown_clauses(current)[0]
        district = factory.district(moderation_mode=ModerationMode.POST)
        post = factory.post(district, state=PostState.PUBLISHED,
                            body="The crossing on Elm Street reopens today.")
        sergeant = factory.user(Role.SERGEANT, district)
        return post.id, clause, sergeant.login_id, sergeant.totp_secret


@pytest.mark.browser
def test_comment_removed_with_a_clause_shows_the_placeholder(page, chromium, live_server):
    post_id, clause, login_id, secret = _setup(live_server)

    page.goto(f"/posts/{post_id}")
    expect(page.get_by_role("heading", name="Add a comment")).to_be_visible()
    assert_no_axe_violations(page, "the post page")

    page.get_by_label("Your comment").fill(SCRIPT_BODY)
    page.get_by_role("button", name="Send comment").click()  # no name, no Terms box
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_label("Your comment")).to_have_value(SCRIPT_BODY)
    assert_no_axe_violations(page, "the post page with form errors")

    page.get_by_label("Your name").fill(SCRIPT_NAME)
    page.get_by_label("I have read and accept the Terms of Service").check()
    page.get_by_role("button", name="Send comment").click()
    expect(page).to_have_url(re.compile(rf"/posts/{post_id}\?comment=visible#comments$"))
    expect(page.get_by_text("Your comment is published below.")).to_be_visible()
    expect(page.get_by_text(SCRIPT_NAME)).to_be_visible()  # shown as text
    assert page.evaluate("window.__pwned") is None

    staff = chromium.new_context(base_url=live_server.url)
    staff.set_default_timeout(TIMEOUT_MS)
    console = staff.new_page()
    sign_in(console, login_id, secret)
    console.goto("/console/moderation/?state=visible")
    expect(console.get_by_role("heading", name="Comment queue", level=1)).to_be_visible()
    assert_no_axe_violations(console, "the moderation queue")
    assert console.evaluate("window.__pwned") is None
    console.get_by_role("link", name=re.compile(r"#\d+ by ")).first.click()
    expect(console.get_by_role("heading", name="Act on this comment")).to_be_visible()
    assert_no_axe_violations(console, "a comment in the moderation console")

    console.get_by_label("Remove (cite a clause)").check()
    console.get_by_role("button", name="Save decision").click()  # no clause chosen
    expect(console.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_no_axe_violations(console, "a comment with a form error")
    console.get_by_label("Remove (cite a clause)").check()
    console.get_by_label("Clause of the Takedown Policy").select_option(clause.number)
    console.get_by_role("button", name="Save decision").click()
    expect(console.get_by_text(re.compile(r"Comment #\d+ was removed\."))).to_be_visible()
    assert console.evaluate("window.__pwned") is None

    console.goto("/console/moderation/report")
    expect(console.get_by_role("heading", name="Moderation report", level=1)).to_be_visible()
    assert_no_axe_violations(console, "the moderation report")
    console.goto("/console/moderation/blocks")
    assert_no_axe_violations(console, "the blocked commenters page")
    staff.close()

    page.goto(f"/posts/{post_id}")
    expect(page.get_by_text(f"This comment was removed under clause {clause.number} "
                            f"({clause.title}) of the Terms of Service.")).to_be_visible()
    expect(page.get_by_text("on the crossing.")).to_have_count(0)
    expect(page.get_by_text("Robin")).to_have_count(0)


@pytest.mark.browser
def test_keyword_page_has_no_axe_violations(page, live_server):
    with live_server.app.app_context():
        admin = Factory(db()).user(Role.ADMIN)
        login_id, secret = admin.login_id, admin.totp_secret
    sign_in(page, login_id, secret)
    page.goto("/console/moderation/keywords")
    page.get_by_role("textbox", name="Word or phrase").fill("free tickets")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("cell", name="free tickets", exact=True)).to_be_visible()
    assert_no_axe_violations(page, "the comment keywords page")
    page.get_by_role("textbox", name="Word or phrase").fill("Free Tickets")  # listed already
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_text("is already listed").first).to_be_visible()
    assert_no_axe_violations(page, "the comment keywords page with an error")

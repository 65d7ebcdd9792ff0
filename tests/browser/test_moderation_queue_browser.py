"""The moderation queue in a real browser (issue 12, "Moderation that is quick and safe"): each
row decides on its own, by keyboard, with the clause the Takedown Policy needs; bulk actions
still work; the page is axe-clean at desktop and mobile widths, with and without an error, and
fits a phone's width. Screenshots go to ``$BEATDESK_SCREENSHOTS`` when it is set."""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from beatdesk import comments, terms
from beatdesk.comments import CommentSubmission
from beatdesk.context import Actor
from beatdesk.models import CommentState, ModerationMode, PostState
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from ..routes.comments import make_comment
from .conftest import TIMEOUT_MS, sign_in
from .test_login_a11y import assert_no_axe_violations

DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 390, "height": 844}


def shoot(page, name: str) -> None:
    folder = os.environ.get("BEATDESK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _setup(live_server):
    with live_server.app.app_context():
        session = db()
        factory = Factory(session)
        current = terms.current_terms(session)
        session.commit()
        clause = terms.takedown_clauses(current)[2]
        district = factory.district(moderation_mode=ModerationMode.PRE, name="Harbor")
        post = factory.post(district, state=PostState.PUBLISHED,
                            body="The Elm Street crossing reopens today after the repairs; "
                                 "crossing guards return on Monday morning.")
        ids = {}
        for name, body in (("Robin", "Thanks, my kids cross there every day."),
                           ("Kim", "Will the guards be there after school too?"),
                           ("Lee", "Finally. It took long enough.")):
            ids[name] = make_comment(session, post, author_name=name, body=body).id
        attack = comments.submit_comment(
            session, Actor(user=None, client_addr="192.0.2.1"), post.id,
            CommentSubmission(name="Angry", email="", body="You are an idiot, officer.",
                              accepted_terms=True, terms_version=current.number))
        session.commit()
        ids["Angry"] = attack.id
        make_comment(session, post, state=CommentState.VISIBLE, author_name="Pat",
                     body="Good to know.")
        sergeant = factory.user(Role.SERGEANT, district)
        return ids, clause, sergeant.login_id, sergeant.totp_secret


@pytest.mark.browser
def test_the_queue_decides_row_by_row_by_keyboard(chromium, live_server):
    ids, clause, login_id, secret = _setup(live_server)
    context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, login_id, secret)
    page.get_by_role("link", name="Comments", exact=True).click()
    expect(page.get_by_role("heading", name="Comment queue", level=1)).to_be_visible()
    angry = page.locator(f"#comment-{ids['Angry']}")
    expect(angry).to_contain_text("Personal attack")  # the screening reason, at the row
    expect(angry.get_by_role("link", name=re.compile(r"^post #\d+"))).to_be_visible()
    expect(angry).to_contain_text("The Elm Street crossing reopens today")
    assert_no_axe_violations(page, "the moderation queue (desktop)")
    shoot(page, "moderation-queue-desktop")

    # Remove without a clause, by keyboard: refused at the row, nothing changed.
    remove = page.get_by_role("button", name=f"Remove comment #{ids['Angry']}", exact=True)
    remove.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    select = page.get_by_label(f"Clause for comment #{ids['Angry']}, to hide or remove")
    expect(select).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#comment-{ids['Angry']}")).to_contain_text("Choose the clause")
    assert_no_axe_violations(page, "the moderation queue with a refused decision")
    shoot(page, "moderation-queue-error")

    select.focus()
    select.select_option(clause.number)
    page.get_by_role("button", name=f"Remove comment #{ids['Angry']}", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Comment #{ids['Angry']} was removed.")).to_be_visible()
    expect(page.locator(f"#comment-{ids['Angry']}")).to_have_count(0)

    page.get_by_role("button", name=f"Approve comment #{ids['Robin']}", exact=True).click()
    expect(page.get_by_text(f"Comment #{ids['Robin']} was approved.")).to_be_visible()

    # Bulk actions stay: select two, choose the action (none is chosen beforehand), apply.
    page.get_by_label(f"Select comment #{ids['Kim']} for a bulk action").check()
    page.get_by_label(f"Select comment #{ids['Lee']} for a bulk action").check()
    page.get_by_label("Action for the selected comments").select_option("approve")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("2 comments were approved.")).to_be_visible()
    expect(page.get_by_text("No comments match these filters.")).to_be_visible()
    assert_no_axe_violations(page, "the emptied queue")
    context.close()


@pytest.mark.browser
def test_the_queue_on_a_phone(chromium, live_server):
    ids, _, login_id, secret = _setup(live_server)
    context = chromium.new_context(base_url=live_server.url, viewport=MOBILE, is_mobile=True,
                                   has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    sign_in(page, login_id, secret)
    page.goto("/console/moderation/?state=all")
    expect(page.get_by_role("button", name=f"Approve comment #{ids['Kim']}")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_axe_violations(page, "the moderation queue (mobile)")
    shoot(page, "moderation-queue-mobile")
    page.get_by_role("link", name=f"Comment #{ids['Angry']} by Angry").click()
    expect(page.get_by_role("heading", name="Act on this comment")).to_be_visible()
    assert not page.locator("input[type=radio]:checked").count()  # nothing chosen beforehand
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_no_axe_violations(page, "a comment in moderation (mobile)")
    shoot(page, "moderation-comment-mobile")
    context.close()

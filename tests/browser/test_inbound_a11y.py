"""Platform replies in the moderation console and on the public post page: a moderator sees
each reply's platform, author, link and platform events, hides an X reply, queues a block and a
report of a Mastodon reply's author; axe-core finds no WCAG 2.1 AA violation on these pages."""
import re
import uuid
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from beatdesk import terms
from beatdesk.models import (Comment, CommentPlatformEvent, CommentState, ModerationMode,
                             OutboxKind, OutboxRow, OutboxState, Platform, PlatformAccount,
                             PlatformEventKind, PostState)
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from .conftest import sign_in
from .test_login_a11y import assert_no_axe_violations

WHEN = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _reply(session, post, platform: Platform, body: str, handle: str, **fields) -> Comment:
    account = PlatformAccount(platform=platform, district_id=post.district_id,
                              handle=f"@district-{platform.value}",
                              base_url="https://platform.example", active=True)
    session.add(account)
    session.flush()
    session.add(OutboxRow(kind=OutboxKind.POST_CREATE, state=OutboxState.SENT,
                          account_id=account.id, post_id=post.id,
                          revision_id=post.current_revision_id,
                          idempotency_key=uuid.uuid4().hex, platform_id=f"root-{platform.value}",
                          platform_url=f"https://platform.example/{platform.value}/root",
                          sent_at=WHEN))
    comment = Comment(post_id=post.id, district_id=post.district_id, author_name=handle.title(),
                      body=body, source_platform=platform.value,
                      platform_id=f"{platform.value}-{uuid.uuid4().hex}", account_id=account.id,
                      author_handle=f"@{handle}", author_ref=f"id-{handle}",
                      platform_url=f"https://platform.example/@{handle}/1",
                      platform_kind="reply", platform_created_at=WHEN, **fields)
    session.add(comment)
    session.commit()
    return comment


def _setup(live_server):
    with live_server.app.app_context():
        session = db()
        factory = Factory(session)
        clause = terms.takedown_clauses(terms.current_terms(session))[0]
        session.commit()
        district = factory.district(moderation_mode=ModerationMode.POST)
        post = factory.post(district, state=PostState.PUBLISHED, body="Main St reopens today.")
        on_x = _reply(session, post, Platform.X, "Great news for the bakery.", "kim",
                      state=CommentState.VISIBLE)
        on_mastodon = _reply(session, post, Platform.MASTODON, "Buy cheap watches here.",
                             "spammer", state=CommentState.HELD)
        session.add(CommentPlatformEvent(comment_id=on_mastodon.id,
                                         kind=PlatformEventKind.EDITED,
                                         old_body="Buy watches.", new_body=on_mastodon.body))
        session.commit()
        sergeant = factory.user(Role.SERGEANT, district)
        return (post.id, on_x.id, on_mastodon.id, clause, sergeant.login_id,
                sergeant.totp_secret)


@pytest.mark.browser
def test_platform_replies_in_the_console_and_on_the_post_page(page, live_server):
    post_id, x_id, mastodon_id, clause, login_id, secret = _setup(live_server)

    page.goto(f"/posts/{post_id}")
    expect(page.get_by_text("Reply on X")).to_be_visible()
    expect(page.get_by_text("Great news for the bakery.")).to_be_visible()
    assert_no_axe_violations(page, "the post page with a platform reply")

    sign_in(page, login_id, secret)
    page.goto("/console/moderation/?state=all")
    expect(page.get_by_text("Edited on the platform")).to_be_visible()
    assert_no_axe_violations(page, "the queue with platform replies")
    page.screenshot(path="/tmp/inbound-queue.png", full_page=True)

    page.goto(f"/console/moderation/comments/{mastodon_id}")
    expect(page.get_by_role("heading", name="On Mastodon", exact=True)).to_be_visible()
    assert_no_axe_violations(page, "a Mastodon reply")
    page.get_by_label("Why the reply is reported").fill("Advertising.")
    page.get_by_role("button", name="Report to the instance").click()
    expect(page.get_by_text("The report is queued")).to_be_visible()
    page.get_by_role("button", name="Block author").click()
    expect(page.get_by_text("Blocking the author is queued")).to_be_visible()
    expect(page.get_by_role("cell", name="Block author", exact=True)).to_be_visible()
    page.screenshot(path="/tmp/inbound-mastodon.png", full_page=True)

    page.goto(f"/console/moderation/comments/{x_id}")
    page.get_by_label("Hide (cite a clause)").check()
    page.get_by_label("Clause of the Takedown Policy").select_option(clause.number)
    page.get_by_role("button", name="Save decision").click()
    expect(page.get_by_text(f"Comment #{x_id} was hidden.")).to_be_visible()
    expect(page.get_by_role("cell", name="Hide reply", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("the post on X"))).to_be_visible()
    assert_no_axe_violations(page, "a hidden X reply")
    page.screenshot(path="/tmp/inbound-x.png", full_page=True)

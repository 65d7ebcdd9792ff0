"""Posts in a real browser: the composer's live counters, a notable post's release through News
Affairs in a second browser context, and axe-core (WCAG 2.1 A and AA) on the posts pages."""
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from beatdesk import clock, counting, posts, publication
from beatdesk.context import Actor
from beatdesk.models import Category, Post, PostState
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from .conftest import TIMEOUT_MS, sign_in
from .test_login_a11y import assert_no_axe_violations

pytestmark = pytest.mark.browser

NOTABLE_TEXT = "Officers arrested a man after a shooting on Halsted Street tonight."
# A fact of a court case: a warning the author acknowledges (promoting a business is blocking).
WARNING_TEXT = ("Beat meeting Thursday at 7 pm in the district hall. Ask us about the court date "
                "in the garage burglary case.")
DANGER_RGB = "rgb(161, 19, 29)"  # --danger in static/css/beatdesk.css


@dataclass
class Login:
    login_id: str
    secret: str


def _login(user) -> Login:
    return Login(user.login_id, user.totp_secret)


@pytest.fixture
def new_page(chromium, live_server):
    """Pages in further browser contexts of their own (separate cookies): another person."""
    contexts = []

    def _open():
        context = chromium.new_context(base_url=live_server.url)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def designated_representative(live_server) -> tuple[Login, str]:
    """A designated representative of an approved district; returns its login and the slug."""
    with live_server.app.app_context():
        factory = Factory(db())
        district = factory.district(name="Harbour")
        representative = factory.user(Role.REPRESENTATIVE, district)
        factory.designate(representative)
        return _login(representative), district.slug


def counter(page, platform: str):
    return page.locator(f"#counters [data-platform='{platform}']")


def expect_counts_match_server(page, text: str) -> list[counting.PlatformCount]:
    """Wait until the counters render ``text``, then compare each number with the server's
    (which, like the save, counts the text without its surrounding whitespace)."""
    expect(page.locator("#counters")).to_have_attribute("data-counted", text)
    counts = counting.count_all(text.strip())
    for c in counts:
        expect(counter(page, c.platform).locator(".counter-length")).to_have_text(str(c.length))
    return counts


def open_composer(page) -> None:
    page.goto("/console/posts/new")
    expect(page.get_by_role("heading", name="Write a post", level=1)).to_be_visible()


def body_box(page):
    return page.get_by_label("Post text", exact=True)


def test_counter_follows_typing_and_agrees_with_the_server(page, live_server):
    login, _ = designated_representative(live_server)
    sign_in(page, login.login_id, login.secret)
    open_composer(page)
    box = body_box(page)
    for c in counting.count_all(""):
        expect(counter(page, c.platform).locator(".counter-length")).to_have_text("0")

    # Typed piece by piece; after each piece the counters show the server's numbers for the
    # whole text so far (X weighs URLs, CJK and emoji; Mastodon and Bluesky count graphemes).
    pieces = [
        "Roll call moved to 7 pm.",
        " Road closures: https://www.example.gov/closures/2026/november?district=7&map=1",
        " 社区会议在周四晚上七点举行。",
        " Thanks 👮🏽‍♀️ 👨‍👩‍👧‍👦 👍🏿 🏳️‍🌈",
    ]
    box.click()
    typed = ""
    seen = []
    for piece in pieces:
        page.keyboard.type(piece)
        typed += piece
        counts = expect_counts_match_server(page, typed)
        seen.append({c.platform: c.length for c in counts})
        for c in counts:
            expect(counter(page, c.platform)).not_to_have_class(re.compile(r"\bcounter--over\b"))
    # The cases are not trivial: the platforms disagree, so a plain length would fail somewhere.
    final = seen[-1]
    assert len({final["x"], final["mastodon"], final["bluesky"]}) == 3
    assert final["bluesky"] < len(typed)

    page.get_by_label("Category", exact=True).select_option(label="Community alert")
    page.get_by_role("button", name="Save draft").click()

    expect(page).to_have_url(re.compile(r"/console/posts/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("Draft saved")
    expect(page.locator(".post-body")).to_have_text(typed)
    for c in counting.count_all(typed):  # the saved post shows the same numbers
        expect(page.locator(f".counters [data-platform='{c.platform}'] .counter-length")
               ).to_have_text(str(c.length))


def test_counter_flags_a_post_too_long_for_x_and_the_server_refuses_it(page, live_server):
    login, _ = designated_representative(live_server)
    sign_in(page, login.login_id, login.secret)
    open_composer(page)

    # 150 CJK characters weigh 300 on X (limit 280) but count 150 on Mastodon and Bluesky.
    text = ("社区安全会议将在本周四晚上七点在分局大厅举行欢迎居民参加" * 6)[:150]
    assert len(text) == 150
    body_box(page).fill(text)  # fill() fires the input event, as typing does
    counts = {c.platform: c for c in expect_counts_match_server(page, text)}
    assert counts["x"].over and counts["x"].length == 300
    assert not counts["mastodon"].over and not counts["bluesky"].over

    x = counter(page, "x")
    expect(x).to_have_class(re.compile(r"\bcounter--over\b"))
    expect(x.locator(".counter-note")).to_have_text("(20 too many)")
    expect(x).to_have_css("color", DANGER_RGB)
    for platform in ("mastodon", "bluesky"):
        expect(counter(page, platform)).not_to_have_class(re.compile(r"\bcounter--over\b"))
        expect(counter(page, platform).locator(".counter-note")).to_have_text("")

    # Ten characters fewer weigh exactly 280: at the limit, not over it; the styling goes.
    body_box(page).press("End")
    for _ in range(10):
        page.keyboard.press("Backspace")
    assert counting.x_length(text[:140]) == 280
    expect_counts_match_server(page, text[:140])
    expect(x).not_to_have_class(re.compile(r"\bcounter--over\b"))
    expect(x.locator(".counter-note")).to_have_text("")

    body_box(page).fill(text)
    expect_counts_match_server(page, text)
    page.get_by_role("button", name="Save draft").click()

    expect(page).to_have_url(re.compile(r"/console/posts/new$"))
    message = "Too long for X: 300 of 280 (weighted count)."
    expect(page.get_by_role("alert")).to_contain_text(message)
    expect(body_box(page)).to_have_attribute("aria-invalid", "true")
    expect(body_box(page)).to_have_accessible_description(re.compile(re.escape(message)))
    expect(body_box(page)).to_have_value(text)
    expect(counter(page, "x")).to_have_class(re.compile(r"\bcounter--over\b"))
    with live_server.app.app_context():
        assert db().query(Post).count() == 0


def test_notable_post_is_public_only_after_news_affairs_approves_it(page, new_page, live_server):
    representative, slug = designated_representative(live_server)
    with live_server.app.app_context():
        news_affairs = _login(Factory(db()).user(Role.NEWS_AFFAIRS))

    # The representative writes the post; the text alone makes it notable.
    sign_in(page, representative.login_id, representative.secret)
    open_composer(page)
    page.get_by_label("Category", exact=True).select_option(label="Community alert")
    body_box(page).fill(NOTABLE_TEXT)
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/console/posts/\d+$"))
    post_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_role("heading", level=1)).to_contain_text("Notable")
    expect(page.locator(".finding--notable").first).to_contain_text("Social Media Outlet: Twitter §IV.A.1")

    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"was sent to News Affairs\."))
    expect(page.get_by_role("button", name="Publish now")).to_have_count(0)
    assert page.request.get(f"/posts/{post_id}").status == 404
    assert NOTABLE_TEXT not in page.request.get(f"/districts/{slug}").text()

    # News Affairs, signed in elsewhere, approves it from the Approvals queue.
    other = new_page()
    sign_in(other, news_affairs.login_id, news_affairs.secret)
    other.get_by_role("link", name="Approvals", exact=True).click()
    expect(other.get_by_role("heading", name="News Affairs", level=1)).to_be_visible()
    other.get_by_role("link", name=re.compile(rf"^#{post_id}: ")).click()
    expect(other).to_have_url(re.compile(rf"/console/posts/{post_id}$"))
    other.get_by_role("button", name="Approve", exact=True).click()
    expect(other.get_by_role("status")).to_contain_text(re.compile(r"Post #\d+ was approved\."))

    # Approved but not yet published: still not public.
    assert page.request.get(f"/posts/{post_id}").status == 404
    assert NOTABLE_TEXT not in page.request.get(f"/districts/{slug}").text()

    # The representative publishes it, and the public sees it.
    page.reload()
    expect(page.get_by_text(re.compile(r"Approves this revision"))).to_be_visible()
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Post #\d+ was published\."))

    public = new_page()  # a visitor: no session at all
    response = public.goto(f"/posts/{post_id}")
    assert response.status == 200
    expect(public.get_by_role("paragraph").filter(has_text=NOTABLE_TEXT).first).to_be_visible()
    public.goto(f"/districts/{slug}")
    expect(public.get_by_text(NOTABLE_TEXT).first).to_be_visible()
    with live_server.app.app_context():
        visible = db().scalars(publication.public_posts()).all()
        assert [p.id for p in visible] == [post_id]
        assert visible[0].district.slug == slug


# --- axe-core on the posts pages ------------------------------------------------------------------

@dataclass
class Desk:
    """A district with its people and posts in every queue."""

    representative: Login
    sergeant: Login
    news_affairs: Login
    notable_id: int      # awaiting News Affairs
    published_id: int    # published, warning acknowledged, unreviewed
    pre_review_id: int   # awaiting the sergeant


def seed_desk(live_server) -> Desk:
    """Posts built through the domain operations, so findings and timelines are real."""
    with live_server.app.app_context():
        session = db()
        factory = Factory(session)
        district = factory.district(name="Harbour")
        representative = factory.user(Role.REPRESENTATIVE, district)
        factory.designate(representative)
        sergeant = factory.user(Role.SERGEANT, district)
        news_affairs = factory.user(Role.NEWS_AFFAIRS)
        author = Actor(user=representative)

        def write(text: str, category=Category.COMMUNITY_ALERT):
            ends = clock.utcnow() + timedelta(days=30)  # beat meetings carry an end date
            return posts.create_post(session, author, district,
                                     posts.PostData(category=category, body=text,
                                                    valid_until=ends))

        notable = write(NOTABLE_TEXT)
        posts.submit(session, author, notable)

        published = write(WARNING_TEXT, Category.BEAT_MEETING)
        posts.acknowledge(session, author, published, "court_case",
                          "The court date is public record; the command approved it.")
        posts.submit(session, author, published)
        posts.publish(session, author, published)

        pre_review = write("Leaf collection starts Monday; keep the gutters clear for it.")
        posts.submit(session, author, pre_review)
        posts.request_sergeant_review(session, author, pre_review)
        session.commit()
        assert notable.state is PostState.AWAITING_NEWS_AFFAIRS
        assert published.state is PostState.PUBLISHED
        assert pre_review.state is PostState.AWAITING_SERGEANT
        return Desk(_login(representative), _login(sergeant), _login(news_affairs),
                    notable.id, published.id, pre_review.id)


def test_author_pages_have_no_axe_violations(page, live_server):
    login, _ = designated_representative(live_server)
    sign_in(page, login.login_id, login.secret)

    open_composer(page)
    assert_no_axe_violations(page, "the empty composer")

    page.get_by_role("button", name="Save draft").click()  # no text
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(body_box(page)).to_have_attribute("aria-invalid", "true")
    assert_no_axe_violations(page, "the composer with a missing text")

    body_box(page).fill("Too long for X. " * 20)
    expect_counts_match_server(page, "Too long for X. " * 20)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Too long for X")
    expect(counter(page, "x")).to_have_class(re.compile(r"\bcounter--over\b"))
    assert_no_axe_violations(page, "the composer with an over-length text")

    # A post whose text draws a warning: its page carries the acknowledgement form.
    body_box(page).fill(WARNING_TEXT)
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/console/posts/\d+$"))
    post_id = int(page.url.rsplit("/", 1)[1])
    warning = page.locator(".finding--warning")
    expect(warning).to_contain_text("Use of Social Media Outlets §IV.B.2")
    expect(warning.locator("q")).to_have_text("court date")
    reason = page.get_by_label(re.compile(r"^Acknowledge “Facts about a court case”"))
    expect(reason).to_be_visible()
    assert_no_axe_violations(page, "a post's page with a warning and its acknowledgement form")

    page.get_by_role("button", name="Acknowledge", exact=True).click()  # no reason
    expect(page.get_by_role("alert")).to_contain_text("Give your reason")
    assert_no_axe_violations(page, "a post's page after an acknowledgement without a reason")

    page.get_by_label(re.compile(r"^Acknowledge “Facts about a court case")).fill(
        "The owner hosts the beat meeting; the commander approved the mention.")
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("was acknowledged.")
    expect(page.locator(".ack")).to_contain_text("the commander approved the mention")
    assert_no_axe_violations(page, "a post's page with an acknowledged warning")

    # A second revision, for the history and the diff.
    page.get_by_role("link", name="Edit (new revision)").click()
    body_box(page).fill(WARNING_TEXT.replace("Thursday", "Wednesday") + " All welcome.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("New revision saved")

    page.goto(f"/console/posts/{post_id}/history")
    expect(page.get_by_role("heading", name=f"History of post #{post_id}")).to_be_visible()
    expect(page.get_by_role("link", name="Changes from revision 1")).to_be_visible()
    assert_no_axe_violations(page, "the history page")

    page.get_by_role("link", name="Changes from revision 1").click()
    expect(page.locator(".diff ins").first).to_be_visible()
    expect(page.locator(".diff del").first).to_be_visible()
    assert_no_axe_violations(page, "the diff page")

    page.goto(f"/console/posts/{post_id}/revisions/1")
    expect(page.locator(".ack")).to_be_visible()
    assert_no_axe_violations(page, "a revision's page")

    page.goto(f"/console/inquiries/new?post={post_id}")
    expect(page.get_by_role("heading", name="Log a media inquiry")).to_be_visible()
    assert_no_axe_violations(page, "the media inquiry form")
    page.get_by_role("button", name="Send to News Affairs").click()  # nothing filled in
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_no_axe_violations(page, "the media inquiry form with errors")

    page.goto("/console/posts/attention")
    expect(page.get_by_role("heading", name="Needs your attention")).to_be_visible()
    assert_no_axe_violations(page, "the attention page")


def test_news_affairs_pages_have_no_axe_violations(page, live_server):
    desk = seed_desk(live_server)
    sign_in(page, desk.news_affairs.login_id, desk.news_affairs.secret)

    page.goto("/console/posts/news-affairs")
    expect(page.get_by_role("link", name=re.compile(rf"^#{desk.notable_id}: "))).to_be_visible()
    assert_no_axe_violations(page, "the News Affairs queue")

    page.goto(f"/console/posts/{desk.notable_id}")
    expect(page.get_by_role("button", name="Approve", exact=True)).to_be_visible()
    assert_no_axe_violations(page, "a notable post's page with the decision form")

    page.get_by_role("button", name="Reject", exact=True).click()  # no note
    expect(page.get_by_role("alert")).to_contain_text("Add a note")
    assert_no_axe_violations(page, "a notable post's page after a decision without a note")

    page.goto("/console/posts/attention")
    expect(page.get_by_role("link", name=re.compile("Notable posts awaiting approval: 1"))
           ).to_be_visible()
    assert_no_axe_violations(page, "the attention page with items")


def test_sergeant_review_queue_has_no_axe_violations(page, live_server):
    desk = seed_desk(live_server)
    sign_in(page, desk.sergeant.login_id, desk.sergeant.secret)

    page.goto("/console/posts/sergeant")
    expect(page.get_by_role("link", name=re.compile(rf"^Post #{desk.pre_review_id}: "))).to_be_visible()
    item = page.get_by_role("article", name=re.compile(rf"Post #{desk.published_id}, published"))
    expect(item.locator(".finding--warning")).to_contain_text("Facts about a court case")
    expect(item.locator(".ack")).to_contain_text("the command approved it")
    assert_no_axe_violations(page, "the sergeant's review queue")

    page.get_by_role("button", name="Mark selected reviewed").click()  # nothing selected
    expect(page.get_by_text("Choose at least one post to mark reviewed.")).to_be_visible()
    assert_no_axe_violations(page, "the sergeant's review queue after an empty selection")

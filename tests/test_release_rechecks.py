"""Issue 9: every release path re-runs the checks on the exact text being released, with the
rules and word lists in force at that moment.

Each test checks a post, then an administrator extends a word list, then someone tries to
release the post: publish now (from checked, after the sergeant's clearance, after News
Affairs' approval, after an edit of a published post), schedule, and the scheduler.
"""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from beatdesk import checks, clock, posts, publication
from beatdesk.context import SYSTEM, Actor
from beatdesk.models import Category, Post, PostEvent, PostState
from beatdesk.roles import Role

from .conftest import reread, sign_in

S = PostState
TEXT = "Community picnic at the district station on Saturday; bring a casserole to share."
PHRASE = "casserole"


def ENDS():  # noqa: N802
    """Community events carry an end date (beatdesk.post_validity)."""
    return clock.utcnow() + timedelta(days=30)


@pytest.fixture
def district(factory):
    return factory.district(number=1)


@pytest.fixture
def author(factory, district):
    user = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(user)
    return user


@pytest.fixture
def admin(factory):
    return factory.user(Role.ADMIN)


def _checked_post(session, author, district, body=TEXT, notable=False) -> Post:
    post = posts.create_post(session, Actor(author), district, posts.PostData(
        category=Category.COMMUNITY_EVENT, body=body, notable_marked=notable,
        valid_until=ENDS()))
    posts.submit(session, Actor(author), post)
    session.commit()
    assert post.current_revision.findings == [], post.current_revision.findings
    return post


def _extend(session, admin, rule: str, phrase: str = PHRASE) -> None:
    checks.add_term(session, Actor(admin), rule, phrase)
    session.commit()


def _public_ids(session) -> list[int]:
    return [p.id for p in session.scalars(publication.public_posts())]


def _quotes(post: Post) -> list[str]:
    return [f["quote"].lower() for f in post.current_revision.findings]


# A blocking rule, a warning, and the notable-incident list: each, added after the check,
# stops a release that would otherwise have gone out on stale results.
NEW_FINDINGS = [("confidential", "blocking"), ("tone", "warning"),
                ("notable", "notable")]


@pytest.mark.parametrize("rule,severity", NEW_FINDINGS)
def test_publish_now_reruns_the_checks_with_the_current_word_lists(db_session, district, author,
                                                                   admin, rule, severity):
    post = _checked_post(db_session, author, district)
    _extend(db_session, admin, rule)

    outcome = posts.publish(db_session, Actor(author), post)
    db_session.commit()

    assert outcome is not None and PHRASE in outcome.reason.lower()
    reread(db_session)
    post = db_session.get(Post, post.id)
    assert post.state is S.HELD and post.published_at is None
    assert _public_ids(db_session) == []
    assert PHRASE in _quotes(post)
    assert [f["severity"] for f in post.current_revision.findings] == [severity]
    last = db_session.scalars(select(PostEvent).where(PostEvent.post_id == post.id)
                              .order_by(PostEvent.id.desc())).first()
    assert last.action == "held" and PHRASE in last.note.lower()


def test_a_new_warning_is_acknowledged_on_the_held_post_then_it_goes_out(db_session, district,
                                                                        author, admin):
    post = _checked_post(db_session, author, district)
    _extend(db_session, admin, "tone")
    assert posts.publish(db_session, Actor(author), post) is not None
    db_session.commit()
    posts.acknowledge(db_session, Actor(author), post, "tone", "A neighbour's dish, "
                      "not a business.")
    posts.submit(db_session, Actor(author), post)
    assert posts.publish(db_session, Actor(author), post) is None
    db_session.commit()
    assert post.state is S.PUBLISHED and _public_ids(db_session) == [post.id]


def test_publish_after_the_sergeants_clearance_reruns_the_checks(db_session, factory, district,
                                                                 author, admin):
    sergeant = factory.user(Role.SERGEANT, district)
    post = _checked_post(db_session, author, district)
    posts.request_sergeant_review(db_session, Actor(author), post)
    posts.sergeant_clear(db_session, Actor(sergeant), post)
    db_session.commit()
    _extend(db_session, admin, "confidential")
    assert posts.publish(db_session, Actor(author), post) is not None
    db_session.commit()
    assert post.state is S.HELD and _public_ids(db_session) == []


def test_publish_of_an_approved_notable_post_reruns_the_checks(db_session, factory, district,
                                                               author, admin):
    news = factory.user(Role.NEWS_AFFAIRS)
    post = _checked_post(db_session, author, district, notable=True)
    posts.approve(db_session, Actor(news), post)
    db_session.commit()
    _extend(db_session, admin, "guilt")
    assert posts.publish(db_session, Actor(author), post) is not None
    db_session.commit()
    assert post.state is S.HELD and _public_ids(db_session) == []


def test_republishing_after_an_edit_reruns_the_checks(db_session, district, author, admin):
    post = _checked_post(db_session, author, district, body="Leaf pickup starts Monday.")
    assert posts.publish(db_session, Actor(author), post) is None
    db_session.commit()
    posts.edit_post(db_session, Actor(author), post, posts.PostData(
        category=Category.COMMUNITY_EVENT, body=TEXT, valid_until=ENDS()))
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    _extend(db_session, admin, "confidential")
    assert posts.publish(db_session, Actor(author), post) is not None
    db_session.commit()
    assert post.state is S.HELD and _public_ids(db_session) == []


def test_scheduling_reruns_the_checks(db_session, district, author, admin, frozen_clock):
    post = _checked_post(db_session, author, district)
    _extend(db_session, admin, "confidential")
    outcome = posts.schedule(db_session, Actor(author), post,
                             frozen_clock.now + timedelta(hours=1))
    db_session.commit()
    assert outcome is not None and post.state is S.HELD and post.scheduled_for is None


def test_the_scheduler_reruns_the_checks_at_release_time(db_session, district, author, admin,
                                                         frozen_clock):
    post = _checked_post(db_session, author, district)
    assert posts.schedule(db_session, Actor(author), post,
                          frozen_clock.now + timedelta(hours=1)) is None
    db_session.commit()
    _extend(db_session, admin, "tone")
    frozen_clock.advance(hours=2)
    run = posts.publish_due(db_session, SYSTEM)
    db_session.commit()
    assert [p.id for p in run.held] == [post.id] and run.published == []
    assert post.state is S.HELD and PHRASE in _quotes(post)
    assert _public_ids(db_session) == []


def test_unchanged_rules_still_release(db_session, district, author, frozen_clock):
    post = _checked_post(db_session, author, district)
    assert posts.publish(db_session, Actor(author), post) is None
    db_session.commit()
    assert _public_ids(db_session) == [post.id]


def test_publish_now_through_the_web_shows_the_new_findings(client, db_session, district,
                                                            author, admin):
    post = _checked_post(db_session, author, district)
    _extend(db_session, admin, "confidential")
    sign_in(client, author)
    response = client.post(f"/console/posts/{post.id}/actions/publish",
                           data={"version": post.version})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Not published" in page and PHRASE in page
    reread(db_session)
    assert db_session.get(Post, post.id).state is S.HELD
    assert client.get(f"/posts/{post.id}").status_code == 404


def test_schedule_through_the_web_is_refused_with_the_findings(client, db_session, district,
                                                               author, admin):
    post = _checked_post(db_session, author, district)
    _extend(db_session, admin, "confidential")
    sign_in(client, author)
    when = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/console/posts/{post.id}/schedule",
                           data={"version": post.version, "when": when})
    assert response.status_code == 409
    assert "Not scheduled" in response.get_data(as_text=True)
    reread(db_session)
    assert db_session.get(Post, post.id).state is S.HELD

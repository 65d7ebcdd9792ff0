"""The attention list of every role, before and after each transition that changes it."""
from datetime import UTC, datetime, timedelta

import pytest

from beatdesk import comments, districts, moderation, notifications, posts, records, terms
from beatdesk import outlets, representatives
from beatdesk import clock
from beatdesk.context import SYSTEM, Actor
from beatdesk.due_dates import rules_for
from beatdesk.models import Category, CommentState, District, PostState
from beatdesk.models.records import ReceivedVia
from beatdesk.roles import Role

from .conftest import reread, sign_in

S = PostState


def kinds(session, user) -> dict[str, int]:
    session.expire_all()
    return {item.kind: item.count for item in notifications.attention(session, user)}


@pytest.fixture
def district(factory):
    return factory.district(name="Harbour")


@pytest.fixture
def rep(factory, district):
    user = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(user)
    return user


@pytest.fixture
def sergeant(factory, district):
    return factory.user(Role.SERGEANT, district)


@pytest.fixture
def news(factory):
    return factory.user(Role.NEWS_AFFAIRS)


def _notable(db_session, rep, district):
    post = posts.create_post(db_session, Actor(rep), district, posts.PostData(
        category=Category.COMMUNITY_ALERT, body="Food drive at the station Friday.",
        notable_marked=True))
    posts.submit(db_session, Actor(rep), post)
    db_session.commit()
    return post


# --- the author --------------------------------------------------------------------------------

def test_author_sees_a_return_until_the_post_is_edited(db_session, rep, news, district):
    post = _notable(db_session, rep, district)
    assert kinds(db_session, rep) == {}
    assert kinds(db_session, news) == {"approvals": 1}
    posts.return_post(db_session, Actor(news), post, "Say less about the suspect.")
    db_session.commit()
    assert kinds(db_session, rep) == {"returned": 1}
    assert kinds(db_session, news) == {}
    posts.edit_post(db_session, Actor(rep), post, posts.PostData(
        category=Category.COMMUNITY_ALERT, body="Food drive at the station on Friday."))
    db_session.commit()
    assert kinds(db_session, rep) == {}


def test_author_sees_an_approval_until_the_post_is_released(db_session, rep, news, district):
    post = _notable(db_session, rep, district)
    posts.approve(db_session, Actor(news), post)
    db_session.commit()
    assert kinds(db_session, rep) == {"approved": 1}
    assert posts.publish(db_session, Actor(rep), post) is None
    db_session.commit()
    assert kinds(db_session, rep) == {}


def test_author_and_news_affairs_see_a_hold_until_it_is_fixed(db_session, factory, rep, news,
                                                              sergeant, district, frozen_clock):
    other = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(other, slot=2)
    post = factory.post(district, state=S.SCHEDULED, author=rep,
                        body="Two men were arrested after the shooting on Elm Street.",
                        scheduled_for=frozen_clock.now + timedelta(minutes=5))
    frozen_clock.advance(minutes=10)
    posts.publish_due(db_session, SYSTEM)
    db_session.commit()
    assert kinds(db_session, rep) == {"held": 1}
    assert kinds(db_session, news) == {"held": 1}
    assert kinds(db_session, sergeant)["held"] == 1
    assert kinds(db_session, other) == {}  # not their post
    posts.edit_post(db_session, Actor(rep), post, posts.PostData(
        category=Category.COMMUNITY_ALERT, body="Leaf pickup starts Monday."))
    db_session.commit()
    assert "held" not in kinds(db_session, rep) and "held" not in kinds(db_session, news)


def test_author_sees_a_discontinuation_by_someone_else_for_a_week(db_session, factory, rep,
                                                                  sergeant, district,
                                                                  frozen_clock):
    post = factory.post(district, author=rep)
    own = factory.post(district, author=sergeant)
    posts.discontinue(db_session, Actor(sergeant), post, "Out of date.")
    posts.discontinue(db_session, Actor(sergeant), own, "Out of date.")
    db_session.commit()
    assert kinds(db_session, rep) == {"discontinued": 1}
    assert "discontinued" not in kinds(db_session, sergeant)  # their own doing
    frozen_clock.advance(days=8)
    assert kinds(db_session, rep) == {}


def test_a_representative_whose_designation_ended_is_offered_nothing(
        db_session, client, factory, rep, news, district):
    post = _notable(db_session, rep, district)
    posts.return_post(db_session, Actor(news), post, "Say less.")
    db_session.commit()
    assert kinds(db_session, rep) == {"returned": 1}
    commander = factory.user(Role.COMMANDER, district)
    designation = representatives.active_designations(db_session, district)[0]
    representatives.end_designation(db_session, Actor(commander), district, designation.id,
                                    "Transferred.")
    db_session.commit()
    assert kinds(db_session, rep) == {}
    sign_in(client, rep)
    page = client.get("/console/").get_data(as_text=True)
    assert "Your designation as a representative of" in page and "ended" in page
    assert "Transferred." in page
    assert "Write a post" not in page and "/console/posts/new" not in page


# --- the sergeant ------------------------------------------------------------------------------

def test_sergeant_sees_a_request_for_review_until_cleared(db_session, rep, sergeant, district):
    post = posts.create_post(db_session, Actor(rep), district, posts.PostData(
        category=Category.COMMUNITY_EVENT, body="Bike rodeo on Saturday at the station.",
        valid_until=clock.utcnow() + timedelta(days=3)))
    posts.submit(db_session, Actor(rep), post)
    posts.request_sergeant_review(db_session, Actor(rep), post)
    db_session.commit()
    assert kinds(db_session, sergeant) == {"pre_review": 1}
    posts.sergeant_clear(db_session, Actor(sergeant), post)
    db_session.commit()
    assert kinds(db_session, sergeant) == {}


def test_sergeant_sees_comments_waiting_until_moderated(db_session, factory, sergeant,
                                                        district):
    post = factory.post(district)
    version = terms.current_terms(db_session).number
    comment = comments.submit_comment(db_session, Actor(None, "198.51.100.4"), post.id,
                                      comments.CommentSubmission(
        name="Dana", email="", body="Is there parking?", accepted_terms=True,
        terms_version=version))
    db_session.commit()
    assert comment.state is CommentState.HELD
    assert kinds(db_session, sergeant)["comments"] == 1
    moderation.moderate(db_session, Actor(sergeant), comment.id, "approve", comment.version)
    db_session.commit()
    assert "comments" not in kinds(db_session, sergeant)


def test_sergeant_sees_the_review_due_and_overdue(db_session, factory, sergeant, news,
                                                  district, frozen_clock):
    post = factory.post(district)
    assert kinds(db_session, sergeant) == {"review": 1}
    assert kinds(db_session, news) == {}
    frozen_clock.advance(days=8)
    items = notifications.attention(db_session, sergeant)
    assert [(i.kind, i.label) for i in items] == [
        ("review", "Published posts to review (your review is overdue)")]
    assert kinds(db_session, news) == {"overdue": 1}
    posts.mark_reviewed(db_session, Actor(sergeant), [post])
    db_session.commit()
    assert kinds(db_session, sergeant) == {} and kinds(db_session, news) == {}


def test_discontinuing_from_the_review_takes_the_post_off_the_list(client, db_session, factory,
                                                                   sergeant, district):
    post = factory.post(district, body="Toy drive drop-off at the front desk, day or night.")
    sign_in(client, sergeant)
    page = client.get("/console/posts/sergeant").get_data(as_text=True)
    assert "Published since your last review (1)" in page
    assert "Asking for your review" not in page  # empty sections are not shown
    response = client.post(f"/console/posts/{post.id}/discontinue", data={
        "note": "Wrong hours.", "version": str(post.version), "back": "review"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/console/posts/sergeant")
    reread(db_session)
    assert kinds(db_session, sergeant) == {}
    page = client.get("/console/posts/sergeant").get_data(as_text=True)
    assert "Published since your last review" not in page
    assert "Nothing waits for your review" in page


def test_returned_post_shows_the_note_at_the_top(client, db_session, rep, news, district):
    post = _notable(db_session, rep, district)
    posts.return_post(db_session, Actor(news), post, "Leave out where the chase ended.")
    db_session.commit()
    sign_in(client, rep)
    page = client.get(f"/console/posts/{post.id}").get_data(as_text=True)
    note = page.index("Leave out where the chase ended.")
    assert "Returned to you by" in page
    assert note < page.index("<h2>Text</h2>")


# --- News Affairs, records, commander, admin ----------------------------------------------------

def test_news_affairs_sees_open_inquiries(client, db_session, factory, rep, news):
    assert kinds(db_session, news) == {}
    sign_in(client, rep)
    response = client.post("/console/inquiries/new", data={
        "outlet": "Tribune", "reporter": "A. M.", "contact": "am@tribune.example",
        "question": "How many attended?"})
    assert response.status_code == 303
    reread(db_session)
    assert kinds(db_session, news) == {"inquiries": 1}


def test_records_officer_sees_requests_due_soon_and_overdue(db_session, factory, frozen_clock):
    officer = factory.user(Role.RECORDS)
    rules = rules_for("IL")
    request = records.create_request(db_session, Actor(officer), records.RequestData(
        requester_name="Ken", requester_contact="ken@example.com", received_via=ReceivedVia.EMAIL,
        received_at=frozen_clock.now - timedelta(hours=1), description="Posts."), rules)
    db_session.commit()
    assert kinds(db_session, officer) == {}
    while request.due_on > (frozen_clock.now.date() + timedelta(days=2)):
        frozen_clock.advance(days=1)
    assert kinds(db_session, officer) == {"requests_due_soon": 1}
    frozen_clock.now = datetime.combine(request.due_on + timedelta(days=1), datetime.min.time(),
                                        UTC) + timedelta(hours=18)
    assert kinds(db_session, officer) == {"requests_overdue": 1}
    records.change_state(db_session, Actor(officer), request, "withdrawn", "By phone.")
    db_session.commit()
    assert kinds(db_session, officer) == {}


def test_commander_sees_open_places_until_filled(db_session, factory, district):
    commander = factory.user(Role.COMMANDER, district)
    candidate = factory.user(Role.REPRESENTATIVE, district)
    assert kinds(db_session, commander) == {"places": 2}
    representatives.designate(db_session, Actor(commander), district, candidate.id)
    db_session.commit()
    assert kinds(db_session, commander) == {"places": 1}


def test_admin_sees_districts_to_approve(db_session, factory):
    admin = factory.user(Role.ADMIN)
    assert kinds(db_session, admin) == {}
    pending = factory.district(approved=False)
    assert kinds(db_session, admin) == {"districts": 1}
    chief = factory.user(Role.NEWS_AFFAIRS)  # the approving authority approves, not an admin
    outlets.record_authority(db_session, Actor(factory.user(Role.ADMIN)), "Chief of Police",
                             chief.id)
    districts.approve_district(db_session, Actor(chief), db_session.get(District, pending.id))
    db_session.commit()
    assert kinds(db_session, admin) == {}


def test_every_role_sees_its_items_on_the_dashboard_with_working_links(client, factory,
                                                                      district, sergeant):
    factory.post(district)
    sign_in(client, sergeant)
    page = client.get("/console/").get_data(as_text=True)
    assert 'href="/console/posts/sergeant">Published posts to review: 1</a>' in page

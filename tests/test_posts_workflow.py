"""Issue 3: the release workflow — roles x states x actions, notable posts, self-approval,
scheduling, the sergeant's review and discontinuing."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from beatdesk import clock, post_validity, posts, publication
from beatdesk.context import SYSTEM, Actor
from beatdesk.errors import Conflict, PermissionDenied, ValidationFailed
from beatdesk.models import (AuditEvent, Category, Post, PostEvent, PostRevision, PostState,
                             User)
from beatdesk.roles import DISTRICT_ROLES, Role
from beatdesk.workflow import Action

S = PostState
WRITERS = {Role.REPRESENTATIVE, Role.SERGEANT}
EDITABLE = set(S) - {S.DISCONTINUED, S.REJECTED}

# The policy as DESIGN.md section 3 states it, written out independently of beatdesk.workflow:
# action -> (states it may start from, roles that may take it). Posts here are not notable.
EXPECTED = {
    Action.EDIT: (EDITABLE, WRITERS),
    Action.ACKNOWLEDGE: ({S.DRAFT, S.HELD}, WRITERS),
    Action.SUBMIT: ({S.DRAFT, S.HELD}, WRITERS),
    Action.REQUEST_SERGEANT_REVIEW: ({S.CHECKED}, WRITERS),
    Action.SERGEANT_CLEAR: ({S.AWAITING_SERGEANT}, {Role.SERGEANT}),
    Action.SERGEANT_RETURN: ({S.AWAITING_SERGEANT}, {Role.SERGEANT}),
    Action.APPROVE: ({S.AWAITING_NEWS_AFFAIRS}, {Role.NEWS_AFFAIRS}),
    Action.RETURN: ({S.AWAITING_NEWS_AFFAIRS}, {Role.NEWS_AFFAIRS}),
    Action.REJECT: ({S.AWAITING_NEWS_AFFAIRS}, {Role.NEWS_AFFAIRS}),
    Action.PUBLISH: ({S.CHECKED, S.APPROVED}, WRITERS),
    Action.SCHEDULE: ({S.CHECKED, S.APPROVED}, WRITERS),
    Action.UNSCHEDULE: ({S.SCHEDULED}, WRITERS),
    Action.DISCONTINUE: ({S.PUBLISHED}, {Role.SERGEANT, Role.NEWS_AFFAIRS}),
    Action.MARK_REVIEWED: ({S.PUBLISHED, S.DISCONTINUED}, {Role.SERGEANT}),
}

WARNING = {"rule": "advertising", "severity": "warning", "clause": "Chicago Twitter IV.E",
           "title": "Private business or advertising", "message": "m", "quote": "50% off"}


def _perform(session, actor: Actor, post: Post, action: Action) -> None:
    if action is Action.EDIT:
        posts.edit_post(session, actor, post, posts.PostData(
            category=Category.COMMUNITY_EVENT, body="Beat meeting moved to Thursday at 6 pm."))
    elif action is Action.ACKNOWLEDGE:
        posts.acknowledge(session, actor, post, "advertising", "The sponsor is the city.")
    elif action is Action.SCHEDULE:
        posts.schedule(session, actor, post, session.info.get("now") or _future())
    elif action is Action.MARK_REVIEWED:
        posts.mark_reviewed(session, actor, [post])
    else:
        operation = {
            Action.SUBMIT: posts.submit, Action.REQUEST_SERGEANT_REVIEW:
            posts.request_sergeant_review, Action.SERGEANT_CLEAR: posts.sergeant_clear,
            Action.APPROVE: posts.approve, Action.PUBLISH: posts.publish,
            Action.UNSCHEDULE: posts.unschedule}.get(action)
        if operation:
            operation(session, actor, post)
            return
        note_ops = {Action.SERGEANT_RETURN: posts.sergeant_return, Action.RETURN:
                    posts.return_post, Action.REJECT: posts.reject,
                    Action.DISCONTINUE: posts.discontinue}
        note_ops[action](session, actor, post, "Needs a clearer location.")


def _future():
    from beatdesk import clock
    return clock.utcnow() + timedelta(hours=2)


@pytest.fixture
def district_a(factory):
    return factory.district(number=1)


@pytest.fixture
def author(factory, district_a):
    user = factory.user(Role.REPRESENTATIVE, district_a)
    factory.designate(user)
    return user


def _actor_for(factory, role: Role, district):
    user = factory.user(role, district if role in DISTRICT_ROLES else None)
    if role is Role.REPRESENTATIVE:
        factory.designate(user, slot=2)
    return user


@pytest.mark.parametrize("action", list(Action), ids=str)
@pytest.mark.parametrize("state", list(S), ids=str)
def test_role_state_action_matrix(db_session, factory, district_a, author, state, action):
    """Acceptance 1: every role x state x action is allowed or refused as the design says."""
    states, roles = EXPECTED[action]
    for role in Role:
        post = factory.post(district_a, state=state, author=author,
                            body="Join us for coffee with a cop on Saturday.")
        if action is Action.ACKNOWLEDGE:
            post.current_revision.findings = [WARNING]
            db_session.commit()
        user = _actor_for(factory, role, district_a)
        should_work = state in states and role in roles
        before = db_session.scalar(select(func.count(PostEvent.id)))
        if should_work:
            _perform(db_session, Actor(user), post, action)
            db_session.commit()
            assert db_session.scalar(select(func.count(PostEvent.id))) == before + 1, role
        else:
            with pytest.raises((PermissionDenied, Conflict)):
                _perform(db_session, Actor(user), post, action)
            db_session.rollback()
            assert db_session.get(Post, post.id).state == state, role
            assert db_session.scalar(select(func.count(PostEvent.id))) == before, role


@pytest.mark.parametrize("role", sorted(DISTRICT_ROLES), ids=str)
def test_other_districts_staff_can_do_nothing(db_session, factory, district_a, author, role):
    post = factory.post(district_a, state=S.PUBLISHED, author=author)
    outsider = _actor_for(factory, role, factory.district(number=2))
    assert posts.allowed_actions(db_session, outsider, post) == []
    with pytest.raises(PermissionDenied):
        posts.discontinue(db_session, Actor(outsider), post, "no")


def test_undesignated_representative_cannot_write(db_session, factory, district_a):
    user = factory.user(Role.REPRESENTATIVE, district_a)
    with pytest.raises(PermissionDenied):
        posts.create_post(db_session, Actor(user), district_a, posts.PostData(
            category=Category.BEAT_MEETING, body="Beat meeting Tuesday."))


def _write(db_session, author, district, body, notable=False, category=Category.COMMUNITY_ALERT):
    ends = clock.utcnow() + timedelta(days=30) if category in post_validity.REQUIRED else None
    post = posts.create_post(db_session, Actor(author), district, posts.PostData(
        category=category, body=body, notable_marked=notable, valid_until=ends))
    db_session.commit()
    return post


def _public_ids(db_session):
    return [p.id for p in db_session.scalars(publication.public_posts())]


def test_notable_post_stays_private_until_its_current_revision_is_approved(
        db_session, factory, district_a, author, frozen_clock):
    """Acceptance 2: not public, not publishable, not released by the scheduler before approval;
    an edit after approval takes it out of public view until approved again."""
    news = factory.user(Role.NEWS_AFFAIRS)
    post = _write(db_session, author, district_a, "Food drive at the district station Friday.",
                  notable=True)
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    assert post.state is S.AWAITING_NEWS_AFFAIRS
    with pytest.raises(Conflict):
        posts.publish(db_session, Actor(author), post)
    db_session.rollback()
    assert _public_ids(db_session) == []

    # Even forced into "scheduled" without approval, the scheduler holds it rather than sends.
    with pytest.raises(IntegrityError):
        db_session.execute(update(Post).where(Post.id == post.id).values(
            state=S.SCHEDULED, scheduled_for=frozen_clock.now))
        db_session.flush()
    db_session.rollback()

    posts.approve(db_session, Actor(news), post)
    posts.schedule(db_session, Actor(author), post, frozen_clock.now + timedelta(hours=1))
    db_session.commit()
    frozen_clock.advance(hours=2)
    run = posts.publish_due(db_session, SYSTEM)
    db_session.commit()
    assert [p.id for p in run.published] == [post.id]
    assert _public_ids(db_session) == [post.id]

    posts.edit_post(db_session, Actor(author), post, posts.PostData(
        category=Category.COMMUNITY_ALERT, body="Food drive moved to Saturday.", notable_marked=True))
    db_session.commit()
    assert post.state is S.DRAFT and not post.approval_current
    assert _public_ids(db_session) == []
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    assert post.state is S.AWAITING_NEWS_AFFAIRS
    assert _public_ids(db_session) == []


def test_checks_force_notable_review(db_session, factory, district_a, author):
    post = _write(db_session, author, district_a,
                  "Officers arrested a man after a shooting near 63rd and Halsted.")
    assert post.notable and post.current_revision.notable_forced
    posts.submit(db_session, Actor(author), post)
    assert post.state is S.AWAITING_NEWS_AFFAIRS


def test_due_post_that_now_needs_approval_is_held(db_session, factory, district_a, author,
                                                  frozen_clock):
    """At its time the scheduler re-checks: a post that now reads as notable and has no
    approval of its current revision is held (and its author and News Affairs see it)."""
    post = factory.post(district_a, state=S.SCHEDULED, author=author,
                        body="Two men were arrested after the shooting on Elm Street.",
                        scheduled_for=frozen_clock.now + timedelta(minutes=5))
    fine = factory.post(district_a, state=S.SCHEDULED, author=author,
                        body="Leaf pickup starts Monday on the east side.",
                        scheduled_for=frozen_clock.now + timedelta(minutes=5))
    later = factory.post(district_a, state=S.SCHEDULED, author=author,
                         scheduled_for=frozen_clock.now + timedelta(hours=5))
    frozen_clock.advance(minutes=10)
    run = posts.publish_due(db_session, SYSTEM)
    db_session.commit()
    assert [p.id for p in run.held] == [post.id]
    assert [p.id for p in run.published] == [fine.id]
    assert db_session.get(Post, post.id).state is S.HELD
    assert db_session.get(Post, later.id).state is S.SCHEDULED
    assert _public_ids(db_session) == [fine.id]
    assert [p.id for p in posts.held_posts(db_session)] == [post.id]


def test_nobody_approves_their_own_post_even_after_a_role_change(db_session, factory,
                                                                 district_a, author):
    """Acceptance 3."""
    post = _write(db_session, author, district_a, "Toy drive this weekend.", notable=True)
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    author.role, author.district_id = Role.NEWS_AFFAIRS, None
    db_session.commit()
    with pytest.raises(PermissionDenied, match="own post"):
        posts.approve(db_session, Actor(author), post)
    db_session.rollback()
    assert db_session.get(Post, post.id).state is S.AWAITING_NEWS_AFFAIRS
    # A co-author of a later revision can't approve either.
    other = factory.user(Role.NEWS_AFFAIRS)
    db_session.add(PostRevision(post_id=post.id, number=9, category=post.category, body="x",
                                findings=[], created_by_id=other.id))
    db_session.commit()
    with pytest.raises(PermissionDenied):
        posts.approve(db_session, Actor(other), post)
    db_session.rollback()
    # And the database refuses it outright.
    with pytest.raises(IntegrityError):
        db_session.execute(update(Post).where(Post.id == post.id)
                           .values(approved_by_id=post.author_id))
        db_session.flush()


def test_return_needs_a_note_and_lands_back_in_draft(db_session, factory, district_a, author):
    news = factory.user(Role.NEWS_AFFAIRS)
    post = _write(db_session, author, district_a, "Robbery pattern alert.", notable=True)
    posts.submit(db_session, Actor(author), post)
    with pytest.raises(ValidationFailed):
        posts.return_post(db_session, Actor(news), post, "  ")
    posts.return_post(db_session, Actor(news), post, "Add the time window.")
    db_session.commit()
    assert post.state is S.DRAFT
    assert [p.id for p in posts.returned_posts(db_session, author)] == [post.id]


def test_blocking_findings_and_unacknowledged_warnings_stop_submission(db_session, factory,
                                                                       district_a, author):
    post = _write(db_session, author, district_a,
                  "The court date for the Main Street case is May 3; the hearing is open to "
                  "the public.")
    revision = post.current_revision
    db_session.commit()
    post = db_session.get(Post, post.id)
    # A court date is a fact the author acknowledges with a reason (a comment on the case would
    # block).
    warnings = [f for f in revision.findings if f["severity"] == "warning"]
    assert {f["rule"] for f in warnings} == {"court_case"}
    assert not [f for f in revision.findings if f["severity"] == "blocking"]
    with pytest.raises(ValidationFailed, match="acknowledge"):
        posts.submit(db_session, Actor(author), post)
    db_session.rollback()
    for finding in warnings:
        posts.acknowledge(db_session, Actor(author), post, finding["rule"], "Public record.")
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    assert post.state is S.CHECKED


def test_discontinuing_keeps_everything_and_hides_it(db_session, factory, district_a, author):
    """Acceptance 7."""
    sergeant = factory.user(Role.SERGEANT, district_a)
    post = _write(db_session, author, district_a, "Street sweeping on Monday.",
                  category=Category.ROAD_CLOSURE)
    posts.submit(db_session, Actor(author), post)
    posts.publish(db_session, Actor(author), post)
    db_session.commit()
    assert _public_ids(db_session) == [post.id]
    with pytest.raises(ValidationFailed):
        posts.discontinue(db_session, Actor(sergeant), post, "")
    posts.discontinue(db_session, Actor(sergeant), post, "Wrong date.")
    db_session.commit()
    assert _public_ids(db_session) == []
    kept = db_session.get(Post, post.id)
    assert kept.state is S.DISCONTINUED and kept.discontinue_reason == "Wrong date."
    assert db_session.scalar(select(func.count(PostRevision.id))
                             .where(PostRevision.post_id == post.id)) == 1
    events = set(db_session.scalars(select(AuditEvent.event)
                                     .where(AuditEvent.object_id == str(post.id))))
    assert {"post.created", "post.submitted", "post.published", "post.discontinued"} <= events
    assert [e.action for e in posts.timeline(db_session, kept)] == [
        "created", "submitted", "published", "discontinued"]


def test_sergeant_review_queue_and_overdue_districts(db_session, factory, district_a, author,
                                                     frozen_clock):
    sergeant = factory.user(Role.SERGEANT, district_a)
    old = factory.post(district_a, author=author,
                       published_at=frozen_clock.now - timedelta(days=10))
    new = factory.post(district_a, author=author)
    factory.post(district_a, author=author, state=S.DRAFT)
    assert [p.id for p in posts.review_queue(db_session, district_a.id)] == [old.id, new.id]
    overdue = posts.overdue_reviews(db_session)
    assert [(o.district.id, o.unreviewed) for o in overdue] == [(district_a.id, 2)]
    posts.mark_reviewed(db_session, Actor(sergeant), [old])
    db_session.commit()
    assert [p.id for p in posts.review_queue(db_session, district_a.id)] == [new.id]
    assert posts.overdue_reviews(db_session) == []
    with pytest.raises(Conflict, match="already reviewed"):
        posts.mark_reviewed(db_session, Actor(sergeant), [old])


def test_second_reviewer_gets_a_conflict_not_an_overwrite(db_session, factory, district_a,
                                                          author):
    news1, news2 = factory.user(Role.NEWS_AFFAIRS), factory.user(Role.NEWS_AFFAIRS)
    post = _write(db_session, author, district_a, "Vigil downtown tonight.", notable=True)
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    version = post.version
    posts.approve(db_session, Actor(news1), post, expected_version=version)
    db_session.commit()
    with pytest.raises(Conflict):
        posts.reject(db_session, Actor(news2), post, "No.", expected_version=version)
    db_session.rollback()
    assert db_session.get(Post, post.id).approved_by_id == news1.id


def test_revisions_are_kept_and_diffed(db_session, factory, district_a, author):
    post = _write(db_session, author, district_a, "Beat meeting Tuesday at 6 pm in the library.")
    posts.edit_post(db_session, Actor(author), post, posts.PostData(
        category=Category.BEAT_MEETING, body="Beat meeting Wednesday at 6 pm in the library."))
    db_session.commit()
    first, second = posts.revisions(db_session, post)
    assert (first.number, second.number) == (1, 2)
    assert first.body.startswith("Beat meeting Tuesday")
    changes = posts.diff(first, second)
    assert ("removed", "Tuesday") in changes and ("added", "Wednesday") in changes


def test_review_interval_comes_from_the_department(db_session, factory, district_a, author,
                                                   frozen_clock):
    from beatdesk.models import Department
    db_session.add(Department(name="PD", official_website="https://pd.example",
                              review_interval_days=30))
    db_session.commit()
    factory.post(district_a, author=author, published_at=frozen_clock.now - timedelta(days=10))
    assert posts.overdue_reviews(db_session) == []
    frozen_clock.advance(days=25)
    assert [o.district.id for o in posts.overdue_reviews(db_session)] == [district_a.id]


@pytest.mark.parametrize("statement", [
    "UPDATE post_revisions SET body = 'rewritten' WHERE id = :id",
    "UPDATE post_revisions SET created_by_id = created_by_id + 0, number = 7 WHERE id = :id",
    "DELETE FROM post_revisions WHERE id = :id",
])
def test_the_database_keeps_revisions_immutable(db_session, factory, statement):
    post = factory.post(state=S.DRAFT)
    with pytest.raises(Exception, match="immutable"):
        db_session.execute(text(statement), {"id": post.current_revision_id})
    db_session.rollback()
    db_session.execute(text("UPDATE post_revisions SET findings = '[]' WHERE id = :id"),
                       {"id": post.current_revision_id})  # check results may be refreshed
    db_session.commit()

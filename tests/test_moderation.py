"""The moderation console: takedowns citing clauses (issue 4, acceptance 5), concurrent
moderation (acceptance 6), bulk actions, notes, official replies, blocks, keywords, the report."""
import re
import threading
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from beatdesk import comments, moderation, terms
from beatdesk.comments import CommentSubmission
from beatdesk.context import Actor
from beatdesk.errors import Conflict, PermissionDenied, ValidationFailed
from beatdesk.models import (ArchiveRecord, AuditEvent, Comment, CommenterBlock, CommentState,
                             ModerationAction, ModerationKind, ModerationMode, PostState,
                             ScreeningKeyword)
from beatdesk.roles import Role

from .conftest import reread, sign_in
from .routes.comments import make_comment

SECRET_TEXT = "Officer Smith is a worthless clown and I will find him."


@pytest.fixture
def clauses(db_session):
    current = terms.current_terms(db_session)
    db_session.commit()
    return current, terms.takedown_clauses(current)


@pytest.fixture
def district(factory):
    return factory.district(moderation_mode=ModerationMode.POST)


@pytest.fixture
def post(factory, district, clauses):
    return factory.post(district, state=PostState.PUBLISHED)


@pytest.fixture
def held(db_session, post):
    return make_comment(db_session, post, state=CommentState.HELD, body=SECRET_TEXT,
                        author_name="Angry Visitor")


def act(client, comment, action, version=None, clause="", note=""):
    return client.post(f"/console/moderation/comments/{comment.id}/action",
                       data={"action": action, "clause": clause, "note": note,
                             "version": str(version if version is not None else comment.version)})


# --- acceptance 5: a removed comment ------------------------------------------------------------

def test_removed_comment_shows_only_a_placeholder_and_keeps_its_history(
        client, factory, db_session, district, post, held, clauses):
    current, takedown = clauses
    clause = takedown[2]
    sergeant = factory.user(Role.SERGEANT, district)
    sign_in(client, sergeant)
    assert act(client, held, "approve").status_code == 303
    response = act(client, held, "remove", version=held.version + 1, clause=clause.number,
                   note="Attack on a named officer.")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/console/moderation/comments/{held.id}"

    # public page: the placeholder naming the clause, never the text or the author
    anonymous = client.application.test_client()
    page = anonymous.get(f"/posts/{post.id}").get_data(as_text=True)
    assert SECRET_TEXT not in page and "Angry Visitor" not in page
    assert (f"This comment was removed under clause {clause.number} ({clause.title}) of the "
            "Terms of Service.") in page

    # the database keeps the comment with its full history
    reread(db_session)
    stored = db_session.get(Comment, held.id)
    assert stored.body == SECRET_TEXT and stored.state == CommentState.REMOVED
    assert (stored.clause_number, stored.clause_title, stored.clause_terms_version) == (
        clause.number, clause.title, current.number)
    assert stored.handled_by_id == sergeant.id
    actions = db_session.scalars(select(ModerationAction).where(
        ModerationAction.comment_id == held.id).order_by(ModerationAction.id)).all()
    assert [(a.kind, a.from_state, a.to_state) for a in actions] == [
        (ModerationKind.APPROVE, "held", "visible"), (ModerationKind.REMOVE, "visible", "removed")]
    assert (actions[1].actor_id, actions[1].clause_number, actions[1].terms_version,
            actions[1].note) == (sergeant.id, clause.number, current.number,
                                 "Attack on a named officer.")
    records = db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "comment.moderation",
        ArchiveRecord.object_id == str(held.id)).order_by(ArchiveRecord.id)).all()
    assert [r.state for r in records] == ["visible", "removed"]
    assert SECRET_TEXT in records[-1].content
    assert db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "comment.remove", AuditEvent.object_id == str(held.id))) == 1

    # and the moderation console still shows it, text included
    queue = client.get("/console/moderation/?state=removed").get_data(as_text=True)
    assert f"#{held.id} by Angry Visitor" in queue and SECRET_TEXT in queue
    detail = client.get(f"/console/moderation/comments/{held.id}").get_data(as_text=True)
    assert SECRET_TEXT in detail and clause.title in detail and sergeant.display_name in detail


def test_hidden_comment_disappears_without_a_placeholder_and_can_be_restored(
        client, factory, db_session, district, post, clauses):
    _, takedown = clauses
    visible = make_comment(db_session, post, state=CommentState.VISIBLE, body="Buy my boat.")
    sign_in(client, factory.user(Role.REPRESENTATIVE, district))
    assert act(client, visible, "hide", clause=takedown[0].number).status_code == 303
    page = client.application.test_client().get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Buy my boat." not in page and "was removed under clause" not in page
    assert act(client, visible, "restore", version=visible.version + 1).status_code == 303
    page = client.application.test_client().get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Buy my boat." in page
    reread(db_session)
    restored = db_session.get(Comment, visible.id)
    assert restored.state == CommentState.VISIBLE and restored.clause_number == ""


@pytest.mark.parametrize("clause,message", [
    ("", "Choose the clause of the Takedown Policy"),
    ("99", "Choose a clause of the published Takedown Policy"),
])
def test_a_takedown_must_cite_a_current_clause(client, factory, db_session, district, held,
                                               clause, message):
    sign_in(client, factory.user(Role.SERGEANT, district))
    response = act(client, held, "remove", clause=clause)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    reread(db_session)
    assert db_session.get(Comment, held.id).state == CommentState.HELD
    assert db_session.scalar(select(func.count()).select_from(ModerationAction)) == 0


def test_a_move_the_state_does_not_allow_is_refused(client, factory, db_session, district, post):
    visible = make_comment(db_session, post, state=CommentState.VISIBLE)
    sign_in(client, factory.user(Role.SERGEANT, district))
    response = act(client, visible, "restore")
    assert response.status_code == 400
    assert "A comment that is visible can&#39;t be restored." in response.get_data(as_text=True)


def test_approving_a_held_comment_publishes_it(client, factory, db_session, district, post, held):
    sign_in(client, factory.user(Role.NEWS_AFFAIRS))
    assert act(client, held, "approve").status_code == 303
    page = client.application.test_client().get(f"/posts/{post.id}").get_data(as_text=True)
    assert SECRET_TEXT in page


# --- acceptance 6: two moderators ---------------------------------------------------------------

def test_second_moderator_is_told_who_handled_it(app, factory, db_session, district, held,
                                                 clauses):
    _, takedown = clauses
    first, second = (factory.user(Role.SERGEANT, district, full_name="Dana First"),
                     factory.user(Role.REPRESENTATIVE, district))
    one, two = app.test_client(), app.test_client()
    sign_in(one, first)
    sign_in(two, second)
    for client in (one, two):  # both open the comment and see version 1
        page = client.get(f"/console/moderation/comments/{held.id}").get_data(as_text=True)
        assert f'name="version" value="{held.version}"' in page
    assert act(one, held, "remove", clause=takedown[0].number).status_code == 303
    response = act(two, held, "approve")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"already handled by {first.display_name}" in page
    reread(db_session)
    assert db_session.get(Comment, held.id).state == CommentState.REMOVED
    assert [a.kind for a in db_session.scalars(select(ModerationAction))] == [ModerationKind.REMOVE]


def test_concurrent_moderation_exactly_one_wins(app, factory, db_session, district, held,
                                                clauses):
    """Two sessions read the same version, then both try to act at the same moment."""
    _, takedown = clauses
    users = [factory.user(Role.SERGEANT, district), factory.user(Role.NEWS_AFFAIRS)]
    maker = app.extensions["beatdesk.sessionmaker"]
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def moderate(index, action):
        session = maker()
        try:
            user = session.get(type(users[index]), users[index].id)
            seen = session.get(Comment, held.id).version
            barrier.wait()
            moderation.moderate(session, Actor(user=user), held.id, action, seen,
                                takedown[0].number if action == "remove" else "")
            session.commit()
            outcomes[index] = "ok"
        except Conflict as exc:
            session.rollback()
            outcomes[index] = exc
        finally:
            session.close()

    threads = [threading.Thread(target=moderate, args=(0, "remove")),
               threading.Thread(target=moderate, args=(1, "approve"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(type(o).__name__ for o in outcomes.values()) == ["Conflict", "str"]
    winner = next(i for i, o in outcomes.items() if o == "ok")
    reread(db_session)
    comment = db_session.get(Comment, held.id)
    assert comment.state == (CommentState.REMOVED if winner == 0 else CommentState.VISIBLE)
    assert comment.version == 2
    assert db_session.scalar(select(func.count()).select_from(ModerationAction)) == 1


# --- scope --------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.REPRESENTATIVE, Role.SERGEANT, Role.COMMANDER])
def test_other_districts_comments_are_refused(client, factory, held, role):
    sign_in(client, factory.user(role, factory.district()))
    assert client.get(f"/console/moderation/comments/{held.id}").status_code == 403
    if role != Role.COMMANDER:
        assert act(client, held, "approve").status_code == 403
    queue = client.get("/console/moderation/").get_data(as_text=True)
    assert SECRET_TEXT not in queue


def test_commander_reads_the_queue_without_acting(client, factory, district, held):
    sign_in(client, factory.user(Role.COMMANDER, district))
    queue = client.get("/console/moderation/").get_data(as_text=True)
    assert SECRET_TEXT in queue and 'name="selected"' not in queue
    detail = client.get(f"/console/moderation/comments/{held.id}").get_data(as_text=True)
    assert SECRET_TEXT in detail and "Save decision" not in detail
    assert act(client, held, "approve").status_code == 403


def test_missing_comment_is_404(client, factory, district):
    sign_in(client, factory.user(Role.SERGEANT, district))
    assert client.get("/console/moderation/comments/999999").status_code == 404


@pytest.mark.parametrize("role", list(Role))
def test_permission_predicates(factory, district, role):
    own = factory.user(role, district if role.is_district_role else None)
    may_act = role in (Role.REPRESENTATIVE, Role.SERGEANT, Role.NEWS_AFFAIRS)
    assert moderation.can_moderate(own, district.id) is may_act
    assert moderation.can_read_comments(own, district.id) is (may_act or role == Role.COMMANDER)
    assert moderation.can_view_report(own) is (role in (Role.SERGEANT, Role.NEWS_AFFAIRS))
    assert moderation.can_manage_keywords(own) is (role == Role.ADMIN)
    if role.is_district_role:
        assert not moderation.can_moderate(own, district.id + 1000)


# --- the queue ----------------------------------------------------------------------------------

def test_queue_filters_by_state_flag_district_and_date(client, factory, db_session, post,
                                                       frozen_clock):
    other_post = factory.post(factory.district(), state=PostState.PUBLISHED)
    old = make_comment(db_session, post, body="Old held comment.",
                       created_at=frozen_clock.now - timedelta(days=10))
    flagged = comments.submit_comment(
        db_session, Actor(user=None, client_addr="192.0.2.1"), post.id,
        CommentSubmission(name="V", email="", body="You are an idiot.", accepted_terms=True,
                          terms_version=terms.current_terms(db_session).number))
    db_session.commit()
    make_comment(db_session, post, state=CommentState.VISIBLE, body="Visible comment.")
    make_comment(db_session, other_post, body="Elsewhere comment.")
    sign_in(client, factory.user(Role.NEWS_AFFAIRS))

    def shown(query):
        response = client.get(f"/console/moderation/{query}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        return {text for text in ("Old held comment.", "You are an idiot.", "Visible comment.",
                                  "Elsewhere comment.") if text in page}

    assert shown("") == {"Old held comment.", "You are an idiot.", "Elsewhere comment."}
    assert shown("?state=visible") == {"Visible comment."}
    assert shown("?state=all&flag=attack") == {"You are an idiot."}
    assert shown("?state=all&flag=any") == {"You are an idiot."}
    assert shown(f"?state=all&district={post.district_id}") == {
        "Old held comment.", "You are an idiot.", "Visible comment."}
    day = frozen_clock.now.date()
    assert shown(f"?state=held&since={day - timedelta(days=11)}&until={day - timedelta(days=9)}") \
        == {"Old held comment."}
    assert flagged.state == CommentState.HELD and old.state == CommentState.HELD
    assert client.get("/console/moderation/?since=not-a-date").status_code == 400


def test_queue_pages(client, factory, db_session, district, post, frozen_clock):
    for n in range(55):
        make_comment(db_session, post, body=f"Comment number {n:02d}.",
                     created_at=frozen_clock.now - timedelta(minutes=n))
    sign_in(client, factory.user(Role.SERGEANT, district))
    first = client.get("/console/moderation/").get_data(as_text=True)
    assert "Comment number 00." in first and "Comment number 54." not in first
    assert 'rel="next"' in first
    second = client.get("/console/moderation/?page=2").get_data(as_text=True)
    assert "Comment number 54." in second and 'rel="next"' not in second


def test_district_role_cannot_filter_another_district(client, factory, district):
    sign_in(client, factory.user(Role.SERGEANT, district))
    other = factory.district()
    assert client.get(f"/console/moderation/?district={other.id}").status_code == 400


def test_bulk_actions(client, factory, db_session, district, post, clauses):
    _, takedown = clauses
    a, b = (make_comment(db_session, post, body="First held."),
            make_comment(db_session, post, body="Second held."))
    visible = make_comment(db_session, post, state=CommentState.VISIBLE, body="Already up.")
    sign_in(client, factory.user(Role.SERGEANT, district))
    selected = [f"{c.id}:{c.version}" for c in (a, b, visible)]
    response = client.post("/console/moderation/bulk?state=all",
                           data={"action": "approve", "selected": selected})
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/moderation/?state=all"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 comments were approved." in page
    assert f"Comment #{visible.id}: A comment that is visible can&#39;t be approved" in page
    reread(db_session)
    assert {db_session.get(Comment, c.id).state for c in (a, b)} == {CommentState.VISIBLE}

    # a bulk takedown without a clause changes nothing
    selected = [f"{c.id}:2" for c in (a, b)]  # as approved above
    response = client.post("/console/moderation/bulk", data={"action": "remove",
                                                              "selected": selected})
    assert response.status_code == 400
    assert "Choose the clause" in response.get_data(as_text=True)
    response = client.post("/console/moderation/bulk", data={
        "action": "remove", "selected": selected, "clause": takedown[1].number})
    assert response.status_code == 303
    reread(db_session)
    assert {db_session.get(Comment, c.id).state for c in (a, b)} == {CommentState.REMOVED}


def test_bulk_skips_what_another_moderator_handled(factory, db_session, district, post, clauses):
    a, b = make_comment(db_session, post), make_comment(db_session, post)
    first, second = factory.user(Role.SERGEANT, district), factory.user(Role.NEWS_AFFAIRS)
    moderation.moderate(db_session, Actor(user=first), a.id, "approve", a.version)
    db_session.commit()
    result = moderation.bulk_moderate(db_session, Actor(user=second),
                                      [(a.id, 1), (b.id, 1)], "approve")
    db_session.commit()
    assert result.done == [b.id]
    assert len(result.refused) == 1 and f"already handled by {first.display_name}" in \
        result.refused[0]


# --- notes, replies, blocks ---------------------------------------------------------------------

def test_notes_stay_in_the_console(client, factory, db_session, district, post, held):
    sign_in(client, factory.user(Role.REPRESENTATIVE, district))
    response = client.post(f"/console/moderation/comments/{held.id}/notes",
                           data={"note": "Asked the sergeant to look."})
    assert response.status_code == 303
    detail = client.get(f"/console/moderation/comments/{held.id}").get_data(as_text=True)
    assert "Asked the sergeant to look." in detail
    response = client.post(f"/console/moderation/comments/{held.id}/notes", data={"note": " "})
    assert response.status_code == 400


def test_official_reply_is_marked_publicly(client, factory, db_session, district, post):
    visible = make_comment(db_session, post, state=CommentState.VISIBLE, body="When reopened?")
    staff = factory.user(Role.REPRESENTATIVE, district)
    sign_in(client, staff)
    response = client.post(f"/console/moderation/comments/{visible.id}/reply",
                           data={"body": "Elm Street reopens at 6 pm."})
    assert response.status_code == 303
    page = client.application.test_client().get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Official reply" in page and "Elm Street reopens at 6 pm." in page
    assert district.label in page
    reread(db_session)
    reply = db_session.scalars(select(Comment).where(Comment.official.is_(True))).one()
    assert (reply.parent_id, reply.staff_author_id, reply.state) == (
        visible.id, staff.id, CommentState.VISIBLE)


def test_reply_only_to_visible_comments(factory, db_session, district, held):
    staff = factory.user(Role.SERGEANT, district)
    with pytest.raises(ValidationFailed):
        moderation.reply_as_district(db_session, Actor(user=staff), held.id, "Thanks.")


def test_block_from_a_comment_then_lift_it(client, factory, db_session, district, post, held,
                                           frozen_clock):
    sergeant = factory.user(Role.SERGEANT, district)
    sign_in(client, sergeant)
    response = client.post(f"/console/moderation/comments/{held.id}/block", data={
        "by_email": "y", "by_network": "y", "prefix": "24", "days": "7",
        "reason": "Threatened an officer."})
    assert response.status_code == 303
    reread(db_session)
    block = db_session.scalars(select(CommenterBlock)).one()
    assert (block.email, block.network) == ("pat@example.org", "203.0.113.0/24")
    assert block.expires_at == frozen_clock.now + timedelta(days=7)

    refused = CommentSubmission(name="Pat", email="", body="Hello again.", accepted_terms=True,
                                terms_version=terms.current_terms(db_session).number)
    with pytest.raises(PermissionDenied):
        comments.submit_comment(db_session, Actor(user=None, client_addr="203.0.113.200"),
                                post.id, refused)
    db_session.rollback()

    page = client.get("/console/moderation/blocks").get_data(as_text=True)
    assert "203.0.113.0/24" in page and "Threatened an officer." in page
    assert client.post(f"/console/moderation/blocks/{block.id}/lift").status_code == 303
    reread(db_session)
    assert db_session.get(CommenterBlock, block.id).lifted_by_id == sergeant.id
    assert [a.kind for a in db_session.scalars(select(ModerationAction).where(
        ModerationAction.comment_id == held.id).order_by(ModerationAction.id))] == [
        ModerationKind.BLOCK, ModerationKind.UNBLOCK]
    assert [r.state for r in db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "comment.moderation"))] == ["held", "held"]
    comments.submit_comment(db_session, Actor(user=None, client_addr="203.0.113.200"), post.id,
                            refused)


@pytest.mark.parametrize("data,message", [
    ({"reason": "x"}, "Block by e-mail address, by network, or both."),
    ({"by_network": "y", "prefix": "4", "reason": "x"}, "Choose a network size from /8 to /32"),
    ({"by_email": "y", "reason": ""}, "Say why."),
])
def test_bad_block_requests_are_refused(client, factory, db_session, district, held, data,
                                        message):
    sign_in(client, factory.user(Role.SERGEANT, district))
    response = client.post(f"/console/moderation/comments/{held.id}/block", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    reread(db_session)
    assert db_session.scalar(select(func.count()).select_from(CommenterBlock)) == 0


# --- keywords -----------------------------------------------------------------------------------

def test_admin_keeps_the_keyword_list(client, factory, db_session):
    sign_in(client, factory.user(Role.ADMIN))
    response = client.post("/console/moderation/keywords",
                           data={"phrase": "  Free   Tickets ", "action": "hold"})
    assert response.status_code == 303
    page = client.get("/console/moderation/keywords").get_data(as_text=True)
    assert "Free Tickets" in page
    duplicate = client.post("/console/moderation/keywords",
                            data={"phrase": "free tickets", "action": "flag"})
    assert duplicate.status_code == 400
    assert "already listed" in duplicate.get_data(as_text=True)
    reread(db_session)
    keyword = db_session.scalars(select(ScreeningKeyword)).one()
    assert client.post(f"/console/moderation/keywords/{keyword.id}/deactivate").status_code == 303
    reread(db_session)
    assert not db_session.get(ScreeningKeyword, keyword.id).active
    assert db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event.like("screening_keyword.%"))) == 2


# --- report -------------------------------------------------------------------------------------

def _takedown(session, comment, kind, clause, when, actor):
    session.add(ModerationAction(comment_id=comment.id, district_id=comment.district_id,
                                 kind=kind, from_state="visible", to_state=kind.value,
                                 actor_id=actor.id, clause_number=clause.number,
                                 clause_title=clause.title, terms_version=1, created_at=when))
    session.commit()


def test_report_counts_per_district_clause_and_month(client, factory, db_session, district,
                                                     post, clauses):
    _, takedown = clauses
    other_post = factory.post(factory.district(), state=PostState.PUBLISHED)
    na = factory.user(Role.NEWS_AFFAIRS)
    c1, c2 = make_comment(db_session, post), make_comment(db_session, other_post)
    october, november = (datetime(2026, 10, 5, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
    _takedown(db_session, c1, ModerationKind.REMOVE, takedown[0], october, na)
    _takedown(db_session, c1, ModerationKind.REMOVE, takedown[0], november, na)
    _takedown(db_session, c1, ModerationKind.HIDE, takedown[1], november, na)
    _takedown(db_session, c2, ModerationKind.REMOVE, takedown[1], november, na)

    report = moderation.moderation_report(db_session, na)
    assert report.total == 4
    assert [(r.label, r.removed, r.hidden) for r in report.by_month] == [
        ("2026-10", 1, 0), ("2026-11", 2, 1)]
    assert [(r.label, r.removed, r.hidden) for r in report.by_clause] == [
        (f"{takedown[0].number}. {takedown[0].title}", 2, 0),
        (f"{takedown[1].number}. {takedown[1].title}", 1, 1)]
    assert sorted(r.total for r in report.by_district) == [1, 3]

    sergeant = factory.user(Role.SERGEANT, district)
    own = moderation.moderation_report(db_session, sergeant, district_id=other_post.district_id)
    assert [r.label for r in own.by_district] == [district.label] and own.total == 3
    assert moderation.moderation_report(db_session, na, year=2025).total == 0

    sign_in(client, sergeant)
    page = client.get("/console/moderation/report").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page and "<table" in page
    assert district.label in page and other_post.district.label not in page
    assert client.get("/console/moderation/report?year=2026").status_code == 200
    assert client.get("/console/moderation/report?year=1999").status_code == 400
    assert re.search(r"<th scope=\"row\">2026-11</th><td class=\"num\">1</td>"
                     r"<td class=\"num\">1</td><td class=\"num\">2</td>", page)
    with pytest.raises(PermissionDenied):
        moderation.moderation_report(db_session, factory.user(Role.REPRESENTATIVE, district))


@pytest.mark.parametrize("statement", [
    "DELETE FROM comments",
    "DELETE FROM moderation_actions",
    "UPDATE moderation_actions SET note = 'rewritten'",
    "DELETE FROM comment_flags",
    "DELETE FROM commenter_blocks",
])
def test_the_database_refuses_to_delete_moderation_history(factory, db_session, district, post,
                                                          statement):
    """Nothing is ever deleted, whoever connects: the migration's triggers refuse it."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    comment = comments.submit_comment(
        db_session, Actor(user=None, client_addr="192.0.2.1"), post.id,
        CommentSubmission(name="V", email="v@example.org", body="You are an idiot.",
                          accepted_terms=True,
                          terms_version=terms.current_terms(db_session).number))
    db_session.add(CommenterBlock(email="v@example.org", reason="x", comment_id=comment.id,
                                  district_id=district.id,
                                  created_by_id=factory.user(Role.SERGEANT, district).id))
    db_session.commit()
    with pytest.raises(DBAPIError, match="keeps every row"):
        db_session.execute(text(statement))
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(Comment)) == 1


# --- issue 12: moderation that is quick and safe --------------------------------------------------

def decide(client, comment, action, version=None, clause="", query=""):
    return client.post(f"/console/moderation/comments/{comment.id}/decide{query}",
                       data={"action": action, "clause": clause,
                             "version": str(version if version is not None else comment.version)})


def test_each_row_of_the_queue_decides_on_its_own(client, factory, db_session, district, post,
                                                 clauses):
    _, takedown = clauses
    first = make_comment(db_session, post, body="First comment, fine.")
    second = make_comment(db_session, post, body="Second comment, an attack.")
    sign_in(client, factory.user(Role.SERGEANT, district))
    page = client.get("/console/moderation/?state=held").get_data(as_text=True)
    for comment in (first, second):
        assert (f'action="/console/moderation/comments/{comment.id}/decide?state=held"'
                in page)
        for action in ("approve", "hide", "remove"):
            assert (f'value="{action}" class="button' in page
                    and f'{action.capitalize()}<span class="visually-hidden"> comment '
                        f'#{comment.id}</span></button>' in page)
        assert f'<label for="clause-{comment.id}">' in page
    # Nothing is decided beforehand: no checked box, no chosen clause or action.
    rows = page[page.index('<ol class="queue-list">'):page.index("</ol>")]
    assert " checked" not in rows and " selected" not in rows
    assert '<select id="action" name="action" required><option value="">— choose an action —</option><option value="approve">' in page

    response = decide(client, first, "approve", query="?state=held")
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/moderation/?state=held"
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Comment #{first.id} was approved." in after
    assert "First comment, fine." not in after and "Second comment, an attack." in after

    # Removing needs a clause: refused at the row, nothing changed.
    response = decide(client, second, "remove", query="?state=held")
    assert response.status_code == 400
    refused = response.get_data(as_text=True)
    assert (f'<a href="#comment-{second.id}">Comment #{second.id}: Choose the clause of the '
            "Takedown Policy") in refused
    assert (f'<select name="clause" id="clause-{second.id}" '
            f'aria-describedby="clause-{second.id}-error" aria-invalid="true">') in refused
    reread(db_session)
    assert db_session.get(Comment, second.id).state == CommentState.HELD

    response = decide(client, second, "remove", clause=takedown[2].number, query="?state=held")
    assert response.status_code == 303
    reread(db_session)
    removed = db_session.get(Comment, second.id)
    assert (removed.state, removed.clause_number) == (CommentState.REMOVED, takedown[2].number)
    assert [a.kind for a in db_session.scalars(select(ModerationAction).order_by(
        ModerationAction.id))] == [ModerationKind.APPROVE, ModerationKind.REMOVE]
    assert db_session.scalar(select(func.count()).select_from(ArchiveRecord).where(
        ArchiveRecord.record_type == "comment.moderation")) == 2
    assert db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event.in_(("comment.approve", "comment.remove")))) == 2


def test_a_row_decision_on_a_comment_someone_else_handled_is_refused(
        client, factory, db_session, district, post, held):
    other = factory.user(Role.NEWS_AFFAIRS, full_name="Sam Other")
    moderation.moderate(db_session, Actor(user=other), held.id, "approve", held.version)
    db_session.commit()
    sign_in(client, factory.user(Role.SERGEANT, district))
    response = decide(client, held, "approve", version=1)
    assert response.status_code == 409
    assert f"already handled by {other.display_name}" in response.get_data(as_text=True)
    reread(db_session)
    assert db_session.scalar(select(func.count()).select_from(ModerationAction)) == 1


@pytest.mark.parametrize("data,message", [
    ({"action": "", "version": "1"}, "Choose what to do with the comment."),
    ({"action": "delete-everything", "version": "1"}, "Not a valid choice"),
    ({"action": "approve", "version": "x"}, "The form was not understood"),
])
def test_bad_row_decisions_are_refused_without_change(client, factory, db_session, district,
                                                      held, data, message):
    sign_in(client, factory.user(Role.SERGEANT, district))
    response = client.post(f"/console/moderation/comments/{held.id}/decide", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    reread(db_session)
    assert db_session.get(Comment, held.id).state == CommentState.HELD


def test_no_decision_is_preselected(client, factory, db_session, district, post, held):
    sign_in(client, factory.user(Role.SERGEANT, district))
    detail = client.get(f"/console/moderation/comments/{held.id}").get_data(as_text=True)
    assert 'type="radio" name="action"' in detail and "checked" not in detail
    response = act(client, held, "")
    assert response.status_code == 400
    assert "Choose what to do with the comment." in response.get_data(as_text=True)

    queue = client.get("/console/moderation/").get_data(as_text=True)
    assert '<select id="action" name="action" required><option value="">— choose an action —</option><option value="approve">' in queue
    response = client.post("/console/moderation/bulk",
                           data={"selected": [f"{held.id}:{held.version}"]})
    assert response.status_code == 400
    assert "Choose what to do with the selected comments." in response.get_data(as_text=True)
    reread(db_session)
    assert db_session.get(Comment, held.id).state == CommentState.HELD
    assert db_session.scalar(select(func.count()).select_from(ModerationAction)) == 0


def test_queue_shows_the_post_each_comment_answers(client, factory, db_session, district):
    public = factory.post(district, state=PostState.PUBLISHED,
                          body="Road closure on Main Street tonight from 8 PM while crews "
                               "repair the water main; use Lake Avenue instead and expect "
                               "delays near the school.")
    withdrawn = factory.post(district, state=PostState.DISCONTINUED, body="An older notice.")
    on_public = make_comment(db_session, public, body="Thanks for the notice.")
    on_withdrawn = make_comment(db_session, withdrawn, body="Is this still true?")
    sign_in(client, factory.user(Role.SERGEANT, district))
    page = client.get("/console/moderation/").get_data(as_text=True)
    assert (f'Answers <a href="/posts/{public.id}">post #{public.id}<span '
            f'class="visually-hidden"> (public page)</span></a>, {district.label}: '
            "<q>Road closure on Main Street tonight from 8 PM while crews repair the water…</q>"
            ) in page
    assert (f"Answers post #{withdrawn.id} (not public), {district.label}: "
            "<q>An older notice.</q>") in page
    assert f'href="/console/moderation/comments/{on_public.id}"' in page
    assert f'href="/console/moderation/comments/{on_withdrawn.id}"' in page


def test_queue_times_are_the_departments(app, client, factory, db_session, district, post):
    from blueprints.templating import department_time, iso_time
    comment = make_comment(db_session, post, created_at=datetime(2026, 7, 4, 17, 30, tzinfo=UTC))
    sign_in(client, factory.user(Role.SERGEANT, district))
    page = client.get("/console/moderation/").get_data(as_text=True)
    with app.app_context():
        shown, machine = department_time(comment.created_at), iso_time(comment.created_at)
    assert f'<time datetime="{machine}">{shown}</time>' in page


def test_queue_page_costs_the_same_statements_for_3_or_50_comments(app, client, factory,
                                                                   db_session, district):
    from sqlalchemy import event
    posts = [factory.post(district, state=PostState.PUBLISHED) for _ in range(3)]
    handler = factory.user(Role.REPRESENTATIVE, district)
    sign_in(client, factory.user(Role.SERGEANT, district))
    statements = []

    def count(*_):
        statements.append(1)

    def page_statements():
        client.get("/console/moderation/?state=all")  # warm: the user, terms, templates
        statements.clear()
        event.listen(app.extensions["beatdesk.engine"], "before_cursor_execute", count)
        try:
            assert client.get("/console/moderation/?state=all").status_code == 200
        finally:
            event.remove(app.extensions["beatdesk.engine"], "before_cursor_execute", count)
        return len(statements)

    for n in range(3):
        make_comment(db_session, posts[n], state=CommentState.VISIBLE,
                     handled_by_id=handler.id, handled_at=datetime.now(UTC))
    few = page_statements()
    for n in range(47):
        make_comment(db_session, posts[n % 3], state=CommentState.VISIBLE if n % 2 else
                     CommentState.HELD, handled_by_id=handler.id if n % 2 else None)
    assert page_statements() == few


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.ids.extend(value for name, value in attrs if name == "id")


def duplicate_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted({i for i in parser.ids if parser.ids.count(i) > 1})


def test_ids_are_unique_on_every_moderation_page(client, factory, db_session, district, post,
                                                 held, clauses):
    """Every moderation page, as each role sees it, and as it comes back with errors."""
    _, takedown = clauses
    visible = make_comment(db_session, post, state=CommentState.VISIBLE, body="Fine.")
    removed = make_comment(db_session, post, state=CommentState.REMOVED, body="Gone.")
    flagged = comments.submit_comment(
        db_session, Actor(user=None, client_addr="192.0.2.1"), post.id,
        CommentSubmission(name="V", email="v@example.org", body="You are an idiot.",
                          accepted_terms=True,
                          terms_version=terms.current_terms(db_session).number))
    db_session.commit()
    sergeant = factory.user(Role.SERGEANT, district)
    moderation.block_commenter(db_session, Actor(user=sergeant), held.id, moderation.BlockRequest(
        by_email=True, by_network=False, prefix=None, days=3, reason="Threats."))
    db_session.commit()
    pages = {}
    sign_in(client, sergeant)
    for path in ["/console/moderation/", "/console/moderation/?state=all",
                 "/console/moderation/?state=all&flag=any", "/console/moderation/?since=bad",
                 "/console/moderation/blocks", "/console/moderation/report",
                 *(f"/console/moderation/comments/{c.id}"
                   for c in (held, visible, removed, flagged))]:
        pages[path] = client.get(path)
    pages["decide refused"] = decide(client, visible, "remove", query="?state=all")
    pages["bulk refused"] = client.post("/console/moderation/bulk?state=all",
                                        data={"selected": [f"{visible.id}:{visible.version}"]})
    pages["act refused"] = act(client, visible, "hide")
    pages["note refused"] = client.post(f"/console/moderation/comments/{visible.id}/notes",
                                        data={"note": ""})
    pages["block refused"] = client.post(f"/console/moderation/comments/{visible.id}/block",
                                         data={"reason": ""})
    sign_in(client, factory.user(Role.COMMANDER, district))
    pages["commander queue"] = client.get("/console/moderation/?state=all")
    sign_in(client, factory.user(Role.NEWS_AFFAIRS))
    pages["news affairs queue"] = client.get("/console/moderation/?state=all")
    pages["news affairs report"] = client.get("/console/moderation/report")
    sign_in(client, factory.user(Role.ADMIN))
    pages["keywords"] = client.get("/console/moderation/keywords")
    pages["keyword refused"] = client.post("/console/moderation/keywords", data={"phrase": ""})
    for name, response in pages.items():
        assert response.status_code in (200, 400), (name, response.status_code)
        html = response.get_data(as_text=True)
        assert "<html" in html and not duplicate_ids(html), (name, duplicate_ids(html))

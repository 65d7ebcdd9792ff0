"""Issue 9: official replies and district statements pass the same checks as posts, with the
same blocking and acknowledgement rules, and wait for the sergeant's review."""
import json

import pytest
from sqlalchemy import func, select

from beatdesk import checks, moderation, published_texts
from beatdesk.context import Actor
from beatdesk.errors import PermissionDenied
from beatdesk.models import (ArchiveRecord, Comment, CommentState, District, PublishedText,
                             PublishedTextKind)
from beatdesk.roles import Role

from .conftest import reread, sign_in

PHRASE = "casserole"
SAFE_REPLY = "Thanks for asking: the beat meeting is on Thursday at 6 pm."
FLAGGED_REPLY = "Thanks for asking: bring a casserole to the beat meeting on Thursday."
M = "/console/moderation/comments"


@pytest.fixture
def district(factory):
    return factory.district(number=1)


@pytest.fixture
def admin(factory):
    return factory.user(Role.ADMIN)


@pytest.fixture
def rep(factory, district):
    user = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(user)
    return user


@pytest.fixture
def visible(factory, db_session, district):
    post = factory.post(district, body="Beat meeting this week.")
    comment = Comment(post_id=post.id, district_id=district.id, author_name="Pat",
                      body="When is the next beat meeting?", terms_version=1,
                      state=CommentState.VISIBLE)
    db_session.add(comment)
    db_session.commit()
    return comment


def _extend(session, admin, rule):
    checks.add_term(session, Actor(admin), rule, PHRASE)
    session.commit()


def _replies(session) -> list[Comment]:
    return list(session.scalars(select(Comment).where(Comment.official.is_(True))))


def _reply(client, comment, body, **fields):
    return client.post(f"{M}/{comment.id}/reply", data={"body": body, **fields})


# --- official replies ------------------------------------------------------------------------

@pytest.mark.parametrize("rule", ["confidential", "notable"])
def test_a_reply_the_checks_stop_is_refused_with_the_findings_and_the_text_kept(
        client, db_session, admin, rep, visible, rule):
    _extend(db_session, admin, rule)
    sign_in(client, rep)
    response = _reply(client, visible, FLAGGED_REPLY)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "was not published" in page and "Triggered by" in page
    assert FLAGGED_REPLY in page  # the text stays in the form
    if rule == "notable":
        assert "write a post instead" in page
    reread(db_session)
    assert _replies(db_session) == []
    assert db_session.scalar(select(func.count(PublishedText.id))) == 0


def test_a_reply_warning_needs_a_reason_then_publishes_with_it(client, db_session, admin, rep,
                                                               visible):
    _extend(db_session, admin, "tone")
    sign_in(client, rep)
    refused = _reply(client, visible, FLAGGED_REPLY)
    assert refused.status_code == 400
    assert 'name="ack-tone"' in refused.get_data(as_text=True)
    assert _reply(client, visible, FLAGGED_REPLY, **{"ack-tone": "  "}).status_code == 400
    # A reason is text a person enters: the one normalisation refuses a control character in it,
    # naming it, and keeps the reply form.
    bad = _reply(client, visible, FLAGGED_REPLY, **{"ack-tone": "A potluck\x0b."})
    assert bad.status_code == 400
    assert "U+000B (vertical tab) at position 10" in bad.get_data(as_text=True)
    reread(db_session)
    assert _replies(db_session) == []

    done = _reply(client, visible, FLAGGED_REPLY, **{"ack-tone": "A potluck, not a sale."})
    assert done.status_code == 303
    reread(db_session)
    [reply] = _replies(db_session)
    assert reply.state is CommentState.VISIBLE and reply.body == FLAGGED_REPLY
    text = db_session.scalars(select(PublishedText)).one()
    assert (text.kind, text.comment_id, text.author_id) == (PublishedTextKind.OFFICIAL_REPLY,
                                                           reply.id, rep.id)
    assert [f["quote"].lower() for f in text.findings] == [PHRASE]
    assert text.acknowledged["tone"]["reason"] == "A potluck, not a sale."
    archived = db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "comment.checks",
        ArchiveRecord.object_id == str(reply.id))).one()
    assert json.loads(archived.content)["acknowledgements"][0]["reason"] == (
        "A potluck, not a sale.")


def test_a_clean_reply_publishes_at_once_and_is_kept_for_review(client, db_session, rep,
                                                                visible):
    sign_in(client, rep)
    assert _reply(client, visible, SAFE_REPLY).status_code == 303
    reread(db_session)
    text = db_session.scalars(select(PublishedText)).one()
    assert text.findings == [] and text.reviewed_at is None


def test_the_domain_refuses_a_blocked_reply_too(db_session, admin, rep, visible):
    _extend(db_session, admin, "guilt")
    with pytest.raises(published_texts.ChecksRefused) as refused:
        moderation.reply_as_district(db_session, Actor(rep), visible.id, FLAGGED_REPLY)
    assert refused.value.findings[0]["rule"] == "guilt"
    db_session.rollback()


# --- district statements ---------------------------------------------------------------------

def _district_form(district: District, statement: str, **extra) -> dict:
    return {"number": district.number, "name": district.name, "slug": district.slug,
            "intro_statement": statement, "moderation_mode": district.moderation_mode.value,
            **extra}


def test_a_statement_the_checks_stop_is_refused_and_nothing_changes(client, db_session, admin,
                                                                    district):
    _extend(db_session, admin, "political")
    sign_in(client, admin)
    statement = "News from district 1, and why you should vote for a casserole."
    response = client.post(f"/console/districts/{district.id}/edit",
                           data=_district_form(district, statement))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "statement was not published" in page and statement in page
    reread(db_session)
    assert db_session.get(District, district.id).intro_statement == "News from district 1."
    assert db_session.scalar(select(func.count(PublishedText.id))) == 0


def test_a_statement_warning_needs_a_reason(client, db_session, admin, district):
    _extend(db_session, admin, "tone")
    sign_in(client, admin)
    statement = "Recipes and news from district 1: this month, the casserole contest."
    refused = client.post(f"/console/districts/{district.id}/edit",
                          data=_district_form(district, statement))
    assert refused.status_code == 400
    assert 'name="ack-tone"' in refused.get_data(as_text=True)
    done = client.post(f"/console/districts/{district.id}/edit", data=_district_form(
        district, statement, **{"ack-tone": "A community contest, no business."}))
    assert done.status_code == 302
    reread(db_session)
    assert db_session.get(District, district.id).intro_statement == statement
    text = db_session.scalars(select(PublishedText)).one()
    assert text.kind is PublishedTextKind.DISTRICT_STATEMENT and text.body == statement
    assert text.acknowledged["tone"]["reason"].startswith("A community contest")


def test_other_changes_leave_the_statement_unchecked_and_out_of_review(client, db_session,
                                                                       admin, district):
    sign_in(client, admin)
    response = client.post(f"/console/districts/{district.id}/edit", data=_district_form(
        district, district.intro_statement, contact_phone="312-746-6000"))
    assert response.status_code == 302
    reread(db_session)
    assert db_session.scalar(select(func.count(PublishedText.id))) == 0


def test_a_new_districts_statement_is_checked(client, db_session, admin):
    _extend(db_session, admin, "confidential")
    sign_in(client, admin)
    response = client.post("/console/districts/new", data={
        "number": 9, "name": "Ninth", "slug": "district-9", "moderation_mode": "pre",
        "intro_statement": "The ninth district's casserole plans."})
    assert response.status_code == 400
    reread(db_session)
    assert db_session.scalar(select(func.count(District.id)).where(District.number == 9)) == 0


# --- the sergeant's review -------------------------------------------------------------------

def test_replies_and_statements_reach_the_sergeants_review(client, factory, db_session, admin,
                                                           rep, district, visible):
    sergeant = factory.user(Role.SERGEANT, district)
    other_sergeant = factory.user(Role.SERGEANT, factory.district(number=2))
    _extend(db_session, admin, "tone")
    sign_in(client, rep)
    assert _reply(client, visible, FLAGGED_REPLY,
                  **{"ack-tone": "A potluck."}).status_code == 303
    sign_in(client, admin)
    statement = "News and events from district 1, served warm."
    assert client.post(f"/console/districts/{district.id}/edit",
                       data=_district_form(district, statement)).status_code == 302

    sign_in(client, sergeant)
    page = client.get("/console/posts/sergeant").get_data(as_text=True)
    assert FLAGGED_REPLY in page and statement in page
    assert "A potluck." in page and "Official reply" in page and "District statement" in page
    attention = client.get("/console/posts/attention").get_data(as_text=True)
    assert "Official replies and statements to review: 2" in attention
    sign_in(client, other_sergeant)
    assert FLAGGED_REPLY not in client.get("/console/posts/sergeant").get_data(as_text=True)

    sign_in(client, sergeant)
    reread(db_session)
    reply_text = db_session.scalars(select(PublishedText).where(
        PublishedText.kind == PublishedTextKind.OFFICIAL_REPLY)).one()
    assert client.post("/console/posts/review/texts", data={}).status_code == 400
    response = client.post("/console/posts/review/texts", data={"text_id": reply_text.id})
    assert response.status_code == 303
    reread(db_session)
    assert db_session.get(PublishedText, reply_text.id).reviewed_by_id == sergeant.id
    assert published_texts.review_queue_size(db_session, district.id) == 1
    assert client.post("/console/posts/review/texts", data={"all": "1"}).status_code == 303
    reread(db_session)
    assert published_texts.review_queue_size(db_session, district.id) == 0
    page = client.get("/console/posts/sergeant").get_data(as_text=True)
    assert "Official replies and district statements since your last review" not in page


def test_only_the_districts_sergeant_marks_texts_reviewed(factory, db_session, rep, visible,
                                                          district):
    moderation.reply_as_district(db_session, Actor(rep), visible.id, SAFE_REPLY)
    db_session.commit()
    text = db_session.scalars(select(PublishedText)).one()
    for role in Role:
        user = factory.user(role, factory.district(number=3) if role is Role.SERGEANT
                            else district if role in (Role.REPRESENTATIVE, Role.COMMANDER)
                            else None)
        with pytest.raises(PermissionDenied):
            published_texts.mark_reviewed(db_session, Actor(user), [text])
        db_session.rollback()


def test_the_sergeant_hides_an_official_reply_from_its_page(client, factory, db_session, rep,
                                                            district, visible):
    sergeant = factory.user(Role.SERGEANT, district)
    reply = moderation.reply_as_district(db_session, Actor(rep), visible.id, SAFE_REPLY)
    db_session.commit()
    sign_in(client, sergeant)
    page = client.get("/console/posts/sergeant").get_data(as_text=True)
    assert f"/console/moderation/comments/{reply.id}" in page
    from beatdesk import terms
    clause = terms.takedown_clauses(terms.current_terms(db_session))[0]
    response = client.post(f"{M}/{reply.id}/action", data={
        "action": "hide", "clause": clause.number, "version": reply.version})
    assert response.status_code == 303
    reread(db_session)
    assert db_session.get(Comment, reply.id).state is CommentState.HIDDEN

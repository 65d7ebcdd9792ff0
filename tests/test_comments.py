"""Visitor comments: the form, its refusals (issue 4, acceptance 3) and what the public sees."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from beatdesk import terms
from beatdesk.models import (ArchiveRecord, AuditEvent, Comment, CommenterBlock, CommentFlag,
                             CommentState, ModerationAction, ModerationMode, PostState,
                             TermsVersion)
from beatdesk.roles import Role

from .conftest import make_app, reread
from .routes.comments import make_comment

TYPED_NAME = "Jordan Q. Visitor"
TYPED_BODY = "The crossing guard at Elm and 5th does a wonderful job every morning."


@pytest.fixture
def current_terms(db_session):
    version = terms.current_terms(db_session)
    db_session.commit()
    return version


@pytest.fixture
def post(factory, current_terms):
    district = factory.district(moderation_mode=ModerationMode.POST)
    return factory.post(district, state=PostState.PUBLISHED, body="Road closed on Elm Street.")


@pytest.fixture
def pre_post(factory, current_terms):
    district = factory.district(moderation_mode=ModerationMode.PRE)
    return factory.post(district, state=PostState.PUBLISHED)


def form_data(terms_version, **overrides):
    data = {"name": TYPED_NAME, "email": "jordan@example.org", "body": TYPED_BODY,
            "accept_terms": "y", "terms_version": str(terms_version), "website": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit(client, post, terms_version, **overrides):
    return client.post(f"/posts/{post.id}/comments", data=form_data(terms_version, **overrides))


def stored(session) -> dict:
    """Everything a comment submission could write."""
    reread(session)
    return {model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Comment, CommentFlag, ModerationAction, CommenterBlock, ArchiveRecord,
                          AuditEvent)}


# --- accepted comments --------------------------------------------------------------------------

def test_post_moderation_comment_is_visible_at_once(client, db_session, post, current_terms):
    response = submit(client, post, current_terms.number)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/posts/{post.id}?comment=visible#comments"

    page = client.get(f"/posts/{post.id}?comment=visible").get_data(as_text=True)
    assert "Your comment is published below" in page
    assert TYPED_BODY in page and TYPED_NAME.replace(".", ".") in page
    assert "jordan@example.org" not in page  # the e-mail address is never shown

    reread(db_session)
    comment = db_session.scalars(select(Comment)).one()
    assert comment.state == CommentState.VISIBLE
    assert comment.terms_version == current_terms.number
    assert comment.author_email == "jordan@example.org"
    assert comment.client_addr == "127.0.0.1"


def test_pre_moderation_holds_every_comment(client, db_session, pre_post, current_terms):
    response = submit(client, pre_post, current_terms.number)
    assert response.headers["Location"] == f"/posts/{pre_post.id}?comment=held#comments"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "will appear once a moderator has reviewed it" in page
    assert TYPED_BODY not in page
    reread(db_session)
    assert db_session.scalars(select(Comment)).one().state == CommentState.HELD


def test_screening_holds_a_comment_in_post_moderation(client, db_session, post, current_terms):
    submit(client, post, current_terms.number, body="Watch your back, I know where you live.")
    reread(db_session)
    comment = db_session.scalars(select(Comment)).one()
    assert comment.state == CommentState.HELD
    assert [flag.rule for flag in comment.flags] == ["threat"]
    assert "Watch your back" not in client.get(f"/posts/{post.id}").get_data(as_text=True)


def test_a_comment_is_archived_and_audited_with_its_full_text(client, db_session, post,
                                                              current_terms):
    submit(client, post, current_terms.number)
    reread(db_session)
    comment = db_session.scalars(select(Comment)).one()
    record = db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "comment", ArchiveRecord.object_id == str(comment.id))).one()
    assert record.state == "visible"
    assert TYPED_BODY in record.content and "jordan@example.org" in record.content
    event = db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "comment.submitted")).one()
    assert event.object_id == str(comment.id)
    submitted = db_session.scalars(select(ModerationAction)).one()
    assert (submitted.kind.value, submitted.to_state) == ("submitted", "visible")


def test_script_and_links_in_comments_are_inert(client, post, current_terms):
    submit(client, post, current_terms.number, name="<script>alert('n')</script>",
           body="<img src=x onerror=alert(1)> see http://example.com/offer")
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "<script>alert('n')</script>" not in page
    assert "&lt;script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'href="http://example.com/offer"' not in page  # shown, not clickable
    assert "http://example.com/offer" in page


# --- refusals (acceptance 3) --------------------------------------------------------------------

REFUSALS = [
    ("no terms box", {"accept_terms": None}, "Tick the box to accept the Terms of Service"),
    ("empty body", {"body": "   "}, "Write your comment."),
    ("over-long body", {"body": "x" * 2001}, "the limit is 2,000"),
    ("empty name", {"name": ""}, "Enter your name."),
    ("over-long name", {"name": "N" * 81}, "at most 80 characters"),
    ("bad e-mail", {"email": "not-an-address"}, "Enter an e-mail address like"),
    ("honeypot filled", {"website": "http://spam.example"}, "could not be accepted"),
]


@pytest.mark.parametrize("overrides,message", [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_bad_input_is_refused_keeping_what_was_typed(client, db_session, post, current_terms,
                                                     overrides, message):
    before = stored(db_session)
    response = submit(client, post, current_terms.number, **overrides)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "There is a problem" in page  # the error summary
    assert 'aria-invalid="true"' in page or "could not be accepted" in page
    typed = form_data(current_terms.number, **overrides)
    if typed.get("body", "").strip():
        assert typed["body"][:60] in page  # the text is kept in the form
    if typed.get("name"):
        assert f'value="{typed["name"]}"' in page
    assert response.headers["Cache-Control"] == "no-store"
    assert stored(db_session) == before


def test_every_problem_is_reported_at_once(client, db_session, post, current_terms):
    response = submit(client, post, current_terms.number, name="", body="", accept_terms=None)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Enter your name.", "Write your comment.", "Tick the box to accept"):
        assert message in page


def test_terms_changed_since_the_form_was_shown(client, db_session, post, current_terms):
    before = stored(db_session)
    response = submit(client, post, current_terms.number - 1)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The Terms of Service changed while you were writing" in page
    assert TYPED_BODY in page
    assert stored(db_session) == before


@pytest.mark.parametrize("block,typed_email", [
    ({"email": "jordan@example.org"}, "jordan@example.org"),
    ({"email": "jordan@example.org"}, " Jordan@Example.ORG "),
    ({"network": "127.0.0.0/24"}, ""),
    ({"network": "127.0.0.1/32"}, "new.address@example.org"),
], ids=["email", "email-any-case", "network", "single-address"])
def test_blocked_commenter_is_refused(client, factory, db_session, post, current_terms, block,
                                      typed_email):
    moderator = factory.user(Role.SERGEANT, post.district)
    db_session.add(CommenterBlock(**block, reason="Repeated threats.",
                                  district_id=post.district_id, created_by_id=moderator.id))
    db_session.commit()
    before = stored(db_session)
    response = submit(client, post, current_terms.number, email=typed_email)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Comments from your address or e-mail are blocked" in page
    assert TYPED_BODY in page
    assert stored(db_session) == before


@pytest.mark.parametrize("block", [
    {"email": "someone.else@example.org"},
    {"network": "10.0.0.0/8"},
    {"network": "::1/128"},
    {"email": "jordan@example.org", "expired": True},
    {"email": "jordan@example.org", "lifted": True},
], ids=["other-email", "other-network", "other-family", "expired", "lifted"])
def test_block_near_misses_let_the_comment_through(client, factory, db_session, post,
                                                   current_terms, frozen_clock, block):
    moderator = factory.user(Role.SERGEANT, post.district)
    row = CommenterBlock(email=block.get("email", ""), network=block.get("network", ""),
                         reason="Spam.", district_id=post.district_id,
                         created_by_id=moderator.id)
    if block.get("expired"):
        row.expires_at = frozen_clock.now - timedelta(minutes=1)
    if block.get("lifted"):
        row.lifted_at, row.lifted_by_id = frozen_clock.now, moderator.id
    db_session.add(row)
    db_session.commit()
    assert submit(client, post, current_terms.number).status_code == 303


@pytest.mark.parametrize("state", [PostState.DRAFT, PostState.DISCONTINUED])
def test_comments_only_on_public_posts(client, factory, db_session, current_terms, state):
    hidden = factory.post(state=state)
    before = stored(db_session)
    assert submit(client, hidden, current_terms.number).status_code == 404
    assert stored(db_session) == before


@pytest.fixture
def limited_app(database_url, app):
    # After ``app``: the limiter is one object, and the last app bound sets whether it is on.
    app = make_app(database_url, RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT="2 per minute",
                   COMMENT_POST_RATE_LIMIT="4 per minute")
    yield app
    app.extensions["beatdesk.engine"].dispose()


def test_rate_limit_per_address(limited_app, db_session, post, current_terms):
    client = limited_app.test_client()
    for _ in range(2):
        assert submit(client, post, current_terms.number).status_code == 303
    before = stored(db_session)
    response = submit(client, post, current_terms.number, body="A third comment, too soon.")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "You have sent several comments in a short time" in page
    assert "A third comment, too soon." in page
    assert stored(db_session) == before
    # another address may still comment on the same post
    other = limited_app.test_client()
    response = other.post(f"/posts/{post.id}/comments", data=form_data(current_terms.number),
                          environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert response.status_code == 303


def test_rate_limit_per_post(limited_app, db_session, factory, post, current_terms):
    client = limited_app.test_client()
    for n in range(4):
        response = client.post(f"/posts/{post.id}/comments", data=form_data(current_terms.number),
                               environ_base={"REMOTE_ADDR": f"198.51.100.{n + 1}"})
        assert response.status_code == 303
    before = stored(db_session)
    response = client.post(f"/posts/{post.id}/comments", data=form_data(current_terms.number),
                           environ_base={"REMOTE_ADDR": "198.51.100.99"})
    assert response.status_code == 429
    assert TYPED_BODY in response.get_data(as_text=True)
    assert stored(db_session) == before
    # the limit is per post: another post still takes comments
    other_post = factory.post(post.district, state=PostState.PUBLISHED)
    response = client.post(f"/posts/{other_post.id}/comments",
                           data=form_data(current_terms.number),
                           environ_base={"REMOTE_ADDR": "198.51.100.99"})
    assert response.status_code == 303


@pytest.fixture
def csrf_app(database_url, app):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    yield app
    app.extensions["beatdesk.engine"].dispose()


def test_expired_form_keeps_the_text_and_a_fresh_form_works(csrf_app, db_session, post,
                                                            current_terms):
    client = csrf_app.test_client()
    before = stored(db_session)
    response = submit(client, post, current_terms.number)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "security token" in page and TYPED_BODY in page
    assert stored(db_session) == before
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = submit(client, post, current_terms.number, csrf_token=token)
    assert response.status_code == 303


# --- the public page ----------------------------------------------------------------------------

def test_public_page_shows_visible_comments_and_placeholders_only(client, db_session, post):
    make_comment(db_session, post, state=CommentState.VISIBLE, body="Visible words.")
    make_comment(db_session, post, state=CommentState.HELD, body="Held words.")
    make_comment(db_session, post, state=CommentState.HIDDEN, body="Hidden words.")
    make_comment(db_session, post, state=CommentState.REMOVED, body="Removed words.",
                 author_name="Removed Author", clause_number="3", clause_title="Personal attacks")
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Visible words." in page
    for hidden in ("Held words.", "Hidden words.", "Removed words.", "Removed Author"):
        assert hidden not in page
    assert ("This comment was removed under clause 3 (Personal attacks) of the Terms of "
            "Service.") in page


def test_the_form_names_the_current_terms_version(client, post, current_terms):
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f'name="terms_version" type="hidden" value="{current_terms.number}"' in page
    assert f"/terms/{current_terms.number}" in page
    assert 'class="comment-hp"' in page


def test_a_newer_terms_version_is_the_one_stored(client, db_session, factory, post,
                                                 current_terms):
    admin = factory.user(Role.ADMIN)
    newer = TermsVersion(title="Terms", source_markdown=current_terms.source_markdown,
                         body_html=current_terms.body_html, created_by_id=admin.id,
                         number=current_terms.number + 1, published_at=current_terms.published_at
                         + timedelta(days=1), published_by_id=admin.id)
    db_session.add(newer)
    db_session.commit()
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f'value="{newer.number}"' in page
    assert submit(client, post, newer.number).status_code == 303
    reread(db_session)
    assert db_session.scalars(select(Comment)).one().terms_version == newer.number


def test_official_replies_show_under_their_comment_only(client, factory, db_session, post):
    staff = factory.user(Role.REPRESENTATIVE, post.district)
    shown = make_comment(db_session, post, state=CommentState.VISIBLE, body="Shown question.")
    hidden = make_comment(db_session, post, state=CommentState.HIDDEN, body="Hidden question.")
    for parent, text in ((shown, "Answer to the shown one."), (hidden, "Answer to the hidden.")):
        make_comment(db_session, post, state=CommentState.VISIBLE, body=text, parent_id=parent.id,
                     official=True, staff_author_id=staff.id, author_name=post.district.label,
                     author_email="", terms_version=0)
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Answer to the shown one." in page and "Official reply" in page
    assert page.index("Shown question.") < page.index("Answer to the shown one.")
    assert "Answer to the hidden." not in page and "Hidden question." not in page


def test_post_page_queries_do_not_grow_with_comments(app, client, factory, db_session, post):
    from sqlalchemy import event

    # Rendering is what is counted: a page kept by the public page cache reads no rows, or only
    # the archive's head when its check interval has passed, so the count depended on timing.
    app.config["PUBLIC_CACHE_SECONDS"] = 0
    staff = factory.user(Role.REPRESENTATIVE, post.district)
    engine = app.extensions["beatdesk.engine"]
    statements = []

    def count(*_args):
        statements.append(1)

    def queries_for_page() -> int:
        client.get(f"/posts/{post.id}")  # warm: first-use work (terms, department) is done
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/posts/{post.id}").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    make_comment(db_session, post, state=CommentState.VISIBLE)
    few = queries_for_page()
    for n in range(30):
        parent = make_comment(db_session, post, state=CommentState.VISIBLE, body=f"Comment {n}.")
        make_comment(db_session, post, state=CommentState.REMOVED if n % 3 else
                     CommentState.VISIBLE, body=f"Reply {n}.", parent_id=parent.id,
                     official=True, staff_author_id=staff.id, author_name="District",
                     author_email="", terms_version=0)
    assert queries_for_page() == few


def test_a_comment_post_is_one_short_write_with_one_chain_append_step(app, client, db_session,
                                                                      post, current_terms):
    """The comment and its audit event are two archive records, appended under one chain lock
    (the head is read once); on PostgreSQL the screening reads and the writes are one
    transaction, on SQLite the writes get their own, which takes the write lock at BEGIN."""
    from sqlalchemy import event

    engine = app.extensions["beatdesk.engine"]
    statements: list[str] = []
    transactions: list[int] = []

    def sql(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    def began(_conn):
        transactions.append(1)

    assert submit(client, post, current_terms.number).status_code == 303  # warm
    statements.clear()
    event.listen(engine, "before_cursor_execute", sql)
    event.listen(engine, "begin", began)
    try:
        assert submit(client, post, current_terms.number,
                      body="A second comment, counted.").status_code == 303
    finally:
        event.remove(engine, "before_cursor_execute", sql)
        event.remove(engine, "begin", began)
    head_reads = [s for s in statements
                  if s.startswith("SELECT archive_records.id, archive_records.record_hash")]
    assert len(head_reads) == 1, statements
    writes = [s for s in statements if s.startswith(("INSERT", "UPDATE"))]
    assert sum(s.startswith("INSERT INTO archive_records") for s in writes) == 2
    postgresql = engine.dialect.name == "postgresql"
    assert len(transactions) == (1 if postgresql else 2)
    assert len([s for s in statements if not s.startswith("BEGIN")]) <= 17, "\n".join(s[:150] for s in statements)
    assert stored(db_session)["Comment"] == 2
    reread(db_session)
    from beatdesk import archive
    assert archive.verify(db_session).ok

"""Terms of Service and Takedown Policy: default text, clauses, sanitizing, versions, admin pages."""
import pytest
from sqlalchemy import delete, func, select

from beatdesk import terms
from beatdesk.context import Actor
from beatdesk.errors import Conflict, PermissionDenied, ValidationFailed
from beatdesk.models import AuditEvent, TermsVersion
from beatdesk.roles import Role

from .conftest import reread

NEW_TEXT = """\
Short rules.

## Takedown Policy

We remove comments that break a clause.

1. **Obscenity.** Obscene words.
2. **Threats:** Threats of harm.
3. **Spam** Advertising.

## Other

Nothing else.
"""


@pytest.fixture(autouse=True)
def shipped_terms(db_session):
    """Version 1 as migration 0004 installs it (PostgreSQL test runs empty every table first)."""
    terms.current_terms(db_session)
    db_session.commit()


@pytest.fixture
def archived(monkeypatch):
    """Records handed to the archive (its storage is the archive area's)."""
    calls = []
    real_append = terms.archive.append

    def append(session, **record):
        if record["record_type"] == "terms.version":
            calls.append(record)
        else:  # audit events and others go to the archive as usual
            real_append(session, **record)

    monkeypatch.setattr(terms.archive, "append", append)
    return calls


def _data(text=NEW_TEXT, title="Terms, second edition", summary="Shorter."):
    return terms.TermsData(title=title, source_markdown=text, summary_of_changes=summary)


# --- the default text and the clause convention ----------------------------------------------

def test_installation_ships_version_1_with_the_eight_numbered_clauses(db_session):
    current = terms.current_terms(db_session)
    assert current.number == 1 and current.version == 1 and current.published_at is not None
    assert [(c.number, c.title) for c in terms.takedown_clauses(current)] == [
        ("1", "Obscenity"), ("2", "Off-topic content"), ("3", "Personal attacks"),
        ("4", "Threats"), ("5", "Discrimination against a protected class"),
        ("6", "Spam and advertising"), ("7", "Personal information about others"),
        ("8", "Compromising an investigation or endangering anyone")]
    html = " ".join(current.body_html.split())
    assert "call 911" in html and "crime" in html
    assert "public records law" in html  # public disclosure
    assert "Our right to remove content" in html
    assert 'id="clause-3"' in html and 'id="takedown-policy"' in html


def test_current_terms_installs_the_default_when_the_table_is_empty(db_session, archived):
    db_session.execute(delete(TermsVersion))
    current = terms.current_terms(db_session)
    assert current.number == 1 and current.source_markdown == terms.DEFAULT_MARKDOWN
    assert [c["record_type"] for c in archived] == ["terms.version"]


def test_clauses_take_the_numbers_visitors_see():
    lazy = "## Takedown Policy\n\n3. **First.** a\n3. **Second.** b\n1. **Third.** c\n"
    assert [c.label for c in terms.takedown_clauses(TermsVersion(source_markdown=lazy))] == [
        "3. First", "4. Second", "5. Third"]
    assert '<ol start="3">' in terms.render_markdown(lazy)


def test_clause_titles_lose_their_trailing_punctuation():
    clauses = terms.takedown_clauses(TermsVersion(source_markdown=NEW_TEXT))
    assert [c.label for c in clauses] == ["1. Obscenity", "2. Threats", "3. Spam"]
    assert clauses[1].anchor == "clause-2"
    assert terms.find_clause(TermsVersion(source_markdown=NEW_TEXT), "2").title == "Threats"
    with pytest.raises(ValidationFailed):
        terms.find_clause(TermsVersion(source_markdown=NEW_TEXT), "9")


@pytest.mark.parametrize("text,message", [
    ("No sections at all.", "## Takedown Policy"),
    ("## Takedown Policy\n\nWe remove things.\n", "at least one numbered clause"),
    ("## Takedown Policy\n\n- **Bullets.** are not clauses\n", "at least one numbered clause"),
    ("## Takedown Policy\n\n1. No bold title here.\n", "clause 1 must start with its title in bold"),
    ("## Takedown Policy\n\n1. **A.** a\n\n## Next\n\n2. **B.** b\n", None),
])
def test_the_takedown_convention_is_enforced(text, message):
    if message is None:  # a numbered list after the section ends is not a clause
        assert terms.takedown_clauses(TermsVersion(source_markdown=text)) == [terms.Clause("1", "A")]
        return
    with pytest.raises(ValidationFailed, match=message) as exc:
        terms.render_markdown(text)
    assert exc.value.field == "source_markdown"


def test_rendering_allows_only_safe_html():
    html = terms.render_markdown(
        "# Big title\n\n<script>alert(1)</script>\n\n<b onclick=x>raw</b> "
        "[bad](javascript:alert(1)) [good](https://pd.example/a) ![img](https://x.example/i.png)\n\n"
        "## Takedown Policy\n\n1. **Obscenity.** none\n")
    assert "<script" not in html and "<b " not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html and "&lt;b onclick=x&gt;" in html  # shown as text, never run
    assert '<a href="https://pd.example/a">good</a>' in html
    assert "<img" not in html
    assert "<h1" not in html and '<h2 id="section-big-title">Big title</h2>' in html


# --- domain operations -------------------------------------------------------------------------

def test_only_administrators_change_the_terms(db_session, factory):
    for role in Role:
        if role is Role.ADMIN:
            continue
        actor = Actor(user=factory.user(role))
        with pytest.raises(PermissionDenied):
            terms.create_draft(db_session, actor, _data())
        with pytest.raises(PermissionDenied):
            terms.publish(db_session, actor, terms.current_terms(db_session).id)


def test_publishing_numbers_the_version_audits_and_archives(db_session, factory, archived,
                                                          frozen_clock):
    admin = Actor(user=factory.user(Role.ADMIN), client_addr="10.0.0.5")
    draft = terms.create_draft(db_session, admin, _data())
    assert draft.number is None and "<strong>Threats:</strong>" in draft.body_html
    assert terms.current_terms(db_session).number == 1  # a draft is not the current terms
    published = terms.publish(db_session, admin, draft.id)
    db_session.commit()
    assert (published.number, published.published_at, published.published_by_id) == (
        2, frozen_clock.now, admin.user.id)
    assert terms.current_terms(db_session).id == draft.id
    assert [c.title for c in terms.takedown_clauses(terms.current_terms(db_session))] == [
        "Obscenity", "Threats", "Spam"]
    events = db_session.scalars(select(AuditEvent.event).where(
        AuditEvent.object_type == "terms_versions", AuditEvent.object_id == str(draft.id))
        .order_by(AuditEvent.id)).all()
    assert events == ["terms.draft_created", "terms.published"]
    assert len(archived) == 1
    record = archived[0]
    assert (record["record_type"], record["object_id"], record["district_id"]) == (
        "terms.version", draft.id, None)
    assert record["content"]["number"] == 2 and record["content"]["source_markdown"] == NEW_TEXT
    assert record["content"]["clauses"][1] == {"number": "2", "title": "Threats"}
    assert terms.get_published(db_session, 1).number == 1  # the old one stays


def test_a_published_version_never_changes(db_session, factory, archived):
    admin = Actor(user=factory.user(Role.ADMIN))
    draft = terms.create_draft(db_session, admin, _data())
    terms.publish(db_session, admin, draft.id)
    with pytest.raises(Conflict, match="already published as version 2"):
        terms.publish(db_session, admin, draft.id)
    with pytest.raises(Conflict, match="never change"):
        terms.update_draft(db_session, admin, draft.id, _data(title="Changed"))
    assert draft.title == "Terms, second edition" and draft.number == 2


def test_a_draft_without_clauses_is_neither_saved_nor_published(db_session, factory, archived):
    admin = Actor(user=factory.user(Role.ADMIN))
    with pytest.raises(ValidationFailed, match="Takedown Policy"):
        terms.create_draft(db_session, admin, _data(text="Just words."))
    # A draft stored by other means (an older release, a manual fix) is still checked.
    bad = TermsVersion(title="Bad", source_markdown="Just words.", body_html="<p>Just words.</p>",
                       created_by_id=admin.user.id)
    db_session.add(bad)
    db_session.flush()
    with pytest.raises(ValidationFailed, match="Takedown Policy"):
        terms.publish(db_session, admin, bad.id)
    assert bad.number is None and archived == []


# --- admin pages -------------------------------------------------------------------------------

def test_admin_writes_and_publishes_a_version_through_the_console(client, login_as, db_session,
                                                                  archived):
    login_as(Role.ADMIN)
    page = client.get("/console/admin/terms/new")
    assert page.status_code == 200
    assert "## Takedown Policy" in page.get_data(as_text=True)  # starts from the current text
    response = client.post("/console/admin/terms/new", data={
        "title": "Terms, second edition", "summary_of_changes": "Shorter.",
        "source_markdown": NEW_TEXT})
    assert response.status_code == 303
    draft_url = response.headers["Location"]
    version_id = int(draft_url.rsplit("/", 1)[1])
    detail = client.get(draft_url).get_data(as_text=True)
    assert "Draft, not shown to visitors" in detail and "Clause 2: Threats" in detail
    assert client.get("/terms/2").status_code == 404

    edit = client.post(f"/console/admin/terms/{version_id}/edit", data={
        "title": "Terms, 2nd edition", "summary_of_changes": "Shorter.", "source_markdown": NEW_TEXT})
    assert edit.status_code == 303
    published = client.post(f"/console/admin/terms/{version_id}/publish")
    assert (published.status_code, published.headers["Location"]) == (303, draft_url)
    assert "Version 2 is published" in client.get(draft_url).get_data(as_text=True)
    assert "Terms, 2nd edition" in client.get("/terms").get_data(as_text=True)
    listing = client.get("/console/admin/terms").get_data(as_text=True)
    assert "Version 2" in listing and "Version 1" in listing

    again = client.post(f"/console/admin/terms/{version_id}/publish")
    assert again.status_code == 303
    assert "already published" in client.get(draft_url).get_data(as_text=True)
    reread(db_session)
    assert db_session.scalar(select(func.max(TermsVersion.number))) == 2


def test_a_text_without_clauses_is_refused_with_a_message_and_nothing_stored(client, login_as,
                                                                            db_session):
    login_as(Role.ADMIN)
    response = client.post("/console/admin/terms/new", data={
        "title": "Broken", "summary_of_changes": "", "source_markdown": "Be nice.\n"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "There is a problem" in body and "## Takedown Policy" in body
    assert "Be nice." in body  # what the admin typed is kept
    reread(db_session)
    assert db_session.scalar(select(func.count()).select_from(TermsVersion)) == 1

"""Messages read as sentences (issue 12): no internal state names, proper names keep their
capitals, each time input names its zone once, and the sergeant's review lists only what is still
public, with no empty sections."""
import html
import itertools
import re
from types import SimpleNamespace

import pytest

from beatdesk import moderation, posts, records, release
from beatdesk.archive_search import SearchCriteria, state_words
from beatdesk.context import Actor
from beatdesk.errors import DomainError, ValidationFailed
from beatdesk.models import CommentState, PostState, PublishedText, PublishedTextKind
from beatdesk.models.records import RequestState
from beatdesk.roles import Role
from beatdesk.wording import in_sentence
from beatdesk.workflow import TRANSITIONS, Action, Party, refusal

from .conftest import reread, sign_in

S = PostState
# Every enum value with an underscore, and every action's own name: none may reach a person.
INTERNAL = {v.value for v in itertools.chain(PostState, Action, Party, Role, RequestState)
            if "_" in v.value}


def assert_sentence(message: str) -> None:
    assert message[:1].isupper() and message.endswith("."), message
    assert "_" not in message, message
    for name in INTERNAL:
        assert name not in message, (name, message)
    assert "news affairs" not in message.replace("News Affairs", ""), message
    assert "News affairs" not in message, message
    assert not re.search(r"\b(\w+) \1\b", message, re.IGNORECASE), f"doubled word: {message}"


# --- the workflow ---------------------------------------------------------------------------

def _post(state: PostState, notable: bool, approval_current: bool):
    return SimpleNamespace(state=state, notable=notable, approval_current=approval_current)


PARTY_SETS = [set(), {Party.AUTHORS}, {Party.AUTHORS, Party.SERGEANT}, {Party.NEWS_AFFAIRS}]


def test_every_refusal_of_every_transition_reads_as_a_sentence():
    seen = set()
    for action, state, parties, is_author, notable, current in itertools.product(
            Action, PostState, PARTY_SETS, (False, True), (False, True), (False, True)):
        message = refusal(action, _post(state, notable, current), parties, is_author=is_author)
        if message is not None:
            assert_sentence(message)
            seen.add(message)
    # Each state and each action was refused somewhere, so the walk covered them all.
    for state in PostState:
        if any(state not in rule.sources for rule in TRANSITIONS.values()):
            assert any(m.startswith(_state_words(state)) for m in seen), state
    assert "A post waiting for News Affairs can't be published." in seen
    assert "You may not clear this post for release." in seen
    assert "You may not return this post with a note." in seen
    assert "A draft can't be sent to the sergeant." in seen


def _state_words(state: PostState) -> str:
    from beatdesk.workflow import A_POST_THAT_IS
    return A_POST_THAT_IS[state]


def test_a_refusal_names_the_state_and_what_was_refused():
    message = refusal(Action.APPROVE, _post(S.PUBLISHED, True, True), {Party.NEWS_AFFAIRS},
                      is_author=False)
    assert message == "A published post can't be approved."
    message = refusal(Action.SUBMIT, _post(S.AWAITING_NEWS_AFFAIRS, True, False),
                      {Party.AUTHORS}, is_author=True)
    assert message == "A post waiting for News Affairs can't be submitted."


@pytest.mark.parametrize("label, expected", [
    ("Awaiting News Affairs", "awaiting News Affairs"),
    ("Released in part", "released in part"),
    ("Office of News Affairs", "Office of News Affairs"),
    ("District representative", "district representative"),
    ("Request 12", "Request 12"),
    ("Post #3", "Post #3"),
    ("X", "X"),
    ("CST", "CST"),
    ("", ""),
])
def test_a_label_in_a_sentence_keeps_its_proper_names(label, expected):
    assert in_sentence(label) == expected


@pytest.mark.parametrize("enum", [PostState, CommentState, RequestState, Role])
def test_every_state_and_role_label_reads_well_inside_a_sentence(enum):
    for value in enum:
        assert_sentence(f"It is {in_sentence(value.label)}.")


def test_archive_states_are_named_as_people_read_them():
    assert state_words("awaiting_news_affairs") == "awaiting News Affairs"
    described = SearchCriteria(state="awaiting_news_affairs").describe()
    assert "awaiting_news_affairs" not in described and "awaiting News Affairs" in described
    from blueprints.archive.results import STATES
    for label in STATES.values():
        assert "_" not in label and "news affairs" not in label, label


# --- messages of the web pages --------------------------------------------------------------

def test_a_post_edited_while_waiting_for_news_affairs_says_so_with_capitals(
        db_session, factory):
    district = factory.district()
    rep = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(rep)
    post = factory.post(district, author=rep, state=S.AWAITING_NEWS_AFFAIRS, notable=True)
    posts.edit_post(db_session, Actor(rep), post, posts.PostData(
        category=post.category, body="Food drive at the station on Friday afternoon."))
    db_session.commit()
    note = posts.timeline(db_session, post)[-1].note
    assert note.startswith("Edited while awaiting News Affairs;"), note


def test_a_refused_moderation_says_what_the_comment_is_and_what_was_refused(
        db_session, factory):
    from beatdesk import terms

    from .routes.comments import make_comment
    current = terms.current_terms(db_session)
    db_session.commit()
    clause = terms.takedown_clauses(current)[0]
    district = factory.district()
    sergeant = factory.user(Role.SERGEANT, district)
    hidden = make_comment(db_session, factory.post(district), state=CommentState.HIDDEN)
    with pytest.raises(ValidationFailed) as refused:
        moderation.moderate(db_session, Actor(sergeant), hidden.id, moderation.Action.HIDE,
                            hidden.version, clause_number=clause.number)
    assert refused.value.message == "A comment that is hidden can't be hidden."
    assert_sentence(refused.value.message)


def test_a_records_refusal_names_the_states_in_words(db_session, factory, frozen_clock):
    from beatdesk.due_dates import rules_for
    from beatdesk.models.records import ReceivedVia
    officer = factory.user(Role.RECORDS)
    request = records.create_request(db_session, Actor(officer), records.RequestData(
        requester_name="Dana", requester_contact="dana@example.org",
        received_via=ReceivedVia.EMAIL, received_at=frozen_clock.now,
        description="Posts about the parade."), rules_for("IL"))
    db_session.commit()
    records.change_state(db_session, Actor(officer), request, "searching", "")
    with pytest.raises(ValidationFailed) as refused:
        records.change_state(db_session, Actor(officer), request, "received", "")
    assert refused.value.message == "A request that is searching cannot become received."
    records.change_state(db_session, Actor(officer), request, "released_in_part", "")
    with pytest.raises(DomainError) as refused:
        records.change_state(db_session, Actor(officer), request, "denied", "")
    assert_sentence(refused.value.message)
    assert "(released in part)" in refused.value.message


# --- each time input names its zone once ----------------------------------------------------

ZONE_NAMES = re.compile(r"Central Time, CST/CDT|Central Time|CST/CDT|America/Chicago|"
                        r"department's local time|[Tt]ime in ")


def _field_text(page: str, field_id: str) -> str:
    """The label, hint and error of one form field, as text."""
    start = page.index(f'for="{field_id}"')
    start = page.rindex('<div class="field', 0, start)
    end = page.index("</div>", page.index(f'id="{field_id}"', start))
    return html.unescape(re.sub(r"<[^>]+>", " ", page[start:end]))


def test_the_schedule_field_names_its_zone_once(client, factory, db_session):
    district = factory.district()
    sergeant = factory.user(Role.SERGEANT, district)
    post = factory.post(district, state=S.CHECKED)
    sign_in(client, sergeant)
    page = client.get(f"/console/posts/{post.id}").get_data(as_text=True)
    text = _field_text(page, "when")
    assert len(ZONE_NAMES.findall(text)) == 1, text
    assert "Publish at (Central Time, CST/CDT)" in text
    assert "spring is refused" in text  # the daylight-saving hint is kept
    assert 'aria-describedby="when-hint"' in page


def test_the_received_at_field_names_its_zone_once(client, factory):
    sign_in(client, factory.user(Role.RECORDS))
    page = client.get("/console/records/new").get_data(as_text=True)
    text = _field_text(page, "received_at")
    assert len(ZONE_NAMES.findall(text)) == 1, text
    assert "spring is refused" in text


# --- the sergeant's review ------------------------------------------------------------------

@pytest.fixture
def district(factory):
    return factory.district(name="Harbour")


@pytest.fixture
def sergeant(factory, district):
    return factory.user(Role.SERGEANT, district)


def _review_page(client, sergeant) -> str:
    sign_in(client, sergeant)
    return client.get("/console/posts/sergeant").get_data(as_text=True)


def test_a_post_news_affairs_discontinued_leaves_the_review(client, db_session, factory,
                                                            district, sergeant):
    kept = factory.post(district, body="Toy drive drop-off at the front desk.")
    gone = factory.post(district, body="Parade route closes Main Street at noon.")
    assert "Published since your last review (2)" in _review_page(client, sergeant)
    news = factory.user(Role.NEWS_AFFAIRS)
    sign_in(client, news)
    response = client.post(f"/console/posts/{gone.id}/discontinue", data={
        "note": "The route changed.", "version": str(gone.version)})
    assert response.status_code == 303
    reread(db_session)
    assert [p.id for p in posts.review_queue(db_session, district.id)] == [kept.id]
    assert posts.review_queue_size(db_session, district.id) == 1
    page = _review_page(client, sergeant)
    assert "Published since your last review (1)" in page
    assert "Parade route closes Main Street" not in page
    assert "Toy drive drop-off" in page
    # Discontinuing by News Affairs is not the sergeant's review of the post.
    assert db_session.get(type(gone), gone.id).reviewed_at is None


def test_a_post_the_sergeant_discontinued_leaves_the_review_as_reviewed(
        client, db_session, factory, district, sergeant):
    post = factory.post(district, body="Toy drive drop-off at the front desk.")
    sign_in(client, sergeant)
    response = client.post(f"/console/posts/{post.id}/discontinue", data={
        "note": "Wrong hours.", "version": str(post.version), "back": "review"})
    assert response.status_code == 303
    reread(db_session)
    stored = db_session.get(type(post), post.id)
    assert stored.reviewed_by_id == sergeant.id and stored.reviewed_at is not None
    assert posts.review_queue(db_session, district.id) == []


def test_a_discontinued_post_is_off_the_review_whoever_discontinued_it(
        db_session, factory, district, sergeant, frozen_clock):
    from datetime import timedelta
    commander = factory.user(Role.COMMANDER, district)
    old = frozen_clock.now - timedelta(days=30)
    factory.post(district, state=S.DISCONTINUED, published_at=old,
                 discontinued_by_id=commander.id)
    assert posts.review_queue(db_session, district.id) == []
    assert posts.review_queue_size(db_session, district.id) == 0
    assert posts.overdue_reviews(db_session) == []  # nothing overdue for what is not public


def test_empty_sections_of_the_review_are_not_shown(client, db_session, factory, district,
                                                   sergeant):
    page = _review_page(client, sergeant)
    assert "Nothing waits for your review" in page
    for heading in ("Asking for your review", "Published since your last review",
                    "Official replies and district statements"):
        assert heading not in page

    rep = factory.user(Role.REPRESENTATIVE, district)
    db_session.add(PublishedText(kind=PublishedTextKind.DISTRICT_STATEMENT,
                                 district_id=district.id, body="News from the harbour.",
                                 author_id=rep.id))
    db_session.commit()
    page = _review_page(client, sergeant)
    assert "Official replies and district statements since your last review (1)" in page
    assert "Published since your last review" not in page
    assert "Asking for your review" not in page
    assert "Nothing waits for your review" not in page

    factory.post(district, state=S.AWAITING_SERGEANT, author=rep)
    factory.post(district, author=rep)
    page = _review_page(client, sergeant)
    assert "Asking for your review before release (1)" in page
    assert "Published since your last review (1)" in page


# --- the release package reads as the public saw it ------------------------------------------

from .test_release_scripts import _needs, exemptions, package  # noqa: E402,F401  (fixtures)


def test_the_release_names_the_moderator_and_the_request_once(package):
    import zipfile
    path, req = package
    with zipfile.ZipFile(path) as z:
        page = z.read("index.html").decode()
    moderation = page[page.index("Moderation of comment #43 on post #5</h3>"):]
    assert "by Officer Dana Ortiz" in moderation[:400]
    assert f"Your public records request ({req.label})" in page
    assert f"request {req.label}" not in page


def test_the_pdf_sets_text_ragged_and_right_to_left_text_from_the_right(package, tmp_path):
    import subprocess
    import zipfile

    from .test_release_scripts import HEBREW
    _needs("pdftotext")
    path, _ = package
    pdf = tmp_path / "records.pdf"
    with zipfile.ZipFile(path) as z:
        pdf.write_bytes(z.read("records.pdf"))
    subprocess.run(["pdftotext", "-bbox", str(pdf), str(tmp_path / "words.html")], check=True)
    words = re.findall(r'<page width="([\d.]+)"|<word xMin="([\d.]+)" yMin="[\d.]+" '
                       r'xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
                       (tmp_path / "words.html").read_text())
    width = float(next(w for w, *_ in words if w))
    placed = [(float(x0), float(x1), text) for w, x0, x1, text in words if not w]
    hebrew = [x0 for x0, _, text in placed if re.search("[\u0590-\u05ff]", text)]
    assert len(hebrew) == len(HEBREW.split())
    assert min(hebrew) > width / 2, hebrew  # the whole line is set from the right edge
    # "Parade on Main Street." opens a line that also holds CJK: the words keep their spaces.
    index = next(i for i, (_, _, text) in enumerate(placed) if text == "Parade")
    (_, parade_end, _), (on_start, _, on) = placed[index], placed[index + 1]
    assert on == "on" and on_start - parade_end < 6, (parade_end, on_start)
    assert placed[index][0] < 18 / 25.4 * 72 + 1  # flush with the margin, no cell padding


@pytest.mark.parametrize("withheld, line", [
    (1, "1 e-mail or network address of commenters, under 5 ILCS 140/7(1)(b) and 7(1)(c)"),
    (10, "10 e-mail or network addresses of commenters, under 5 ILCS 140/7(1)(b) and 7(1)(c)"),
])
def test_the_cover_letter_counts_private_values_as_addresses(withheld, line):
    cover = release._Cover(
        department="Lakeside Police Department", department_lines=[], request_label="Request 1",
        requester="Pat", received="Nov 16, 2026", released="Nov 30, 2026", description="Posts.",
        searches=[], officer="Robin Clerk", private_withheld=withheld)
    assert ("item", line) in cover.paragraphs()

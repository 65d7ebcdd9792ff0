"""Any text a person may enter renders in every output; any other text is refused, never a 500.

Random text over all of Unicode (astral planes, combining marks, case-changing characters and
the characters XML forbids) goes in through the write paths (the public comment form, the
inquiry form, ``beatdesk.text.normalise`` for what the factories store) and comes out as the
post's HTML page, the district's Atom and RSS feeds (parsed back by a strict XML parser and by
feedparser), and a records release package's ``records.json``, ``records.csv`` and PDF.
"""
import csv
import io
import itertools
import json
import zipfile
from datetime import UTC, datetime

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import func, select

from beatdesk import archive, records, release, terms
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.models import Comment, MediaInquiry, ModerationMode, PostState, RequestState
from beatdesk.records import RequestData
from beatdesk.roles import Role
from beatdesk.text import find_forbidden, normalise, scrub

from .conftest import make_app, sign_in
from .routes.requests import ensure_exemptions

# Everything Unicode holds but lone surrogates (a form or a UTF-8 file can't carry them),
# weighted towards what breaks outputs: controls, noncharacters, combining marks, case changers.
tricky = st.sampled_from(["\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\ufffe", "\uffff",
                          "\U0010FFFF", "\ufdd0", "\u0301", "\u0130", "\u00df", "\ufb01",
                          "\U0001F46E\u200d\u2640\ufe0f", "\r\n", "\r", "\t", "<", "&", "]]>",
                          "\u202e", "\U00020000"])
any_char = st.characters(exclude_categories=("Cs",))
entered_text = st.lists(st.one_of(any_char, tricky), min_size=1, max_size=40).map("".join)

_serial = itertools.count(1)
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture
def render_app(database_url, tmp_path):
    app = make_app(database_url, PUBLIC_CACHE_SECONDS=0, MEDIA_ROOT=str(tmp_path / "media"),
                   RELEASE_ROOT=str(tmp_path / "releases"))
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["beatdesk.engine"].dispose()


@pytest.fixture
def session(render_app):
    session = render_app.extensions["beatdesk.sessionmaker"]()
    ensure_exemptions(session)
    terms.current_terms(session)
    session.commit()
    yield session
    session.close()


def _stored(text: str) -> str | None:
    """What the write paths store for ``text``, or None when they refuse it."""
    return None if find_forbidden(text) else normalise(text)


def _named(*texts) -> str:
    """The code point a refusal must name: NUL is refused for the whole request first."""
    if any("\x00" in t for t in texts):
        return "U+0000"
    found = next(f for f in map(find_forbidden, texts) if f)
    return f"U+{ord(found.char):04X}"


def _xml_ok(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, recover=False))


def _feed_texts(client, slug: str) -> list[str]:
    """Every text node of both feeds, each parsed by a strict XML parser and by feedparser."""
    texts = []
    for kind in ("atom", "rss"):
        response = client.get(f"/districts/{slug}/feed.{kind}")
        assert response.status_code == 200, kind
        root = _xml_ok(response.data)
        texts.extend(t for t in root.itertext())
        parsed = feedparser.parse(response.data)
        assert not parsed.bozo, (kind, parsed.get("bozo_exception"))
        assert parsed.entries, kind
    return texts


def _one_line(text: str) -> str:
    return " ".join(text.split())


@SETTINGS
@given(body=entered_text, name=entered_text, statement=entered_text)
def test_posts_and_districts_render_in_html_and_both_feeds(render_app, session, factory_for,
                                                           body, name, statement):
    stored = [_stored(t) for t in (body, name, statement)]
    if None in stored:
        return  # refused on the way in: see the form tests below
    body, name, statement = stored
    if not body.strip() or not name.strip() or not statement.strip():
        return
    factory = factory_for(session)
    district = factory.district(name=f"{name[:100]} {next(_serial)}", intro_statement=statement,
                                moderation_mode=ModerationMode.POST)
    post = factory.post(district, state=PostState.PUBLISHED, body=body)
    client = render_app.test_client()
    page = client.get(f"/posts/{post.id}")
    assert page.status_code == 200
    assert client.get(f"/districts/{district.slug}").status_code == 200
    texts = "".join(_feed_texts(client, district.slug))
    assert _one_line(body) in _one_line(texts) or body.strip() in texts


@pytest.fixture
def factory_for():
    from .conftest import Factory
    return Factory


@SETTINGS
@given(name=entered_text, body=entered_text)
def test_comment_form_accepts_only_storable_text_and_it_renders(render_app, session,
                                                                factory_for, name, body):
    factory = factory_for(session)
    district = factory.district(moderation_mode=ModerationMode.POST)
    post = factory.post(district, state=PostState.PUBLISHED, body="Road closed on Elm Street.")
    version = terms.current_terms(session).number
    session.commit()
    client = render_app.test_client()
    before = session.scalar(select(func.count(Comment.id)))
    session.rollback()  # no open read: the request writes, then this session does again
    response = client.post(f"/posts/{post.id}/comments", data={
        "name": name, "email": "", "body": body, "accept_terms": "y",
        "terms_version": str(version), "website": ""})
    assert response.status_code < 500
    refused = find_forbidden(name) or find_forbidden(body)
    session.rollback()
    after = session.scalar(select(func.count(Comment.id)))
    if refused:
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        # The page names the character by its code point (the form's own message, or the
        # request guard's for NUL).
        assert _named(name, body) in page
        assert after == before
        return
    if response.status_code == 303:
        assert after == before + 1
        stored = session.scalars(select(Comment).order_by(Comment.id.desc())).first()
        assert stored.body in (normalise(body).strip(), normalise(body))
    session.rollback()
    assert client.get(f"/posts/{post.id}").status_code == 200
    assert client.get(f"/districts/{district.slug}/feed.atom").status_code == 200


@SETTINGS
@given(outlet=entered_text, question=entered_text)
def test_inquiry_form_refuses_unstorable_text_with_its_code_point(render_app, session,
                                                                  factory_for, outlet, question):
    factory = factory_for(session)
    user = factory.user(Role.NEWS_AFFAIRS)
    client = render_app.test_client()
    sign_in(client, user)
    before = session.scalar(select(func.count(MediaInquiry.id)))
    session.rollback()
    response = client.post("/console/inquiries/new", data={
        "outlet": outlet, "reporter": "A. Reporter", "contact": "desk@news.example",
        "question": question})
    assert response.status_code < 500
    refused = find_forbidden(outlet) or find_forbidden(question)
    session.rollback()
    if refused:
        assert response.status_code == 400
        assert _named(outlet, question) in response.get_data(as_text=True)
        assert session.scalar(select(func.count(MediaInquiry.id))) == before
    elif response.status_code in (302, 303):
        inquiry = session.scalars(select(MediaInquiry).order_by(MediaInquiry.id.desc())).first()
        assert inquiry.question in (normalise(question), normalise(question).strip())
        session.rollback()
        assert client.get(f"/console/inquiries/{inquiry.id}").status_code == 200
    session.rollback()


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=entered_text, requester=entered_text, description=entered_text)
def test_release_package_json_csv_and_pdf_carry_any_accepted_text(render_app, session,
                                                                  factory_for, body, requester,
                                                                  description):
    body, requester, description = (_stored(t) for t in (body, requester, description))
    if None in (body, requester, description) or not requester.strip() \
            or not description.strip():
        return
    factory = factory_for(session)
    district = factory.district()
    rep = factory.user(Role.REPRESENTATIVE, district)
    officer = Actor(factory.user(Role.RECORDS))
    record = archive.append(session, record_type="comment.created", object_id=1,
                            district_id=district.id, actor=Actor(rep),
                            content={"body": body, "state": "visible"})
    req = records.create_request(session, officer, RequestData(
        requester, "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC),
        description), ILLINOIS)
    records.change_state(session, officer, req, RequestState.REVIEWING)
    records.attach_records(session, officer, req, [record])
    session.commit()
    root = render_app.config["RELEASE_ROOT"]
    built = release.build_release(session, officer, req, root=root, released_to=requester,
                                  media_root=render_app.config["MEDIA_ROOT"])
    session.commit()
    with zipfile.ZipFile(release.package_path(root, built)) as package:
        names = package.namelist()
        data = json.loads(package.read("records.json"))
        assert json.dumps(body, ensure_ascii=False)[1:-1] in json.dumps(data, ensure_ascii=False)
        rows = list(csv.reader(io.StringIO(package.read("records.csv").decode("utf-8-sig"))))
        assert any(body in cell for row in rows for cell in row) or not body.strip()
        for name in names:
            if name.endswith(".pdf"):
                reader = PdfReader(io.BytesIO(package.read(name)))
                assert reader.pages, name
                "".join(page.extract_text() or "" for page in reader.pages)
        assert "index.html" in names


def test_rows_stored_before_normalisation_do_not_break_the_feeds(render_app, session,
                                                                  factory_for):
    """A post, district name and statement holding characters XML forbids (stored before the
    write paths refused them) leave both feeds readable."""
    factory = factory_for(session)
    district = factory.district(name="District \x0b Seven", intro_statement="News\x1f \ufffe",
                                moderation_mode=ModerationMode.POST)
    factory.post(district, state=PostState.PUBLISHED, body="Road\x0b closed \x1b\uffff today.")
    client = render_app.test_client()
    texts = "".join(_feed_texts(client, district.slug))
    assert scrub("Road\x0b closed \x1b\uffff today.") in texts

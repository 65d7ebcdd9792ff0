"""Every paginated page of the app, past its first page.

Each case seeds rows carrying a marker (``MARK-007``) shown on the page, then walks the pager's
own "next" links from page 1 to the end: every page answers 200, no row shows on two pages, and
the pages together show every row. A page number past the end, a nonsense one and one beyond any
database integer never answer 500. The records pages (a request's records, 50 a page; its archive
search, 25 a page) and the re-rendered state and extension forms answered 500 before the pager
kept the path's own arguments.
"""
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from beatdesk import archive, records
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.models import (AuditEvent, Comment, CommentState, MediaInquiry, PostState,
                             RequestState, SnapshotItem)
from beatdesk.records import RequestData
from beatdesk.roles import Role

from .conftest import make_app, sign_in
from .routes.requests import ensure_exemptions

PAGE_SIZE = 4
MARK = re.compile(r"MARK-(\d{3})")
NEXT_LINK = re.compile(r'<a href="([^"]+)" rel="next"')


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, PAGE_SIZE=PAGE_SIZE,
                   MEDIA_ROOT=str(tmp_path / "instance" / "media"))
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["beatdesk.engine"].dispose()


@pytest.fixture(autouse=True)
def exemptions(db_session):
    ensure_exemptions(db_session)


def _mark(n: int) -> str:
    return f"MARK-{n:03d}"


def _request(session, officer, state=RequestState.SEARCHING):
    actor = Actor(officer)
    req = records.create_request(session, actor, RequestData(
        "Pat Requester", "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC),
        "All records about the parade."), ILLINOIS)
    records.change_state(session, actor, req, state)
    session.commit()
    return req


def _snapshot(session, req, officer, count):
    now = datetime.now(UTC)
    session.execute(insert(SnapshotItem), [
        {"request_id": req.id, "archive_record_id": 1000 + n, "record_type": "comment",
         "object_id": _mark(n), "district_id": None, "recorded_at": now, "actor_label": "",
         "state": "", "archive_hash": "a" * 64, "content_hash": "b" * 64,
         "content": '{"body":"x"}', "attached_by_id": officer.id, "attached_at": now}
        for n in range(1, count + 1)])
    session.commit()


# Each seeder gets (app, session, factory, monkeypatch), returns (user or None, url, rows) and
# puts ``rows`` markers on the page, shown one per row.

def seed_request_records(app, session, factory, monkeypatch):
    officer = factory.user(Role.RECORDS)
    req = _request(session, officer)
    _snapshot(session, req, officer, 2 * 50 + 3)
    return officer, f"/console/records/{req.id}", 2 * 50 + 3


def seed_request_search(app, session, factory, monkeypatch):
    officer = factory.user(Role.RECORDS)
    req = _request(session, officer)
    for n in range(1, 2 * 25 + 4):
        archive.append(session, record_type="comment", object_id=_mark(n), district_id=None,
                       actor=None, content={"body": f"About the parade {n}"})
    session.commit()
    return officer, f"/console/records/{req.id}/search?text=parade", 2 * 25 + 3


def seed_archive_search(app, session, factory, monkeypatch):
    officer = factory.user(Role.RECORDS)
    for n in range(1, 2 * PAGE_SIZE + 2):
        archive.append(session, record_type="comment", object_id=n, district_id=None,
                       actor=None, content={"body": f"Parade {_mark(n)}"})
    session.commit()
    return officer, "/console/archive/?text=parade", 2 * PAGE_SIZE + 1


def seed_audit_log(app, session, factory, monkeypatch):
    admin = factory.user(Role.ADMIN)
    session.execute(insert(AuditEvent), [
        {"actor_login": "seed", "event": "test.row", "object_type": "rows",
         "object_id": _mark(n), "outcome": "success", "client_addr": "", "details": {},
         "occurred_at": datetime.now(UTC) + timedelta(seconds=n)}
        for n in range(1, 2 * PAGE_SIZE + 2)])
    session.commit()
    return admin, "/console/admin/audit?event=test.row", 2 * PAGE_SIZE + 1


def seed_posts(app, session, factory, monkeypatch):
    district = factory.district()
    rep = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(rep)
    for n in range(1, 2 * PAGE_SIZE + 2):
        factory.post(district, author=rep, state=PostState.DRAFT, body=f"Draft {_mark(n)}")
    return rep, "/console/posts/", 2 * PAGE_SIZE + 1


def seed_inquiries(app, session, factory, monkeypatch):
    news = factory.user(Role.NEWS_AFFAIRS)
    for n in range(1, 2 * PAGE_SIZE + 2):
        session.add(MediaInquiry(outlet="Daily", reporter="Reporter", contact="r@example.org",
                                 question=f"Question {_mark(n)}", logged_by_id=news.id,
                                 logged_at=datetime.now(UTC) + timedelta(seconds=n)))
    session.commit()
    return news, "/console/inquiries/", 2 * PAGE_SIZE + 1


def _comments(session, factory, count):
    district = factory.district()
    post = factory.post(district)
    for n in range(1, count + 1):
        session.add(Comment(post_id=post.id, district_id=district.id, author_name="Visitor",
                            author_email="v@example.org", body=f"Comment {_mark(n)}",
                            terms_version=1, state=CommentState.HELD,
                            created_at=datetime.now(UTC) + timedelta(seconds=n)))
    session.commit()
    return district


def seed_moderation_queue(app, session, factory, monkeypatch):
    from blueprints.moderation import views

    monkeypatch.setattr(views, "PER_PAGE", PAGE_SIZE)
    district = _comments(session, factory, 2 * PAGE_SIZE + 1)
    sergeant = factory.user(Role.SERGEANT, district)
    return sergeant, "/console/moderation/", 2 * PAGE_SIZE + 1


def seed_district_page(app, session, factory, monkeypatch):
    district = factory.district()
    for n in range(1, 2 * PAGE_SIZE + 2):
        factory.post(district, body=f"Published {_mark(n)}",
                     published_at=datetime.now(UTC) - timedelta(minutes=n))
    return None, f"/districts/{district.slug}", 2 * PAGE_SIZE + 1


def seed_disposition_run(app, session, factory, monkeypatch):
    from beatdesk import clock, retention

    admin, officer = factory.user(Role.ADMIN), factory.user(Role.RECORDS)
    past = datetime.now(UTC) - timedelta(days=30)
    monkeypatch.setattr(clock, "_source", lambda: past)
    retention.create_schedule(session, Actor(admin), record_type="comment", period_amount=1,
                              period_unit="days", authority="Local Records Act schedule 1")
    for n in range(1, 2 * PAGE_SIZE + 2):
        archive.append(session, record_type=f"comment.{_mark(n)}", object_id=n,
                       district_id=None, actor=None, content={"body": "old"})
    session.commit()
    monkeypatch.setattr(clock, "_source", None)
    run = retention.propose_run(session, Actor(officer))
    session.commit()
    # A run lists 100 records a page; the same pager at four makes the test small.
    shown_by_page = retention.run_items
    monkeypatch.setattr(retention, "run_items", lambda s, r, page=1, per_page=100:
                        shown_by_page(s, r, page, PAGE_SIZE))
    return officer, f"/console/archive/dispositions/{run.id}", 2 * PAGE_SIZE + 1


CASES = {
    "disposition run": seed_disposition_run,
    "request records": seed_request_records,
    "request archive search": seed_request_search,
    "archive search": seed_archive_search,
    "audit log": seed_audit_log,
    "posts": seed_posts,
    "media inquiries": seed_inquiries,
    "moderation queue": seed_moderation_queue,
    "public district page": seed_district_page,
}


def _marks(html: str) -> set[str]:
    return set(MARK.findall(html))


def _with_page(url: str, page) -> str:
    return f"{url}{'&' if '?' in url else '?'}page={page}"


@pytest.mark.parametrize("case", list(CASES))
def test_every_page_is_reachable_through_the_pager(case, app, client, db_session, factory,
                                                   monkeypatch):
    user, url, rows = CASES[case](app, db_session, factory, monkeypatch)
    if user is not None:
        sign_in(client, user)
    seen: list[set[str]] = []
    next_url = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, (next_url, response.status_code)
        html = response.get_data(as_text=True)
        shown = _marks(html)
        assert shown, f"{next_url} shows no rows"
        for earlier in seen:
            assert not shown & earlier, f"{next_url} repeats rows of an earlier page"
        seen.append(shown)
        found = NEXT_LINK.search(html)
        next_url = found.group(1).replace("&amp;", "&") if found else None
        assert len(seen) <= rows, "the pager never ends"
    assert len(seen) >= 3, f"expected at least three pages, walked {len(seen)}"
    assert set().union(*seen) == {f"{n:03d}" for n in range(1, rows + 1)}

    # The last page by number, past the end, nonsense and beyond any integer: never a 500.
    for page in (len(seen), len(seen) + 5, "abc", "-3", "0", str(10 ** 30)):
        response = client.get(_with_page(url, page))
        assert response.status_code in (200, 400, 404), (page, response.status_code)
    assert _marks(client.get(_with_page(url, len(seen))).get_data(as_text=True)) == seen[-1]


def _refused_form_with_pager(client, db_session, factory, path, data):
    officer = factory.user(Role.RECORDS)
    req = _request(db_session, officer)
    _snapshot(db_session, req, officer, 51)
    sign_in(client, officer)
    response = client.post(f"/console/records/{req.id}/{path}", data=data)
    html = response.get_data(as_text=True)
    return req, response, html


def test_a_refused_state_change_shows_the_request_again_with_its_pager(client, db_session,
                                                                       factory):
    req, response, html = _refused_form_with_pager(client, db_session, factory, "state",
                                                   {"to_state": "denied", "note": ""})
    assert response.status_code == 400
    assert "There is a problem" in html
    assert f'href="/console/records/{req.id}?page=2" rel="next"' in html


def test_a_refused_extension_shows_the_request_again_with_its_pager(client, db_session,
                                                                    factory):
    req, response, html = _refused_form_with_pager(client, db_session, factory, "extend",
                                                   {"days": "99", "reason": ""})
    assert response.status_code == 400
    assert "There is a problem" in html
    assert f'href="/console/records/{req.id}?page=2" rel="next"' in html

"""The public site: notices on every page type, what is shown, query counts, conditional GET."""
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from beatdesk import clock, terms
from beatdesk.models import Department, MediaAsset, PostState, RevisionImage
from beatdesk.roles import Role

from blueprints.public import cache

from .conftest import sign_in

NOTICES = {
    "maintained-by": "This site is maintained by Deerfield Police Department",
    "opinions": "do not reflect those of the department",
    "monitored": "Comments are monitored",
    "disclosure": "subject to public disclosure",
    "terms": "Terms of Service and Takedown Policy",
}


@pytest.fixture(autouse=True)
def shipped_terms(db_session):
    """Version 1 as migration 0004 installs it (PostgreSQL test runs empty every table first)."""
    terms.current_terms(db_session)
    db_session.commit()


@pytest.fixture
def department(db_session):
    department = Department(name="Deerfield Police Department",
                            official_website="https://www.deerfield-pd.example/",
                            contact_phone="(847) 555-0100", contact_email="info@deerfield-pd.example",
                            contact_address="850 Waukegan Road, Deerfield, IL")
    db_session.add(department)
    db_session.commit()
    return department


def assert_notices(html: str) -> None:
    """All five notices of DESIGN.md section 2, with the department's contact and website."""
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    for key, phrase in NOTICES.items():
        assert f'data-notice="{key}"' in html, key
        assert phrase in text, phrase
    assert "(847) 555-0100" in text and "info@deerfield-pd.example" in text
    assert 'href="https://www.deerfield-pd.example/"' in html
    assert 'href="/terms"' in html


def _image(factory, post, alt="A crossing guard at Maple School", credit="Photo: Deerfield PD"):
    session = factory.session
    asset = MediaAsset(district_id=post.district_id, storage_key=f"k{post.id}", mime="image/jpeg",
                       width=800, height=600, size_bytes=1000, sha256=f"{post.id:064d}",
                       uploaded_by_id=post.author_id)
    session.add(asset)
    session.flush()
    session.add(RevisionImage(revision_id=post.current_revision_id, asset_id=asset.id, position=1,
                              alt_text=alt, credit=credit, attested=True,
                              attested_by_id=post.author_id))
    session.commit()


# --- acceptance 1: every public page type shows all five notices ------------------------------

def test_every_public_page_type_shows_the_five_notices(client, factory, department):
    district = factory.district(slug="north", name="North")
    post = factory.post(district, body="Beat meeting on Tuesday.")
    pages = {
        "landing": "/",
        "district": "/districts/north",
        "district, later page": "/districts/north?page=1",
        "post": f"/posts/{post.id}",
        "terms": "/terms",
        "terms version": "/terms/1",
    }
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, name
        assert_notices(response.get_data(as_text=True))
    for path in ("/no/such/page", "/districts/nowhere", f"/posts/{post.id + 1000}", "/terms/99"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert_notices(response.get_data(as_text=True))


def test_notices_still_show_before_the_department_is_set_up(client):
    html = client.get("/").get_data(as_text=True)
    for key in NOTICES:
        assert f'data-notice="{key}"' in html
    assert "maintained by the police department" in html
    assert "call 911" in html


# --- landing and district pages ---------------------------------------------------------------

def test_landing_lists_approved_districts_and_contact(client, factory, department):
    factory.district(number=11, slug="north", name="North", intro_statement="Northside news.")
    factory.district(number=12, slug="south", name="South", approved=False)
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/districts/north">District 011 (North)</a>' in html
    assert "Northside news." in html
    assert "South" not in html
    assert "850 Waukegan Road" in html
    assert 'href="/feeds/department.atom"' in html


def test_district_page_shows_purpose_contact_handles_and_visible_posts(client, factory,
                                                                       department, frozen_clock):
    district = factory.district(slug="north", name="North", handle_x="@DeerfieldNorth",
                                handle_mastodon="@north@police.example",
                                intro_statement="News and events for the north side.",
                                contact_phone="(847) 555-0111")
    other = factory.district(slug="south", name="South")
    now = clock.utcnow()
    older = factory.post(district, body="Older post text.", published_at=now - timedelta(days=2))
    newer = factory.post(district, body="Newer post text.", published_at=now - timedelta(days=1))
    _image(factory, newer)
    factory.post(district, state=PostState.DRAFT, body="Draft text.")
    factory.post(district, state=PostState.DISCONTINUED, body="Discontinued text.")
    factory.post(district, state=PostState.AWAITING_NEWS_AFFAIRS, notable=True,
                 body="Notable text awaiting approval.")
    factory.post(other, body="Other district text.")

    html = client.get("/districts/north").get_data(as_text=True)
    assert "<h1>District" in html and "News and events for the north side." in html
    assert "(847) 555-0111" in html and "@DeerfieldNorth" in html and "@north@police.example" in html
    assert html.index("Newer post text.") < html.index("Older post text.")
    assert f'href="/posts/{older.id}"' in html
    for hidden in ("Draft text.", "Discontinued text.", "Notable text", "Other district text."):
        assert hidden not in html
    assert "A crossing guard at Maple School" in html and "Credit: Photo: Deerfield PD" in html
    assert 'href="/districts/north/feed.atom"' in html


def test_district_pages_are_paginated_newest_first(app, client, factory, department):
    app.config["PAGE_SIZE"] = 2
    district = factory.district(slug="north", name="North")
    now = clock.utcnow()
    for n in range(5):
        factory.post(district, body=f"Post number {n}.", published_at=now - timedelta(hours=5 - n))
    first = client.get("/districts/north").get_data(as_text=True)
    assert "Post number 4." in first and "Post number 3." in first and "Post number 2." not in first
    assert 'href="/districts/north?page=2"' in first and "Newer posts" not in first
    second = client.get("/districts/north?page=2").get_data(as_text=True)
    assert "Post number 2." in second and "Post number 1." in second
    assert "Newer posts" in second and 'href="/districts/north?page=3"' in second
    third = client.get("/districts/north?page=3").get_data(as_text=True)
    assert "Post number 0." in third and "Older posts" not in third
    assert client.get("/districts/north?page=4").status_code == 404
    assert client.get("/districts/north?page=-3").status_code == 400  # a page is 1 or more
    assert client.get("/districts/north?page=x").status_code == 400


def test_unapproved_district_and_its_posts_are_not_found(client, factory, department):
    district = factory.district(slug="new", approved=False)
    post = factory.post(district)
    assert client.get("/districts/new").status_code == 404
    assert client.get(f"/posts/{post.id}").status_code == 404
    assert client.get("/districts/new/feed.atom").status_code == 404


# --- post pages -------------------------------------------------------------------------------

def test_post_page_shows_text_category_date_district_and_images(client, factory, department,
                                                                frozen_clock):
    district = factory.district(slug="north", name="North")
    post = factory.post(district, body="Road closed on Elm Street.\n\nUse Oak Street instead.")
    _image(factory, post)
    html = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "<h1 id=\"post-title\">Road closed on Elm Street.</h1>" in html
    assert "<p>Road closed on Elm Street.</p>" in html and "<p>Use Oak Street instead.</p>" in html
    assert "Nov 20, 2026" in html
    assert 'href="/districts/north"' in html
    assert "A crossing guard at Maple School" in html and "Credit: Photo: Deerfield PD" in html


@pytest.mark.parametrize("state", [PostState.DRAFT, PostState.CHECKED, PostState.SCHEDULED,
                                   PostState.DISCONTINUED, PostState.REJECTED, PostState.HELD])
def test_posts_that_are_not_public_are_not_found(client, factory, department, state):
    post = factory.post(state=state)
    assert client.get(f"/posts/{post.id}").status_code == 404


def test_notable_post_shows_only_with_approval(client, factory, department):
    waiting = factory.post(state=PostState.AWAITING_NEWS_AFFAIRS, notable=True)
    approved = factory.post(state=PostState.PUBLISHED, notable=True)
    assert client.get(f"/posts/{waiting.id}").status_code == 404
    assert client.get(f"/posts/{approved.id}").status_code == 200


def test_post_text_is_escaped(client, factory, department):
    post = factory.post(body='<script>alert("x")</script> <a href="https://evil.example">x</a>')
    html = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "<script>alert" not in html and 'href="https://evil.example"' not in html
    assert "&lt;script&gt;" in html


# --- terms pages ------------------------------------------------------------------------------

def test_terms_pages_show_version_line_and_link_between_versions(client, login_as, department):
    assert "Version 1, published" in client.get("/terms").get_data(as_text=True)
    login_as(Role.ADMIN)
    client.post("/console/admin/terms/new", data={
        "title": "Terms, second edition", "summary_of_changes": "Clause 2 is clearer.",
        "source_markdown": "Rules.\n\n## Takedown Policy\n\n1. **Obscenity.** a\n2. **Threats.** b\n"})
    client.post("/console/admin/terms/2/publish")
    client.post("/logout")

    current = client.get("/terms").get_data(as_text=True)
    assert "Version 2, published" in current and "(current version)" in current
    assert "Clause 2 is clearer." not in current  # the staff's change note stays internal
    assert 'href="/terms/1"' in current
    old = client.get("/terms/1").get_data(as_text=True)
    assert "Version 1, published" in old and "This is an earlier version" in old
    assert 'href="/terms"' in old and 'href="/terms/2"' in old
    assert "Personal attacks" in old  # the old text stays readable as it was


# --- acceptance 7 (public part): a fixed number of queries whatever the data size --------------

@contextmanager
def count_queries(app):
    statements = []
    engine = app.extensions["beatdesk.engine"]

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _queries_for(app, client, path) -> int:
    client.get(path)  # warm up caches outside the count
    with count_queries(app) as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_district_and_post_pages_run_a_fixed_number_of_queries(app, client, factory, department):
    app.config["PUBLIC_CACHE_SECONDS"] = 0  # count what rendering costs, not the page cache
    small = factory.district(slug="small")
    large = factory.district(slug="large")
    first_small = factory.post(small)
    _image(factory, first_small)
    posts = [factory.post(large) for _ in range(30)]
    for post in posts:
        _image(factory, post)
    paths = [("/districts/small", "/districts/large"),
             (f"/posts/{first_small.id}", f"/posts/{posts[-1].id}"),
             ("/", "/"),
             ("/districts/small/feed.atom", "/districts/large/feed.atom")]
    for small_path, large_path in paths:
        assert _queries_for(app, client, small_path) == _queries_for(app, client, large_path), \
            (small_path, large_path)
    assert _queries_for(app, client, "/districts/large") <= 6


# --- conditional GET and caching --------------------------------------------------------------

def test_pages_and_feeds_answer_304_to_a_matching_etag(client, factory, department):
    district = factory.district(slug="north")
    post = factory.post(district)
    for path in ("/", "/districts/north", f"/posts/{post.id}", "/terms", "/terms/1",
                 "/feeds/department.atom", "/districts/north/feed.rss"):
        first = client.get(path)
        assert first.status_code == 200
        etag = first.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.data == b""
        changed = client.get(path, headers={"If-None-Match": '"something-else"'})
        assert changed.status_code == 200


def test_a_new_post_changes_the_etag(client, factory, department):
    district = factory.district(slug="north")
    factory.post(district)
    etag = client.get("/districts/north").headers["ETag"]
    factory.post(district, body="Fresh news.")
    response = client.get("/districts/north", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "Fresh news." in response.get_data(as_text=True)


def test_anonymous_pages_are_publicly_cacheable_signed_in_ones_are_private(client, factory,
                                                                           department):
    response = client.get("/")
    assert response.headers["Cache-Control"] == "public, max-age=0, s-maxage=60"
    assert "Cookie" in response.headers["Vary"]
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"
    sign_in(client, factory.user(Role.ADMIN))
    assert client.get("/").headers["Cache-Control"] == "private, no-cache"


# --- the short-lived page cache ---------------------------------------------------------------

def test_anonymous_pages_are_reused_until_a_change_is_committed(app, client, factory, department):
    district = factory.district(slug="north")
    factory.post(district, body="First news.")
    first = client.get("/districts/north")
    with count_queries(app) as statements:
        again = client.get("/districts/north")
    # at most a read of the archive head (the generation shared by every instance)
    reads = [s for s in statements if s.upper().startswith("SELECT")]
    assert all("archive_head" in s for s in reads) and len(reads) <= 1
    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    factory.post(district, body="Second news.")  # any committed write empties the cache
    assert "Second news." in client.get("/districts/north").get_data(as_text=True)


def test_cached_pages_expire(app, client, factory, department, monkeypatch):
    factory.district(slug="north")
    client.get("/districts/north")
    later = cache.time.monotonic() + app.config["PUBLIC_CACHE_SECONDS"] + 1
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    with count_queries(app) as statements:
        assert client.get("/districts/north").status_code == 200
    assert statements


def test_signed_in_visitors_never_get_the_anonymous_copy(client, factory, department):
    factory.district(slug="north")
    assert "Sign out" not in client.get("/districts/north").get_data(as_text=True)
    sign_in(client, factory.user(Role.ADMIN))
    signed_in = client.get("/districts/north")
    assert "Sign out" in signed_in.get_data(as_text=True)
    assert signed_in.headers["Cache-Control"] == "private, no-cache"


def test_the_cache_can_be_turned_off(app, client, factory, department):
    app.config["PUBLIC_CACHE_SECONDS"] = 0
    factory.district(slug="north")
    client.get("/districts/north")
    with count_queries(app) as statements:
        client.get("/districts/north")
    assert statements

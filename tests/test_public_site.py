"""The public site as a visitor reads it (issue 12): readable headings and local dates, safe
links in posts and handles, the landing page's latest posts, the department's name as the
site's title, advertised and explained feeds."""
import re

import pytest

from beatdesk import site, terms
from beatdesk.models import Department, PostState

from .conftest import make_app  # noqa: F401


@pytest.fixture(autouse=True)
def shipped_terms(db_session):
    terms.current_terms(db_session)
    db_session.commit()


@pytest.fixture
def department(db_session):
    department = Department(name="Deerfield Police Department",
                            official_website="https://www.deerfield-pd.example/")
    db_session.add(department)
    db_session.commit()
    return department


def test_posts_have_a_readable_heading_and_a_local_date(client, factory, department,
                                                        frozen_clock):
    district = factory.district(slug="north", name="North")
    post = factory.post(district, body="Road closed on Elm Street.\n\nUse Oak Street.")
    local = site_time(post.published_at)
    for path in ("/districts/north", f"/posts/{post.id}", "/"):
        html = client.get(path).get_data(as_text=True)
        assert "Road closed on Elm Street.</a></h3>" in html or \
            '<h1 id="post-title">Road closed on Elm Street.</h1>' in html, path
        assert local in html, path
        assert re.search(r'<time datetime="[^"]+[+-]\d\d:\d\d">', html), path
        assert " UTC<" not in html, path


def site_time(value):
    from beatdesk import clock
    return clock.local_text(value, "America/Chicago")


def test_links_in_posts_are_clickable_and_safe(client, factory, department):
    post = factory.post(body="Detour map: https://www.deerfield.gov/detour?a=1&b=2 "
                             "javascript:alert(1) <a href=\"https://evil.example\">x</a>")
    html = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert ('<a href="https://www.deerfield.gov/detour?a=1&amp;b=2" rel="nofollow ugc noopener">'
            in html)
    assert 'href="javascript' not in html and 'href="https://evil.example"' not in html


@pytest.mark.parametrize("body", ["see ftp://files.deerfield.gov/x", "data:text/html,hi",
                                  "vbscript:msgbox", "<script>alert(1)</script> www.x.com"])
def test_only_web_addresses_become_links(body):
    html = str(site.post_body_html(body))
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith(("http://", "https://"))
    assert "<script>" not in html


def test_district_handles_link_to_their_profiles(client, factory, department):
    factory.district(slug="north", handle_x="@DeerfieldNorth",
                     handle_mastodon="@north@police.social", handle_bluesky="javascript:alert(1)")
    html = client.get("/districts/north").get_data(as_text=True)
    assert '<a href="https://x.com/DeerfieldNorth" rel="nofollow ugc noopener">' in html
    assert '<a href="https://police.social/@north" rel="nofollow ugc noopener">' in html
    assert 'href="javascript' not in html and "javascript:alert(1)" in html  # shown as text


def test_the_landing_page_shows_recent_posts_from_every_district(client, factory, department):
    north, south = factory.district(slug="north", name="North"), factory.district(
        slug="south", name="South")
    factory.post(north, body="North news.")
    factory.post(south, body="South news.")
    factory.post(south, body="Not yet.", state=PostState.DRAFT)
    html = client.get("/").get_data(as_text=True)
    assert "North news." in html and "South news." in html and "Not yet." not in html
    assert 'href="/districts/north"' in html and 'href="/districts/south"' in html


def test_the_site_is_titled_with_the_departments_name(client, factory, department):
    factory.district(slug="north")
    for path in ("/", "/districts/north", "/terms"):
        html = client.get(path).get_data(as_text=True)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert title.endswith("· Deerfield Police Department"), (path, title)
        assert "Beatdesk" not in title
        assert '<p class="brand"><a href="/">Deerfield Police Department</a></p>' in html


def test_pages_advertise_their_feeds_and_say_what_a_feed_is(client, factory, department):
    district = factory.district(slug="north")
    post = factory.post(district)
    for path in ("/", "/districts/north", f"/posts/{post.id}", "/terms"):
        html = client.get(path).get_data(as_text=True)
        assert ('<link rel="alternate" type="application/atom+xml"' in html
                and 'href="/feeds/department.atom"' in html), path
    district_page = client.get("/districts/north").get_data(as_text=True)
    assert 'type="application/rss+xml" title="District' in district_page
    assert 'href="/districts/north/feed.rss"' in district_page
    for path in ("/", "/districts/north"):
        assert "A feed lets a feed reader app" in client.get(path).get_data(as_text=True)


def test_posts_come_before_the_contact_details_on_a_district_page(client, factory, department):
    district = factory.district(slug="north")
    factory.post(district, body="First thing a reader sees.")
    html = client.get("/districts/north").get_data(as_text=True)
    assert html.index("First thing a reader sees.") < html.index("Contact the district")


@pytest.mark.parametrize("body, heading", [
    ("Coffee with a Cop this Saturday at Jewett Park, 9 to 11 AM. Bring questions.",
     "Coffee with a Cop this Saturday at Jewett Park, 9 to 11 AM."),
    ("Meet at 9 a.m. at St. Mary's church on Central Avenue for the safety walk. Bring a torch.",
     "Meet at 9 a.m. at St. Mary's church on Central Avenue for the safety walk."),
    ("Short news", "Short news"),
    ("", "Traffic"),
    ("word " * 40, "word " * 15 + "word…"),
])
def test_headings_are_the_first_sentence_cut_at_a_word(body, heading):
    assert site.post_heading("Traffic", body) == heading.strip() if heading.strip() else heading


def test_the_blank_comment_form_is_rendered_once_per_post_and_hour(app, client, factory,
                                                                   department):
    from flask import template_rendered

    app.config["PUBLIC_CACHE_SECONDS"] = 0
    post = factory.post(factory.district(slug="north"))
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(record, app)
    try:
        pages = [client.get(f"/posts/{post.id}").get_data(as_text=True) for _ in range(3)]
    finally:
        template_rendered.disconnect(record, app)
    assert rendered.count("comments/_form.html") == 1
    assert pages[0] == pages[2] and 'name="csrf_token"' in pages[0]
    # a refused submission shows its own form again, with what was typed
    refused = client.post(f"/posts/{post.id}/comments", data={"name": "Robin", "body": ""})
    assert refused.status_code in (400, 422) and 'value="Robin"' in refused.get_data(as_text=True)


def test_a_post_in_a_district_list_is_rendered_once_per_revision(app, client, factory,
                                                                 department, db_session):
    from flask import template_rendered

    from beatdesk.models import PostRevision

    app.config["PUBLIC_CACHE_SECONDS"] = 0
    post = factory.post(factory.district(slug="north"), body="First words.")
    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(record, app)
    try:
        client.get("/districts/north")
        assert "First words." in client.get("/districts/north").get_data(as_text=True)
        assert len(app.extensions["beatdesk.post_summaries"]) == 1  # kept, and used again
        # a new revision of the post is a new entry (the old one is never shown again)
        revision = PostRevision(post_id=post.id, number=2, category=post.category,
                                body="Corrected words.", created_by_id=post.author_id)
        db_session.add(revision)
        db_session.flush()
        post.current_revision_id = revision.id
        db_session.commit()
        html = client.get("/districts/north").get_data(as_text=True)
    finally:
        template_rendered.disconnect(record, app)
    assert "Corrected words." in html and "First words." not in html
    assert rendered.count("public/district.html") == 3
    assert len(app.extensions["beatdesk.post_summaries"]) == 2

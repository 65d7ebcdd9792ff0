"""Acceptance 2: Atom and RSS feeds parse cleanly, hold exactly the published posts, and drop a
discontinued one."""
from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from beatdesk import clock, terms
from beatdesk.models import Department, PostState

FEEDS = ["atom", "rss"]


@pytest.fixture(autouse=True)
def shipped_terms(db_session):
    """Version 1 as migration 0004 installs it (PostgreSQL test runs empty every table first)."""
    terms.current_terms(db_session)
    db_session.commit()


@pytest.fixture
def department(db_session):
    department = Department(name="Deerfield Police Department",
                            official_website="https://www.deerfield-pd.example/",
                            contact_email="info@deerfield-pd.example")
    db_session.add(department)
    db_session.commit()
    return department


def fetch(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response, parsed


def links(parsed) -> list[str]:
    return [entry.link for entry in parsed.entries]


def post_url(post) -> str:
    return f"http://localhost/posts/{post.id}"


@pytest.fixture
def posts(factory, frozen_clock):
    """Two districts with posts in every state that must or must not reach a feed."""
    now = clock.utcnow()
    frozen_clock.now = now - timedelta(days=7)  # written a week before they were published
    north = factory.district(slug="north", name="North")
    south = factory.district(slug="south", name="South")
    published = {
        "north_old": factory.post(north, body="North, older.", published_at=now - timedelta(days=2)),
        "north_new": factory.post(north, body="North, newer.", published_at=now - timedelta(hours=1)),
        "north_notable": factory.post(north, notable=True, body="Notable and approved.",
                                      published_at=now - timedelta(days=1)),
        "south": factory.post(south, body="South news.", published_at=now - timedelta(hours=5)),
    }
    hidden = {
        "draft": factory.post(north, state=PostState.DRAFT),
        "scheduled": factory.post(north, state=PostState.SCHEDULED),
        "discontinued": factory.post(north, state=PostState.DISCONTINUED),
        "notable_unapproved": factory.post(north, state=PostState.AWAITING_NEWS_AFFAIRS,
                                           notable=True),
        "unapproved_district": factory.post(factory.district(slug="new", approved=False)),
    }
    frozen_clock.now = now
    return {"published": published, "hidden": hidden, "north": north}


@pytest.mark.parametrize("kind", FEEDS)
def test_department_feed_holds_exactly_the_published_posts_newest_first(client, department,
                                                                        posts, kind):
    response, parsed = fetch(client, f"/feeds/department.{kind}")
    assert response.mimetype == f"application/{kind}+xml"
    p = posts["published"]
    assert links(parsed) == [post_url(p[k]) for k in ("north_new", "south", "north_notable",
                                                      "north_old")]
    assert parsed.feed.title == "Deerfield Police Department: news from every district"


@pytest.mark.parametrize("kind", FEEDS)
def test_district_feed_holds_only_that_districts_published_posts(client, department, posts, kind):
    _, parsed = fetch(client, f"/districts/north/feed.{kind}")
    p = posts["published"]
    assert links(parsed) == [post_url(p[k]) for k in ("north_new", "north_notable", "north_old")]
    assert parsed.feed.title == "District {:03d} (North)".format(posts["north"].number)
    assert parsed.feed.link == "http://localhost/districts/north"


@pytest.mark.parametrize("kind", FEEDS)
def test_entries_carry_ids_dates_author_links_and_text(client, department, posts, kind):
    _, parsed = fetch(client, f"/districts/north/feed.{kind}")
    entry = parsed.entries[0]
    newest = posts["published"]["north_new"]
    assert entry.id == post_url(newest)
    assert entry.link == post_url(newest)
    assert entry.title.startswith("Community alert: North, newer.")
    assert "North, newer." in (entry.get("summary") or entry.content[0].value)
    expected = newest.published_at.astimezone(UTC).timetuple()[:6]
    assert tuple(entry.published_parsed)[:6] == expected
    if kind == "atom":
        assert entry.author_detail.name == "Deerfield Police Department"
        assert tuple(entry.updated_parsed)[:6] == expected
        assert tuple(parsed.feed.updated_parsed)[:6] == expected  # the newest entry's time
        assert any(link.rel == "self" for link in parsed.feed.links)
    else:
        assert "info@deerfield-pd.example" in entry.author  # RSS names authors by e-mail


@pytest.mark.parametrize("kind", FEEDS)
def test_a_discontinued_post_leaves_the_feed(client, db_session, department, posts, kind):
    post = posts["published"]["north_new"]
    _, before = fetch(client, f"/feeds/department.{kind}")
    assert post_url(post) in links(before)
    post.state = PostState.DISCONTINUED
    post.discontinued_at = clock.utcnow()
    post.discontinued_by_id = post.author_id
    post.discontinue_reason = "Superseded."
    db_session.commit()
    for path in (f"/feeds/department.{kind}", f"/districts/north/feed.{kind}"):
        _, after = fetch(client, path)
        assert post_url(post) not in links(after)
        assert len(after.entries) >= 1


@pytest.mark.parametrize("kind", FEEDS)
def test_hidden_posts_never_reach_a_feed(client, department, posts, kind):
    _, parsed = fetch(client, f"/feeds/department.{kind}")
    found = set(links(parsed))
    for name, post in posts["hidden"].items():
        assert post_url(post) not in found, name


def test_feed_size_is_limited_to_the_newest(app, client, department, factory):
    app.config["FEED_SIZE"] = 3
    district = factory.district(slug="north")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = [factory.post(district, published_at=start + timedelta(hours=n)) for n in range(5)]
    _, parsed = fetch(client, "/districts/north/feed.atom")
    assert links(parsed) == [post_url(p) for p in reversed(made[2:])]


def test_empty_feed_parses_and_unknown_district_is_not_found(client, department, factory):
    factory.district(slug="quiet")
    for kind in FEEDS:
        _, parsed = fetch(client, f"/districts/quiet/feed.{kind}")
        assert parsed.entries == []
    assert client.get("/districts/nowhere/feed.atom").status_code == 404
    assert client.get("/feeds/department.json").status_code == 404


def test_feeds_answer_304_and_carry_last_modified(client, department, posts):
    response = client.get("/feeds/department.atom")
    assert response.last_modified == posts["published"]["north_new"].published_at.replace(
        microsecond=0)
    again = client.get("/feeds/department.atom",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("kind", FEEDS)
def test_entries_carry_their_images_with_alt_text(client, department, factory, kind):
    from beatdesk.models import MediaAsset, RevisionImage

    post = factory.post(factory.district(slug="north"), body="Crossing guards are back.")
    session = factory.session
    for n, alt in enumerate(["A crossing guard at Maple School", "The new stop sign"]):
        asset = MediaAsset(district_id=post.district_id, storage_key=f"k{n}", mime="image/png",
                           width=800, height=600, size_bytes=1234 + n, sha256=f"{n:064d}",
                           uploaded_by_id=post.author_id)
        session.add(asset)
        session.flush()
        session.add(RevisionImage(revision_id=post.current_revision_id, asset_id=asset.id,
                                  position=n, alt_text=alt, credit="Photo: Deerfield PD"))
    session.commit()
    _, parsed = fetch(client, f"/districts/north/feed.{kind}")
    entry = parsed.entries[0]
    html = entry.content[0].value if kind == "atom" else entry.summary
    assert 'alt="A crossing guard at Maple School"' in html and 'alt="The new stop sign"' in html
    assert "Crossing guards are back." in html
    enclosures = entry.enclosures
    assert enclosures and all(e.href.startswith("http://localhost/media/") for e in enclosures)
    assert enclosures[0].type == "image/png" and enclosures[0].length == "1234"
    if kind == "atom":
        assert len(enclosures) == 2
        assert [link.get("title") for link in entry.links if link.rel == "enclosure"] == [
            "A crossing guard at Maple School", "The new stop sign"]

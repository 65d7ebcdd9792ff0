"""The archive as people read it: results name the post, the district, the author by name and
rank, mark the words that matched (escaped), show local time; types and states are chosen from
lists; a revision (and a later event) shows the post as it stood then."""
import re
from datetime import UTC, datetime

import pytest

from beatdesk import archive, posts
from beatdesk.context import SYSTEM, Actor
from beatdesk.models import Category
from beatdesk.roles import Role

from .conftest import sign_in


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def district(factory):
    return factory.district(number=7, name="Seventh District (Gresham)")


@pytest.fixture
def author(factory, district):
    user = factory.user(Role.REPRESENTATIVE, district, full_name="Dana Ruiz", rank="Sergeant",
                        login_id="druiz")
    factory.designate(user)
    return user


def write(db_session, author, district, body):
    post = posts.create_post(db_session, Actor(author), district, posts.PostData(
        category=Category.COMMUNITY_ALERT, body=body))
    db_session.commit()
    return post


def test_results_name_the_post_district_author_and_mark_the_words(
        client, factory, db_session, district, author, frozen_clock):
    frozen_clock.advance(days=1)
    post = write(db_session, author, district,
                 "Road closures on <b>Main</b> Street: the parade closes Main Street at noon.")
    sign_in(client, factory.user(Role.RECORDS))
    page = text_of(client.get("/console/archive/", query_string={"text": "closing parade"}))
    assert f"post #{post.id}" in page
    assert "Seventh District (Gresham)" in page
    assert "Sergeant Dana Ruiz" in page and "(druiz)" in page
    # the matched words are marked as the index matched them ("closing" found "closes"); the
    # text is escaped, never markup
    assert "<mark>closes</mark>" in page and "<mark>parade</mark>" in page
    assert "&lt;b&gt;Main&lt;/b&gt;" in page and "<b>Main</b>" not in page
    # local time, in the department's zone, with a machine-readable twin
    recorded = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', page)
    assert recorded and re.search(r"[+-]\d\d:\d\d$", recorded.group(1))
    assert re.search(r"(CST|CDT)$", recorded.group(2))


def test_marking_never_lets_markup_through(client, factory, db_session):
    archive.append(db_session, record_type="comment", object_id="1", district_id=None,
                   actor=SYSTEM, content={"body": 'Look <script>alert("x")</script> claim',
                                          "state": "visible", "post_id": 3})
    db_session.commit()
    sign_in(client, factory.user(Role.RECORDS))
    page = text_of(client.get("/console/archive/", query_string={"text": "claim"}))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; <mark>claim</mark>" in page


def test_type_and_state_are_chosen_from_lists(client, factory):
    sign_in(client, factory.user(Role.RECORDS))
    page = text_of(client.get("/console/archive/"))
    assert re.search(r'<select[^>]*id="record_type"', page)
    assert re.search(r'<select[^>]*id="state"', page)
    assert '<option value="post.revision">' in page and '<option value="discontinued">' in page
    # a choice not in the list (an older saved search) is still searchable, not an error
    response = client.get("/console/archive/", query_string={"record_type": "audit.user.login"})
    assert response.status_code == 200


def test_later_pages_show_older_records(client, factory, db_session, app):
    app.config["PAGE_SIZE"] = 2
    records = [archive.append(db_session, record_type="comment", object_id=str(i),
                              district_id=None, actor=SYSTEM,
                              content={"body": f"Remark number{i}", "state": "visible"})
               for i in range(5)]
    db_session.commit()
    sign_in(client, factory.user(Role.RECORDS))

    def shown(number):
        page = text_of(client.get("/console/archive/", query_string={"text": "remark",
                                                                      "page": number}))
        return [int(n) for n in re.findall(r'href="/console/archive/records/(\d+)"', page)], page

    first, _ = shown(1)
    second, page = shown(2)
    third, _ = shown(3)
    newest_first = [r.id for r in reversed(records)]
    assert first == newest_first[:2] and second == newest_first[2:4] and third == newest_first[4:]
    assert "Page 2 of 3 (5 in all)" in page
    assert 'rel="prev"' in page and "page=1" in page and "page=3" in page


def test_a_revision_shows_the_post_as_it_stood_then(client, factory, db_session, district, author):
    post = write(db_session, author, district, "First text: the meeting is on Tuesday.")
    posts.edit_post(db_session, Actor(author), post, posts.PostData(
        category=Category.BEAT_MEETING, body="Second text: the meeting moves to Thursday."))
    db_session.commit()
    first, second = [r for r in archive.record_history(db_session, archive.search(
        db_session, {"text": "meeting"}).items[0]) if r.record_type == "post.revision"]
    sign_in(client, factory.user(Role.RECORDS))
    page = text_of(client.get(f"/console/archive/records/{first.id}"))
    assert "The post as this revision left it" in page
    assert "First text: the meeting is on Tuesday." in page
    assert "Second text" not in page.split("Content as stored")[0]
    assert "Community alert" in page or "Community Alert" in page
    page = text_of(client.get(f"/console/archive/records/{second.id}"))
    assert "Second text: the meeting moves to Thursday." in page.split("Content as stored")[0]
    assert "First text" not in page.split("Content as stored")[0]


def test_a_post_event_shows_the_text_the_post_had_at_that_time(
        client, factory, db_session, district, author):
    post = write(db_session, author, district, "Version one of the notice.")
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    posts.edit_post(db_session, Actor(author), post, posts.PostData(
        category=Category.COMMUNITY_ALERT, body="Version two of the notice."))
    db_session.commit()
    events = [r for r in archive.search(db_session, {"record_type": "post.event"}).items
              if r.object_id == str(post.id)]
    assert events
    event = events[-1]  # the oldest: the submission, before the edit
    sign_in(client, factory.user(Role.RECORDS))
    page = text_of(client.get(f"/console/archive/records/{event.id}"))
    assert "The post at the time of this event" in page
    assert "Version one of the notice." in page.split("Content as stored")[0]
    assert "Version two" not in page.split("Content as stored")[0]


def test_dates_are_the_departments_days(client, factory, db_session, frozen_clock):
    """9 PM in Chicago on Nov 20 is already Nov 21 in UTC: a search for Nov 20 finds it, one
    for Nov 21 does not, and the date fields say which zone's days they take."""
    frozen_clock.now = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    record = archive.append(db_session, record_type="comment", object_id="1", district_id=None,
                            actor=SYSTEM, content={"body": "Late evening remark",
                                                   "state": "visible"})
    db_session.commit()
    sign_in(client, factory.user(Role.RECORDS))

    def found(day):
        page = text_of(client.get("/console/archive/", query_string={
            "text": "remark", "since": day, "until": day}))
        return f'href="/console/archive/records/{record.id}"' in page, page

    assert found("2026-11-20")[0]
    assert not found("2026-11-21")[0]
    page = found("2026-11-20")[1]
    assert "Recorded from (Central Time, CST/CDT)" in page
    assert "(UTC" not in page

"""Issue 11, fast uncached rendering: a post's comments come 50 a page, newest page first, with
accessible page links, in a fixed number of queries however many comments the post has."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from beatdesk import clock, terms
from beatdesk.comments import PUBLIC_COMMENTS_PER_PAGE
from beatdesk.models import Comment, CommentState, ModerationMode, PostState
from beatdesk.roles import Role

BIG = 2_600


@pytest.fixture
def uncached(app):
    app.config["PUBLIC_CACHE_SECONDS"] = 0
    return app


def _add_comments(session, post, count, start=0, **fields):
    now = clock.utcnow()
    session.execute(insert(Comment), [
        dict(post_id=post.id, district_id=post.district_id, author_name=f"Reader {n}",
             author_email="", body=f"Comment number {n}.", terms_version=1,
             client_addr="203.0.113.9", state=CommentState.VISIBLE,
             created_at=now - timedelta(minutes=count - n), **fields)
        for n in range(start, start + count)])
    session.commit()


def _statements(app, client, path):
    seen = []
    engine = app.extensions["beatdesk.engine"]

    def _record(conn, cursor, statement, *args):
        if statement.strip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", _record)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", _record)
    return response, seen


@pytest.fixture
def big_post(db_session, factory):
    terms.current_terms(db_session)
    db_session.commit()
    district = factory.district(moderation_mode=ModerationMode.POST, slug="north")
    post = factory.post(district, state=PostState.PUBLISHED)
    _add_comments(db_session, post, BIG)
    return post


def _shown(page: str) -> list[int]:
    return [int(n) for n in re.findall(r"Comment number (\d+)\.", page)]


def test_a_post_with_2600_comments_shows_the_newest_50_then_older_pages(uncached, client,
                                                                         big_post):
    response = client.get(f"/posts/{big_post.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _shown(page) == list(range(BIG - PUBLIC_COMMENTS_PER_PAGE, BIG))  # oldest first
    pages = -(-BIG // PUBLIC_COMMENTS_PER_PAGE)
    nav = re.search(r'<nav class="pager" aria-label="Pages of comments">(.*?)</nav>', page,
                    re.S).group(1)
    assert '<span aria-current="page">Page 1</span>' in nav
    assert f'href="/posts/{big_post.id}?page=2#comments" rel="next"' in nav
    assert "rel=\"prev\"" not in nav

    second = client.get(f"/posts/{big_post.id}?page=2").get_data(as_text=True)
    assert _shown(second) == list(range(BIG - 2 * PUBLIC_COMMENTS_PER_PAGE,
                                        BIG - PUBLIC_COMMENTS_PER_PAGE))
    assert f'href="/posts/{big_post.id}#comments" rel="prev"' in second
    assert 'aria-current="page">Page 2<' in second

    last = client.get(f"/posts/{big_post.id}?page={pages}").get_data(as_text=True)
    assert _shown(last) == list(range(0, BIG - (pages - 1) * PUBLIC_COMMENTS_PER_PAGE))
    assert 'rel="next"' not in last
    assert client.get(f"/posts/{big_post.id}?page={pages + 1}").status_code == 404
    for odd in ("0", "-3", "abc", "99999999999999999999"):
        assert client.get(f"/posts/{big_post.id}?page={odd}").status_code in (200, 400, 404)


def test_the_post_page_reads_a_fixed_number_of_rows_whatever_the_thread(uncached, client,
                                                                        db_session, factory,
                                                                        big_post):
    small = factory.post(big_post.district, state=PostState.PUBLISHED)
    _add_comments(db_session, small, 3)
    client.get(f"/posts/{small.id}")  # warm up
    _, small_reads = _statements(uncached, client, f"/posts/{small.id}")
    _, big_reads = _statements(uncached, client, f"/posts/{big_post.id}")
    assert len(small_reads) == len(big_reads)
    comment_reads = [s for s in big_reads if "FROM comments" in s]
    # the page (LIMIT) and the replies of the page: never the whole thread
    assert len(comment_reads) == 2
    assert any("LIMIT" in s for s in comment_reads)
    assert not any("comments.author_email" in s or "comments.client_addr" in s
                   for s in comment_reads)


def test_replies_come_with_their_comment_and_removed_ones_are_placeholders(uncached, client,
                                                                           db_session, factory,
                                                                           big_post):
    staff = factory.user(Role.REPRESENTATIVE, big_post.district)
    _add_comments(db_session, big_post, 1, start=BIG)  # the newest comment
    newest = db_session.query(Comment).filter_by(body=f"Comment number {BIG}.").one()
    reply = Comment(post_id=big_post.id, district_id=big_post.district_id, parent_id=newest.id,
                    author_name="North District", author_email="", body="An official answer.",
                    terms_version=1, client_addr="", state=CommentState.VISIBLE, official=True,
                    staff_author_id=staff.id)
    removed = Comment(post_id=big_post.id, district_id=big_post.district_id,
                      author_name="Rude", author_email="", body="Rude words.", terms_version=1,
                      client_addr="", state=CommentState.REMOVED, clause_number="3",
                      clause_title="Personal attacks", created_at=clock.utcnow(),
                      handled_at=clock.utcnow())
    db_session.add_all([reply, removed])
    db_session.commit()
    page = client.get(f"/posts/{big_post.id}").get_data(as_text=True)
    assert "An official answer." in page and "Official reply" in page
    assert page.index(f"Comment number {BIG}.") < page.index("An official answer.")
    assert "Rude words." not in page
    assert "removed under clause 3 (Personal attacks)" in page
    # replies do not count towards the 50 comments of a page
    assert len(_shown(page)) == PUBLIC_COMMENTS_PER_PAGE - 1


def test_a_district_page_is_read_in_four_statements(uncached, client, db_session, factory):
    """The district (with its last approved wording, when a change awaits approval), one page
    of posts, their images, and the department for the page's header and footer: however many
    posts the district has."""
    district = factory.district(slug="south")
    for _ in range(30):
        factory.post(district, state=PostState.PUBLISHED)
    db_session.commit()
    response, reads = _statements(uncached, client, "/districts/south")
    assert response.status_code == 200
    assert len(reads) == 4, "\n\n".join(reads)

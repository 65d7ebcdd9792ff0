"""Issue 11, acceptance 4: two application instances on one database (the same PostgreSQL
database, or the same SQLite file). A comment removed in one is gone from the other's public
page within the stated bound (``PUBLIC_CACHE_CHECK_SECONDS``, 0.1 s; at once with 0), although
the other keeps rendered pages for an hour: its cache follows the archive head, which every
change to what the public sees moves (``blueprints.public.cache``)."""
import pytest
from sqlalchemy import select, text

from beatdesk import moderation, terms
from beatdesk.context import Actor
from beatdesk.models import Comment, ModerationMode, PostState
from beatdesk.roles import Role

from blueprints.public import cache

from .conftest import Factory, make_app

WORDS = "The new crossing lights on Oak Avenue are a real improvement."


@pytest.fixture(params=["at once", "within the bound"])
def instances(request, database_url, monkeypatch):
    # Each instance would be its own process; here both share this module's local generation,
    # so take it out of play: only what the database says may empty the other's cache.
    monkeypatch.setattr(cache, "invalidate", lambda: None)
    check = {"PUBLIC_CACHE_CHECK_SECONDS": 0} if request.param == "at once" else {}
    first = make_app(database_url, PUBLIC_CACHE_SECONDS=3600, **check)
    second = make_app(database_url, PUBLIC_CACHE_SECONDS=3600, **check)
    yield first, second
    for app in (first, second):
        app.extensions["beatdesk.engine"].dispose()


def _queries(app, client, path):
    statements = []
    engine = app.extensions["beatdesk.engine"]

    def _record(conn, cursor, statement, *args):
        statements.append(statement)

    from sqlalchemy import event
    event.listen(engine, "before_cursor_execute", _record)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", _record)
    return response, statements


def test_a_comment_removed_in_one_instance_is_gone_from_the_others_page(instances, monkeypatch):
    first, second = instances
    session = first.extensions["beatdesk.sessionmaker"]()
    factory = Factory(session)
    terms.current_terms(session)
    session.commit()
    district = factory.district(moderation_mode=ModerationMode.POST)
    post = factory.post(district, state=PostState.PUBLISHED)
    sergeant = factory.user(Role.SERGEANT, district)
    # a visitor's comment, sent to the first instance (screened, stored and archived there)
    response = first.test_client().post(f"/posts/{post.id}/comments", data={
        "name": "Robin Reader", "email": "", "body": WORDS, "accept_terms": "y",
        "terms_version": str(terms.current_terms(session).number), "website": ""})
    assert response.status_code == 303

    reader = second.test_client()
    path = f"/posts/{post.id}"
    assert WORDS in reader.get(path).get_data(as_text=True)
    # the second instance now answers from its cache: one read of the archive head, no more
    again, statements = _queries(second, reader, path)
    assert WORDS in again.get_data(as_text=True)
    assert [s for s in statements if "archive_head" not in s and s.strip().upper() != "BEGIN"
            and not s.strip().upper().startswith(("ROLLBACK", "COMMIT"))] == []
    # a change nobody archived is not seen through the cache (so the cache is really used)
    later = cache.time.monotonic() + 1
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)  # past any check interval
    session.rollback()  # a fresh transaction: others committed since this one's reads
    session.execute(text("UPDATE comments SET author_name = 'Changed Quietly'"))
    session.commit()
    assert "Changed Quietly" not in reader.get(path).get_data(as_text=True)

    # the moderator removes the comment in the first instance
    comment = session.scalars(select(Comment).where(Comment.post_id == post.id)).one()
    with first.app_context():
        moderation.moderate(session, Actor(sergeant), comment.id, "remove", comment.version,
                            "1")
        session.commit()

    if second.config.get("PUBLIC_CACHE_CHECK_SECONDS") != 0:
        # within the stated bound: the next check of the archive head, at most a tenth of a second on
        later += cache.DEFAULT_CHECK_SECONDS / 2
        assert WORDS in reader.get(path).get_data(as_text=True)  # not checked again yet
        later += cache.DEFAULT_CHECK_SECONDS / 2 + 0.001
    page = reader.get(path).get_data(as_text=True)
    assert WORDS not in page
    assert "This comment was removed under clause 1" in page
    session.close()

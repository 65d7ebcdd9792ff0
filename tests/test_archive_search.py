"""Acceptance 3: search finds removed comments and discontinued posts; filters combine; pages."""
from datetime import date, timedelta

import pytest

from beatdesk import archive, archive_search
from beatdesk.archive_search import SearchCriteria
from beatdesk.context import Actor
from beatdesk.errors import Conflict, PermissionDenied, ValidationFailed
from beatdesk.models import LegalHold, SavedSearch
from beatdesk.roles import Role


@pytest.fixture
def corpus(factory, db_session, frozen_clock):
    """Posts and comments in two districts by two authors over three days."""
    north, south = factory.district(number=21), factory.district(number=22)
    alice = factory.user(Role.SERGEANT, north, login_id="alice")
    bob = factory.user(Role.REPRESENTATIVE, south, login_id="bob")
    ids = {}

    def add(key, record_type, object_id, district, user, content):
        ids[key] = archive.append(db_session, record_type=record_type, object_id=object_id,
                                  district_id=district.id, actor=Actor(user), content=content).id

    add("post_pub", "post.revision", "p1", north, alice,
        {"text": "Traffic closure on Main Street for the parade", "state": "published"})
    add("post_disc", "post.discontinued", "p1", north, alice,
        {"text": "Traffic closure on Main Street for the parade", "state": "discontinued",
         "reason": "Inaccurate route"})
    frozen_clock.advance(days=1)
    add("comment", "comment", "c1", north, bob,
        {"body": "You people closed the wrong street again", "state": "visible"})
    add("comment_removed", "comment.moderation", "c1", north, alice,
        {"body": "You people closed the wrong street again, idiots", "state": "removed",
         "clause": "personal attacks"})
    frozen_clock.advance(days=1)
    add("south_post", "post.revision", "p2", south, bob,
        {"text": "Bicycle registration event at the south station", "state": "published"})
    add("south_disc", "post.discontinued", "p2", south, bob,
        {"text": "Bicycle registration event at the south station", "state": "discontinued"})
    db_session.commit()
    return {"north": north, "south": south, "alice": alice, "bob": bob, "ids": ids,
            "day0": frozen_clock.now.date() - timedelta(days=2)}


def found(db_session, **criteria):
    page = archive.search(db_session, SearchCriteria(**criteria), per_page=100)
    return [r.id for r in page.items]


def test_full_text_finds_removed_comments_and_discontinued_posts(corpus, db_session):
    ids = corpus["ids"]
    assert found(db_session, text="idiots") == [ids["comment_removed"]]
    assert found(db_session, text="parade", state="discontinued") == [ids["post_disc"]]
    assert found(db_session, state="removed") == [ids["comment_removed"]]
    assert set(found(db_session, state="discontinued")) == {ids["post_disc"], ids["south_disc"]}


def test_words_are_stemmed_and_all_must_occur(corpus, db_session):
    ids = corpus["ids"]
    assert set(found(db_session, text="close STREETS")) == {ids["comment"], ids["comment_removed"]}
    assert set(found(db_session, text="closures")) == {ids["post_pub"], ids["post_disc"]}
    assert found(db_session, text="street bicycle") == []


def test_filters_combine(corpus, db_session):
    ids, north = corpus["ids"], corpus["north"]
    assert found(db_session, text="street", district_id=north.id, author="alice",
                 record_type="post") == [ids["post_disc"], ids["post_pub"]]
    assert found(db_session, text="street", author="bob") == [ids["comment"]]
    assert found(db_session, record_type="comment", author="ALICE") == [ids["comment_removed"]]
    assert found(db_session, record_type="post.discontinued",
                 district_id=corpus["south"].id) == [ids["south_disc"]]
    day0 = corpus["day0"]
    assert set(found(db_session, since=day0 + timedelta(days=1), until=day0 + timedelta(days=1))) \
        >= {ids["comment"], ids["comment_removed"]}
    assert not {ids["post_pub"], ids["south_post"]} & set(
        found(db_session, since=day0 + timedelta(days=1), until=day0 + timedelta(days=1)))
    assert found(db_session, text="street", since=day0 + timedelta(days=2)) == []


def test_record_type_family_does_not_match_a_longer_name(db_session):
    archive.append(db_session, record_type="postal", object_id=1, district_id=None, actor=None,
                   content={})
    archive.append(db_session, record_type="post", object_id=1, district_id=None, actor=None,
                   content={})
    assert len(found(db_session, record_type="post")) == 1


def test_results_are_paginated_newest_first(db_session):
    for i in range(7):
        archive.append(db_session, record_type="comment", object_id=i, district_id=None,
                       actor=None, content={"body": f"pothole report {i}"})
    db_session.commit()
    pages = [archive.search(db_session, SearchCriteria(text="pothole"), page=n, per_page=3)
             for n in (1, 2, 3)]
    assert [p.total for p in pages] == [7, 7, 7] and pages[0].pages == 3
    seen = [r.id for p in pages for r in p.items]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 7
    assert [len(p.items) for p in pages] == [3, 3, 1]
    assert pages[0].has_next and not pages[2].has_next


@pytest.mark.parametrize("query", ['"', "OR", 'street" OR "x', "NEAR(a b)", "col:street", "*"])
def test_query_syntax_is_never_interpreted(corpus, db_session, query):
    """Operators and quotes are plain words or ignored; nothing raises a database error."""
    try:
        archive.search(db_session, SearchCriteria(text=query))
    except ValidationFailed as exc:
        assert exc.field == "text"


def test_a_text_without_words_is_refused(db_session):
    with pytest.raises(ValidationFailed, match="at least one word"):
        archive.search(db_session, SearchCriteria(text="?!"))


def test_dates_in_the_wrong_order_are_refused(db_session):
    with pytest.raises(ValidationFailed) as caught:
        archive.search(db_session, SearchCriteria(since=date(2026, 2, 1), until=date(2026, 1, 1)))
    assert caught.value.field == "until"


def test_history_groups_a_family_and_object(corpus, db_session):
    ids = corpus["ids"]
    record = archive.get_record(db_session, ids["comment_removed"])
    assert [r.id for r in archive.record_history(db_session, record)] == [
        ids["comment"], ids["comment_removed"]]


def test_criteria_round_trip_through_json():
    criteria = SearchCriteria(text="a b", district_id=3, author="x", record_type="post",
                              since=date(2026, 1, 1), until=date(2026, 2, 1), state="removed")
    assert SearchCriteria.from_dict(criteria.to_dict()) == criteria
    assert SearchCriteria.from_dict({}).is_empty


def test_saved_searches(corpus, db_session, factory):
    officer = factory.user(Role.RECORDS)
    saved = archive_search.save_search(db_session, Actor(officer), "Removed in north",
                                       SearchCriteria(state="removed",
                                                      district_id=corpus["north"].id))
    db_session.commit()
    assert archive_search.list_saved_searches(db_session) == [saved]
    again = archive.search(db_session, saved.criteria)
    assert [r.id for r in again.items] == [corpus["ids"]["comment_removed"]]

    with pytest.raises(ValidationFailed):
        archive_search.save_search(db_session, Actor(officer), " ", SearchCriteria())
    with pytest.raises(PermissionDenied):
        archive_search.save_search(db_session, Actor(corpus["alice"]), "x", SearchCriteria())

    linked = SavedSearch(name="for request", owner_id=officer.id, criteria={}, request_id=5)
    held = SavedSearch(name="held", owner_id=officer.id, criteria={})
    db_session.add_all([linked, held])
    db_session.flush()
    db_session.add(LegalHold(reason="r", case_number="c", saved_search_id=held.id,
                             created_by_id=officer.id))
    db_session.commit()
    for kept in (linked, held):
        with pytest.raises(Conflict):
            archive_search.delete_saved_search(db_session, Actor(officer), kept)
    archive_search.delete_saved_search(db_session, Actor(officer), saved)
    db_session.commit()
    assert saved not in archive_search.list_saved_searches(db_session)


@pytest.mark.parametrize("role", list(Role))
def test_who_may_search(factory, role):
    assert archive_search.can_search_archive(factory.user(role)) == (role in (Role.RECORDS,
                                                                              Role.ADMIN))


def test_a_count_limit_caps_the_total(db_session):
    for i in range(6):
        archive.append(db_session, record_type="comment", object_id=i, district_id=None,
                       actor=None, content={"body": f"graffiti report {i}"})
    db_session.commit()
    capped = archive.search(db_session, SearchCriteria(text="graffiti"), per_page=2, count_limit=4)
    assert (capped.total, capped.capped, capped.pages) == (4, True, 2)
    exact = archive.search(db_session, SearchCriteria(text="graffiti"), per_page=2, count_limit=6)
    assert (exact.total, exact.capped) == (6, False)
    last = archive.search(db_session, SearchCriteria(text="graffiti"), page=9, per_page=2,
                          count_limit=4)
    assert last.page == 2 and len(last.items) == 2


def test_search_query_streams_every_match_oldest_first_when_reordered(corpus, db_session):
    from beatdesk.models import ArchiveRecord
    query = archive.search_query(db_session, SearchCriteria(text="street"))
    ids = db_session.scalars(query.order_by(None).order_by(ArchiveRecord.id)).all()
    assert [r.id for r in ids] == sorted(r.id for r in ids) and len(ids) == 4


def test_filter_tokens_are_not_searchable_words(corpus, db_session):
    """The index's filter tokens (district, state, type, author) never match a searched word."""
    north = corpus["north"].id
    for word in (f"zd{north}", "zsremoved", "ztcomment", "zaalice"):
        assert found(db_session, text=word) == []


def test_filters_with_text_match_exactly_what_sql_alone_would(corpus, db_session):
    for criteria in (dict(record_type="comment"), dict(record_type="post.discontinued"),
                     dict(state="Removed"), dict(author="Bob"), dict(district_id=corpus["south"].id),
                     dict(record_type="comment.", state="removed")):
        with_text = set(found(db_session, text="street bicycle closure", **criteria)) | set(
            found(db_session, text="street", **criteria)) | set(found(db_session, text="bicycle",
                                                                      **criteria))
        without = {r for r in found(db_session, **criteria)
                   if r in set(found(db_session, text="street")) | set(found(db_session,
                                                                             text="bicycle"))}
        assert with_text == without, criteria

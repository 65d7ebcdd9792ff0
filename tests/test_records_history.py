"""Attaching search results "with each record's history" attaches exactly the history of the
objects chosen: resolved by the kind of object and its id, never by a bare id that another kind
of object (a revision and a post, a post and a comment) may share."""
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from beatdesk import archive, records
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.models import Category, PostRevision, RequestState, SnapshotItem
from beatdesk.records import RequestData
from beatdesk.roles import Role

from .routes.requests import ensure_exemptions


@pytest.fixture(autouse=True)
def exemptions(db_session):
    ensure_exemptions(db_session)


class World:
    """Posts, revisions, comments and moderation actions in several districts, archived as the
    application archives them, with the truth of which object each record is about."""

    def __init__(self, session, factory):
        self.session = session
        self.districts = [factory.district() for _ in range(3)]
        self.authors = [factory.user(Role.REPRESENTATIVE, d) for d in self.districts]
        self.officer = factory.user(Role.RECORDS)
        self.posts: list = []
        self.comment_ids: list[int] = []
        self.created: list[int] = []  # this example's records
        # Kept for the whole test (Hypothesis runs many examples on one database): comment ids
        # start at 1 like any fresh table's, so they collide with post and revision ids.
        self.state = session.info.setdefault("world", {"next_comment": 1, "object_of": {}})
        self.object_of: dict[int, tuple[str, int]] = self.state["object_of"]

    def _archive(self, record_type, object_id, district_id, content, obj):
        record = archive.append(self.session, record_type=record_type, object_id=object_id,
                                district_id=district_id, actor=None, content=content)
        self.object_of[record.id] = obj
        self.created.append(record.id)
        return record

    def new_post(self, district_index: int):
        author = self.authors[district_index]
        post = factory_post(self.session, self.districts[district_index], author)
        self.posts.append(post)
        self._revision_record(post, post.current_revision_id, 1)
        self._archive("post.event", post.id, post.district_id,
                      {"post_id": post.id, "action": "created", "state": "draft"},
                      ("post", post.id))

    def _revision_record(self, post, revision_id, number):
        self._archive("post.revision", revision_id, post.district_id,
                      {"post_id": post.id, "revision": number, "body": f"Post {post.id} "
                       f"revision {number}", "state": "draft"}, ("post", post.id))

    def new_revision(self, post_index: int):
        post = self.posts[post_index % len(self.posts)]
        number = len(list(self.session.scalars(select(PostRevision.id)
                                               .where(PostRevision.post_id == post.id)))) + 1
        revision = PostRevision(post_id=post.id, number=number, category=Category.COMMUNITY_ALERT,
                                body=f"Post {post.id} revision {number}", notable_marked=False,
                                findings=[], created_by_id=post.author_id,
                                created_at=datetime.now(UTC))
        self.session.add(revision)
        self.session.flush()
        self._revision_record(post, revision.id, number)

    def post_event(self, post_index: int):
        post = self.posts[post_index % len(self.posts)]
        self._archive("post.event", post.id, post.district_id,
                      {"post_id": post.id, "action": "published", "state": "published"},
                      ("post", post.id))

    def new_comment(self, post_index: int):
        post = self.posts[post_index % len(self.posts)]
        comment_id = self.state["next_comment"]
        self.state["next_comment"] += 1
        self.comment_ids.append((comment_id, post.district_id))
        self._archive("comment", comment_id, post.district_id,
                      {"id": comment_id, "post_id": post.id, "body": "A visitor's comment",
                       "state": "pending"}, ("comment", comment_id))

    def moderate(self, comment_index: int):
        if not self.comment_ids:
            return
        comment_id, district_id = self.comment_ids[comment_index % len(self.comment_ids)]
        self._archive("comment.moderation", comment_id, district_id,
                      {"id": comment_id, "state": "removed", "moderation": {"action": "remove"}},
                      ("comment", comment_id))


def factory_post(session, district, author):
    from beatdesk.models import Post, PostState

    now = datetime.now(UTC)
    post = Post(district_id=district.id, author_id=author.id, category=Category.COMMUNITY_ALERT,
                state=PostState.DRAFT, notable=False, created_at=now, updated_at=now)
    session.add(post)
    session.flush()
    revision = PostRevision(post_id=post.id, number=1, category=Category.COMMUNITY_ALERT,
                            body=f"Post {post.id} revision 1", notable_marked=False, findings=[],
                            created_by_id=author.id, created_at=now)
    session.add(revision)
    session.flush()
    post.current_revision_id = revision.id
    session.flush()
    return post


operations = st.lists(st.tuples(st.sampled_from(["post", "revision", "event", "comment",
                                                 "moderate"]),
                                st.integers(min_value=0, max_value=50)),
                      min_size=4, max_size=30)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations, data=st.data())
def test_attached_history_belongs_to_exactly_the_chosen_objects(db_session, factory, ops, data):
    world = World(db_session, factory)
    world.new_post(0)
    for op, n in ops:
        {"post": lambda: world.new_post(n % 3), "revision": lambda: world.new_revision(n),
         "event": lambda: world.post_event(n), "comment": lambda: world.new_comment(n),
         "moderate": lambda: world.moderate(n)}[op]()
    db_session.commit()
    picks = data.draw(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1,
                               max_size=6))
    chosen = sorted({world.created[i % len(world.created)] for i in picks})
    # A search without words matches every record; the chosen ids narrow it.

    actor = Actor(world.officer)
    req = records.create_request(db_session, actor, RequestData(
        "Pat Requester", "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC),
        "Everything about these posts."), ILLINOIS)
    records.change_state(db_session, actor, req, RequestState.SEARCHING)
    records.attach_search_results(db_session, actor, req, {}, record_ids=chosen,
                                  with_history=True)
    db_session.commit()

    attached = set(db_session.scalars(select(SnapshotItem.archive_record_id)
                                      .where(SnapshotItem.request_id == req.id)))
    chosen_objects = {world.object_of[i] for i in chosen}
    expected = {rid for rid, obj in world.object_of.items() if obj in chosen_objects}
    strays = {rid: world.object_of[rid] for rid in attached - expected}
    assert not strays, f"records of objects not chosen were attached: {strays}"
    assert attached == expected, f"missing history: {sorted(expected - attached)}"
    # Every attached copy keeps its own district (no other district's records slipped in).
    for item in db_session.scalars(select(SnapshotItem).where(SnapshotItem.request_id == req.id)):
        assert world.object_of[item.archive_record_id] in chosen_objects


def test_a_revision_brings_its_own_post_not_the_post_sharing_its_number(db_session, factory):
    """Today's defect in one example: post 1's second revision has id 2, post 2's id."""
    world = World(db_session, factory)
    world.new_post(0)           # post 1, revision 1
    world.new_revision(0)       # post 1, revision 2
    world.new_post(1)           # post 2 (another district), revision 3
    world.new_comment(0)        # comment 1
    world.moderate(0)
    db_session.commit()
    for record_id, obj in world.object_of.items():
        history = archive.record_history(db_session, archive.get_record(db_session, record_id))
        assert {r.id for r in history} == {rid for rid, other in world.object_of.items()
                                           if other == obj}, (record_id, obj)

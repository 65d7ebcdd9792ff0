"""Acceptance 5 end to end, with the real connectors against each platform's spec-checked fake:
the department's post goes out through the outbox, a reply on the platform appears in the
moderation queue screened, a removal is mirrored (X, Bluesky) or recorded as "no platform
action" (Mastodon), an edit and a deletion on the platform are captured, and all of it is in
the archive and found by the records search."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

import pytest
from sqlalchemy import select

from beatdesk import archive, sealing, terms
from beatdesk.archive_search import SearchCriteria
from beatdesk.models import (ArchiveRecord, Comment, CommentPlatformEvent, CommentState,
                             ModerationAction, ModerationMode, OutboxKind, OutboxRow,
                             OutboxState, Platform, PlatformAccount, PlatformEventKind,
                             PostState)
from beatdesk.platforms import outbox
from beatdesk.platforms.worker import Worker
from beatdesk.roles import Role

from .conftest import make_app, reread, sign_in
from .fakes.bluesky_pds import THREADGATE, bluesky_pds  # noqa: F401  (a fixture)
from .fakes.mastodon_api import mastodon_fake  # noqa: F401  (a fixture)
from .fakes.x_api import x_fake  # noqa: F401  (a fixture)


@dataclass
class Platformer:
    """What a test does on one fake platform, in the platform's own terms."""

    platform: Platform
    account: dict                                   # PlatformAccount fields
    reply: Callable[[str, str, str], str]           # (our post's id, text, author) -> reply id
    edit: Callable[[str, str], None]
    delete: Callable[[str], None]
    hidden: Callable[[str], bool | None]            # None: the platform has no hiding
    take_violations: Callable[[], list[str]]


@pytest.fixture
def on_x(x_fake):  # noqa: F811
    def edit(reply_id, text):
        x_fake.edit(reply_id, text)

    return Platformer(
        platform=Platform.X,
        account=dict(handle="@BeatdeskPD", base_url=x_fake.base_url,
                     account_ref=x_fake.account_id,
                     credentials=sealing.seal(json.dumps({"access_token": x_fake.token}))),
        reply=lambda post_id, text, author: x_fake.add_reply(post_id, text, author=author),
        edit=edit, delete=x_fake.delete,
        hidden=lambda reply_id: x_fake.posts[reply_id].hidden,
        take_violations=x_fake.take_violations)


@pytest.fixture
def on_mastodon(mastodon_fake):  # noqa: F811
    return Platformer(
        platform=Platform.MASTODON,
        account=dict(handle="district1@social.example", base_url=mastodon_fake.base_url,
                     account_ref=mastodon_fake.me["id"],
                     credentials=sealing.seal(json.dumps(mastodon_fake.credentials))),
        reply=lambda post_id, text, author: mastodon_fake.add_reply(
            post_id, text, author=f"@{author}@town.example"),
        edit=mastodon_fake.edit, delete=mastodon_fake.delete, hidden=lambda reply_id: None,
        take_violations=lambda: list(mastodon_fake.violations))


@pytest.fixture
def on_bluesky(bluesky_pds):  # noqa: F811
    def hidden(reply_uri):
        return any(reply_uri in (gate.get("hiddenReplies") or [])
                   for gate in bluesky_pds.records_in(THREADGATE).values())

    return Platformer(
        platform=Platform.BLUESKY,
        account=dict(handle=bluesky_pds.handle, base_url=bluesky_pds.url,
                     account_ref=bluesky_pds.did,
                     credentials=sealing.seal(json.dumps(bluesky_pds.credentials()))),
        reply=lambda post_uri, text, author: bluesky_pds.add_reply(
            post_uri, text, author_handle=f"{author}.bsky.social"),
        edit=bluesky_pds.edit, delete=bluesky_pds.delete, hidden=hidden,
        take_violations=lambda: list(bluesky_pds.errors))


@pytest.fixture
def live_app(database_url, tmp_path):
    app = make_app(database_url, MEDIA_ROOT=str(tmp_path / "media"),
                   PLATFORM_CONNECTORS="live", INBOUND_POLL_SECONDS=0,
                   OUTBOX_RETRY_BASE_SECONDS=0, PUBLIC_BASE_URL="https://pd.example")
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["beatdesk.engine"].dispose()


def _worker(app) -> Worker:
    return Worker(app.extensions["beatdesk.write_sessionmaker"],
                  app.extensions["beatdesk.sessionmaker"], app.config, name="test-worker")


def _run(app):
    result = _worker(app).run_once()
    assert result.errors == []
    return result


def scenario(live_app, platformer: Platformer, expect_hide: bool):
    from .conftest import Factory

    session = live_app.extensions["beatdesk.sessionmaker"]()
    client = live_app.test_client()
    factory = Factory(session)
    clauses = terms.takedown_clauses(terms.current_terms(session))
    session.commit()
    district = factory.district(moderation_mode=ModerationMode.POST)
    post = factory.post(district, state=PostState.PUBLISHED,
                        body="Main St is closed between 2nd and 5th until Friday.")
    account = PlatformAccount(platform=platformer.platform, district_id=district.id, active=True,
                              **platformer.account)
    session.add(account)
    session.commit()
    outbox.enqueue_post(session, post)
    session.commit()
    _run(live_app)  # sends the post (and polls: nothing yet)
    reread(session)
    create = session.scalars(select(OutboxRow).where(OutboxRow.post_id == post.id)).one()
    assert create.state == OutboxState.SENT and create.platform_id

    # people answer on the platform
    kind_id = platformer.reply(create.platform_id, "Thanks, which detour should we use?", "kim")
    rude_id = platformer.reply(create.platform_id, "You are all idiots.", "lee")
    gone_id = platformer.reply(create.platform_id, "Quokkastreet is open again", "max")
    _run(live_app)
    reread(session)
    comments = {c.platform_id: c for c in session.scalars(
        select(Comment).where(Comment.account_id == account.id))}
    assert set(comments) == {kind_id, rude_id, gone_id}
    kind, rude, gone = comments[kind_id], comments[rude_id], comments[gone_id]
    assert kind.state == CommentState.VISIBLE and rude.state == CommentState.HELD
    assert [f.rule for f in rude.flags] == ["attack"]
    assert kind.source_platform == platformer.platform.value and kind.post_id == post.id

    # the moderation queue shows them with their platform
    sergeant = factory.user(Role.SERGEANT, district)
    sign_in(client, sergeant)
    queue = client.get("/console/moderation/")
    assert "You are all idiots." in queue.text and platformer.platform.label in queue.text

    # a removal
    answer = client.post(f"/console/moderation/comments/{rude.id}/action",
                         data={"action": "remove", "clause": clauses[2].number,
                               "version": str(rude.version)})
    assert answer.status_code == 303
    _run(live_app)
    reread(session)
    mirrors = list(session.scalars(select(OutboxRow).where(OutboxRow.comment_id == rude.id)))
    if expect_hide:
        (hide,) = mirrors
        assert hide.kind == OutboxKind.REPLY_HIDE and hide.state == OutboxState.SENT
        assert platformer.hidden(rude_id) is True
    else:
        assert mirrors == []
        notes = [a.note for a in session.scalars(select(ModerationAction).where(
            ModerationAction.comment_id == rude.id))]
        assert any(n.startswith("No platform action exists") for n in notes)
        # the queue offers block and report instead, each its own outbox row
        assert client.post(f"/console/moderation/comments/{rude.id}/platform-block"
                           ).status_code == 303
        assert client.post(f"/console/moderation/comments/{rude.id}/platform-report",
                           data={"reason": "Insults neighbours."}).status_code == 303
        _run(live_app)
        reread(session)
        rows = list(session.scalars(select(OutboxRow).where(OutboxRow.comment_id == rude.id)
                                    .order_by(OutboxRow.id)))
        assert [(r.kind, r.state) for r in rows] == [
            (OutboxKind.AUTHOR_BLOCK, OutboxState.SENT),
            (OutboxKind.AUTHOR_REPORT, OutboxState.SENT)]

    # an edit and a deletion on the platform
    platformer.edit(kind_id, "Thanks! Took the Oak Avenue detour.")
    platformer.delete(gone_id)
    _run(live_app)
    reread(session)
    kind, gone = session.get(Comment, kind.id), session.get(Comment, gone.id)
    assert kind.body == "Thanks! Took the Oak Avenue detour."
    assert gone.platform_deleted_at is not None and gone.body == "Quokkastreet is open again"
    events = {(e.comment_id, e.kind) for e in session.scalars(select(CommentPlatformEvent))}
    assert events == {(kind.id, PlatformEventKind.EDITED), (gone.id, PlatformEventKind.DELETED)}
    public = client.get(f"/posts/{post.id}")
    assert "Oak Avenue" in public.text and "Quokkastreet" not in public.text

    # all of it in the archive, and found by the records search
    for words, comment in (("Quokkastreet", gone), ("idiots", rude), ("Oak Avenue", kind)):
        found = archive.search(session, SearchCriteria(text=words, record_type="comment"))
        assert str(comment.id) in {r.object_id for r in found.items}, words
    types = {r.record_type for r in session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.object_id.in_([str(kind.id), str(rude.id), str(gone.id)])))}
    assert {"comment", "comment.moderation", "comment.mirror", "comment.platform"} <= types
    assert platformer.take_violations() == []
    session.close()


def test_x_reply_is_moderated_hidden_edited_deleted_and_archived(live_app, on_x):
    scenario(live_app, on_x, expect_hide=True)


def test_bluesky_reply_is_moderated_hidden_by_threadgate_edited_deleted_and_archived(
        live_app, on_bluesky):
    scenario(live_app, on_bluesky, expect_hide=True)


def test_mastodon_reply_is_moderated_without_platform_action_and_archived(
        live_app, on_mastodon, mastodon_fake):  # noqa: F811
    scenario(live_app, on_mastodon, expect_hide=False)
    assert len(mastodon_fake.blocks) == 1 and len(mastodon_fake.reports) == 1
    assert mastodon_fake.reports[0]["comment"] == "Insults neighbours."

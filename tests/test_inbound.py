"""Platform replies brought into moderation and the archive, and moderation mirrored back
(issue 10, "Inbound replies", acceptance 5), with an in-memory connector that keeps
``beatdesk.platforms.base.Connector``'s contract."""
from __future__ import annotations

import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from beatdesk import archive, moderation, terms
from beatdesk.archive_search import SearchCriteria
from beatdesk.context import Actor
from beatdesk.errors import Conflict, PermissionDenied, ValidationFailed
from beatdesk.models import (ArchiveRecord, AuditEvent, Comment, CommentPlatformEvent,
                             CommentState, ModerationAction, ModerationMode, OutboxKind,
                             OutboxRow, OutboxState, Platform, PlatformAccount,
                             PlatformEventKind, PostState)
from beatdesk.platforms import inbound
from beatdesk.platforms.base import (Connector, InboundItem, InboundPage, NotSupported,
                                     TransientError)
from beatdesk.roles import Role

from .conftest import reread

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


class MemoryConnector:
    """A platform in memory: replies arrive in order; the cursor is the last item's position."""

    def __init__(self, platform: str = "x"):
        self.platform = platform
        self.items: list[InboundItem] = []
        self.fail_next: Exception | None = None
        self.page_size = 50
        self.hidden: list[tuple[str, str | None, bool]] = []

    def add(self, text: str, *, to: str, root: str | None = None, author: str = "neighbour",
            kind: str = "reply", platform_id: str | None = None) -> InboundItem:
        item = InboundItem(platform_id=platform_id or f"r-{uuid.uuid4().hex[:10]}", kind=kind,
                           author_handle=f"@{author}", author_ref=f"id-{author}",
                           author_name=author.title(), text=text,
                           url=f"https://platform.example/{author}/{len(self.items) + 1}",
                           created_at=T0 + timedelta(minutes=len(self.items)),
                           in_reply_to=to, root=root or to)
        self.items.append(item)
        return item

    def edit(self, platform_id: str, text: str) -> None:
        self.items = [replace(i, text=text, edited_at=T0 + timedelta(hours=1))
                      if i.platform_id == platform_id else i for i in self.items]

    def delete(self, platform_id: str) -> None:
        self.items = [replace(i, deleted=True) if i.platform_id == platform_id else i
                      for i in self.items]

    def _raise(self):
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            raise exc

    def verify(self):
        raise NotImplementedError

    def create_post(self, post):
        raise NotImplementedError

    def find_post(self, post, since):
        return None

    def delete_post(self, platform_id):
        return None

    def fetch_replies(self, cursor: str) -> InboundPage:
        self._raise()
        start = int(cursor or 0)
        page = [i for i in self.items[start:start + self.page_size] if not i.deleted]
        end = min(len(self.items), start + self.page_size)
        return InboundPage(items=page, cursor=str(end))

    def lookup(self, platform_ids):
        self._raise()
        return [i for i in self.items if i.platform_id in set(platform_ids)]

    def hide_reply(self, platform_id, root, hidden=True):
        if self.platform == "mastodon":
            raise NotSupported("Mastodon has no hidden replies.")
        self.hidden.append((platform_id, root, hidden))

    def block(self, author_ref):
        return None

    def report(self, author_ref, platform_ids, comment):
        return None


def test_memory_connector_keeps_the_contract():
    assert isinstance(MemoryConnector(), Connector)


# --- fixtures ---------------------------------------------------------------------------------

@pytest.fixture
def clauses(db_session):
    current = terms.current_terms(db_session)
    db_session.commit()
    return terms.takedown_clauses(current)


def connect(session, platform: str, district, handle: str = "@district") -> PlatformAccount:
    account = PlatformAccount(platform=Platform(platform), district_id=district.id, handle=handle,
                              base_url="https://platform.example", active=True)
    session.add(account)
    session.commit()
    return account


def sent_post(session, account, post, platform_id: str) -> OutboxRow:
    """The department's post as the outbox recorded it: sent, with the platform's id."""
    row = OutboxRow(kind=OutboxKind.POST_CREATE, state=OutboxState.SENT, account_id=account.id,
                    post_id=post.id, revision_id=post.current_revision_id,
                    idempotency_key=uuid.uuid4().hex, platform_id=platform_id,
                    platform_url=f"https://platform.example/district/{platform_id}",
                    sent_at=T0, attempts=1)
    session.add(row)
    session.commit()
    return row


@pytest.fixture
def setup(factory, db_session, clauses):
    """A district in post-moderation, its published post sent to an X account."""
    district = factory.district(moderation_mode=ModerationMode.POST)
    post = factory.post(district, state=PostState.PUBLISHED, body="Road closed on Main St.")
    account = connect(db_session, "x", district)
    sent_post(db_session, account, post, "post-1")
    return district, post, account


def poll(session, account, connector, now=T0):
    result = inbound.poll_account(session, account, connector, now)
    session.commit()
    return result


def platform_comments(session) -> list[Comment]:
    reread(session)
    return list(session.scalars(select(Comment).where(Comment.source_platform != "")
                                .order_by(Comment.id)))


# --- storing replies --------------------------------------------------------------------------

def test_a_reply_to_our_post_becomes_a_screened_archived_comment(db_session, setup):
    district, post, account = setup
    fake = MemoryConnector()
    clean = fake.add("Thanks for the heads-up!", to="post-1", author="kim")
    rude = fake.add("You are an idiot.", to="post-1", author="lee")
    fake.add("Something about another account's post", to="someone-else", author="max")

    result = poll(db_session, account, fake)
    assert len(result.stored) == 2 and result.unrelated == 1

    stored = platform_comments(db_session)
    by_id = {c.platform_id: c for c in stored}
    ok, held = by_id[clean.platform_id], by_id[rude.platform_id]
    assert ok.state == CommentState.VISIBLE and not ok.flags
    assert held.state == CommentState.HELD and [f.rule for f in held.flags] == ["attack"]
    assert (ok.source_platform, ok.account_id, ok.post_id, ok.district_id) == (
        "x", account.id, post.id, district.id)
    assert (ok.author_handle, ok.author_ref, ok.author_name) == ("@kim", "id-kim", "Kim")
    assert ok.platform_url == clean.url and ok.platform_kind == "reply"
    assert ok.platform_created_at == clean.created_at and ok.terms_version == 0
    assert ok.author_email == "" and ok.client_addr == ""

    records = list(db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "comment", ArchiveRecord.object_id == str(ok.id))))
    assert len(records) == 1 and records[0].actor_label == "x: @kim"
    assert '"platform_id":"%s"' % clean.platform_id in records[0].content
    assert db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "comment.captured")) == 2

    version = account.version
    db_session.refresh(account)
    assert account.inbound_cursor == "3" and account.inbound_polled_at == T0
    assert account.inbound_error == ""
    # polling is bookkeeping, not an edit: an administrator's form opened before stays current
    assert account.version == version


def test_pre_moderation_holds_every_platform_reply(factory, db_session, clauses):
    district = factory.district(moderation_mode=ModerationMode.PRE)
    post = factory.post(district, state=PostState.PUBLISHED)
    account = connect(db_session, "bluesky", district)
    sent_post(db_session, account, post, "at://did:plc:dept/app.bsky.feed.post/3k")
    fake = MemoryConnector("bluesky")
    # a reply deeper in the thread names our post as its root only
    fake.add("Is the road open again?", to="at://did:plc:other/app.bsky.feed.post/1",
             root="at://did:plc:dept/app.bsky.feed.post/3k")
    poll(db_session, account, fake)
    (comment,) = platform_comments(db_session)
    assert comment.state == CommentState.HELD and comment.source_platform == "bluesky"


def test_text_is_stored_in_the_one_normalised_shape(db_session, setup):
    _, _, account = setup
    fake = MemoryConnector()
    fake.add("Cafe\u0301 closed\r\nbell\x07 here", to="post-1")
    fake.add("", to="post-1")  # an image-only reply
    poll(db_session, account, fake)
    first, second = platform_comments(db_session)
    assert first.body == "Caf\u00e9 closed\nbell\ufffd here"
    assert second.body == inbound.NO_TEXT


def test_a_repeated_poll_never_stores_a_reply_twice(db_session, setup):
    _, _, account = setup
    fake = MemoryConnector()
    fake.add("One", to="post-1")
    fake.add("Two", to="post-1")
    poll(db_session, account, fake)
    account.inbound_cursor = ""  # as if the cursor had been lost: the same page again
    db_session.commit()
    result = poll(db_session, account, fake)
    assert result.stored == [] and result.already == 2
    assert len(platform_comments(db_session)) == 2


def test_a_connector_error_keeps_the_cursor_and_loses_nothing(db_session, setup):
    _, _, account = setup
    fake = MemoryConnector()
    fake.add("First", to="post-1")
    poll(db_session, account, fake)
    fake.add("Second", to="post-1")
    fake.fail_next = TransientError("503 from the platform", 503)
    result = poll(db_session, account, fake, T0 + timedelta(minutes=5))
    assert result.error.startswith("TransientError")
    db_session.refresh(account)
    assert account.inbound_cursor == "1" and "503" in account.inbound_error
    assert db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "platform_account.inbound_failed")) == 1

    poll(db_session, account, fake, T0 + timedelta(minutes=10))
    db_session.refresh(account)
    assert account.inbound_error == "" and account.inbound_cursor == "2"
    assert [c.body for c in platform_comments(db_session)] == ["First", "Second"]


def test_an_unclassified_client_error_is_recorded_like_any_other(db_session, setup):
    _, _, account = setup
    fake = MemoryConnector()
    fake.add("Kept for the next poll", to="post-1")
    fake.fail_next = ConnectionResetError("peer closed the connection")
    assert poll(db_session, account, fake).error.startswith("ConnectionResetError")
    db_session.refresh(account)
    assert account.inbound_cursor == "" and "peer closed" in account.inbound_error
    fake.fail_next = ConnectionResetError("again")
    assert inbound.refresh_account(db_session, account, fake, T0).error == ""  # nothing captured
    assert fake.fail_next is not None  # so nothing was asked of the platform
    fake.fail_next = None
    poll(db_session, account, fake)
    (comment,) = platform_comments(db_session)
    fake.fail_next = ConnectionResetError("during a lookup")
    assert inbound.refresh_account(db_session, account, fake, T0).error.startswith(
        "ConnectionResetError")


def test_replies_to_a_post_that_was_not_sent_are_skipped(db_session, factory, setup):
    district, _, account = setup
    other = factory.post(district, state=PostState.PUBLISHED)
    db_session.add(OutboxRow(kind=OutboxKind.POST_CREATE, state=OutboxState.PENDING,
                             account_id=account.id, post_id=other.id,
                             revision_id=other.current_revision_id, platform_id="post-2",
                             idempotency_key=uuid.uuid4().hex))
    db_session.commit()
    fake = MemoryConnector()
    fake.add("Reply to an unsent post", to="post-2")
    assert poll(db_session, account, fake).unrelated == 1
    assert platform_comments(db_session) == []


# --- edits and deletions ----------------------------------------------------------------------

def test_an_edit_is_captured_screened_again_and_archived(db_session, setup):
    _, _, account = setup
    fake = MemoryConnector()
    item = fake.add("Thanks officers", to="post-1")
    poll(db_session, account, fake)
    fake.edit(item.platform_id, "Thanks officers, you morons")
    result = inbound.refresh_account(db_session, account, fake, T0 + timedelta(hours=2))
    db_session.commit()
    assert result.edited == 1

    (comment,) = platform_comments(db_session)
    assert comment.body == "Thanks officers, you morons"
    assert comment.state == CommentState.HELD and [f.rule for f in comment.flags] == ["attack"]
    assert comment.platform_edited_at == T0 + timedelta(hours=1)
    (event,) = db_session.scalars(select(CommentPlatformEvent))
    assert (event.kind, event.old_body, event.new_body) == (
        PlatformEventKind.EDITED, "Thanks officers", "Thanks officers, you morons")
    record = db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "comment.platform")).one()
    assert "Thanks officers, you morons" in record.content and record.state == "held"

    # looked up again unchanged: nothing new
    assert inbound.refresh_account(db_session, account, fake, T0 + timedelta(hours=3)).edited == 0


def test_a_deletion_leaves_public_view_but_stays_in_queue_archive_and_search(
        client, db_session, factory, setup):
    district, post, account = setup
    fake = MemoryConnector()
    kept = fake.add("The detour via Oak Avenue works well", to="post-1", author="kim")
    gone = fake.add("Zebracrossing paint is fading near the school", to="post-1", author="lee")
    poll(db_session, account, fake)
    page = client.get(f"/posts/{post.id}")
    assert "Zebracrossing" in page.text and "Reply on X" in page.text

    fake.delete(gone.platform_id)
    result = inbound.refresh_account(db_session, account, fake, T0 + timedelta(hours=1))
    db_session.commit()
    assert result.deleted == 1
    deleted = {c.platform_id: c for c in platform_comments(db_session)}[gone.platform_id]
    assert deleted.platform_deleted_at == T0 + timedelta(hours=1)
    assert deleted.body == gone.text  # nothing captured is purged
    assert [e.kind for e in db_session.scalars(select(CommentPlatformEvent))] == [
        PlatformEventKind.DELETED]

    page = client.get(f"/posts/{post.id}")
    assert "Zebracrossing" not in page.text and "Oak Avenue" in page.text

    # the queue and the comment page still show it, with the event
    from .conftest import sign_in
    sign_in(client, factory.user(Role.SERGEANT, district))
    queue = client.get("/console/moderation/?state=all")
    assert "Zebracrossing" in queue.text and "Deleted on the platform" in queue.text
    detail = client.get(f"/console/moderation/comments/{deleted.id}")
    assert detail.status_code == 200
    assert "Deleted on the platform" in detail.text and "@lee" in detail.text

    # and the records search finds it
    found = archive.search(db_session, SearchCriteria(text="Zebracrossing", record_type="comment"),
                           per_page=50)
    types = {r.record_type for r in found.items}
    assert {"comment", "comment.platform"} <= types
    assert all(str(deleted.id) == r.object_id for r in found.items)

    # the records officer's search page finds it too
    sign_in(client, factory.user(Role.RECORDS))
    page = client.get("/console/archive/?text=Zebracrossing")
    assert page.status_code == 200 and "comment.platform" in page.text
    record_id = max(r.id for r in found.items)
    assert "Zebracrossing" in client.get(f"/console/archive/records/{record_id}").text

    # a deleted reply is not looked up again
    assert inbound.refresh_account(db_session, account, fake, T0 + timedelta(hours=2)).deleted == 0
    assert kept.platform_id in {c.platform_id for c in platform_comments(db_session)}


# --- mirroring moderation ---------------------------------------------------------------------

def _moderate(session, user, comment, action, clause=""):
    reread(session)
    comment = session.get(Comment, comment.id)
    moderation.moderate(session, Actor(user), comment.id, action, comment.version, clause)
    session.commit()


def _mirrors(session, comment):
    reread(session)
    return list(session.scalars(select(OutboxRow).where(OutboxRow.comment_id == comment.id)
                                .order_by(OutboxRow.id)))


@pytest.mark.parametrize("platform", ["x", "bluesky", "local"])
def test_a_takedown_queues_a_hide_and_a_restore_the_unhide(db_session, factory, clauses,
                                                           platform):
    district = factory.district(moderation_mode=ModerationMode.POST)
    post = factory.post(district, state=PostState.PUBLISHED)
    account = connect(db_session, platform, district)
    sent_post(db_session, account, post, "root-1")
    fake = MemoryConnector(platform)
    fake.add("Nice work", to="root-1")
    poll(db_session, account, fake)
    (comment,) = platform_comments(db_session)
    sergeant = factory.user(Role.SERGEANT, district)

    _moderate(db_session, sergeant, comment, "hide", clauses[0].number)
    _moderate(db_session, sergeant, comment, "remove", clauses[0].number)  # already hidden
    (hide,) = _mirrors(db_session, comment)
    assert (hide.kind, hide.state, hide.account_id) == (
        OutboxKind.REPLY_HIDE, OutboxState.PENDING, account.id)
    assert hide.payload == {"platform_id": comment.platform_id, "root": "root-1",
                            "author_ref": "id-neighbour"}
    assert len(hide.idempotency_key) == 32

    _moderate(db_session, sergeant, comment, "restore")
    hide, unhide = _mirrors(db_session, comment)
    assert unhide.kind == OutboxKind.REPLY_UNHIDE and unhide.payload == hide.payload
    assert hide.idempotency_key != unhide.idempotency_key
    assert db_session.scalar(select(func.count()).select_from(ArchiveRecord).where(
        ArchiveRecord.record_type == "comment.mirror")) == 2
    assert {e.event for e in db_session.scalars(select(AuditEvent))} >= {
        "comment.mirror_hide", "comment.mirror_unhide"}


def test_approving_a_held_reply_that_was_never_hidden_sends_nothing(db_session, setup, factory):
    district, _, account = setup
    fake = MemoryConnector()
    fake.add("You are an idiot.", to="post-1")
    poll(db_session, account, fake)
    (comment,) = platform_comments(db_session)
    _moderate(db_session, factory.user(Role.SERGEANT, district), comment, "approve")
    assert _mirrors(db_session, comment) == []


def test_mastodon_records_that_no_platform_action_exists(db_session, factory, clauses):
    district = factory.district(moderation_mode=ModerationMode.POST)
    post = factory.post(district, state=PostState.PUBLISHED)
    account = connect(db_session, "mastodon", district, "district@social.example")
    sent_post(db_session, account, post, "110")
    fake = MemoryConnector("mastodon")
    fake.add("Rubbish", to="110")
    poll(db_session, account, fake)
    (comment,) = platform_comments(db_session)
    _moderate(db_session, factory.user(Role.SERGEANT, district), comment, "remove",
              clauses[0].number)
    assert _mirrors(db_session, comment) == []
    notes = [a.note for a in db_session.scalars(select(ModerationAction).where(
        ModerationAction.comment_id == comment.id))]
    assert any(n.startswith("No platform action exists") for n in notes)
    record = db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "comment.mirror")).one()
    assert '"platform_action":"none"' in record.content
    assert db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "comment.mirror_none")) == 1


def test_visitor_comments_are_not_mirrored(db_session, setup, factory, clauses):
    district, post, _ = setup
    from .routes.comments import make_comment
    visitor = make_comment(db_session, post, state=CommentState.VISIBLE)
    _moderate(db_session, factory.user(Role.SERGEANT, district), visitor, "hide",
              clauses[0].number)
    assert _mirrors(db_session, visitor) == []


def test_block_and_report_on_mastodon_are_each_their_own_outbox_row(db_session, factory, clauses):
    district = factory.district(moderation_mode=ModerationMode.POST)
    post = factory.post(district, state=PostState.PUBLISHED)
    account = connect(db_session, "mastodon", district, "district@social.example")
    sent_post(db_session, account, post, "110")
    fake = MemoryConnector("mastodon")
    fake.add("Spam spam", to="110", author="spammer")
    poll(db_session, account, fake)
    (comment,) = platform_comments(db_session)
    actor = Actor(factory.user(Role.REPRESENTATIVE, district))

    block = inbound.queue_author_block(db_session, actor, comment.id)
    report = inbound.queue_author_report(db_session, actor, comment.id, "Advertising.")
    db_session.commit()
    assert (block.kind, report.kind) == (OutboxKind.AUTHOR_BLOCK, OutboxKind.AUTHOR_REPORT)
    assert block.payload["author_ref"] == "id-spammer"
    assert report.payload["comment"] == "Advertising."
    assert report.payload["platform_ids"] == [comment.platform_id]
    assert block.comment_id == report.comment_id == comment.id
    with pytest.raises(Conflict):
        inbound.queue_author_block(db_session, actor, comment.id)
    db_session.rollback()
    with pytest.raises(ValidationFailed):
        inbound.queue_author_report(db_session, actor, comment.id, "  ")
    db_session.rollback()
    other = Actor(factory.user(Role.SERGEANT, factory.district()))
    with pytest.raises(PermissionDenied):
        inbound.queue_author_block(db_session, other, comment.id)
    db_session.rollback()


def test_block_is_refused_for_x_replies_and_visitor_comments(db_session, setup, factory):
    district, post, account = setup
    fake = MemoryConnector()
    fake.add("hello", to="post-1")
    poll(db_session, account, fake)
    (comment,) = platform_comments(db_session)
    actor = Actor(factory.user(Role.SERGEANT, district))
    with pytest.raises(ValidationFailed, match="Mastodon"):
        inbound.queue_author_block(db_session, actor, comment.id)
    from .routes.comments import make_comment
    visitor = make_comment(db_session, post)
    with pytest.raises(ValidationFailed, match="Beatdesk"):
        inbound.queue_author_block(db_session, actor, visitor.id)


# --- the moderation pages ---------------------------------------------------------------------

def test_queue_and_comment_page_show_the_platform_and_offer_mastodon_actions(
        client, db_session, factory, clauses):
    district = factory.district(moderation_mode=ModerationMode.PRE)
    post = factory.post(district, state=PostState.PUBLISHED)
    account = connect(db_session, "mastodon", district, "district@social.example")
    sent_post(db_session, account, post, "110")
    fake = MemoryConnector("mastodon")
    item = fake.add("When does the road reopen?", to="110", author="kim@town.example")
    poll(db_session, account, fake)
    (comment,) = platform_comments(db_session)
    from .conftest import sign_in
    sign_in(client, factory.user(Role.SERGEANT, district))

    queue = client.get("/console/moderation/")
    assert "Mastodon" in queue.text and "@kim@town.example" in queue.text
    page = client.get(f"/console/moderation/comments/{comment.id}")
    assert page.status_code == 200
    assert item.url in page.text and "https://platform.example/district/110" in page.text
    assert "Block the author on Mastodon" in page.text and "Report to the instance" in page.text
    assert "Nov 20, 2026, 9:00 AM CST" in page.text  # written, in the department's time zone

    answer = client.post(f"/console/moderation/comments/{comment.id}/platform-block")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"/console/moderation/comments/{comment.id}")
    again = client.post(f"/console/moderation/comments/{comment.id}/platform-block")
    assert again.status_code == 409 and "already" in again.text
    empty = client.post(f"/console/moderation/comments/{comment.id}/platform-report",
                        data={"reason": ""})
    assert empty.status_code == 400 and "Say why" in empty.text
    sent = client.post(f"/console/moderation/comments/{comment.id}/platform-report",
                       data={"reason": "Harassment of a neighbour."})
    assert sent.status_code == 303
    page = client.get(f"/console/moderation/comments/{comment.id}")
    assert "Block author" in page.text and "Report author" in page.text  # the queued rows
    reread(db_session)
    kinds = [r.kind for r in db_session.scalars(select(OutboxRow).where(
        OutboxRow.comment_id == comment.id).order_by(OutboxRow.id))]
    assert kinds == [OutboxKind.AUTHOR_BLOCK, OutboxKind.AUTHOR_REPORT]


def test_platform_actions_on_other_replies_are_refused_clearly(client, db_session, factory,
                                                               setup):
    district, post, account = setup
    fake = MemoryConnector()
    fake.add("hello", to="post-1")
    poll(db_session, account, fake)
    (comment,) = platform_comments(db_session)
    from .conftest import sign_in
    sign_in(client, factory.user(Role.SERGEANT, district))
    answer = client.post(f"/console/moderation/comments/{comment.id}/platform-block")
    assert answer.status_code == 400 and "Mastodon" in answer.text
    assert client.post("/console/moderation/comments/999999/platform-block").status_code == 404
    sign_in(client, factory.user(Role.SERGEANT, factory.district()))
    assert client.post(f"/console/moderation/comments/{comment.id}/platform-block"
                       ).status_code == 403


# --- the worker's entry point -----------------------------------------------------------------

def test_poll_due_polls_active_accounts_whose_turn_has_come(app, db_session, factory, setup):
    district, post, account = setup
    idle = connect(db_session, "x", district, "@idle")
    idle.active, idle.disconnected_at = False, T0
    recent = connect(db_session, "x", district, "@recent")
    recent.inbound_polled_at = T0 - timedelta(seconds=30)
    db_session.commit()
    fake = MemoryConnector()
    fake.add("Seen by the worker", to="post-1")
    built = []

    def connector_for(acct, config):
        built.append(acct.handle)
        return fake

    sessions = app.extensions["beatdesk.sessionmaker"]
    summary = inbound.poll_due(sessions, {"INBOUND_POLL_SECONDS": 120}, T0,
                               connector_for=connector_for)
    assert built == ["@district"] and not summary.failed
    assert [len(r.stored) for r in summary.polled] == [1]
    # the next run within the interval does nothing; after it, the account is polled again
    assert inbound.poll_due(sessions, {}, T0 + timedelta(seconds=60),
                            connector_for=connector_for).polled == []
    fake.edit(fake.items[0].platform_id, "Seen by the worker, and edited")
    later = inbound.poll_due(sessions, {}, T0 + timedelta(seconds=121),
                             connector_for=connector_for)
    assert {r.account_id: r.edited for r in later.polled} == {account.id: 1, recent.id: 0}
    assert [c.body for c in platform_comments(db_session)] == ["Seen by the worker, and edited"]


def test_poll_due_records_one_accounts_failure_and_goes_on(app, db_session, factory, setup):
    district, post, account = setup
    second = connect(db_session, "x", district, "@second")
    sent_post(db_session, second, post, "post-9")
    good = MemoryConnector()
    good.add("Fine", to="post-9")

    def connector_for(acct, config):
        if acct.id == account.id:
            raise RuntimeError("credentials do not open")
        return good

    summary = inbound.poll_due(app.extensions["beatdesk.sessionmaker"], {}, T0,
                               connector_for=connector_for)
    assert [a for a, _ in summary.failed] == [account.id]
    assert [len(r.stored) for r in summary.polled] == [1]


# --- never twice ------------------------------------------------------------------------------

@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_repeated_and_overlapping_polls_never_duplicate(db_session, setup, data):
    """Whatever cursors the polls start from (lost, stale, repeated), each reply is stored
    exactly once, and every reply is stored."""
    district, post, _ = setup
    account = connect(db_session, "x", district, f"@prop{uuid.uuid4().hex[:6]}")
    root = f"post-{uuid.uuid4().hex}"
    sent_post(db_session, account, post, root)
    fake = MemoryConnector()
    fake.page_size = data.draw(st.integers(1, 4), label="page size")
    count = data.draw(st.integers(1, 6), label="replies")
    for n in range(count):
        fake.add(f"reply {n}", to=root, platform_id=f"{uuid.uuid4().hex[:8]}-{n}")
    starts = data.draw(st.lists(st.integers(0, count), min_size=1, max_size=4), label="cursors")
    for start in starts:
        account.inbound_cursor = str(start)
        db_session.commit()
        poll(db_session, account, fake)
    # then polls from the stored cursor until the platform has nothing new
    account.inbound_cursor = "0"
    db_session.commit()
    for _ in range(count + 1):
        poll(db_session, account, fake)
    stored = [c.platform_id for c in platform_comments(db_session)
              if c.account_id == account.id]
    assert sorted(stored) == sorted(i.platform_id for i in fake.items)


def test_two_pollers_at_once_store_each_reply_once(app, db_session, setup):
    """Two workers poll the same account at the same moment, both having read the same page
    (PostgreSQL: the account's row lock and the unique index; SQLite: the write lock)."""
    _, _, account = setup
    fake = MemoryConnector()
    for n in range(6):
        fake.add(f"concurrent {n}", to="post-1")
    barrier = threading.Barrier(2)
    errors = []

    class Gate(MemoryConnector):
        def fetch_replies(self, cursor):
            page = fake.fetch_replies(cursor)
            barrier.wait(timeout=10)  # both have read the same page before either writes
            return page

    def worker():
        try:
            summary = inbound.poll_due(app.extensions["beatdesk.sessionmaker"], {}, T0,
                                       connector_for=lambda acct, config: Gate())
            errors.extend(summary.failed)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    bodies = [c.body for c in platform_comments(db_session)]
    assert sorted(bodies) == [f"concurrent {n}" for n in range(6)]

"""The Bluesky connector against the lexicon-checked fake PDS (``tests/fakes/bluesky_pds.py``)."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from atproto_client.models.string_formats import TID_RE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from beatdesk.counting import grapheme_count
from beatdesk.platforms import bluesky as bluesky_module
from beatdesk.platforms.base import (
    Connector,
    OutgoingImage,
    OutgoingPost,
    PermanentError,
    RateLimited,
    TransientError,
)
from beatdesk.platforms.bluesky import BlueskyConnector, is_tid, new_tid
from tests.fakes.bluesky_pds import FakePDS, bluesky_pds  # noqa: F401  (the fixture)



def _image(fmt: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 60, 90)).save(out, format=fmt)
    return out.getvalue()


PNG = _image("PNG", (40, 30))
JPEG = _image("JPEG", (20, 50))


@pytest.fixture(autouse=True)
def _no_kept_sessions():
    bluesky_module.forget_sessions()
    yield
    bluesky_module.forget_sessions()


@pytest.fixture
def connector(bluesky_pds):
    return BlueskyConnector(bluesky_pds.url, bluesky_pds.credentials(), bluesky_pds.did,
                            timeout=5)


def _post(text="Main Street is closed between 1st and 3rd until 6 p.m.", images=(), key=None):
    return OutgoingPost(text=text, images=tuple(images), key=key or new_tid(),
                        link="https://police.example.org/posts/1")


def _published(connector, fake):
    sent = connector.create_post(_post())
    return sent, sent.platform_id.rsplit("/", 1)[1]


# --- record keys ---------------------------------------------------------------------------------

def test_tids_are_13_sortable_unique_characters_the_lexicon_accepts():
    keys = [new_tid() for _ in range(2000)]
    assert len(set(keys)) == len(keys)
    assert keys == sorted(keys)
    for key in keys[:50] + keys[-50:]:
        assert len(key) == 13 and is_tid(key)
        assert TID_RE.match(key)
    # The time part is now, in microseconds since 1970.
    value = 0
    for ch in keys[-1]:
        value = value * 32 + "234567abcdefghijklmnopqrstuvwxyz".index(ch)
    micros = value >> 10
    assert abs(micros / 1e6 - datetime.now(timezone.utc).timestamp()) < 3600


def test_the_connector_meets_the_contract(connector):
    assert isinstance(connector, Connector)
    assert connector.platform == "bluesky"


# --- verify and the session ------------------------------------------------------------------------

def test_verify_reads_the_sessions_handle_and_did(connector, bluesky_pds):
    info = connector.verify()
    assert info.handle == bluesky_pds.handle
    assert info.account_ref == bluesky_pds.did
    assert info.display_name == "Police Department"
    assert info.url == f"https://bsky.app/profile/{bluesky_pds.handle}"
    assert bluesky_pds.errors == []


def test_a_wrong_app_password_is_permanent(bluesky_pds):
    connector = BlueskyConnector(bluesky_pds.url, {"identifier": bluesky_pds.handle,
                                                   "app_password": "wrong"}, "")
    with pytest.raises(PermanentError) as caught:
        connector.verify()
    assert caught.value.status == 401
    assert "AuthenticationRequired" in caught.value.message


def test_credentials_of_another_account_are_refused(bluesky_pds):
    connector = BlueskyConnector(bluesky_pds.url, bluesky_pds.credentials(), "did:plc:someoneelse")
    with pytest.raises(PermanentError, match="not to the connected account"):
        connector.verify()
    with pytest.raises(PermanentError):
        connector.create_post(_post())
    assert "com.atproto.repo.createRecord" not in bluesky_pds.calls


def test_the_console_stores_the_handle_as_handle(bluesky_pds):
    credentials = {"handle": "@" + bluesky_pds.handle, "app_password": bluesky_pds.password}
    info = BlueskyConnector(bluesky_pds.url, credentials, "").verify()
    assert info.account_ref == bluesky_pds.did


def test_missing_credentials_are_permanent(bluesky_pds):
    with pytest.raises(PermanentError, match="app password"):
        BlueskyConnector(bluesky_pds.url, {}, "").verify()


def test_the_session_is_kept_and_refreshed_when_it_runs_short():
    # Access tokens that live 10 minutes: under the client's 15-minute margin, so it refreshes.
    with FakePDS(access_ttl=600) as fake:
        connector = BlueskyConnector(fake.url, fake.credentials(), fake.did)
        connector.create_post(_post())
        connector.create_post(_post())
        assert fake.logins == 1
        assert fake.refreshes >= 1
        assert fake.calls.count("com.atproto.server.refreshSession") == fake.refreshes


def test_a_session_the_server_expired_is_opened_again_once(connector, bluesky_pds):
    connector.verify()
    bluesky_pds.expire_sessions()
    sent = connector.create_post(_post())
    assert bluesky_pds.logins == 2
    assert bluesky_pds.post(sent.platform_id.rsplit("/", 1)[1]) is not None


def test_the_next_connector_of_the_account_resumes_the_session(bluesky_pds):
    # The worker builds a connector per send and per poll; Bluesky allows 30 sign-ins in 5 min.
    for _ in range(3):
        BlueskyConnector(bluesky_pds.url, bluesky_pds.credentials(), bluesky_pds.did
                         ).fetch_replies("")
    assert bluesky_pds.logins == 1
    # A kept session the server no longer takes: sign in again, once, and go on.
    bluesky_pds.expire_sessions()
    BlueskyConnector(bluesky_pds.url, bluesky_pds.credentials(), bluesky_pds.did).fetch_replies("")
    assert bluesky_pds.logins == 2
    # Another app password is another session.
    other = {**bluesky_pds.credentials(), "app_password": "wrong"}
    with pytest.raises(PermanentError):
        BlueskyConnector(bluesky_pds.url, other, bluesky_pds.did).fetch_replies("")


def test_verify_always_signs_in_with_the_app_password(bluesky_pds):
    first = BlueskyConnector(bluesky_pds.url, bluesky_pds.credentials(), bluesky_pds.did)
    first.fetch_replies("")
    BlueskyConnector(bluesky_pds.url, bluesky_pds.credentials(), bluesky_pds.did).verify()
    assert bluesky_pds.logins == 2
    bluesky_module.forget_sessions()
    BlueskyConnector(bluesky_pds.url, bluesky_pds.credentials(), bluesky_pds.did).fetch_replies("")
    assert bluesky_pds.logins == 3


# --- posting -----------------------------------------------------------------------------------------

def test_a_post_with_images_and_alt_text_goes_under_the_chosen_key(connector, bluesky_pds):
    key = new_tid()
    post = _post(text="Lost dog found near Oak Park. Call 555-0100. https://police.example.org/d",
                 images=[OutgoingImage(PNG, "image/png", "A brown dog sitting on grass"),
                         OutgoingImage(JPEG, "image/jpeg", "The collar's tag, blank")],
                 key=key)
    sent = connector.create_post(post)
    assert sent.platform_id == f"at://{bluesky_pds.did}/app.bsky.feed.post/{key}"
    assert sent.url == f"https://bsky.app/profile/{bluesky_pds.did}/post/{key}"
    assert sent.sent_at is not None and sent.sent_at.tzinfo is not None
    record = bluesky_pds.post(key)
    assert record["text"] == post.text
    images = record["embed"]["images"]
    assert record["embed"]["$type"] == "app.bsky.embed.images"
    assert [image["alt"] for image in images] == ["A brown dog sitting on grass",
                                                  "The collar's tag, blank"]
    assert [(image["aspectRatio"]["width"], image["aspectRatio"]["height"])
            for image in images] == [(40, 30), (20, 50)]
    stored = [bluesky_pds.blobs[image["image"]["ref"]["$link"]] for image in images]
    assert stored == [("image/png", PNG), ("image/jpeg", JPEG)]
    # The link in the text is clickable (a facet), without any network look-up.
    assert record["facets"][0]["features"][0]["uri"] == "https://police.example.org/d"
    assert bluesky_pds.errors == []


def test_find_post_finds_the_record_by_its_key(connector, bluesky_pds):
    post = _post()
    assert connector.find_post(post, None) is None
    sent = connector.create_post(post)
    found = connector.find_post(post, None)
    assert found is not None
    assert (found.platform_id, found.url) == (sent.platform_id, sent.url)


def test_a_lost_answer_is_transient_and_the_retry_finds_the_post(connector, bluesky_pds):
    post = _post()
    bluesky_pds.inject("com.atproto.repo.createRecord", lost=True)
    with pytest.raises(TransientError) as caught:
        connector.create_post(post)
    assert isinstance(caught.value.__cause__, httpx.RemoteProtocolError)
    assert bluesky_pds.post(post.key) is not None          # the server did create it
    found = connector.find_post(post, None)                  # the worker looks before retrying
    assert found is not None
    assert found.platform_id.endswith("/" + post.key)
    assert bluesky_pds.calls.count("com.atproto.repo.createRecord") == 1


def test_a_second_create_under_an_existing_key_is_the_servers_500(connector, bluesky_pds):
    post = _post()
    connector.create_post(post)
    with pytest.raises(TransientError) as caught:
        connector.create_post(post)
    assert caught.value.status == 500
    assert len(bluesky_pds.records_in("app.bsky.feed.post")) == 1


def test_text_over_300_graphemes_is_refused_before_anything_is_sent(connector, bluesky_pds):
    with pytest.raises(PermanentError, match="301 characters"):
        connector.create_post(_post(text="a" * 301,
                                    images=[OutgoingImage(PNG, "image/png", "alt")]))
    assert bluesky_pds.calls == []
    # 300 graphemes made of 600 code points (combining accents) and astral flags are fine.
    text = "e\u0301" * 290 + "\U0001F1FA\U0001F1F8" * 10
    assert grapheme_count(text) == 300
    sent = connector.create_post(_post(text=text))
    assert bluesky_pds.post(sent.platform_id.rsplit("/", 1)[1])["text"] == text


def test_text_over_3000_bytes_is_refused_even_under_300_graphemes(connector, bluesky_pds):
    family = "\U0001F469\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"   # 1 grapheme, 25 bytes
    text = family * 121
    assert grapheme_count(text) == 121 and len(text.encode()) == 3025
    with pytest.raises(PermanentError, match="3025 bytes"):
        connector.create_post(_post(text=text))
    assert bluesky_pds.calls == []


@pytest.mark.parametrize("images, message", [
    ([OutgoingImage(PNG, "image/png", "  ")], "no alternative text"),
    ([OutgoingImage(PNG, "image/png", "x")] * 5, "at most 4 images"),
    ([OutgoingImage(b"x" * 1_000_001, "image/png", "big")], "bytes"),
    ([OutgoingImage(PNG, "text/plain", "x")], "not an image"),
])
def test_bad_images_are_refused_before_anything_is_sent(connector, bluesky_pds, images, message):
    with pytest.raises(PermanentError, match=message):
        connector.create_post(_post(images=images))
    assert bluesky_pds.calls == []


def test_a_key_that_is_not_a_tid_is_refused(connector, bluesky_pds):
    with pytest.raises(PermanentError, match="not a TID"):
        connector.create_post(OutgoingPost(text="hello", key="not-a-tid"))
    assert connector.find_post(OutgoingPost(text="hello", key="abc"), None) is None
    assert bluesky_pds.calls == []


@pytest.fixture(scope="module")
def shared_pds():
    with FakePDS() as fake:
        yield fake, BlueskyConnector(fake.url, fake.credentials(), fake.did)


_GRAPHEMES = st.one_of(
    st.characters(blacklist_categories=("Cs",)),
    st.sampled_from(["e\u0301", "\u0928\u093f", "\U0001F469\u200D\U0001F469\u200D\U0001F467",
                     "\U0001F1FA\U0001F1F8", "\U0001F44D\U0001F3FD", "\r\n", "\U00020BB7"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_GRAPHEMES, min_size=1, max_size=300).map("".join)
       .filter(lambda text: text.strip() and grapheme_count(text) <= 300
               and len(text.encode("utf-8")) <= 3000))
def test_any_text_of_at_most_300_graphemes_arrives_unchanged(shared_pds, text):
    fake, connector = shared_pds
    post = _post(text=text)
    connector.create_post(post)
    assert fake.post(post.key)["text"] == text
    assert fake.errors == []


# --- deleting ----------------------------------------------------------------------------------------

def test_delete_removes_the_post_and_its_threadgate_and_gone_counts_as_deleted(connector,
                                                                              bluesky_pds):
    sent, key = _published(connector, bluesky_pds)
    reply = bluesky_pds.add_reply(sent.platform_id, "nope")
    connector.hide_reply(reply, sent.platform_id)
    connector.delete_post(sent.platform_id)
    assert bluesky_pds.post(key) is None
    assert bluesky_pds.threadgate(key) is None
    connector.delete_post(sent.platform_id)                 # already gone: fine


def test_deleting_someone_elses_post_is_refused(connector, bluesky_pds):
    sent, _ = _published(connector, bluesky_pds)
    reply = bluesky_pds.add_reply(sent.platform_id, "mine")
    with pytest.raises(PermanentError, match="not a post of this account"):
        connector.delete_post(reply)
    with pytest.raises(PermanentError, match="not a Bluesky record"):
        connector.delete_post("https://bsky.app/x")
    assert bluesky_pds.calls.count("com.atproto.repo.deleteRecord") == 0


# --- replies -----------------------------------------------------------------------------------------

def test_replies_mentions_and_quotes_are_read_back_to_the_cursor(connector, bluesky_pds,
                                                                 monkeypatch):
    monkeypatch.setattr(bluesky_module, "NOTIFICATION_PAGE", 3)
    monkeypatch.setattr(bluesky_module, "OVERLAP", timedelta(0))
    sent, _ = _published(connector, bluesky_pds)
    for number in range(9):                                  # older pages, never read again
        bluesky_pds.add_like(sent.platform_id, f"early{number}.bsky.social")
    old = bluesky_pds.add_reply(sent.platform_id, "before we started listening")
    first = connector.fetch_replies("")                      # from now on
    assert first.items == [] and first.cursor

    reply = bluesky_pds.add_reply(sent.platform_id, "Thank you!", "alice.bsky.social", "Alice")
    for number in range(7):                                  # pages of other reasons
        bluesky_pds.add_like(sent.platform_id, f"fan{number}.bsky.social")
    mention = bluesky_pds.add_reply(sent.platform_id, "which street?", "bob.bsky.social",
                                    mention=True)
    bluesky_pds.add_follow()
    nested = bluesky_pds.add_reply(reply, "agreed", "carol.bsky.social")
    quote = bluesky_pds.add_quote(sent.platform_id, "Drive safe", "dan.bsky.social")
    for number in range(5):
        bluesky_pds.add_like(sent.platform_id, f"late{number}.bsky.social")

    calls_before = bluesky_pds.calls.count("app.bsky.notification.listNotifications")
    page = connector.fetch_replies(first.cursor)
    # The notification at the cursor's own time (``old``) comes again; inbound skips it.
    assert [item.platform_id for item in page.items] == [old, reply, mention, nested, quote]
    page.items.pop(0)
    assert [item.kind for item in page.items] == ["reply", "mention", "reply", "quote"]
    assert old not in {item.platform_id for item in page.items}
    by_id = {item.platform_id: item for item in page.items}
    assert by_id[reply].author_handle == "alice.bsky.social"
    assert by_id[reply].author_name == "Alice"
    assert by_id[reply].author_ref.startswith("did:plc:")
    assert by_id[reply].in_reply_to == by_id[reply].root == sent.platform_id
    assert by_id[nested].in_reply_to == reply and by_id[nested].root == sent.platform_id
    assert by_id[mention].in_reply_to == sent.platform_id
    assert by_id[quote].in_reply_to == sent.platform_id and by_id[quote].root is None
    assert all(item.created_at.tzinfo is not None for item in page.items)
    assert by_id[reply].url.startswith("https://bsky.app/profile/did:plc:")
    # Many short pages (reasons are filtered after paging), and it stopped at the cursor:
    # the pages before the first poll were not read again.
    notes = bluesky_pds.calls.count("app.bsky.notification.listNotifications") - calls_before
    # 17 notifications after the cursor, 3 a page: 6 pages read plus the one reaching the
    # cursor, and not the 3 older pages beyond it.
    assert 6 <= notes <= 7
    assert page.cursor > first.cursor
    assert bluesky_pds.errors == []

    # Nothing new: at most the item at the cursor's own time comes again (inbound skips it).
    again = connector.fetch_replies(page.cursor)
    assert {item.platform_id for item in again.items} <= {quote}
    assert again.cursor == page.cursor
    later = bluesky_pds.add_reply(sent.platform_id, "one more", "erin.bsky.social")
    newest = connector.fetch_replies(page.cursor)
    assert later in [item.platform_id for item in newest.items]
    assert reply not in [item.platform_id for item in newest.items]


def test_a_notification_indexed_just_before_the_cursor_is_still_read(connector, bluesky_pds):
    sent, _ = _published(connector, bluesky_pds)
    bluesky_pds.add_reply(sent.platform_id, "seen")
    page = connector.fetch_replies("")
    late = bluesky_pds.add_reply(sent.platform_id, "indexed late")
    # Indexed 30 seconds before the last poll's newest notification, visible only now.
    cursor_time = datetime.fromisoformat(page.cursor)
    bluesky_pds.notifications[-1]["indexedAt"] = bluesky_pds._stamp(
        cursor_time - timedelta(seconds=30))
    again = connector.fetch_replies(page.cursor)
    assert late in [item.platform_id for item in again.items]
    assert again.cursor == page.cursor


def test_with_nothing_to_read_the_first_cursor_still_catches_the_next_reply(connector,
                                                                           bluesky_pds):
    first = connector.fetch_replies("")
    assert first.items == [] and first.cursor
    sent, _ = _published(connector, bluesky_pds)
    reply = bluesky_pds.add_reply(sent.platform_id, "first!")
    page = connector.fetch_replies(first.cursor)
    assert [item.platform_id for item in page.items] == [reply]


def test_page_cursors_that_show_a_time_are_read_either_way():
    from beatdesk.platforms.bluesky import _cursor_time

    moment = datetime(2026, 11, 1, 12, 0, 5, tzinfo=timezone.utc)
    assert _cursor_time("2026-11-01T12:00:05.000Z") == moment
    assert _cursor_time(f"{int(moment.timestamp() * 1000)}::bafyreiabc") == moment
    assert _cursor_time("opaque-token") is None
    assert _cursor_time("") is None


def test_a_cursor_that_is_not_a_time_is_refused(connector):
    with pytest.raises(PermanentError, match="cursor"):
        connector.fetch_replies("abc")


def test_lookup_sees_edits_and_deletions(connector, bluesky_pds):
    sent, _ = _published(connector, bluesky_pds)
    kept = bluesky_pds.add_reply(sent.platform_id, "first words")
    edited = bluesky_pds.add_reply(sent.platform_id, "typo hree")
    gone = bluesky_pds.add_reply(sent.platform_id, "regret this")
    bluesky_pds.edit(edited, "typo here")
    bluesky_pds.delete(gone)
    items = {item.platform_id: item for item in connector.lookup([kept, edited, gone])}
    assert items[kept].text == "first words" and not items[kept].deleted
    assert items[edited].text == "typo here" and not items[edited].deleted
    assert items[gone].deleted
    assert connector.lookup([]) == []


def test_lookup_asks_in_batches_the_lexicon_allows(connector, bluesky_pds):
    sent, _ = _published(connector, bluesky_pds)
    replies = [bluesky_pds.add_reply(sent.platform_id, f"reply {n}") for n in range(30)]
    items = connector.lookup(replies)
    assert [item.platform_id for item in items] == replies
    assert bluesky_pds.calls.count("app.bsky.feed.getPosts") == 2
    assert bluesky_pds.errors == []


# --- hiding, blocking, reporting -------------------------------------------------------------------

def test_hiding_writes_the_root_posts_threadgate_with_compare_and_swap(connector, bluesky_pds):
    sent, key = _published(connector, bluesky_pds)
    first = bluesky_pds.add_reply(sent.platform_id, "rude")
    second = bluesky_pds.add_reply(first, "ruder")
    connector.hide_reply(first, sent.platform_id)
    gate = bluesky_pds.threadgate(key)
    assert gate["hiddenReplies"] == [first]
    assert gate["post"] == sent.platform_id
    creates = [body for nsid, body in bluesky_pds.bodies if nsid == "com.atproto.repo.createRecord"
               and body["collection"] == "app.bsky.feed.threadgate"]
    assert len(creates) == 1 and creates[0]["rkey"] == key

    connector.hide_reply(second, None)                       # root found from the reply
    assert bluesky_pds.threadgate(key)["hiddenReplies"] == [first, second]
    puts = [body for nsid, body in bluesky_pds.bodies if nsid == "com.atproto.repo.putRecord"]
    assert len(puts) == 1 and puts[0]["swapRecord"]

    before = len(bluesky_pds.bodies)
    connector.hide_reply(first, sent.platform_id)            # already hidden: nothing written
    assert all(nsid != "com.atproto.repo.putRecord" for nsid, _ in bluesky_pds.bodies[before:])

    connector.hide_reply(first, sent.platform_id, hidden=False)
    assert bluesky_pds.threadgate(key)["hiddenReplies"] == [second]
    assert bluesky_pds.errors == []


def test_a_threadgate_changed_between_read_and_write_is_read_again(connector, bluesky_pds):
    sent, key = _published(connector, bluesky_pds)
    ours = bluesky_pds.add_reply(sent.platform_id, "spam")
    theirs = bluesky_pds.add_reply(sent.platform_id, "more spam")
    bluesky_pds.set_threadgate(key, [])
    # Another client of the account hides a reply just before our write arrives.
    bluesky_pds.inject("com.atproto.repo.putRecord",
                       before=lambda: bluesky_pds.set_threadgate(key, [theirs]))
    connector.hide_reply(ours, sent.platform_id)
    assert set(bluesky_pds.threadgate(key)["hiddenReplies"]) == {ours, theirs}
    assert bluesky_pds.calls.count("com.atproto.repo.putRecord") == 2


def test_a_threadgate_created_meanwhile_is_swapped_not_overwritten(connector, bluesky_pds):
    sent, key = _published(connector, bluesky_pds)
    ours = bluesky_pds.add_reply(sent.platform_id, "spam")
    theirs = bluesky_pds.add_reply(sent.platform_id, "more spam")
    bluesky_pds.inject("com.atproto.repo.createRecord",
                       before=lambda: bluesky_pds.set_threadgate(key, [theirs]))
    connector.hide_reply(ours, sent.platform_id)
    assert set(bluesky_pds.threadgate(key)["hiddenReplies"]) == {ours, theirs}


def test_the_threadgates_reply_rules_are_kept(connector, bluesky_pds):
    sent, key = _published(connector, bluesky_pds)
    reply = bluesky_pds.add_reply(sent.platform_id, "hmm")
    bluesky_pds.set_threadgate(key, [])
    rules = [{"$type": "app.bsky.feed.threadgate#followingRule"}]
    bluesky_pds.records[(bluesky_pds.did, "app.bsky.feed.threadgate", key)].value["allow"] = rules
    connector.hide_reply(reply, sent.platform_id)
    assert bluesky_pds.threadgate(key)["allow"] == rules


def test_a_threadgate_that_keeps_changing_gives_up_as_transient(connector, bluesky_pds):
    sent, key = _published(connector, bluesky_pds)
    reply = bluesky_pds.add_reply(sent.platform_id, "x")
    bluesky_pds.set_threadgate(key, [])
    counter = iter(range(100))
    bluesky_pds.inject("com.atproto.repo.putRecord", times=bluesky_module.SWAP_ATTEMPTS,
                       before=lambda: bluesky_pds.set_threadgate(
                           key, [bluesky_pds.add_reply(sent.platform_id, f"n{next(counter)}")]))
    with pytest.raises(TransientError, match="kept changing"):
        connector.hide_reply(reply, sent.platform_id)
    assert reply not in bluesky_pds.threadgate(key)["hiddenReplies"]


def test_replies_under_someone_elses_post_cannot_be_hidden(connector, bluesky_pds):
    sent, _ = _published(connector, bluesky_pds)
    reply = bluesky_pds.add_reply(sent.platform_id, "x")
    with pytest.raises(PermanentError, match="not a post of this account"):
        connector.hide_reply(reply, reply)


def test_block_creates_one_block_record(connector, bluesky_pds):
    troll = bluesky_pds.add_account("troll.bsky.social")
    connector.block(troll.did)
    connector.block(troll.did)                                # already blocked: nothing new
    blocks = bluesky_pds.records_in("app.bsky.graph.block")
    assert [value["subject"] for value in blocks.values()] == [troll.did]
    with pytest.raises(PermanentError):
        connector.block("troll.bsky.social")


def test_report_names_the_posts_or_the_account(connector, bluesky_pds):
    sent, _ = _published(connector, bluesky_pds)
    reply = bluesky_pds.add_reply(sent.platform_id, "a threat", "troll.bsky.social")
    troll = bluesky_pds.add_account("troll.bsky.social")
    connector.report(troll.did, [reply], "Threatens an officer (Takedown Policy 3.2)")
    connector.report(troll.did, [], "Repeated harassment")
    first, second = bluesky_pds.reports
    assert first["subject"]["uri"] == reply and first["subject"]["cid"]
    assert first["reason"].startswith("Threatens")
    assert second["subject"]["did"] == troll.did
    assert first["proxy"].endswith("#atproto_labeler")
    assert bluesky_pds.errors == []


# --- errors ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient(connector, bluesky_pds, status):
    bluesky_pds.inject("com.atproto.repo.createRecord", status=status)
    with pytest.raises(TransientError) as caught:
        connector.create_post(_post())
    assert caught.value.status == status
    assert not isinstance(caught.value, RateLimited)


def test_429_is_rate_limited_until_the_reset_header(connector, bluesky_pds):
    reset = int(datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc).timestamp())
    bluesky_pds.inject("app.bsky.notification.listNotifications", status=429,
                       headers={"ratelimit-limit": "3000", "ratelimit-remaining": "0",
                                "ratelimit-reset": str(reset), "ratelimit-policy": "3000;w=300"})
    with pytest.raises(RateLimited) as caught:
        connector.fetch_replies("")
    assert caught.value.reset_at == datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    assert caught.value.retryable


@pytest.mark.parametrize("status, error", [(400, "InvalidRequest"), (403, "Forbidden"),
                                           (404, "NotFound"), (413, "PayloadTooLarge")])
def test_other_4xx_are_permanent_with_the_servers_words(connector, bluesky_pds, status, error):
    bluesky_pds.inject("com.atproto.repo.createRecord", status=status, error=error,
                       message="the server says no")
    with pytest.raises(PermanentError) as caught:
        connector.create_post(_post())
    assert caught.value.status == status
    assert "the server says no" in caught.value.message
    assert not caught.value.retryable


def test_a_lost_answer_on_a_read_is_transient(connector, bluesky_pds):
    bluesky_pds.inject("app.bsky.feed.getPosts", lost=True)
    with pytest.raises(TransientError):
        connector.lookup(["at://did:plc:abc/app.bsky.feed.post/3jzfcijpj2z2a"])


def test_a_server_that_cannot_be_reached_is_transient():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    connector = BlueskyConnector(f"http://127.0.0.1:{port}",
                                 {"identifier": "a.bsky.social", "app_password": "x"}, "")
    with pytest.raises(TransientError):
        connector.verify()


# --- the fake itself refuses what the lexicons refuse ----------------------------------------------

def test_the_fake_answers_400_to_bodies_the_lexicon_refuses(connector, bluesky_pds):
    connector.verify()
    token = connector._client._session.access_jwt
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{bluesky_pds.url}/xrpc/com.atproto.repo.createRecord"
    missing_text = {"repo": bluesky_pds.did, "collection": "app.bsky.feed.post",
                    "rkey": new_tid(), "record": {"$type": "app.bsky.feed.post",
                                                  "createdAt": "2026-11-30T12:00:00Z"}}
    answer = httpx.post(url, json=missing_text, headers=headers)
    assert answer.status_code == 400 and answer.json()["error"] == "InvalidRecord"
    no_alt = {**missing_text, "record": {
        "$type": "app.bsky.feed.post", "text": "x", "createdAt": "2026-11-30T12:00:00Z",
        "embed": {"$type": "app.bsky.embed.images", "images": [{"image": {
            "$type": "blob", "ref": {"$link": "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy"},
            "mimeType": "image/png", "size": 10}}]}}}
    answer = httpx.post(url, json=no_alt, headers=headers)
    assert answer.status_code == 400
    not_a_did = {**missing_text, "repo": "not a did"}
    answer = httpx.post(url, json=not_a_did, headers=headers)
    assert answer.status_code == 400 and answer.json()["error"] == "InvalidRequest"
    bad_key = {**missing_text, "rkey": "self", "record": {
        "$type": "app.bsky.feed.post", "text": "x", "createdAt": "2026-11-30T12:00:00Z"}}
    answer = httpx.post(url, json=bad_key, headers=headers)
    assert answer.status_code == 400
    answer = httpx.post(url, json=missing_text)
    assert answer.status_code == 401
    answer = httpx.get(f"{bluesky_pds.url}/xrpc/app.bsky.notification.listNotifications",
                       params={"limit": "500"}, headers=headers)
    assert answer.status_code == 400

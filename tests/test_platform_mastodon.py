"""The Mastodon connector, driven against the fake Mastodon instance (tests/fakes/mastodon_api.py),
which holds every request and answer to Mastodon's pinned API document."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beatdesk.platforms.base import (Connector, NotSupported, OutgoingImage, OutgoingPost,
                                     PermanentError, RateLimited, TransientError)
from beatdesk.platforms.mastodon import MastodonConnector, html_to_text
from tests.fakes.mastodon_api import FakeMastodon, mastodon_fake  # noqa: F401 (fixture)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 32


def _post(text: str = "Road closed on Main St until 6 pm.", *, images=(), key: str | None = None):
    return OutgoingPost(text=text, images=tuple(images), key=key or uuid.uuid4().hex,
                        link="https://beatdesk.test/posts/1")


def _images():
    return (OutgoingImage(PNG, "image/png", "A barrier across Main St.", "barrier.png"),
            OutgoingImage(JPEG, "image/jpeg", "The detour signs at 5th Ave.", "detour.jpg"))


# --- account and contract ----------------------------------------------------------------------

def test_the_connector_implements_the_contract(mastodon_fake):
    connector = mastodon_fake.connector()
    assert isinstance(connector, Connector)
    assert connector.platform == "mastodon"


def test_verify_reads_the_account(mastodon_fake):
    info = mastodon_fake.connector().verify()
    assert info.account_ref == mastodon_fake.me["id"]
    assert info.handle == "@district1@social.test"
    assert info.url == "https://social.test/@district1"
    assert mastodon_fake.calls("getAccountsVerifyCredentials")


def test_a_wrong_token_is_a_permanent_error_with_the_servers_message(mastodon_fake):
    connector = MastodonConnector(mastodon_fake.base_url, {"access_token": "wrong"}, "1",
                                  timeout=5)
    with pytest.raises(PermanentError) as caught:
        connector.verify()
    assert caught.value.status == 401
    assert not caught.value.retryable
    assert "The access token is invalid" in caught.value.message


def test_an_account_without_a_token_or_address_is_refused_clearly():
    with pytest.raises(PermanentError, match="no access token"):
        MastodonConnector("http://127.0.0.1:9", {}, "1")
    with pytest.raises(PermanentError, match="no instance address"):
        MastodonConnector("", {"access_token": "t"}, "1")


# --- posting -----------------------------------------------------------------------------------

def test_post_with_images_sends_alt_text_and_the_idempotency_key(mastodon_fake):
    post = _post(images=_images(), key="outbox-row-17")
    sent = mastodon_fake.connector().create_post(post)

    [status] = mastodon_fake.own_statuses()
    assert sent.platform_id == status.id
    assert sent.url == f"https://social.test/@district1/{status.id}"
    assert sent.sent_at is not None and sent.sent_at.tzinfo is not None
    assert status.text == post.text
    assert status.idempotency_key == "outbox-row-17"
    media = [mastodon_fake.media[m] for m in status.media_ids]
    assert [m["description"] for m in media] == ["A barrier across Main St.",
                                                 "The detour signs at 5th Ave."]
    assert [m["data"] for m in media] == [PNG, JPEG]
    assert [m["mime"] for m in media] == ["image/png", "image/jpeg"]
    [create] = mastodon_fake.calls("createStatus")
    assert create["headers"]["Idempotency-Key"] == "outbox-row-17"
    assert len(mastodon_fake.calls("createMediaV2")) == 2
    assert not mastodon_fake.calls("createMedia")  # never the deprecated v1 upload


def test_text_only_post(mastodon_fake):
    sent = mastodon_fake.connector().create_post(_post("Nothing but words."))
    assert mastodon_fake.statuses[sent.platform_id].text == "Nothing but words."
    assert not mastodon_fake.calls("createMediaV2")


def test_media_still_processing_is_waited_for_before_the_status(mastodon_fake):
    mastodon_fake.media_processing_polls = 2
    sleeps: list[float] = []
    connector = mastodon_fake.connector(sleep=sleeps.append, media_poll_interval=0.5)
    sent = connector.create_post(_post(images=_images()[:1]))
    assert mastodon_fake.statuses[sent.platform_id].media_ids
    assert len(mastodon_fake.calls("getMedia")) == 3  # 206, 206, 200
    assert sleeps == [0.5, 0.5]


def test_media_that_never_finishes_processing_is_a_transient_error(mastodon_fake):
    mastodon_fake.media_processing_polls = 1000
    connector = mastodon_fake.connector(media_wait_seconds=3, media_poll_interval=1)
    with pytest.raises(TransientError, match="still processing"):
        connector.create_post(_post(images=_images()[:1]))
    assert not mastodon_fake.own_statuses()


def test_the_deprecated_v1_upload_is_refused_and_never_used(mastodon_fake):
    connector = mastodon_fake.connector()
    # Mastodon.py, built with version_check_mode="none", believes the server is 1.0.0, so its own
    # media_post would choose the deprecated POST /api/v1/media: the connector pins /api/v2/media.
    assert connector.client.mastodon_major == 1
    connector.create_post(_post(images=_images()))
    assert not mastodon_fake.calls("createMedia") and mastodon_fake.calls("createMediaV2")
    # And the fake refuses the deprecated endpoint, so a connector that used it would fail here.
    with pytest.raises(PermanentError) as caught:
        connector._request("POST", "/api/v1/media", {"description": "x"},
                           files={"file": ("x.png", PNG, "image/png")})
    assert caught.value.status == 410
    assert any("deprecated" in v for v in mastodon_fake.violations)
    mastodon_fake.violations.clear()  # provoked on purpose


@pytest.mark.parametrize("drop", [False, True], ids=["502-after-commit", "connection-dropped"])
def test_a_lost_answer_then_a_retry_makes_no_second_status(mastodon_fake, drop):
    connector = mastodon_fake.connector()
    post = _post(images=_images(), key="row-42")
    mastodon_fake.lose_response_next("createStatus", drop=drop)
    with pytest.raises(TransientError) as caught:
        connector.create_post(post)
    assert caught.value.retryable
    [status] = mastodon_fake.own_statuses()  # Mastodon did carry it out

    found = connector.find_post(post, since=datetime.now(UTC) - timedelta(minutes=1))
    assert found is not None and found.platform_id == status.id

    # Within the hour, a retry of the create is replayed under the same Idempotency-Key.
    again = connector.create_post(post)
    assert again.platform_id == status.id
    assert len(mastodon_fake.own_statuses()) == 1


def test_a_time_out_after_the_instance_made_the_status_then_a_retry_makes_no_second(
        mastodon_fake):
    impatient = mastodon_fake.connector(timeout=0.3)
    post = _post(key="slow-row")
    mastodon_fake.hang_next("createStatus", seconds=5)
    with pytest.raises(TransientError, match="No answer"):
        impatient.create_post(post)
    [status] = mastodon_fake.own_statuses()
    connector = mastodon_fake.connector()
    assert connector.find_post(post, None).platform_id == status.id
    assert connector.create_post(post).platform_id == status.id
    assert len(mastodon_fake.own_statuses()) == 1


def test_find_post_after_the_idempotency_hour_looks_the_post_up(mastodon_fake):
    connector = mastodon_fake.connector()
    since = datetime.now(UTC) - timedelta(minutes=1)
    for number in range(3):
        connector.create_post(_post(f"Other post {number}."))
    post = _post("Lost answer & <angle brackets>\nsecond line", images=_images()[:1], key="k")
    mastodon_fake.lose_response_next("createStatus")
    with pytest.raises(TransientError):
        connector.create_post(post)
    connector.create_post(_post("A later post."))
    mastodon_fake.expire_idempotency()

    target = [s for s in mastodon_fake.own_statuses() if s.idempotency_key == "k"][0]
    found = connector.find_post(post, since)
    assert found is not None and found.platform_id == target.id
    # The same text with other images, or other text, is not the post.
    assert connector.find_post(_post(post.text, images=_images()[1:]), since) is None
    assert connector.find_post(_post("Never sent."), since) is None
    # What a server may normalise on the way in still matches: composition and line endings.
    composed = _post("Caf\u00e9 closed.\nDetour.")
    connector.create_post(composed)
    mastodon_fake.own_statuses()[-1].text = "Cafe\u0301 closed.\r\nDetour."
    assert connector.find_post(composed, since) is not None


def test_find_post_reads_the_account_id_when_it_was_not_stored(mastodon_fake):
    connector = MastodonConnector(mastodon_fake.base_url, mastodon_fake.credentials, "",
                                  timeout=5)
    post = _post()
    sent = connector.create_post(post)
    assert connector.find_post(post, None).platform_id == sent.platform_id


# --- delete ------------------------------------------------------------------------------------

def test_delete_and_a_post_already_gone_counts_as_deleted(mastodon_fake):
    connector = mastodon_fake.connector()
    sent = connector.create_post(_post())
    connector.delete_post(sent.platform_id)
    assert mastodon_fake.statuses[sent.platform_id].deleted
    connector.delete_post(sent.platform_id)           # 404 now: already gone
    connector.delete_post("110999999999999999")      # never existed
    assert len(mastodon_fake.calls("deleteStatus")) == 3


# --- replies -----------------------------------------------------------------------------------

def test_notifications_since_the_cursor_across_pages(mastodon_fake):
    connector = mastodon_fake.connector()
    sent = connector.create_post(_post())
    old = mastodon_fake.add_reply(sent.platform_id, "Before we started reading.")

    first = connector.fetch_replies("")                # "from now on"
    assert first.items == [] and first.cursor
    assert old not in [i.platform_id for i in first.items]

    mastodon_fake.page_cap = 5                         # pages of five: 13 items, three pages
    replies = [mastodon_fake.add_reply(sent.platform_id, f"Reply {n}",
                                       f"@person{n % 7}@elsewhere.test") for n in range(12)]
    mastodon_fake.add_notification("favourite")
    mention = mastodon_fake.add_mention("@district1 is the road open?", "@asker@other.test")

    page = connector.fetch_replies(first.cursor)
    assert [i.platform_id for i in page.items] == replies + [mention]   # oldest first
    assert {i.kind for i in page.items[:-1]} == {"reply"}
    assert page.items[-1].kind == "mention" and page.items[-1].in_reply_to is None
    reply = page.items[0]
    assert reply.text == "Reply 0"
    assert reply.in_reply_to == sent.platform_id
    assert reply.author_handle == "@person0@elsewhere.test"
    assert reply.author_ref == mastodon_fake.account_for("@person0@elsewhere.test")["id"]
    assert reply.url.endswith("/" + reply.platform_id)
    assert reply.created_at.tzinfo is not None
    reads = mastodon_fake.calls("getNotifications")
    assert len(reads) == 1 + 4                          # "from now on"; 3 pages and an empty one
    notified = {n["status_id"]: n["id"] for n in mastodon_fake.notifications}
    assert [r["args"].get("min_id") for r in reads[1:]] == [
        [first.cursor], [notified[replies[4]]], [notified[replies[9]]], [notified[mention]]]
    assert page.cursor == notified[mention]
    assert all(r["args"].get("types[]") == ["mention", "quote"] for r in reads)

    later = connector.fetch_replies(page.cursor)
    assert later.items == [] and later.cursor == page.cursor
    newest = mastodon_fake.add_reply(sent.platform_id, "One more.")
    assert [i.platform_id for i in connector.fetch_replies(page.cursor).items] == [newest]


def test_from_now_on_with_no_notifications_reads_everything_that_arrives(mastodon_fake):
    connector = mastodon_fake.connector()
    start = connector.fetch_replies("")
    assert start.items == [] and start.cursor == "0"
    mention = mastodon_fake.add_mention("hello")
    assert [i.platform_id for i in connector.fetch_replies(start.cursor).items] == [mention]


def test_quotes_of_the_departments_posts_are_read_in_as_quotes(mastodon_fake):
    connector = mastodon_fake.connector()
    sent = connector.create_post(_post())
    quote = mastodon_fake.add_quote(sent.platform_id, "Quoting this.")
    both = mastodon_fake.add_quote(sent.platform_id, "@district1 quoting and asking.",
                                   mention=True)
    reply = mastodon_fake.add_reply(sent.platform_id, "A plain reply.")
    page = connector.fetch_replies("0")
    assert [(i.platform_id, i.kind, i.in_reply_to) for i in page.items] == [
        (quote, "quote", sent.platform_id), (both, "quote", sent.platform_id),
        (reply, "reply", sent.platform_id)]


def test_private_mentions_and_followers_only_replies_are_not_read_in(mastodon_fake):
    connector = mastodon_fake.connector()
    sent = connector.create_post(_post())
    mastodon_fake.add_mention("a private message", visibility="direct")
    mastodon_fake.add_reply(sent.platform_id, "followers only", visibility="private")
    unlisted = mastodon_fake.add_reply(sent.platform_id, "unlisted", visibility="unlisted")
    public = mastodon_fake.add_reply(sent.platform_id, "public")
    page = connector.fetch_replies("0")
    assert [i.platform_id for i in page.items] == [unlisted, public]
    assert page.cursor == mastodon_fake.notifications[-1]["id"]


def test_lookup_sees_edits_and_deletions(mastodon_fake):
    connector = mastodon_fake.connector()
    sent = connector.create_post(_post())
    edited = mastodon_fake.add_reply(sent.platform_id, "First words.")
    deleted = mastodon_fake.add_reply(sent.platform_id, "Soon gone.")
    kept = mastodon_fake.add_reply(sent.platform_id, "Unchanged.")
    mastodon_fake.edit(edited, "Second thoughts.")
    mastodon_fake.delete(deleted)

    items = {i.platform_id: i for i in connector.lookup([edited, deleted, kept])}
    assert items[edited].text == "Second thoughts." and items[edited].edited_at is not None
    assert not items[edited].deleted
    assert items[deleted].deleted
    assert items[kept].text == "Unchanged." and items[kept].edited_at is None


# --- moderation --------------------------------------------------------------------------------

def test_hiding_a_reply_is_not_supported_and_says_what_to_do(mastodon_fake):
    connector = mastodon_fake.connector()
    with pytest.raises(NotSupported, match="block or report the author instead"):
        connector.hide_reply("110000000000000009", None)
    with pytest.raises(NotSupported):
        connector.hide_reply("110000000000000009", None, hidden=False)
    assert mastodon_fake.requests == []                 # nothing was sent


def test_block_and_report(mastodon_fake):
    connector = mastodon_fake.connector()
    sent = connector.create_post(_post())
    reply = mastodon_fake.add_reply(sent.platform_id, "abuse", "@troll@bad.test")
    author = mastodon_fake.statuses[reply].account_id

    connector.block(author)
    assert mastodon_fake.blocks == [author]
    connector.report(author, [reply], "Threat against an officer (Takedown Policy 3.2).")
    [report] = mastodon_fake.reports
    assert report["account_id"] == author
    assert report["status_ids"] == [reply]
    assert report["comment"] == "Threat against an officer (Takedown Policy 3.2)."


def test_report_of_an_unknown_account_is_a_permanent_error(mastodon_fake):
    with pytest.raises(PermanentError) as caught:
        mastodon_fake.connector().report("1", [], "x")
    assert caught.value.status == 404 and "Record not found" in caught.value.message


# --- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient_and_nothing_is_created(mastodon_fake, status):
    connector = mastodon_fake.connector()
    mastodon_fake.fail_next("createStatus", status=status)
    with pytest.raises(TransientError) as caught:
        connector.create_post(_post())
    assert caught.value.retryable and caught.value.status == status
    assert not isinstance(caught.value, RateLimited)
    assert not mastodon_fake.own_statuses()
    connector.create_post(_post())                       # the next try goes through
    assert len(mastodon_fake.own_statuses()) == 1


def test_a_dropped_connection_is_transient(mastodon_fake):
    mastodon_fake.drop_next("getNotifications")
    with pytest.raises(TransientError) as caught:
        mastodon_fake.connector().fetch_replies("0")
    assert caught.value.retryable and caught.value.status is None


def test_an_unreachable_instance_is_transient():
    import socket
    with socket.socket() as probe:                       # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connector = MastodonConnector(f"http://127.0.0.1:{port}", {"access_token": "t"}, "1",
                                  timeout=2)
    with pytest.raises(TransientError):
        connector.verify()


def test_429_is_rate_limited_until_the_reset_header(mastodon_fake):
    connector = mastodon_fake.connector()
    reset = mastodon_fake.rate_limit_next("createMediaV2")
    with pytest.raises(RateLimited) as caught:
        connector.create_post(_post(images=_images()))
    assert caught.value.reset_at == reset
    assert caught.value.status == 429 and caught.value.retryable
    assert not mastodon_fake.own_statuses()


def test_text_refused_by_the_instance_is_permanent_with_its_message(mastodon_fake):
    with pytest.raises(PermanentError) as caught:
        mastodon_fake.connector().create_post(_post("x" * 501))
    assert caught.value.status == 422
    assert "character limit of 500" in caught.value.message
    assert not caught.value.retryable


def test_more_than_four_images_are_refused_before_any_upload(mastodon_fake):
    image = _images()[0]
    with pytest.raises(PermanentError, match="at most four"):
        mastodon_fake.connector().create_post(_post(images=[image] * 5))
    assert mastodon_fake.requests == []


# --- text arrives unchanged --------------------------------------------------------------------

_letters = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"))
_special = st.sampled_from(["😀", "𝔘", "𠜎", "e\u0301", "a\u0308\u0323", "&amp;", "<b>", "\"'",
                            "\n", "\n\n", " ", "\u200d", "👩‍👩‍👧"])
_texts = st.lists(st.one_of(_letters, _special), min_size=1, max_size=40).map("".join).filter(
    lambda t: t.strip() != "")


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_texts)
def test_unicode_text_arrives_unchanged_both_ways(mastodon_fake, text):
    connector = mastodon_fake.connector()
    sent = connector.create_post(_post(text))
    assert mastodon_fake.statuses[sent.platform_id].text == text

    reply = mastodon_fake.add_reply(sent.platform_id, text)
    [item] = connector.lookup([reply])
    assert item.text == text


def test_html_to_text_keeps_links_hidden_parts_and_line_breaks():
    content = ('<p>See <a href="https://x.test/a/long/path"><span class="invisible">https://'
               '</span><span class="ellipsis">x.test/a/lo</span><span class="invisible">ng/path'
               '</span></a> &amp; more<br />next</p><p>para</p>')
    assert html_to_text(content) == "See https://x.test/a/long/path & more\nnext\n\npara"
    assert html_to_text("") == ""
    assert html_to_text("plain &lt;b&gt;") == "plain <b>"
    quoted = ('<p class="quote-inline">RE: <a href="https://s.test/@a/1">s.test/@a/1</a></p>'
              '<p>My comment</p>')
    assert html_to_text(quoted) == "My comment"


def test_the_reset_time_is_read_whatever_the_header_case_or_form():
    from requests.structures import CaseInsensitiveDict
    connector = MastodonConnector("http://127.0.0.1:9", {"access_token": "t"}, "1")
    connector._last_headers = CaseInsensitiveDict({"x-ratelimit-reset": "2026-12-01T10:05:00.000Z"})
    assert connector._reset_at() == datetime(2026, 12, 1, 10, 5, tzinfo=UTC)
    connector._last_headers = CaseInsensitiveDict({"X-RateLimit-Reset": "1796119500"})
    assert connector._reset_at() == datetime.fromtimestamp(1796119500, UTC)
    connector._last_headers = CaseInsensitiveDict({"X-RateLimit-Reset": "soon"})
    assert connector._reset_at() is None

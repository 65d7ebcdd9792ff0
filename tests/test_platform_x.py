"""The X connector driven against the fake X, which holds every request to X's published API."""
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from twitter_text import extract_urls_with_indices

from beatdesk.platforms import x as x_module
from beatdesk.platforms.base import (Connector, DuplicateContent, NotSupported, OutgoingImage,
                                     OutgoingPost, PermanentError, RateLimited, TransientError)
from beatdesk.platforms.x import XConnector
from tests.fakes.x_api import ACCOUNT_USERNAME, XFake, x_fake  # noqa: F401 (fixture)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def image(number: int, data: bytes = PNG) -> OutgoingImage:
    return OutgoingImage(data=data + bytes([number]), mime_type="image/png",
                         alt_text=f"Photo {number}: officers at the Öffentlichkeit day 🚓",
                         filename=f"photo{number}.png")


def publish(fake: XFake, text: str = "Road closed on Main St until 5 pm.") -> str:
    return fake.connector().create_post(OutgoingPost(text=text, key="k1")).platform_id


# --- account ---------------------------------------------------------------------------------

def test_the_connector_keeps_the_contract(x_fake):
    assert isinstance(x_fake.connector(), Connector)
    assert x_fake.connector().platform == "x"


def test_verify_reads_the_account(x_fake):
    info = x_fake.connector().verify()
    assert info.handle == f"@{ACCOUNT_USERNAME}"
    assert info.account_ref == x_fake.account_id
    assert info.url == f"https://x.com/{ACCOUNT_USERNAME}"
    assert info.display_name == "Beatdesk Police Department"
    assert x_fake.calls == ["getUsersMe"]


def test_verify_with_a_wrong_token_is_permanent_with_xs_message(x_fake):
    connector = XConnector(x_fake.base_url, {"access_token": "revoked"}, x_fake.account_id)
    with pytest.raises(PermanentError) as caught:
        connector.verify()
    assert not isinstance(caught.value, TransientError)
    assert caught.value.status == 401
    assert "Unauthorized" in caught.value.message


def test_verify_of_a_token_for_another_account_is_refused(x_fake):
    connector = XConnector(x_fake.base_url, {"access_token": x_fake.token}, "42")
    with pytest.raises(PermanentError, match="not 42"):
        connector.verify()


def test_credentials_without_a_token_are_refused_before_any_request():
    with pytest.raises(PermanentError, match="access_token"):
        XConnector("http://127.0.0.1:9", {}, "1")


# --- posting ---------------------------------------------------------------------------------

def test_post_with_four_images_and_their_alt_text(x_fake):
    images = tuple(image(n) for n in range(1, 4)) + (
        OutgoingImage(data=JPEG, mime_type="image/jpeg", alt_text="A map of the detour"),)
    text = "Community day photos & a map <detour> 👮🏽‍♀️"
    sent = x_fake.connector().create_post(OutgoingPost(text=text, images=images, key="k"))

    post = x_fake.posts[sent.platform_id]
    assert post.sent_text == text
    assert post.author_id == x_fake.account_id
    assert len(post.media_ids) == 4
    assert [x_fake.media[m].alt_text for m in post.media_ids] == [i.alt_text for i in images]
    assert [x_fake.media[m].data for m in post.media_ids] == [i.data for i in images]
    assert x_fake.media[post.media_ids[3]].mime_type == "image/jpeg"
    assert sent.url == f"https://x.com/i/status/{sent.platform_id}"
    assert sent.sent_at is not None and sent.sent_at.tzinfo is not None
    assert x_fake.calls == ["mediaUpload", "createMediaMetadata"] * 4 + ["createPosts"]


def test_five_images_or_a_missing_alt_text_are_refused_before_anything_is_uploaded(x_fake):
    connector = x_fake.connector()
    with pytest.raises(PermanentError, match="at most 4 images"):
        connector.create_post(OutgoingPost(text="t", images=tuple(image(n) for n in range(5))))
    with pytest.raises(PermanentError, match="image 2 has no alt text"):
        connector.create_post(OutgoingPost(text="t", images=(
            image(1), OutgoingImage(data=PNG, mime_type="image/png", alt_text="  "))))
    with pytest.raises(PermanentError, match="at most 1000"):
        connector.create_post(OutgoingPost(text="t", images=(
            OutgoingImage(data=PNG, mime_type="image/png", alt_text="a" * 1001),)))
    assert x_fake.calls == [] and x_fake.media == {}


def test_text_x_refuses_is_a_permanent_error_with_xs_message(x_fake):
    with pytest.raises(PermanentError) as caught:
        publish(x_fake, "x" * 281)
    assert caught.value.status == 403
    assert "longer than 280" in caught.value.message


def test_delete_and_a_post_already_gone_counts_as_deleted(x_fake):
    connector = x_fake.connector()
    post_id = publish(x_fake)
    connector.delete_post(post_id)
    assert x_fake.posts[post_id].deleted
    connector.delete_post(post_id)                     # gone: 404, counted as deleted
    connector.delete_post("1999999999999999999")       # never existed
    assert x_fake.calls.count("deletePosts") == 3


def test_deleting_someone_elses_post_is_permanent(x_fake):
    theirs = x_fake.post_as("neighbour", "my post")
    with pytest.raises(PermanentError) as caught:
        x_fake.connector().delete_post(theirs)
    assert caught.value.status == 403
    assert not x_fake.posts[theirs].deleted


def test_a_malformed_id_is_refused_without_a_request(x_fake):
    with pytest.raises(PermanentError, match="not an X post id"):
        x_fake.connector().delete_post("../2/users/me")
    assert x_fake.calls == []


# --- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_is_transient(x_fake, status):
    x_fake.fail_next(1, status=status, operation="createPosts")
    with pytest.raises(TransientError) as caught:
        publish(x_fake)
    assert caught.value.status == status and caught.value.retryable
    assert x_fake.live_posts_by() == []
    publish(x_fake)                                   # the next try goes through
    assert len(x_fake.live_posts_by()) == 1


def test_a_429_is_rate_limited_until_xs_reset_time(x_fake):
    reset = int(datetime(2026, 12, 1, 8, 30, tzinfo=UTC).timestamp())
    x_fake.rate_limit_next(reset, operation="createPosts")
    with pytest.raises(RateLimited) as caught:
        publish(x_fake)
    assert caught.value.reset_at == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    assert caught.value.status == 429 and caught.value.retryable
    assert x_fake.live_posts_by() == []


def test_a_duplicate_is_xs_403_and_the_earlier_post_is_found(x_fake):
    connector = x_fake.connector()
    since = datetime.now(UTC)
    post = OutgoingPost(text="Missing person found safe. Thank you all.", key="k")
    first = connector.create_post(post)
    with pytest.raises(DuplicateContent) as caught:
        connector.create_post(post)
    assert caught.value.status == 403 and "duplicate" in caught.value.message
    assert not caught.value.retryable
    assert connector.find_post(post, since).platform_id == first.platform_id


def test_time_outs_and_refused_connections_are_transient():
    def slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    connector = XConnector("http://127.0.0.1:9", {"access_token": "t"}, "1",
                           transport=httpx.MockTransport(slow))
    with pytest.raises(TransientError, match="in time"):
        connector.verify()

    def refused(request):
        raise httpx.ConnectError("connection refused", request=request)

    connector = XConnector("http://127.0.0.1:9", {"access_token": "t"}, "1",
                           transport=httpx.MockTransport(refused))
    with pytest.raises(TransientError, match="connection to X failed"):
        connector.create_post(OutgoingPost(text="t"))


def test_a_2xx_without_json_is_transient_not_a_crash():
    connector = XConnector("http://127.0.0.1:9", {"access_token": "t"}, "1",
                           transport=httpx.MockTransport(
                               lambda request: httpx.Response(201, text="<html>ok</html>")))
    with pytest.raises(TransientError, match="not JSON"):
        connector.create_post(OutgoingPost(text="t"))


# --- a lost answer, then reconciliation ------------------------------------------------------

@pytest.mark.parametrize("mode", ["close", "502"])
def test_a_lost_answer_then_find_post_finds_the_post_so_none_is_made_twice(x_fake, mode):
    connector = x_fake.connector()
    since = datetime.now(UTC)
    text = ("Lost dog near 5th & Elm <photo attached>. Owner: see https://example.org/lost/42 "
            "or www.example.org/pets.")
    post = OutgoingPost(text=text, images=(image(1),), key="row-7")
    x_fake.post_as(ACCOUNT_USERNAME, "An older post")          # not a match
    x_fake.drop_response_next("createPosts", mode=mode)
    with pytest.raises(TransientError):
        connector.create_post(post)
    assert len(x_fake.live_posts_by()) == 2                   # X made it all the same

    found = connector.find_post(post, since)                  # what the worker does first
    made = next(p for p in x_fake.live_posts_by() if p.sent_text == text)
    assert found is not None and found.platform_id == made.id
    assert found.url == f"https://x.com/i/status/{made.id}"
    assert "t.co/" in made.text and "example.org" not in made.text
    assert x_fake.calls.count("createPosts") == 1


def test_find_post_matches_exactly_as_documented(x_fake):
    connector = x_fake.connector()
    since = datetime.now(UTC)
    base = "Patrol update: see https://example.org/a for details."
    x_fake.post_as(ACCOUNT_USERNAME, base)

    def found(text, images=()):
        return connector.find_post(OutgoingPost(text=text, images=images), since)

    assert found(base) is not None
    assert found("Patrol  update:\nsee HTTPS://EXAMPLE.ORG/a/ for details. ") is not None
    assert found("Patrol update: see https://example.org/b for details.") is None
    assert found("Patrol update: see for details.") is None
    assert found("Patrol update! see https://example.org/a for details.") is None
    assert found(base, images=(image(1),)) is None           # the post on X has no image
    assert found("Not posted at all") is None
    bare = "Detour map: example.org/detour (or www.example.org). Drive safely!"
    x_fake.post_as(ACCOUNT_USERNAME, bare)
    assert found(bare) is not None
    assert found("Detour map: example.org/other (or www.example.org). Drive safely!") is None
    x_fake.post_as("neighbour", "Someone else's post")
    assert found("Someone else's post") is None               # only the account's own posts


def test_find_post_reads_more_than_one_page_and_only_since(x_fake, monkeypatch):
    monkeypatch.setattr(x_module, "PAGE_SIZE", 5)
    connector = x_fake.connector()
    old = x_fake.post_as(ACCOUNT_USERNAME, "Wanted")
    x_fake.posts[old].created_at -= timedelta(days=2)
    since = datetime.now(UTC) - timedelta(hours=1)
    assert connector.find_post(OutgoingPost(text="Wanted"), since) is None
    target = x_fake.post_as(ACCOUNT_USERNAME, "Target")
    for n in range(12):
        x_fake.post_as(ACCOUNT_USERNAME, f"Later post {n}")
    assert connector.find_post(OutgoingPost(text="Target"), since).platform_id == target
    assert x_fake.calls.count("getUsersPosts") == 1 + 3


# --- replies ---------------------------------------------------------------------------------

def test_mentions_since_the_cursor_over_several_pages_oldest_first(x_fake, monkeypatch):
    monkeypatch.setattr(x_module, "PAGE_SIZE", 5)
    connector = x_fake.connector()
    ours = publish(x_fake, "Coffee with a cop, Saturday 10 am")
    before = x_fake.add_mention("an old mention", author="early")
    first = connector.fetch_replies("")                       # the first poll: newest page
    assert [i.platform_id for i in first.items] == [before]
    cursor = first.cursor
    assert cursor == before

    made = []
    for n in range(4):
        made.append(("reply", x_fake.add_reply(ours, f"@{ACCOUNT_USERNAME} reply {n}",
                                               author=f"resident{n}")))
        made.append(("mention", x_fake.add_mention(f"mention {n}", author="neighbour")))
        made.append(("quote", x_fake.add_quote(ours, f"quote {n}", author="reporter")))
    deep = x_fake.add_reply(made[0][1], "a reply to a reply", author="resident9")
    made.append(("reply", deep))

    page = connector.fetch_replies(cursor)
    assert [(i.kind, i.platform_id) for i in page.items] == made
    assert page.cursor == deep
    assert x_fake.calls.count("getUsersMentions") == 1 + 3    # 13 items, pages of 5

    reply = page.items[0]
    assert reply.in_reply_to == ours and reply.root == ours
    assert reply.author_handle == "@resident0" and reply.author_name == "resident0"
    assert reply.author_ref == x_fake.users[x_fake.posts[reply.platform_id].author_id]["id"]
    assert reply.url == f"https://x.com/resident0/status/{reply.platform_id}"
    assert reply.text == f"@{ACCOUNT_USERNAME} reply 0"
    assert reply.created_at.tzinfo is not None
    assert page.items[2].kind == "quote" and page.items[2].in_reply_to == ours
    assert page.items[1].in_reply_to is None and page.items[1].root is None
    assert page.items[-1].in_reply_to == made[0][1] and page.items[-1].root == ours

    again = connector.fetch_replies(page.cursor)
    assert again.items == [] and again.cursor == page.cursor


def test_an_edit_is_not_a_new_reply_and_lookup_reports_edits_and_deletions(x_fake):
    connector = x_fake.connector()
    ours = publish(x_fake)
    cursor = connector.fetch_replies("").cursor
    kept = x_fake.add_reply(ours, "thanks & <3", author="kind")
    edited = x_fake.add_reply(ours, "first words", author="hasty")
    gone = x_fake.add_reply(ours, "regrettable", author="angry")
    page = connector.fetch_replies(cursor)
    assert [i.platform_id for i in page.items] == [kept, edited, gone]
    assert page.items[0].text == "thanks & <3"

    new_version = x_fake.edit(edited, "second thoughts")
    x_fake.delete(gone)
    later = connector.fetch_replies(page.cursor)
    assert later.items == [] and later.cursor == new_version  # the edit is not a new reply

    items = {i.platform_id: i for i in connector.lookup([kept, edited, gone])}
    assert set(items) == {kept, edited, gone}
    assert items[kept].text == "thanks & <3" and items[kept].edited_at is None
    assert not items[kept].deleted
    assert items[edited].text == "second thoughts" and items[edited].edited_at is not None
    assert items[edited].platform_id == edited and not items[edited].deleted
    assert items[gone].deleted and items[gone].platform_id == gone
    assert connector.lookup([]) == []


def test_hide_and_unhide_a_reply(x_fake):
    connector = x_fake.connector()
    ours = publish(x_fake)
    reply = x_fake.add_reply(ours, "spam spam", author="spammer")
    connector.hide_reply(reply, ours)
    assert x_fake.posts[reply].hidden
    connector.hide_reply(reply, ours, hidden=False)
    assert not x_fake.posts[reply].hidden
    elsewhere = x_fake.add_reply(x_fake.post_as("neighbour", "their thread"), "x", "other")
    with pytest.raises(PermanentError) as caught:
        connector.hide_reply(elsewhere, None)
    assert caught.value.status == 403


def test_block_and_report_are_not_offered_by_x_api_v2(x_fake):
    connector = x_fake.connector()
    with pytest.raises(NotSupported, match="report"):
        connector.report("123", ["456"], "threats")
    with pytest.raises(NotSupported, match="block"):
        connector.block("123")
    assert x_fake.calls == []


# --- the fake holds everyone to the specification --------------------------------------------

def test_a_request_the_specification_refuses_gets_400_and_fails_the_test(x_fake):
    with httpx.Client(base_url=x_fake.base_url,
                      headers={"Authorization": f"Bearer {x_fake.token}"}) as client:
        bad_body = client.post("/2/tweets", json={"text": "hi", "media_ids": ["1"]})
        bad_query = client.get(f"/2/users/{x_fake.account_id}/mentions",
                               params={"since_id": "latest"})
        no_such = client.post("/2/statuses/update.json", data={"status": "hi"})
    unsigned = httpx.get(f"{x_fake.base_url}/2/users/me")
    assert {bad_body.status_code, bad_query.status_code, no_such.status_code,
            unsigned.status_code} == {400}
    assert bad_body.headers["content-type"] == "application/problem+json"
    assert "media_ids" in bad_body.json()["detail"]
    assert "since_id" in bad_query.json()["detail"]
    assert "no such operation" in no_such.json()["detail"]
    assert "Authorization" in unsigned.json()["detail"]
    assert x_fake.posts == {} and x_fake.calls == []

    violations = x_fake.take_violations()
    assert len(violations) == 4
    # What the fixture does at teardown with violations nobody took out:
    x_fake.violations.append(violations[0])
    with pytest.raises(pytest.fail.Exception, match="specification refuses"):
        fixture_teardown_check(x_fake)


def fixture_teardown_check(fake: XFake) -> None:
    leftover = fake.take_violations()
    if leftover:
        pytest.fail("the fake X saw traffic its specification refuses:\n" + "\n".join(leftover))


def test_a_refused_request_from_the_connector_is_a_permanent_error(x_fake, monkeypatch):
    monkeypatch.setattr(x_module, "PAGE_SIZE", 500)           # the spec's maximum is 100
    with pytest.raises(PermanentError) as caught:
        x_fake.connector().fetch_replies("")
    assert caught.value.status == 400 and "max_results" in caught.value.message
    assert len(x_fake.take_violations()) == 1


# --- text arrives exactly as sent ------------------------------------------------------------

_TEXT = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc")),
        st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),   # emoji (astral)
        st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),   # CJK extension B
        st.characters(min_codepoint=0x0300, max_codepoint=0x036F),     # combining marks
        st.sampled_from(["&", "<", ">", "&amp;", "&lt;", "\u200d", "\ufe0f", "\n", "e\u0301",
                         "\U0001F46E\U0001F3FD\u200d\u2640\ufe0f"])),
    min_size=1, max_size=30).map("".join)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXT)
def test_text_arrives_exactly_as_sent(x_fake, text):
    assume(text.strip() and not extract_urls_with_indices(text))
    x_fake.refuse_duplicates = False
    if not hasattr(x_fake, "shared_connector"):  # one client for all examples: TLS setup is slow
        x_fake.shared_connector = x_fake.connector()
    connector = x_fake.shared_connector
    sent = connector.create_post(OutgoingPost(text=text, key="k"))
    assert x_fake.requests[-1] == ("createPosts", {"text": text})
    assert x_fake.posts[sent.platform_id].sent_text == text
    reply = x_fake.add_reply(sent.platform_id, text, author="echo")
    (item,) = connector.lookup([reply])
    assert item.text == text


def test_lookup_asks_for_at_most_a_batch_of_ids_at_a_time(x_fake, monkeypatch):
    monkeypatch.setattr(x_module, "LOOKUP_MAX", 2)
    ours = publish(x_fake)
    replies = [x_fake.add_reply(ours, f"reply {n}", author=f"r{n}") for n in range(5)]
    items = x_fake.connector().lookup(replies + replies[:1])
    assert sorted(i.platform_id for i in items) == sorted(replies)
    assert x_fake.calls.count("getPostsByIds") == 3


def test_a_cursor_or_account_that_is_not_an_x_id_is_refused_without_a_request(x_fake):
    with pytest.raises(PermanentError, match="cursor"):
        x_fake.connector().fetch_replies("2026-11-30T10:00:00Z")
    unverified = XConnector(x_fake.base_url, {"access_token": x_fake.token}, "")
    with pytest.raises(PermanentError, match="test the connection"):
        unverified.fetch_replies("")
    with pytest.raises(PermanentError, match="test the connection"):
        unverified.find_post(OutgoingPost(text="t"), None)
    assert x_fake.calls == []


def test_find_post_without_a_start_time_reads_the_newest_posts(x_fake):
    post_id = publish(x_fake, "Shelter open tonight")
    found = x_fake.connector().find_post(OutgoingPost(text="Shelter open tonight"), None)
    assert found.platform_id == post_id and found.sent_at.tzinfo is not None

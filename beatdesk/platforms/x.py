"""The X (formerly Twitter) connector: API v2 through a thin ``httpx`` client.

X's maintained SDKs are not used: they cannot be pointed at another base URL reliably (the
address is fixed in generated code or OAuth helpers), and the outbox needs every call to go to
the configured ``base_url`` (the test fake, a proxy). The calls are the documented ones, as the
pinned specification (``x-api-v2.openapi.json``, version 2.167) names them:

==============  =========================================================================
verify          ``GET /2/users/me``
create_post     ``POST /2/media/upload`` (base64 JSON, ``tweet_image``) and
                ``POST /2/media/metadata`` (alt text) for each image, then ``POST /2/tweets``
find_post       ``GET /2/users/{id}/tweets`` (``start_time``, ``pagination_token``)
delete_post     ``DELETE /2/tweets/{id}``
fetch_replies   ``GET /2/users/{id}/mentions`` (``since_id``, ``pagination_token``)
lookup          ``GET /2/tweets?ids=`` (with the ``edit_history_post_ids`` expansion)
hide_reply      ``PUT /2/tweets/{id}/hidden``
block, report   not offered: API v2 has no report endpoint and only reads blocks
==============  =========================================================================

Credentials: ``{"access_token": "..."}``, a user-context OAuth 2.0 access token of the
department's account (scopes ``tweet.read tweet.write users.read media.write
tweet.moderate.write``; add ``offline.access`` to get a refresh token, which the admin uses to
issue a new access token when it expires). ``account_ref`` is the account's numeric user id, as
``verify`` reads it.

Errors are classified once (``beatdesk.platforms.base``): 5xx, time-outs and lost connections
are ``TransientError``; 429 is ``RateLimited`` until ``x-rate-limit-reset`` (epoch seconds); X's
403 for duplicate content is ``DuplicateContent``; any other 4xx is ``PermanentError`` with X's
own message.

**Reconciliation** (X has no idempotency key). ``find_post`` reads the account's own posts
created since ``since`` (less a minute for clock skew; replies and reposts excluded, at most
``FIND_PAGES`` pages of 100, newest first) and returns the oldest one that *matches* the
outgoing post:

1. the texts are equal after normalising both: X's ``&amp;``, ``&lt;``, ``&gt;`` are unescaped;
   each URL X reports in ``entities.urls`` is replaced by its ``expanded_url`` (X rewrites every
   link to ``https://t.co/...``); Unicode NFC; runs of whitespace become one space and the ends
   are stripped; then every link (starting ``http://``, ``https://`` or ``www.``, up to
   whitespace, less the punctuation that ends a sentence) is cut out of the text and the links
   are compared separately, in order;
2. the links are equal after dropping the scheme, a leading ``www.`` and a trailing ``/`` and
   lowercasing the host, except that a ``t.co`` link X did not expand matches any link (its
   target is not known). A link written without a scheme (``example.org/a``), which X reports
   as ``http://example.org/a``, is compared as written;
3. when the outgoing post has images, the candidate has as many attached media.

Inbound: mentions of the account come newest first in pages; ``fetch_replies`` follows
``pagination_token`` back to the stored cursor (``since_id``) and returns them oldest first,
the new cursor being the newest id seen. ``""`` (the first poll) reads the newest page only. A
mention with a ``replied_to`` reference is a ``reply`` (``in_reply_to`` that post, ``root``
the conversation), one with a ``quoted`` reference a ``quote``, any other a ``mention``. X edits
make a new post id: a mention whose ``edit_history_post_ids`` starts with another id is a later
version of a post already read and is left to ``lookup``, which reports the newest text under
the first id (``edited_at`` is the newest version's time), and ``deleted`` for ids X reports
as not found.
"""
from __future__ import annotations

import base64
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from .base import (AccountInfo, DuplicateContent, InboundItem, InboundPage, NotSupported,
                   OutgoingPost, PermanentError, RateLimited, Sent, TransientError)

WEB_URL = "https://x.com"
MAX_IMAGES = 4
MAX_ALT_TEXT = 1000           # X's limit on an image description
PAGE_SIZE = 100               # the largest page the timelines give
MENTION_PAGES = 50            # pages followed back to the cursor in one poll (X keeps ~800)
FIND_PAGES = 5                # pages of the account's own posts searched by find_post
SKEW = timedelta(minutes=1)   # find_post looks this much before ``since``
LOOKUP_MAX = 100              # ids per GET /2/tweets
# Twitter's epoch for post ids (snowflakes): an id carries the time it was made.
_SNOWFLAKE_EPOCH_MS = 1288834974657

_POST_FIELDS = "created_at,conversation_id,entities,attachments"
_USER_FIELDS = "username,name"
# A link as people write it: with a scheme or "www.", up to whitespace, without the punctuation
# that ends the sentence around it.
_URL = re.compile(r"(?:https?://|www\.)\S+?(?=[.,;:!?)\]'\"]*(?:\s|$))", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_ID = re.compile(r"^[0-9]{1,19}$")


class XConnector:
    """One X account, reached at ``base_url`` (``https://api.x.com`` in production)."""

    platform = "x"

    def __init__(self, base_url: str, credentials: dict, account_ref: str, timeout: float = 10,
                 *, web_url: str = WEB_URL, transport: httpx.BaseTransport | None = None):
        token = (credentials or {}).get("access_token") or ""
        if not isinstance(token, str) or not token.strip():
            raise PermanentError("X credentials need an OAuth 2.0 user access token "
                                 "(\"access_token\")")
        self.base_url = base_url.rstrip("/")
        self.account_ref = account_ref or ""
        self.web_url = web_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url, timeout=timeout, transport=transport,
            headers={"Authorization": f"Bearer {token.strip()}",
                     "User-Agent": "Beatdesk (X API v2)"})

    def close(self) -> None:
        self._client.close()

    # --- the contract ----------------------------------------------------------------------

    def verify(self) -> AccountInfo:
        body = self._call("GET", "/2/users/me", params={"user.fields": "name,username,url"})
        user = body.get("data") or {}
        user_id, username = str(user.get("id") or ""), str(user.get("username") or "")
        if not user_id or not username:
            raise PermanentError("X answered without the account's id and username")
        if self.account_ref and user_id != self.account_ref:
            raise PermanentError(f"the token belongs to X account {user_id} (@{username}), "
                                 f"not {self.account_ref}")
        return AccountInfo(handle=f"@{username}", account_ref=user_id,
                           url=f"{self.web_url}/{username}",
                           display_name=str(user.get("name") or ""))

    def create_post(self, post: OutgoingPost) -> Sent:
        if len(post.images) > MAX_IMAGES:
            raise PermanentError(f"X takes at most {MAX_IMAGES} images per post, "
                                 f"not {len(post.images)}")
        for number, image in enumerate(post.images, 1):
            if not image.alt_text.strip():
                raise PermanentError(f"image {number} has no alt text")
            if len(image.alt_text) > MAX_ALT_TEXT:
                raise PermanentError(f"image {number}'s alt text is {len(image.alt_text)} "
                                     f"characters; X takes at most {MAX_ALT_TEXT}")
        media_ids = [self._upload(image.data, image.alt_text) for image in post.images]
        payload: dict[str, Any] = {"text": post.text}
        if media_ids:
            payload["media"] = {"media_ids": media_ids}
        body = self._call("POST", "/2/tweets", json=payload)
        post_id = str((body.get("data") or {}).get("id") or "")
        if not _ID.match(post_id):
            # Accepted (2xx) but unreadable: the post may exist, so reconcile, don't fail.
            raise TransientError("X accepted the post but its answer has no post id")
        return Sent(platform_id=post_id, url=self._post_url(post_id),
                    sent_at=datetime.now(UTC))

    def find_post(self, post: OutgoingPost, since: datetime | None) -> Sent | None:
        params: dict[str, Any] = {"max_results": PAGE_SIZE, "exclude": "replies,retweets",
                                  "tweet.fields": _POST_FIELDS}
        if since is not None:
            params["start_time"] = _iso(_aware(since) - SKEW)
        wanted_text, wanted_urls = _comparable(post.text)
        best: dict | None = None
        for page in self._pages(f"/2/users/{self._me()}/tweets", params, FIND_PAGES):
            for candidate in page.get("data") or []:
                text, urls = _comparable(_platform_text(candidate, post.text))
                if text != wanted_text or not _same_urls(urls, wanted_urls):
                    continue
                if post.images and len(((candidate.get("attachments") or {})
                                        .get("media_keys")) or []) != len(post.images):
                    continue
                if best is None or _id_key(candidate) < _id_key(best):
                    best = candidate
        if best is None:
            return None
        return Sent(platform_id=str(best["id"]), url=self._post_url(str(best["id"])),
                    sent_at=_parse_time(best.get("created_at")) or _snowflake_time(best["id"]))

    def delete_post(self, platform_id: str) -> None:
        _check_id(platform_id)
        try:
            self._call("DELETE", f"/2/tweets/{platform_id}")
        except PermanentError as exc:
            if exc.status == 404:
                return  # already gone counts as deleted
            raise
        # ``{"deleted": false}`` means there was nothing to delete: gone, too.

    def fetch_replies(self, cursor: str) -> InboundPage:
        cursor = (cursor or "").strip()
        params: dict[str, Any] = {"max_results": PAGE_SIZE, "tweet.fields": _POST_FIELDS,
                                  "expansions": "author_id,referenced_posts",
                                  "user.fields": _USER_FIELDS}
        if cursor:
            _check_id(cursor, what="cursor")
            params["since_id"] = cursor
        posts: dict[str, dict] = {}
        users: dict[str, dict] = {}
        for page in self._pages(f"/2/users/{self._me()}/mentions", params,
                                MENTION_PAGES if cursor else 1):
            for user in (page.get("includes") or {}).get("users") or []:
                users[str(user.get("id"))] = user
            for item in page.get("data") or []:
                posts[str(item.get("id"))] = item
        newest = max(posts, key=lambda pid: (len(pid), pid), default="")
        items = [self._inbound(post, users) for post in sorted(posts.values(), key=_id_key)
                 if _is_first_version(post)]
        if cursor and newest and _id_key({"id": cursor}) >= _id_key({"id": newest}):
            newest = cursor
        return InboundPage(items=items, cursor=newest or cursor)

    def lookup(self, platform_ids: list[str]) -> list[InboundItem]:
        ids = [pid for pid in dict.fromkeys(platform_ids) if pid]
        for pid in ids:
            _check_id(pid)
        found: list[InboundItem] = []
        for start in range(0, len(ids), LOOKUP_MAX):
            batch = ids[start:start + LOOKUP_MAX]
            body = self._call("GET", "/2/tweets", params={
                "ids": ",".join(batch), "tweet.fields": _POST_FIELDS,
                "expansions": "author_id,referenced_posts,edit_history_post_ids",
                "user.fields": _USER_FIELDS})
            includes = body.get("includes") or {}
            users = {str(u.get("id")): u for u in includes.get("users") or []}
            versions = {str(p.get("id")): p for p in includes.get("posts") or []}
            for post in body.get("data") or []:
                if str(post.get("id")) in batch:
                    found.append(self._inbound(post, users, versions))
            for problem in body.get("errors") or []:
                pid = str(problem.get("resource_id") or problem.get("value") or "")
                if pid in batch and str(problem.get("type", "")).endswith("/resource-not-found"):
                    found.append(InboundItem(
                        platform_id=pid, kind="reply", author_handle="", author_ref="",
                        author_name="", text="", url=self._post_url(pid),
                        created_at=_snowflake_time(pid), deleted=True))
        return found

    def hide_reply(self, platform_id: str, root: str | None, hidden: bool = True) -> None:
        _check_id(platform_id)
        body = self._call("PUT", f"/2/tweets/{platform_id}/hidden", json={"hidden": bool(hidden)})
        state = (body.get("data") or {}).get("hidden")
        if state is not None and bool(state) != bool(hidden):
            raise PermanentError(f"X left the reply {'visible' if hidden else 'hidden'}")

    def block(self, author_ref: str) -> None:
        raise NotSupported("X API v2 has no call to block an account (it only lists blocks); "
                           "block the author in X itself")

    def report(self, author_ref: str, platform_ids: list[str], comment: str) -> None:
        raise NotSupported("X API v2 has no call to report a post; report it in X itself")

    # --- HTTP ------------------------------------------------------------------------------

    def _me(self) -> str:
        if not _ID.match(self.account_ref):
            raise PermanentError("the X account's user id is not known: test the connection")
        return self.account_ref

    def _post_url(self, post_id: str) -> str:
        return f"{self.web_url}/i/status/{post_id}"

    def _upload(self, data: bytes, alt_text: str) -> str:
        body = self._call("POST", "/2/media/upload", json={
            "media": base64.b64encode(data).decode("ascii"), "media_category": "tweet_image"})
        media_id = str((body.get("data") or {}).get("id") or "")
        if not _ID.match(media_id):
            raise TransientError("X accepted an image but its answer has no media id")
        self._call("POST", "/2/media/metadata",
                   json={"id": media_id, "metadata": {"alt_text": {"text": alt_text}}})
        return media_id

    def _pages(self, path: str, params: dict[str, Any], limit: int):
        token = ""
        for _ in range(limit):
            body = self._call("GET", path, params={**params, **(
                {"pagination_token": token} if token else {})})
            yield body
            token = str((body.get("meta") or {}).get("next_token") or "")
            if not token:
                return

    def _call(self, method: str, path: str, *, params: dict | None = None,
              json: dict | None = None) -> dict:
        try:
            response = self._client.request(method, quote(path, safe="/"), params=params,
                                            json=json)
        except httpx.TimeoutException as exc:
            raise TransientError(f"X did not answer in time ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"the connection to X failed: {exc or type(exc).__name__}") \
                from exc
        status = response.status_code
        if status < 300:
            try:
                body = response.json() if response.content else {}
            except ValueError as exc:
                raise TransientError(f"X answered {status} with a body that is not JSON") \
                    from exc
            return body if isinstance(body, dict) else {}
        message = _error_message(response)
        if status == 429:
            raise RateLimited(f"X rate limit: {message}", _reset_at(response))
        if status >= 500:
            raise TransientError(f"X answered {status}: {message}", status)
        if status == 403 and "duplicate" in message.lower():
            raise DuplicateContent(f"X refused a duplicate post: {message}", status)
        raise PermanentError(f"X answered {status}: {message}", status)

    # --- reading posts ---------------------------------------------------------------------

    def _inbound(self, post: dict, users: dict[str, dict],
                 versions: dict[str, dict] | None = None) -> InboundItem:
        pid = str(post.get("id"))
        author = users.get(str(post.get("author_id") or "")) or {}
        username = str(author.get("username") or "")
        kind, in_reply_to = "mention", None
        for ref in post.get("referenced_posts") or []:
            if ref.get("type") == "replied_to":
                kind, in_reply_to = "reply", str(ref.get("id"))
                break
            if ref.get("type") == "quoted" and kind == "mention":
                kind, in_reply_to = "quote", str(ref.get("id"))
        conversation = str(post.get("conversation_id") or "")
        current, edited_at = post, None
        history = [str(h) for h in post.get("edit_history_post_ids") or []]
        if versions and history and history[-1] != pid and history[-1] in versions:
            current = versions[history[-1]]
            edited_at = _parse_time(current.get("created_at")) or _snowflake_time(history[-1])
        created = _parse_time(post.get("created_at")) or _snowflake_time(pid)
        return InboundItem(
            platform_id=pid, kind=kind, author_handle=f"@{username}" if username else "",
            author_ref=str(post.get("author_id") or ""), author_name=str(author.get("name") or ""),
            text=_platform_text(current),
            url=f"{self.web_url}/{username}/status/{pid}" if username else self._post_url(pid),
            created_at=created, in_reply_to=in_reply_to,
            root=conversation if conversation and conversation != pid else None,
            edited_at=edited_at)


# --- helpers ---------------------------------------------------------------------------------

def _check_id(value: str, what: str = "post id") -> None:
    if not _ID.match(value or ""):
        raise PermanentError(f"not an X {what}: {value!r}")


def _id_key(post: dict) -> tuple[int, str]:
    pid = str(post.get("id") or "")
    return (len(pid), pid)


def _is_first_version(post: dict) -> bool:
    history = post.get("edit_history_post_ids") or []
    return not history or str(history[0]) == str(post.get("id"))


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return _aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _snowflake_time(post_id: str) -> datetime:
    try:
        ms = (int(post_id) >> 22) + _SNOWFLAKE_EPOCH_MS
        return datetime.fromtimestamp(ms / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return datetime.now(UTC)


def _reset_at(response: httpx.Response) -> datetime | None:
    reset = response.headers.get("x-rate-limit-reset", "").strip()
    if reset.isdigit():
        try:
            return datetime.fromtimestamp(int(reset), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    retry_after = response.headers.get("retry-after", "").strip()
    if retry_after.isdigit():
        return datetime.now(UTC) + timedelta(seconds=int(retry_after))
    return None


def _error_message(response: httpx.Response) -> str:
    """X's own words: ``detail``, ``message`` or the first of ``errors``."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("detail", "message", "title"):
            if isinstance(body.get(key), str) and body[key].strip():
                return body[key].strip()[:500]
        for problem in body.get("errors") or []:
            if isinstance(problem, dict):
                text = problem.get("detail") or problem.get("message") or problem.get("title")
                if isinstance(text, str) and text.strip():
                    return text.strip()[:500]
    text = response.text.strip()
    return text[:200] if text else response.reason_phrase or f"HTTP {response.status_code}"


def _unescape(text: str) -> str:
    # X escapes exactly these three in post text; "&amp;" last so "&amp;lt;" stays "&lt;".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _platform_text(post: dict, ours: str = "") -> str:
    """The post's text with X's t.co links put back to their targets, unescaped. X gives a link
    written without a scheme (``example.org/a``) as ``http://example.org/a``; when ``ours`` has
    it without the scheme, so does the result."""
    text = str(post.get("text") or "")
    urls = ((post.get("entities") or {}).get("urls")) or []
    spans = []
    for entity in urls:
        start, end, expanded = entity.get("start"), entity.get("end"), entity.get("expanded_url")
        if isinstance(start, int) and isinstance(end, int) and isinstance(expanded, str) \
                and 0 <= start < end <= len(text) and expanded:
            bare = expanded[len("http://"):]
            if expanded.startswith("http://") and expanded not in ours and bare in ours:
                expanded = bare
            spans.append((start, end, expanded))
    for start, end, expanded in sorted(spans, reverse=True):
        text = text[:start] + expanded + text[end:]
    return _unescape(text)


def _comparable(text: str) -> tuple[str, list[str]]:
    """The text with its URLs cut out, normalised, and the URLs in order (see the docstring)."""
    text = _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    urls = [_normal_url(m.group(0)) for m in _URL.finditer(text)]
    return _URL.sub("\x00", text), urls


def _normal_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.scheme:  # "www.example.org/a"
        parts = urlsplit("http://" + url)
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path[:-1] if parts.path.endswith("/") else parts.path
    return urlunsplit(("", host, path, parts.query, parts.fragment))


def _same_urls(platform: list[str], ours: list[str]) -> bool:
    if len(platform) != len(ours):
        return False
    return all(theirs == mine or theirs.startswith("//t.co/")
               for theirs, mine in zip(platform, ours))

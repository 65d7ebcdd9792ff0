"""The Bluesky (AT Protocol) connector, through the maintained ``atproto`` client.

One connector serves one account. It signs in with the account's handle and an app password
(credentials ``{"identifier": "name.bsky.social", "app_password": "xxxx-xxxx-xxxx-xxxx"}``),
keeps the session for the life of the process (the next connector of the account resumes it:
Bluesky allows 30 sign-ins in 5 minutes, 300 a day) and lets the client refresh it (it
refreshes with under 15 minutes left); a token the server refuses as expired or invalid makes
the connector sign in again, once.
``account_ref`` is the account's DID, as ``verify`` reads it; when it is set, a session for
another DID is refused.

==============  =========================================================================
verify          ``com.atproto.server.createSession`` (+ ``app.bsky.actor.getProfile``)
create_post     ``com.atproto.repo.uploadBlob`` per image, then ``createRecord`` of
                ``app.bsky.feed.post`` with ``app.bsky.embed.images`` (alt text), under
                the record key chosen when the outbox row was written (``post.key``, a TID)
find_post       ``com.atproto.repo.getRecord`` for that key (a second create under an
                existing key answers 500, so the key is looked up before every retry)
delete_post     ``deleteRecord`` of the post and of its threadgate (gone = deleted)
fetch_replies   ``app.bsky.notification.listNotifications`` (reasons reply, mention, quote)
lookup          ``app.bsky.feed.getPosts`` (a post it no longer returns is deleted)
hide_reply      the root post's ``app.bsky.feed.threadgate`` (same key), ``hiddenReplies``,
                written with ``putRecord`` + ``swapRecord`` (compare-and-swap); a new one
                with ``createRecord``
block           ``createRecord`` of ``app.bsky.graph.block`` (unless already blocked)
report          ``com.atproto.moderation.createReport`` (to Bluesky's moderation service)
==============  =========================================================================

Errors are classified once (``beatdesk.platforms.base``): 5xx, time-outs, lost connections
(including ``httpx.RemoteProtocolError``, which the client lets through) are
``TransientError``; 429 is ``RateLimited`` until ``ratelimit-reset`` (epoch seconds); any
other 4xx is ``PermanentError`` with the server's own message.
"""
from __future__ import annotations

import hashlib
import io
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import httpx
from atproto_client import Client, models
from atproto_client.exceptions import (
    AtProtocolError,
    LoginRequiredError,
    ModelError,
    RateLimitExceededError,
    RequestErrorBase,
)
from atproto_client.models.common import XrpcError
from atproto_client.request import Request
from atproto_client.utils import facet_detection
from PIL import Image
from pydantic import ValidationError

from beatdesk.counting import bluesky_length

from .base import (
    AccountInfo,
    ConnectorError,
    InboundItem,
    InboundPage,
    OutgoingPost,
    PermanentError,
    RateLimited,
    Sent,
    TransientError,
)

__all__ = ["BlueskyConnector", "new_tid", "is_tid", "MAX_GRAPHEMES"]

MAX_GRAPHEMES = 300            # app.bsky.feed.post#text maxGraphemes
MAX_TEXT_BYTES = 3000          # app.bsky.feed.post#text maxLength (UTF-8 bytes)
MAX_IMAGES = 4                 # app.bsky.embed.images#images maxLength
MAX_IMAGE_BYTES = 1_000_000    # app.bsky.embed.images#image image.maxSize
MAX_HIDDEN_REPLIES = 300       # app.bsky.feed.threadgate#hiddenReplies maxLength
GET_POSTS_BATCH = 25           # app.bsky.feed.getPosts uris maxLength
NOTIFICATION_PAGE = 50
MAX_NOTIFICATION_PAGES = 200   # a bound, so a server that keeps answering cannot hold a poll
# Notifications are read back to a little before the stored cursor: one indexed just before
# the last poll can become visible just after it. What is read twice, inbound skips by its id.
OVERLAP = timedelta(seconds=60)
SWAP_ATTEMPTS = 5              # threadgate compare-and-swap tries before giving up (transient)
POST = "app.bsky.feed.post"
THREADGATE = "app.bsky.feed.threadgate"
BLOCK = "app.bsky.graph.block"
INBOUND_REASONS = ("reply", "mention", "quote")
WEB = "https://bsky.app"
# Bluesky's own moderation service: reports go to it through the PDS.
MODERATION_PROXY = "did:plc:ar7c4by46qjdydhdevvrndac#atproto_labeler"
# A cursor for "nothing was there when polling started": everything after it is new.
_EPOCH_CURSOR = "1970-01-01T00:00:00+00:00"
_TOKEN_ERRORS = {"ExpiredToken", "InvalidToken"}
_GONE_ERRORS = {"RecordNotFound", "NotFound"}

T = TypeVar("T")

# --- record keys -------------------------------------------------------------------------------

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"   # base32-sortable
_TID_FIRST = set(_TID_ALPHABET[:16])                   # the top bit of a TID is 0
_tid_lock = threading.Lock()
_tid_last = 0
_CLOCK_ID = secrets.randbelow(1024)                    # one per process, as the spec suggests


def _encode_tid(value: int) -> str:
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


def new_tid() -> str:
    """A new AT Protocol TID: 53 bits of microseconds since 1970, then a 10-bit clock id, in
    base32-sortable (13 characters). Strictly increasing within this process, so keys written
    one after the other sort in the order they were made."""
    global _tid_last
    with _tid_lock:
        micros = max(time.time_ns() // 1000, _tid_last + 1)
        _tid_last = micros
    return _encode_tid(((micros & ((1 << 53) - 1)) << 10) | _CLOCK_ID)


def is_tid(value: str) -> bool:
    return (len(value) == 13 and value[0] in _TID_FIRST
            and all(ch in _TID_ALPHABET for ch in value))


# --- sessions kept between connectors ------------------------------------------------------------
#
# The outbox and inbound polling build a connector per send and per poll, but Bluesky allows an
# account only 30 sign-ins in 5 minutes and 300 a day. So the session (the client's exported
# session string, with its access and refresh tokens) is kept for the life of the process, per
# server, account and app password, and the next connector resumes it; the client refreshes it
# and every refresh is written back here. A session the server refuses means a sign-in again.

_sessions: dict[tuple[str, str, str, str], str] = {}
_sessions_lock = threading.Lock()


def _session_key(base_url: str, identifier: str, password: str,
                 account_ref: str) -> tuple[str, str, str, str]:
    return (base_url, identifier.lower(), hashlib.sha256(password.encode()).hexdigest(),
            account_ref)


def forget_sessions() -> None:
    """Drop every kept session (the next call of each account signs in again)."""
    with _sessions_lock:
        _sessions.clear()


# --- small helpers -------------------------------------------------------------------------------

def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _cursor_time(cursor: str | None) -> datetime | None:
    """The time a notification page cursor stands for, when it shows one: an ISO time, or
    the ``<epoch milliseconds>::<cid>`` keyset some AppViews use."""
    if not cursor:
        return None
    head = cursor.split("::", 1)[0]
    if "::" in cursor and head.isdigit():
        try:
            return datetime.fromtimestamp(int(head) / 1000, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    return _parse_time(cursor)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _split_uri(uri: str) -> tuple[str, str, str]:
    """``at://repo/collection/rkey`` -> (repo, collection, rkey); PermanentError otherwise."""
    if not isinstance(uri, str) or not uri.startswith("at://"):
        raise PermanentError(f"{uri!r} is not a Bluesky record address (at://...)")
    parts = uri[len("at://"):].split("/")
    if len(parts) != 3 or not all(parts):
        raise PermanentError(f"{uri!r} is not a Bluesky record address (at://repo/collection/key)")
    return parts[0], parts[1], parts[2]


def _aspect_ratio(data: bytes):
    """The image's width and height, so Bluesky lays it out before it loads; None if unknown."""
    try:
        with Image.open(io.BytesIO(data)) as picture:
            width, height = picture.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    if width < 1 or height < 1:
        return None
    return models.AppBskyEmbedDefs.AspectRatio(width=width, height=height)


def _post_url(repo: str, rkey: str) -> str:
    return f"{WEB}/profile/{repo}/post/{rkey}"


def _xrpc_error(exc: RequestErrorBase) -> tuple[str, str]:
    content = exc.response.content if exc.response is not None else None
    if isinstance(content, XrpcError):
        return content.error or "", content.message or ""
    if isinstance(content, dict):
        return str(content.get("error") or ""), str(content.get("message") or "")
    return "", ""


def _field(obj: Any, name: str, alias: str | None = None) -> Any:
    """A field of a generated model or of the client's dictionary fallback."""
    if obj is None:
        return None
    value = getattr(obj, name, None)
    if value is None and isinstance(obj, dict):
        value = obj.get(alias or name)
    if value is None and alias and not isinstance(obj, dict):
        try:
            value = obj[alias]
        except (KeyError, TypeError, AttributeError):
            value = None
    return value


# --- the connector -------------------------------------------------------------------------------

class BlueskyConnector:
    platform = "bluesky"

    def __init__(self, base_url: str, credentials: dict, account_ref: str = "",
                 timeout: float = 10):
        credentials = credentials or {}
        self.base_url = (base_url or "https://bsky.social").rstrip("/")
        # The account's handle (or DID): "identifier" or, as the console stores it, "handle".
        self.identifier = str(credentials.get("identifier") or credentials.get("handle")
                              or "").strip().lstrip("@")
        self.app_password = str(credentials.get("app_password") or credentials.get("password") or "")
        self.account_ref = account_ref or ""
        self.timeout = float(timeout)
        self._client = Client(base_url=self.base_url, request=Request(timeout=self.timeout))
        self._client.on_session_change(self._keep_session)
        self._key = _session_key(self.base_url, self.identifier, self.app_password,
                                 self.account_ref)
        self._signed_in = False
        self._lock = threading.RLock()
        self.did = ""
        self.handle = ""

    # -- session ----------------------------------------------------------------------------

    def _keep_session(self, event: Any, session: Any) -> None:
        with _sessions_lock:
            _sessions[self._key] = session.export()

    def _resume(self) -> bool:
        """Take up the session kept from an earlier connector of this account, if any."""
        with _sessions_lock:
            kept = _sessions.get(self._key)
        if not kept:
            return False
        try:
            self._client.login(session_string=kept, fetch_bsky_profile=False)
        except (ValueError, AtProtocolError):
            return False
        session = self._client._session
        if session is None or (self.account_ref and session.did != self.account_ref):
            return False
        self.did, self.handle = session.did, session.handle
        self._signed_in = True
        return True

    def _sign_in(self) -> None:
        if not self.identifier or not self.app_password:
            raise PermanentError("the Bluesky account has no handle and app password configured")
        self._signed_in = False
        with _sessions_lock:
            _sessions.pop(self._key, None)
        self._guard(lambda: self._client.login(self.identifier, self.app_password), retried=True)
        session = self._client._session
        if session is None:
            raise PermanentError("Bluesky answered the sign-in without a session")
        if self.account_ref and session.did != self.account_ref:
            with _sessions_lock:
                _sessions.pop(self._key, None)
            raise PermanentError(f"the credentials sign in to {session.did}, not to the "
                                 f"connected account {self.account_ref}")
        self.did, self.handle = session.did, session.handle
        self._signed_in = True

    def _call(self, operation: Callable[[], T]) -> T:
        """Run one client call with a session, classifying every failure; a session the server
        refuses as expired or invalid is opened again once."""
        with self._lock:
            if not self._signed_in and not self._resume():
                self._sign_in()
            try:
                return self._guard(operation)
            except _SessionExpired:
                self._sign_in()
                return self._guard(operation, retried=True)

    def _guard(self, operation: Callable[[], T], retried: bool = False) -> T:
        try:
            return operation()
        except RateLimitExceededError as exc:
            raise RateLimited(f"Bluesky rate limit reached: {exc}", exc.reset_at) from exc
        except RequestErrorBase as exc:
            status = exc.response.status_code if exc.response is not None else None
            error, message = _xrpc_error(exc)
            if error in _TOKEN_ERRORS and not retried:
                raise _SessionExpired() from exc
            text = f"Bluesky answered {status}: {error or 'error'}" + (f": {message}" if message else "")
            if status is None:
                raise TransientError(f"Bluesky could not be reached: {type(exc).__name__} "
                                     f"{exc.__cause__ or ''}".strip()) from exc
            if status >= 500 or status == 408:
                raise TransientError(text, status) from exc
            raise PermanentError(text, status) from exc
        except LoginRequiredError as exc:
            if not retried:
                raise _SessionExpired() from exc
            raise PermanentError("Bluesky requires signing in again") from exc
        except httpx.HTTPError as exc:   # RemoteProtocolError and friends are not atproto errors
            raise TransientError(f"the connection to Bluesky failed: {type(exc).__name__}: "
                                 f"{exc}") from exc
        except ModelError as exc:       # the client's models refused the server's answer
            raise TransientError(f"Bluesky's answer could not be read: {exc}") from exc
        except ValidationError as exc:  # the lexicon refuses what we were about to send
            raise PermanentError(f"the request does not fit Bluesky's lexicon: {exc}") from exc
        except AtProtocolError as exc:
            raise TransientError(f"Bluesky call failed: {type(exc).__name__}: {exc}") from exc

    @property
    def _repo(self) -> str:
        return self.did

    # -- verify -------------------------------------------------------------------------------

    def verify(self) -> AccountInfo:
        with self._lock:
            self._sign_in()
            me = self._client.me
            return AccountInfo(handle=self.handle, account_ref=self.did,
                               url=f"{WEB}/profile/{self.handle}",
                               display_name=(me.display_name or "") if me is not None else "")

    # -- posts ----------------------------------------------------------------------------------

    def _check(self, post: OutgoingPost) -> None:
        if not is_tid(post.key or ""):
            raise PermanentError(f"the record key {post.key!r} is not a TID")
        length = bluesky_length(post.text)
        if length > MAX_GRAPHEMES:
            raise PermanentError(f"the text is {length} characters long; Bluesky takes at most "
                                 f"{MAX_GRAPHEMES}")
        size = len(post.text.encode("utf-8"))
        if size > MAX_TEXT_BYTES:
            raise PermanentError(f"the text takes {size} bytes; Bluesky takes at most "
                                 f"{MAX_TEXT_BYTES}")
        if not post.text.strip() and not post.images:
            raise PermanentError("the post has neither text nor images")
        if len(post.images) > MAX_IMAGES:
            raise PermanentError(f"Bluesky takes at most {MAX_IMAGES} images, not {len(post.images)}")
        for number, image in enumerate(post.images, 1):
            if not (image.alt_text or "").strip():
                raise PermanentError(f"image {number} has no alternative text")
            if not image.mime_type.startswith("image/"):
                raise PermanentError(f"image {number} is {image.mime_type}, not an image")
            if len(image.data) > MAX_IMAGE_BYTES:
                raise PermanentError(f"image {number} is {len(image.data)} bytes; Bluesky takes "
                                     f"at most {MAX_IMAGE_BYTES}")

    def create_post(self, post: OutgoingPost) -> Sent:
        self._check(post)

        def send() -> Sent:
            embed = None
            if post.images:
                images = []
                for image in post.images:
                    uploaded = self._client.com.atproto.repo.upload_blob(
                        image.data, headers={"Content-Type": image.mime_type})
                    images.append(models.AppBskyEmbedImages.Image(
                        alt=image.alt_text, image=uploaded.blob,
                        aspect_ratio=_aspect_ratio(image.data)))
                embed = models.AppBskyEmbedImages.Main(images=images)
            created = datetime.now(timezone.utc)
            record = models.AppBskyFeedPost.Record(
                text=post.text, created_at=_iso(created), embed=embed,
                facets=facet_detection.detect_facets(post.text) or None)
            answer = self._client.com.atproto.repo.create_record(
                models.ComAtprotoRepoCreateRecord.Data(repo=self._repo, collection=POST,
                                                       rkey=post.key, record=record))
            return Sent(platform_id=answer.uri, url=_post_url(self._repo, post.key),
                        sent_at=created)

        return self._call(send)

    def find_post(self, post: OutgoingPost, since: datetime | None = None) -> Sent | None:
        if not is_tid(post.key or ""):
            return None

        def look() -> Sent | None:
            found = self._get_record(POST, post.key)
            if found is None:
                return None
            created = _parse_time(_field(found.value, "created_at", "createdAt"))
            return Sent(platform_id=found.uri, url=_post_url(self._repo, post.key),
                        sent_at=created)

        return self._call(look)

    def _get_record(self, collection: str, rkey: str):
        """The record's getRecord answer, or None when the repository has no such record."""
        try:
            return self._client.com.atproto.repo.get_record(
                models.ComAtprotoRepoGetRecord.Params(repo=self._repo, collection=collection,
                                                      rkey=rkey))
        except RequestErrorBase as exc:
            status = exc.response.status_code if exc.response is not None else None
            error, _ = _xrpc_error(exc)
            if status in (400, 404) and error in _GONE_ERRORS:
                return None
            raise

    def _delete_record(self, collection: str, rkey: str) -> None:
        try:
            self._client.com.atproto.repo.delete_record(
                models.ComAtprotoRepoDeleteRecord.Data(repo=self._repo, collection=collection,
                                                       rkey=rkey))
        except RequestErrorBase as exc:
            status = exc.response.status_code if exc.response is not None else None
            error, _ = _xrpc_error(exc)
            if not (status in (400, 404) and error in _GONE_ERRORS):
                raise

    def delete_post(self, platform_id: str) -> None:
        repo, collection, rkey = _split_uri(platform_id)
        if collection != POST:
            raise PermanentError(f"{platform_id} is not a post")

        def delete() -> None:
            if repo not in (self.did, self.handle):
                raise PermanentError(f"{platform_id} is not a post of this account")
            self._delete_record(POST, rkey)
            self._delete_record(THREADGATE, rkey)

        self._call(delete)

    # -- replies ----------------------------------------------------------------------------------

    def fetch_replies(self, cursor: str) -> InboundPage:
        """Notifications (reasons reply, mention, quote) newer than the cursor, less ``OVERLAP``,
        oldest first; the new cursor is the newest ``indexedAt`` seen. ``""`` reads only the
        newest notification's time: replies from then on are read by the next poll."""
        since = _parse_time(cursor) if cursor else None
        if cursor and since is None:
            raise PermanentError(f"the stored Bluesky cursor {cursor!r} is not a time")

        def read() -> InboundPage:
            items: dict[str, InboundItem] = {}
            newest: datetime | None = None
            page_cursor: str | None = None
            if since is None:
                # "From now on": only the newest notification's time is wanted, whatever it is.
                answer = self._client.app.bsky.notification.list_notifications(
                    models.AppBskyNotificationListNotifications.Params(limit=1))
                times = [_parse_time(note.indexed_at) for note in answer.notifications]
                newest = max((moment for moment in times if moment), default=None)
                return InboundPage(items=[], cursor=_iso(newest) if newest else _EPOCH_CURSOR)
            floor = since - OVERLAP
            for _ in range(MAX_NOTIFICATION_PAGES):
                answer = self._client.app.bsky.notification.list_notifications(
                    models.AppBskyNotificationListNotifications.Params(
                        limit=NOTIFICATION_PAGE, reasons=list(INBOUND_REASONS),
                        cursor=page_cursor))
                reached = False
                # The AppView's cursor is the sort time of the page's last notification, before
                # the reasons were filtered: a page emptied by the filter still shows how far
                # back it went. (An opaque cursor just means reading on.)
                page_end = _cursor_time(answer.cursor)
                if page_end is not None and page_end < floor:
                    reached = True
                for note in answer.notifications:
                    indexed = _parse_time(note.indexed_at)
                    if indexed is None:
                        continue
                    if newest is None or indexed > newest:
                        newest = indexed
                    if indexed < floor:
                        reached = True      # older than what was read last time
                        continue
                    if note.reason not in INBOUND_REASONS:
                        continue
                    try:
                        item = self._item_from_notification(note)
                    except ConnectorError:
                        continue    # not a record address we can read: not a reply
                    if item is not None:
                        items.setdefault(item.platform_id, item)
                # A short page is not the end: reasons are filtered after paging.
                if reached or not answer.cursor or answer.cursor == page_cursor:
                    break
                page_cursor = answer.cursor
            new_cursor = _iso(max(newest, since)) if newest is not None else cursor
            ordered = sorted(items.values(), key=lambda item: (item.created_at, item.platform_id))
            return InboundPage(items=ordered, cursor=new_cursor)

        return self._call(read)

    def _item_from_notification(self, note) -> InboundItem | None:
        record = note.record
        if not isinstance(record, models.AppBskyFeedPost.Record):
            return None
        indexed = _parse_time(note.indexed_at)
        return self._item(note.uri, note.reason, note.author, record, indexed)

    def _item(self, uri: str, kind: str, author, record, fallback: datetime | None,
              edited: datetime | None = None) -> InboundItem:
        repo, _, rkey = _split_uri(uri)
        in_reply_to = root = None
        reply = getattr(record, "reply", None)
        if reply is not None:
            in_reply_to, root = reply.parent.uri, reply.root.uri
        embed = getattr(record, "embed", None)
        quoted = None
        if isinstance(embed, models.AppBskyEmbedRecord.Main):
            quoted = embed.record.uri
        elif isinstance(embed, models.AppBskyEmbedRecordWithMedia.Main):
            quoted = embed.record.record.uri
        if quoted and in_reply_to is None:
            in_reply_to = quoted
        created = (_parse_time(record.created_at) or fallback or datetime.now(timezone.utc))
        did = author.did if author is not None else repo
        return InboundItem(
            platform_id=uri, kind=kind, author_handle=(author.handle if author else repo),
            author_ref=did, author_name=((author.display_name or "") if author else ""),
            text=record.text, url=_post_url(did, rkey), created_at=created,
            in_reply_to=in_reply_to, root=root, edited_at=edited)

    def lookup(self, platform_ids: list[str]) -> list[InboundItem]:
        uris = list(dict.fromkeys(platform_ids))
        for uri in uris:
            _split_uri(uri)

        def read() -> list[InboundItem]:
            now = datetime.now(timezone.utc)
            found: dict[str, InboundItem] = {}
            for start in range(0, len(uris), GET_POSTS_BATCH):
                batch = uris[start:start + GET_POSTS_BATCH]
                answer = self._client.app.bsky.feed.get_posts(
                    models.AppBskyFeedGetPosts.Params(uris=batch))
                for view in answer.posts:
                    record = view.record
                    if not isinstance(record, models.AppBskyFeedPost.Record):
                        continue
                    item = self._item(view.uri, "reply", view.author, record,
                                      _parse_time(view.indexed_at))
                    found[view.uri] = item
            items = []
            for uri in uris:
                if uri in found:
                    items.append(found[uri])
                    continue
                repo, _, rkey = _split_uri(uri)
                items.append(InboundItem(platform_id=uri, kind="reply", author_handle=repo,
                                         author_ref=repo, author_name="", text="",
                                         url=_post_url(repo, rkey), created_at=now,
                                         deleted=True))
            return items

        return self._call(read) if uris else []

    # -- moderation ---------------------------------------------------------------------------------

    def hide_reply(self, platform_id: str, root: str | None, hidden: bool = True) -> None:
        _split_uri(platform_id)
        if root:
            _split_uri(root)

        def write() -> None:
            root_uri = root or self._root_of(platform_id)
            repo, collection, rkey = _split_uri(root_uri)
            if collection != POST or repo not in (self.did, self.handle):
                raise PermanentError(f"{root_uri} is not a post of this account, so its "
                                     "replies cannot be hidden")
            root_at = f"at://{self.did}/{POST}/{rkey}"
            for _ in range(SWAP_ATTEMPTS):
                current = self._get_record(THREADGATE, rkey)
                if current is None:
                    if not hidden:
                        return
                    gate = models.AppBskyFeedThreadgate.Record(
                        post=root_at, created_at=_iso(datetime.now(timezone.utc)),
                        hidden_replies=[platform_id])
                    try:
                        self._client.com.atproto.repo.create_record(
                            models.ComAtprotoRepoCreateRecord.Data(
                                repo=self._repo, collection=THREADGATE, rkey=rkey, record=gate))
                        return
                    except RequestErrorBase as exc:
                        status = exc.response.status_code if exc.response is not None else None
                        # Someone created the threadgate meanwhile (a second create answers
                        # 500): read it again and swap.
                        if status is not None and status >= 500 and \
                                self._get_record(THREADGATE, rkey) is not None:
                            continue
                        raise
                value = current.value
                listed = list(_field(value, "hidden_replies", "hiddenReplies") or [])
                wanted = ([*listed, platform_id] if platform_id not in listed else listed) \
                    if hidden else [uri for uri in listed if uri != platform_id]
                if wanted == listed:
                    return
                if len(wanted) > MAX_HIDDEN_REPLIES:
                    raise PermanentError(f"Bluesky hides at most {MAX_HIDDEN_REPLIES} replies "
                                         "in one conversation")
                gate = models.AppBskyFeedThreadgate.Record(
                    post=_field(value, "post") or root_at,
                    created_at=_field(value, "created_at", "createdAt") or _iso(
                        datetime.now(timezone.utc)),
                    allow=_field(value, "allow"),
                    hidden_replies=wanted)
                try:
                    self._client.com.atproto.repo.put_record(
                        models.ComAtprotoRepoPutRecord.Data(
                            repo=self._repo, collection=THREADGATE, rkey=rkey, record=gate,
                            swap_record=current.cid))
                    return
                except RequestErrorBase as exc:
                    error, _ = _xrpc_error(exc)
                    if error == "InvalidSwap":
                        continue      # changed between our read and write: read it again
                    raise
            raise TransientError("the conversation's threadgate kept changing while it was "
                                 "being written; try again")

        self._call(write)

    def _root_of(self, platform_id: str) -> str:
        answer = self._client.app.bsky.feed.get_posts(
            models.AppBskyFeedGetPosts.Params(uris=[platform_id]))
        for view in answer.posts:
            reply = getattr(view.record, "reply", None)
            if reply is not None:
                return reply.root.uri
        raise PermanentError(f"{platform_id} is gone or is not a reply, so the conversation "
                             "it belongs to is unknown")

    def block(self, author_ref: str) -> None:
        if not author_ref.startswith("did:"):
            raise PermanentError(f"{author_ref!r} is not a Bluesky account id (did:...)")

        def write() -> None:
            profile = self._client.app.bsky.actor.get_profile(
                models.AppBskyActorGetProfile.Params(actor=author_ref))
            viewer = getattr(profile, "viewer", None)
            if viewer is not None and viewer.blocking:
                return
            self._client.com.atproto.repo.create_record(
                models.ComAtprotoRepoCreateRecord.Data(
                    repo=self._repo, collection=BLOCK,
                    record=models.AppBskyGraphBlock.Record(
                        subject=author_ref, created_at=_iso(datetime.now(timezone.utc)))))

        self._call(write)

    def report(self, author_ref: str, platform_ids: list[str], comment: str) -> None:
        if not author_ref.startswith("did:"):
            raise PermanentError(f"{author_ref!r} is not a Bluesky account id (did:...)")
        for uri in platform_ids:
            _split_uri(uri)
        reason = (comment or "").strip()[:2000] or None
        headers = {"atproto-proxy": MODERATION_PROXY}

        def send() -> None:
            subjects: list[Any] = []
            if platform_ids:
                for start in range(0, len(platform_ids), GET_POSTS_BATCH):
                    answer = self._client.app.bsky.feed.get_posts(
                        models.AppBskyFeedGetPosts.Params(
                            uris=list(platform_ids[start:start + GET_POSTS_BATCH])))
                    subjects += [models.ComAtprotoRepoStrongRef.Main(uri=view.uri, cid=view.cid)
                                 for view in answer.posts]
            if not subjects:
                subjects = [models.ComAtprotoAdminDefs.RepoRef(did=author_ref)]
            for subject in subjects:
                self._client.com.atproto.moderation.create_report(
                    models.ComAtprotoModerationCreateReport.Data(
                        reason_type="com.atproto.moderation.defs#reasonOther",
                        reason=reason, subject=subject),
                    headers=headers)

        self._call(send)


class _SessionExpired(ConnectorError):
    """The server refused the session's token: sign in again and repeat the call once."""

    def __init__(self) -> None:
        super().__init__("the Bluesky session expired")

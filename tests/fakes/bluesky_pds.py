"""A stateful stand-in for a Bluesky PDS and AppView on 127.0.0.1, checked against the lexicons.

Every request's parameters and body, every record written and every answer given are validated
through the ``atproto`` package's generated lexicon models (``atproto_client.models``, with
strict string formats: DIDs, AT-URIs, CIDs, TIDs, datetimes). A request the lexicon refuses gets
400 ``InvalidRequest`` (a record: ``InvalidRecord``), as a real PDS answers; an answer of the
fake's own that the lexicon refuses becomes a 500 and is listed in ``fake.errors`` so a test
fails loudly instead of passing against a made-up API.

What real servers do and the fake reproduces:

- ``createRecord`` under a key that exists answers 500 (not a clean conflict);
- ``putRecord``/``deleteRecord`` with a ``swapRecord`` that is not the record's CID answer 400
  ``InvalidSwap``; ``deleteRecord`` of a missing record answers 200;
- post text over 300 graphemes is refused (the client does not check it);
- ``listNotifications`` pages newest first and filters ``reasons`` after paging, so a page can
  be short, or empty, and still carry a cursor;
- an expired access token answers 400 ``ExpiredToken``;
- injected failures: any status (5xx, 429 with ``ratelimit-*`` headers, 4xx), and "committed but
  the answer was lost" (the change is made, then the connection drops mid-answer, which the
  client sees as ``httpx.RemoteProtocolError``); a ``before`` hook runs just before a request
  is handled (to change state concurrently).

Use the ``bluesky_pds`` fixture (``from tests.fakes.bluesky_pds import bluesky_pds``) or
``with FakePDS() as fake: ...``. Helpers: ``add_reply``, ``add_quote``, ``add_mention``,
``add_like``, ``add_follow``, ``edit``, ``delete``, ``threadgate``, ``set_threadgate``,
``post``, ``inject``; counters ``calls``, ``logins``, ``refreshes``; ``reports``.
"""
from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import regex
from atproto_client import models
from atproto_client.models.string_formats import TID_RE
from pydantic import ValidationError

__all__ = ["FakePDS", "bluesky_pds", "make_cid"]

_STRICT = {"strict_string_format": True}
_GRAPHEME = regex.compile(r"\X")
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
POST = "app.bsky.feed.post"
THREADGATE = "app.bsky.feed.threadgate"
LIKE = "app.bsky.feed.like"
BLOCK = "app.bsky.graph.block"
FOLLOW = "app.bsky.graph.follow"

RECORD_MODELS = {
    POST: models.AppBskyFeedPost.Record,
    THREADGATE: models.AppBskyFeedThreadgate.Record,
    LIKE: models.AppBskyFeedLike.Record,
    BLOCK: models.AppBskyGraphBlock.Record,
    FOLLOW: models.AppBskyGraphFollow.Record,
}
TID_KEYED = {POST, THREADGATE, LIKE, BLOCK, FOLLOW}

# nsid -> (HTTP method, parameters model, body model, answer model)
ENDPOINTS: dict[str, tuple[str, Any, Any, Any]] = {
    "com.atproto.server.createSession": ("POST", None, models.ComAtprotoServerCreateSession.Data,
                                         models.ComAtprotoServerCreateSession.Response),
    "com.atproto.server.refreshSession": ("POST", None, None,
                                          models.ComAtprotoServerRefreshSession.Response),
    "com.atproto.server.getSession": ("GET", None, None, models.ComAtprotoServerGetSession.Response),
    "app.bsky.actor.getProfile": ("GET", models.AppBskyActorGetProfile.Params, None,
                                  models.AppBskyActorDefs.ProfileViewDetailed),
    "com.atproto.repo.uploadBlob": ("POST", None, None, models.ComAtprotoRepoUploadBlob.Response),
    "com.atproto.repo.createRecord": ("POST", None, models.ComAtprotoRepoCreateRecord.Data,
                                      models.ComAtprotoRepoCreateRecord.Response),
    "com.atproto.repo.putRecord": ("POST", None, models.ComAtprotoRepoPutRecord.Data,
                                   models.ComAtprotoRepoPutRecord.Response),
    "com.atproto.repo.deleteRecord": ("POST", None, models.ComAtprotoRepoDeleteRecord.Data,
                                      models.ComAtprotoRepoDeleteRecord.Response),
    "com.atproto.repo.getRecord": ("GET", models.ComAtprotoRepoGetRecord.Params, None,
                                   models.ComAtprotoRepoGetRecord.Response),
    "app.bsky.notification.listNotifications": (
        "GET", models.AppBskyNotificationListNotifications.Params, None,
        models.AppBskyNotificationListNotifications.Response),
    "app.bsky.feed.getPosts": ("GET", models.AppBskyFeedGetPosts.Params, None,
                               models.AppBskyFeedGetPosts.Response),
    "com.atproto.moderation.createReport": ("POST", None,
                                            models.ComAtprotoModerationCreateReport.Data,
                                            models.ComAtprotoModerationCreateReport.Response),
}
_LIST_PARAMS = {"uris", "reasons"}
_INT_PARAMS = {"limit"}
_BOOL_PARAMS = {"priority"}


def make_cid(data: bytes, codec: int = 0x71) -> str:
    """A CIDv1 (sha2-256) in base32, dag-cbor by default, raw (0x55) for blobs."""
    raw = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _graphemes(text: str) -> int:
    return sum(1 for _ in _GRAPHEME.finditer(text))


def _tid(micros: int, clock: int = 7) -> str:
    value = (micros << 10) | clock
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


class XrpcFailure(Exception):
    def __init__(self, status: int, error: str, message: str = "",
                 headers: dict[str, str] | None = None):
        super().__init__(f"{status} {error}: {message}")
        self.status, self.error, self.message = status, error, message
        self.headers = headers or {}


@dataclass
class Injection:
    status: int | None = None
    error: str = "InternalServerError"
    message: str = "injected failure"
    headers: dict[str, str] = field(default_factory=dict)
    lost: bool = False                    # carry the request out, then drop the answer
    before: Callable[[], None] | None = None


@dataclass
class Account:
    did: str
    handle: str
    display_name: str = ""


@dataclass
class StoredRecord:
    value: dict
    cid: str
    indexed_at: str


class FakePDS:
    def __init__(self, handle: str = "dept.bsky.social", password: str = "abcd-efgh-ijkl-mnop",
                 display_name: str = "Police Department", access_ttl: int = 7200):
        self._lock = threading.RLock()
        self.password = password
        self.access_ttl = access_ttl
        self.accounts: dict[str, Account] = {}
        self.me = self.add_account(handle, display_name)
        self.records: dict[tuple[str, str, str], StoredRecord] = {}
        self.blobs: dict[str, tuple[str, bytes]] = {}
        self.notifications: list[dict] = []          # oldest first
        self.access_tokens: dict[str, tuple[str, int]] = {}   # token -> (did, exp)
        self.refresh_tokens: dict[str, str] = {}
        self.injections: dict[str, deque[Injection]] = defaultdict(deque)
        self.calls: list[str] = []
        self.bodies: list[tuple[str, Any]] = []
        self.headers_seen: list[tuple[str, dict]] = []
        self.errors: list[str] = []                  # the fake's own answers the lexicon refused
        self.reports: list[dict] = []
        self.logins = 0
        self.refreshes = 0
        self._tick = 0
        self._start = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> "FakePDS":
        fake = self

        class Handler(_Handler):
            pds = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakePDS":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def did(self) -> str:
        return self.me.did

    @property
    def handle(self) -> str:
        return self.me.handle

    def credentials(self) -> dict:
        return {"identifier": self.me.handle, "app_password": self.password}

    # -- clock and ids --------------------------------------------------------------------------

    def _now(self) -> datetime:
        with self._lock:
            self._tick += 1
            return self._start + timedelta(seconds=self._tick)

    @staticmethod
    def _stamp(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def _new_rkey(self) -> str:
        moment = self._now()
        return _tid(int(moment.timestamp() * 1_000_000) + self._tick)

    # -- helpers for tests ------------------------------------------------------------------------

    def add_account(self, handle: str, display_name: str = "") -> Account:
        with self._lock:
            for account in self.accounts.values():
                if account.handle == handle:
                    return account
            digest = base64.b32encode(hashlib.sha256(handle.encode()).digest()).decode().lower()
            account = Account(did=f"did:plc:{digest[:24]}", handle=handle,
                              display_name=display_name)
            self.accounts[account.did] = account
            return account

    def inject(self, nsid: str, status: int | None = None, error: str = "", message: str = "",
               headers: dict[str, str] | None = None, lost: bool = False,
               before: Callable[[], None] | None = None, times: int = 1) -> None:
        """The next ``times`` calls of ``nsid`` fail with ``status`` (or, ``lost``, are carried
        out and their answer dropped); ``before`` runs first either way."""
        assert nsid in ENDPOINTS, nsid
        default_error = {429: "RateLimitExceeded", 400: "InvalidRequest",
                         401: "AuthenticationRequired"}.get(status or 0, "InternalServerError")
        for _ in range(times):
            self.injections[nsid].append(Injection(
                status=status, error=error or default_error, message=message or "injected",
                headers=dict(headers or {}), lost=lost, before=before))

    def expire_sessions(self) -> None:
        """The server now refuses every access token it gave out as expired."""
        with self._lock:
            for token, (did, _) in list(self.access_tokens.items()):
                self.access_tokens[token] = (did, 0)

    def post(self, rkey: str) -> dict | None:
        stored = self.records.get((self.did, POST, rkey))
        return stored.value if stored else None

    def threadgate(self, rkey: str) -> dict | None:
        stored = self.records.get((self.did, THREADGATE, rkey))
        return stored.value if stored else None

    def set_threadgate(self, rkey: str, hidden_replies: list[str]) -> None:
        """Write the threadgate directly, as another client of the account would."""
        with self._lock:
            current = self.threadgate(rkey) or {
                "$type": THREADGATE, "post": f"at://{self.did}/{POST}/{rkey}",
                "createdAt": self._stamp(self._now())}
            value = {**current, "hiddenReplies": list(hidden_replies)}
            self._store(self.did, THREADGATE, rkey, value)

    def records_in(self, collection: str, did: str | None = None) -> dict[str, dict]:
        did = did or self.did
        return {rkey: stored.value for (repo, coll, rkey), stored in self.records.items()
                if repo == did and coll == collection}

    def _ref(self, uri: str) -> dict:
        repo, collection, rkey = uri[len("at://"):].split("/")
        stored = self.records[(repo, collection, rkey)]
        return {"uri": uri, "cid": stored.cid}

    def _author_post(self, author_handle: str, display_name: str, value: dict) -> tuple[str, Account]:
        author = self.add_account(author_handle, display_name)
        rkey = self._new_rkey()
        self._store(author.did, POST, rkey, value)
        return f"at://{author.did}/{POST}/{rkey}", author

    def _mention_facets(self, text: str) -> list[dict]:
        tag = f"@{self.handle}"
        facets = []
        encoded, needle = text.encode(), tag.encode()
        start = encoded.find(needle)
        if start >= 0:
            facets.append({"index": {"byteStart": start, "byteEnd": start + len(needle)},
                           "features": [{"$type": "app.bsky.richtext.facet#mention",
                                         "did": self.did}]})
        return facets

    def _notify(self, reason: str, uri: str, author: Account, subject: str | None = None) -> None:
        self.notifications.append({"uri": uri, "reason": reason, "author": author.did,
                                   "reasonSubject": subject,
                                   "indexedAt": self._stamp(self._now())})

    def add_reply(self, to_uri: str, text: str, author_handle: str = "resident.bsky.social",
                  display_name: str = "", mention: bool = False) -> str:
        """Someone replies to ``to_uri``: their record, and a ``reply`` notification (a reply
        that @mentions the account arrives as a ``mention``, as on Bluesky)."""
        with self._lock:
            parent = self._ref(to_uri)
            repo, _, rkey = to_uri[len("at://"):].split("/")
            parent_reply = self.records[(repo, POST, rkey)].value.get("reply")
            root = parent_reply["root"] if parent_reply else parent
            if mention and f"@{self.handle}" not in text:
                text = f"@{self.handle} {text}"
            value = {"$type": POST, "text": text, "createdAt": self._stamp(self._now()),
                     "reply": {"root": root, "parent": parent}}
            facets = self._mention_facets(text)
            if facets:
                value["facets"] = facets
            uri, author = self._author_post(author_handle, display_name, value)
            ours = repo == self.did or root["uri"].startswith(f"at://{self.did}/")
            if facets:
                self._notify("mention", uri, author)
            elif ours:
                self._notify("reply", uri, author, subject=to_uri)
            return uri

    def add_quote(self, quoted_uri: str, text: str, author_handle: str = "quoter.bsky.social",
                  display_name: str = "") -> str:
        with self._lock:
            value = {"$type": POST, "text": text, "createdAt": self._stamp(self._now()),
                     "embed": {"$type": "app.bsky.embed.record",
                               "record": self._ref(quoted_uri)}}
            uri, author = self._author_post(author_handle, display_name, value)
            self._notify("quote", uri, author, subject=quoted_uri)
            return uri

    def add_mention(self, text: str, author_handle: str = "neighbour.bsky.social") -> str:
        with self._lock:
            if f"@{self.handle}" not in text:
                text = f"@{self.handle} {text}"
            value = {"$type": POST, "text": text, "createdAt": self._stamp(self._now()),
                     "facets": self._mention_facets(text)}
            uri, author = self._author_post(author_handle, "", value)
            self._notify("mention", uri, author)
            return uri

    def add_like(self, subject_uri: str, author_handle: str = "fan.bsky.social") -> str:
        with self._lock:
            author = self.add_account(author_handle)
            rkey = self._new_rkey()
            self._store(author.did, LIKE, rkey, {"$type": LIKE, "subject": self._ref(subject_uri),
                                                 "createdAt": self._stamp(self._now())})
            uri = f"at://{author.did}/{LIKE}/{rkey}"
            self._notify("like", uri, author, subject=subject_uri)
            return uri

    def add_follow(self, author_handle: str = "follower.bsky.social") -> str:
        with self._lock:
            author = self.add_account(author_handle)
            rkey = self._new_rkey()
            self._store(author.did, FOLLOW, rkey, {"$type": FOLLOW, "subject": self.did,
                                                   "createdAt": self._stamp(self._now())})
            uri = f"at://{author.did}/{FOLLOW}/{rkey}"
            self._notify("follow", uri, author)
            return uri

    def edit(self, uri: str, text: str) -> None:
        """The author rewrites the post's text (a new record version, a new CID)."""
        with self._lock:
            repo, collection, rkey = uri[len("at://"):].split("/")
            stored = self.records[(repo, collection, rkey)]
            self._store(repo, collection, rkey, {**stored.value, "text": text})

    def delete(self, uri: str) -> None:
        with self._lock:
            repo, collection, rkey = uri[len("at://"):].split("/")
            self.records.pop((repo, collection, rkey), None)

    # -- state ----------------------------------------------------------------------------------

    def _store(self, repo: str, collection: str, rkey: str, value: dict) -> StoredRecord:
        cid = make_cid(json.dumps(value, sort_keys=True).encode() + rkey.encode())
        stored = StoredRecord(value=value, cid=cid, indexed_at=self._stamp(self._now()))
        self.records[(repo, collection, rkey)] = stored
        return stored

    def _profile(self, account: Account, detailed: bool = False) -> dict:
        profile: dict[str, Any] = {"did": account.did, "handle": account.handle}
        if account.display_name:
            profile["displayName"] = account.display_name
        blocks = [rkey for rkey, value in self.records_in(BLOCK).items()
                  if value.get("subject") == account.did]
        if account.did != self.did:
            profile["viewer"] = {"blocking": f"at://{self.did}/{BLOCK}/{blocks[0]}"} if blocks \
                else {}
        if detailed:
            profile["postsCount"] = len(self.records_in(POST, account.did))
        return profile

    def _post_view(self, repo: str, rkey: str) -> dict | None:
        stored = self.records.get((repo, POST, rkey))
        if stored is None:
            return None
        return {"uri": f"at://{repo}/{POST}/{rkey}", "cid": stored.cid,
                "author": self._profile(self.accounts[repo]), "record": stored.value,
                "indexedAt": stored.indexed_at, "replyCount": 0, "repostCount": 0,
                "likeCount": 0, "quoteCount": 0, "labels": []}

    # -- the XRPC methods -------------------------------------------------------------------------

    def _session_answer(self, account: Account) -> dict:
        now = int(time.time())
        jti = base64.b32encode(hashlib.sha256(f"{now}{self.logins}{self.refreshes}{len(self.access_tokens)}"
                                              .encode()).digest()).decode().lower()[:20]
        header = _b64({"typ": "at+jwt", "alg": "HS256"})
        access = ".".join([header, _b64({"scope": "com.atproto.appPass", "sub": account.did,
                                         "aud": "did:web:127.0.0.1", "iat": now,
                                         "exp": now + self.access_ttl, "jti": "a" + jti}), "c2ln"])
        refresh = ".".join([_b64({"typ": "refresh+jwt", "alg": "HS256"}),
                            _b64({"scope": "com.atproto.refresh", "sub": account.did,
                                  "aud": "did:web:127.0.0.1", "iat": now,
                                  "exp": now + 90 * 86400, "jti": "r" + jti}), "c2ln"])
        self.access_tokens[access] = (account.did, now + self.access_ttl)
        self.refresh_tokens[refresh] = account.did
        return {"accessJwt": access, "refreshJwt": refresh, "handle": account.handle,
                "did": account.did, "active": True}

    def _authorise(self, nsid: str, headers: dict[str, str]) -> str | None:
        if nsid == "com.atproto.server.createSession":
            return None
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            raise XrpcFailure(401, "AuthenticationRequired", "Authentication Required")
        token = auth[len("Bearer "):]
        if nsid == "com.atproto.server.refreshSession":
            if token not in self.refresh_tokens:
                raise XrpcFailure(400, "ExpiredToken", "Token has been revoked")
            return self.refresh_tokens[token]
        if token not in self.access_tokens:
            raise XrpcFailure(400, "InvalidToken", "Token could not be verified")
        did, exp = self.access_tokens[token]
        if exp <= time.time():
            raise XrpcFailure(400, "ExpiredToken", "Token has expired")
        return did

    def handle_xrpc(self, nsid: str, did: str | None, params: dict, body: Any,
                    content_type: str, headers: dict[str, str]) -> dict:
        method = getattr(self, "_x_" + nsid.replace(".", "_"))
        return method(did=did, params=params, body=body, content_type=content_type,
                      headers=headers)

    def _x_com_atproto_server_createSession(self, body, **_: Any) -> dict:
        identifier = body["identifier"]
        if identifier not in (self.me.handle, self.me.did) or body["password"] != self.password:
            raise XrpcFailure(401, "AuthenticationRequired", "Invalid identifier or password")
        self.logins += 1
        return self._session_answer(self.me)

    def _x_com_atproto_server_refreshSession(self, did, headers, **_: Any) -> dict:
        token = headers["authorization"][len("Bearer "):]
        self.refresh_tokens.pop(token, None)      # refresh tokens are single use
        self.refreshes += 1
        return self._session_answer(self.accounts[did])

    def _x_com_atproto_server_getSession(self, did, **_: Any) -> dict:
        account = self.accounts[did]
        return {"handle": account.handle, "did": account.did, "active": True}

    def _x_app_bsky_actor_getProfile(self, params, **_: Any) -> dict:
        actor = params["actor"]
        for account in self.accounts.values():
            if actor in (account.did, account.handle):
                return self._profile(account, detailed=True)
        raise XrpcFailure(400, "InvalidRequest", "Profile not found")

    def _x_com_atproto_repo_uploadBlob(self, body, content_type, **_: Any) -> dict:
        if not isinstance(body, bytes) or not body:
            raise XrpcFailure(400, "InvalidRequest", "no blob data")
        if not content_type or content_type == "*/*":
            raise XrpcFailure(400, "InvalidRequest", "the blob's content type is missing")
        cid = make_cid(body, codec=0x55)
        self.blobs[cid] = (content_type, body)
        return {"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": content_type,
                         "size": len(body)}}

    def _check_repo(self, did: str, repo: str) -> None:
        if repo not in (did, self.accounts[did].handle):
            raise XrpcFailure(403, "InvalidRequest", "the repo is not the session's account")

    def _check_record(self, collection: str, rkey: str, record: Any) -> dict:
        if not isinstance(record, dict):
            raise XrpcFailure(400, "InvalidRecord", "the record is not an object")
        if record.get("$type") != collection:
            raise XrpcFailure(400, "InvalidRecord",
                              f"Invalid $type: expected {collection}, got {record.get('$type')}")
        model = RECORD_MODELS.get(collection)
        if model is None:
            raise XrpcFailure(400, "InvalidRecord", f"the fake does not know {collection}")
        try:
            model.model_validate(record, context=_STRICT)
        except ValidationError as exc:
            raise XrpcFailure(400, "InvalidRecord", f"Invalid {collection} record: {exc}") from exc
        if collection in TID_KEYED:
            if not TID_RE.match(rkey):
                raise XrpcFailure(400, "InvalidRecord",
                                  f"Invalid record key: {collection} keys are TIDs, not {rkey!r}")
        if collection == POST:
            if len(record.get("text", "").encode("utf-8")) > 3000:
                raise XrpcFailure(400, "InvalidRecord", "Invalid app.bsky.feed.post record: "
                                  "Record/text must not be longer than 3000 characters")
            if _graphemes(record.get("text", "")) > 300:
                raise XrpcFailure(400, "InvalidRecord", "Invalid app.bsky.feed.post record: "
                                  "Record/text must not be longer than 300 graphemes")
            for image in (record.get("embed") or {}).get("images", []):
                link = image["image"]["ref"]["$link"]
                blob = self.blobs.get(link)
                if blob is None:
                    raise XrpcFailure(400, "InvalidRequest", f"Could not find blob: {link}")
                if image["image"]["size"] > 1_000_000 or not blob[0].startswith("image/"):
                    raise XrpcFailure(400, "InvalidRecord", "Invalid image blob")
        if collection == THREADGATE and record["post"] != f"at://{self.did}/{POST}/{rkey}":
            raise XrpcFailure(400, "InvalidRecord",
                              "Invalid app.bsky.feed.threadgate record: post must match the key")
        return record

    def _x_com_atproto_repo_createRecord(self, did, body, **_: Any) -> dict:
        self._check_repo(did, body["repo"])
        collection = body["collection"]
        rkey = body.get("rkey") or self._new_rkey()
        record = self._check_record(collection, rkey, body["record"])
        if (did, collection, rkey) in self.records:
            # What the reference PDS answers today for a key that exists.
            raise XrpcFailure(500, "InternalServerError", "Internal Server Error")
        stored = self._store(did, collection, rkey, record)
        return {"uri": f"at://{did}/{collection}/{rkey}", "cid": stored.cid,
                "commit": {"cid": make_cid(stored.cid.encode()), "rev": self._new_rkey()},
                "validationStatus": "valid"}

    def _x_com_atproto_repo_putRecord(self, did, body, **_: Any) -> dict:
        self._check_repo(did, body["repo"])
        collection, rkey = body["collection"], body["rkey"]
        record = self._check_record(collection, rkey, body["record"])
        current = self.records.get((did, collection, rkey))
        if "swapRecord" in body:
            swap = body["swapRecord"]
            if (current.cid if current else None) != swap:
                raise XrpcFailure(400, "InvalidSwap", f"Record was at {current.cid if current else None}")
        stored = self._store(did, collection, rkey, record)
        return {"uri": f"at://{did}/{collection}/{rkey}", "cid": stored.cid,
                "commit": {"cid": make_cid(stored.cid.encode()), "rev": self._new_rkey()},
                "validationStatus": "valid"}

    def _x_com_atproto_repo_deleteRecord(self, did, body, **_: Any) -> dict:
        self._check_repo(did, body["repo"])
        key = (did, body["collection"], body["rkey"])
        current = self.records.get(key)
        if body.get("swapRecord") and (current.cid if current else None) != body["swapRecord"]:
            raise XrpcFailure(400, "InvalidSwap", "Record was not at the expected CID")
        self.records.pop(key, None)
        return {"commit": {"cid": make_cid(repr(key).encode()), "rev": self._new_rkey()}}

    def _x_com_atproto_repo_getRecord(self, params, **_: Any) -> dict:
        repo = params["repo"]
        for account in self.accounts.values():
            if repo == account.handle:
                repo = account.did
        key = (repo, params["collection"], params["rkey"])
        stored = self.records.get(key)
        uri = f"at://{repo}/{params['collection']}/{params['rkey']}"
        if stored is None or (params.get("cid") and params["cid"] != stored.cid):
            raise XrpcFailure(400, "RecordNotFound", f"Could not locate record: {uri}")
        return {"uri": uri, "cid": stored.cid, "value": stored.value}

    def _x_app_bsky_notification_listNotifications(self, params, **_: Any) -> dict:
        limit = params.get("limit") or 50
        visible = []
        for note in sorted(self.notifications, key=lambda note: note["indexedAt"],
                           reverse=True):              # newest first
            repo, collection, rkey = note["uri"][len("at://"):].split("/")
            if (repo, collection, rkey) in self.records or collection == FOLLOW:
                visible.append(note)
        cursor = params.get("cursor")
        if cursor:
            visible = [note for note in visible if note["indexedAt"] < cursor]
        page = visible[:limit]
        reasons = params.get("reasons")
        answer: dict[str, Any] = {"notifications": []}
        for note in page:
            if reasons and note["reason"] not in reasons:   # filtered after paging
                continue
            repo, collection, rkey = note["uri"][len("at://"):].split("/")
            stored = self.records.get((repo, collection, rkey))
            if stored is None:
                continue
            item = {"uri": note["uri"], "cid": stored.cid, "reason": note["reason"],
                    "author": self._profile(self.accounts[note["author"]]),
                    "record": stored.value, "isRead": False, "indexedAt": note["indexedAt"],
                    "labels": []}
            if note["reasonSubject"]:
                item["reasonSubject"] = note["reasonSubject"]
            answer["notifications"].append(item)
        if len(visible) > limit and page:
            answer["cursor"] = page[-1]["indexedAt"]
        return answer

    def _x_app_bsky_feed_getPosts(self, params, **_: Any) -> dict:
        uris = params.get("uris") or []
        if len(uris) > 25:
            raise XrpcFailure(400, "InvalidRequest", "uris must not have more than 25 elements")
        posts = []
        for uri in uris:
            repo, collection, rkey = uri[len("at://"):].split("/")
            view = self._post_view(repo, rkey) if collection == POST else None
            if view is not None:
                posts.append(view)
        return {"posts": posts}

    def _x_com_atproto_moderation_createReport(self, did, body, headers, **_: Any) -> dict:
        report = {"id": len(self.reports) + 1, "reasonType": body["reasonType"],
                  "subject": body["subject"], "reportedBy": did,
                  "createdAt": self._stamp(self._now()),
                  "proxy": headers.get("atproto-proxy", "")}
        if body.get("reason"):
            report["reason"] = body["reason"]
        self.reports.append(report)
        return {key: value for key, value in report.items() if key != "proxy"}


def _params_from_query(query: str) -> dict:
    parsed = parse_qs(query, keep_blank_values=True)
    params: dict[str, Any] = {}
    for key, values in parsed.items():
        if key in _LIST_PARAMS:
            params[key] = values
        elif key in _INT_PARAMS:
            try:
                params[key] = int(values[-1])
            except ValueError:
                raise XrpcFailure(400, "InvalidRequest", f"{key} must be an integer") from None
        elif key in _BOOL_PARAMS:
            params[key] = values[-1] == "true"
        else:
            params[key] = values[-1]
    return params


class _Handler(BaseHTTPRequestHandler):
    pds: FakePDS
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True      # small answers go out at once, not after a delayed ACK

    def log_message(self, *args: Any) -> None:   # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _send(self, status: int, payload: dict, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        """Start an answer and lose the connection in the middle of it."""
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 4096\r\n\r\n{\"uri\":")
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True

    def _serve(self, verb: str) -> None:
        pds = self.pds
        split = urlsplit(self.path)
        nsid = split.path.removeprefix("/xrpc/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        endpoint = ENDPOINTS.get(nsid)
        if endpoint is None or endpoint[0] != verb:
            self._send(404 if endpoint is None else 405,
                       {"error": "MethodNotImplemented", "message": f"{verb} {nsid}"})
            return
        _, params_model, body_model, answer_model = endpoint
        injection = None
        with pds._lock:
            pds.calls.append(nsid)
            pds.headers_seen.append((nsid, headers))
            if pds.injections[nsid]:
                injection = pds.injections[nsid].popleft()
        if injection and injection.before:
            injection.before()
        if injection and injection.status and not injection.lost:
            self._send(injection.status, {"error": injection.error, "message": injection.message},
                       injection.headers)
            return
        try:
            with pds._lock:
                did = pds._authorise(nsid, headers)
                params = _params_from_query(split.query)
                if params_model is not None:
                    try:
                        params_model.model_validate(params, context=_STRICT)
                    except ValidationError as exc:
                        raise XrpcFailure(400, "InvalidRequest", str(exc)) from exc
                elif params:
                    raise XrpcFailure(400, "InvalidRequest", f"{nsid} takes no parameters")
                content_type = headers.get("content-type", "")
                body: Any = raw
                if body_model is not None:
                    if "application/json" not in content_type:
                        raise XrpcFailure(400, "InvalidRequest", "the body must be JSON")
                    try:
                        body = json.loads(raw or b"null")
                        body_model.model_validate(body, context=_STRICT)
                    except (ValueError, ValidationError) as exc:
                        raise XrpcFailure(400, "InvalidRequest", str(exc)) from exc
                pds.bodies.append((nsid, body))
                answer = pds.handle_xrpc(nsid, did, params, body, content_type, headers)
                try:
                    answer_model.model_validate(answer, context=_STRICT)
                except ValidationError as exc:
                    pds.errors.append(f"{nsid}: {exc}")
                    raise XrpcFailure(500, "InternalServerError", "the fake's answer is not "
                                      f"what the lexicon allows: {exc}") from exc
        except XrpcFailure as failure:
            self._send(failure.status, {"error": failure.error, "message": failure.message},
                       failure.headers)
            return
        except Exception as exc:  # noqa: BLE001 - a fault of the fake: loud, never a hang
            pds.errors.append(f"{nsid}: the fake failed: {type(exc).__name__}: {exc}")
            self._send(500, {"error": "InternalServerError", "message": str(exc)})
            return
        if injection and injection.lost:
            self._drop()
            return
        self._send(200, answer)


@pytest.fixture
def bluesky_pds():
    """A running fake PDS; its account signs in with ``fake.credentials()``."""
    with FakePDS() as fake:
        yield fake

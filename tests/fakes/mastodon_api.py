"""A stateful fake Mastodon instance on 127.0.0.1, held to Mastodon's published client API.

Every request is checked against the pinned OpenAPI document
(``shared/specs/mastodon.openapi.json``) through ``spec_check`` before the fake touches its state,
and every answer it gives as Mastodon is checked too; what the document refuses is answered 422
and kept in ``fake.violations`` (the ``mastodon_fake`` fixture fails the test if any remain).
Operations the document marks deprecated (``POST /api/v1/media``) are refused with 410.

Three corrections are made to the document as loaded, each where it contradicts Mastodon and
every client (it is generated from the documentation):

- ``POST /api/v1/statuses``: the body is ``oneOf`` TextStatus / MediaStatus / PollStatus, so a
  status with both text and images (valid under two branches) would be refused; it is
  ``anyOf`` here.
- ``Status.quote`` is ``oneOf`` Quote / ShallowQuote / null; neither object forbids other
  properties and both require only ``state``, so every real quote is valid under both and would
  be refused; it is ``anyOf`` here too.
- ``format: binary`` file parts: under OpenAPI 3.1, openapi-core checks them as ``type: string``
  and refuses the uploaded bytes; the type is dropped (the part stays required).

What it does as Mastodon does: statuses with up to four processed media and a 500-character
limit; ``Idempotency-Key`` replay (same key, same account -> the same status, no second one;
``expire_idempotency()`` stands in for the hour passing); media processing (202, then 206 until
processed); notifications newest first with ``min_id`` / ``max_id`` / ``since_id`` paging and
``Link`` headers; deleted statuses answer 404 and lose their notifications; blocks; reports.

Faults for the tests: ``fail_next`` (an error status before anything is done),
``rate_limit_next`` (429 with ``X-RateLimit-*`` headers), ``lose_response_next`` (the operation is
carried out, then the answer is lost: a 502 from "the proxy", or the connection is dropped),
``hang_next`` (carried out, answered too late for the client's time-out), ``drop_next``.

Use from other tests: ``from tests.fakes.mastodon_api import mastodon_fake`` (the fixture), then
a ``PlatformAccount(platform="mastodon", base_url=mastodon_fake.base_url,
account_ref=mastodon_fake.me["id"], credentials=seal(json.dumps(mastodon_fake.credentials)))``
or ``mastodon_fake.connector()`` directly. State to assert on: ``own_statuses()``, ``statuses``
(every status by id, ``.deleted`` included), ``blocks``, ``reports``, ``requests`` /
``calls(operationId)``; to drive it: ``add_reply``, ``add_mention``, ``edit``, ``delete``.
"""
from __future__ import annotations

import atexit
import html
import json
import socket
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlencode

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from beatdesk.counting import mastodon_length
from tests.fakes.spec_check import SpecChecker, SpecViolation

PINNED = Path("/work/shared/specs/mastodon.openapi.json")
DOMAIN = "social.test"
TOKEN = "fake-mastodon-token"
STATUS_LIMIT = 500
DESCRIPTION_LIMIT = 1500
REPORT_COMMENT_LIMIT = 1000
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}

_corrected_lock = threading.Lock()
_corrected_path: Path | None = None


def corrected_spec_path() -> Path:
    """The pinned document with the corrections above, written once per process."""
    global _corrected_path
    with _corrected_lock:
        if _corrected_path is not None and _corrected_path.exists():
            return _corrected_path
        document = json.loads(PINNED.read_text(encoding="utf-8"))
        body = document["paths"]["/api/v1/statuses"]["post"]["requestBody"]
        schema = body["content"]["application/json"]["schema"]
        if "oneOf" in schema:
            schema["anyOf"] = schema.pop("oneOf")
        quote = document["components"]["schemas"]["Status"]["properties"].get("quote", {})
        if "oneOf" in quote:
            quote["anyOf"] = quote.pop("oneOf")

        def drop_binary_type(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("format") == "binary" and node.get("type") == "string":
                    node.pop("type")
                for value in node.values():
                    drop_binary_type(value)
            elif isinstance(node, list):
                for value in node:
                    drop_binary_type(value)

        drop_binary_type(document["paths"])
        handle, name = tempfile.mkstemp(prefix="mastodon-openapi-corrected-", suffix=".json")
        with open(handle, "w", encoding="utf-8") as out:
            json.dump(document, out)
        _corrected_path = Path(name)
        atexit.register(_corrected_path.unlink, missing_ok=True)
        return _corrected_path


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _render(text: str) -> str:
    """Plain text as Mastodon renders a local status: escaped, paragraphs and line breaks."""
    paragraphs = text.replace("\r\n", "\n").split("\n\n")
    return "".join("<p>" + html.escape(p, quote=True).replace("\n", "<br />") + "</p>"
                   for p in paragraphs)


def _id_key(value: str) -> tuple[int, str]:
    return (len(value), value)


@dataclass
class Fault:
    operation: str                 # an operationId, or "*" for any
    status: int = 503
    after: bool = False            # carry the operation out first (the answer is lost)
    drop: bool = False             # close the connection instead of answering
    hang: float = 0.0              # wait this long (or until the fake stops) before answering
    reset_at: datetime | None = None
    times: int = 1


@dataclass
class FakeStatus:
    id: str
    account_id: str
    text: str
    created_at: datetime
    in_reply_to_id: str | None = None
    quoted_id: str | None = None
    media_ids: list[str] = field(default_factory=list)
    visibility: str = "public"
    edited_at: datetime | None = None
    deleted: bool = False
    idempotency_key: str | None = None

    @property
    def content(self) -> str:
        return _render(self.text)


class _QuietHandler(WSGIRequestHandler):
    def log(self, *args: Any, **kwargs: Any) -> None:  # the tests' output stays readable
        pass


class FakeMastodon:
    """One Mastodon instance with the department's account (``me``) and its visitors."""

    def __init__(self, *, token: str = TOKEN, username: str = "district1"):
        self.checker = SpecChecker(corrected_spec_path())
        self.lock = threading.RLock()
        self.token = token
        self._next = 110_000_000_000_000_000
        self.accounts: dict[str, dict] = {}
        self.me = self._account(username, local=True)
        self.statuses: dict[str, FakeStatus] = {}
        self.media: dict[str, dict] = {}
        self.notifications: list[dict] = []
        self.idempotency: dict[tuple[str, str], str] = {}
        self.blocks: list[str] = []
        self.reports: list[dict] = []
        self.requests: list[dict] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.media_processing_polls = 0   # > 0: uploads answer 202 and polls 206 this many times
        # Mastodon answers at most 80 notifications or 40 statuses a page; a smaller cap makes
        # tests page through a few items (a server may always answer fewer than ``limit``).
        self.page_cap = 80
        self.server = None
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.base_url = ""

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> "FakeMastodon":
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True,
                                  request_handler=_QuietHandler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True,
                                       name="fake-mastodon")
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> "FakeMastodon":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def credentials(self) -> dict:
        return {"access_token": self.token}

    def connector(self, **kwargs: Any):
        from beatdesk.platforms.mastodon import MastodonConnector
        kwargs.setdefault("timeout", 5)
        kwargs.setdefault("sleep", lambda seconds: None)
        return MastodonConnector(self.base_url, self.credentials, self.me["id"], **kwargs)

    # --- state helpers for tests ---------------------------------------------------------------

    def _new_id(self) -> str:
        with self.lock:
            self._next += 1
            return str(self._next)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def _account(self, username: str, *, local: bool = False, domain: str = "",
                 display_name: str = "") -> dict:
        acct = username if local or not domain else f"{username}@{domain}"
        host = DOMAIN if local or not domain else domain
        account_id = self._new_id()
        account = {
            "id": account_id, "username": username, "acct": acct,
            "display_name": display_name or username, "locked": False, "bot": False,
            "group": False, "indexable": True, "discoverable": True,
            "created_at": _iso(datetime(2024, 1, 1, tzinfo=UTC)),
            "note": "", "url": f"https://{host}/@{username}",
            "uri": f"https://{host}/users/{username}",
            "avatar": f"https://{DOMAIN}/avatars/original/missing.png",
            "avatar_static": f"https://{DOMAIN}/avatars/original/missing.png",
            "header": f"https://{DOMAIN}/headers/original/missing.png",
            "header_static": f"https://{DOMAIN}/headers/original/missing.png",
            "followers_count": 0, "following_count": 0, "statuses_count": 0,
            "emojis": [], "fields": [],
        }
        self.accounts[account_id] = account
        return account

    def account_for(self, author: str | dict) -> dict:
        """An existing or new visitor account from ``"@name@domain"`` / ``"name"`` / a dict."""
        with self.lock:
            if isinstance(author, dict):
                if author.get("id") in self.accounts:
                    return self.accounts[author["id"]]
                name = author.get("acct") or author.get("username") or "visitor"
                display = author.get("display_name", "")
            else:
                name, display = author, ""
            name = name.lstrip("@")
            username, _, domain = name.partition("@")
            if domain == DOMAIN:
                domain = ""
            for account in self.accounts.values():
                if account["username"] == username and account["acct"] in (
                        name, username if not domain else f"{username}@{domain}"):
                    return account
            return self._account(username, domain=domain, local=not domain,
                                 display_name=display)

    def add_reply(self, to_status_id: str | None, text: str,
                  author: str | dict = "@visitor@elsewhere.test", *, mention: bool = True,
                  visibility: str = "public") -> str:
        """A visitor's reply to ``to_status_id`` (None: a mention that replies to nothing).
        Notifies the department's account as Mastodon does. Returns the status id."""
        with self.lock:
            account = self.account_for(author)
            status = FakeStatus(id=self._new_id(), account_id=account["id"], text=text,
                                created_at=self.now(), in_reply_to_id=to_status_id,
                                visibility=visibility)
            self.statuses[status.id] = status
            if mention or to_status_id:
                self.notifications.append({"id": self._new_id(), "type": "mention",
                                           "account_id": account["id"], "status_id": status.id,
                                           "created_at": status.created_at})
            return status.id

    def add_quote(self, quoted_status_id: str, text: str,
                  author: str | dict = "@visitor@elsewhere.test", *, mention: bool = False) -> str:
        """A visitor's quote of the department's post (Mastodon 4.5): a "quote" notification,
        and a "mention" one too when the quote also mentions the account."""
        with self.lock:
            account = self.account_for(author)
            status = FakeStatus(id=self._new_id(), account_id=account["id"], text=text,
                                created_at=self.now(), quoted_id=quoted_status_id)
            self.statuses[status.id] = status
            kinds = ["mention", "quote"] if mention else ["quote"]
            for kind in kinds:
                self.notifications.append({"id": self._new_id(), "type": kind,
                                           "account_id": account["id"], "status_id": status.id,
                                           "created_at": status.created_at})
            return status.id

    def add_mention(self, text: str, author: str | dict = "@visitor@elsewhere.test",
                    visibility: str = "public") -> str:
        return self.add_reply(None, text, author, visibility=visibility)

    def add_notification(self, kind: str, author: str | dict = "@visitor@elsewhere.test") -> str:
        """A notification of another type (a favourite, a follow): polling must skip it."""
        with self.lock:
            account = self.account_for(author)
            own = [s for s in self.statuses.values() if s.account_id == self.me["id"]]
            notification = {"id": self._new_id(), "type": kind, "account_id": account["id"],
                            "status_id": own[-1].id if own and kind != "follow" else None,
                            "created_at": self.now()}
            self.notifications.append(notification)
            return notification["id"]

    def edit(self, status_id: str, text: str) -> None:
        with self.lock:
            status = self.statuses[status_id]
            status.text = text
            status.edited_at = self.now()

    def delete(self, status_id: str) -> None:
        with self.lock:
            self.statuses[status_id].deleted = True

    def expire_idempotency(self) -> None:
        """Stand-in for the hour after which Mastodon forgets Idempotency-Keys."""
        with self.lock:
            self.idempotency.clear()

    def own_statuses(self) -> list[FakeStatus]:
        """The department's statuses that exist (not deleted), oldest first."""
        with self.lock:
            return [s for s in self.statuses.values()
                    if s.account_id == self.me["id"] and not s.deleted]

    def calls(self, operation_id: str) -> list[dict]:
        return [r for r in self.requests if r["operation"] == operation_id]

    # --- faults ------------------------------------------------------------------------------

    def fail_next(self, operation: str = "*", status: int = 503, times: int = 1) -> None:
        self.faults.append(Fault(operation, status=status, times=times))

    def rate_limit_next(self, operation: str = "*", reset_at: datetime | None = None,
                        times: int = 1) -> datetime:
        reset_at = reset_at or (self.now() + timedelta(minutes=5)).replace(microsecond=0)
        self.faults.append(Fault(operation, status=429, reset_at=reset_at, times=times))
        return reset_at

    def lose_response_next(self, operation: str = "createStatus", *, drop: bool = False,
                           times: int = 1) -> None:
        """Carry the operation out, then lose the answer (a 502, or a dropped connection)."""
        self.faults.append(Fault(operation, status=502, after=True, drop=drop, times=times))

    def hang_next(self, operation: str = "createStatus", seconds: float = 5.0, *,
                  after: bool = True) -> None:
        """Answer only after ``seconds`` (the client times out first); with ``after`` the
        operation is carried out at once, as a slow instance does."""
        self.faults.append(Fault(operation, status=200, after=after, hang=seconds))

    def drop_next(self, operation: str = "*", times: int = 1) -> None:
        """Drop the connection before doing anything."""
        self.faults.append(Fault(operation, drop=True, times=times))

    def _take_fault(self, operation: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.operation in ("*", operation) and fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # --- HTTP --------------------------------------------------------------------------------

    def wsgi(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _error(self, status: int, message: str, headers: dict | None = None) -> Response:
        return Response(json.dumps({"error": message}), status=status, headers=headers or {},
                        content_type="application/json")

    def _json(self, body: Any, status: int = 200, headers: dict | None = None) -> Response:
        return Response(json.dumps(body), status=status, headers=headers or {},
                        content_type="application/json")

    @staticmethod
    def _drop(request: Request) -> Response:
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return Response(b"", status=502)

    def _dispatch(self, request: Request) -> Response:
        try:
            operation = self.checker.check_request(request)
        except SpecViolation as err:
            self.violations.append(err.message)
            self.requests.append({"method": request.method, "path": request.path,
                                  "operation": err.operation_id or "", "refused": err.message})
            return self._error(422, f"Refused by the API specification: {err.message}")
        operation_doc = self.checker._operation(request)[1]
        self.requests.append({"method": request.method, "path": request.path,
                              "operation": operation, "headers": dict(request.headers),
                              "args": request.args.to_dict(flat=False)})
        if operation_doc.get("deprecated"):
            self.violations.append(f"{operation}: deprecated operation used "
                                   f"({request.method} {request.path})")
            return Response(b"", status=410)
        if request.headers.get("Authorization", "") != f"Bearer {self.token}":
            return self._checked(request, self._error(401, "The access token is invalid"))
        fault = self._take_fault(operation)
        if fault is not None and fault.hang and not fault.after:
            self.stopping.wait(fault.hang)
            fault = None
        if fault is not None and not fault.after:
            if fault.drop:
                return self._drop(request)
            if fault.status == 429:
                return self._checked(request, self._error(429, "Too many requests", {
                    "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": _iso(fault.reset_at or self.now())}))
            return self._error(fault.status, "Service unavailable")  # a proxy's answer
        handler = getattr(self, f"op_{operation}", None)
        if handler is None:
            return self._error(404, f"The fake does not implement {operation}")
        with self.lock:
            response = handler(request)
        if fault is not None and fault.after and fault.hang:
            self.stopping.wait(fault.hang)
        elif fault is not None and fault.after:
            return self._drop(request) if fault.drop else self._error(502, "Bad gateway")
        limit_headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299",
                         "X-RateLimit-Reset": _iso(self.now() + timedelta(minutes=5))}
        for name, value in limit_headers.items():
            response.headers.setdefault(name, value)
        return self._checked(request, response)

    def _checked(self, request: Request, response: Response) -> Response:
        try:
            self.checker.check_response(request, response)
        except SpecViolation as err:
            self.violations.append(err.message)
        return response

    # --- representations -----------------------------------------------------------------------

    def _media_view(self, media: dict) -> dict:
        processed = media["polls_left"] <= 0
        url = f"https://{DOMAIN}/media/{media['id']}.png" if processed else None
        return {"id": media["id"], "type": "image", "url": url,
                "preview_url": f"https://{DOMAIN}/media/{media['id']}-small.png",
                "remote_url": None, "text_url": None, "meta": {},
                "description": media["description"],
                "blurhash": None}

    def _status_view(self, status: FakeStatus) -> dict:
        account = self.accounts[status.account_id]
        reply_to = self.statuses.get(status.in_reply_to_id or "")
        mentions = []
        if reply_to is not None:
            target = self.accounts[reply_to.account_id]
            mentions.append({"id": target["id"], "username": target["username"],
                             "acct": target["acct"], "url": target["url"]})
        return {
            "id": status.id, "uri": f"{account['uri']}/statuses/{status.id}",
            "url": f"{account['url']}/{status.id}", "created_at": _iso(status.created_at),
            "edited_at": _iso(status.edited_at) if status.edited_at else None,
            "account": account, "content": status.content, "visibility": status.visibility,
            "sensitive": False, "spoiler_text": "", "language": None,
            "in_reply_to_id": status.in_reply_to_id,
            "in_reply_to_account_id": reply_to.account_id if reply_to else None,
            "media_attachments": [self._media_view(self.media[m]) for m in status.media_ids],
            "mentions": mentions, "tags": [], "emojis": [], "reblogs_count": 0,
            "favourites_count": 0, "replies_count": sum(
                1 for s in self.statuses.values()
                if s.in_reply_to_id == status.id and not s.deleted),
            "reblog": None, "poll": None, "card": None, "application": None,
            "quote": ({"state": "accepted", "quoted_status_id": status.quoted_id}
                      if status.quoted_id else None),
        }

    def _visible(self, status_id: str) -> FakeStatus | None:
        status = self.statuses.get(status_id)
        return None if status is None or status.deleted else status

    # --- operations (named by operationId) ---------------------------------------------------

    def op_getAccountsVerifyCredentials(self, request: Request) -> Response:
        view = dict(self.me)
        view["source"] = {"privacy": "public", "sensitive": False, "language": "en", "note": "",
                          "fields": [], "follow_requests_count": 0, "indexable": True,
                          "hide_collections": False, "discoverable": True}
        view["role"] = {"id": "-99", "name": "", "color": "", "permissions": "0",
                        "highlighted": False}
        return self._json(view)

    def op_createMediaV2(self, request: Request) -> Response:
        upload = request.files.get("file")
        if upload is None:
            return self._error(422, "Validation failed: File can't be blank")
        mime = (upload.mimetype or "").lower()
        if mime not in IMAGE_TYPES:
            return self._error(422, "Validation failed: File has contents that are not what they "
                                    "are reported to be")
        data = upload.read()
        description = request.form.get("description", "")
        if len(description) > DESCRIPTION_LIMIT:
            return self._error(422, "Validation failed: Description is too long (maximum is "
                                    f"{DESCRIPTION_LIMIT} characters)")
        media = {"id": self._new_id(), "account_id": self.me["id"], "description": description,
                 "mime": mime, "data": data, "filename": upload.filename or "",
                 "polls_left": self.media_processing_polls, "status_id": None}
        self.media[media["id"]] = media
        return self._json(self._media_view(media), status=202 if media["polls_left"] > 0 else 200)

    def op_getMedia(self, request: Request) -> Response:
        media_id = request.path.rsplit("/", 1)[-1]
        media = self.media.get(media_id)
        if media is None:
            return self._error(404, "Record not found")
        if media["polls_left"] > 0:
            media["polls_left"] -= 1
            return Response(b"", status=206)
        return self._json(self._media_view(media))

    def op_createStatus(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        key = request.headers.get("Idempotency-Key")
        if key:
            existing = self.idempotency.get((self.me["id"], key))
            if existing is not None:
                return self._json(self._status_view(self.statuses[existing]))
        text = body.get("status") or ""
        media_ids = [str(m) for m in body.get("media_ids") or []]
        if not text.strip() and not media_ids:
            return self._error(422, "Validation failed: Text can't be blank")
        if mastodon_length(text) > STATUS_LIMIT:
            return self._error(422, f"Validation failed: Text character limit of {STATUS_LIMIT} "
                                    "exceeded")
        if len(media_ids) > 4:
            return self._error(422, "Validation failed: Too many media attachments")
        for media_id in media_ids:
            media = self.media.get(media_id)
            if media is None or media["account_id"] != self.me["id"] or media["status_id"]:
                return self._error(422, "Validation failed: Media attachments are invalid")
            if media["polls_left"] > 0:
                return self._error(422, "Cannot attach files that have not finished processing. "
                                        "Try again in a moment!")
        status = FakeStatus(id=self._new_id(), account_id=self.me["id"], text=text,
                            created_at=self.now(), media_ids=media_ids,
                            visibility=body.get("visibility") or "public",
                            in_reply_to_id=body.get("in_reply_to_id"), idempotency_key=key)
        for media_id in media_ids:
            self.media[media_id]["status_id"] = status.id
        self.statuses[status.id] = status
        self.me["statuses_count"] += 1
        if key:
            self.idempotency[(self.me["id"], key)] = status.id
        return self._json(self._status_view(status))

    def op_getStatus(self, request: Request) -> Response:
        status = self._visible(request.path.rsplit("/", 1)[-1])
        if status is None:
            return self._error(404, "Record not found")
        return self._json(self._status_view(status))

    def op_getStatusSource(self, request: Request) -> Response:
        status = self._visible(request.path.split("/")[-2])
        if status is None or status.account_id != self.me["id"]:
            return self._error(404, "Record not found")
        return self._json({"id": status.id, "text": status.text, "spoiler_text": ""})

    def op_deleteStatus(self, request: Request) -> Response:
        status = self._visible(request.path.rsplit("/", 1)[-1])
        if status is None or status.account_id != self.me["id"]:
            return self._error(404, "Record not found")
        status.deleted = True
        self.me["statuses_count"] -= 1
        view = self._status_view(status)
        view["text"] = status.text
        return self._json(view)

    def op_getAccountStatuses(self, request: Request) -> Response:
        account_id = request.path.split("/")[-2]
        if account_id not in self.accounts:
            return self._error(404, "Record not found")
        args = request.args
        found = [s for s in self.statuses.values() if s.account_id == account_id and not s.deleted]
        if args.get("exclude_replies") == "true":
            found = [s for s in found if not s.in_reply_to_id]
        page = self._page(found, args, default_limit=20, cap=min(40, self.page_cap))
        return self._json([self._status_view(s) for s in page],
                          headers=self._links(request, page))

    def _page(self, items: list, args: Any, default_limit: int, cap: int) -> list:
        try:
            limit = max(1, min(int(args.get("limit", default_limit)), cap))
        except ValueError:
            limit = default_limit
        items = sorted(items, key=lambda x: _id_key(x.id if hasattr(x, "id") else x["id"]))
        ident = (lambda x: _id_key(x.id if hasattr(x, "id") else x["id"]))
        if args.get("max_id"):
            items = [x for x in items if ident(x) < _id_key(args["max_id"])]
        if args.get("since_id"):
            items = [x for x in items if ident(x) > _id_key(args["since_id"])]
        if args.get("min_id"):
            items = [x for x in items if ident(x) > _id_key(args["min_id"])][:limit]
        else:
            items = items[-limit:]
        return list(reversed(items))  # newest first, as Mastodon answers

    def _links(self, request: Request, page: list) -> dict:
        if not page:
            return {}
        ids = [x.id if hasattr(x, "id") else x["id"] for x in page]
        base = {k: v for k, v in request.args.to_dict(flat=False).items()
                if k not in ("max_id", "min_id", "since_id")}
        newer = urlencode({**base, "min_id": max(ids, key=_id_key)}, doseq=True)
        older = urlencode({**base, "max_id": min(ids, key=_id_key)}, doseq=True)
        url = f"{self.base_url}{request.path}"
        return {"Link": f'<{url}?{older}>; rel="next", <{url}?{newer}>; rel="prev"'}

    def op_getNotifications(self, request: Request) -> Response:
        args = request.args
        types = args.getlist("types[]") + args.getlist("types")
        excluded = args.getlist("exclude_types[]") + args.getlist("exclude_types")
        found = []
        for notification in self.notifications:
            if types and notification["type"] not in types:
                continue
            if notification["type"] in excluded:
                continue
            status = notification["status_id"] and self.statuses.get(notification["status_id"])
            if status is not None and status and status.deleted:
                continue  # Mastodon removes a deleted status's notifications
            if notification["account_id"] in self.blocks:
                continue
            found.append(notification)
        page = self._page(found, args, default_limit=40, cap=self.page_cap)
        views = []
        for notification in page:
            view = {"id": notification["id"], "type": notification["type"],
                    "created_at": _iso(notification["created_at"]),
                    "group_key": f"ungrouped-{notification['id']}",
                    "account": self.accounts[notification["account_id"]]}
            if notification["status_id"]:
                view["status"] = self._status_view(self.statuses[notification["status_id"]])
            views.append(view)
        return self._json(views, headers=self._links(request, page))

    def op_postAccountBlock(self, request: Request) -> Response:
        account_id = request.path.split("/")[-2]
        if account_id not in self.accounts or account_id == self.me["id"]:
            return self._error(404, "Record not found")
        if account_id not in self.blocks:
            self.blocks.append(account_id)
        return self._json({"id": account_id, "following": False, "showing_reblogs": False,
                           "notifying": False, "languages": None, "followed_by": False,
                           "blocking": True, "blocked_by": False, "muting": False,
                           "muting_notifications": False, "requested": False,
                           "requested_by": False, "domain_blocking": False, "endorsed": False,
                           "note": ""})

    def op_createReport(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        account_id = str(body.get("account_id", ""))
        if account_id not in self.accounts:
            return self._error(404, "Record not found")
        status_ids = [str(s) for s in body.get("status_ids") or []]
        for status_id in status_ids:
            status = self.statuses.get(status_id)
            if status is None or status.account_id != account_id:
                return self._error(422, "Validation failed: Statuses are invalid")
        comment = body.get("comment") or ""
        if len(comment) > REPORT_COMMENT_LIMIT:
            return self._error(422, "Validation failed: Comment is too long (maximum is "
                                    f"{REPORT_COMMENT_LIMIT} characters)")
        report = {"id": self._new_id(), "account_id": account_id, "status_ids": status_ids,
                  "comment": comment, "category": body.get("category") or "other",
                  "forward": bool(body.get("forward", False)), "created_at": self.now()}
        self.reports.append(report)
        return self._json({"id": report["id"], "action_taken": False, "action_taken_at": None,
                           "category": report["category"], "comment": comment,
                           "forwarded": report["forward"], "created_at": _iso(report["created_at"]),
                           "status_ids": status_ids, "rule_ids": [],
                           "target_account": self.accounts[account_id]})


@pytest.fixture
def mastodon_fake() -> Iterator[FakeMastodon]:
    """A running fake Mastodon instance; the test fails if any request or answer broke the
    specification. ``mastodon_fake.connector()`` is the real connector pointed at it."""
    fake = FakeMastodon().start()
    try:
        yield fake
    finally:
        fake.stop()
    assert not fake.violations, "Mastodon API specification violations:\n" + "\n".join(
        fake.violations)


__all__ = ["FakeMastodon", "Fault", "FakeStatus", "mastodon_fake", "corrected_spec_path"]

"""A stateful fake of X API v2 on 127.0.0.1, held to the pinned OpenAPI document.

Every request is checked against ``x-api-v2.openapi.json`` (``tests.fakes.spec_check``) before
the fake looks at it; one the document refuses gets a 400 ``invalid-request`` problem naming the
complaint, and is kept in ``fake.violations`` so the ``x_fake`` fixture fails the test at
teardown unless the test took it out (``fake.take_violations()``). Every answer is checked
against the document too: a fake answering outside it is a bug in the fake, and fails the same
way.

State: users (the department's account and anyone who replies), access tokens, posts (their
text as X keeps it: ``&``, ``<``, ``>`` escaped when read, links rewritten to ``t.co``; and
``sent_text``, the text exactly as received), media with their alt text, hidden flags, and
edits (a new post id, as X does). Mentions of a user are the posts that mention the account by
``@username`` or answer one of its posts.

Controls for tests:

- ``fail_next(n, status=503, operation=None)``: the next ``n`` matching requests get a 5xx;
- ``rate_limit_next(reset_at, n=1, operation=None)``: 429 with ``x-rate-limit-*`` headers;
- ``refuse_duplicates`` (on): a second post of the same text by the same account gets X's
  duplicate-content 403;
- ``drop_response_next(operation="createPosts", mode="close")``: the request is carried out and
  its answer lost: the connection is closed without one (``mode="close"``) or a 502 comes back;
- ``add_user``, ``add_reply``, ``add_mention``, ``add_quote``, ``edit``, ``delete``: what
  people do on X; ``posts`` (id -> ``FakePost``), ``media``, ``calls`` (operation ids in order).
"""
from __future__ import annotations

import base64
import binascii
import itertools
import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from twitter_text import extract_urls_with_indices
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from beatdesk.counting import x_length

from .spec_check import SpecChecker, SpecViolation

SPEC = Path("/work/shared/specs/x-api-v2.openapi.json")
ACCOUNT_ID = "1500000000000000001"
ACCOUNT_USERNAME = "BeatdeskPD"
TOKEN = "x-user-token-for-tests"
PROBLEM = "https://api.x.com/2/problems/"


@dataclass
class FakePost:
    id: str
    author_id: str
    text: str                     # as X keeps it (links rewritten to t.co)
    sent_text: str                # exactly as received
    created_at: datetime
    conversation_id: str
    urls: list[dict] = field(default_factory=list)
    references: list[dict] = field(default_factory=list)   # {"type": ..., "id": ...}
    mentions: set[str] = field(default_factory=set)        # user ids
    media_ids: list[str] = field(default_factory=list)
    edit_history: list[str] = field(default_factory=list)
    hidden: bool = False
    deleted: bool = False

    @property
    def is_reply(self) -> bool:
        return any(ref["type"] == "replied_to" for ref in self.references)


@dataclass
class FakeMedia:
    id: str
    owner_id: str
    data: bytes
    mime_type: str
    alt_text: str | None = None


@dataclass
class _Rule:
    remaining: int
    operation: str | None
    status: int
    headers: dict = field(default_factory=dict)
    mode: str = ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _image_type(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _token(position: int) -> str:
    return base64.b32hexencode(str(position).encode()).decode().rstrip("=")


def _position(token: str) -> int | None:
    try:
        padded = token + "=" * (-len(token) % 8)
        return int(base64.b32hexdecode(padded).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


class XFake:
    """The fake X. ``start()`` serves it on 127.0.0.1; ``base_url`` is where."""

    def __init__(self, spec: Path = SPEC):
        self.checker = SpecChecker(spec)
        self.lock = threading.RLock()
        self._ids = itertools.count(1_600_000_000_000_000_000)
        self.users: dict[str, dict] = {}
        self.tokens: dict[str, str] = {}
        self.posts: dict[str, FakePost] = {}
        self.media: dict[str, FakeMedia] = {}
        self.calls: list[str] = []
        self.requests: list[tuple[str, dict | None]] = []   # (operation id, JSON body)
        self.violations: list[str] = []
        self.refuse_duplicates = True
        self._rules: list[_Rule] = []
        self.now = lambda: datetime.now(UTC).replace(microsecond=0)
        self.account_id = self.add_user(ACCOUNT_USERNAME, "Beatdesk Police Department",
                                        user_id=ACCOUNT_ID, token=TOKEN)
        self.token = TOKEN
        self._server = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # --- serving ---------------------------------------------------------------------------

    def start(self) -> XFake:
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def connector(self, **kwargs):
        from beatdesk.platforms.x import XConnector
        kwargs.setdefault("timeout", 5)
        return XConnector(self.base_url, {"access_token": self.token}, self.account_id, **kwargs)

    def take_violations(self) -> list[str]:
        with self.lock:
            taken, self.violations = self.violations, []
        return taken

    # --- what people do on X ---------------------------------------------------------------

    def new_id(self) -> str:
        return str(next(self._ids))

    def add_user(self, username: str, name: str = "", *, user_id: str | None = None,
                 token: str | None = None) -> str:
        with self.lock:
            for existing in self.users.values():
                if existing["username"].lower() == username.lower():
                    return existing["id"]
            uid = user_id or self.new_id()
            self.users[uid] = {"id": uid, "username": username, "name": name or username}
            if token:
                self.tokens[token] = uid
            return uid

    def _author(self, author: str) -> str:
        return author if author in self.users else self.add_user(author.lstrip("@"))

    def _make_post(self, author_id: str, text: str, references=(), media_ids=(),
                   conversation_id: str | None = None) -> FakePost:
        pid = self.new_id()
        stored, urls = self._rewrite_links(text)
        post = FakePost(id=pid, author_id=author_id, text=stored, sent_text=text,
                        created_at=self.now(), conversation_id=conversation_id or pid,
                        urls=urls, references=list(references), media_ids=list(media_ids),
                        edit_history=[pid])
        for user in self.users.values():
            if f"@{user['username'].lower()}" in text.lower():
                post.mentions.add(user["id"])
        for ref in post.references:
            target = self.posts.get(ref["id"])
            if target is not None and ref["type"] in ("replied_to", "quoted"):
                post.mentions.add(target.author_id)
            if target is not None and ref["type"] == "replied_to":
                post.mentions |= target.mentions  # X addresses a reply to the whole thread
        post.mentions.discard(author_id)
        self.posts[pid] = post
        return post

    def post_as(self, author: str, text: str) -> str:
        """A post by ``author`` (a username or user id), not a reply."""
        with self.lock:
            return self._make_post(self._author(author), text).id

    def add_reply(self, to_post_id: str, text: str, author: str = "resident") -> str:
        with self.lock:
            parent = self.posts[to_post_id]
            return self._make_post(self._author(author), text,
                                   [{"type": "replied_to", "id": to_post_id}],
                                   conversation_id=parent.conversation_id).id

    def add_quote(self, quoted_post_id: str, text: str, author: str = "resident") -> str:
        with self.lock:
            return self._make_post(self._author(author), text,
                                   [{"type": "quoted", "id": quoted_post_id}]).id

    def add_mention(self, text: str, author: str = "resident") -> str:
        with self.lock:
            if f"@{ACCOUNT_USERNAME.lower()}" not in text.lower():
                text = f"@{ACCOUNT_USERNAME} {text}"
            return self._make_post(self._author(author), text).id

    def edit(self, post_id: str, text: str) -> str:
        """X's edit: a new post id carrying the new text; every version lists the history."""
        with self.lock:
            original = self.posts[post_id]
            first = self.posts[original.edit_history[0]]
            new = self._make_post(original.author_id, text, original.references,
                                  original.media_ids, original.conversation_id)
            history = first.edit_history + [new.id]
            for pid in history:
                self.posts[pid].edit_history = list(history)
            return new.id

    def delete(self, post_id: str) -> None:
        with self.lock:
            for pid in self.posts[post_id].edit_history:
                self.posts[pid].deleted = True

    @property
    def tweets(self) -> dict[str, FakePost]:
        """``posts`` under X's old name."""
        return self.posts

    def live_posts_by(self, user_id: str | None = None) -> list[FakePost]:
        user_id = user_id or self.account_id
        return [p for p in self.posts.values() if p.author_id == user_id and not p.deleted]

    def _rewrite_links(self, text: str) -> tuple[str, list[dict]]:
        """X rewrites every link to t.co; entities give both, in code points."""
        out, urls, last = [], [], 0
        for found in extract_urls_with_indices(text):
            start, end = found["indices"]
            short = f"https://t.co/{self.new_id()[-10:]}"
            out.append(text[last:start])
            position = sum(len(part) for part in out)
            expanded = found["url"] if "://" in found["url"] else f"http://{found['url']}"
            urls.append({"start": position, "end": position + len(short), "url": short,
                         "expanded_url": expanded, "display_url": found["url"].split("://")[-1]})
            out.append(short)
            last = end
        out.append(text[last:])
        return "".join(out), urls

    # --- controls --------------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 503, operation: str | None = None) -> None:
        with self.lock:
            self._rules.append(_Rule(n, operation, status))

    def rate_limit_next(self, reset_at: int, n: int = 1, operation: str | None = None) -> None:
        with self.lock:
            self._rules.append(_Rule(n, operation, 429, {
                "x-rate-limit-limit": "300", "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(reset_at))}))

    def drop_response_next(self, operation: str = "createPosts", mode: str = "close") -> None:
        assert mode in ("close", "502")
        with self.lock:
            self._rules.append(_Rule(1, operation, 502, mode=mode))

    def _take_rule(self, operation: str) -> _Rule | None:
        with self.lock:
            for rule in self._rules:
                if rule.remaining > 0 and rule.operation in (None, operation):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    return rule
        return None

    # --- the WSGI app ----------------------------------------------------------------------

    def wsgi(self, environ, start_response):
        request = Request(environ)
        response = self._dispatch(request)
        if getattr(response, "drop_connection", False):
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                # Both directions shut: the client reads end-of-stream before any status line,
                # and the server's own write fails as a dropped connection (no 500 is sent).
                start_response("502 Bad Gateway", [("Content-Length", "0")])
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return []
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        try:
            operation = self.checker.check_request(request)
        except SpecViolation as exc:
            with self.lock:
                self.violations.append(exc.message)
            return self._problem(400, "invalid-request", "Invalid Request", exc.message)
        body = request.get_json(silent=True) if request.mimetype == "application/json" else None
        with self.lock:
            self.calls.append(operation)
            self.requests.append((operation, body))
        rule = self._take_rule(operation)
        if rule is not None and rule.mode == "":
            response = self._error(rule.status, {429: "Too Many Requests",
                                                 503: "Service Unavailable"}.get(
                                                     rule.status, "Internal Error"))
            response.headers.update(rule.headers)
            return self._checked(request, response)
        user_id = self._user_for(request)
        if user_id is None:
            response = self._error(401, "Unauthorized", code=89)
        else:
            handler = getattr(self, f"_op_{operation}", None)
            if handler is None:
                response = self._problem(400, "invalid-request", "Invalid Request",
                                         f"the fake does not implement {operation}")
            else:
                with self.lock:
                    response = handler(request, user_id, body or {})
        if rule is not None:  # carried out; the answer is lost
            if rule.mode == "close":
                response = Response(status=502)
                response.drop_connection = True
                return response
            return self._checked(request, self._error(502, "Bad Gateway"))
        return self._checked(request, response)

    def _checked(self, request: Request, response: Response) -> Response:
        try:
            self.checker.check_response(request, response)
        except SpecViolation as exc:
            with self.lock:
                self.violations.append(f"the fake's own answer: {exc.message}")
            return self._error(500, f"fake answered outside the specification: {exc.message}")
        return response

    def _user_for(self, request: Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.tokens.get(token.strip())

    # --- answers ---------------------------------------------------------------------------

    @staticmethod
    def _json(status: int, body: dict, mimetype: str = "application/json") -> Response:
        return Response(json.dumps(body), status=status, mimetype=mimetype)

    def _error(self, status: int, message: str, code: int | None = None) -> Response:
        # X's plain errors: the spec's ``Error`` (code, message), with X's usual extra fields.
        return self._json(status, {"code": code or status, "message": message, "title": message,
                                   "detail": message, "status": status, "type": "about:blank"})

    def _problem(self, status: int, kind: str, title: str, detail: str, **extra) -> Response:
        return self._json(status, {"type": PROBLEM + kind, "title": title, "detail": detail,
                                   "status": status, **extra}, "application/problem+json")

    @staticmethod
    def _csv(request: Request, name: str) -> set[str]:
        return {part for part in request.args.get(name, "").split(",") if part}

    def _user_json(self, user_id: str) -> dict:
        return dict(self.users[user_id])

    def _post_json(self, post: FakePost, request: Request, *, force_author: bool = False) -> dict:
        fields = self._csv(request, "tweet.fields")
        expansions = self._csv(request, "expansions")
        out: dict = {"id": post.id, "text": _escape(post.text),
                     "edit_history_post_ids": list(post.edit_history)}
        if "author_id" in expansions or force_author:
            out["author_id"] = post.author_id
        if post.references and "referenced_posts" in expansions:
            out["referenced_posts"] = [dict(ref) for ref in post.references]
        if "created_at" in fields:
            out["created_at"] = post.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if "conversation_id" in fields:
            out["conversation_id"] = post.conversation_id
        if "entities" in fields and post.urls:
            # Offsets in the escaped text, as X gives them.
            escaped = []
            for url in post.urls:
                shift = len(_escape(post.text[:url["start"]])) - url["start"]
                escaped.append({**url, "start": url["start"] + shift, "end": url["end"] + shift})
            out["entities"] = {"urls": escaped}
        if "attachments" in fields and post.media_ids:
            out["attachments"] = {"media_keys": [f"3_{mid}" for mid in post.media_ids]}
        return out

    def _includes(self, posts: list[FakePost], request: Request) -> dict:
        expansions = self._csv(request, "expansions")
        includes: dict = {}
        if "author_id" in expansions:
            authors = dict.fromkeys(p.author_id for p in posts)
            includes["users"] = [self._user_json(uid) for uid in authors]
        if "edit_history_post_ids" in expansions:
            versions = [self.posts[pid] for p in posts for pid in p.edit_history
                        if pid != p.id and pid in self.posts]
            if versions:
                includes["posts"] = [self._post_json(v, request) for v in
                                     {v.id: v for v in versions}.values()]
        return includes

    def _timeline(self, request: Request, posts: list[FakePost]) -> Response:
        args = request.args
        since_id, until_id = args.get("since_id"), args.get("until_id")
        start, end = args.get("start_time"), args.get("end_time")
        chosen = []
        for post in sorted(posts, key=lambda p: int(p.id), reverse=True):
            if since_id and int(post.id) <= int(since_id):
                continue
            if until_id and int(post.id) >= int(until_id):
                continue
            if start and post.created_at < datetime.fromisoformat(start.replace("Z", "+00:00")):
                continue
            if end and post.created_at > datetime.fromisoformat(end.replace("Z", "+00:00")):
                continue
            chosen.append(post)
        size = int(args.get("max_results") or 10)
        offset = 0
        if args.get("pagination_token"):
            offset = _position(args["pagination_token"]) or -1
            if offset < 0 or offset > len(chosen):
                return self._problem(400, "invalid-request", "Invalid Request",
                                     "The `pagination_token` query parameter value is not valid",
                                     parameter="pagination_token",
                                     value=args["pagination_token"])
        page = chosen[offset:offset + size]
        meta: dict = {"result_count": len(page)}
        if page:
            meta["newest_id"], meta["oldest_id"] = page[0].id, page[-1].id
        if offset + size < len(chosen):
            meta["next_token"] = _token(offset + size)
        if offset:
            meta["previous_token"] = _token(max(0, offset - size))
        body: dict = {"meta": meta}
        if page:
            body["data"] = [self._post_json(p, request) for p in page]
            includes = self._includes(page, request)
            if includes:
                body["includes"] = includes
        return self._json(200, body)

    # --- operations (named by the document's operation ids) -----------------------------

    def _op_getUsersMe(self, request, user_id, body):
        return self._json(200, {"data": self._user_json(user_id)})

    def _op_mediaUpload(self, request, user_id, body):
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("media")
            data = upload.read() if upload else b""
            category = request.form.get("media_category", "")
        else:
            try:
                data = base64.b64decode(str(body.get("media", "")), validate=True)
            except (binascii.Error, ValueError):
                return self._problem(400, "invalid-request", "Invalid Request",
                                     "media is not valid base64", parameter="media")
            category = body.get("media_category", "")
        mime = _image_type(data)
        if category != "tweet_image" or mime is None:
            return self._problem(400, "invalid-request", "Invalid Request",
                                 "media is not an image of the category given",
                                 parameter="media")
        media = FakeMedia(id=self.new_id(), owner_id=user_id, data=data, mime_type=mime)
        self.media[media.id] = media
        return self._json(200, {"data": {"id": media.id, "media_key": f"3_{media.id}",
                                         "size": len(data), "expires_after_secs": 86400,
                                         "image": {"image_type": mime}}})

    def _op_createMediaMetadata(self, request, user_id, body):
        media = self.media.get(body["id"])
        if media is None or media.owner_id != user_id:
            return self._problem(404, "resource-not-found", "Not Found Error",
                                 f"Could not find media with id: [{body['id']}].",
                                 resource_type="media", resource_id=body["id"], parameter="id")
        alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if alt is not None:
            media.alt_text = alt
        return self._json(200, {"data": {"id": media.id,
                                         "associated_metadata": body.get("metadata") or {}}})

    def _op_createPosts(self, request, user_id, body):
        text = body.get("text", "")
        media_ids = ((body.get("media") or {}).get("media_ids")) or []
        for mid in media_ids:
            media = self.media.get(mid)
            if media is None or media.owner_id != user_id:
                return self._problem(400, "invalid-request", "Invalid Request",
                                     f"Your media IDs are invalid: {mid}", parameter="media")
        if not text and not media_ids:
            return self._problem(400, "invalid-request", "Invalid Request",
                                 "A post needs text or media", parameter="text")
        if x_length(text) > 280:
            return self._error(403, "You are not permitted to perform this action: "
                                    "the post is longer than 280 characters")
        if self.refuse_duplicates and any(
                p.sent_text == text for p in self.live_posts_by(user_id)):
            return self._error(403, "You are not allowed to create a Tweet with duplicate "
                                    "content.", code=187)
        references = []
        conversation = None
        reply = body.get("reply") or {}
        if reply.get("in_reply_to_tweet_id") in self.posts:
            references.append({"type": "replied_to", "id": reply["in_reply_to_tweet_id"]})
            conversation = self.posts[reply["in_reply_to_tweet_id"]].conversation_id
        post = self._make_post(user_id, text, references, media_ids, conversation)
        return self._json(201, {"data": {"id": post.id, "text": _escape(post.text),
                                         "edit_history_post_ids": [post.id]}})

    def _op_deletePosts(self, request, user_id, body):
        pid = request.path.rsplit("/", 1)[-1]
        post = self.posts.get(pid)
        if post is None or post.deleted:
            return self._problem(404, "resource-not-found", "Not Found Error",
                                 f"Could not find post with id: [{pid}].",
                                 resource_type="post", resource_id=pid, parameter="id", value=pid)
        if post.author_id != user_id:
            return self._error(403, "You are not allowed to delete a Tweet you did not author.")
        self.delete(pid)
        return self._json(200, {"data": {"deleted": True}})

    def _op_getUsersMentions(self, request, user_id, body):
        target = request.path.split("/")[3]
        if target not in self.users:
            return self._user_not_found(target)
        posts = [p for p in self.posts.values() if target in p.mentions and not p.deleted]
        return self._timeline(request, posts)

    def _op_getUsersPosts(self, request, user_id, body):
        target = request.path.split("/")[3]
        if target not in self.users:
            return self._user_not_found(target)
        exclude = self._csv(request, "exclude")
        posts = [p for p in self.live_posts_by(target)
                 if not ("replies" in exclude and p.is_reply)]
        return self._timeline(request, posts)

    def _op_getPostsByIds(self, request, user_id, body):
        ids = list(dict.fromkeys(self._csv(request, "ids")))
        found = [self.posts[i] for i in ids if i in self.posts and not self.posts[i].deleted]
        out: dict = {}
        if found:
            out["data"] = [self._post_json(p, request) for p in found]
            includes = self._includes(found, request)
            if includes:
                out["includes"] = includes
        missing = [i for i in ids if i not in self.posts or self.posts[i].deleted]
        if missing:
            out["errors"] = [{"type": PROBLEM + "resource-not-found", "title": "Not Found Error",
                              "detail": f"Could not find post with ids: [{i}].",
                              "resource_type": "tweet", "resource_id": i, "parameter": "ids",
                              "value": i} for i in missing]
        return self._json(200, out)

    def _op_hidePostsReply(self, request, user_id, body):
        pid = request.path.split("/")[3]
        post = self.posts.get(pid)
        if post is None or post.deleted:
            return self._problem(404, "resource-not-found", "Not Found Error",
                                 f"Could not find post with id: [{pid}].",
                                 resource_type="post", resource_id=pid, parameter="tweet_id")
        root = self.posts.get(post.conversation_id)
        if not post.is_reply or root is None or root.author_id != user_id:
            return self._error(403, "You can only hide replies in conversations you started.")
        post.hidden = bool(body["hidden"])
        return self._json(200, {"data": {"hidden": post.hidden}})

    def _user_not_found(self, user_id: str) -> Response:
        return self._problem(404, "resource-not-found", "Not Found Error",
                             f"Could not find user with id: [{user_id}].",
                             resource_type="user", resource_id=user_id, parameter="id")


@pytest.fixture
def x_fake():
    """A running fake X for one test. Import it into a test module (``from tests.fakes.x_api
    import x_fake``). At teardown, a request the specification refused (or an answer of the
    fake's outside it) that the test did not take out with ``take_violations()`` fails the test."""
    fake = XFake().start()
    try:
        yield fake
    finally:
        fake.stop()
    leftover = fake.take_violations()
    if leftover:
        pytest.fail("the fake X saw traffic its specification refuses:\n" + "\n".join(leftover),
                    pytrace=False)

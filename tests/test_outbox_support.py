"""Stand-ins for the outbox tests: a scripted in-process platform, and a small stateful HTTP
platform on 127.0.0.1 that worker processes reach through ``PLATFORM_CONNECTORS``
(``tests.test_outbox_support:connect``).

The HTTP stand-in keeps every post it accepted (and deletes), counts every create request, and
looks posts up by their key, as the real platforms' reconciliation does.
"""
from __future__ import annotations

import json
import threading
from collections import defaultdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

import httpx

from beatdesk.platforms import base


class ScriptedPlatform:
    """One platform shared by every account's connector in a test: ``script`` lists what the
    next create calls do ("ok", "lost" = accepted but the answer lost, "5xx", "429",
    "permanent", "duplicate")."""

    def __init__(self):
        self.posts: dict[str, dict] = {}        # platform id -> {"key", "text", "account"}
        self.deleted: list[str] = []
        self.creates = defaultdict(int)         # key -> create requests that were accepted
        self.script: list[str] = []
        self.reset_at: datetime | None = None
        self.hidden: list[tuple] = []
        self._ids = count(1000)

    def connector(self, account, config):
        return ScriptedConnector(self, account)


class ScriptedConnector:
    platform = "x"

    def __init__(self, platform: ScriptedPlatform, account):
        self.p = platform
        self.account_id = account.id

    def _accept(self, post: base.OutgoingPost) -> base.Sent:
        platform_id = str(next(self.p._ids))
        self.p.posts[platform_id] = {"key": post.key, "text": post.text,
                                     "account": self.account_id, "images": post.images,
                                     "link": post.link}
        self.p.creates[post.key] += 1
        return base.Sent(platform_id=platform_id, url=f"https://x.test/s/{platform_id}")

    def create_post(self, post):
        step = self.p.script.pop(0) if self.p.script else "ok"
        if step == "ok":
            return self._accept(post)
        if step == "lost":
            self._accept(post)
            raise base.TransientError("the connection was lost before the answer")
        if step == "5xx":
            raise base.TransientError("503 Service Unavailable", 503)
        if step == "429":
            raise base.RateLimited("429 Too Many Requests", self.p.reset_at)
        if step == "duplicate":
            raise base.DuplicateContent("403 duplicate content", 403)
        raise base.PermanentError("401 Unauthorized", 401)

    def find_post(self, post, since):
        for platform_id, stored in self.p.posts.items():
            if stored["key"] == post.key and stored["account"] == self.account_id \
                    and platform_id not in self.p.deleted:
                return base.Sent(platform_id=platform_id, url=f"https://x.test/s/{platform_id}")
        return None

    def delete_post(self, platform_id):
        self.p.deleted.append(platform_id)

    def hide_reply(self, platform_id, root, hidden=True):
        self.p.hidden.append((platform_id, root, hidden))

    def block(self, author_ref):
        self.p.hidden.append(("block", author_ref))

    def report(self, author_ref, platform_ids, comment):
        raise base.NotSupported("no reports here")

    def fetch_replies(self, cursor):
        return base.InboundPage(items=[], cursor=cursor)

    def lookup(self, platform_ids):
        return []


# --- a platform in another thread, for worker processes --------------------------------------

class StandInServer:
    """``POST /posts`` {key, text, account} -> {id}; ``GET /posts?key=&account=`` -> [{id}];
    ``DELETE /posts/<id>``; ``GET /state`` -> everything it holds."""

    def __init__(self):
        self.lock = threading.Lock()
        self.posts: list[dict] = []
        self.create_requests = 0
        self.deleted: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.create_requests += 1
                    post = {"id": str(len(server.posts) + 1), **body}
                    server.posts.append(post)
                self._answer(200, {"id": post["id"]})

            def do_GET(self):
                from urllib.parse import parse_qs, urlsplit
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                with server.lock:
                    found = [p for p in server.posts if p["key"] == query.get("key")
                             and str(p["account"]) == query.get("account")]
                self._answer(200, found)

            def do_DELETE(self):
                with server.lock:
                    server.deleted.append(self.path.rsplit("/", 1)[-1])
                self._answer(200, {})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


_client: httpx.Client | None = None


def _http() -> httpx.Client:
    global _client
    if _client is None:  # one per process: building a client per call costs a TLS context
        _client = httpx.Client(timeout=5)
    return _client


class HttpConnector:
    """The connector worker processes use against ``StandInServer`` (the account's base_url)."""

    platform = "x"

    def __init__(self, account, config):
        self.base_url = account.base_url
        self.account_id = account.id

    def _call(self, method, path, **kwargs):
        try:
            response = _http().request(method, self.base_url + path, **kwargs)
        except httpx.HTTPError as exc:
            raise base.TransientError(str(exc)) from exc
        if response.status_code >= 500:
            raise base.TransientError(response.text, response.status_code)
        return response.json()

    def create_post(self, post):
        answer = self._call("POST", "/posts", json={"key": post.key, "text": post.text,
                                                    "account": self.account_id})
        return base.Sent(platform_id=answer["id"], url=f"{self.base_url}/posts/{answer['id']}",
                         sent_at=datetime.now(UTC))

    def find_post(self, post, since):
        found = self._call("GET", "/posts", params={"key": post.key, "account": self.account_id})
        if not found:
            return None
        return base.Sent(platform_id=found[0]["id"],
                         url=f"{self.base_url}/posts/{found[0]['id']}")

    def delete_post(self, platform_id):
        self._call("DELETE", f"/posts/{platform_id}")

    def fetch_replies(self, cursor):
        return base.InboundPage(items=[], cursor=cursor)

    def lookup(self, platform_ids):
        return []


def connect(account, config):
    return HttpConnector(account, config)

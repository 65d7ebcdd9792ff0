"""An in-process HTTP cache in front of the application for the pages anonymous visitors read.

Public pages are the same for every anonymous visitor and are read far more often than their
data changes. ``PublicPageCache`` is a small WSGI middleware (a tiny, shared-nothing Varnish)
that answers such a request before Flask sees it: no routing, no request context, no session,
no database session, no template. Each process keeps a page for ``PUBLIC_CACHE_SECONDS``
(0 turns the cache off), and a kept page is used only while both generations it was rendered
at still hold:

- the **shared generation**: the archive's head position (``archive_head``, one row, read by
  its primary key). Every change to what the public sees (a post published, revised or
  discontinued, a comment stored or moderated, a district approved, terms published) is
  archived in the transaction that makes it, and appends are serialised and commit in chain
  order, so a change committed by *any* instance on the same database empties every instance's
  cache. Each process reads the head at most once per ``PUBLIC_CACHE_CHECK_SECONDS`` (0.1 s by
  default; 0 reads it for every cached answer): that is the stated bound for another
  instance's archived change, with no shared memory;
- the **local generation**: any transaction of this process that wrote through an ORM session
  empties the cache when it commits (a change that is not archived, e.g. the department's
  contact details, shows at once in the process that made it, and in others within
  ``PUBLIC_CACHE_SECONDS``: the stated bound for unarchived changes).

What is kept and for whom:

- only GET and HEAD requests that carry no session (nor remember-me) cookie are answered from
  the cache; anything else goes to Flask as before, where rate limits, the input guards, error
  pages and the console's checks apply;
- only answers the public blueprint marked as the same for everybody (``mark_shareable``:
  a 200 with ``Cache-Control: public``) and that set no cookie are kept. They are kept whole:
  status, headers (the security headers, ETag and Last-Modified included) and body;
- a request whose ``If-None-Match`` matches a kept page's ETag (or whose
  ``If-Modified-Since`` is not older than its Last-Modified) gets 304 without a body.

The post page's comment form needs no session (``blueprints.comments.protection``), so post
pages are kept too. The ETag is the body's hash (the same on every instance, since the page is)
and Last-Modified is the time of the archive's newest record, read from the database.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.http import is_resource_modified

from beatdesk import clock
from beatdesk.models import ArchiveHead, ArchiveRecord

MAX_ENTRIES = 512
DEFAULT_CHECK_SECONDS = 0.1
# Set by the public blueprint on a request whose answer is the same for every anonymous reader.
SHAREABLE = "beatdesk.public_cache.shareable"
# The time of the archive's newest record, for the Last-Modified of a page rendered now.
CHANGED_AT = "beatdesk.public_cache.changed_at"
REMEMBER_COOKIE = "remember_token"  # Flask-Login's default name


# --- invalidation: any committed ORM write in this process -------------------------------------

_state = {"generation": 0}
_generation_lock = threading.Lock()


def generation() -> int:
    return _state["generation"]


def invalidate() -> None:
    with _generation_lock:
        _state["generation"] += 1


@event.listens_for(Session, "after_flush")
def _wrote(session, _flush_context) -> None:
    session.info["public_cache_dirty"] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(orm_execute_state) -> None:
    if not orm_execute_state.is_select:  # UPDATE, DELETE, INSERT, or any text() statement
        orm_execute_state.session.info["public_cache_dirty"] = True


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    if session.info.pop("public_cache_dirty", False):
        invalidate()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session) -> None:
    session.info.pop("public_cache_dirty", None)


# --- the store -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CachedPage:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str | None
    last_modified: datetime | None
    generation: tuple
    expires: float


class PageCache:
    """Kept answers by address, least recently used dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._pages: OrderedDict[tuple, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, current: tuple, now: float) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.generation != current or page.expires <= now:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: CachedPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def read_archive_head(connection) -> tuple[int, datetime | None]:
    """The archive's head position and the time of its newest record (one indexed read)."""
    row = connection.execute(
        select(ArchiveHead.position, ArchiveRecord.recorded_at)
        .select_from(ArchiveHead)
        .outerjoin(ArchiveRecord, ArchiveRecord.id == ArchiveHead.position)
        .where(ArchiveHead.id == 1)).first()
    if row is None:
        return 0, None
    return row.position, clock.as_utc(row.recorded_at)


# --- the middleware ------------------------------------------------------------------------------

class PublicPageCache:
    """WSGI middleware: answers anonymous GET/HEAD requests for kept public pages."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app
        self.config = app.config
        self.store = PageCache()
        self._head: tuple | None = None  # (local generation, checked at, position, changed at)
        self._head_lock = threading.Lock()
        self._personal_cookies = (app.config.get("SESSION_COOKIE_NAME") or "session",
                                  app.config.get("REMEMBER_COOKIE_NAME") or REMEMBER_COOKIE)

    # the shared generation, read at most every PUBLIC_CACHE_CHECK_SECONDS

    def shared_state(self, now: float) -> tuple[int, datetime | None]:
        interval = self.config.get("PUBLIC_CACHE_CHECK_SECONDS", DEFAULT_CHECK_SECONDS)
        interval = float(interval or 0)
        seen = self._head
        if interval > 0 and seen is not None and seen[0] == generation() \
                and 0 <= now - seen[1] < interval:
            return seen[2], seen[3]
        local = generation()
        with self.app.extensions["beatdesk.engine"].connect() as connection:
            position, changed_at = read_archive_head(connection)
        self._head = (local, now, position, changed_at)
        return position, changed_at

    def _anonymous(self, environ) -> bool:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return False
        cookies = environ.get("HTTP_COOKIE")
        # A substring test errs on the safe side: any doubt sends the request to Flask.
        return not cookies or not any(name in cookies for name in self._personal_cookies)

    @staticmethod
    def _key(environ) -> tuple:
        return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
                environ.get("HTTP_X_FORWARDED_HOST"), environ.get("HTTP_X_FORWARDED_PROTO"),
                environ.get("HTTP_X_FORWARDED_PREFIX"), environ.get("SCRIPT_NAME", ""),
                environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))

    def __call__(self, environ, start_response):
        seconds = float(self.config.get("PUBLIC_CACHE_SECONDS") or 0)
        if seconds <= 0 or not self._anonymous(environ):
            return self.wsgi_app(environ, start_response)
        now = time.monotonic()
        position, changed_at = self.shared_state(now)
        current = (generation(), position)
        key = self._key(environ)
        page = self.store.get(key, current, now)
        if page is not None:
            return self._answer(page, environ, start_response)
        environ[CHANGED_AT] = changed_at
        return self._render_and_keep(environ, start_response, key, current, now + seconds)

    def _answer(self, page: CachedPage, environ, start_response):
        if (environ.get("HTTP_IF_NONE_MATCH") or environ.get("HTTP_IF_MODIFIED_SINCE")) \
                and not is_resource_modified(environ, etag=page.etag,
                                             last_modified=page.last_modified):
            start_response("304 NOT MODIFIED",
                           [(k, v) for k, v in page.headers
                            if k.lower() not in ("content-length", "content-type")])
            return [b""]
        start_response(page.status, page.headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [page.body]

    def _render_and_keep(self, environ, start_response, key, current, expires):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else \
                start_response(status, headers)

        result = self.wsgi_app(environ, capture)
        if not (environ.get(SHAREABLE) and environ["REQUEST_METHOD"] == "GET"
                and captured.get("status", "").startswith("200 ")
                and not any(k.lower() == "set-cookie" for k, _ in captured["headers"])):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        headers = list(captured["headers"])
        lookup = {k.lower(): v for k, v in headers}
        etag = lookup.get("etag", "").strip()
        if etag.startswith("W/"):
            etag = etag[2:]
        etag = etag.strip('"') or None
        last_modified = None
        if "last-modified" in lookup:
            from werkzeug.http import parse_date
            last_modified = parse_date(lookup["last-modified"])
        self.store.put(key, CachedPage(status=captured["status"], headers=headers, body=body,
                                       etag=etag, last_modified=last_modified,
                                       generation=current, expires=expires))
        return [body]


def install(app) -> PublicPageCache:
    """Put the page cache in front of ``app`` (inside any proxy fix, so keys see the raw
    request, which only makes them more specific)."""
    middleware = PublicPageCache(app.wsgi_app, app)
    app.wsgi_app = middleware
    app.extensions["beatdesk.public_cache"] = middleware
    return middleware


def mark_shareable() -> None:
    """Called by the public blueprint for an answer that is the same for every anonymous
    reader: the middleware may keep it."""
    from flask import request

    request.environ[SHAREABLE] = True


def last_modified_now() -> datetime | None:
    """The archive's newest record time seen when this request arrived (None if the cache did
    not look)."""
    from flask import request

    return request.environ.get(CHANGED_AT)

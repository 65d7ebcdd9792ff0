"""A short-lived, per-process cache of the public pages and feeds anonymous visitors read.

Public pages are the same for every anonymous visitor and are read far more often than their
data changes. Each process keeps a rendered page for ``PUBLIC_CACHE_SECONDS`` (0 turns the cache
off), and a kept page is used only while both generations it was rendered at still hold:

- the **shared generation**: the archive's head position (``archive_head``, one row, read by
  its primary key). Every change to what the public sees (a post published, revised or
  discontinued, a comment stored or moderated, a district approved, terms published) is
  archived in the transaction that makes it, and appends are serialised and commit in chain
  order, so a change committed by *any* instance on the same database empties every instance's
  cache. Each process reads the head at most once per ``PUBLIC_CACHE_CHECK_SECONDS`` (0.1 s by
  default; 0 reads it for every cached answer): that is the stated bound for another
  instance's archived change, with no shared memory. Reading it for every answer would halve
  the cached page's rate (a session, a transaction and a query per request);
- the **local generation**: any transaction of this process that wrote through an ORM session
  empties the cache when it commits (a change that is not archived, e.g. the department's
  contact details, shows at once in the process that made it, and in others within
  ``PUBLIC_CACHE_SECONDS``: the stated bound for unarchived changes).

Nothing personal is cached: only GET/HEAD requests without a session cookie and without a
signed-in user, and only 200 responses that did not start a session. The post page's comment
form needs no session (see ``blueprints.comments.protection``), so post pages are cached too.
Cached pages keep the ETag of their body (the same on every instance, since the page is) and a
Last-Modified taken from the database: the time of the archive's newest record.
"""
from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from flask import Response, current_app, g, request, session
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from beatdesk import clock
from beatdesk.models import ArchiveHead, ArchiveRecord

from ..database import db

MAX_ENTRIES = 512


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
    body: bytes
    etag: str
    content_type: str
    last_modified: datetime | None
    generation: tuple
    expires: float


class PageCache:
    """Rendered pages by address, least recently used dropped first."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._pages: OrderedDict[tuple, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, current: tuple) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.generation != current or page.expires <= time.monotonic():
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


def _store() -> PageCache:
    return current_app.extensions.setdefault("beatdesk.public_cache", PageCache())


def _seconds() -> float:
    return float(current_app.config.get("PUBLIC_CACHE_SECONDS") or 0)


def _key() -> tuple:
    return (request.scheme, request.host, request.full_path)


def _anonymous_request() -> bool:
    return (request.method in ("GET", "HEAD") and request.endpoint != "public.healthz"
            and not session and not current_user.is_authenticated)


DEFAULT_CHECK_SECONDS = 0.1


def shared_state() -> tuple[int, datetime | None]:
    """The archive's head position and the time of its newest record: read from the database
    at most once per ``PUBLIC_CACHE_CHECK_SECONDS`` per process (see the module docstring)."""
    interval = float(current_app.config.get("PUBLIC_CACHE_CHECK_SECONDS",
                                            DEFAULT_CHECK_SECONDS) or 0)
    now = time.monotonic()
    seen = current_app.extensions.get("beatdesk.public_cache_head")
    if interval > 0 and seen is not None and seen[0] == generation() \
            and 0 <= now - seen[1] < interval:
        return seen[2], seen[3]
    local = generation()
    position, changed_at = read_archive_head()
    current_app.extensions["beatdesk.public_cache_head"] = (local, now, position, changed_at)
    return position, changed_at


def read_archive_head() -> tuple[int, datetime | None]:
    """The archive's head position and the time of its newest record (one indexed read)."""
    row = db().execute(
        select(ArchiveHead.position, ArchiveRecord.recorded_at)
        .select_from(ArchiveHead)
        .outerjoin(ArchiveRecord, ArchiveRecord.id == ArchiveHead.position)
        .where(ArchiveHead.id == 1)).first()
    if row is None:
        return 0, None
    return row.position, clock.as_utc(row.recorded_at)


# --- request hooks (registered by the public blueprint) -----------------------------------------

def serve_cached() -> Response | None:
    """before_request: answer from the cache, or note the generations the page is rendered at."""
    if _seconds() <= 0 or not _anonymous_request():
        return None
    position, changed_at = shared_state()
    current = (generation(), position)
    page = _store().get(_key(), current)
    if page is None:
        g.public_cache_generation = current
        g.public_last_modified = changed_at
        return None
    response = current_app.response_class(page.body, content_type=page.content_type)
    response.set_etag(page.etag)
    response.last_modified = page.last_modified
    return response


def keep(response: Response) -> None:
    """after_request: keep a fresh 200 page rendered for an anonymous visitor."""
    started_at = g.pop("public_cache_generation", None)
    if started_at is None or response.status_code != 200 or response.direct_passthrough \
            or session.modified:
        return
    if response.last_modified is None:
        response.last_modified = g.pop("public_last_modified", None)
    body = response.get_data()
    _store().put(_key(), CachedPage(body=body, etag=hashlib.sha1(body).hexdigest(),
                                    content_type=response.content_type,
                                    last_modified=response.last_modified, generation=started_at,
                                    expires=time.monotonic() + _seconds()))

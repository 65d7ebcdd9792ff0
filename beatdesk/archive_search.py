"""Searching the archive: full text, district, author, record type, date range and state.

Public interface (also re-exported by ``beatdesk.archive``):

- ``SearchCriteria``: the filters, all optional and combined with AND; ``to_dict()`` /
  ``from_dict()`` give the JSON form a ``SavedSearch`` stores.
- ``search(session, criteria, page=1, per_page=50, *, count_limit=None) -> SearchPage``
  (a ``beatdesk.audit.Page`` of ``ArchiveRecord``, newest first; ``count_limit`` caps the
  count, see ``search``). ``criteria`` may be a ``SearchCriteria`` or its dict form. Raises
  ValidationFailed when the text has no word to search for.
- ``search_query(session, criteria) -> Select``: the same records as one query (newest first),
  for callers that go through every match.
- ``criteria_conditions(session, criteria)``: the WHERE conditions, for callers that build their
  own query (legal holds use it to find what they freeze).
- Saved searches: ``save_search(session, actor, name, criteria, request_id=None)``,
  ``list_saved_searches(session, request_id=None)``, ``get_saved_search(session, id)``,
  ``delete_saved_search(session, actor, saved)``; ``can_search_archive(user)`` says who may
  (records officers and administrators).

Full text uses the database's own index: SQLite's FTS5 table ``archive_records_fts`` (porter
stemming), PostgreSQL's ``search_vector`` tsvector (English configuration) with a GIN index. Every
word given must occur (AND); words are matched as whole words after stemming, so "remove" also
finds "removed".
"""
from __future__ import annotations

import json
import re
import time as time_module
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (ColumnElement, Select, and_, bindparam, column, func, literal_column, or_,
                        select, table)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ClauseElement, Executable

from . import clock
from .audit import Page, record_event
from .context import Actor
from .errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from .models import ArchiveRecord, CommentState, LegalHold, PostState, SavedSearch, User
from .roles import Role
from .wording import in_sentence

WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 20
# The console counts results up to this many (``search(..., count_limit=...)``); past it the
# page asks for a narrower search instead of counting every match of a very common word.
CONSOLE_COUNT_LIMIT = 1000
# At most this many full-text matches are sorted after the index finds them (PostgreSQL).
BITMAP_PAGE_LIMIT = 5000
# PostgreSQL: words the planner expects in at least this share of the records are counted by
# walking the records newest first (a district's through its covering index, migration 0012d)
# until the count cap, instead of combining posting lists of hundreds of thousands of records.
DENSE_SHARE = 0.04

_fts = table("archive_records_fts", column("rowid"), column("archive_records_fts"))


@dataclass(frozen=True)
class SearchCriteria:
    """What to look for. Dates are the department's days (its time zone), both ends included."""

    text: str = ""
    district_id: int | None = None
    author: str = ""  # the actor's log-on ID at the time
    record_type: str = ""  # a type ("post.revision") or a family ("post")
    since: date | None = None
    until: date | None = None
    state: str = ""  # e.g. "discontinued", "removed"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"] = self.since.isoformat() if self.since else None
        data["until"] = self.until.isoformat() if self.until else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SearchCriteria:
        data = data or {}

        def day(value):
            if isinstance(value, date):
                return value
            return date.fromisoformat(value) if value else None

        district = data.get("district_id")
        return cls(text=str(data.get("text") or ""),
                   district_id=int(district) if district not in (None, "") else None,
                   author=str(data.get("author") or ""),
                   record_type=str(data.get("record_type") or ""),
                   since=day(data.get("since")), until=day(data.get("until")),
                   state=str(data.get("state") or ""))

    @property
    def is_empty(self) -> bool:
        return self == SearchCriteria()

    def describe(self) -> str:
        """A one-line human summary, e.g. for saved searches and holds."""
        parts = []
        if self.text:
            parts.append(f"text “{self.text}”")
        if self.district_id is not None:
            parts.append(f"district #{self.district_id}")
        if self.author:
            parts.append(f"author {self.author}")
        if self.record_type:
            parts.append(f"type {self.record_type}")
        if self.since or self.until:
            parts.append(f"from {self.since or '…'} to {self.until or '…'}")
        if self.state:
            parts.append(f"state “{state_words(self.state)}”")
        return ", ".join(parts) or "all records"


def state_words(value: str) -> str:
    """A record's state as people read it ("awaiting_news_affairs" -> "awaiting News Affairs")."""
    for states in (PostState, CommentState):
        try:
            return in_sentence(states(value).label)
        except ValueError:
            continue
    return value.replace("_", " ")


def search_words(text: str) -> list[str]:
    """The words of a query; punctuation and operators are not given any meaning."""
    return WORD.findall(text.lower())[:MAX_WORDS]


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _fts_match(words: list[str], facets: list[str] = ()) -> str:
    """An FTS5 query: every word, as a quoted string in the text column (no operator is ever
    interpreted), and each filter token (see migration 0005's FACETS) in the facets column."""
    query = "search_text : (" + " ".join(_phrase(w) for w in words) + ")"
    return " AND ".join([query, *("facets : " + _phrase(f) for f in facets)])


def _facets(criteria: SearchCriteria) -> list[str]:
    """Filter tokens that let the full-text index narrow a search before the SQL conditions."""
    facets = []
    if criteria.district_id is not None:
        facets.append(f"zd{criteria.district_id}")
    if criteria.state.strip():
        facets.append("zs" + criteria.state.strip().lower())
    if criteria.record_type.strip():
        facets.append("zt" + criteria.record_type.strip())
    if criteria.author.strip():
        facets.append("za" + criteria.author.strip().lower())
    return facets


def _full_text(session: Session, text: str) -> ColumnElement[bool]:
    words = search_words(text)
    if not words:
        raise ValidationFailed("Enter at least one word to search for.", field="text")
    if session.get_bind().dialect.name == "postgresql":
        query = func.plainto_tsquery("english", bindparam(None, " ".join(words), unique=True))
        return literal_column("archive_records.search_vector").op("@@")(query)
    matching = select(_fts.c.rowid).where(
        _fts.c.archive_records_fts.op("MATCH")(bindparam(None, _fts_match(words), unique=True)))
    return ArchiveRecord.id.in_(matching)


def type_condition(record_type: str) -> ColumnElement[bool]:
    """A record type, or a family of them: "post" matches "post" and "post.revision"."""
    record_type = record_type.strip()
    return or_(ArchiveRecord.record_type == record_type,
               ArchiveRecord.record_type.startswith(record_type + ".", autoescape=True))


def range_conditions(since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    """``since`` included, ``until`` excluded."""
    conditions = []
    if since is not None:
        conditions.append(ArchiveRecord.recorded_at >= since)
    if until is not None:
        conditions.append(ArchiveRecord.recorded_at < until)
    return conditions


def day_start(day: date) -> datetime:
    """When ``day`` begins in the department's zone (the days people pick), in UTC."""
    return datetime.combine(day, time.min, clock.department_zone()).astimezone(UTC)


def criteria_conditions(session: Session, criteria: SearchCriteria) -> list[ColumnElement[bool]]:
    """The WHERE conditions for ``criteria`` (all must hold). Raises ValidationFailed."""
    if criteria.since and criteria.until and criteria.until < criteria.since:
        raise ValidationFailed("The end date is before the start date.", field="until")
    conditions: list[ColumnElement[bool]] = []
    if criteria.text.strip():
        conditions.append(_full_text(session, criteria.text))
    if criteria.district_id is not None:
        conditions.append(ArchiveRecord.district_id == criteria.district_id)
    if criteria.author.strip():
        conditions.append(ArchiveRecord.actor_label == criteria.author.strip().lower())
    if criteria.record_type.strip():
        conditions.append(type_condition(criteria.record_type))
    conditions += range_conditions(
        day_start(criteria.since) if criteria.since else None,
        day_start(criteria.until) + timedelta(days=1) if criteria.until else None)
    if criteria.state.strip():
        conditions.append(ArchiveRecord.state == criteria.state.strip().lower())
    return conditions


def search_query(session: Session, criteria: SearchCriteria) -> Select:
    """Records matching ``criteria``, newest first.

    On SQLite the full-text index drives the query (a join walked in descending rowid order), so
    a page of a frequent word stops after its rows instead of collecting every match first, and
    the filters also narrow the index walk (filter tokens); the SQL conditions still decide.
    """
    query = select(ArchiveRecord)
    order = ArchiveRecord.id.desc()
    if criteria.text.strip() and session.get_bind().dialect.name == "sqlite":
        words = search_words(criteria.text)
        if not words:
            raise ValidationFailed("Enter at least one word to search for.", field="text")
        match = _fts_match(words, _facets(criteria))
        query = query.join(_fts, _fts.c.rowid == ArchiveRecord.id).where(
            _fts.c.archive_records_fts.op("MATCH")(bindparam(None, match, unique=True)))
        order = _fts.c.rowid.desc()
        criteria = replace(criteria, text="")
    return query.where(and_(True, *criteria_conditions(session, criteria))).order_by(order)


class _Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON) <statement>``, its parameters bound as the statement's own."""

    inherit_cache = False

    def __init__(self, statement):
        self.statement = statement


@compiles(_Explain)
def _compile_explain(element, compiler, **kw):
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def _expected_share(session: Session, text: str) -> float:
    """The share of archive records the PostgreSQL planner expects to hold every word of
    ``text`` (its statistics of the tsvector column; no record is read)."""
    plan = session.execute(_Explain(select(literal_column("1")).select_from(ArchiveRecord)
                                    .where(_full_text(session, text)))).scalar_one()
    plan = plan if isinstance(plan, list) else json.loads(plan)
    rows = plan[0]["Plan"]["Plan Rows"]
    total = _record_estimate(session)
    return rows / total if total > 0 else 0.0


_estimates: dict[str, tuple[float, float]] = {}  # database URL -> (read at, records)
ESTIMATE_SECONDS = 60.0


def _record_estimate(session: Session) -> float:
    """About how many archive records there are (PostgreSQL's own figure, read once a minute)."""
    key = str(session.get_bind().engine.url)
    now = time_module.monotonic()
    read_at, records = _estimates.get(key, (0.0, 0.0))
    if now - read_at > ESTIMATE_SECONDS or records <= 0:
        records = float(session.scalar(
            select(literal_column("reltuples")).select_from(table("pg_class"))
            .where(literal_column("oid") == func.to_regclass("archive_records"))) or 0.0)
        _estimates[key] = (now, records)
    return records


@dataclass(frozen=True)
class SearchPage(Page):
    """A page of results; ``capped`` when there are more than ``total`` (the count limit)."""

    capped: bool = False


def search(session: Session, criteria: SearchCriteria | dict, page: int = 1, per_page: int = 50,
           *, count_limit: int | None = None) -> SearchPage:
    """One page (a ``beatdesk.audit.Page``) of the records matching ``criteria``, newest first.

    With ``count_limit`` the total is counted only up to that many records (``capped`` says the
    real number is larger): what keeps a search for a very common word fast on a large archive.
    Raises ValidationFailed if the criteria are malformed (e.g. a text without words, or an
    end date before the start date).
    """
    if isinstance(criteria, dict):
        criteria = SearchCriteria.from_dict(criteria)
    page, per_page = max(1, page), max(1, min(per_page, 500))
    query = search_query(session, criteria)
    postgresql = session.get_bind().dialect.name == "postgresql"
    ids = query.with_only_columns(ArchiveRecord.id, maintain_column_froms=True)
    if not postgresql:
        return _search(session, criteria, query, ids, page, per_page, count_limit)
    # psycopg prepares a statement run five times on a connection, and PostgreSQL may then plan
    # it once for any words: a plan made for a rare word, used for the most frequent one, reads
    # hundreds of thousands of posting-list entries. Each search is planned for its own words.
    driver = session.connection().connection.driver_connection
    threshold = getattr(driver, "prepare_threshold", None)
    if threshold is not None:
        driver.prepare_threshold = None
    try:
        return _search(session, criteria, query, ids, page, per_page, count_limit)
    finally:
        if threshold is not None:
            driver.prepare_threshold = threshold


def _search(session: Session, criteria: SearchCriteria, query: Select, ids: Select, page: int,
            per_page: int, count_limit: int | None) -> SearchPage:
    postgresql = session.get_bind().dialect.name == "postgresql"
    share = _expected_share(session, criteria.text) if postgresql and criteria.text.strip() \
        else None
    if count_limit is None:
        total = session.scalar(select(func.count()).select_from(ids.order_by(None).subquery()))
        capped = False
    else:
        if postgresql and not (share is not None and share >= DENSE_SHARE):
            # Any count_limit + 1 matches will do: let bitmaps combine. A frequent word is
            # counted newest first instead: count_limit + 1 of them are among the newest few
            # thousand records (a district's, in its covering index).
            probe = ids.order_by(None)
        else:
            probe = ids
        total = session.scalar(select(func.count()).select_from(
            probe.limit(count_limit + 1).subquery()))
        capped = total > count_limit
        total = min(total, count_limit)
        page = min(page, max(1, -(-total // per_page)))
    if not postgresql:
        items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
        return SearchPage(items=items, page=page, per_page=per_page, total=total or 0,
                          capped=capped)
    few = (total <= BITMAP_PAGE_LIMIT if not capped
           else share is not None and share * _record_estimate(session) <= BITMAP_PAGE_LIMIT)
    if share is not None and few:
        # Few matches (counted, or expected past the count cap): fetch them through the GIN
        # index and sort them, rather than let the planner walk the primary key backwards
        # hoping to meet a page of them soon.
        ids = ids.order_by(None).order_by((ArchiveRecord.id + 0).desc())
    # The page's numbers first (from indexes where they can), then its records by number.
    numbers = list(session.scalars(ids.limit(per_page).offset((page - 1) * per_page)))
    rows = {r.id: r for r in session.scalars(
        select(ArchiveRecord).where(ArchiveRecord.id.in_(numbers)))} if numbers else {}
    items = [rows[n] for n in numbers if n in rows]
    return SearchPage(items=items, page=page, per_page=per_page, total=total or 0, capped=capped)


def can_search_archive(user: User | None) -> bool:
    """Records officers and administrators search and read the whole archive."""
    return user is not None and user.active and user.role in (Role.RECORDS, Role.ADMIN)


def save_search(session: Session, actor: Actor, name: str, criteria: SearchCriteria,
                request_id: int | None = None) -> SavedSearch:
    """Keep a search under a name (optionally for a public records request).

    Raises PermissionDenied unless records/admin, ValidationFailed without a name or with
    criteria that cannot be run.
    """
    if not can_search_archive(actor.user):
        raise PermissionDenied("Only records officers and administrators save archive searches.")
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationFailed("Give the search a name (at most 120 characters).", field="name")
    search_query(session, criteria)  # refuses criteria that could not run later
    saved = SavedSearch(name=name, criteria=criteria.to_dict(), owner_id=actor.user.id,
                        request_id=request_id)
    session.add(saved)
    record_event(session, actor, "archive.search_saved", obj=saved,
                 details={"name": name, "criteria": saved.criteria, "request_id": request_id})
    return saved


def list_saved_searches(session: Session, request_id: int | None = None) -> list[SavedSearch]:
    """Saved searches, newest first (only a request's when ``request_id`` is given)."""
    query = select(SavedSearch).order_by(SavedSearch.id.desc())
    if request_id is not None:
        query = query.where(SavedSearch.request_id == request_id)
    return list(session.scalars(query))


def get_saved_search(session: Session, saved_id: int) -> SavedSearch:
    saved = session.get(SavedSearch, saved_id)
    if saved is None:
        raise NotFound("There is no such saved search.")
    return saved


def delete_saved_search(session: Session, actor: Actor, saved: SavedSearch) -> None:
    """Forget a saved search. Raises Conflict while a request or a legal hold relies on it."""
    if not can_search_archive(actor.user):
        raise PermissionDenied("Only records officers and administrators delete saved searches.")
    if saved.request_id is not None:
        raise Conflict("This search belongs to a public records request; it is kept with it.")
    if session.scalar(select(LegalHold.id).where(LegalHold.saved_search_id == saved.id).limit(1)):
        raise Conflict("A legal hold is scoped by this search; it is kept with the hold.")
    record_event(session, actor, "archive.search_deleted", obj=saved,
                 details={"name": saved.name, "criteria": saved.criteria})
    session.delete(saved)
    session.flush()

"""Archive records as people read them: the post a record is about, the district's name, the
author's name and rank, the words a search matched marked in the text, and the record's content
laid out (a revision as the post stood at that revision)."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import snowballstemmer
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from beatdesk.archive_search import search_words
from beatdesk.models import (ArchiveRecord, Category, CommentState, InquiryState, PostRevision,
                             PostState, User)
from beatdesk.wording import in_sentence

# Record types and families a search can ask for, as people call them.
RECORD_TYPES: dict[str, str] = {
    "post": "Posts: revisions and events",
    "post.revision": "Post revision (text as written)",
    "post.event": "Post event (review, approval, publication, hold…)",
    "comment": "Comments and their moderation",
    "comment.moderation": "Comment moderation",
    "media_inquiry": "Media inquiry",
    "records.release": "Records release",
    "terms.version": "Terms of service version",
    "archive.disposition_certificate": "Disposition certificate",
    "notifications.preferences": "Notification preferences",
    "audit": "Staff actions (audit trail)",
}

STATES: dict[str, str] = {
    **{s.value: f"Post: {in_sentence(s.label)}" for s in PostState},
    **{s.value: f"Comment: {in_sentence(s.label)}" for s in CommentState},
    **{s.value: f"Media inquiry: {s.value}" for s in InquiryState},
}
STATES["held"] = "Held (post or comment)"
STATES["awaiting_sergeant"] = "Post: awaiting the sergeant"


def _choices(known: dict[str, str], any_label: str, current: str | None) -> list[SelectChoice]:
    choices = [SelectChoice("", any_label)]
    choices += [SelectChoice(value, label) for value, label in known.items()]
    if current and current not in known:  # a saved search from before the lists: keep it
        choices.append(SelectChoice(current, current))
    return choices


def type_choices(current: str | None = None) -> list[SelectChoice]:
    return _choices(RECORD_TYPES, "Any type", current)


def state_choices(current: str | None = None) -> list[SelectChoice]:
    return _choices(dict(sorted(STATES.items(), key=lambda item: item[1])), "Any state", current)


# What one record is, in a result's title.
ROW_TYPES: dict[str, str] = {
    "post.revision": "Post revision", "post.event": "Post event", "comment": "Comment",
    "comment.moderation": "Comment moderation",
}


def type_label(record_type: str) -> str:
    if record_type in ROW_TYPES:
        return ROW_TYPES[record_type]
    if record_type in RECORD_TYPES:
        return RECORD_TYPES[record_type]
    if record_type.startswith("audit."):
        return "Staff action: " + record_type[len("audit."):].replace("_", " ").replace(".", " ")
    return record_type


def state_label(state: str) -> str:
    if not state:
        return ""
    try:
        return PostState(state).label
    except ValueError:
        pass
    try:
        return CommentState(state).label
    except ValueError:
        return state.replace("_", " ").capitalize()


# --- marking the words a search matched ----------------------------------------------------------

_STEMMERS = (snowballstemmer.stemmer("porter"), snowballstemmer.stemmer("english"))
_TOKEN = re.compile(r"\w+", re.UNICODE)
EXCERPT_CHARS = 220


@lru_cache(maxsize=4096)
def _stems(word: str) -> tuple[str, ...]:
    """The forms the full-text indexes reduce ``word`` to (SQLite's Porter, PostgreSQL's
    English Snowball), diacritics removed as SQLite's tokenizer removes them."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word.lower())
                    if not unicodedata.combining(c))
    return (plain, *(s.stemWord(plain) for s in _STEMMERS))


def _matcher(words: list[str]):
    wanted = {stem for w in words for stem in _stems(w)}

    def matches(token: str) -> bool:
        return any(stem in wanted for stem in _stems(token))
    return matches


def marked(text: str, words: list[str], limit: int | None = EXCERPT_CHARS) -> Markup:
    """``text`` escaped, with each word that a search for ``words`` matched in ``<mark>``.

    With ``limit``, an excerpt of about that many characters around the first match.
    """
    text = text or ""
    matches = _matcher(words) if words else None
    spans = [m.span() for m in _TOKEN.finditer(text) if matches and matches(m.group())]
    start, end = 0, len(text)
    if limit is not None and len(text) > limit:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - limit // 4, len(text) - limit))
        while start > 0 and not text[start - 1].isspace() and first - start < limit // 2:
            start -= 1
        end = min(len(text), start + limit)
        while end < len(text) and not text[end].isspace() and end - start < limit + 20:
            end += 1
    out = [Markup("…") if start > 0 else Markup("")]
    at = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out += [escape(text[at:s]), Markup("<mark>"), escape(text[s:e]), Markup("</mark>")]
        at = e
    out.append(escape(text[at:end]))
    if end < len(text):
        out.append(Markup("…"))
    return Markup("").join(out)


# --- rows ----------------------------------------------------------------------------------------

def content_of(record: ArchiveRecord) -> dict[str, Any]:
    if record.disposed:
        return {}
    try:
        content = json.loads(record.content)
    except ValueError:
        return {}
    return content if isinstance(content, dict) else {}


def _int(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def post_number(record: ArchiveRecord, content: dict[str, Any]) -> int | None:
    """The post a record is about, when it is about one."""
    if record.record_type == "post.event" and record.object_id.isdigit():
        return int(record.object_id)
    if record.family in ("post", "comment"):
        return _int(content.get("post_id"))
    return None


def main_text(record: ArchiveRecord, content: dict[str, Any]) -> str:
    """What a person reads first: a post's or comment's body, what an event did, else every
    word of the record."""
    body = content.get("body")
    if isinstance(body, str) and body.strip():
        return body
    if record.record_type == "post.event" and isinstance(content.get("action"), str):
        action = content["action"].replace("_", " ").capitalize()
        before = state_label(str(content.get("from_state") or ""))
        after = state_label(str(content.get("state") or ""))
        moved = f" ({before} → {after})" if before and after and before != after else \
            (f" ({after})" if after else "")
        note = content.get("note")
        return f"{action}{moved}" + (f": {note}" if isinstance(note, str) and note else ".")
    moderation = content.get("moderation")
    if isinstance(moderation, dict) and isinstance(moderation.get("action"), str):
        note = moderation.get("note") or moderation.get("reason") or ""
        return moderation["action"].capitalize() + (f": {note}" if isinstance(note, str)
                                                    and note else ".")
    return record.search_text or ""


@dataclass
class Author:
    name: str  # "Sergeant Dana Ruiz", "Visitor “Sam”", "System"
    login: str = ""


def authors(session: Session, records: list[ArchiveRecord]) -> dict[int, Author]:
    """Each record's author, by record id (one query for the staff among them)."""
    ids = {r.actor_id for r in records if r.actor_id is not None}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    result = {}
    for r in records:
        user = users.get(r.actor_id) if r.actor_id is not None else None
        if user is not None:
            result[r.id] = Author(user.display_name, r.actor_label)
        elif r.actor_label.startswith("visitor: "):
            result[r.id] = Author(f"Visitor “{r.actor_label[len('visitor: '):]}”")
        elif r.actor_label:
            result[r.id] = Author(r.actor_label)
        else:
            result[r.id] = Author("System")
    return result


@dataclass
class Row:
    record: ArchiveRecord
    type_label: str
    post_id: int | None
    district: str
    author: Author
    state: str
    excerpt: Markup
    content: dict = field(repr=False, default_factory=dict)


def rows(session: Session, records: list[ArchiveRecord], districts: dict[int, str],
         text: str = "") -> list[Row]:
    words = search_words(text) if text else []
    who = authors(session, records)
    result = []
    for r in records:
        content = content_of(r)
        result.append(Row(
            record=r, type_label=type_label(r.record_type), post_id=post_number(r, content),
            district=districts.get(r.district_id, f"District {r.district_id}")
            if r.district_id is not None else "",
            author=who[r.id], state=state_label(r.state),
            excerpt=Markup("") if r.disposed else marked(main_text(r, content), words),
            content=content))
    return result


# --- one record, readable ------------------------------------------------------------------------

@dataclass
class PostAsRecorded:
    """A post as it stood when a revision was recorded."""

    post_id: int | None
    revision: int | None
    category: str
    state: str
    body: str
    images: list[dict]
    findings: list
    revision_record_id: int | None = None  # the revision record it comes from (for an event)


def _category_label(value) -> str:
    try:
        return Category(value).label
    except ValueError:
        return str(value or "")


def post_as_recorded(record: ArchiveRecord, content: dict[str, Any]) -> PostAsRecorded:
    images = [i for i in content.get("images") or [] if isinstance(i, dict)]
    findings = content.get("findings") if isinstance(content.get("findings"), list) else []
    return PostAsRecorded(post_id=_int(content.get("post_id")),
                          revision=_int(content.get("revision")),
                          category=_category_label(content.get("category")),
                          state=state_label(str(content.get("state") or "")),
                          body=str(content.get("body") or ""), images=images, findings=findings,
                          revision_record_id=record.id)


def revision_before(session: Session, record: ArchiveRecord, post_id: int) -> ArchiveRecord | None:
    """The newest revision record of ``post_id`` archived before ``record``: the text the post
    had when ``record`` (e.g. an approval or a discontinuation) happened."""
    revision_ids = [str(i) for i in session.scalars(
        select(PostRevision.id).where(PostRevision.post_id == post_id))]
    if not revision_ids:
        return None
    return session.scalars(
        select(ArchiveRecord).where(ArchiveRecord.record_type == "post.revision",
                                    ArchiveRecord.object_id.in_(revision_ids),
                                    ArchiveRecord.id < record.id)
        .order_by(ArchiveRecord.id.desc()).limit(1)).first()


def post_at_the_time(session: Session, record: ArchiveRecord,
                     content: dict[str, Any]) -> PostAsRecorded | None:
    """For a post revision: the post as that revision recorded it. For a post event: the post's
    text from the revision archived before the event, with the state the event left it in."""
    if record.disposed:
        return None
    if record.record_type == "post.revision":
        return post_as_recorded(record, content)
    if record.record_type == "post.event" and record.object_id.isdigit():
        revision = revision_before(session, record, int(record.object_id))
        if revision is None or revision.disposed:
            return None
        post = post_as_recorded(revision, content_of(revision))
        post.state = state_label(str(content.get("state") or "")) or post.state
        return post
    return None

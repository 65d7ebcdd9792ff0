"""Which archived object a record is about, and that object's whole history.

An archive record's ``object_id`` means nothing without its type: a ``post.revision`` names a
revision id, a ``post.event`` a post id, a ``comment`` a comment id, so "the same object id in
the same type family" would join a revision to whichever post happens to share its number (even
another district's) and miss the revision's own post. History is therefore resolved by the
kind of object *and* its id:

- a post: its ``post.event`` records (object id = the post) and the ``post.revision`` records
  of every one of its revisions (object id = the revision; the revision's post comes from the
  ``post_revisions`` table, or from the record's own ``post_id`` when that row is unknown);
- a comment (an official reply is a comment too): ``comment`` and every ``comment.<...>``
  record (``comment.moderation``), whose object id is always the comment;
- audit records (``audit.<event>``) name their object as ``<table>/<id>``, already typed, so all
  audit records of that reference belong together;
- any other type: records of exactly that type and object id, since nothing says that another
  type's ids count the same things.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .models import ArchiveRecord, PostRevision

HISTORY_LIMIT = 1000

POST_REVISION, POST_EVENT = "post.revision", "post.event"
COMMENT_FAMILY = "comment"


@dataclass(frozen=True)
class ArchivedObject:
    """The object a record is about: a kind ("post", "comment", a record type...) and an id."""

    kind: str
    id: str


def _revision_post_id(session: Session, record: ArchiveRecord) -> int | None:
    """The post a ``post.revision`` record's revision belongs to, if it can be known."""
    if record.object_id.isdigit() and len(record.object_id) < 19:
        post_id = session.scalar(select(PostRevision.post_id)
                                 .where(PostRevision.id == int(record.object_id)))
        if post_id is not None:
            return post_id
    try:
        content = json.loads(record.content)
    except ValueError:
        return None
    post_id = content.get("post_id") if isinstance(content, dict) else None
    return post_id if isinstance(post_id, int) and not isinstance(post_id, bool) else None


def archived_object(session: Session, record: ArchiveRecord) -> ArchivedObject:
    """The object ``record`` is about (see the module docstring)."""
    if record.record_type == POST_EVENT:
        return ArchivedObject("post", record.object_id)
    if record.record_type == POST_REVISION:
        post_id = _revision_post_id(session, record)
        if post_id is not None:
            return ArchivedObject("post", str(post_id))
        return ArchivedObject(POST_REVISION, record.object_id)
    if record.family == COMMENT_FAMILY:
        return ArchivedObject("comment", record.object_id)
    if record.family == "audit":
        return ArchivedObject("audit", record.object_id)
    return ArchivedObject(record.record_type, record.object_id)


def object_history(session: Session, obj: ArchivedObject,
                   limit: int = HISTORY_LIMIT) -> list[ArchiveRecord]:
    """Every record about ``obj``, oldest first (at most ``limit``)."""
    records = ArchiveRecord
    if obj.kind == "post":
        revision_ids = [str(i) for i in session.scalars(
            select(PostRevision.id).where(PostRevision.post_id == int(obj.id)))] \
            if obj.id.isdigit() and len(obj.id) < 19 else []
        condition = or_(and_(records.record_type == POST_EVENT, records.object_id == obj.id),
                        and_(records.record_type == POST_REVISION,
                             records.object_id.in_(revision_ids)))
    elif obj.kind == "comment":
        condition = and_(or_(records.record_type == COMMENT_FAMILY,
                             records.record_type.startswith(COMMENT_FAMILY + ".",
                                                            autoescape=True)),
                         records.object_id == obj.id)
    elif obj.kind == "audit":
        condition = and_(records.record_type.startswith("audit.", autoescape=True),
                         records.object_id == obj.id)
    else:
        condition = and_(records.record_type == obj.kind, records.object_id == obj.id)
    return list(session.scalars(select(records).where(condition)
                                .order_by(records.id).limit(limit)))


def record_history(session: Session, record: ArchiveRecord) -> list[ArchiveRecord]:
    """Every record about the same object as ``record`` (the record included), oldest first.

    A record with no object id is its own history. A revision whose post cannot be known (its
    row gone and its content disposed of) has only the records of that revision.
    """
    if record.object_id == "":
        return [record]
    history = object_history(session, archived_object(session, record))
    if all(each.id != record.id for each in history) and len(history) < HISTORY_LIMIT:
        # Past the limit, or a revision whose table row names another post than its record:
        # the record chosen is always part of what is attached.
        history = sorted([*history, record], key=lambda each: each.id)
    return history

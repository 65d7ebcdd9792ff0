"""Visitor comments on published posts: submission, screening, and what the public sees.

A comment is accepted only on a public post, from a visitor who ticked the box accepting the
current Terms of Service (its version is stored with the comment), with a name and a body of
sensible size, from a commenter nobody blocked. Screening (``beatdesk.screening``) may hold it;
a district in pre-moderation holds every comment. Every comment is archived and audited in the
transaction that stores it, so a refused comment leaves no trace and an accepted one is
never lost.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from beatdesk import archive, clock, screening, terms
from beatdesk.audit import record_event
from beatdesk.context import Actor
from beatdesk.errors import PermissionDenied, ValidationFailed
from beatdesk.models import (Comment, CommentFlag, CommentState, District, ModerationAction,
                             ModerationKind, ModerationMode, Post, TermsVersion)
from beatdesk.publication import public_post_ref

NAME_MAX = 80
EMAIL_MAX = 254
BODY_MAX = 2000  # characters: a comment, not an essay; the form says so
PUBLIC_COMMENTS_PER_PAGE = 50  # top-level comments on one page of a post's comments

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
# Control characters other than newline and tab have no place in a comment.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class CommentSubmission:
    """What the visitor typed into the comment form."""

    name: str
    email: str
    body: str
    accepted_terms: bool
    terms_version: int | None  # the version the form showed (and the visitor accepted)
    honeypot: str = ""


def _clean(data: CommentSubmission) -> CommentSubmission:
    return CommentSubmission(
        name=" ".join(_CONTROL.sub("", data.name or "").split()),
        email=(data.email or "").strip(),
        body=_CONTROL.sub("", (data.body or "").replace("\r\n", "\n")).strip(),
        accepted_terms=bool(data.accepted_terms), terms_version=data.terms_version,
        honeypot=(data.honeypot or "").strip())


def submission_problems(data: CommentSubmission) -> list[ValidationFailed]:
    """Everything wrong with ``data`` (each naming its field), so a form can show them all."""
    data = _clean(data)
    if data.honeypot:
        return [ValidationFailed("Your comment could not be accepted. Leave the field marked "
                                 "“leave this field empty” empty and send it again.")]
    problems = []
    if not data.name:
        problems.append(ValidationFailed("Enter your name.", field="name"))
    elif len(data.name) > NAME_MAX:
        problems.append(ValidationFailed(f"Your name can be at most {NAME_MAX} characters.",
                                         field="name"))
    if data.email and (len(data.email) > EMAIL_MAX or not _EMAIL.match(data.email)):
        problems.append(ValidationFailed("Enter an e-mail address like name@example.com, or "
                                         "leave it empty.", field="email"))
    if not data.body:
        problems.append(ValidationFailed("Write your comment.", field="body"))
    elif len(data.body) > BODY_MAX:
        problems.append(ValidationFailed(
            f"Your comment is {len(data.body):,} characters long; the limit is {BODY_MAX:,}. "
            "Shorten it and send it again.", field="body"))
    if not data.accepted_terms:
        problems.append(ValidationFailed("Tick the box to accept the Terms of Service before you "
                                         "send your comment.", field="accept_terms"))
    return problems


def validate_submission(data: CommentSubmission) -> None:
    """Raise the first problem ``submission_problems`` finds."""
    problems = submission_problems(data)
    if problems:
        raise problems[0]


@dataclass(frozen=True)
class ScreenedSubmission:
    """A submission checked and screened by ``screen_submission`` (reads only), ready to store."""

    post_id: int
    data: CommentSubmission
    terms_version: int
    flags: list


@lru_cache(maxsize=1)
def _current_terms_query():
    return (select(TermsVersion.number).where(TermsVersion.number.is_not(None))
            .order_by(TermsVersion.number.desc()).limit(1))


def _current_terms_number(session: Session) -> int:
    """The number of the Terms now in force (only the number: the text is long)."""
    number = session.scalar(_current_terms_query())
    return number if number is not None else terms.current_terms(session).number


def screen_submission(session: Session, actor: Actor, post_id: int,
                      data: CommentSubmission) -> ScreenedSubmission:
    """Check and screen a visitor's comment; reads only, so it needs no write lock.

    Raises NotFound if the post is not public, ValidationFailed for a missing or over-long
    field, an unticked Terms box or Terms that changed since the form was shown, and
    PermissionDenied if a moderator blocked the commenter's e-mail address or network.
    """
    ref = public_post_ref(session, post_id)
    data = _clean(data)
    validate_submission(data)
    current = _current_terms_number(session)
    if data.terms_version != current:
        raise ValidationFailed(
            f"The Terms of Service changed while you were writing (now version {current}). "
            "Read them, tick the box again and send your comment.", field="accept_terms")
    block = screening.find_block(session, data.email, actor.client_addr)
    if block is not None:
        until = f" until {clock.department_text(block.expires_at)}" if block.expires_at else ""
        raise PermissionDenied(
            f"Comments from your address or e-mail are blocked{until} under the Terms of "
            "Service. If you think this is a mistake, contact the department.")
    district = session.get(District, ref.district_id)
    flags = screening.screen_comment(session, district, data.body, name=data.name)
    return ScreenedSubmission(post_id=ref.id, data=data, terms_version=current,
                              flags=flags)


def store_comment(session: Session, actor: Actor, screened: ScreenedSubmission) -> Comment:
    """Store a screened comment, held or visible, with its flags, audit event and archive record.

    Meant for one short transaction: the post's visibility and its district's moderation mode
    are read again (one indexed row), then the rows are written, and the archive record is
    appended last, so the chain lock is held only from the append to the commit.
    Raises NotFound if the post stopped being public since it was screened.
    """
    ref = public_post_ref(session, screened.post_id)
    data, flags = screened.data, screened.flags
    holds = any(flag.holds for flag in flags)
    state = (CommentState.HELD if ref.moderation_mode == ModerationMode.PRE or holds
             else CommentState.VISIBLE)
    comment = Comment(post_id=ref.id, district_id=ref.district_id, author_name=data.name,
                      author_email=screening.normalise_email(data.email), body=data.body,
                      terms_version=screened.terms_version, client_addr=actor.client_addr[:64],
                      state=state)
    session.add(comment)
    session.flush()
    # The flags and the first moderation step as plain inserts: no ORM objects to track.
    if flags:
        session.execute(insert(CommentFlag.__table__), [
            {"comment_id": comment.id, "rule": flag.rule, "reason": flag.reason,
             "quote": flag.quote, "holds": flag.holds} for flag in flags])
    session.execute(insert(ModerationAction.__table__).values(
        comment_id=comment.id, district_id=comment.district_id, kind=ModerationKind.SUBMITTED,
        to_state=state.value, note="; ".join(f.reason for f in flags)))
    record_event(session, actor, "comment.submitted", obj=comment, login="",
                 details={"post_id": ref.id, "state": state.value,
                          "flags": [f.rule for f in flags]})
    archive.append(session, record_type="comment", object_id=comment.id,
                   district_id=comment.district_id, actor=actor,
                   actor_label=f"visitor: {data.name}"[:120],
                   content=comment_record(comment, flags=[_flag_dict(f) for f in flags]))
    return comment


def submit_comment(session: Session, actor: Actor, post_id: int,
                   data: CommentSubmission) -> Comment:
    """Screen and store a visitor's comment in the session's transaction (see
    ``screen_submission`` for what it raises). The comment form screens first, outside the
    writing transaction, then calls ``store_comment``."""
    return store_comment(session, actor, screen_submission(session, actor, post_id, data))


def _flag_dict(flag) -> dict:
    return {"rule": flag.rule, "reason": flag.reason, "quote": flag.quote, "holds": flag.holds}


def comment_record(comment: Comment, **extra) -> dict:
    """The archive's copy of a comment: its full text and state, whatever happens to it later."""
    return {"comment_id": comment.id, "post_id": comment.post_id, "parent_id": comment.parent_id,
            "state": comment.state.value, "author_name": comment.author_name,
            "author_email": comment.author_email, "body": comment.body,
            "terms_version": comment.terms_version, "official": comment.official,
            "client_addr": comment.client_addr, **extra}


# --- what the public sees ---------------------------------------------------------------------

@dataclass
class PublicComment:
    """A comment as the public page shows it. A removed one carries no text at all."""

    id: int
    author_name: str
    body: str
    created_at: datetime
    removed: bool
    clause_number: str
    clause_title: str
    official: bool
    replies: list[PublicComment] = field(default_factory=list)
    platform: str = ""  # "x", "mastodon", "bluesky" for a reply captured from a platform

    @property
    def placeholder(self) -> str:
        return (f"This comment was removed under clause {self.clause_number} "
                f"({self.clause_title}) of the Terms of Service.")


@dataclass(frozen=True)
class CommentPage:
    """One page of a post's comments: ``number`` 1 holds the newest. ``items`` are the page's
    top-level comments, oldest first, each with its shown replies. The comments are not
    counted (a count over a long thread costs more than the page): ``has_older`` says whether
    another page follows."""

    items: list[PublicComment]
    number: int
    has_older: bool

    @property
    def has_newer(self) -> bool:
        return self.number > 1


_PUBLIC_COLUMNS = (Comment.id, Comment.parent_id, Comment.author_name, Comment.body,
                   Comment.created_at, Comment.state, Comment.clause_number,
                   Comment.clause_title, Comment.official, Comment.source_platform)


def _shown(post_id: int):
    return (Comment.post_id == post_id,
            Comment.state.in_((CommentState.VISIBLE, CommentState.REMOVED)),
            Comment.platform_deleted_at.is_(None))


def _public_row(row) -> PublicComment:
    removed = row.state == CommentState.REMOVED
    return PublicComment(
        id=row.id, author_name="" if removed else row.author_name,
        body="" if removed else row.body, created_at=row.created_at, removed=removed,
        clause_number=row.clause_number if removed else "",
        clause_title=row.clause_title if removed else "", official=row.official,
        platform=row.source_platform)


def public_comment_page(session: Session, post_id: int, page: int = 1,
                        per_page: int = PUBLIC_COMMENTS_PER_PAGE) -> CommentPage:
    """Page ``page`` (1: the newest) of the post's shown top-level comments, with their replies.

    Removed comments appear as placeholders naming the clause; held and hidden ones not at all,
    nor platform replies their authors deleted on the platform (the archive keeps them).
    Two queries of plain columns (the page, one row more to learn whether an older page
    exists; the replies of the page), whatever the number of comments. A page past the last is
    empty (``number`` stays as asked, so the caller can answer 404).
    """
    page = max(1, page)
    rows = list(session.execute(
        select(*_PUBLIC_COLUMNS).where(*_shown(post_id), Comment.parent_id.is_(None))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(per_page + 1).offset((page - 1) * per_page)))
    has_older = len(rows) > per_page
    rows = rows[:per_page]
    rows.reverse()
    top = [_public_row(row) for row in rows]
    if top:
        by_id = {c.id: c for c in top}
        for row in session.execute(
                select(*_PUBLIC_COLUMNS).where(*_shown(post_id), Comment.parent_id.in_(by_id))
                .order_by(Comment.created_at, Comment.id)):
            by_id[row.parent_id].replies.append(_public_row(row))
    return CommentPage(items=top, number=page, has_older=has_older)


def public_thread(session: Session, post: Post) -> list[PublicComment]:
    """The newest page of the post's shown comments (see ``public_comment_page``)."""
    return public_comment_page(session, post.id).items


def comments_fingerprint(session: Session, post_id: int) -> str:
    """Changes whenever a comment on the post is added or moderated (for ETags)."""
    count, newest, versions = session.execute(
        select(func.count(Comment.id), func.max(Comment.created_at), func.sum(Comment.version))
        .where(Comment.post_id == post_id)).one()
    return f"{count}-{newest.isoformat() if newest else ''}-{versions or 0}"

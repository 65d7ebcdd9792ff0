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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beatdesk import archive, screening, terms
from beatdesk.audit import record_event
from beatdesk.context import Actor
from beatdesk.errors import PermissionDenied, ValidationFailed
from beatdesk.models import (Comment, CommentFlag, CommentState, ModerationAction,
                             ModerationKind, ModerationMode, Post)
from beatdesk.publication import get_public_post

NAME_MAX = 80
EMAIL_MAX = 254
BODY_MAX = 2000  # characters: a comment, not an essay; the form says so
PUBLIC_COMMENTS_SHOWN = 300  # newest comments on a post page, shown oldest first

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


def submit_comment(session: Session, actor: Actor, post_id: int,
                   data: CommentSubmission) -> Comment:
    """Store a visitor's comment on a public post, held or visible, with its screening flags.

    Raises NotFound if the post is not public, ValidationFailed for a missing or over-long
    field, an unticked Terms box or Terms that changed since the form was shown, and
    PermissionDenied if a moderator blocked the commenter's e-mail address or network.
    """
    post = get_public_post(session, post_id)
    data = _clean(data)
    validate_submission(data)
    current = terms.current_terms(session)
    if data.terms_version != current.number:
        raise ValidationFailed(
            f"The Terms of Service changed while you were writing (now version {current.number}). "
            "Read them, tick the box again and send your comment.", field="accept_terms")
    block = screening.find_block(session, data.email, actor.client_addr)
    if block is not None:
        until = f" until {block.expires_at:%Y-%m-%d %H:%M} UTC" if block.expires_at else ""
        raise PermissionDenied(
            f"Comments from your address or e-mail are blocked{until} under the Terms of "
            "Service. If you think this is a mistake, contact the department.")

    flags = screening.screen_comment(session, post.district, data.body, name=data.name)
    holds = any(flag.holds for flag in flags)
    state = (CommentState.HELD if post.district.moderation_mode == ModerationMode.PRE or holds
             else CommentState.VISIBLE)
    comment = Comment(post_id=post.id, district_id=post.district_id, author_name=data.name,
                      author_email=screening.normalise_email(data.email), body=data.body,
                      terms_version=current.number, client_addr=actor.client_addr[:64],
                      state=state)
    session.add(comment)
    session.flush()
    for flag in flags:
        session.add(CommentFlag(comment_id=comment.id, rule=flag.rule, reason=flag.reason,
                                quote=flag.quote, holds=flag.holds))
    session.add(ModerationAction(comment_id=comment.id, district_id=comment.district_id,
                                 kind=ModerationKind.SUBMITTED, to_state=state.value,
                                 note="; ".join(f.reason for f in flags)))
    archive.append(session, record_type="comment", object_id=comment.id,
                   district_id=comment.district_id, actor=actor,
                   actor_label=f"visitor: {data.name}"[:120],
                   content=comment_record(comment, flags=[_flag_dict(f) for f in flags]))
    record_event(session, actor, "comment.submitted", obj=comment, login="",
                 details={"post_id": post.id, "state": state.value,
                          "flags": [f.rule for f in flags]})
    return comment


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


def _public(comment: Comment) -> PublicComment:
    removed = comment.state == CommentState.REMOVED
    return PublicComment(
        id=comment.id, author_name="" if removed else comment.author_name,
        body="" if removed else comment.body, created_at=comment.created_at, removed=removed,
        clause_number=comment.clause_number if removed else "",
        clause_title=comment.clause_title if removed else "", official=comment.official,
        platform=comment.source_platform)


def public_thread(session: Session, post: Post) -> list[PublicComment]:
    """The post's visible comments (oldest first) with official replies under them.

    Removed comments appear as placeholders naming the clause; held and hidden ones not at all,
    nor platform replies their authors deleted on the platform (the archive keeps them).
    One query, whatever the number of comments.
    """
    rows = list(session.scalars(
        select(Comment)
        .where(Comment.post_id == post.id,
               Comment.state.in_((CommentState.VISIBLE, CommentState.REMOVED)),
               Comment.platform_deleted_at.is_(None))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(PUBLIC_COMMENTS_SHOWN)))
    rows.reverse()
    top: list[PublicComment] = []
    by_id: dict[int, PublicComment] = {}
    for comment in rows:
        shown = _public(comment)
        by_id[comment.id] = shown
        if comment.parent_id is None:
            top.append(shown)
        elif comment.parent_id in by_id:
            by_id[comment.parent_id].replies.append(shown)
        # else: a reply to a comment that is not shown (hidden, or older than the window)
    return top


def comments_fingerprint(session: Session, post_id: int) -> str:
    """Changes whenever a comment on the post is added or moderated (for ETags)."""
    count, newest, versions = session.execute(
        select(func.count(Comment.id), func.max(Comment.created_at), func.sum(Comment.version))
        .where(Comment.post_id == post_id)).one()
    return f"{count}-{newest.isoformat() if newest else ''}-{versions or 0}"

"""The comment form's target: store the comment, or show the post page again with the form
filled in as the visitor left it and the reason it was refused.

Forged submissions are refused by ``.protection`` (same-origin check and a signed token bound to
the post; no session, so the post page stays cacheable), not by Flask-WTF's session token.
The comment is checked and screened in a reading transaction, then stored, audited and
archived in one short writing transaction (on SQLite it takes the write lock at its start; on
PostgreSQL, which locks rows, the reading transaction goes on into the writes)."""
from flask import abort, current_app, redirect, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from beatdesk import comments
from beatdesk.db import is_contention, take_write_lock
from beatdesk.errors import DomainError, NotFound
from beatdesk.publication import get_public_post

from ..access import actor
from ..common_forms import attach_error
from ..database import begin_writing, db, reads_first
from ..errors import _page as error_page
from ..extensions import csrf, limiter
from ..public.views import render_post_page
from . import bp, protection
from .forms import CommentForm
from .section import comment_section

DEFAULT_ADDRESS_LIMIT = "5 per minute;30 per hour"
DEFAULT_POST_LIMIT = "30 per minute"


def _address_limit() -> str:
    return current_app.config.get("COMMENT_RATE_LIMIT", DEFAULT_ADDRESS_LIMIT)


def _post_limit() -> str:
    return current_app.config.get("COMMENT_POST_RATE_LIMIT", DEFAULT_POST_LIMIT)


def _post_key() -> str:
    return f"comments-on-post:{(request.view_args or {}).get('post_id')}"


def _post_or_404(post_id: int):
    try:
        return get_public_post(db(), post_id)
    except NotFound:
        abort(404)


def _refused(post_id: int, status: int, form: CommentForm | None = None,
             problem: str | None = None):
    """The post page again, the visitor's text kept in the form, with the reason and status.

    Without a public post to show, the site's plain error page says the same.
    """
    db().rollback()
    try:
        post = get_public_post(db(), post_id)
    except NotFound:
        return error_page(status, problem)
    form = form or CommentForm()
    response, _ = render_post_page(post, comments=comment_section(post, form, problem))
    return response, status, {"Cache-Control": "no-store"}


def takes_lock_at_begin(session) -> bool:
    """Whether the database has one write lock taken at BEGIN (SQLite), not row locks."""
    return session.get_bind().dialect.name == "sqlite"


def _submission(form: CommentForm) -> comments.CommentSubmission:
    version = (form.terms_version.data or "").strip()
    return comments.CommentSubmission(
        name=form.name.data or "", email=form.email.data or "", body=form.body.data or "",
        accepted_terms=bool(form.accept_terms.data),
        terms_version=int(version) if version.isdigit() else None,
        honeypot=form.website.data or "")


@bp.route("/posts/<int:post_id>/comments", methods=["POST"])
@csrf.exempt  # the session-free checks of .protection apply instead (see its docstring)
@reads_first
@limiter.limit(_address_limit, methods=["POST"])
@limiter.limit(_post_limit, key_func=_post_key, methods=["POST"])
def submit(post_id: int):
    """Store a visitor's comment (held or visible) and go back to the post.

    Refusals (missing or over-long fields, unticked Terms, blocked commenter) show the page
    again with the form as typed: 400, or 403 for a block; too many comments get 429.
    """
    form = CommentForm()
    if protection.enabled():
        if not protection.same_origin(request):
            return _refused(post_id, 403, form, protection.CROSS_SITE)
        problem = protection.token_problem(form.csrf_token.data, post_id)
        if problem:
            return _refused(post_id, 400, form, problem)
    if form.text_refused():  # a character that can't be stored: named next to its field
        _post_or_404(post_id)
        return _refused(post_id, 400, form)
    data = _submission(form)
    problems = comments.submission_problems(data)
    if problems:
        _post_or_404(post_id)
        for problem in problems:
            attach_error(form, problem)
        return _refused(post_id, 400, form)
    try:
        session = db()
        screened = comments.screen_submission(session, actor(), post_id, data)
        if takes_lock_at_begin(session):
            # SQLite: the reads end here; now one short transaction holding the write lock.
            session = begin_writing()
        # PostgreSQL locks rows, not the database: the same transaction goes on (no second
        # BEGIN, COMMIT and connection check-out); the chain lock is taken at the append.
        comment = comments.store_comment(session, actor(), screened)
    except NotFound:
        db().rollback()
        abort(404)
    except DomainError as exc:
        attach_error(form, exc)
        return _refused(post_id, exc.status_code, form)
    db().commit()
    return redirect(url_for("public.post", post_id=post_id, comment=comment.state.value,
                            _anchor="comments"), 303)


@bp.errorhandler(429)
def too_many_comments(exc):
    """Over a rate limit: the same page and form, with what the visitor typed."""
    post_id = (request.view_args or {}).get("post_id", 0)
    return _refused(post_id, 429, problem=(
        "You have sent several comments in a short time, or this post is receiving very many "
        "comments right now. Your comment was not sent: wait a few minutes and send it again."))


@bp.errorhandler(OperationalError)
def database_busy(exc: OperationalError):
    """Other writers held the lock too long: the same page and form, and "send it again"."""
    if not is_contention(exc):
        raise exc
    db().rollback()
    take_write_lock(db(), False)  # showing the form again only reads: never wait twice
    post_id = (request.view_args or {}).get("post_id", 0)
    body, status, *headers = _refused(post_id, 503, problem=(
        "Many comments are being saved at this moment, so yours was not sent. Wait a few "
        "seconds and send it again."))
    return body, status, {**(headers[0] if headers else {}), "Retry-After": "5"}


@bp.errorhandler(CSRFError)
def form_expired(exc):
    """An expired or missing security token: keep the text so nothing typed is lost."""
    post_id = (request.view_args or {}).get("post_id", 0)
    return _refused(post_id, 400, problem=(
        "The form expired or was sent without its security token. Your comment was not sent: "
        "check it below and send it again."))

"""The comment section shown under a published post on its public page."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from flask import current_app, render_template, request
from markupsafe import Markup

from beatdesk import comments, terms

from ..database import db
from . import protection
from .forms import CommentForm

# What the page says after the visitor's comment was stored (``?comment=`` on the redirect).
SUBMITTED_MESSAGES = {
    "visible": "Thank you. Your comment is published below.",
    "held": "Thank you. Your comment was received and will appear once a moderator has "
            "reviewed it.",
}


BLANK_FORMS_KEPT = 1024


def _blank_form_html(post_id: int, form: CommentForm, current, action: str) -> Markup:
    """The blank comment form of a post, rendered once per post, hour (its token) and terms
    version: the same for every reader, and a quarter of the post page's rendering."""
    kept = current_app.extensions.setdefault("beatdesk.blank_comment_forms", OrderedDict())
    key = (post_id, form.csrf_token.data, current.number, action)
    html = kept.get(key)
    if html is None:
        html = Markup(render_template("comments/_form.html", comment_form=form,
                                      comment_terms=current, comment_action=action))
        kept[key] = html
        while len(kept) > BLANK_FORMS_KEPT:
            kept.popitem(last=False)
    return html


def comment_page_number() -> int:
    """The page of comments asked for (``?page=N``; 1, the newest, by default)."""
    number = request.args.get("page", 1, type=int)
    return number if number and 0 < number <= 10**6 else 1


def comment_section(post, form: CommentForm | None = None,
                    problem: str | None = None, page: int | None = None) -> dict[str, Any]:
    """Template context for ``templates/comments/_section.html``.

    ``form`` is a refused submission to show again with what the visitor typed and its errors;
    ``problem`` a refusal that concerns no single field (blocked, rate limited, expired form).
    """
    current = terms.current_terms(db())
    blank = form is None and not problem
    if form is None:
        form = CommentForm(formdata=None)
    form.terms_version.data = str(current.number)
    form.csrf_token.data = protection.issue(post.id)  # the same for every reader this hour
    if form.accept_terms.errors:
        form.accept_terms.data = False  # the visitor ticks the box for the version shown now
    if problem:
        form.form_errors.append(problem)
    action = f"/posts/{post.id}/comments"
    return {
        "comment_page": (thread := comments.public_comment_page(
            db(), post.id, comment_page_number() if page is None else page)),
        "comment_thread": thread.items,
        "comment_form": form,
        "comment_terms": current,
        "comment_submitted": SUBMITTED_MESSAGES.get(request.args.get("comment", "")),
        "comment_body_max": comments.BODY_MAX,
        "comment_action": action,
        "comment_form_html": _blank_form_html(post.id, form, current, action) if blank else None,
    }

"""Suggested redactions: the request page's section, the review list, accepting (one, or every
one of a kind), rejecting, suggesting again, and applying a passage across every record."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from beatdesk import records, redaction_suggestions as suggestions
from beatdesk.errors import DomainError
from beatdesk.models import SuggestionKind, SuggestionStatus
from beatdesk.roles import Role

from ..access import actor, require, role_required
from ..common_forms import ActionForm, attach_error
from ..database import db
from ..records.views import _request_or_404
from . import bp
from .forms import AcceptKindForm, AcrossForm, RejectForm

OFFICER = (Role.RECORDS,)
READERS = (Role.RECORDS, Role.ADMIN)
PER_PAGE = 50


def _can_decide(req) -> bool:
    return records.can_manage_requests(current_user) and req.state.is_open


@bp.app_template_global("suggestion_panel")
def suggestion_panel(req) -> dict:
    """What the request page's section and the release page show: counts per kind, how many
    wait for a decision, and the one-button forms."""
    return {"panel": suggestions.panel(db(), req), "can_decide": _can_decide(req),
            "action": ActionForm(formdata=None)}


def _page_arg() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def _reject_form(suggestion_id: int, formdata=None) -> RejectForm:
    return RejectForm(formdata=formdata, prefix=f"s{suggestion_id}-")


def _render_review(req, status_code=200):
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    page, rows = suggestions.review_page(db(), req, status=status, kind=kind,
                                         page=_page_arg(), per_page=PER_PAGE)
    failed = g.get("reject_form")
    return render_template(
        "redaction_suggestions/review.html", req=req, page=page, rows=rows,
        status=status, kind=kind, statuses=list(SuggestionStatus), kinds=list(SuggestionKind),
        panel=suggestions.panel(db(), req), can_decide=_can_decide(req),
        action=ActionForm(formdata=None), page_error=g.get("page_error"),
        reject_form=lambda s: failed if failed is not None and g.reject_id == s.id
        else _reject_form(s.id)), status_code


def _back(req, anchor: str = ""):
    target = request.form.get("back", "")
    if target == "detail":
        return redirect(url_for("records.detail", request_id=req.id) + "#suggested-redactions",
                        303)
    args = {k: v for k, v in (("status", request.args.get("status", "")),
                              ("kind", request.args.get("kind", ""))) if v}
    return redirect(url_for("redaction_suggestions.review", request_id=req.id, **args)
                    + anchor, 303)


@bp.route("/<int:request_id>/suggestions")
@role_required(*READERS)
def review(request_id: int):
    """Every suggested redaction of a request, with the passage in its context."""
    req = _request_or_404(request_id)
    require(records.can_view_requests(current_user))
    return _render_review(req)


@bp.route("/<int:request_id>/suggestions/scan", methods=["POST"])
@role_required(*OFFICER)
def scan(request_id: int):
    """Read every attached record again and suggest what is not yet suggested or redacted."""
    req = _request_or_404(request_id)
    if not ActionForm().validate():
        abort(400)
    try:
        made = suggestions.suggest(db(), actor(), req)
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("records.detail", request_id=req.id) + "#suggested-redactions",
                        303)
    db().commit()
    flash(f"{made} new suggested redaction{'s' if made != 1 else ''}." if made else
          "No new suggestions: every private value found already has one or is redacted.",
          "success")
    return redirect(url_for("records.detail", request_id=req.id) + "#suggested-redactions", 303)


@bp.route("/<int:request_id>/suggestions/<int:suggestion_id>/accept", methods=["POST"])
@role_required(*OFFICER)
def accept(request_id: int, suggestion_id: int):
    """Redact the suggested passage under its exemption."""
    req = _request_or_404(request_id)
    if not ActionForm().validate():
        abort(400)
    try:
        done = suggestions.accept(db(), actor(), req, suggestion_id)
    except DomainError as exc:
        db().rollback()
        if exc.status_code == 404:
            abort(404)
        flash(exc.message, "error")
        return _back(req)
    db().commit()
    flash(f"The {done.kind.short} is redacted under {done.exemption.code}.", "success")
    return _back(req, f"#suggestion-{done.id}")


@bp.route("/<int:request_id>/suggestions/<int:suggestion_id>/reject", methods=["POST"])
@role_required(*OFFICER)
def reject(request_id: int, suggestion_id: int):
    """Release the suggested passage on the officer's decision (logged)."""
    req = _request_or_404(request_id)
    form = _reject_form(suggestion_id, formdata=request.form)
    if not form.validate():
        g.reject_form, g.reject_id = form, suggestion_id
        return _render_review(req, 400)
    try:
        done = suggestions.reject(db(), actor(), req, suggestion_id, form.reason.data or "")
    except DomainError as exc:
        db().rollback()
        if exc.status_code == 404:
            abort(404)
        g.reject_form, g.reject_id, g.page_error = form, suggestion_id, exc.message
        return _render_review(req, exc.status_code)
    db().commit()
    flash(f"The {done.kind.short} will be released; the decision is in the request's history "
          "and the release's redaction log.", "success")
    return _back(req, f"#suggestion-{done.id}")


@bp.route("/<int:request_id>/suggestions/accept-kind", methods=["POST"])
@role_required(*OFFICER)
def accept_kind(request_id: int):
    """Accept every pending suggestion of one kind."""
    req = _request_or_404(request_id)
    form = AcceptKindForm()
    if not form.validate():
        flash("Choose a kind of suggestion to accept.", "error")
        return _back(req)
    try:
        count = suggestions.accept_kind(db(), actor(), req, form.kind.data)
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return _back(req)
    db().commit()
    kind = SuggestionKind(form.kind.data)
    flash(f"{count} suggested {kind.short}{'s' if count != 1 else ''} accepted and redacted.",
          "success")
    return _back(req)


def _render_across(req, suggestion, form=None, status_code=200):
    try:
        across = suggestions.occurrences_across(db(), req, suggestion)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("redaction_suggestions.review", request_id=req.id), 303)
    form = form or AcrossForm(formdata=None, expected=across.occurrences)
    return render_template("redaction_suggestions/across.html", req=req, suggestion=suggestion,
                           across=across, form=form, can_decide=_can_decide(req)), status_code


@bp.route("/<int:request_id>/suggestions/<int:suggestion_id>/across",
          methods=["GET", "POST"])
@role_required(*OFFICER)
def across(request_id: int, suggestion_id: int):
    """Show how often an accepted passage occurs in every attached record; then redact it
    from all of them."""
    req = _request_or_404(request_id)
    try:
        suggestion = suggestions.get_suggestion(db(), req, suggestion_id)
    except DomainError:
        abort(404)
    if request.method == "GET":
        return _render_across(req, suggestion)
    form = AcrossForm()
    if not form.validate():
        return _render_across(req, suggestion, form, 400)
    try:
        applied = suggestions.apply_across(db(), actor(), req, suggestion_id,
                                           expected_occurrences=form.expected.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_across(req, suggestion, form, exc.status_code)
    db().commit()
    flash(f"The passage is now redacted from {applied} more record"
          f"{'s' if applied != 1 else ''}.", "success")
    return redirect(url_for("redaction_suggestions.review", request_id=req.id)
                    + f"#suggestion-{suggestion.id}", 303)

"""Moderation console pages. Roles: representatives, sergeants and News Affairs act;
commanders read their district's comments; keyword lists are the administrator's."""
from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from wtforms import SelectChoice

from beatdesk import moderation, terms
from beatdesk.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import CommentState
from beatdesk.moderation import Action, BlockRequest, QueueFilter
from beatdesk.platforms import inbound
from beatdesk.roles import Role
from beatdesk.screening import RULE_TITLES

from ..access import actor, require, role_required
from ..check_reasons import given_reasons
from ..common_forms import ActionForm, attach_error
from ..database import db
from . import bp
from .forms import (BlockForm, BulkForm, KeywordForm, ModerateForm, NoteForm,
                    PlatformReportForm, QueueFilterForm, ReplyForm, ReportFilterForm,
                    clause_choices)
from .report_chart import bar_chart

MODERATORS = (Role.REPRESENTATIVE, Role.SERGEANT, Role.NEWS_AFFAIRS)
READERS = (*MODERATORS, Role.COMMANDER)
PER_PAGE = 50


def _clauses():
    return terms.takedown_clauses(terms.current_terms(db()))


def _with_clauses(form):
    form.clause.choices = clause_choices(_clauses())
    return form


def _page_number() -> int:
    page = request.args.get("page", 1, type=int)
    return page if page and page > 0 else 1


# --- queue ------------------------------------------------------------------------------------

def _filter_form() -> QueueFilterForm:
    form = QueueFilterForm(request.args)
    districts = moderation.moderation_districts(db(), current_user)
    choices = [SelectChoice(str(d.id), d.label) for d in districts]
    if current_user.role == Role.NEWS_AFFAIRS:
        choices.insert(0, SelectChoice("", "Every district"))
    form.district.choices = choices
    if "state" not in request.args:
        form.state.data = CommentState.HELD.value
    if not request.args.get("district") and current_user.role != Role.NEWS_AFFAIRS:
        form.district.data = str(current_user.district_id)
    return form


def _queue_filter(form: QueueFilterForm) -> QueueFilter:
    state = form.state.data or CommentState.HELD.value
    return QueueFilter(district_id=int(form.district.data) if form.district.data else None,
                       state="" if state == "all" else state, flag=form.flag.data or "",
                       since=form.since.data, until=form.until.data)


def _render_queue(bulk_form=None, status=200, row_error=None):
    """The queue page. ``row_error`` is (comment id, clause chosen, message) when a decision
    made from a row was refused: the page comes back with the message at that row."""
    form = _filter_form()
    if request.args and not form.validate():
        return render_template("moderation/queue.html", filters=form, page=None, bulk=None,
                               can_act=False), 400
    can_act = current_user.role in MODERATORS
    page = moderation.queue(db(), current_user, _queue_filter(form), _page_number(), PER_PAGE)
    bulk, clauses = None, []
    if can_act:
        clauses = _clauses()
        bulk = bulk_form or BulkForm(formdata=None)
        bulk.clause.choices = clause_choices(clauses)
    # Every row's links and decision form are built from prefixes made once per page, and the
    # rows share the page's one form token: per-row url_for and form objects cost more than
    # the queries of the whole page.
    query = urlencode(request.args.to_dict(flat=False), doseq=True)
    return render_template(
        "moderation/queue.html", filters=form, page=page, bulk=bulk, can_act=can_act,
        rule_titles=RULE_TITLES, clauses=clauses, row_error=row_error,
        csrf_token_value=generate_csrf() if can_act else "",
        comment_prefix=url_for("moderation.comment", comment_id=0)[:-1],
        post_prefix=url_for("public.post", post_id=0)[:-1],
        decide_suffix="/decide" + (f"?{query}" if query else ""),
        platform_events=inbound.events_by_comment(
            db(), [c.id for c in page.items if c.source_platform]),
        platform_label=inbound.platform_label), status


@bp.route("/")
@role_required(*READERS)
def queue():
    """The queue: held comments first by default, filterable by district, state, flag, date."""
    return _render_queue()


def _selected_items() -> list[tuple[int, int]]:
    """Checkbox values "comment_id:version", as the moderator saw each comment."""
    items = []
    for value in request.form.getlist("selected"):
        comment_id, _, version = value.partition(":")
        if not (comment_id.isdigit() and version.isdigit()):
            raise ValidationFailed("The selection was not understood; reload the queue.",
                                   field="selected")
        items.append((int(comment_id), int(version)))
    return items


@bp.route("/bulk", methods=["POST"])
@role_required(*MODERATORS)
def bulk():
    """Approve, hide, remove or restore the selected comments in one go."""
    form = _with_clauses(BulkForm())
    if not form.validate():
        return _render_queue(form, 400)
    try:
        result = moderation.bulk_moderate(db(), actor(), _selected_items(), form.action.data,
                                          form.clause.data or "", form.note.data or "")
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_queue(form, exc.status_code)
    db().commit()
    if result.done:
        done = Action(form.action.data).done
        flash(f"Comment #{result.done[0]} was {done}." if len(result.done) == 1 else
              f"{len(result.done)} comments were {done}.", "success")
    for message in result.refused:
        flash(message, "warning")
    return redirect(url_for("moderation.queue", **request.args), 303)


# --- one comment ------------------------------------------------------------------------------

def _comment_or_404(comment_id: int):
    try:
        return moderation.get_comment(db(), current_user, comment_id)
    except NotFound:
        abort(404)
    except PermissionDenied:
        abort(403)


def _with_ids(form, prefix: str):
    """Give the form's fields page-unique ids (``prefix-name``): the decision form and the note
    form both have a "note", and one page may hold both."""
    for f in form:
        if f.type not in ("CSRFTokenField", "HiddenField"):
            f.id = f.label.field_id = f"{prefix}-{f.name}"
    return form


def _render_comment(comment, status=200, **forms):
    can_act = moderation.can_moderate(current_user, comment.district_id)
    if can_act:
        forms.setdefault("moderate_form", _with_clauses(ModerateForm(formdata=None)))
        _with_ids(forms["moderate_form"], "decision")
        forms.setdefault("note_form", NoteForm(formdata=None))
        forms.setdefault("reply_form", ReplyForm(formdata=None))
        forms.setdefault("block_form", BlockForm(formdata=None))
        forms.setdefault("platform_block_form", ActionForm(formdata=None))
        forms.setdefault("platform_report_form", PlatformReportForm(formdata=None))
    return render_template(
        "moderation/comment.html", comment=comment, rule_titles=RULE_TITLES, post=moderation.post_of(db(), comment),
        platform=inbound.platform_details(db(), comment),
        history=moderation.history(db(), comment), replies=moderation.replies_to(db(), comment),
        actions=moderation.allowed_actions(comment), can_act=can_act, **forms), status


@bp.route("/comments/<int:comment_id>")
@role_required(*READERS)
def comment(comment_id: int):
    """A comment's full text (removed ones too), flags, history, and the actions on it."""
    return _render_comment(_comment_or_404(comment_id))


def _version(form) -> int:
    value = (form.version.data or "").strip()
    if not value.isdigit():
        raise ValidationFailed("The form was not understood; reload the page.")
    return int(value)


@bp.route("/comments/<int:comment_id>/action", methods=["POST"])
@role_required(*MODERATORS)
def act(comment_id: int):
    """Approve, hide, remove (citing a clause) or restore one comment."""
    found = _comment_or_404(comment_id)
    require(moderation.can_moderate(current_user, found.district_id))
    form = _with_clauses(ModerateForm())
    if not form.validate():
        return _render_comment(found, 400, moderate_form=form)
    try:
        moderation.moderate(db(), actor(), found.id, form.action.data, _version(form),
                            form.clause.data or "", form.note.data or "")
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_comment(_comment_or_404(comment_id), exc.status_code, moderate_form=form)
    db().commit()
    flash(f"Comment #{found.id} was {Action(form.action.data).done}.", "success")
    return redirect(url_for("moderation.comment", comment_id=found.id), 303)


@bp.route("/comments/<int:comment_id>/decide", methods=["POST"])
@role_required(*MODERATORS)
def decide(comment_id: int):
    """A decision made from the comment's row in the queue (one button per action); back to the
    same queue page and filters, or the queue again with the refusal at the row."""
    found = _comment_or_404(comment_id)
    require(moderation.can_moderate(current_user, found.district_id))
    form = _with_clauses(ModerateForm())
    try:
        if not form.validate():
            raise ValidationFailed(next(iter(form.errors.values()))[0]
                                   if "csrf_token" not in form.errors else
                                   "The form expired; reload the page and try again.")
        moderation.moderate(db(), actor(), found.id, form.action.data, _version(form),
                            form.clause.data or "", form.note.data or "")
    except DomainError as exc:
        db().rollback()
        return _render_queue(status=exc.status_code,
                             row_error=(comment_id, form.clause.data or "", exc.message))
    db().commit()
    flash(f"Comment #{found.id} was {Action(form.action.data).done}.", "success")
    return redirect(url_for("moderation.queue", **request.args), 303)


def _act_on_comment(comment_id: int, form, form_name: str, operation, done: str):
    """Validate ``form``, run ``operation(comment)``, commit; on refusal show the comment again
    with the form as the moderator left it."""
    found = _comment_or_404(comment_id)
    require(moderation.can_moderate(current_user, found.district_id))
    if not form.validate():
        return _render_comment(found, 400, **{form_name: form})
    try:
        operation(found)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_comment(found, exc.status_code, **{form_name: form})
    db().commit()
    flash(done, "success")
    return redirect(url_for("moderation.comment", comment_id=found.id), 303)


@bp.route("/comments/<int:comment_id>/notes", methods=["POST"])
@role_required(*MODERATORS)
def add_note(comment_id: int):
    """Add a moderator's note to the comment's history."""
    form = NoteForm()
    return _act_on_comment(
        comment_id, form, "note_form",
        lambda found: moderation.add_note(db(), actor(), found.id, form.note.data), "Note added.")


@bp.route("/comments/<int:comment_id>/reply", methods=["POST"])
@role_required(*MODERATORS)
def reply(comment_id: int):
    """Answer the comment publicly as the district (an official reply)."""
    form = ReplyForm()
    reasons = given_reasons()
    found = _comment_or_404(comment_id)
    require(moderation.can_moderate(current_user, found.district_id))
    if not form.validate():
        return _render_comment(found, 400, reply_form=form, reply_reasons=reasons)
    try:
        moderation.reply_as_district(db(), actor(), found.id, form.body.data, reasons)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        # The checks' findings and the reasons typed so far stay with the text, to fix or
        # acknowledge.
        return _render_comment(found, exc.status_code, reply_form=form, reply_checks=exc,
                               reply_reasons=reasons)
    db().commit()
    flash("Your official reply is published. It is in the sergeant's review.", "success")
    return redirect(url_for("moderation.comment", comment_id=found.id), 303)


@bp.route("/comments/<int:comment_id>/block", methods=["POST"])
@role_required(*MODERATORS)
def block(comment_id: int):
    """Block the comment's author by e-mail and/or network, for some days or until lifted."""
    form = BlockForm()
    return _act_on_comment(
        comment_id, form, "block_form",
        lambda found: moderation.block_commenter(db(), actor(), found.id, BlockRequest(
            by_email=form.by_email.data, by_network=form.by_network.data,
            prefix=form.prefix.data, days=form.days.data, reason=form.reason.data)),
        "The commenter is blocked.")


@bp.route("/comments/<int:comment_id>/platform-block", methods=["POST"])
@role_required(*MODERATORS)
def platform_block(comment_id: int):
    """Queue a block of a Mastodon reply's author from the department's account."""
    form = ActionForm()
    return _act_on_comment(
        comment_id, form, "platform_block_form",
        lambda found: inbound.queue_author_block(db(), actor(), found.id),
        "Blocking the author is queued; the outbox sends it to the platform.")


@bp.route("/comments/<int:comment_id>/platform-report", methods=["POST"])
@role_required(*MODERATORS)
def platform_report(comment_id: int):
    """Queue a report of a Mastodon reply to the moderators of its author's instance."""
    form = PlatformReportForm()
    return _act_on_comment(
        comment_id, form, "platform_report_form",
        lambda found: inbound.queue_author_report(db(), actor(), found.id, form.reason.data),
        "The report is queued; the outbox sends it to the instance.")


# --- blocks -----------------------------------------------------------------------------------

@bp.route("/blocks")
@role_required(*MODERATORS)
def blocks():
    """Blocked commenters (active, expired and lifted), newest first."""
    return render_template("moderation/blocks.html",
                           blocks=moderation.list_blocks(db(), current_user),
                           is_active=moderation.is_block_active, action=ActionForm())


@bp.route("/blocks/<int:block_id>/lift", methods=["POST"])
@role_required(*MODERATORS)
def lift_block(block_id: int):
    """End a block early."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        moderation.lift_block(db(), actor(), block_id)
    except NotFound:
        abort(404)
    except PermissionDenied:
        db().rollback()
        abort(403)
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("moderation.blocks"), 303)
    db().commit()
    flash("The block was lifted.", "success")
    return redirect(url_for("moderation.blocks"), 303)


# --- keyword lists ----------------------------------------------------------------------------

def _render_keywords(form=None, status=200):
    return render_template("moderation/keywords.html", form=form or KeywordForm(formdata=None),
                           keywords=moderation.list_keywords(db()), action=ActionForm()), status


@bp.route("/keywords", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def keywords():
    """The administrator's screening keywords: list, and add one (hold or flag)."""
    if request.method == "GET":
        return _render_keywords()
    form = KeywordForm()
    if not form.validate():
        return _render_keywords(form, 400)
    try:
        moderation.add_keyword(db(), actor(), form.phrase.data, form.action.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_keywords(form, exc.status_code)
    db().commit()
    flash(f"“{form.phrase.data.strip()}” added.", "success")
    return redirect(url_for("moderation.keywords"), 303)


@bp.route("/keywords/<int:keyword_id>/deactivate", methods=["POST"])
@role_required(Role.ADMIN)
def deactivate_keyword(keyword_id: int):
    """Take a keyword off the list (it stays on record, marked inactive)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        moderation.deactivate_keyword(db(), actor(), keyword_id)
    except NotFound:
        abort(404)
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("moderation.keywords"), 303)
    db().commit()
    flash("The keyword is off the list.", "success")
    return redirect(url_for("moderation.keywords"), 303)


# --- report -----------------------------------------------------------------------------------

@bp.route("/report")
@role_required(Role.SERGEANT, Role.NEWS_AFFAIRS)
def report():
    """Takedowns per district, clause and month, as tables and bar charts."""
    form = ReportFilterForm(request.args)
    districts = moderation.moderation_districts(db(), current_user)
    form.district.choices = ([SelectChoice("", "Every district")]
                             if current_user.role == Role.NEWS_AFFAIRS else []) + [
        SelectChoice(str(d.id), d.label) for d in districts]
    form.year.choices = [SelectChoice("", "Every year")] + [
        SelectChoice(str(y), str(y)) for y in moderation.report_years(db())]
    if current_user.role != Role.NEWS_AFFAIRS and not request.args.get("district"):
        form.district.data = str(current_user.district_id)
    if request.args and not form.validate():
        return render_template("moderation/report.html", form=form, report=None), 400
    result = moderation.moderation_report(
        db(), current_user, district_id=int(form.district.data) if form.district.data else None,
        year=int(form.year.data) if form.year.data else None)
    return render_template("moderation/report.html", form=form, report=result,
                           clause_chart=bar_chart(result.by_clause),
                           month_chart=bar_chart(result.by_month))

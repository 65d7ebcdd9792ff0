"""The archive console: search, records with their history, saved searches, chain verification,
retention schedules, legal holds and disposition runs. Records officers and administrators;
retention schedules are for administrators only. Content is read-only here."""
import json

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms import SelectChoice

from beatdesk import archive, archive_search, checkpoints, districts, retention
from beatdesk.audit import record_event
from beatdesk.errors import DomainError
from beatdesk.models import AuditEvent, DispositionState, Outcome
from beatdesk.roles import Role

from ..access import actor, role_required
from ..common_forms import ActionForm, attach_error
from ..database import begin_writing, db, reads_first
from . import bp, results
from .forms import (HoldForm, ReleaseHoldForm, SaveSearchForm, ScheduleForm, SearchForm,
                    name_zone)
from .signing import archive_key

ARCHIVE_ROLES = (Role.RECORDS, Role.ADMIN)
EMPTY_PAGE = archive_search.SearchPage(items=[], page=1, per_page=1, total=0)


def _district_choices(label: str = "Any district"):
    return [SelectChoice("", label)] + [SelectChoice(d.id, d.label)
                                        for d in districts.list_districts(db())]


def _district_names() -> dict[int, str]:
    return {d.id: d.label for d in districts.list_districts(db())}


def criteria_args(criteria: archive_search.SearchCriteria) -> dict:
    """The query-string form of ``criteria`` (the search page's parameters)."""
    return {k: v for k, v in criteria.to_dict().items() if v not in (None, "")}


def describe(criteria: archive_search.SearchCriteria, districts: dict[int, str]) -> str:
    """``criteria`` in words, with the district's name and the type's and state's labels."""
    parts = []
    if criteria.text:
        parts.append(f"the words “{criteria.text}”")
    if criteria.district_id is not None:
        parts.append(districts.get(criteria.district_id, f"district {criteria.district_id}"))
    if criteria.author:
        parts.append(f"author {criteria.author}")
    if criteria.record_type:
        parts.append(results.RECORD_TYPES.get(criteria.record_type, criteria.record_type))
    if criteria.since or criteria.until:
        parts.append(f"recorded from {criteria.since or '…'} to {criteria.until or '…'}")
    if criteria.state:
        parts.append(results.STATES.get(criteria.state, criteria.state))
    return ", ".join(parts)


def _or_404(getter, *args):
    try:
        return getter(db(), *args)
    except DomainError:
        abort(404)


@bp.route("/")
@role_required(*ARCHIVE_ROLES)
def search():
    """Search the archive: words, district, author, type, dates and state; newest first."""
    form = SearchForm(request.args)
    form.set_choices(_district_choices())
    searched = any(request.args.get(name) for name in form.data)
    if searched and not form.validate():
        return render_template("archive/search.html", form=form, page=EMPTY_PAGE, searched=True,
                               rows=[], criteria=None, save_form=None,
                               districts=_district_names()), 400
    criteria = form.criteria()
    try:
        page = archive.search(db(), criteria, page=request.args.get("page", 1, type=int),
                              per_page=current_app.config["PAGE_SIZE"],
                              count_limit=archive_search.CONSOLE_COUNT_LIMIT)
    except DomainError as exc:
        attach_error(form, exc)
        return render_template("archive/search.html", form=form, page=EMPTY_PAGE, searched=True,
                               rows=[], criteria=None, save_form=None,
                               districts=_district_names()), exc.status_code
    names = _district_names()
    return render_template("archive/search.html", form=form, page=page, searched=searched,
                           criteria=criteria, save_form=SaveSearchForm(formdata=None),
                           criteria_args=criteria_args(criteria), districts=names,
                           rows=results.rows(db(), page.items, names, criteria.text),
                           described=describe(criteria, names))


@bp.route("/records/<int:record_id>")
@role_required(*ARCHIVE_ROLES)
def record(record_id: int):
    """One archive record: its metadata, hashes, content and every record of the same object."""
    item = _or_404(archive.get_record, record_id)
    try:
        content = json.dumps(json.loads(item.content), indent=2, ensure_ascii=False, sort_keys=True)
    except ValueError:  # a tampered record may no longer be JSON; show it as stored
        content = item.content
    names = _district_names()
    history = archive.record_history(db(), item)
    row, = results.rows(db(), [item], names)
    return render_template("archive/record.html", record=item, content=content, row=row,
                           post=results.post_at_the_time(db(), item, row.content),
                           history=history, rows=results.rows(db(), history, names),
                           districts=names)


@bp.route("/saved")
@role_required(*ARCHIVE_ROLES)
def saved_searches():
    """Saved searches, shared by records officers; each opens the search it keeps."""
    rows = archive_search.list_saved_searches(db())
    return render_template("archive/saved.html", searches=rows, action=ActionForm(),
                           describe=lambda s: archive_search.SearchCriteria.from_dict(s.criteria),
                           criteria_args=lambda s: criteria_args(
                               archive_search.SearchCriteria.from_dict(s.criteria)))


@bp.route("/saved", methods=["POST"])
@role_required(*ARCHIVE_ROLES)
def save_search():
    """Save the search whose criteria the form carries, under a name."""
    form = SaveSearchForm()
    form.set_choices(_district_choices())
    if form.validate():
        try:
            saved = archive_search.save_search(db(), actor(), form.name.data, form.criteria())
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
        else:
            db().commit()
            flash(f"Search “{saved.name}” saved.", "success")
            return redirect(url_for("archive.saved_searches"), 303)
    return render_template("archive/save_failed.html", form=form), 400


@bp.route("/saved/<int:search_id>/delete", methods=["POST"])
@role_required(*ARCHIVE_ROLES)
def delete_saved_search(search_id: int):
    """Delete a saved search that no request or legal hold relies on."""
    saved = _or_404(archive_search.get_saved_search, search_id)
    return _one_button(lambda: archive_search.delete_saved_search(db(), actor(), saved),
                       "The saved search was deleted.", url_for("archive.saved_searches"))


def _one_button(operation, done: str, back: str):
    """Run a one-button action behind a CSRF-checked POST; a refusal is flashed."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operation()
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(back, 303)
    db().commit()
    flash(done, "success")
    return redirect(back, 303)


@bp.route("/verify")
@role_required(*ARCHIVE_ROLES)
def verify_page():
    """The last verification of the chain (from the audit trail) and a button to run one."""
    last = db().scalars(select(AuditEvent).where(AuditEvent.event == "archive.verified")
                        .order_by(AuditEvent.id.desc()).limit(1)).first()
    return render_template("archive/verify.html", last=last, action=ActionForm(),
                           length=archive.chain_length(db()),
                           checkpoint=checkpoints.latest(db()))


@bp.route("/verify", methods=["POST"])
@reads_first  # the whole chain is read before a little is written: other writers go on
@role_required(*ARCHIVE_ROLES)
def run_verify():
    """Recompute every hash and link now; the result is audited and shown on the verify page."""
    if not ActionForm().validate_on_submit():
        abort(400)
    key = archive_key()
    report = checkpoints.verify_anchored(db(), key)
    db().rollback()  # verification only reads; the audit record and checkpoint then write
    begin_writing()
    record_event(db(), actor(), "archive.verified",
                 outcome=Outcome.SUCCESS if report.ok else Outcome.FAILURE,
                 details=report.as_details())
    if report.ok:  # an intact chain is anchored at once, this verification included
        try:
            checkpoints.make_checkpoint(db(), key, verified=(report.head_position,
                                                             report.head_hash))
        except checkpoints.ChainBroken as exc:  # broken by a record appended since
            report.add(exc.report.head_position, exc.message)
    db().commit()
    flash(report.summary(), "success" if report.ok else "error")
    return redirect(url_for("archive.verify_page"), 303)


@bp.route("/retention")
@role_required(Role.ADMIN)
def schedules():
    """Retention schedules, active and retired, and the form to add one."""
    return _schedules_page(ScheduleForm(formdata=None))


def _schedules_page(form, status: int = 200):
    return render_template("archive/schedules.html", form=form, action=ActionForm(),
                           schedules=retention.list_schedules(db())), status


@bp.route("/retention", methods=["POST"])
@role_required(Role.ADMIN)
def create_schedule():
    """Add a retention schedule for a record type or family."""
    form = ScheduleForm()
    if not form.validate():
        return _schedules_page(form, 400)
    try:
        schedule = retention.create_schedule(
            db(), actor(), record_type=form.record_type.data, period_amount=form.period_amount.data,
            period_unit=form.period_unit.data, authority=form.authority.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _schedules_page(form, exc.status_code)
    db().commit()
    flash(f"Records of type {schedule.record_type} are now kept for {schedule.period_label}.",
          "success")
    return redirect(url_for("archive.schedules"), 303)


@bp.route("/retention/<int:schedule_id>/retire", methods=["POST"])
@role_required(Role.ADMIN)
def retire_schedule(schedule_id: int):
    """Stop applying a schedule; records it governed are kept until another applies."""
    schedule = _or_404(retention.get_schedule, schedule_id)
    return _one_button(lambda: retention.retire_schedule(db(), actor(), schedule),
                       f"The schedule for {schedule.record_type} was retired.",
                       url_for("archive.schedules"))


def _hold_form(submitted: bool) -> HoldForm:
    form = HoldForm() if submitted else HoldForm(formdata=None)
    form.district_id.choices = _district_choices("Any district")
    name_zone(form)
    form.saved_search_id.choices = [SelectChoice("", "None")] + [
        SelectChoice(s.id, s.name) for s in archive_search.list_saved_searches(db())]
    return form


def _holds_page(form, status: int = 200):
    return render_template("archive/holds.html", form=form, holds=retention.list_holds(db()),
                           release_form=ReleaseHoldForm(formdata=None),
                           scope=retention.hold_scope), status


@bp.route("/holds")
@role_required(*ARCHIVE_ROLES)
def holds():
    """Legal holds, active first, and the form to place one."""
    return _holds_page(_hold_form(submitted=False))


@bp.route("/holds", methods=["POST"])
@role_required(*ARCHIVE_ROLES)
def place_hold():
    """Place a legal hold: matching records are frozen against disposition."""
    form = _hold_form(submitted=True)
    if not form.validate():
        return _holds_page(form, 400)
    data = retention.HoldData(reason=form.reason.data, case_number=form.case_number.data,
                              district_id=form.district_id.data,
                              record_type=form.record_type.data or "", since=form.since.data,
                              until=form.until.data, saved_search_id=form.saved_search_id.data)
    try:
        hold = retention.create_hold(db(), actor(), data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _holds_page(form, exc.status_code)
    db().commit()
    flash(f"Legal hold for {hold.case_number} placed: {retention.hold_scope(hold)}.", "success")
    return redirect(url_for("archive.holds"), 303)


@bp.route("/holds/<int:hold_id>/release", methods=["POST"])
@role_required(*ARCHIVE_ROLES)
def release_hold(hold_id: int):
    """Release a hold, with the reason."""
    hold = _or_404(retention.get_hold, hold_id)
    form = ReleaseHoldForm()
    if not form.validate():
        return render_template("archive/release_failed.html", form=form, hold=hold), 400
    try:
        retention.release_hold(db(), actor(), hold, form.reason.data)
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("archive.holds"), 303)
    db().commit()
    flash(f"The legal hold for {hold.case_number} was released.", "success")
    return redirect(url_for("archive.holds"), 303)


@bp.route("/dispositions")
@role_required(*ARCHIVE_ROLES)
def dispositions():
    """Disposition runs and how many records a new proposal would list."""
    return render_template("archive/dispositions.html", runs=retention.list_runs(db()),
                           due=retention.records_due_count(db()), action=ActionForm())


@bp.route("/dispositions", methods=["POST"])
@role_required(*ARCHIVE_ROLES)
def propose_disposition():
    """Propose a run listing every record past retention and not held."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        run = retention.propose_run(db(), actor())
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("archive.dispositions"), 303)
    db().commit()
    flash(f"Disposition run {run.id} proposed. A second authorised person must approve it.",
          "success")
    return redirect(url_for("archive.disposition", run_id=run.id), 303)


@bp.route("/dispositions/<int:run_id>")
@role_required(*ARCHIVE_ROLES)
def disposition(run_id: int):
    """One run: who proposed and approved it, its records and their outcome, its certificate."""
    run = _or_404(retention.get_run, run_id)
    items = retention.run_items(db(), run, page=request.args.get("page", 1, type=int))
    return render_template("archive/disposition.html", run=run, items=items,
                           counts=retention.item_counts(db(), run), action=ActionForm(),
                           proposed=run.state is DispositionState.PROPOSED)


@bp.route("/dispositions/<int:run_id>/approve", methods=["POST"])
@role_required(*ARCHIVE_ROLES)
def approve_disposition(run_id: int):
    """Approve (as the second person) and execute a proposed run."""
    run = _or_404(retention.get_run, run_id)
    back = url_for("archive.disposition", run_id=run.id)
    return _one_button(lambda: retention.approve_run(db(), actor(), run, key=archive_key()),
                       f"Disposition run {run.id} approved and executed; its certificate is in "
                       "the archive.", back)


@bp.route("/dispositions/<int:run_id>/cancel", methods=["POST"])
@role_required(*ARCHIVE_ROLES)
def cancel_disposition(run_id: int):
    """Withdraw a proposed run; nothing is disposed of."""
    run = _or_404(retention.get_run, run_id)
    return _one_button(lambda: retention.cancel_run(db(), actor(), run),
                       f"Disposition run {run.id} was cancelled.",
                       url_for("archive.disposition", run_id=run.id))

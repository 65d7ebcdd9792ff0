"""Public records requests: the dashboard, a request's page, archive search, review and
redaction, and the release package."""
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from beatdesk import clock, records, records_portal, release
from beatdesk.archive_search import SearchCriteria, search
from beatdesk.due_dates import rules_for
from beatdesk.errors import DomainError, ValidationFailed
from beatdesk.models import District
from beatdesk.records import RequestData
from beatdesk.roles import Role
from beatdesk.wording import in_sentence

from ..access import actor, require, role_required
from ..common_forms import ActionForm, attach_error
from ..database import db
from . import bp
from .forms import (AttachForm, ExtendForm, PrivateDataForm, RedactionForm, ReleaseForm,
                    RequestForm, StateForm)

OFFICER = (Role.RECORDS,)
READERS = (Role.RECORDS, Role.ADMIN)


def records_rules():
    return rules_for(current_app.config.get("RECORDS_RULES"))


def timezone() -> str:
    return current_app.config.get("TIMEZONE") or "America/Chicago"


def release_root() -> Path:
    configured = current_app.config.get("RELEASE_ROOT")
    return Path(configured) if configured else Path(current_app.instance_path) / "releases"


def _request_or_404(request_id: int):
    try:
        return records.get_request(db(), request_id)
    except DomainError:
        abort(404)


def _page_arg() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


@bp.route("/")
@role_required(*READERS)
def dashboard():
    """Open requests: overdue, due within two business days, and the rest."""
    require(records.can_view_requests(current_user))
    rules = records_rules()
    return render_template("records/dashboard.html", board=records.dashboard(db(), rules,
                                                                             timezone()),
                           replies=records_portal.awaiting_officer(db()),
                           rules=rules, can_manage=records.can_manage_requests(current_user))


@bp.route("/new", methods=["GET", "POST"])
@role_required(*OFFICER)
def new():
    """Log a request; the due date follows from the configured state's rules."""
    form = RequestForm()
    rules = records_rules()
    if request.method == "POST":
        if not form.validate():
            return render_template("records/new.html", form=form, rules=rules), 400
        received_at = form.received_at.instant
        data = RequestData(requester_name=form.requester_name.data,
                           requester_contact=form.requester_contact.data,
                           received_via=form.received_via.data, received_at=received_at,
                           description=form.description.data, commercial=form.commercial.data)
        try:
            created = records.create_request(db(), actor(), data, rules, timezone())
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
            return render_template("records/new.html", form=form, rules=rules), exc.status_code
        db().commit()
        flash(f"{created.label} was logged. The answer is due "
              f"{clock.local_date_text(created.due_on, weekday=True)}.", "success")
        if form.received_at.note:
            flash(form.received_at.note, "warning")
        return redirect(url_for("records.detail", request_id=created.id), 303)
    if form.received_at.data is None:
        form.received_at.data = datetime.now(ZoneInfo(timezone())).replace(second=0,
                                                                            microsecond=0,
                                                                            tzinfo=None)
    return render_template("records/new.html", form=form, rules=rules)


def _state_form(req, formdata=None) -> StateForm:
    form = StateForm(formdata=formdata)
    form.to_state.choices = [SelectChoice("", "— choose —")] + [
        SelectChoice(s.value, s.label) for s in records.allowed_next_states(req)]
    form.exemption_id.choices = [SelectChoice("", "— none —")] + [
        SelectChoice(e.id, e.display[:120]) for e in records.active_exemptions(db())]
    if formdata is None:
        form.expected_state.data = req.state.value
    return form


def _render_detail(req, state_form=None, extend_form=None, private_form=None, status=200):
    can_manage = records.can_manage_requests(current_user)
    rules = records_rules()
    private_released = records.private_data_released(db(), req)
    if can_manage:
        state_form = state_form or _state_form(req)
        extend_form = extend_form or ExtendForm(formdata=None, days=rules.extension_days)
        private_form = private_form or PrivateDataForm(
            formdata=None, choice="withhold" if private_released else "release")
    today = records.today_in(timezone())
    return render_template(
        "records/detail.html", req=req, rules=rules, can_manage=can_manage,
        state_form=state_form, extend_form=extend_form, private_form=private_form,
        private_released=private_released,
        events=records.request_events(db(), req),
        items=records.snapshot_page(db(), req, _page_arg()),
        redaction_counts=records.redaction_summary(db(), req),
        releases=release.releases_of(db(), req),
        searches=records.saved_searches(db(), req),
        days_left=records.business_days_left(req, rules, today), today=today), status


@bp.route("/<int:request_id>")
@role_required(*READERS)
def detail(request_id: int):
    """A request: its facts, due date, history, attached records and releases."""
    req = _request_or_404(request_id)
    require(records.can_view_requests(current_user))
    return _render_detail(req)


@bp.route("/<int:request_id>/state", methods=["POST"])
@role_required(*OFFICER)
def change_state(request_id: int):
    """Move the request to another state (a denial needs an exemption and a reason)."""
    req = _request_or_404(request_id)
    form = _state_form(req, formdata=request.form)
    if not form.validate():
        return _render_detail(req, state_form=form, status=400)
    try:
        records.change_state(db(), actor(), req, form.to_state.data, form.note.data or "",
                             form.exemption_id.data,
                             expected_state=form.expected_state.data or None)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_detail(req, state_form=form, status=exc.status_code)
    db().commit()
    flash(f"{req.label} is now {in_sentence(req.state.label)}.", "success")
    return redirect(url_for("records.detail", request_id=req.id), 303)


@bp.route("/<int:request_id>/extend", methods=["POST"])
@role_required(*OFFICER)
def extend(request_id: int):
    """Take the one extension, with its reason; moves the due date."""
    req = _request_or_404(request_id)
    form = ExtendForm()
    if not form.validate():
        return _render_detail(req, extend_form=form, status=400)
    try:
        records.extend_request(db(), actor(), req, records_rules(), form.reason.data,
                               form.days.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_detail(req, extend_form=form, status=exc.status_code)
    db().commit()
    flash(f"{req.label} was extended. The answer is now due "
          f"{clock.local_date_text(req.due_on, weekday=True)}.", "success")
    return redirect(url_for("records.detail", request_id=req.id), 303)


@bp.route("/<int:request_id>/private-data", methods=["POST"])
@role_required(*OFFICER)
def private_data(request_id: int):
    """Release commenters' e-mail and network addresses for this request, or withhold them
    again (the default); the choice is logged, audited and archived."""
    req = _request_or_404(request_id)
    form = PrivateDataForm()
    if not form.validate():
        return _render_detail(req, private_form=form, status=400)
    try:
        records.choose_private_data_release(db(), actor(), req, form.choice.data == "release",
                                            form.reason.data or "")
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_detail(req, private_form=form, status=exc.status_code)
    db().commit()
    flash("Commenters' e-mail and network addresses will be "
          + ("released" if form.choice.data == "release" else "withheld")
          + f" in {req.label}.", "success")
    return redirect(url_for("records.detail", request_id=req.id), 303)


# --- archive search and attaching -----------------------------------------------------------

SEARCH_FIELDS = ("text", "district_id", "author", "record_type", "since", "until", "state")


def _criteria_from(args) -> tuple[SearchCriteria | None, str | None]:
    raw = {name: (args.get(name) or "").strip() for name in SEARCH_FIELDS}
    try:
        return SearchCriteria.from_dict(raw), None
    except ValueError:
        return None, "Dates are written YYYY-MM-DD and the district is chosen from the list."


@bp.route("/<int:request_id>/search")
@role_required(*OFFICER)
def search_archive(request_id: int):
    """Search the archive for the request's records; choose results to attach."""
    req = _request_or_404(request_id)
    criteria, error = _criteria_from(request.args)
    searched = any(request.args.get(name) for name in SEARCH_FIELDS) or "go" in request.args
    page, status = None, 200
    if criteria is not None and searched:
        try:
            page = search(db(), criteria, _page_arg(), 25)
        except ValidationFailed as exc:
            error, status = exc.message, 400
    elif error:
        status = 400
    districts = list(db().scalars(select(District).order_by(District.number)))
    return render_template("records/search.html", req=req, page=page, criteria=criteria,
                           args=request.args, error=error, districts=districts,
                           form=AttachForm(formdata=None), searched=searched), status


@bp.route("/<int:request_id>/attach", methods=["POST"])
@role_required(*OFFICER)
def attach(request_id: int):
    """Freeze the chosen search results (or all of them) into the request's snapshot."""
    req = _request_or_404(request_id)
    form = AttachForm()
    criteria, error = _criteria_from(request.form)
    chosen = request.form.getlist("record_ids")
    if not form.validate() or criteria is None or not (chosen or form.all_results.data):
        flash(error or "Choose the records to attach, or attach every result.", "error")
        return render_template("records/search.html", req=req, page=None, criteria=criteria,
                               args=request.form, error=error or
                               "Choose the records to attach, or attach every result.",
                               districts=[], form=form, searched=False), 400
    try:
        ids = None if form.all_results.data else [int(v) for v in chosen]
    except ValueError:
        abort(400)
    try:
        added = records.attach_search_results(db(), actor(), req, criteria, record_ids=ids,
                                              with_history=form.with_history.data)
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("records.detail", request_id=req.id), 303)
    db().commit()
    flash(f"{added} record{'s' if added != 1 else ''} attached to {req.label}.", "success")
    return redirect(url_for("records.detail", request_id=req.id), 303)


# --- review and redaction --------------------------------------------------------------------

def _redaction_form(item, formdata=None) -> RedactionForm:
    form = RedactionForm(formdata=formdata)
    form.field.choices = [SelectChoice("", "— every field —")] + [
        SelectChoice(path, path) for path, _ in records.text_fields(records.item_content(item))]
    form.exemption_id.choices = [SelectChoice("", "— choose —")] + [
        SelectChoice(e.id, e.display[:120]) for e in records.active_exemptions(db())]
    return form


def _render_item(req, item, form=None, status=200):
    content = records.item_content(item)
    redactions = records.item_redactions(db(), item)
    active = [r for r in redactions if r.removed_at is None]
    private_released = records.private_data_released(db(), req)
    preview, withheld = records.redacted_content(content, active,
                                                 withhold_private=not private_released)
    can_manage = records.can_manage_requests(current_user) and req.state.is_open
    return render_template(
        "records/item.html", req=req, item=item, fields=records.text_fields(content),
        preview_fields=records.text_fields(preview) if preview is not None else [],
        withheld=withheld, redactions=redactions, can_manage=can_manage,
        private=[] if private_released else records.private_values(content),
        form=form or (_redaction_form(item) if can_manage else None),
        action=ActionForm(formdata=None)), status


@bp.route("/<int:request_id>/items/<int:item_id>")
@role_required(*READERS)
def item(request_id: int, item_id: int):
    """One attached record: its fields with character positions, redactions and a preview."""
    req = _request_or_404(request_id)
    try:
        snapshot_item = records.get_item(db(), req, item_id)
    except DomainError:
        abort(404)
    return _render_item(req, snapshot_item)


@bp.route("/<int:request_id>/items/<int:item_id>/redactions", methods=["POST"])
@role_required(*OFFICER)
def redact(request_id: int, item_id: int):
    """Redact a passage, a range of one field, or the whole record, under an exemption."""
    req = _request_or_404(request_id)
    try:
        snapshot_item = records.get_item(db(), req, item_id)
    except DomainError:
        abort(404)
    form = _redaction_form(snapshot_item, formdata=request.form)
    if not form.validate():
        return _render_item(req, snapshot_item, form, 400)
    try:
        records.add_redaction(db(), actor(), req, snapshot_item,
                              exemption_id=form.exemption_id.data, kind=form.kind.data,
                              field=form.field.data or "", start=form.start.data,
                              end=form.end.data, text=form.text.data or "",
                              note=form.note.data or "")
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_item(req, snapshot_item, form, exc.status_code)
    db().commit()
    flash("The redaction was added.", "success")
    return redirect(url_for("records.item", request_id=req.id, item_id=snapshot_item.id), 303)


@bp.route("/<int:request_id>/redactions/<int:redaction_id>/remove", methods=["POST"])
@role_required(*OFFICER)
def remove_redaction(request_id: int, redaction_id: int):
    """Lift a redaction before release (kept on record as removed)."""
    req = _request_or_404(request_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        removed = records.remove_redaction(db(), actor(), req, redaction_id)
    except DomainError as exc:
        db().rollback()
        if exc.status_code == 404:
            abort(404)
        flash(exc.message, "error")
        return redirect(url_for("records.detail", request_id=req.id), 303)
    db().commit()
    flash("The redaction was removed.", "success")
    return redirect(url_for("records.item", request_id=req.id, item_id=removed.item_id), 303)


# --- release --------------------------------------------------------------------------------

def _render_release(req, form=None, status=200):
    return render_template(
        "records/release.html", req=req,
        form=form or ReleaseForm(formdata=None, released_to=f"{req.requester_name}, "
                                                            f"{req.requester_contact}"),
        count=records.snapshot_count(db(), req),
        redaction_counts=records.redaction_summary(db(), req),
        releases=release.releases_of(db(), req)), status


@bp.route("/<int:request_id>/release", methods=["GET", "POST"])
@role_required(*OFFICER)
def release_package(request_id: int):
    """Build the release package, store it, archive the release, then download it."""
    req = _request_or_404(request_id)
    if request.method == "GET":
        return _render_release(req)
    form = ReleaseForm()
    if not form.validate():
        return _render_release(req, form, 400)
    try:
        built = release.build_release(db(), actor(), req, root=release_root(),
                                      released_to=form.released_to.data,
                                      media_root=current_app.config.get("MEDIA_ROOT"))
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_release(req, form, exc.status_code)
    db().commit()
    flash(f"The release package {built.package_name} was built for {req.label} "
          f"(SHA-256 {built.package_sha256}).", "success")
    return redirect(url_for("records.download", request_id=req.id, release_id=built.id), 303)


@bp.route("/<int:request_id>/releases/<int:release_id>/download")
@role_required(*READERS)
def download(request_id: int, release_id: int):
    """The stored package of a release, streamed from disk."""
    req = _request_or_404(request_id)
    try:
        rel = release.get_release(db(), req, release_id)
        path = release.open_package(release_root(), rel)
    except DomainError:
        abort(404)
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=rel.package_name, max_age=0, etag=rel.package_sha256)


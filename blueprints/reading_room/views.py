"""The reading room's public pages, publishing and withdrawing from a request's page, and the
records reports (table, chart and CSV)."""
from flask import (abort, current_app, flash, g, make_response, redirect, render_template,
                   request, send_file, url_for)
from flask_login import current_user

from beatdesk import clock, reading_room, records, records_reports
from beatdesk.errors import DomainError, NotFound
from beatdesk.models import PublicationScope
from beatdesk.roles import Role

from ..access import actor, require, role_required
from ..common_forms import attach_error
from ..database import db
from ..moderation.report_chart import bar_chart
from ..public.views import conditional_and_cacheable
from ..records.views import _render_detail, _request_or_404, release_root
from . import bp, staff_bp
from .forms import PublishForm, ReportForm, SearchForm, WithdrawForm

OFFICER = (Role.RECORDS,)
READERS = (Role.RECORDS, Role.ADMIN)
PER_PAGE = 20

# Public pages are cached and revalidated like the rest of the public site; publishing and
# withdrawing are archived, which empties the page cache (blueprints/public/cache.py).
bp.after_request(conditional_and_cacheable)


# --- the request page's section (templates/records/_publication.html) ----------------------------

@staff_bp.app_template_global("publication_section")
def publication_section(req) -> dict:
    """What the request page's reading-room section shows: publications, and the forms."""
    can_publish = reading_room.can_publish(current_user)
    publishable = g.get("publish_release")  # the release a refused form was for
    if can_publish and publishable is None and req.state in reading_room.RELEASED:
        from beatdesk.release import releases_of
        publishable = next((r for r in releases_of(db(), req)
                            if reading_room.active_publication(db(), r) is None), None)
    return {"publications": reading_room.publications_of(db(), req),
            "can_publish": can_publish, "release": publishable,
            "form": g.get("publish_form") or PublishForm(formdata=None),
            "withdraw_form": g.get("withdraw_form"),
            "withdraw_id": g.get("withdraw_id"),
            "new_withdraw_form": lambda p: WithdrawForm(formdata=None, prefix=_prefix(p.id))}


def _prefix(publication_id: int) -> str:
    """Each publication's withdrawal form names its fields apart (a page may show several)."""
    return f"withdraw-{publication_id}-"


@staff_bp.route("/releases/<int:release_id>/publish", methods=["POST"])
@role_required(*OFFICER)
def publish(release_id: int):
    """Publish a release's public edition in the reading room."""
    try:
        rel = reading_room.get_release(db(), release_id)
    except NotFound:
        abort(404)
    req = _request_or_404(rel.request_id)
    form = PublishForm()
    if not form.validate():
        g.publish_form, g.publish_release = form, rel
        return _render_detail(req, status=400)
    try:
        published = reading_room.publish(
            db(), actor(), rel, subject=form.subject.data, summary=form.summary.data,
            scope=form.scope.data, root=release_root(),
            media_root=current_app.config.get("MEDIA_ROOT"))
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        g.publish_form, g.publish_release = form, rel
        return _render_detail(req, status=exc.status_code)
    db().commit()
    flash(f"\u201c{published.subject}\u201d is in the public reading room.", "success")
    return redirect(url_for("records.detail", request_id=req.id) + "#reading-room", 303)


@staff_bp.route("/publications/<int:publication_id>/withdraw", methods=["POST"])
@role_required(*OFFICER)
def withdraw(publication_id: int):
    """Take a publication off the public site (the archive keeps it)."""
    try:
        found = reading_room.get_publication(db(), publication_id)
    except NotFound:
        abort(404)
    req = _request_or_404(found.request_id)
    form = WithdrawForm(prefix=_prefix(found.id))
    if not form.validate():
        g.withdraw_form, g.withdraw_id = form, found.id
        return _render_detail(req, status=400)
    try:
        reading_room.withdraw(db(), actor(), found, form.reason.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        g.withdraw_form, g.withdraw_id = form, found.id
        return _render_detail(req, status=exc.status_code)
    db().commit()
    flash(f"\u201c{found.subject}\u201d was withdrawn from the reading room.", "success")
    return redirect(url_for("records.detail", request_id=req.id) + "#reading-room", 303)


# --- reports -------------------------------------------------------------------------------------

def _report_year(form: ReportForm) -> tuple[int | None, str | None]:
    value = (form.year.data or "").strip()
    if not value:
        return None, None
    if not value.isdigit() or len(value) != 4 or not 2000 <= int(value) <= 2999:
        return None, "Enter a year of four digits, e.g. 2026, or leave it empty."
    return int(value), None


@staff_bp.route("/reports")
@role_required(*READERS)
def reports():
    """Requests received, closed, on time and late per month, with a chart."""
    require(records.can_view_requests(current_user))
    form = ReportForm(request.args)
    year, error = _report_year(form)
    if error:
        form.year.errors = [error]
        return render_template("reading_room/reports.html", form=form, report=None,
                               chart=None), 400
    report = records_reports.monthly_report(db(), year)
    return render_template("reading_room/reports.html", form=form, report=report,
                           chart=bar_chart(report.months), year=year,
                           format_days=records_reports.format_days,
                           format_fee=records_reports.format_fee)


@staff_bp.route("/reports.csv")
@role_required(*READERS)
def reports_csv():
    """The report as CSV (months in the department's time zone)."""
    require(records.can_view_requests(current_user))
    year, error = _report_year(ReportForm(request.args))
    if error:
        abort(400)
    body = records_reports.report_csv(db(), records_reports.monthly_report(db(), year))
    response = make_response(body)
    response.mimetype = "text/csv"
    stamp = clock.local(clock.utcnow(), clock.department_zone()).strftime("%Y%m%d")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="records-report-{year or "all"}-{stamp}.csv"')
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the public reading room ---------------------------------------------------------------------

def _page_number() -> int:
    page = request.args.get("page", 1, type=int)
    return page if page and page > 0 else 1


def _public_or_error(publication_id: int):
    try:
        return reading_room.get_public(db(), publication_id), None
    except reading_room.Gone as exc:
        return None, render_template("reading_room/withdrawn.html", message=exc.message), 410
    except NotFound:
        abort(404)


@bp.route("/reading-room")
def index():
    """Released records the department published, newest first; searchable."""
    form = SearchForm(request.args)
    if not form.validate():
        return render_template("reading_room/index.html", form=form, page=None, query=""), 400
    query = (form.q.data or "").strip()
    page = reading_room.public_page(db(), query, _page_number(), PER_PAGE,
                                    order=form.order.data or "date")
    return render_template("reading_room/index.html", form=form, page=page, query=query)


@bp.route("/reading-room/<int:publication_id>")
def detail(publication_id: int):
    """One publication: its subject, summary, dates and files."""
    found, *error = _public_or_error(publication_id)
    if found is None:
        return error[0], error[1]
    return render_template("reading_room/detail.html", publication=found,
                           file_label=reading_room.file_label)


@bp.route("/reading-room/<int:publication_id>/files/<name>")
def download(publication_id: int, name: str):
    """One file of a publication, as a download."""
    found, *error = _public_or_error(publication_id)
    if found is None:
        return error[0], error[1]
    try:
        path, listing = reading_room.public_file(release_root(), found, name)
    except NotFound:
        abort(404)
    mimetype = {"pdf": "application/pdf", "html": "text/html", "json": "application/json",
                "csv": "text/csv", "zip": "application/zip"}.get(name.rsplit(".", 1)[-1],
                                                                 "application/octet-stream")
    return send_file(path, mimetype=mimetype, as_attachment=True,
                     download_name=f"reading-room-{found.id}-{listing['name']}", max_age=0,
                     etag=listing["sha256"])

"""The letter templates (administrators) and a request's letters (records officers): making,
listing and downloading them."""
from io import BytesIO

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import undefer
from wtforms import SelectChoice

from beatdesk import letters, records, release
from beatdesk.due_dates import rules_for
from beatdesk.errors import DomainError
from beatdesk.models.letters import Letter, LetterKind
from beatdesk.roles import Role

from ..access import actor, require, role_required
from ..common_forms import attach_error
from ..database import db
from ..records.views import _render_detail, _request_or_404
from . import bp
from .forms import FORMS, LetterForm, TemplateForm

READERS = (Role.RECORDS, Role.ADMIN)


@bp.after_request
def never_cache(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _kind_or_404(kind: str) -> LetterKind:
    try:
        return LetterKind(kind)
    except ValueError:
        abort(404)


# --- templates ---------------------------------------------------------------------------------

@bp.route("/letters/")
@role_required(Role.ADMIN)
def templates():
    """Every kind of letter, with its title and when its text was last changed."""
    require(letters.can_edit_templates(current_user))
    return render_template("letters/templates.html", templates=letters.all_templates(db()))


def _render_template_form(kind: LetterKind, form: TemplateForm, preview=None, status=200):
    return render_template("letters/template_form.html", kind=kind, form=form,
                           template=letters.template_for(db(), kind), preview=preview,
                           fields=letters.fields_for(kind)), status


@bp.route("/letters/<kind>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_template(kind: str):
    """Edit one template; Preview shows it filled with made-up facts without saving."""
    require(letters.can_edit_templates(current_user))
    kind = _kind_or_404(kind)
    current = letters.template_for(db(), kind)
    if request.method == "GET":
        form = TemplateForm(formdata=None, title=current.title,
                            body_markdown=current.body_markdown)
        return _render_template_form(kind, form)
    form = TemplateForm()
    if not form.validate():
        return _render_template_form(kind, form, status=400)
    if form.preview.data and not form.save.data:
        try:
            preview = letters.preview_html(kind, form.title.data, form.body_markdown.data)
        except DomainError as exc:
            attach_error(form, exc)
            return _render_template_form(kind, form, status=exc.status_code)
        return _render_template_form(kind, form, preview=preview)
    try:
        letters.save_template(db(), actor(), kind, form.title.data, form.body_markdown.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_template_form(kind, form, status=exc.status_code)
    db().commit()
    flash(f"The {kind.label.lower()} letter template was saved.", "success")
    return redirect(url_for("letters.edit_template", kind=kind.value), 303)


# --- a request's letters (templates/records/_letters.html) ---------------------------------------

def _letter_form(req, kind: LetterKind, formdata=None) -> LetterForm:
    form = FORMS[kind](formdata=formdata, prefix=f"{kind.value}-")
    if kind is LetterKind.DENIAL:
        form.exemption_ids.choices = [SelectChoice(str(e.id), f"{e.citation}: {e.label}")
                                      for e in records.active_exemptions(db())]
        if formdata is None and req.denial_exemption_id:
            form.exemption_ids.data = [str(req.denial_exemption_id)]
    elif kind is LetterKind.RELEASE:
        form.release_id.choices = [
            SelectChoice(str(r.id), f"{r.package_name} ({r.record_count} records)")
            for r in release.releases_of(db(), req)]
    return form


@bp.app_template_global("letters_section")
def letters_section(req) -> dict:
    """What the request page's letters section shows: the letters, and a form per kind."""
    failed = g.get("letter_form")
    can_make = letters.can_make_letters(current_user)
    forms = {}
    if can_make:
        for kind in LetterKind:
            forms[kind] = failed if failed is not None and failed.kind is kind \
                else _letter_form(req, kind)
    return {"letters": letters.letters_of(db(), req), "can_make": can_make, "forms": forms,
            "open_kind": failed.kind if failed is not None else None,
            "has_release": bool(release.releases_of(db(), req)),
            "extended": req.extended_at is not None,
            "extension_days": rules_for(req.rules_key).extension_days,
            "email": letters.requester_email(db(), req)}


def _extra(form: LetterForm) -> dict:
    return {name: field.data for name, field in form._fields.items()
            if name not in ("csrf_token",)}


@bp.route("/records/<int:request_id>/letters", methods=["POST"])
@role_required(Role.RECORDS)
def make(request_id: int):
    """Make a letter of the kind posted, store its PDF, archive it, and e-mail it."""
    req = _request_or_404(request_id)
    require(letters.can_make_letters(current_user))
    try:
        kind = LetterKind(request.form.get("kind", ""))
    except ValueError:
        flash("Choose a kind of letter.", "error")
        return _render_detail(req, status=400)
    form = _letter_form(req, kind, formdata=request.form)
    if not form.validate():
        g.letter_form = form
        return _render_detail(req, status=400)
    try:
        letter = letters.make_letter(db(), actor(), req, kind, _extra(form))
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        g.letter_form = form
        return _render_detail(req, status=exc.status_code)
    db().commit()
    sent = (f"It was queued for e-mail to {letter.sent_to}." if letter.sent_to
            else "It was not e-mailed: print it and send it by post.")
    flash(f"The {kind.label.lower()} letter {letter.file_name} was made. {sent}", "success")
    return redirect(url_for("records.detail", request_id=req.id) + "#letters", 303)


@bp.route("/records/<int:request_id>/letters/<int:letter_id>/<name>")
@role_required(*READERS)
def download(request_id: int, letter_id: int, name: str):
    """One letter's PDF, as it was stored."""
    req = _request_or_404(request_id)
    require(letters.can_view_letters(current_user))
    letter = db().scalars(select(Letter).options(undefer(Letter.pdf))
                          .where(Letter.id == letter_id, Letter.request_id == req.id)).first()
    if letter is None or name != letter.file_name:
        abort(404)
    return send_file(BytesIO(letter.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"request-{req.id}-{letter.file_name}", max_age=0,
                     etag=letter.sha256)

"""Administration of the Terms of Service and Takedown Policy: drafts and their publication."""
from flask import abort, flash, redirect, render_template, request, url_for

from beatdesk import terms
from beatdesk.errors import DomainError, NotFound
from beatdesk.roles import Role

from ..access import actor, role_required
from ..common_forms import ActionForm, attach_error
from ..database import db
from . import bp
from .forms import TermsForm


@bp.after_request
def never_cache(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _data(form: TermsForm) -> terms.TermsData:
    return terms.TermsData(title=form.title.data or "", source_markdown=form.source_markdown.data or "",
                           summary_of_changes=form.summary_of_changes.data or "")


def _version_or_404(version_id: int):
    try:
        return terms.get_version(db(), actor(), version_id)
    except NotFound:
        abort(404)


@bp.route("")
@role_required(Role.ADMIN)
def index():
    """Every version: drafts waiting to be published, then the published ones, newest first."""
    return render_template("terms/index.html", versions=terms.list_versions(db(), actor()))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    """Start a new version; the form opens with the current text to edit."""
    form = TermsForm()
    if request.method == "GET":
        current = terms.current_terms(db())
        form.title.data, form.source_markdown.data = current.title, current.source_markdown
        return render_template("terms/form.html", form=form, version=None)
    if not form.validate():
        return render_template("terms/form.html", form=form, version=None), 400
    try:
        version = terms.create_draft(db(), actor(), _data(form))
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return render_template("terms/form.html", form=form, version=None), exc.status_code
    db().commit()
    flash("Draft saved. Read it through, then publish it when it is ready.", "success")
    return redirect(url_for("terms.detail", version_id=version.id), 303)


@bp.route("/<int:version_id>")
@role_required(Role.ADMIN)
def detail(version_id: int):
    """One version as visitors will see it, with the publish button while it is a draft."""
    version = _version_or_404(version_id)
    return render_template("terms/detail.html", version=version, action_form=ActionForm(),
                           clauses=terms.takedown_clauses(version))


@bp.route("/<int:version_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(version_id: int):
    """Change a draft (published versions never change)."""
    version = _version_or_404(version_id)
    if version.is_published:
        flash(f"Version {version.number} is published and can't change. Start a new version.",
              "info")
        return redirect(url_for("terms.detail", version_id=version.id), 303)
    form = TermsForm(obj=version)
    if request.method == "GET":
        return render_template("terms/form.html", form=form, version=version)
    if not form.validate():
        return render_template("terms/form.html", form=form, version=version), 400
    try:
        terms.update_draft(db(), actor(), version.id, _data(form))
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return render_template("terms/form.html", form=form, version=version), exc.status_code
    db().commit()
    flash("Draft saved.", "success")
    return redirect(url_for("terms.detail", version_id=version.id), 303)


@bp.route("/<int:version_id>/publish", methods=["POST"])
@role_required(Role.ADMIN)
def publish(version_id: int):
    """Publish a draft: it becomes the current terms; earlier versions stay readable."""
    form = ActionForm()
    if not form.validate():
        abort(400)
    try:
        version = terms.publish(db(), actor(), version_id)
    except NotFound:
        abort(404)
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("terms.detail", version_id=version_id), 303)
    db().commit()
    flash(f"Version {version.number} is published and is now the current Terms of Service.",
          "success")
    return redirect(url_for("terms.detail", version_id=version.id), 303)

"""The policy checks' documentation for all staff, and the admin page that extends word lists."""
from flask import abort, flash, redirect, render_template, request, url_for

from beatdesk import checks
from beatdesk.errors import DomainError, NotFound
from beatdesk.roles import Role

from ..access import actor, role_required
from ..common_forms import ActionForm, attach_error
from ..database import db
from . import bp
from .forms import AddTermForm


@bp.route("/checks")
@role_required()
def rules():
    """Every rule the checks apply: severity, clause, what it looks for, its built-in list."""
    return render_template("checks/rules.html", rules=checks.RULES,
                           extra_terms=checks.active_terms(db()))


def _terms_page(form: AddTermForm, status: int = 200):
    return render_template("checks/terms.html", form=form, terms=checks.list_terms(db()),
                           rules_by_code=checks.RULES_BY_CODE, action=ActionForm()), status


@bp.route("/admin/check-terms", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def terms():
    """Admin-added phrases, and the form that adds one to a check's word list."""
    form = AddTermForm()
    if request.method == "GET":
        return _terms_page(form)
    if not form.validate():
        return _terms_page(form, 400)
    try:
        term = checks.add_term(db(), actor(), form.rule.data, form.phrase.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _terms_page(form, exc.status_code)
    db().commit()
    flash(f"“{term.phrase}” now counts for “{checks.RULES_BY_CODE[term.rule].title}”.", "success")
    return redirect(url_for("checks.terms"), 303)


@bp.route("/admin/check-terms/<int:term_id>/deactivate", methods=["POST"])
@role_required(Role.ADMIN)
def deactivate_term(term_id: int):
    """Stop using an admin-added phrase (the row and its history stay)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        term = checks.deactivate_term(db(), actor(), term_id)
    except NotFound:
        db().rollback()
        abort(404)
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("checks.terms"), 303)
    db().commit()
    flash(f"“{term.phrase}” no longer counts.", "success")
    return redirect(url_for("checks.terms"), 303)

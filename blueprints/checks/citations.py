"""The admin page that names the department's own directive and section for each check rule."""
from flask import abort, flash, redirect, render_template, request, url_for
from wtforms import StringField
from wtforms.validators import Length, Optional

from beatdesk import checks
from beatdesk.checks import engine
from beatdesk.checks.citations import (DIRECTIVE_NAME_MAX, SECTION_MAX, citation,
                                       department_label, source_reference)
from beatdesk.checks.terms import get_rule_citation, rule_citations, set_rule_citation
from beatdesk.districts import get_department
from beatdesk.errors import DomainError
from beatdesk.roles import Role

from ..access import actor, role_required
from ..common_forms import attach_error
from ..database import db
from ..forms import BaseForm
from . import bp


class RuleCitationForm(BaseForm):
    directive_name = StringField(
        "Directive", validators=[Optional(), Length(
            max=DIRECTIVE_NAME_MAX,
            message=f"The directive name is at most {DIRECTIVE_NAME_MAX} characters.")],
        description="The name of the department's directive that says this, e.g. “Social Media "
                    "Directive 12”. Leave empty to use the department's directive name.")
    section = StringField(
        "Section", validators=[Optional(), Length(
            max=SECTION_MAX, message=f"The section is at most {SECTION_MAX} characters.")],
        description="The section of that directive, e.g. “4.b”. Leave empty to cite the "
                    "directive as a whole.")


def _rule_or_404(code: str):
    rule = checks.RULES_BY_CODE.get(code)
    if rule is None:
        abort(404)
    return rule


def _source_clauses(rule) -> list[str]:
    """The rule's source clauses, with the narrower ones some of its findings cite (the kinds
    of personal information), each named in full."""
    clauses = [rule.clause]
    if rule.code == "personal_info":
        for kind in getattr(engine, "_PERSONAL_KINDS", {}).values():
            if kind[1] not in clauses:
                clauses.append(kind[1])
    return [source_reference(c) for c in clauses]


def _directive_name() -> str:
    department = get_department(db())
    return department.directive_name if department is not None else ""


@bp.route("/admin/check-citations")
@role_required(Role.ADMIN)
def citations():
    """Every rule with its source clauses and what its findings cite first."""
    directive = _directive_name()
    own = rule_citations(db())
    rows = []
    for rule in checks.RULES:
        row = own.get(rule.code)
        sections = {rule.code: (row.directive_name, row.section)} if row is not None else None
        rows.append({"rule": rule, "sources": _source_clauses(rule), "row": row,
                     "cited": department_label(row.directive_name or directive, row.section)
                     if row is not None else department_label(directive),
                     "example": citation(rule.clause, directive, rule=rule.code,
                                         sections=sections)})
    return render_template("checks/citations.html", rows=rows)


def _edit_page(rule, form: RuleCitationForm, status: int = 200):
    return render_template("checks/citation_edit.html", rule=rule, form=form,
                           sources=_source_clauses(rule), directive=_directive_name()), status


@bp.route("/admin/check-citations/<code>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_citation(code: str):
    """The form that sets one rule's directive and section."""
    rule = _rule_or_404(code)
    row = get_rule_citation(db(), rule.code)
    form = RuleCitationForm(obj=row) if request.method == "GET" else RuleCitationForm()
    if request.method == "GET":
        return _edit_page(rule, form)
    if not form.validate():
        return _edit_page(rule, form, 400)
    try:
        row = set_rule_citation(db(), actor(), rule.code, form.directive_name.data,
                                form.section.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _edit_page(rule, form, exc.status_code)
    db().commit()
    cited = department_label(row.directive_name or _directive_name(), row.section)
    flash(f"Findings of “{rule.title}” now cite {cited} first.", "success")
    return redirect(url_for("checks.citations"), 303)

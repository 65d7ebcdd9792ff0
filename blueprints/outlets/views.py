"""Approving outlets: the list awaiting approval, each outlet's history, the approval itself,
and the administrator's record of the approving authority and its delegates."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from beatdesk import outlets
from beatdesk.errors import DomainError
from beatdesk.models import User
from beatdesk.roles import Role

from ..access import actor, require, role_required
from ..common_forms import attach_error
from ..database import db
from . import bp
from .forms import ApproveForm, AuthorityForm, DelegationForm, RevokeForm


def _outlet_or_404(outlet_id: int):
    try:
        return outlets.get_outlet(db(), outlet_id)
    except DomainError:
        abort(404)


@bp.route("/")
@role_required()
def index():
    """Every district page and platform account, those awaiting approval first."""
    rows = outlets.list_outlets(db())
    db().commit()  # records outlets made before approvals were kept
    return render_template("outlets/index.html", rows=rows,
                           capacity=outlets.capacity(db(), current_user),
                           authority=outlets.current_authority(db()),
                           can_manage=outlets.can_manage_authority(current_user))


def _render_detail(outlet, form=None, status=200):
    capacity = outlets.capacity(db(), current_user)
    versions = outlets.versions(db(), outlet)
    latest = versions[0]
    own = current_user.id in (outlet.created_by_id, latest.changed_by_id)
    if form is None:
        form = ApproveForm(formdata=None, data={"version": str(outlet.current_number)})
    return render_template("outlets/detail.html", outlet=outlet, versions=versions,
                           labels=outlets.FIELD_LABELS, capacity=capacity, own=own,
                           form=form,
                           can_approve=capacity is not None and outlet.awaiting_approval
                           and not own), status


@bp.route("/<int:outlet_id>")
@role_required()
def detail(outlet_id: int):
    """One outlet's history: who created and changed it, what changed, who approved it."""
    outlet = _outlet_or_404(outlet_id)
    require(outlets.can_view(current_user))
    return _render_detail(outlet)


@bp.route("/<int:outlet_id>/approve", methods=["POST"])
@role_required()
def approve(outlet_id: int):
    """The approving authority or a delegate approves the outlet's current version."""
    outlet = _outlet_or_404(outlet_id)
    require(outlets.may_approve(db(), current_user))
    form = ApproveForm()
    if not form.validate():
        return _render_detail(outlet, form, 400)
    try:
        number = int(form.version.data)
    except (TypeError, ValueError):
        form.version.errors = ["Reload the page and approve again."]
        return _render_detail(outlet, form, 400)
    try:
        outlets.approve(db(), actor(), outlet, number, form.note.data or "")
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_detail(outlet, form, exc.status_code)
    db().commit()
    flash(f"{outlet.label} is approved.", "success")
    return redirect(url_for("outlets.detail", outlet_id=outlet.id), 303)


def _people() -> list[SelectChoice]:
    users = db().scalars(select(User).where(User.active.is_(True))
                         .order_by(User.full_name, User.id))
    return [SelectChoice("", "— choose —")] + [
        SelectChoice(u.id, f"{u.full_name} ({u.role.label})") for u in users]


def _render_authority(authority_form=None, delegation_form=None, revoke_forms=None,
                      status=200):
    people = _people()
    authority_form = authority_form or AuthorityForm(formdata=None)
    delegation_form = delegation_form or DelegationForm(formdata=None)
    authority_form.user_id.choices = delegation_form.user_id.choices = people
    rows = outlets.delegations(db())
    revoke_forms = revoke_forms or {}
    revoke_forms = {r.id: revoke_forms.get(r.id) or RevokeForm(formdata=None) for r in rows}
    return render_template("outlets/authority.html", authority=outlets.current_authority(db()),
                           history=outlets.authority_history(db()), delegations=rows,
                           authority_form=authority_form, delegation_form=delegation_form,
                           revoke_forms=revoke_forms), status


@bp.route("/authority", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def authority():
    """The approving authority (title and holder) and its delegates."""
    if request.method == "GET":
        return _render_authority()
    form = AuthorityForm()
    form.user_id.choices = _people()
    if not form.validate():
        return _render_authority(authority_form=form, status=400)
    try:
        outlets.record_authority(db(), actor(), form.title.data or "", form.user_id.data,
                                 form.note.data or "")
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_authority(authority_form=form, status=exc.status_code)
    db().commit()
    flash("The approving authority is recorded.", "success")
    return redirect(url_for("outlets.authority"), 303)


@bp.route("/authority/delegations", methods=["POST"])
@role_required(Role.ADMIN)
def delegate():
    """Record a delegate who may approve outlets for the authority."""
    form = DelegationForm()
    form.user_id.choices = _people()
    if not form.validate():
        return _render_authority(delegation_form=form, status=400)
    try:
        outlets.record_delegation(db(), actor(), form.user_id.data, form.approving_as.data or "",
                                  form.starts_at.instant, form.ends_at.instant,
                                  form.note.data or "")
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_authority(delegation_form=form, status=exc.status_code)
    db().commit()
    flash("The delegation is recorded.", "success")
    return redirect(url_for("outlets.authority"), 303)


@bp.route("/authority/delegations/<int:delegation_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke(delegation_id: int):
    """End a delegation now, with the reason."""
    form = RevokeForm()
    if not form.validate():
        return _render_authority(revoke_forms={delegation_id: form}, status=400)
    try:
        outlets.revoke_delegation(db(), actor(), delegation_id, form.reason.data or "")
    except DomainError as exc:
        db().rollback()
        if exc.status_code == 404:
            abort(404)
        attach_error(form, exc)
        return _render_authority(revoke_forms={delegation_id: form}, status=exc.status_code)
    db().commit()
    flash("The delegation is revoked.", "success")
    return redirect(url_for("outlets.authority"), 303)

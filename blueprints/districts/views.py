"""Districts (outlets), their representatives, and the department-wide registry."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from beatdesk import audit, districts, outlets, published_texts, representatives
from beatdesk.districts import DistrictData
from beatdesk.errors import DomainError
from beatdesk.models import ModerationMode
from beatdesk.permissions import (can_designate_representatives, can_manage_districts,
                                  can_view_district)
from beatdesk.roles import Role

from ..access import actor, require, role_required
from ..check_reasons import given_reasons
from ..common_forms import ActionForm, attach_error
from ..database import db
from . import bp
from .forms import DesignateForm, DistrictForm, EndDesignationForm


def _district_or_404(district_id: int):
    try:
        return districts.get_district(db(), district_id)
    except DomainError:
        abort(404)


def _district_data(form: DistrictForm) -> DistrictData:
    return DistrictData(
        number=form.number.data, name=form.name.data, slug=form.slug.data,
        handle_x=form.handle_x.data or "", handle_mastodon=form.handle_mastodon.data or "",
        handle_bluesky=form.handle_bluesky.data or "", intro_statement=form.intro_statement.data,
        contact_phone=form.contact_phone.data or "", contact_email=form.contact_email.data or "",
        contact_address=form.contact_address.data or "",
        moderation_mode=ModerationMode(form.moderation_mode.data))


@bp.route("/")
@role_required()
def index():
    """Districts the user may see: all for department-wide roles, their own otherwise."""
    rows = districts.districts_visible_to(db(), current_user)
    return render_template("districts/index.html", districts=rows,
                           can_manage=can_manage_districts(current_user))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    """Create a district; it can't be used until approved."""
    form = DistrictForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("districts/form.html", form=form, district=None), 400
        reasons = given_reasons()
        try:
            district = published_texts.save_district(db(), actor(), _district_data(form),
                                                     reasons)
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
            return render_template("districts/form.html", form=form, district=None,
                                   checks=exc, reasons=reasons), exc.status_code
        db().commit()
        flash(f"{district.label} created. Approve it to put it in use.", "success")
        return redirect(url_for("districts.detail", district_id=district.id))
    return render_template("districts/form.html", form=form, district=None)


@bp.route("/<int:district_id>")
@role_required()
def detail(district_id: int):
    """A district's settings, approval, representatives and their history."""
    district = _district_or_404(district_id)
    require(can_view_district(current_user, district))
    return _render_detail(district)


@bp.route("/<int:district_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(district_id: int):
    district = _district_or_404(district_id)
    form = DistrictForm(obj=district if request.method == "GET" else None)
    if request.method == "GET":
        form.moderation_mode.data = district.moderation_mode.value
    if request.method == "POST":
        if not form.validate():
            return render_template("districts/form.html", form=form, district=district), 400
        reasons = given_reasons()
        try:
            published_texts.save_district(db(), actor(), _district_data(form), reasons, district)
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
            return render_template("districts/form.html", form=form, district=district,
                                   checks=exc, reasons=reasons), exc.status_code
        db().commit()
        flash(f"Saved {district.label}.", "success")
        return redirect(url_for("districts.detail", district_id=district.id))
    return render_template("districts/form.html", form=form, district=district)


@bp.route("/<int:district_id>/approve", methods=["POST"])
@role_required(Role.ADMIN)
def approve(district_id: int):
    """Approve the district as an official outlet."""
    district = _district_or_404(district_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        districts.approve_district(db(), actor(), district)
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("districts.detail", district_id=district.id), 303)
    db().commit()
    flash(f"{district.label} is approved.", "success")
    return redirect(url_for("districts.detail", district_id=district.id), 303)


def _designate_form(district, formdata=None) -> DesignateForm:
    form = DesignateForm(formdata=formdata)
    form.user_id.choices = [SelectChoice(u.id, f"{u.display_name} (star {u.star_number})")
                            for u in representatives.eligible_candidates(db(), district)]
    form.replaces_id.choices = [SelectChoice("", "— nobody (a slot is free) —")] + [
        SelectChoice(d.id, d.user.display_name) for d in representatives.active_designations(db(), district)]
    return form


def _render_detail(district, designate_form=None, end_form=None, status=200):
    """The district page; forms passed in carry the errors of a refused POST."""
    can_designate = can_designate_representatives(current_user, district)
    if can_designate:
        designate_form = designate_form or _designate_form(district)
        end_form = end_form or EndDesignationForm(formdata=None)
    return render_template(
        "districts/detail.html", district=district,
        active=representatives.active_designations(db(), district),
        history=representatives.designation_history(db(), district),
        can_manage=can_manage_districts(current_user), can_designate=can_designate,
        may_approve=(not district.is_approved and can_manage_districts(current_user)
                     and outlets.may_approve(db(), current_user)),
        designate_form=designate_form, end_form=end_form, action=ActionForm(),
        events=audit.search_events(db(), audit.AuditFilter(object_type="districts",
                                                           object_id=str(district.id)),
                                   per_page=10)), status


@bp.route("/<int:district_id>/representatives", methods=["POST"])
@role_required(Role.COMMANDER)
def designate(district_id: int):
    """The commander names a representative, or replaces one (at most two active)."""
    district = _district_or_404(district_id)
    require(can_designate_representatives(current_user, district))
    form = _designate_form(district, formdata=request.form)
    if not form.validate():
        return _render_detail(district, designate_form=form, status=400)
    try:
        designation = representatives.designate(db(), actor(), district, form.user_id.data,
                                                form.replaces_id.data, form.reason.data or "")
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _render_detail(district, designate_form=form, status=exc.status_code)
    db().commit()
    flash(f"{designation.user.display_name} is now a representative of {district.label}.",
          "success")
    return redirect(url_for("districts.detail", district_id=district.id), 303)


@bp.route("/<int:district_id>/representatives/<int:designation_id>/end", methods=["POST"])
@role_required(Role.COMMANDER)
def end_designation(district_id: int, designation_id: int):
    """The commander ends a designation without naming a successor."""
    district = _district_or_404(district_id)
    require(can_designate_representatives(current_user, district))
    form = EndDesignationForm()
    if not form.validate():
        return _render_detail(district, end_form=form, status=400)
    try:
        representatives.end_designation(db(), actor(), district, designation_id, form.reason.data)
    except DomainError as exc:
        db().rollback()
        if exc.status_code == 404:
            abort(404)
        attach_error(form, exc)
        return _render_detail(district, end_form=form, status=exc.status_code)
    db().commit()
    flash("The designation was ended.", "success")
    return redirect(url_for("districts.detail", district_id=district.id), 303)


@bp.route("/registry")
@role_required(Role.NEWS_AFFAIRS, Role.ADMIN)
def registry():
    """Every active representative with the six identifying fields (Twitter directive V.A.2)."""
    return render_template("districts/registry.html", rows=representatives.registry(db()))

"""Administrators: enrol department browsers, list and revoke them, and require them."""
from flask import abort, flash, redirect, render_template, url_for

from beatdesk import audit, devices
from beatdesk.errors import DomainError
from beatdesk.roles import Role

from ..access import actor, role_required
from ..common_forms import ActionForm, attach_error
from ..database import db
from . import bp
from .forms import EnrolmentForm, RequirementForm
from .guard import current_device


def _page(enrol_form=None, requirement_form=None, status=200):
    setting = devices.requirement(db())
    if requirement_form is None:
        requirement_form = RequirementForm(formdata=None,
                                           data={"required": bool(setting and setting.required)})
    events = audit.search_events(db(), audit.AuditFilter(object_type="registered_devices"),
                                 per_page=10)
    return render_template("devices/index.html", devices_list=devices.list_devices(db()),
                           status_text=devices.status_text, setting=setting,
                           this_device=current_device(), usable=devices.usable(current_device()),
                           enrol_form=enrol_form or EnrolmentForm(formdata=None),
                           requirement_form=requirement_form, action=ActionForm(),
                           events=events), status


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """Registered devices, pending enrolments and the department's requirement."""
    return _page()


@bp.route("/new", methods=["POST"])
@role_required(Role.ADMIN)
def new():
    """Create an enrolment and show its one-time code, once."""
    form = EnrolmentForm()
    if not form.validate():
        return _page(enrol_form=form, status=400)
    try:
        enrolment = devices.create_enrolment(db(), actor(), form.name.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _page(enrol_form=form, status=exc.status_code)
    db().commit()
    return render_template("devices/code.html", device=enrolment.device,
                           code=devices.format_code(enrolment.code),
                           lifetime=int(devices.CODE_LIFETIME.total_seconds() // 60))


@bp.route("/<int:device_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke(device_id: int):
    """Revoke a device (or cancel a pending enrolment): its browser is refused from now on."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        device = devices.get_device(db(), device_id)
    except DomainError:
        abort(404)
    try:
        devices.revoke(db(), actor(), device)
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("devices.index"), 303)
    db().commit()
    flash(f"{device.name} is revoked: its browser can no longer use the console when registered "
          "devices are required.", "success")
    return redirect(url_for("devices.index"), 303)


@bp.route("/requirement", methods=["POST"])
@role_required(Role.ADMIN)
def requirement():
    """Turn "Require registered devices for the console" on or off."""
    form = RequirementForm()
    if not form.validate():
        return _page(requirement_form=form, status=400)
    wanted = bool(form.required.data)
    try:
        changed = devices.set_required(db(), actor(), wanted, current_device=current_device())
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        form.required.data = False
        return _page(requirement_form=form, status=exc.status_code)
    db().commit()
    if changed:
        flash("Registered devices are now required for the console." if wanted else
              "Registered devices are no longer required for the console.", "success")
    else:
        flash("Nothing changed.", "info")
    return redirect(url_for("devices.index"), 303)

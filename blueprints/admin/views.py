"""Administration: staff accounts, department settings and the audit trail."""
from datetime import UTC, datetime, time, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from wtforms import SelectChoice

from beatdesk import accounts, audit, clock, districts
from beatdesk.accounts import UserData
from beatdesk.districts import DepartmentData
from beatdesk.errors import DomainError
from beatdesk.roles import Role

from ..access import actor, role_required
from ..common_forms import ActionForm, attach_error
from ..database import db
from . import bp
from .forms import AuditFilterForm, DepartmentForm, NewUserForm, ResetPasswordForm, UserForm


def _district_choices():
    return [SelectChoice("", "— none (department-wide role) —")] + [
        SelectChoice(d.id, d.label) for d in districts.list_districts(db(), approved_only=True)]


def _user_data(form: UserForm) -> UserData:
    return UserData(full_name=form.full_name.data, rank=form.rank.data or "",
                    star_number=form.star_number.data or "",
                    employee_number=form.employee_number.data, login_id=form.login_id.data,
                    email=form.email.data, role=Role(form.role.data),
                    district_id=form.district_id.data)


def _user_or_404(user_id: int):
    try:
        return accounts.get_user(db(), user_id)
    except DomainError:
        abort(404)


@bp.route("/users")
@role_required(Role.ADMIN)
def users():
    """All staff accounts, filterable by role, district, status and name."""
    role = request.args.get("role", "")
    if role and role not in {r.value for r in Role}:
        role = ""
    status = request.args.get("status", "active")
    active = {"active": True, "inactive": False}.get(status)
    district_id = request.args.get("district", type=int)
    q = request.args.get("q", "")[:100]
    rows = accounts.list_users(db(), role=role, district_id=district_id, active=active, q=q)
    return render_template("admin/users.html", users=rows, roles=list(Role), role=role,
                           status=status, q=q, district_id=district_id,
                           district_list=districts.list_districts(db()))


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_user():
    """Create a staff account with an initial password."""
    form = NewUserForm()
    form.district_id.choices = _district_choices()
    if request.method == "POST":
        if not form.validate():
            return render_template("admin/user_form.html", form=form, user=None), 400
        try:
            user = accounts.create_user(db(), actor(), _user_data(form), form.password.data)
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
            return render_template("admin/user_form.html", form=form, user=None), exc.status_code
        db().commit()
        flash(f"Account {user.login_id} created. Give the initial password to "
              f"{user.full_name} in person; they must change it at first sign-in.", "success")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>")
@role_required(Role.ADMIN)
def user_detail(user_id: int):
    """One account: identifying fields, security state, and its recent audit events."""
    user = _user_or_404(user_id)
    events = audit.search_events(db(), audit.AuditFilter(object_type="users",
                                                         object_id=str(user.id)), per_page=20)
    return render_template("admin/user_detail.html", user=user, events=events,
                           action=ActionForm(), now=clock.utcnow())


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int):
    """Edit an account's identifying fields, role and district."""
    user = _user_or_404(user_id)
    form = UserForm(obj=user if request.method == "GET" else None)
    form.district_id.choices = _district_choices()
    if request.method == "GET":
        form.role.data = user.role.value
    if request.method == "POST":
        if not form.validate():
            return render_template("admin/user_form.html", form=form, user=user), 400
        try:
            accounts.update_user(db(), actor(), user, _user_data(form))
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
            return render_template("admin/user_form.html", form=form, user=user), exc.status_code
        db().commit()
        flash(f"Saved {user.full_name}.", "success")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=user)


def _account_action(user_id: int, operation, done: str):
    """Run a one-button account action behind a CSRF-checked POST."""
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        operation(db(), actor(), user)
    except DomainError as exc:
        db().rollback()
        flash(exc.message, "error")
        return redirect(url_for("admin.user_detail", user_id=user.id), 303)
    db().commit()
    flash(done.format(name=user.full_name), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id), 303)


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@role_required(Role.ADMIN)
def deactivate_user(user_id: int):
    """Deactivate an account; it can no longer sign in and its sessions end."""
    return _account_action(user_id, accounts.deactivate_user, "{name}'s account was deactivated.")


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@role_required(Role.ADMIN)
def reactivate_user(user_id: int):
    return _account_action(user_id, accounts.reactivate_user, "{name}'s account is active again.")


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@role_required(Role.ADMIN)
def unlock_user(user_id: int):
    """Lift a lockout after failed sign-ins."""
    return _account_action(user_id, accounts.unlock_account, "{name}'s account was unlocked.")


@bp.route("/users/<int:user_id>/reset-second-factor", methods=["POST"])
@role_required(Role.ADMIN)
def reset_second_factor(user_id: int):
    """Clear the authenticator enrolment; the user enrols again at next sign-in."""
    return _account_action(user_id, accounts.reset_second_factor,
                           "{name}'s second factor was reset; they will enrol again at next sign-in.")


@bp.route("/users/<int:user_id>/reset-password", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def reset_password(user_id: int):
    """Set a temporary password the user must change at next sign-in."""
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("admin/reset_password.html", form=form, user=user), 400
        try:
            accounts.reset_password(db(), actor(), user, form.password.data)
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
            return render_template("admin/reset_password.html", form=form, user=user), \
                exc.status_code
        db().commit()
        flash(f"Temporary password set for {user.full_name}; their open sessions were ended.",
              "success")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/reset_password.html", form=form, user=user)


@bp.route("/department", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def department():
    """The department's name, official website and contact information."""
    current = districts.get_department(db())
    form = DepartmentForm(obj=current if request.method == "GET" else None)
    if request.method == "POST":
        if not form.validate():
            return render_template("admin/department.html", form=form), 400
        data = DepartmentData(name=form.name.data, official_website=form.official_website.data,
                              contact_phone=form.contact_phone.data or "",
                              contact_email=form.contact_email.data or "",
                              contact_address=form.contact_address.data or "",
                              review_interval_days=form.review_interval_days.data,
                              directive_name=form.directive_name.data or "")
        try:
            districts.save_department(db(), actor(), data)
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
            return render_template("admin/department.html", form=form), exc.status_code
        db().commit()
        flash("Department settings saved.", "success")
        return redirect(url_for("admin.department"))
    return render_template("admin/department.html", form=form)


@bp.route("/audit")
@role_required(Role.ADMIN)
def audit_log():
    """Browse and filter the audit trail, newest first."""
    form = AuditFilterForm(request.args)
    form.event.choices = [SelectChoice("", "Any")] + [SelectChoice(e) for e in audit.known_events(db())]
    if request.args and not form.validate():
        page = audit.Page(items=[], page=1, per_page=1, total=0)
        return render_template("admin/audit.html", form=form, page=page), 400
    # Days are the department's: from its midnight to the midnight after "To".
    zone = clock.department_zone()
    since = (datetime.combine(form.since.data, time.min, zone).astimezone(UTC)
             if form.since.data else None)
    until = (datetime.combine(form.until.data + timedelta(days=1), time.min, zone).astimezone(UTC)
             if form.until.data else None)
    flt = audit.AuditFilter(actor_login=form.actor.data or "", event=form.event.data or "",
                            object_type=form.object_type.data or "",
                            object_id=form.object_id.data or "",
                            outcome=form.outcome.data or "", since=since, until=until)
    page = audit.search_events(db(), flt, page=request.args.get("page", 1, type=int),
                               per_page=current_app.config["PAGE_SIZE"])
    return render_template("admin/audit.html", form=form, page=page)

"""The staff dashboard and the user's own account."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from beatdesk import accounts, notifications, posts, representatives
from beatdesk.errors import ValidationFailed
from beatdesk.permissions import can_view_registry
from beatdesk.roles import Role

from ..access import actor, role_required
from ..common_forms import attach_error
from ..database import db
from . import bp
from .forms import PasswordChangeForm


@bp.route("/")
@role_required()
def dashboard():
    """Landing page after sign-in: the user's role, district and what they can do."""
    district = current_user.district
    reps = representatives.active_designations(db(), district) if district else []
    ended = None
    can_write = False
    if current_user.role in (Role.REPRESENTATIVE, Role.SERGEANT) and district is not None:
        can_write = posts.can_write_for(db(), current_user, district)
        if current_user.role is Role.REPRESENTATIVE and not can_write:
            ended = notifications.ended_designation(db(), current_user)
    return render_template("console/dashboard.html", district=district, reps=reps,
                           show_registry=can_view_registry(current_user), can_write=can_write,
                           ended=ended, designated=current_user.role is not Role.REPRESENTATIVE
                           or can_write)


@bp.route("/account")
@role_required()
def account():
    """The signed-in user's own record (the six identifying fields) and security status."""
    return render_template("console/account.html", user=current_user)


@bp.route("/account/password", methods=["GET", "POST"])
@role_required()
def change_password():
    """Change one's own password; required after an admin reset."""
    form = PasswordChangeForm()
    if request.method == "POST" and not form.validate():
        return render_template("console/password.html", form=form), 400
    if form.is_submitted():
        try:
            accounts.change_own_password(db(), actor(), form.current_password.data,
                                         form.password.data)
        except ValidationFailed as exc:
            db().commit()  # keeps the audit row of a wrong current password; nothing else changed
            attach_error(form, exc)
            return render_template("console/password.html", form=form), 400
        db().commit()
        # The session token rotated with the password; sign this session back in with it.
        login_user(current_user._get_current_object())
        flash("Your password was changed. Other sessions were signed out.", "success")
        return redirect(url_for("console.account"))
    return render_template("console/password.html", form=form)

"""Duty hours: the district commander sets each representative's; the sergeant releases a post
outside them."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from beatdesk import clock, duty_hours
from beatdesk.errors import DomainError
from beatdesk.models import Post, User
from beatdesk.roles import Role

from ..access import actor, require, role_required
from ..common_forms import attach_error
from ..database import db
from . import duty_bp
from .forms import DutyHoursForm, ReleaseForm

DISTRICT_ROLES = (Role.REPRESENTATIVE, Role.SERGEANT, Role.COMMANDER)


@duty_bp.route("/")
@role_required(*DISTRICT_ROLES)
def index():
    """The district's representatives and their duty hours; for the sergeant, the posts they
    may release outside them."""
    district_id = current_user.district_id
    people = [(rep, duty_hours.hours_text(db(), rep))
              for rep in duty_hours.representatives(db(), district_id)]
    waiting = released = None
    if current_user.role is Role.SERGEANT:
        waiting = duty_hours.waiting_posts(db(), district_id)
        released = duty_hours.releases(db(), district_id)
    return render_template("devices/duty_index.html", people=people, waiting_posts=waiting,
                           released=released, zone=clock.zone_label(clock.department_zone()))


def _representative_or_404(user_id: int) -> User:
    user = db().get(User, user_id)
    if user is None or user.role is not Role.REPRESENTATIVE:
        abort(404)
    return user


def _days(form: DutyHoursForm) -> list[duty_hours.DayHours]:
    return [duty_hours.DayHours(n, getattr(form, f"start_{n}").data or "",
                                getattr(form, f"end_{n}").data or "")
            for n in range(len(duty_hours.DAYS))]


@duty_bp.route("/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.COMMANDER)
def edit(user_id: int):
    """Set one representative's weekly duty hours."""
    rep = _representative_or_404(user_id)
    require(duty_hours.can_set_hours(current_user, rep))
    zone = clock.zone_label(clock.department_zone())
    form = DutyHoursForm()
    if not form.is_submitted():
        for shift in duty_hours.shifts(db(), rep):
            getattr(form, f"start_{shift.weekday}").data = duty_hours.time_text(shift.start_minute)
            getattr(form, f"end_{shift.weekday}").data = duty_hours.time_text(shift.end_minute)
        return render_template("devices/duty_edit.html", form=form, rep=rep, zone=zone)
    if not form.validate():
        return render_template("devices/duty_edit.html", form=form, rep=rep, zone=zone), 400
    try:
        duty_hours.set_hours(db(), actor(), rep, _days(form))
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return render_template("devices/duty_edit.html", form=form, rep=rep, zone=zone), \
            exc.status_code
    db().commit()
    hours = duty_hours.hours_text(db(), rep)
    flash(f"Saved {rep.display_name}'s duty hours: {hours}." if hours else
          f"{rep.display_name} has no duty hours set: they may post at any time.", "success")
    return redirect(url_for("duty_hours.index"), 303)



@duty_bp.route("/posts/<int:post_id>/release", methods=["GET", "POST"])
@role_required(Role.SERGEANT)
def release(post_id: int):
    """The district's sergeant releases a post outside its author's duty hours."""
    post = db().get(Post, post_id)
    if post is None:
        abort(404)
    require(duty_hours.can_release(current_user, post))
    existing = duty_hours.release_for(db(), post)
    form = ReleaseForm()
    if not form.is_submitted():
        return render_template("devices/release.html", form=form, post=post, existing=existing)
    if not form.validate():
        return render_template("devices/release.html", form=form, post=post,
                               existing=existing), 400
    try:
        duty_hours.release(db(), actor(), post, form.reason.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return render_template("devices/release.html", form=form, post=post,
                               existing=existing), exc.status_code
    db().commit()
    flash(f"Post #{post.id} is released outside duty hours: its author may submit, publish "
          "and schedule it at any time.", "success")
    return redirect(url_for("duty_hours.index"), 303)

"""A post's end or review date page, "still current" and "resolved" (Chicago Twitter V.B.2)."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from beatdesk import clock, post_validity
from beatdesk.errors import DomainError
from beatdesk.roles import Role

from ..access import actor, require, role_required
from ..common_forms import attach_error
from ..database import db
from ..posts import bp
from ..posts.views import _post_or_404, _version
from .forms import ResolveForm, StillCurrentForm

RESOLVERS = (Role.SERGEANT, Role.COMMANDER, Role.NEWS_AFFAIRS, Role.REPRESENTATIVE)

bp.add_app_template_global(post_validity.has_ended, "notice_ended")
bp.add_app_template_global(post_validity.date_name, "validity_date_name")


def _page(post, status: int = 200, *, still_form=None, resolve_form=None):
    can_confirm = post_validity.can_confirm(current_user, post) \
        and post.state.value == "published" and post.resolved_at is None
    can_resolve = post_validity.resolvable(post) \
        and post_validity.can_resolve(db(), current_user, post)
    return render_template(
        "post_validity/post.html", post=post, revision=post.current_revision,
        past=post_validity.is_past(post), can_confirm=can_confirm, can_resolve=can_resolve,
        still_form=still_form or StillCurrentForm(version=post.version),
        resolve_form=resolve_form or ResolveForm(version=post.version)), status


@bp.route("/<int:post_id>/validity")
@role_required()
def validity(post_id: int):
    """The post's end or review date, whether it is past, and what may be done about it."""
    return _page(_post_or_404(post_id))[0]


@bp.route("/<int:post_id>/still-current", methods=["POST"])
@role_required(Role.SERGEANT)
def still_current(post_id: int):
    """The sergeant checked a post past its date: still current until a new date."""
    post = _post_or_404(post_id)
    require(post_validity.can_confirm(current_user, post))
    form = StillCurrentForm()
    if not form.validate():
        return _page(post, 400, still_form=form)
    try:
        post_validity.still_current(db(), actor(), post, form.valid_until.instant,
                                    expected_version=_version(form))
    except DomainError as exc:
        db().rollback()
        post = _post_or_404(post_id)
        attach_error(form, exc)
        return _page(post, exc.status_code, still_form=form)
    db().commit()
    flash(f"Post #{post.id} is still current: its "
          f"{post_validity.date_name(post.current_revision.category)} is now "
          f"{clock.department_text(post.valid_until)}.", "success")
    if form.valid_until.note:
        flash(form.valid_until.note, "warning")
    back = url_for("posts.sergeant_queue") if request.form.get("back") == "review" \
        else url_for("posts.validity", post_id=post.id)
    return redirect(back, 303)


@bp.route("/<int:post_id>/resolve", methods=["POST"])
@role_required(*RESOLVERS)
def resolve(post_id: int):
    """Mark a missing-person or wanted notice resolved: its images come down everywhere."""
    post = _post_or_404(post_id)
    require(post_validity.can_resolve(db(), current_user, post))
    form = ResolveForm()
    if not form.validate():
        return _page(post, 400, resolve_form=form)
    try:
        post_validity.resolve(db(), actor(), post, form.note.data or "",
                              expected_version=_version(form))
    except DomainError as exc:
        db().rollback()
        post = _post_or_404(post_id)
        attach_error(form, exc)
        return _page(post, exc.status_code, resolve_form=form)
    db().commit()
    flash(f"Post #{post.id} is marked resolved. Its images were taken down from the public "
          "pages and feeds, and each platform where it was published will delete it. The "
          "archive keeps everything.", "success")
    return redirect(url_for("posts.validity", post_id=post.id), 303)

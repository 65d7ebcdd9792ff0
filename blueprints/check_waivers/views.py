"""A post's permissions page, the forms that record them, and News Affairs' list of requests."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from beatdesk import check_waivers as waivers
from beatdesk.checks import WaiverKind
from beatdesk.errors import DomainError
from beatdesk.roles import Role

from ..access import actor, require, role_required
from ..common_forms import attach_error
from ..database import db
from ..posts.views import _post_or_404
from . import bp
from .forms import (ConsentForm, ExceptionForm, ImagePermissionForm, OwnConsentForm, RequestForm,
                    RevokeForm)

NEWS = (Role.NEWS_AFFAIRS,)
CONSENT_RECORDERS = (Role.SERGEANT, Role.COMMANDER, Role.NEWS_AFFAIRS)
IMAGE_RECORDERS = (Role.COMMANDER, Role.NEWS_AFFAIRS, Role.ADMIN)
REVOKERS = (Role.SERGEANT, Role.COMMANDER, Role.NEWS_AFFAIRS, Role.ADMIN)
REQUESTERS = (Role.REPRESENTATIVE, Role.SERGEANT)


@bp.app_template_global("waiver_need")
def waiver_need(rule: str) -> str:
    """What a blocking finding of ``rule`` needs to be allowed ("" when nothing may allow it)."""
    kind = waivers.kind_of(rule)
    return waivers.NEEDS[kind] if kind is not None else ""


def _manage(post, status: int = 200, failed: tuple | None = None, error: str | None = None):
    """The permissions page; ``failed``: (form kind, finding number, form) shown with errors."""
    session = db()
    user = current_user
    rows = waivers.records(session, post.id)
    in_force = {r.id for r in waivers.active(session, post.id)}
    may = {kind: waivers.can_record(session, user, post, kind) for kind in WaiverKind}

    def form_for(kind: str, number: int, finding):
        if failed and failed[0] == kind and failed[1] == _key(finding.rule, finding.quote):
            return failed[2]
        cls = {"exception": ExceptionForm, "request": RequestForm, "consent": ConsentForm,
               "own_consent": OwnConsentForm}[kind]
        return cls(formdata=None, rule=finding.rule, quote=finding.quote, finding=str(number))

    return render_template(
        "check_waivers/manage.html", post=post, findings=waivers.waivable_findings(post),
        rows=rows, in_force=in_force, may=may, WaiverKind=WaiverKind,
        can_request=waivers.can_request(session, user, post),
        own_consent=waivers.can_consent_for_self(user, post), form_for=form_for,
        revoke_form=lambda row: failed[2] if failed and failed[0] == "revoke"
        and failed[1] == row.id else RevokeForm(formdata=None),
        kind_labels=waivers.KIND_LABELS, error=error,
        problems=_problems(failed[2]) if failed else []), status


def _key(rule: str | None, quote: str | None) -> tuple[str, str]:
    return (rule or "", " ".join((quote or "").casefold().split()))


def _number(form) -> tuple[str, str]:
    """Which finding a failed form was for (its rule and quoted words)."""
    return _key(form.rule.data, form.quote.data)


def _problems(form) -> list[str]:
    """Every error of a failed form, for the summary at the top of the page."""
    out = list(form.form_errors)
    for name, errors in form.errors.items():
        if not name or name == "csrf_token":
            continue
        label = form[name].label.text if name in form._fields and name not in (
            "rule", "quote", "finding") else ""
        out += [f"{label}: {e}" if label else e for e in errors]
    return out


def _done(post, message: str):
    db().commit()
    flash(message, "success")
    return redirect(url_for("check_waivers.manage", post_id=post.id), 303)


@bp.route("/<int:post_id>/permissions")
@role_required()
def manage(post_id: int):
    """The post's findings that admit a permission, what allows them, and every record."""
    return _manage(_post_or_404(post_id))[0]


@bp.route("/<int:post_id>/permissions/exception", methods=["POST"])
@role_required(*NEWS)
def exception(post_id: int):
    """News Affairs approves an exception for one finding."""
    post = _post_or_404(post_id)
    require(waivers.can_record(db(), current_user, post, WaiverKind.NEWS_AFFAIRS))
    form = ExceptionForm()
    if not form.validate():
        return _manage(post, 400, ("exception", _number(form), form))
    try:
        waivers.record_exception(db(), actor(), post, form.rule.data, form.quote.data,
                                 form.reason.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _manage(_post_or_404(post_id), exc.status_code, ("exception", _number(form), form))
    return _done(post, f"Exception approved for post #{post.id}. Reviewers see it beside the "
                       "finding.")


@bp.route("/<int:post_id>/permissions/request", methods=["POST"])
@role_required(*REQUESTERS)
def request_exception(post_id: int):
    """The author side asks News Affairs for an exception."""
    post = _post_or_404(post_id)
    require(waivers.can_request(db(), current_user, post))
    form = RequestForm()
    if not form.validate():
        return _manage(post, 400, ("request", _number(form), form))
    try:
        waivers.request_exception(db(), actor(), post, form.rule.data, form.quote.data,
                                  form.reason.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _manage(_post_or_404(post_id), exc.status_code, ("request", _number(form), form))
    return _done(post, f"News Affairs was asked for an exception on post #{post.id}.")


def _consent(post_id: int, form, kind: str, login: str | None):
    post = _post_or_404(post_id)
    if kind == "consent":
        require(waivers.can_record(db(), current_user, post, WaiverKind.EMPLOYEE_CONSENT))
    else:
        require(waivers.can_consent_for_self(current_user, post))
    form = form()
    if not form.validate():
        return _manage(post, 400, (kind, _number(form), form))
    named = kind == "consent"
    try:
        waivers.record_consent(
            db(), actor(), post, form.rule.data, form.quote.data,
            employee_name=(form.employee_name.data or "") if named else "",
            employee_login=(form.employee_login.data or "") if named else login,
            method=form.method.data, given_on=form.given_on.data, reason=form.reason.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _manage(_post_or_404(post_id), exc.status_code, (kind, _number(form), form))
    return _done(post, f"The employee's consent is recorded on post #{post.id}.")


@bp.route("/<int:post_id>/permissions/consent", methods=["POST"])
@role_required(*CONSENT_RECORDERS)
def consent(post_id: int):
    """The district's sergeant or commander, or News Affairs, records an employee's consent."""
    return _consent(post_id, ConsentForm, "consent", None)


@bp.route("/<int:post_id>/permissions/own-consent", methods=["POST"])
@role_required()
def own_consent(post_id: int):
    """An employee who is a Beatdesk user records their own consent."""
    return _consent(post_id, OwnConsentForm, "own_consent", current_user.login_id)


@bp.route("/<int:post_id>/permissions/images/<int:asset_id>", methods=["GET", "POST"])
@role_required(*IMAGE_RECORDERS)
def image(post_id: int, asset_id: int):
    """The Chief's (or a delegate's) written permission for one image of the post."""
    post = _post_or_404(post_id)
    require(waivers.can_record(db(), current_user, post, WaiverKind.IMAGE_PERMISSION))
    revision = post.current_revision
    picture = next((i for i in revision.images if i.asset_id == asset_id), None) \
        if revision is not None else None
    if picture is None:
        abort(404)
    finding = next((f for f in waivers.waivable_findings(post)
                    if f.kind is WaiverKind.IMAGE_PERMISSION and f.asset_id == asset_id), None)
    form = ImagePermissionForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                waivers.record_image_permission(
                    db(), actor(), post, asset_id, granted_by=form.granted_by.data,
                    given_on=form.given_on.data, reason=form.reason.data)
            except DomainError as exc:
                db().rollback()
                attach_error(form, exc)
                status = exc.status_code
                post = _post_or_404(post_id)
            else:
                db().commit()
                flash(f"The written permission for {picture.asset.original_name or 'the image'} "
                      f"is recorded on post #{post.id}.", "success")
                return redirect(url_for("posts.detail", post_id=post.id), 303)
        else:
            status = 400
    return render_template("check_waivers/image.html", post=post, picture=picture,
                           finding=finding, form=form), status


@bp.route("/<int:post_id>/permissions/<int:waiver_id>/revoke", methods=["POST"])
@role_required(*REVOKERS)
def revoke(post_id: int, waiver_id: int):
    """End a permission in force; the record stays, with the revocation beside it."""
    post = _post_or_404(post_id)
    row = next((r for r in waivers.active(db(), post.id) if r.id == waiver_id), None)
    if row is None:
        abort(404)
    require(waivers.can_record(db(), current_user, post, WaiverKind(row.kind)))
    form = RevokeForm()
    if not form.validate():
        return _manage(post, 400, ("revoke", waiver_id, form))
    try:
        waivers.revoke(db(), actor(), post, waiver_id, form.reason.data)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _manage(_post_or_404(post_id), exc.status_code, ("revoke", waiver_id, form))
    return _done(post, f"The permission on post #{post.id} is revoked; the finding blocks again.")


@bp.route("/exception-requests")
@role_required(*NEWS)
def requests():
    """Posts whose author side asked News Affairs for an exception, oldest first."""
    return render_template("check_waivers/requests.html",
                           asked=waivers.open_requests(db()))

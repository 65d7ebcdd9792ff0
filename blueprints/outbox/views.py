"""Failed sends (dead outbox rows) for administrators and News Affairs, and the receipts every
post page shows."""

from flask import abort, flash, redirect, render_template, url_for

from beatdesk.errors import DomainError, NotFound
from beatdesk.platforms import outbox
from beatdesk.roles import Role

from ..access import actor, role_required
from ..common_forms import ActionForm, attach_error
from ..database import db
from . import bp
from .forms import ResolveForm

MANAGERS = (Role.ADMIN, Role.NEWS_AFFAIRS)
RECENT_RESOLVED = 20  # resolved rows stay on the page for reference, newest first


@bp.app_context_processor
def receipts_helper():
    return {"outbox_receipts": lambda post_id: outbox.receipts(db(), post_id)}


def _page(forms: dict | None = None, status: int = 200, message: str = ""):
    rows = outbox.dead_rows(db(), resolved=RECENT_RESOLVED)
    forms = forms or {}
    resolve_forms = {row.id: forms.get(row.id) or ResolveForm(formdata=None) for row in rows}
    return render_template("outbox/dead.html", rows=rows, resolve_forms=resolve_forms,
                           action=ActionForm(), waiting=outbox.pending_count(db()),
                           held=outbox.held_rows(db()),
                           message=message), status


@bp.route("/outbox")
@role_required(*MANAGERS)
def dead():
    """Sends that failed for good, with their errors and attempts; retry or mark resolved."""
    return _page()


@bp.route("/outbox/<int:row_id>/retry", methods=["POST"])
@role_required(*MANAGERS)
def retry(row_id: int):
    """Send a failed row again (a post tried before is looked up on its platform first)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        row = outbox.retry_dead(db(), actor(), row_id)
    except NotFound:
        db().rollback()
        abort(404)
    except DomainError as exc:
        db().rollback()
        return _page(status=exc.status_code, message=exc.message)
    db().commit()
    flash(f"{row.kind.label} to {row.account.label if row.account else 'its recipient'} "
          "is queued again.", "success")
    return redirect(url_for("outbox.dead"), 303)


@bp.route("/outbox/<int:row_id>/resolve", methods=["POST"])
@role_required(*MANAGERS)
def resolve(row_id: int):
    """Mark a failed row dealt with by hand; the note saying what was done is required."""
    form = ResolveForm()
    if not form.validate_on_submit():
        return _page({row_id: form}, 400)
    try:
        outbox.resolve_dead(db(), actor(), row_id, form.note.data or "")
    except NotFound:
        db().rollback()
        abort(404)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _page({row_id: form}, exc.status_code,
                     message="" if exc.field else exc.message)
    db().commit()
    flash(f"Row #{row_id} was marked resolved by hand.", "success")
    return redirect(url_for("outbox.dead"), 303)

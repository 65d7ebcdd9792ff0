"""Waiting on the requester: start a wait (clarification, fee estimate, narrowing) and record
the answer. Each re-renders the request page with the form and its errors when refused."""
from flask import flash, g, redirect, url_for
from flask_login import current_user

from beatdesk import clock, records, records_tolling
from beatdesk.errors import DomainError
from beatdesk.models import WaitReason
from beatdesk.roles import Role

from ..access import actor, require, role_required
from ..common_forms import attach_error
from ..database import db
from ..records.views import _render_detail, _request_or_404, records_rules, timezone
from . import bp
from .forms import AnswerForm, ClarificationForm, FeeEstimateForm, NarrowingForm

START_FORMS = {"clarification": ClarificationForm, "fee": FeeEstimateForm,
               "narrowing": NarrowingForm}


@bp.app_template_global("tolling_section")
def tolling_section(req) -> dict:
    """What the request page shows about the clock: the wait in progress (with the law that
    stops the clock), past waits, the days skipped, and the officer's forms."""
    rules = records_rules()
    status = records_tolling.clock_status(db(), req, rules)
    failed = g.get("tolling_form")
    failed_name = g.get("tolling_form_name")
    can_manage = records.can_manage_requests(current_user) and req.state.is_open
    forms = {}
    if can_manage:
        if status.waiting is not None:
            forms["answer"] = (failed if failed_name == "answer" else
                               AnswerForm(formdata=None, prefix="wait-answer-")
                               ).for_reason(status.waiting.reason)
        else:
            for name, cls in START_FORMS.items():
                forms[name] = failed if failed_name == name else cls(formdata=None,
                                                                      prefix=f"wait-{name}-")
    own = records_tolling.rules_of(req, rules)
    return {"status": status, "rules": own, "can_manage": can_manage, "forms": forms,
            "open_form": failed_name, "skipped": records_tolling.due_explanation(req, rules),
            "dollars": records_tolling.dollars}


def _refused(req, name, form, status):
    g.tolling_form, g.tolling_form_name = form, name
    return _render_detail(req, status=status)


def _done(req, message):
    db().commit()
    flash(message, "success")
    return redirect(url_for("records.detail", request_id=req.id) + "#clock", 303)


@bp.route("/<int:request_id>/wait/<any(clarification, fee, narrowing):name>",
          methods=["POST"])
@role_required(Role.RECORDS)
def start(request_id: int, name: str):
    """Ask for a clarification, send a fee estimate, or offer to narrow the request."""
    req = _request_or_404(request_id)
    require(records.can_manage_requests(current_user))
    form = START_FORMS[name](prefix=f"wait-{name}-")
    if not form.validate():
        return _refused(req, name, form, 400)
    try:
        if name == "clarification":
            period = records_tolling.ask_clarification(
                db(), actor(), req, records_rules(), form.question.data,
                sent_on=form.sent_on.data, timezone=timezone(), letter=form.letter.data)
        elif name == "fee":
            period = records_tolling.send_fee_estimate(
                db(), actor(), req, records_rules(), form.amount.data, form.note.data or "",
                sent_on=form.sent_on.data, timezone=timezone(), letter=form.letter.data)
        else:
            period = records_tolling.offer_narrowing(
                db(), actor(), req, records_rules(), form.proposal.data,
                sent_on=form.sent_on.data, timezone=timezone())
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _refused(req, name, form, exc.status_code)
    clock_text = (f"The clock is stopped ({period.citation})." if period.stops_clock
                  else "The clock keeps running under these rules.")
    what = {WaitReason.CLARIFICATION: "The question was sent to the requester",
            WaitReason.FEE: "The fee estimate was recorded",
            WaitReason.NARROWING: "The offer to narrow the request was recorded"}[period.reason]
    return _done(req, f"{what}. {req.label} is waiting for the requester. {clock_text}")


@bp.route("/<int:request_id>/wait/answer", methods=["POST"])
@role_required(Role.RECORDS)
def answer(request_id: int):
    """Record the requester's answer; the clock runs again and the due date moves."""
    req = _request_or_404(request_id)
    require(records.can_manage_requests(current_user))
    waiting = records_tolling.open_wait(db(), req)
    form = AnswerForm(prefix="wait-answer-")
    form.for_reason(waiting.reason if waiting else WaitReason.CLARIFICATION)
    if not form.validate():
        return _refused(req, "answer", form, 400)
    try:
        records_tolling.record_answer(db(), actor(), req, records_rules(), form.outcome.data,
                                      answered_on=form.answered_on.data,
                                      note=form.note.data or "", paid=form.paid.data or None,
                                      timezone=timezone())
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return _refused(req, "answer", form, exc.status_code)
    return _done(req, f"The answer was recorded. {req.label} is due "
                      f"{clock.local_date_text(req.due_on, weekday=True)}.")


@bp.app_template_global("waiting_on_requester")
def waiting_on_requester(requests) -> list:
    """The dashboard's waiting requests, each with its wait in progress."""
    return [(r, records_tolling.open_wait(db(), r)) for r in requests]

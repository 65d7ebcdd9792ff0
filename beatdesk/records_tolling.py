"""The request's life as the law counts it: waiting on the requester stops the clock.

A records officer asks the requester to clarify a request, sends a fee estimate, or offers to
narrow an unduly burdensome request. Each is a :class:`TollingPeriod`: the request waits for the
requester (state ``waiting_for_requester``) until the answer arrives (clarification answered, fee
paid or waived, narrowing agreed or declined), then returns to the state it was in. Where the
state's rules allow it (:attr:`beatdesk.due_dates.RecordsRules.tolling`, with the law cited) the
clock stops meanwhile, and on the answer the due date moves by the tolled business days
(:func:`beatdesk.due_dates.due_date`). An answer that arrives on a weekend or holiday counts as
received on the next business day.

Every change is a request event and an audit (so archive) record in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from beatdesk import audit, clock, letters
from beatdesk.context import Actor
from beatdesk.due_dates import (STATE_RULES, RecordsRules, Toll, TollingRule,
                                business_days_between, due_date, receipt_date, resume_day,
                                skipped_days)
from beatdesk.errors import Conflict, ValidationFailed
from beatdesk.models import (OUTCOMES_FOR, RecordsRequest, RequestState, TollingPeriod,
                             WaitOutcome, WaitReason)
from beatdesk.records import _event, _require_officer, _require_open

S = RequestState
REQUESTER = Actor(user=None, client_addr="")
MAX_FEE_CENTS = 100_000_000  # a million dollars: anything above is a typing mistake

START_ACTIONS = {WaitReason.CLARIFICATION: "clarification_asked",
                 WaitReason.FEE: "fee_estimate_sent",
                 WaitReason.NARROWING: "narrowing_offered"}
END_ACTIONS = {WaitOutcome.ANSWERED: "clarification_answered", WaitOutcome.PAID: "fee_paid",
               WaitOutcome.WAIVED: "fee_waived", WaitOutcome.AGREED: "narrowing_agreed",
               WaitOutcome.DECLINED: "narrowing_declined", WaitOutcome.CLOSED: "wait_closed"}


# --- reading ---------------------------------------------------------------------------------

def periods_of(session: Session, request: RecordsRequest) -> list[TollingPeriod]:
    """Every wait on the requester, oldest first."""
    return list(session.scalars(select(TollingPeriod)
                                .where(TollingPeriod.request_id == request.id)
                                .order_by(TollingPeriod.started_on, TollingPeriod.id)))


def open_wait(session: Session, request: RecordsRequest) -> TollingPeriod | None:
    """The wait in progress, if any (there is at most one)."""
    return session.scalars(select(TollingPeriod).where(TollingPeriod.request_id == request.id,
                                                       TollingPeriod.ended_at.is_(None))).first()


def tolls(periods: list[TollingPeriod]) -> list[Toll]:
    """The closed waits that stopped the clock, as the due-date arithmetic takes them."""
    return [Toll(p.started_on, p.ended_on, p.reason.value, p.restarts)
            for p in periods if p.stops_clock and p.ended_on is not None
            and p.outcome is not WaitOutcome.CLOSED]


def rules_of(request: RecordsRequest, rules: RecordsRules) -> RecordsRules:
    """The rules the request was logged under (the configured ones when they are the same
    state, so a department's own closing days count)."""
    if request.rules_key == rules.key:
        return rules
    return STATE_RULES.get(request.rules_key, rules)


def computed_due_on(request: RecordsRequest, rules: RecordsRules,
                    periods: list[TollingPeriod]) -> date:
    """The due date from receipt, the request's period, its extension and its closed tolls."""
    return due_date(request.received_on, rules_of(request, rules), commercial=request.commercial,
                    extension_days=request.extension_days or 0, tolls=tolls(periods))


def due_explanation(request: RecordsRequest, rules: RecordsRules) -> list[tuple[date, str]]:
    """The days between receipt and the due date that were not counted, and why: Saturdays and
    Sundays, named holidays, the day a request or answer counts as received, and the days the
    clock stood still while waiting on the requester."""
    session = object_session(request)
    periods = periods_of(session, request) if session is not None else []
    return skipped_days(request.received_on, request.due_on, rules_of(request, rules),
                        tolls=tolls(periods))


@dataclass(frozen=True)
class ClockStatus:
    """Where the clock stands for the request page."""

    waiting: TollingPeriod | None
    rule: TollingRule | None  # the law that stops the clock for the wait in progress
    days_after_answer: int | None  # business days to respond once the answer arrives
    periods: list[TollingPeriod]
    lapses_on: date | None = None  # no answer by then: the request counts as withdrawn


def clock_status(session: Session, request: RecordsRequest, rules: RecordsRules) -> ClockStatus:
    periods = periods_of(session, request)
    waiting = next((p for p in periods if p.is_open), None)
    rule = days = lapses_on = None
    if waiting is not None:
        own = rules_of(request, rules)
        rule = own.tolling_for(waiting.reason.value) if waiting.stops_clock else None
        lapses_on = rule.lapses_on(waiting.started_on, own) if rule is not None else None
        if rule is not None and rule.restarts:
            days = own.days_for(request.commercial) + (request.extension_days or 0)
        elif rule is not None:
            days = max(0, business_days_between(waiting.started_on, request.due_on, own))
    return ClockStatus(waiting=waiting, rule=rule, days_after_answer=days, periods=periods,
                       lapses_on=lapses_on)


# --- input -------------------------------------------------------------------------------------

def parse_amount(text: str | None, *, field: str = "amount") -> int:
    """Dollars and cents as typed ("25", "$12.50", "1,200.00") -> cents. Raises ValidationFailed."""
    raw = (text or "").strip().replace(",", "").removeprefix("$").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed("Enter the amount in dollars, e.g. 12.50.", field=field) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationFailed("Enter the amount in dollars and cents, e.g. 12.50 (not "
                               "negative).", field=field)
    cents = int(value * 100)
    if cents > MAX_FEE_CENTS:
        raise ValidationFailed("That amount is too large; check it.", field=field)
    return cents


def dollars(cents: int | None) -> str:
    return "" if cents is None else f"${cents // 100:,}.{cents % 100:02d}"


def _today(timezone: str | None) -> date:
    return receipt_date(clock.utcnow(), timezone or clock.department_zone().key)


def _check_day(day: date | None, *, today: date, earliest: date, field: str,
               earliest_text: str) -> date:
    day = day or today
    if day > today:
        raise ValidationFailed("That date is in the future.", field=field)
    if day < earliest:
        raise ValidationFailed(f"That date is before {earliest_text} "
                               f"({earliest.strftime('%b %-d, %Y')}).", field=field)
    return day


# --- starting a wait ---------------------------------------------------------------------------

def _start_wait(session: Session, actor: Actor, request: RecordsRequest, rules: RecordsRules,
                reason: WaitReason, note: str, *, sent_on: date | None, timezone: str | None,
                fee_cents: int | None = None) -> TollingPeriod:
    _require_officer(actor)
    _require_open(request)
    if request.state is S.WAITING or open_wait(session, request) is not None:
        raise Conflict(f"{request.label} is already waiting for the requester; record that "
                       "answer first.")
    sent_on = _check_day(sent_on, today=_today(timezone), earliest=request.received_on,
                         field="sent_on", earliest_text="the request was received")
    latest = max((p.ended_on for p in periods_of(session, request) if p.ended_on), default=None)
    if latest is not None and sent_on < latest:
        raise ValidationFailed("That date is before the answer to the last question "
                               f"({latest.strftime('%b %-d, %Y')}).", field="sent_on")
    rule = rules_of(request, rules).tolling_for(reason.value)
    period = TollingPeriod(
        request_id=request.id, reason=reason, stops_clock=rule is not None,
        restarts=bool(rule and rule.restarts), citation=rule.citation if rule else "",
        resume_state=request.state.value, note=note, fee_cents=fee_cents, started_on=sent_on,
        started_at=clock.utcnow(), started_by_id=actor.user.id, answer_note="")
    session.add(period)
    previous = request.state
    request.state = S.WAITING
    request.updated_at = clock.utcnow()
    session.flush()
    clock_text = (f"The clock stops under {rule.citation}." if rule
                  else "The clock keeps running: these rules do not stop it for this.")
    summary = {WaitReason.CLARIFICATION: "Clarification asked",
               WaitReason.FEE: f"Fee estimate of {dollars(fee_cents)} sent",
               WaitReason.NARROWING: "Narrowing of an unduly burdensome request offered"}[reason]
    _event(session, actor, request, START_ACTIONS[reason], previous,
           f"{summary} on {sent_on.isoformat()}. {clock_text} {note}".strip())
    audit.record_event(session, actor, "records.wait_started", obj=request,
                       details={"period": period.id, "reason": reason.value,
                                "sent_on": sent_on.isoformat(), "stops_clock": period.stops_clock,
                                "citation": period.citation, "fee_cents": fee_cents})
    return period


def ask_clarification(session: Session, actor: Actor, request: RecordsRequest,
                      rules: RecordsRules, question: str, *, sent_on: date | None = None,
                      timezone: str | None = None, letter: bool = False) -> TollingPeriod:
    """Ask the requester to clarify the request; the question goes to them as a message (and,
    with ``letter``, as a clarification letter: :func:`beatdesk.letters.make_letter`).

    Raises PermissionDenied, Conflict (closed, or already waiting) and ValidationFailed (no
    question, a date in the future or before receipt).
    """
    from beatdesk.records_portal import post_message

    question = (question or "").strip()
    if not question:
        raise ValidationFailed("Write the question for the requester.", field="question")
    period = _start_wait(session, actor, request, rules, WaitReason.CLARIFICATION, question,
                         sent_on=sent_on, timezone=timezone)
    post_message(session, request, sender="officer", body=question, actor=actor)
    if letter:
        letters.make_letter(session, actor, request, "clarification",
                            {"clarification_question": question})
    return period


def send_fee_estimate(session: Session, actor: Actor, request: RecordsRequest,
                      rules: RecordsRules, amount: str | int, note: str = "", *,
                      sent_on: date | None = None, timezone: str | None = None,
                      letter: bool = False) -> TollingPeriod:
    """Record the fee estimate sent to the requester (``amount`` typed in dollars, or cents);
    with ``letter``, make and send the fee estimate letter too.

    Raises PermissionDenied, Conflict and ValidationFailed (an amount that is not money).
    """
    cents = amount if isinstance(amount, int) else parse_amount(amount)
    if cents < 0:
        raise ValidationFailed("A fee cannot be negative.", field="amount")
    note = (note or "").strip()
    period = _start_wait(session, actor, request, rules, WaitReason.FEE, note, sent_on=sent_on,
                         timezone=timezone, fee_cents=cents)
    if letter:
        letters.make_letter(session, actor, request, "fee_estimate",
                            {"fee_amount": f"{cents // 100}.{cents % 100:02d}",
                             "fee_details": note})
    return period


def offer_narrowing(session: Session, actor: Actor, request: RecordsRequest,
                    rules: RecordsRules, proposal: str, *, sent_on: date | None = None,
                    timezone: str | None = None) -> TollingPeriod:
    """Offer to confer to reduce an unduly burdensome request to manageable proportions.

    Raises PermissionDenied, Conflict and ValidationFailed (no proposal).
    """
    proposal = (proposal or "").strip()
    if not proposal:
        raise ValidationFailed("Describe why the request is unduly burdensome and how it could "
                               "be narrowed.", field="proposal")
    return _start_wait(session, actor, request, rules, WaitReason.NARROWING, proposal,
                       sent_on=sent_on, timezone=timezone)


# --- ending a wait -----------------------------------------------------------------------------

def _finish(session: Session, actor: Actor, request: RecordsRequest, rules: RecordsRules,
            period: TollingPeriod, outcome: WaitOutcome, answered_on: date, note: str,
            paid_cents: int | None = None) -> TollingPeriod:
    previous = request.state
    old_due = request.due_on
    period.ended_on, period.ended_at = answered_on, clock.utcnow()
    period.ended_by_id = actor.user.id if actor.user else None
    period.outcome, period.answer_note, period.fee_paid_cents = outcome, note, paid_cents
    request.state = RequestState(period.resume_state)
    request.due_on = computed_due_on(request, rules, periods_of(session, request))
    request.updated_at = clock.utcnow()
    session.flush()
    own = rules_of(request, rules)
    resumed = resume_day(answered_on, own)
    if period.stops_clock:
        text = (f"{outcome.label} on {answered_on.isoformat()}"
                + (f" (counts as {resumed.isoformat()})" if resumed != answered_on else "")
                + f"; the clock runs again under {period.citation}: due "
                  f"{request.due_on.isoformat()} (was {old_due.isoformat()}).")
    else:
        text = f"{outcome.label} on {answered_on.isoformat()}; the clock did not stop."
    if paid_cents is not None:
        text += f" Paid {dollars(paid_cents)}."
    _event(session, actor, request, END_ACTIONS[outcome], previous,
           f"{text} {note}".strip())
    audit.record_event(session, actor, "records.wait_ended", obj=request,
                       login=None if actor.user else "requester",
                       details={"period": period.id, "reason": period.reason.value,
                                "outcome": outcome.value, "answered_on": answered_on.isoformat(),
                                "due_on": request.due_on.isoformat(),
                                "was_due_on": old_due.isoformat(), "paid_cents": paid_cents})
    return period


def record_answer(session: Session, actor: Actor, request: RecordsRequest, rules: RecordsRules,
                  outcome: WaitOutcome | str, *, answered_on: date | None = None,
                  note: str = "", paid: str | int | None = None,
                  timezone: str | None = None) -> TollingPeriod:
    """The requester answered: the clarification arrived, the fee was paid (``paid``: the amount,
    the estimate when empty) or waived, the narrowing was agreed or declined. The request
    returns to its state before the wait and the due date moves by the tolled business days.

    Raises PermissionDenied, Conflict (closed, nothing awaited) and ValidationFailed (an answer
    that does not fit the wait, a date in the future or before the question).
    """
    _require_officer(actor)
    _require_open(request)
    period = open_wait(session, request)
    if period is None:
        raise Conflict(f"{request.label} is not waiting for the requester.")
    try:
        outcome = WaitOutcome(outcome)
    except ValueError:
        raise ValidationFailed("Choose what the requester answered.", field="outcome") from None
    if outcome not in OUTCOMES_FOR[period.reason]:
        choices = " or ".join(o.label.lower() for o in OUTCOMES_FOR[period.reason])
        raise ValidationFailed(f"The request waits for a {period.reason.label.lower()}: "
                               f"record it as {choices}.", field="outcome")
    answered_on = _check_day(answered_on, today=_today(timezone), earliest=period.started_on,
                             field="answered_on", earliest_text="the question was sent")
    paid_cents = None
    if outcome is WaitOutcome.PAID:
        if paid in (None, ""):
            paid_cents = period.fee_cents
        else:
            paid_cents = paid if isinstance(paid, int) else parse_amount(paid, field="paid")
    note = (note or "").strip()
    if outcome is WaitOutcome.WAIVED and not note:
        raise ValidationFailed("State why the fee is waived (5 ILCS 140/6(c): waiver in the "
                               "public interest).", field="note")
    return _finish(session, actor, request, rules, period, outcome, answered_on, note,
                   paid_cents)


def on_requester_reply(session: Session, request: RecordsRequest, message) -> None:
    """The requester replied through the portal: a pending clarification counts as answered on
    the day the reply arrived (in the department's zone), and the clock resumes. Other waits
    (a fee, a narrowing) need the officer to record the outcome."""
    period = open_wait(session, request)
    if period is None or period.reason is not WaitReason.CLARIFICATION:
        return
    if request.state is not S.WAITING:
        return
    arrived = getattr(message, "created_at", None) or clock.utcnow()
    answered_on = max(receipt_date(arrived, clock.department_zone().key), period.started_on)
    rules = STATE_RULES.get(request.rules_key)
    if rules is None:
        return
    _finish(session, REQUESTER, request, rules, period, WaitOutcome.ANSWERED, answered_on,
            "Answered through the requester portal.")


def end_wait_on_close(session: Session, actor: Actor, request: RecordsRequest) -> None:
    """A request closed while waiting (withdrawn, say): the wait ends with it; the due date
    stays as it was."""
    period = open_wait(session, request)
    if period is None:
        return
    today = _today(None)
    period.ended_on = max(today, period.started_on)
    period.ended_at = clock.utcnow()
    period.ended_by_id = actor.user.id if actor.user else None
    period.outcome = WaitOutcome.CLOSED
    session.flush()

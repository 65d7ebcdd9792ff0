"""Acceptance 2: the clock stops while waiting on the requester, where the state's rules allow
it, and the due date moves by the tolled business days (Illinois and Texas, across weekends and
holidays, an answer on a holiday); the waits through the officer's pages and the portal reply."""
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from beatdesk import records, records_portal, records_tolling
from beatdesk.context import Actor
from beatdesk.due_dates import (ILLINOIS, TEXAS, RecordsRules, Toll, due_date, is_business_day,
                                skipped_days, tolled_days)
from beatdesk.errors import Conflict, ValidationFailed
from beatdesk.models import (AuditEvent, RecordsRequest, RequestEvent, RequestState,
                             TollingPeriod, WaitOutcome)
from beatdesk.records import RequestData
from beatdesk.roles import Role

from .conftest import reread, sign_in
from .routes.requests import ensure_exemptions

S = RequestState
MON_NOV_16 = date(2026, 11, 16)  # an ordinary Monday; due Monday Nov 23 under Illinois


@pytest.fixture(autouse=True)
def exemptions(db_session):
    ensure_exemptions(db_session)


# --- the arithmetic ---------------------------------------------------------------------------

def test_illinois_clarification_across_a_weekend_moves_the_due_date_by_the_tolled_days():
    assert due_date(MON_NOV_16, ILLINOIS) == date(2026, 11, 23)
    # Asked Thursday 19 (day 3 counted), answered Tuesday 24: Fri 20, Mon 23, Tue 24 tolled.
    toll = Toll(date(2026, 11, 19), date(2026, 11, 24))
    # Wed 25 day 4; Thu 26 Thanksgiving; Fri 27 day 5.
    assert due_date(MON_NOV_16, ILLINOIS, tolls=[toll]) == date(2026, 11, 27)
    skipped = dict(skipped_days(MON_NOV_16, date(2026, 11, 27), ILLINOIS, tolls=[toll]))
    assert skipped[date(2026, 11, 21)] == "Saturday"
    assert skipped[date(2026, 11, 22)] == "Sunday"
    assert skipped[date(2026, 11, 26)] == "Holiday: Thanksgiving Day"
    assert skipped[date(2026, 11, 20)] == "Clock stopped: waiting for the requester's clarification"
    assert "the answer arrived this day" in skipped[date(2026, 11, 24)]
    assert date(2026, 11, 25) not in skipped and date(2026, 11, 19) not in skipped


def test_illinois_clarification_answered_on_thanksgiving_resumes_after_the_next_business_day():
    """Received Mon Nov 23; asked Tue 24 (day 1); answered Thu 26 (Thanksgiving): the answer
    counts as received Fri 27, counting resumes Mon 30: days 2-5 are Nov 30 - Dec 3."""
    toll = Toll(date(2026, 11, 24), date(2026, 11, 26))
    assert due_date(date(2026, 11, 23), ILLINOIS) == date(2026, 12, 1)
    assert due_date(date(2026, 11, 23), ILLINOIS, tolls=[toll]) == date(2026, 12, 3)
    skipped = dict(skipped_days(date(2026, 11, 23), date(2026, 12, 3), ILLINOIS, tolls=[toll]))
    assert skipped[date(2026, 11, 26)] == "Holiday: Thanksgiving Day"
    assert skipped[date(2026, 11, 27)].startswith("Clock stopped")
    assert "Thursday, Nov 26 counts as received this day" in skipped[date(2026, 11, 27)]
    # Answered on the Saturday after: the same as answered Monday (counts from Tuesday).
    saturday = Toll(date(2026, 11, 24), date(2026, 11, 28))
    monday = Toll(date(2026, 11, 24), date(2026, 11, 30))
    assert due_date(date(2026, 11, 23), ILLINOIS, tolls=[saturday]) == \
        due_date(date(2026, 11, 23), ILLINOIS, tolls=[monday]) == date(2026, 12, 4)


def test_illinois_fee_toll_across_christmas():
    # Received Mon Dec 21: due Dec 29 (Christmas skipped). Estimate sent Tue 22 (day 1), paid
    # Mon Dec 28: Wed 23, Thu 24, Mon 28 tolled; days 2-5 Dec 29, 30, 31, Jan 4 (New Year).
    received = date(2026, 12, 21)
    assert due_date(received, ILLINOIS) == date(2026, 12, 29)
    toll = Toll(date(2026, 12, 22), date(2026, 12, 28), reason="fee")
    due = due_date(received, ILLINOIS, tolls=[toll])
    assert due == date(2027, 1, 4)
    skipped = dict(skipped_days(received, due, ILLINOIS, tolls=[toll]))
    assert skipped[date(2027, 1, 1)] == "Holiday: New Year's Day"
    assert skipped[date(2026, 12, 23)] == "Clock stopped: waiting for the fee to be paid or waived"


def test_texas_clarification_starts_the_period_over_and_skips_texas_holidays():
    """Texas counts a clarified request from the day the clarification arrives (552.222;
    City of Dallas v. Abbott). Received Mon Nov 16 (due Dec 2: Thanksgiving and the day after
    are Texas holidays); asked Fri 20; answered Wed 25: counts as received Wed 25; Nov 26 and
    27 are holidays; days 1-10 are Nov 30 - Dec 11."""
    assert due_date(MON_NOV_16, TEXAS) == date(2026, 12, 2)
    toll = Toll(date(2026, 11, 20), date(2026, 11, 25), restarts=True)
    assert due_date(MON_NOV_16, TEXAS, tolls=[toll]) == date(2026, 12, 11)
    skipped = dict(skipped_days(MON_NOV_16, date(2026, 12, 11), TEXAS, tolls=[toll]))
    assert skipped[date(2026, 11, 27)] == "Holiday: Friday After Thanksgiving"
    assert skipped[date(2026, 11, 17)].startswith("Not counted: the period starts over")
    # The rules say so: Texas restarts on a clarification, tolls on a cost estimate.
    assert TEXAS.tolling_for("clarification").restarts
    assert not TEXAS.tolling_for("fee").restarts
    assert "552.2615" in TEXAS.tolling_for("fee").citation
    assert "552.222" in TEXAS.tolling_for("clarification").citation


def test_texas_clarification_answered_on_a_holiday():
    # Answered on Thanksgiving: counts as received Mon Nov 30 (Fri 27 is a Texas holiday);
    # days 1-10 are Dec 1 - Dec 14.
    toll = Toll(date(2026, 11, 20), date(2026, 11, 26), restarts=True)
    assert due_date(MON_NOV_16, TEXAS, tolls=[toll]) == date(2026, 12, 14)


def test_texas_cost_estimate_tolls_without_restarting():
    # Received Mon Nov 16, estimate Tue 17 (day 1), accepted Thu 19: Wed 18, Thu 19 tolled.
    toll = Toll(date(2026, 11, 17), date(2026, 11, 19), reason="fee")
    assert due_date(MON_NOV_16, TEXAS, tolls=[toll]) == date(2026, 12, 4)


def test_illinois_rules_cite_the_statute_for_each_wait():
    assert ILLINOIS.tolling_for("clarification").citation == "5 ILCS 140/3(e)"
    assert "140/6" in ILLINOIS.tolling_for("fee").citation
    assert "3(g)" in ILLINOIS.tolling_for("narrowing").citation
    no_tolling = RecordsRules(key="XX", label="No tolling", statute="-", subdivision="IL",
                              response_days=5, extension_days=0, commercial_days=None)
    assert no_tolling.tolling_for("clarification") is None


def test_no_negative_or_pre_receipt_due_dates():
    with pytest.raises(ValueError):
        due_date(MON_NOV_16, ILLINOIS, tolls=[Toll(date(2026, 11, 20), date(2026, 11, 18))])
    # A toll that began before receipt cannot count days before receipt.
    early = Toll(date(2026, 11, 10), date(2026, 11, 12))
    assert due_date(MON_NOV_16, ILLINOIS, tolls=[early]) == date(2026, 11, 23)
    assert min(tolled_days(MON_NOV_16, ILLINOIS, [early]), default=MON_NOV_16) >= MON_NOV_16
    # A toll after the due date changes nothing.
    late = Toll(date(2026, 11, 24), date(2026, 11, 30))
    assert due_date(MON_NOV_16, ILLINOIS, tolls=[late]) == date(2026, 11, 23)


def _counted(received, due, rules, tolls):
    stopped = tolled_days(received, rules, tolls)
    day, count = received, 0
    while day < due:
        day += timedelta(days=1)
        if is_business_day(day, rules) and day not in stopped and \
                day > _first_counted_floor(received, rules):
            count += 1
    return count


def _first_counted_floor(received, rules):
    """The effective day of receipt: days up to it are not counted."""
    day = received
    while not is_business_day(day, rules):
        day += timedelta(days=1)
    return day


@st.composite
def scenarios(draw):
    received = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 700)))
    rules = draw(st.sampled_from([ILLINOIS, TEXAS]))
    commercial = draw(st.booleans())
    tolls, cursor = [], received
    for _ in range(draw(st.integers(0, 4))):
        start = cursor + timedelta(days=draw(st.integers(0, 12)))
        end = start + timedelta(days=draw(st.integers(0, 15)))
        reason = draw(st.sampled_from(["clarification", "fee", "narrowing"]))
        rule = rules.tolling_for(reason)
        tolls.append(Toll(start, end, reason, rule.restarts))
        cursor = end
    return received, rules, commercial, tolls


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_property_tolling_only_delays_and_counts_exactly_the_rules_days(scenario):
    """For random sequences of tolls and resumptions: the due date is never before the one
    without tolls, never on or before receipt, falls on a business day, and the business days
    counted (not tolled) between receipt and the due date are exactly the rules' days."""
    received, rules, commercial, tolls = scenario
    original = due_date(received, rules, commercial=commercial)
    due = due_date(received, rules, commercial=commercial, tolls=tolls)
    assert due >= original > received
    assert is_business_day(due, rules)
    assert due not in tolled_days(received, rules, tolls)
    assert _counted(received, due, rules, tolls) == rules.days_for(commercial)
    # Every day not counted is explained.
    explained = {day for day, _ in skipped_days(received, due, rules, tolls=tolls)}
    uncounted = {received + timedelta(days=n) for n in range(1, (due - received).days + 1)}
    stopped = tolled_days(received, rules, tolls)
    floor = _first_counted_floor(received, rules)
    uncounted = {d for d in uncounted
                 if not is_business_day(d, rules) or d in stopped or d <= floor}
    assert uncounted == explained


# --- the operations ---------------------------------------------------------------------------

@pytest.fixture
def officer(factory):
    return factory.user(Role.RECORDS)


def _request(session, officer, received=datetime(2026, 11, 16, 15, 0, tzinfo=UTC),
             rules=ILLINOIS, commercial=False) -> RecordsRequest:
    req = records.create_request(session, Actor(officer), RequestData(
        "Pat", "pat@example.org", "email", received, "All posts about the parade.",
        commercial=commercial), rules)
    session.commit()
    return req


def test_clarification_asked_then_answered_through_the_portal(db_session, officer,
                                                             frozen_clock):
    frozen_clock.now = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)  # Thursday
    req = _request(db_session, officer)
    assert req.due_on == date(2026, 11, 23)
    period = records_tolling.ask_clarification(db_session, Actor(officer), req, ILLINOIS,
                                               "Which parade: 2025 or 2026?")
    db_session.commit()
    assert req.state is S.WAITING and period.stops_clock and period.citation == "5 ILCS 140/3(e)"
    assert period.started_on == date(2026, 11, 19) and period.resume_state == "received"
    messages = records_portal.messages_of(db_session, req)
    assert [(m.sender.value, m.body) for m in messages] == [
        ("officer", "Which parade: 2025 or 2026?")]
    # While waiting, the dashboard lists it as waiting, not overdue, even past the due date.
    frozen_clock.now = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    board = records.dashboard(db_session, ILLINOIS)
    assert [r.id for r in board.waiting] == [req.id] and board.overdue == []
    # The requester replies on Thanksgiving Day (in Chicago): counts as received Friday 27.
    frozen_clock.now = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
    records_portal.post_message(db_session, req, sender="requester", body="The 2026 one.")
    db_session.commit()
    reread(db_session)
    req = db_session.get(RecordsRequest, req.id)
    period = db_session.get(TollingPeriod, period.id)
    assert req.state is S.RECEIVED
    assert (period.outcome, period.ended_on, period.ended_by_id) == (
        WaitOutcome.ANSWERED, date(2026, 11, 26), None)
    # Thu 19 day 3; Fri 20 .. Fri 27 stopped; Mon 30 day 4; Tue Dec 1 day 5.
    assert req.due_on == date(2026, 12, 1) and req.original_due_on == date(2026, 11, 23)
    actions = [e.action for e in db_session.scalars(select(RequestEvent).order_by(RequestEvent.id))]
    assert [a for a in actions if a.startswith("clarification")] == [
        "clarification_asked", "clarification_answered"]
    audited = db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "records.wait_ended")).one()
    assert audited.actor_login == "requester" and audited.details["due_on"] == "2026-12-01"
    explanation = dict(records_tolling.due_explanation(req, ILLINOIS))
    assert explanation[date(2026, 11, 26)] == "Holiday: Thanksgiving Day"
    assert "counts as received this day" in explanation[date(2026, 11, 27)]


def test_a_reply_without_a_pending_clarification_changes_no_date(db_session, officer,
                                                                  frozen_clock):
    req = _request(db_session, officer)
    records_tolling.send_fee_estimate(db_session, Actor(officer), req, ILLINOIS, "12.50")
    db_session.commit()
    records_portal.post_message(db_session, req, sender="requester", body="Too much!")
    db_session.commit()
    assert req.state is S.WAITING and records_tolling.open_wait(db_session, req) is not None


def test_fee_paid_and_fee_waived(db_session, officer, frozen_clock):
    frozen_clock.now = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    req = _request(db_session, officer, received=datetime(2026, 11, 16, 15, 0, tzinfo=UTC),
                   commercial=True)  # 21 business days: due Dec 16
    assert req.due_on == date(2026, 12, 16)
    actor = Actor(officer)
    with pytest.raises(ValidationFailed, match="dollars"):
        records_tolling.send_fee_estimate(db_session, actor, req, ILLINOIS, "twelve")
    with pytest.raises(ValidationFailed, match="not negative"):
        records_tolling.send_fee_estimate(db_session, actor, req, ILLINOIS, "-3")
    period = records_tolling.send_fee_estimate(db_session, actor, req, ILLINOIS, "$1,212.50",
                                               "2,425 pages at 50 cents after the first 50",
                                               sent_on=date(2026, 11, 17))
    db_session.commit()
    assert period.fee_cents == 121250 and req.state is S.WAITING
    with pytest.raises(ValidationFailed, match="fee paid or fee waived"):
        records_tolling.record_answer(db_session, actor, req, ILLINOIS, "answered")
    with pytest.raises(ValidationFailed, match="before the question"):
        records_tolling.record_answer(db_session, actor, req, ILLINOIS, "paid",
                                      answered_on=date(2026, 11, 16))
    with pytest.raises(ValidationFailed, match="future"):
        records_tolling.record_answer(db_session, actor, req, ILLINOIS, "paid",
                                      answered_on=date(2026, 11, 25))
    records_tolling.record_answer(db_session, actor, req, ILLINOIS, "paid",
                                  answered_on=date(2026, 11, 23))
    db_session.commit()
    # Tolled Wed 18 .. Mon 23: four business days later.
    assert (period.outcome, period.fee_paid_cents) == (WaitOutcome.PAID, 121250)
    assert req.due_on == date(2026, 12, 22) and req.state is S.RECEIVED

    # A second wait: a fee waived needs a reason; the clock moves again.
    records_tolling.send_fee_estimate(db_session, actor, req, ILLINOIS, "5",
                                      sent_on=date(2026, 11, 23))
    with pytest.raises(ValidationFailed, match="why the fee is waived"):
        records_tolling.record_answer(db_session, actor, req, ILLINOIS, "waived")
    records_tolling.record_answer(db_session, actor, req, ILLINOIS, "waived",
                                  note="News media request in the public interest (6(c)).")
    db_session.commit()
    # Tue 24 (today) tolled as well: one more business day.
    assert req.due_on == date(2026, 12, 23)
    periods = records_tolling.periods_of(db_session, req)
    assert [(p.outcome.value, p.fee_cents, p.fee_paid_cents) for p in periods] == [
        ("paid", 121250, 121250), ("waived", 500, None)]


def test_narrowing_offered_and_agreed_on_texas_rules(db_session, officer, frozen_clock):
    frozen_clock.now = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    req = _request(db_session, officer, rules=TEXAS)
    assert req.due_on == date(2026, 12, 2)
    actor = Actor(officer)
    with pytest.raises(ValidationFailed, match="unduly burdensome"):
        records_tolling.offer_narrowing(db_session, actor, req, TEXAS, "  ")
    period = records_tolling.offer_narrowing(db_session, actor, req, TEXAS,
                                             "Ten years of posts; would 2026 do?",
                                             sent_on=date(2026, 11, 20))
    assert period.restarts and "552.222(b)" in period.citation
    with pytest.raises(Conflict, match="already waiting"):
        records_tolling.ask_clarification(db_session, actor, req, TEXAS, "Also?")
    records_tolling.record_answer(db_session, actor, req, TEXAS, "agreed",
                                  answered_on=date(2026, 11, 25), note="2026 only.")
    db_session.commit()
    assert req.due_on == date(2026, 12, 11) and req.state is S.RECEIVED


def test_waiting_blocks_the_extension_and_closing_ends_the_wait(db_session, officer,
                                                                frozen_clock):
    req = _request(db_session, officer)
    actor = Actor(officer)
    records.change_state(db_session, actor, req, S.SEARCHING)
    records_tolling.ask_clarification(db_session, actor, req, ILLINOIS, "Which dates?")
    db_session.commit()
    with pytest.raises(Conflict, match="clock .* is stopped"):
        records.extend_request(db_session, actor, req, ILLINOIS, "Busy.")
    with pytest.raises(ValidationFailed, match="clarification, fee or narrowing"):
        records.change_state(db_session, actor, req, S.WAITING)
    assert S.WAITING not in records.allowed_next_states(req)
    assert records.allowed_next_states(req) == [S.RELEASED_IN_FULL, S.RELEASED_IN_PART,
                                                 S.DENIED, S.WITHDRAWN]
    due = req.due_on
    records.change_state(db_session, actor, req, S.WITHDRAWN, note="Requester withdrew.")
    db_session.commit()
    period = records_tolling.periods_of(db_session, req)[0]
    assert period.outcome is WaitOutcome.CLOSED and period.ended_on is not None
    assert req.due_on == due and req.state is S.WITHDRAWN
    with pytest.raises(Conflict, match="closed"):
        records_tolling.send_fee_estimate(db_session, actor, req, ILLINOIS, "1")


def test_answer_restores_the_extended_state_and_keeps_the_extension(db_session, officer,
                                                                    frozen_clock):
    frozen_clock.now = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    req = _request(db_session, officer)
    actor = Actor(officer)
    records.extend_request(db_session, actor, req, ILLINOIS, "Records in another district.")
    assert req.due_on == date(2026, 12, 1)  # Nov 23 + 5 (Thanksgiving skipped)
    records_tolling.ask_clarification(db_session, actor, req, ILLINOIS, "Which district?",
                                      sent_on=date(2026, 11, 24))
    records_tolling.record_answer(db_session, actor, req, ILLINOIS, "answered",
                                  answered_on=date(2026, 11, 25))
    db_session.commit()
    assert req.state is S.EXTENDED and req.due_on == date(2026, 12, 2)


def test_only_a_records_officer_starts_or_ends_a_wait(db_session, officer, factory,
                                                      frozen_clock):
    from beatdesk.errors import PermissionDenied

    req = _request(db_session, officer)
    admin = Actor(factory.user(Role.ADMIN))
    with pytest.raises(PermissionDenied):
        records_tolling.send_fee_estimate(db_session, admin, req, ILLINOIS, "1")
    with pytest.raises(PermissionDenied):
        records_tolling.record_answer(db_session, admin, req, ILLINOIS, "paid")


# --- the pages --------------------------------------------------------------------------------

def test_officer_pages_ask_answer_and_explain_the_due_date(client, login_as, db_session,
                                                           frozen_clock):
    frozen_clock.now = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)
    officer = login_as(Role.RECORDS)
    req = _request(db_session, officer)
    url = f"/console/records/{req.id}"
    page = client.get(url).get_data(as_text=True)
    assert "How the due date is counted" in page and "Ask for a clarification" in page
    assert "5 ILCS 140/3(e)" in page and "5 ILCS 140/3(g)" in page
    # A bad date is refused with the form kept.
    bad = client.post(f"{url}/wait/clarification",
                      data={"wait-clarification-question": "Which parade?",
                            "wait-clarification-sent_on": "2026-11-30"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "That date is in the future." in text and "Which parade?" in text
    ok = client.post(f"{url}/wait/clarification",
                     data={"wait-clarification-question": "Which parade?"})
    assert ok.status_code == 303 and ok.headers["Location"] == f"{url}#clock"
    page = client.get(url).get_data(as_text=True)
    assert "Waiting for the requester" in page and "The clock is stopped (5 ILCS 140/3(e))" in page
    assert "Record the requester&#39;s answer" in page or "Record the requester's answer" in page
    board = client.get("/console/records/").get_data(as_text=True)
    assert "Waiting for the requester" in board and "Stopped (5 ILCS 140/3(e))" in board
    # The wrong answer for a clarification is refused.
    wrong = client.post(f"{url}/wait/answer", data={"wait-answer-outcome": "paid"})
    assert wrong.status_code == 400
    frozen_clock.now = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    sign_in(client, officer)  # a new day, a new session
    done = client.post(f"{url}/wait/answer", data={"wait-answer-outcome": "answered",
                                                   "wait-answer-answered_on": "2026-11-26"})
    assert done.status_code == 303
    reread(db_session)
    assert db_session.get(RecordsRequest, req.id).due_on == date(2026, 12, 1)
    page = client.get(url).get_data(as_text=True)
    assert "Holiday: Thanksgiving Day" in page
    assert "Clock stopped: waiting for the requester&#39;s clarification" in page


def test_a_fee_estimate_page_refuses_a_bad_amount(client, login_as, db_session, frozen_clock):
    officer = login_as(Role.RECORDS)
    req = _request(db_session, officer, received=datetime(2026, 11, 17, 15, 0, tzinfo=UTC))
    response = client.post(f"/console/records/{req.id}/wait/fee",
                           data={"wait-fee-amount": "12.505"})
    assert response.status_code == 400
    assert "Enter the amount in dollars and cents" in response.get_data(as_text=True)
    assert db_session.scalars(select(TollingPeriod)).all() == []


def test_an_administrator_may_read_but_not_start_a_wait(client, login_as, db_session, factory,
                                                        frozen_clock):
    req = _request(db_session, factory.user(Role.RECORDS))
    login_as(Role.ADMIN)
    assert "How the due date is counted" in client.get(
        f"/console/records/{req.id}").get_data(as_text=True)
    response = client.post(f"/console/records/{req.id}/wait/fee", data={"wait-fee-amount": "1"})
    assert response.status_code == 403


def test_a_wait_without_the_form_token_is_refused(database_url, app, db_session, factory,
                                                  frozen_clock):
    """With CSRF on, a tokenless POST changes nothing; the page's own token works."""
    import re

    from .conftest import make_app

    csrf_app = make_app(database_url, WTF_CSRF_ENABLED=True)
    try:
        officer = factory.user(Role.RECORDS)
        req = _request(db_session, officer)
        client = csrf_app.test_client()
        sign_in(client, officer)
        url = f"/console/records/{req.id}"
        refused = client.post(f"{url}/wait/fee", data={"wait-fee-amount": "3"})
        assert refused.status_code == 400
        assert db_session.scalars(select(TollingPeriod)).all() == []
        page = client.get(url).get_data(as_text=True)
        token = re.search(r'id="wait-fee-csrf_token" name="wait-fee-csrf_token" type="hidden" '
                          r'value="([^"]+)"', page)
        assert token, "the fee form carries its token"
        ok = client.post(f"{url}/wait/fee", data={"wait-fee-amount": "3",
                                                  "wait-fee-csrf_token": token.group(1)})
        assert ok.status_code == 303
        reread(db_session)
        assert [p.fee_cents for p in db_session.scalars(select(TollingPeriod))] == [300]
    finally:
        csrf_app.extensions["beatdesk.engine"].dispose()


def test_texas_waits_lapse_and_the_page_says_when(db_session, officer, client, login_as,
                                                  frozen_clock):
    """Texas: no answer to a clarification by the 61st day, or to a cost estimate within 10
    business days, and the request counts as withdrawn (552.222(d), 552.2615(b))."""
    asked = date(2026, 11, 20)
    assert TEXAS.tolling_for("clarification").lapses_on(asked, TEXAS) == date(2027, 1, 20)
    # Nov 23, 24, 25, 30, Dec 1, 2, 3, 4, 7, 8 (Thanksgiving and the day after skipped).
    assert TEXAS.tolling_for("fee").lapses_on(asked, TEXAS) == date(2026, 12, 8)
    assert ILLINOIS.tolling_for("fee").lapses_on(asked, ILLINOIS) is None
    frozen_clock.now = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
    officer = login_as(Role.RECORDS)
    req = _request(db_session, officer, rules=TEXAS)
    records_tolling.send_fee_estimate(db_session, Actor(officer), req, TEXAS, "60")
    db_session.commit()
    status = records_tolling.clock_status(db_session, req, ILLINOIS)
    assert status.lapses_on == date(2026, 12, 8) and status.rule.reason == "fee"
    page = client.get(f"/console/records/{req.id}").get_data(as_text=True)
    assert "Without the requester's answer by Tuesday, Dec 8, 2026" in page
    assert "Tex. Gov&#39;t Code 552.2615" in page


def test_asking_and_estimating_can_make_the_letters(db_session, officer, frozen_clock):
    from beatdesk.models import Letter

    req = _request(db_session, officer)
    actor = Actor(officer)
    records_tolling.ask_clarification(db_session, actor, req, ILLINOIS, "Which parade?",
                                      letter=True)
    records_tolling.record_answer(db_session, actor, req, ILLINOIS, "answered")
    records_tolling.send_fee_estimate(db_session, actor, req, ILLINOIS, "12.50",
                                      "25 pages at 50 cents", letter=True)
    db_session.commit()
    made = db_session.scalars(select(Letter).order_by(Letter.id)).all()
    assert [letter.kind.value for letter in made] == ["clarification", "fee_estimate"]
    assert all(letter.pdf.startswith(b"%PDF") for letter in made)

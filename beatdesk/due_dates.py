"""When a public records request must be answered: business days under a state's rules.

A business day is a weekday that is not a public holiday of the state (the ``holidays``
package's calendar for the rules' country and subdivision).

Receipt is a *date* in the department's time zone (config ``TIMEZONE``); a request that arrives
after business hours counts as received that day. A request received on a day that is not a
business day (a Saturday, a holiday) is treated as received on the next business day. From
that effective day of receipt the response period is counted: under Illinois law from the day
after receipt (5 ILCS 140/3(d)), so a request received on Monday is due the following Monday.

While the department waits on the requester (a clarification, a fee, an offer to narrow an unduly
burdensome request) the clock stops where the state's rules allow it (``RecordsRules.tolling``).
A :class:`Toll` runs from the day the question was sent to the day the answer arrived; the answer
is treated like a new receipt: an answer on a day that is not a business day counts as arriving
on the next business day, and counting resumes on the business day after that. Days in between
do not count, so the due date moves by the tolled business days. Under a rule that *restarts*
the period (Texas, after a clarification) every day before the answer is discounted too.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@dataclass(frozen=True)
class TollingRule:
    """Whether and how the clock stops while the department waits on the requester for one
    reason ("clarification", "fee" or "narrowing"), with the law that allows it."""

    reason: str
    citation: str
    explanation: str
    restarts: bool = False  # the answer starts the period over instead of resuming it
    # Without an answer this many days after the question the request counts as withdrawn
    # (None: the law sets no such limit); business days when ``lapse_business_days``.
    lapse_days: int | None = None
    lapse_business_days: bool = False

    def lapses_on(self, started_on: date, rules: "RecordsRules") -> date | None:
        """The last day for the requester's answer, after which the request is withdrawn."""
        if self.lapse_days is None:
            return None
        if self.lapse_business_days:
            return add_business_days(started_on, self.lapse_days, rules)
        return started_on + timedelta(days=self.lapse_days)


@dataclass(frozen=True)
class Toll:
    """A closed stretch of waiting on the requester: question sent on ``started_on``, answer
    received on ``ended_on`` (dates in the department's zone)."""

    started_on: date
    ended_on: date
    reason: str = "clarification"
    restarts: bool = False


WAIT_LABELS = {"clarification": "waiting for the requester's clarification",
               "fee": "waiting for the fee to be paid or waived",
               "narrowing": "waiting for the requester to narrow the request"}


@dataclass(frozen=True)
class RecordsRules:
    """The deadlines a state's public records law sets, in business days."""

    key: str
    label: str
    statute: str
    subdivision: str | None  # state code for the holiday calendar, e.g. "IL"
    response_days: int
    extension_days: int  # 0: the law provides no extension in days
    commercial_days: int | None  # None: commercial requests follow response_days
    count_receipt_day: bool = False  # True: the day of receipt is business day 1
    country: str = "US"
    extra_holidays: tuple[date, ...] = field(default=())  # days the department also closes
    tolling: tuple[TollingRule, ...] = field(default=())  # reasons the clock stops; none: never

    def allows_extension(self) -> bool:
        return self.extension_days > 0

    def tolling_for(self, reason: str) -> TollingRule | None:
        """The rule that stops the clock for ``reason``, or None when the clock keeps running."""
        return next((rule for rule in self.tolling if rule.reason == reason), None)

    def days_for(self, commercial: bool) -> int:
        if commercial and self.commercial_days is not None:
            return self.commercial_days
        return self.response_days


# Illinois has no general stop-the-clock clause: the time for compliance is extended by the
# requester's agreement in writing (3(e), last paragraph), which the letter asking for a
# clarification or offering to narrow the request records; fees for copies (6) may be required
# before the copies are furnished (for commercial requests 3.1(a)), and waived in the public
# interest (6(c)).
ILLINOIS_TOLLING = (
    TollingRule("clarification", "5 ILCS 140/3(e)",
                "The time for compliance is extended by agreement with the requester while the "
                "request is clarified; the clock resumes when the answer arrives."),
    TollingRule("fee", "5 ILCS 140/6, 3.1(a)",
                "Fees for copies may be required before the copies are furnished; the clock "
                "stops until the fee is paid or waived (6(c))."),
    TollingRule("narrowing", "5 ILCS 140/3(g), 3(e)",
                "Before treating a request as unduly burdensome the public body offers to confer "
                "to reduce it to manageable proportions; the time is extended by agreement while "
                "the requester decides."),
)

ILLINOIS = RecordsRules(
    key="IL", label="Illinois Freedom of Information Act",
    statute="5 ILCS 140/3(d), 3(e), 3.1", subdivision="IL",
    response_days=5, extension_days=5, commercial_days=21, tolling=ILLINOIS_TOLLING)

# Texas: a request clarified or narrowed in good faith is counted from the day the answer arrives
# (City of Dallas v. Abbott, 304 S.W.3d 380 (Tex. 2010)); no answer by the 61st day after the
# question: withdrawn (552.222(d)). A cost estimate over $40 must be accepted in writing within 10
# business days or the request is withdrawn (552.2615(b)).
TEXAS_TOLLING = (
    TollingRule("clarification", "Tex. Gov't Code 552.222(b), (d)",
                "The period starts over on the day the clarification is received; without an "
                "answer by the 61st day the request is withdrawn.", restarts=True,
                lapse_days=61),
    TollingRule("fee", "Tex. Gov't Code 552.2615",
                "The clock stops while the requester considers the itemized estimate of charges; "
                "without a written answer within 10 business days the request is withdrawn.",
                lapse_days=10, lapse_business_days=True),
    TollingRule("narrowing", "Tex. Gov't Code 552.222(b)",
                "The period starts over on the day the narrowed request is received.",
                restarts=True),
)

# Texas Public Information Act, Gov't Code 552.221(d): when the information cannot be produced
# within 10 business days the officer certifies a later date instead of taking an extension
# of fixed length, so no extension is modelled. There is no separate commercial period.
TEXAS = RecordsRules(
    key="TX", label="Texas Public Information Act",
    statute="Tex. Gov't Code 552.0031, 552.221(d)", subdivision="TX",
    response_days=10, extension_days=0, commercial_days=None, tolling=TEXAS_TOLLING)

STATE_RULES: dict[str, RecordsRules] = {rules.key: rules for rules in (ILLINOIS, TEXAS)}
DEFAULT_TIMEZONE = "America/Chicago"


def rules_for(setting: str | RecordsRules | None) -> RecordsRules:
    """The rules a ``RECORDS_RULES`` setting names (a state key or a ``RecordsRules``)."""
    if isinstance(setting, RecordsRules):
        return setting
    key = (setting or "IL").strip().upper()
    try:
        return STATE_RULES[key]
    except KeyError:
        raise ValueError(f"RECORDS_RULES must be one of {', '.join(sorted(STATE_RULES))}, "
                         f"got {setting!r}") from None


@lru_cache(maxsize=64)
def _calendar(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def is_business_day(day: date, rules: RecordsRules) -> bool:
    if day.weekday() >= 5 or day in rules.extra_holidays:
        return False
    return day not in _calendar(rules.country, rules.subdivision, day.year)


def next_business_day(day: date, rules: RecordsRules) -> date:
    """``day`` itself when it is a business day, else the first one after it."""
    while not is_business_day(day, rules):
        day += timedelta(days=1)
    return day


def add_business_days(start: date, days: int, rules: RecordsRules) -> date:
    """The ``days``-th business day after ``start`` (``start`` itself when ``days`` is 0)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    for _ in range(days):
        day = next_business_day(day + timedelta(days=1), rules)
    return day


def business_days_between(start: date, end: date, rules: RecordsRules) -> int:
    """Business days after ``start`` up to and including ``end`` (negative when end < start)."""
    if end < start:
        return -business_days_between(end, start, rules)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_business_day(day, rules):
            count += 1
    return count


def receipt_date(received_at: datetime, timezone: str = DEFAULT_TIMEZONE) -> date:
    """The calendar date of receipt in the department's time zone."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    return received_at.astimezone(ZoneInfo(timezone)).date()


def due_date(received_on: date, rules: RecordsRules, *, commercial: bool = False,
             extension_days: int = 0, tolls: Iterable[Toll] = ()) -> date:
    """The last day to respond to a request received on ``received_on``.

    ``extension_days`` taken and the closed ``tolls`` (stretches of waiting on the requester
    that stop the clock) push it later; it is never earlier than without them.
    """
    effective = next_business_day(received_on, rules)
    days = rules.days_for(commercial) + extension_days
    stopped = tolled_days(received_on, rules, tolls)
    if not stopped:
        if rules.count_receipt_day:
            return add_business_days(effective, days - 1, rules)
        return add_business_days(effective, days, rules)
    day = effective
    counted = 1 if rules.count_receipt_day and effective not in stopped else 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day, rules) and day not in stopped:
            counted += 1
    return day


def resume_day(answered_on: date, rules: RecordsRules) -> date:
    """The day an answer counts as received (the next business day when it came on a weekend
    or holiday); the clock runs again from the business day after it."""
    return next_business_day(answered_on, rules)


def tolled_days(received_on: date, rules: RecordsRules,
                tolls: Iterable[Toll]) -> dict[date, Toll]:
    """Every day a toll stops the clock, with the toll: the days after the question up to the
    day the answer counts as received (that day too, as the day of receipt is not counted)."""
    stopped: dict[date, Toll] = {}
    for toll in tolls:
        if toll.ended_on < toll.started_on:
            raise ValueError("a toll cannot end before it starts")
        first = received_on if toll.restarts else toll.started_on + timedelta(days=1)
        first = max(first, received_on)
        last = resume_day(toll.ended_on, rules)
        if rules.count_receipt_day:
            last -= timedelta(days=1)
        day = first
        while day <= last:
            stopped.setdefault(day, toll)
            day += timedelta(days=1)
    return stopped


def holiday_name(day: date, rules: RecordsRules) -> str | None:
    """The named public holiday of the rules' calendar on ``day`` (or the department's own)."""
    if day in rules.extra_holidays:
        return "Department closed"
    return _holiday_names(rules.country, rules.subdivision, day.year).get(day)


@lru_cache(maxsize=64)
def _holiday_names(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year))


def skipped_days(received_on: date, due_on: date, rules: RecordsRules, *,
                 tolls: Iterable[Toll] = ()) -> list[tuple[date, str]]:
    """The days after receipt up to ``due_on`` that were not counted, and why: a weekend day,
    a named holiday, the day a request or answer counts as received, or a stopped clock."""
    tolls = list(tolls)
    stopped = tolled_days(received_on, rules, tolls)
    effective = next_business_day(received_on, rules)
    resumes = {resume_day(t.ended_on, rules): t for t in tolls}
    skipped: list[tuple[date, str]] = []
    day = received_on
    while day < due_on:
        day += timedelta(days=1)
        if day.weekday() >= 5:
            why = "Saturday" if day.weekday() == 5 else "Sunday"
        elif (name := holiday_name(day, rules)) or not is_business_day(day, rules):
            why = f"Holiday: {name or 'public holiday'}"
        elif day == effective and day != received_on and not rules.count_receipt_day:
            why = ("Counts as the day of receipt (the request arrived on "
                   f"{received_on.strftime('%A, %b %-d')}); counting starts the next business day")
        elif day in stopped:
            toll = stopped[day]
            wait = WAIT_LABELS.get(toll.reason, "waiting for the requester")
            if day in resumes and resumes[day].ended_on != day:
                why = (f"Clock stopped: {wait}; the answer of "
                       f"{resumes[day].ended_on.strftime('%A, %b %-d')} counts as received this "
                       "day")
            elif day in resumes:
                why = f"Clock stopped: {wait}; the answer arrived this day"
            elif toll.restarts and day <= toll.started_on:
                why = f"Not counted: the period starts over when the answer arrives ({wait})"
            else:
                why = f"Clock stopped: {wait}"
        else:
            continue
        skipped.append((day, why))
    return skipped


def extended_due_date(original_due: date, rules: RecordsRules, days: int | None = None) -> date:
    """The due date after the one extension (``days`` up to ``rules.extension_days``)."""
    days = rules.extension_days if days is None else days
    if not 1 <= days <= rules.extension_days:
        raise ValueError(f"an extension is 1 to {rules.extension_days} business days")
    return add_business_days(original_due, days, rules)

"""When a public records request must be answered: business days under a state's rules.

A business day is a weekday that is not a public holiday of the state (the ``holidays``
package's calendar for the rules' country and subdivision).

Receipt is a *date* in the department's time zone (config ``TIMEZONE``); a request that arrives
after business hours counts as received that day. A request received on a day that is not a
business day (a Saturday, a holiday) is treated as received on the next business day. From
that effective day of receipt the response period is counted: under Illinois law from the day
after receipt (5 ILCS 140/3(d)), so a request received on Monday is due the following Monday.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


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

    def allows_extension(self) -> bool:
        return self.extension_days > 0

    def days_for(self, commercial: bool) -> int:
        if commercial and self.commercial_days is not None:
            return self.commercial_days
        return self.response_days


ILLINOIS = RecordsRules(
    key="IL", label="Illinois Freedom of Information Act",
    statute="5 ILCS 140/3(d), 3(e), 3.1", subdivision="IL",
    response_days=5, extension_days=5, commercial_days=21)

# Texas Public Information Act, Gov't Code 552.221(d): when the information cannot be produced
# within 10 business days the officer certifies a later date instead of taking an extension
# of fixed length, so no extension is modelled. There is no separate commercial period.
TEXAS = RecordsRules(
    key="TX", label="Texas Public Information Act",
    statute="Tex. Gov't Code 552.0031, 552.221(d)", subdivision="TX",
    response_days=10, extension_days=0, commercial_days=None)

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


def due_date(received_on: date, rules: RecordsRules, *, commercial: bool = False) -> date:
    """The last day to respond to a request received on ``received_on``."""
    effective = next_business_day(received_on, rules)
    days = rules.days_for(commercial)
    if rules.count_receipt_day:
        return add_business_days(effective, days - 1, rules)
    return add_business_days(effective, days, rules)


def extended_due_date(original_due: date, rules: RecordsRules, days: int | None = None) -> date:
    """The due date after the one extension (``days`` up to ``rules.extension_days``)."""
    days = rules.extension_days if days is None else days
    if not 1 <= days <= rules.extension_days:
        raise ValueError(f"an extension is 1 to {rules.extension_days} business days")
    return add_business_days(original_due, days, rules)

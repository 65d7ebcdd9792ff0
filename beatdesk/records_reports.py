"""Reports on public records requests, per month in the department's time zone.

For each month: requests received (by the date of receipt), requests closed (by the date they
were closed), how many of the answered ones (released or denied) were closed on or before their
due date and how many after it, withdrawn requests, the median number of calendar days from
receipt to closing, the exemptions cited in the requests closed that month (each exemption
counted once per request: the exemption of a denial and those of the redactions in force), and
fees: estimates sent (by the day sent), fees paid (by the day paid) and fees waived.
"""
from __future__ import annotations

import csv
import io
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from beatdesk import clock
from beatdesk.models.records import (Exemption, RecordsRequest, Redaction, RequestState)
from beatdesk.models.records_tolling import TollingPeriod, WaitOutcome, WaitReason
from beatdesk.records import CLOSED_STATES

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
@dataclass
class MonthRow:
    year: int
    month: int
    received: int = 0
    closed: int = 0
    on_time: int = 0
    late: int = 0
    withdrawn: int = 0
    days_to_close: list[int] = field(default_factory=list)
    exemptions: Counter = field(default_factory=Counter)
    fees_estimated_cents: int = 0
    fees_paid_cents: int = 0
    fees_waived: int = 0

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days_to_close) if self.days_to_close else None

    @property
    def exemptions_cited(self) -> int:
        return sum(self.exemptions.values())

    # The chart's two segments (blueprints.moderation.report_chart draws ``removed``, in the
    # warning colour, then ``hidden``): answered late, answered on time.
    @property
    def removed(self) -> int:
        return self.late

    @property
    def hidden(self) -> int:
        return self.on_time


@dataclass(frozen=True)
class Report:
    year: int | None
    months: list[MonthRow]
    exemptions: list[tuple[str, str, int]]  # code, citation and label, count
    years: list[int]

    @property
    def totals(self) -> MonthRow:
        total = MonthRow(0, 1)
        days: list[int] = []
        for row in self.months:
            total.received += row.received
            total.closed += row.closed
            total.on_time += row.on_time
            total.late += row.late
            total.withdrawn += row.withdrawn
            days += row.days_to_close
            total.exemptions.update(row.exemptions)
            total.fees_estimated_cents += row.fees_estimated_cents
            total.fees_paid_cents += row.fees_paid_cents
            total.fees_waived += row.fees_waived
        total.days_to_close = days
        return total


def format_days(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


def format_fee(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def _month_of(day: date) -> tuple[int, int]:
    return day.year, day.month


def monthly_report(session: Session, year: int | None = None) -> Report:
    """Per month of ``year`` (every month with a request when None), oldest first."""
    zone = clock.department_zone()
    rows = session.execute(select(
        RecordsRequest.id, RecordsRequest.received_on, RecordsRequest.closed_at,
        RecordsRequest.state, RecordsRequest.due_on, RecordsRequest.denial_exemption_id)).all()
    exemptions = {e.id: e for e in session.scalars(select(Exemption))}
    cited: dict[int, set[int]] = {}
    for request_id, exemption_id in session.execute(
            select(Redaction.request_id, Redaction.exemption_id)
            .where(Redaction.removed_at.is_(None)).distinct()):
        cited.setdefault(request_id, set()).add(exemption_id)
    months: dict[tuple[int, int], MonthRow] = {}
    years: set[int] = set()

    def month(key: tuple[int, int]) -> MonthRow:
        if key not in months:
            months[key] = MonthRow(*key)
        return months[key]

    for row in rows:
        years.add(row.received_on.year)
        if year is None or row.received_on.year == year:
            month(_month_of(row.received_on)).received += 1
        state = RequestState(row.state)
        if state not in CLOSED_STATES or row.closed_at is None:
            continue
        closed_on = clock.local(row.closed_at, zone).date()
        years.add(closed_on.year)
        if year is not None and closed_on.year != year:
            continue
        target = month(_month_of(closed_on))
        target.closed += 1
        if state is RequestState.WITHDRAWN:
            target.withdrawn += 1
        elif closed_on <= row.due_on:
            target.on_time += 1
        else:
            target.late += 1
        target.days_to_close.append((closed_on - row.received_on).days)
        ids = set(cited.get(row.id, ()))
        if row.denial_exemption_id:
            ids.add(row.denial_exemption_id)
        for exemption_id in ids:
            if exemption_id in exemptions:
                target.exemptions[exemption_id] += 1
    for started_on, estimate, ended_on, outcome, paid in session.execute(
            select(TollingPeriod.started_on, TollingPeriod.fee_cents, TollingPeriod.ended_on,
                   TollingPeriod.outcome, TollingPeriod.fee_paid_cents)
            .where(TollingPeriod.reason == WaitReason.FEE.value)):
        if year is None or started_on.year == year:
            month(_month_of(started_on)).fees_estimated_cents += estimate or 0
        if ended_on is not None and (year is None or ended_on.year == year):
            if outcome == WaitOutcome.PAID:
                month(_month_of(ended_on)).fees_paid_cents += paid or 0
            elif outcome == WaitOutcome.WAIVED:
                month(_month_of(ended_on)).fees_waived += 1
    if year is not None:  # every month of the year up to the last one with a request
        last = max((m for (y, m) in months), default=0)
        for m in range(1, last + 1):
            month((year, m))
    ordered = [months[key] for key in sorted(months)]
    total = Counter()
    for row in ordered:
        total.update(row.exemptions)
    listed = [(exemptions[i].code, f"{exemptions[i].citation}: {exemptions[i].label}", n)
              for i, n in sorted(total.items(), key=lambda item: (-item[1],
                                                                  exemptions[item[0]].code))]
    return Report(year=year, months=ordered, exemptions=listed,
                  years=sorted(years, reverse=True))


def exemption_codes(row: MonthRow, session_exemptions: dict[int, Exemption]) -> str:
    return "; ".join(f"{session_exemptions[i].code}: {n}"
                     for i, n in sorted(row.exemptions.items(),
                                        key=lambda item: session_exemptions[item[0]].code)
                     if i in session_exemptions)


# --- CSV ----------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_COLUMNS = ["month", "month_name", "received", "closed", "closed_on_time", "closed_late",
               "withdrawn", "median_days_to_close", "exemptions_cited", "exemptions",
               "fees_estimated", "fees_paid", "fees_waived"]


def safe_cell(value) -> str:
    """A spreadsheet cell that can't run as a formula: text starting with = + - @ or a control
    character is prefixed with an apostrophe (numbers are written as they are)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def report_csv(session: Session, report: Report) -> str:
    """The report as CSV: one row a month, then the totals; months in the department's zone."""
    exemptions = {e.id: e for e in session.scalars(select(Exemption))}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in [*report.months, report.totals]:
        is_total = row is not None and row.year == 0
        writer.writerow([safe_cell(v) for v in (
            "total" if is_total else row.key, "All months" if is_total else row.label,
            row.received, row.closed, row.on_time, row.late, row.withdrawn,
            "" if row.median_days is None else row.median_days, row.exemptions_cited,
            exemption_codes(row, exemptions), f"{row.fees_estimated_cents / 100:.2f}",
            f"{row.fees_paid_cents / 100:.2f}", row.fees_waived)])
    writer.writerow([])
    writer.writerow([safe_cell(v) for v in (
        "generated", clock.department_text(clock.utcnow()),
        "Months and times are in the department's time zone "
        f"({clock.department_zone().key}); fees are in dollars.")])
    return buffer.getvalue()

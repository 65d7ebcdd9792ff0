"""Records reports: per month received, closed, on time and late, median days, exemptions."""
import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from beatdesk import records_reports
from beatdesk.models import (Exemption, RecordsRequest, Redaction, RedactionKind, RequestState,
                             SnapshotItem, TollingPeriod, WaitOutcome, WaitReason)
from beatdesk.roles import Role

from .routes.requests import ensure_exemptions


@pytest.fixture(autouse=True)
def exemptions(db_session):
    ensure_exemptions(db_session)


def _request(session, officer, received_on: date, *, closed_at=None, due_on=None,
             state=RequestState.RECEIVED, denial=None):
    due_on = due_on or date(received_on.year, received_on.month, min(received_on.day + 7, 28))
    req = RecordsRequest(
        requester_name="R", requester_contact="r@example.org", received_via="email",
        received_at=datetime(received_on.year, received_on.month, received_on.day, 15,
                             tzinfo=UTC),
        received_on=received_on, description="d", rules_key="IL", state=state,
        original_due_on=due_on, due_on=due_on, created_by_id=officer.id, closed_at=closed_at,
        denial_exemption_id=denial.id if denial else None)
    session.add(req)
    session.flush()
    return req


_records = iter(range(1, 10_000))


def _fee(session, req, estimate, started_on, *, outcome=None, ended_on=None, paid=None):
    session.add(TollingPeriod(
        request_id=req.id, reason=WaitReason.FEE, stops_clock=True, resume_state="searching",
        fee_cents=estimate, started_on=started_on,
        started_at=datetime(started_on.year, started_on.month, started_on.day, 16, tzinfo=UTC),
        ended_on=ended_on, outcome=outcome, fee_paid_cents=paid,
        ended_at=datetime(ended_on.year, ended_on.month, ended_on.day, 16, tzinfo=UTC)
        if ended_on else None))


def _redact(session, req, exemption, *, removed_by=None):
    item = SnapshotItem(request_id=req.id, archive_record_id=next(_records),
                        record_type="post.revision", object_id="1", district_id=None,
                        recorded_at=datetime(2026, 1, 1, tzinfo=UTC), archive_hash="a" * 64,
                        content_hash="b" * 64, content='{"body": "x"}')
    session.add(item)
    session.flush()
    session.add(Redaction(request_id=req.id, item_id=item.id, kind=RedactionKind.RECORD,
                          exemption_id=exemption.id,
                          removed_at=datetime(2026, 1, 2, tzinfo=UTC) if removed_by else None,
                          removed_by_id=removed_by.id if removed_by else None))


@pytest.fixture
def data(db_session, factory):
    """November 2026: four requests received, three closed (on time, late, withdrawn); one
    closed late on Nov 30 in Chicago, which is Dec 1 in UTC; December: one on time."""
    officer = factory.user(Role.RECORDS)
    s = db_session
    code = {e.code: e for e in s.scalars(select(Exemption))}
    on_time = _request(s, officer, date(2026, 11, 2), due_on=date(2026, 11, 9),
                       closed_at=datetime(2026, 11, 6, 18, tzinfo=UTC),
                       state=RequestState.RELEASED_IN_PART)
    _redact(s, on_time, code["7(1)(c)"])
    _redact(s, on_time, code["7(1)(c)"])  # the same exemption twice: counted once
    _redact(s, on_time, code["7(1)(b)"], removed_by=officer)  # lifted: not cited
    late = _request(s, officer, date(2026, 11, 3), due_on=date(2026, 11, 10),
                    closed_at=datetime(2026, 12, 1, 3, 0, tzinfo=UTC),  # Nov 30, 9 PM CST
                    state=RequestState.DENIED, denial=code["7(1)(d)(iv)"])
    _redact(s, late, code["7(1)(c)"])
    _request(s, officer, date(2026, 11, 4), closed_at=datetime(2026, 11, 5, 15, tzinfo=UTC),
             state=RequestState.WITHDRAWN)
    still_open = _request(s, officer, date(2026, 11, 20))
    # Fees: $12.50 estimated in November and paid in December; $4 estimated and waived in
    # November; $7.25 estimated in December, not answered yet.
    _fee(s, on_time, 1250, date(2026, 11, 3), outcome=WaitOutcome.PAID,
         ended_on=date(2026, 12, 2), paid=1250)
    _fee(s, late, 400, date(2026, 11, 4), outcome=WaitOutcome.WAIVED, ended_on=date(2026, 11, 5))
    _fee(s, still_open, 725, date(2026, 12, 1))
    _request(s, officer, date(2026, 12, 1), due_on=date(2026, 12, 8),
             closed_at=datetime(2026, 12, 8, 23, tzinfo=UTC),  # Dec 8, 5 PM: on time
             state=RequestState.RELEASED_IN_FULL)
    _request(s, officer, date(2025, 6, 1), closed_at=datetime(2025, 6, 2, 15, tzinfo=UTC),
             state=RequestState.RELEASED_IN_FULL, due_on=date(2025, 6, 8))
    s.commit()
    return officer


def test_monthly_counts_in_the_department_zone(app, db_session, data):
    with app.app_context():
        report = records_reports.monthly_report(db_session, 2026)
    by_month = {row.key: row for row in report.months}
    assert list(by_month) == [f"2026-{m:02d}" for m in range(1, 13)]
    november, december = by_month["2026-11"], by_month["2026-12"]
    assert (november.received, november.closed, november.on_time, november.late,
            november.withdrawn) == (4, 3, 1, 1, 1)
    # Days to close: 4 (Nov 2 to Nov 6), 27 (Nov 3 to Nov 30), 1 (withdrawn, Nov 4 to 5).
    assert sorted(november.days_to_close) == [1, 4, 27] and november.median_days == 4
    assert (december.received, december.closed, december.on_time, december.late) == (1, 1, 1, 0)
    assert december.median_days == 7
    assert by_month["2026-01"].received == 0 and by_month["2026-01"].median_days is None
    cited = {code: n for code, _, n in report.exemptions}
    assert cited == {"7(1)(c)": 2, "7(1)(d)(iv)": 1}
    assert november.exemptions_cited == 3
    total = report.totals
    assert (total.received, total.closed, total.on_time, total.late) == (5, 4, 2, 1)
    assert 2025 in report.years and 2026 in report.years
    assert (november.fees_estimated_cents, november.fees_paid_cents, november.fees_waived) == \
        (1650, 0, 1)
    assert (december.fees_estimated_cents, december.fees_paid_cents, december.fees_waived) == \
        (725, 1250, 0)
    assert (total.fees_estimated_cents, total.fees_paid_cents) == (2375, 1250)
    # The chart: late first (the warning colour), then on time.
    from blueprints.moderation.report_chart import bar_chart
    bars = {bar.label: bar for bar in bar_chart(report.months).bars}
    assert (bars["November 2026"].removed, bars["November 2026"].hidden) == (1, 1)
    assert (bars["December 2026"].removed, bars["December 2026"].hidden) == (0, 1)
    with app.app_context():
        every = records_reports.monthly_report(db_session, None)
    assert [row.key for row in every.months][:1] == ["2025-06"]


def test_reports_page_table_chart_and_csv(app, client, db_session, data, login_as):
    login_as(Role.RECORDS)
    page = client.get("/console/records/reports?year=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "November 2026" in html and "<svg" in html and 'role="img"' in html
    assert "Requests answered late and on time" in html and "7(1)(d)(iv)" in html
    assert "Download as CSV" in html
    response = client.get("/console/records/reports.csv?year=2026")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:7] == ["month", "month_name", "received", "closed", "closed_on_time",
                           "closed_late", "withdrawn"]
    november = next(r for r in rows if r and r[0] == "2026-11")
    assert november[2:8] == ["4", "3", "1", "1", "1", "4"]
    assert "7(1)(c): 2" in november[9]
    assert any(r and r[0] == "generated" and ("CST" in r[1] or "CDT" in r[1]) for r in rows)
    total = next(r for r in rows if r and r[0] == "total")
    assert total[2:6] == ["5", "4", "2", "1"]
    assert rows[0][10:] == ["fees_estimated", "fees_paid", "fees_waived"]
    assert november[10:] == ["16.50", "0.00", "1"] and total[10:] == ["23.75", "12.50", "1"]
    assert "$12.50" in html and "$16.50" in html


def test_csv_cells_never_run_as_formulas(app, client, db_session, data, login_as):
    officer = data
    hostile = Exemption(code="=HYPERLINK(\"x\")", citation="+cmd", label="@SUM(1)",
                        active=True)
    db_session.add(hostile)
    db_session.flush()
    req = _request(db_session, officer, date(2026, 10, 1), due_on=date(2026, 10, 8),
                   closed_at=datetime(2026, 10, 2, 15, tzinfo=UTC),
                   state=RequestState.DENIED, denial=hostile)
    assert req.id
    db_session.commit()
    login_as(Role.ADMIN)
    body = client.get("/console/records/reports.csv?year=2026").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body)))
    october = next(r for r in rows if r and r[0] == "2026-10")
    assert october[9] == "'=HYPERLINK(\"x\"): 1"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "-")), cell
    assert records_reports.safe_cell("-2+3") == "'-2+3"
    assert records_reports.safe_cell(-2) == "-2"
    assert records_reports.safe_cell("\t=1") == "'\t=1"


def test_bad_year_and_who_may_read(app, client, db_session, data, login_as):
    login_as(Role.RECORDS)
    bad = client.get("/console/records/reports?year=20x6")
    assert bad.status_code == 400
    assert "Enter a year of four digits" in bad.get_data(as_text=True)
    assert client.get("/console/records/reports.csv?year=abc").status_code == 400
    assert client.get("/console/records/reports").status_code == 200
    empty = client.get("/console/records/reports?year=2030").get_data(as_text=True)
    assert "No requests in 2030." in empty
    login_as(Role.NEWS_AFFAIRS)
    assert client.get("/console/records/reports").status_code == 403
    assert client.get("/console/records/reports.csv").status_code == 403

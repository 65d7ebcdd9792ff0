"""Acceptance 4: due dates in business days, across weekends and public holidays."""
from datetime import UTC, date, datetime

import pytest

from beatdesk.due_dates import (ILLINOIS, TEXAS, RecordsRules, add_business_days, due_date,
                                extended_due_date, is_business_day, receipt_date, rules_for)


def test_illinois_calendar_is_what_we_assume():
    """holidays.US(subdiv="IL") has Thanksgiving but not the day after it."""
    assert not is_business_day(date(2026, 11, 26), ILLINOIS)  # Thanksgiving
    assert is_business_day(date(2026, 11, 27), ILLINOIS)  # Friday after: open in this calendar
    assert not is_business_day(date(2026, 11, 28), ILLINOIS)  # Saturday
    assert not is_business_day(date(2026, 12, 25), ILLINOIS)  # Christmas


@pytest.mark.parametrize("received,due", [
    # Wednesday before Thanksgiving: Thu 26 skipped; Fri 27 is day 1 ... Thu Dec 3 day 5.
    (date(2026, 11, 25), date(2026, 12, 3)),
    # An ordinary Monday: due the following Monday.
    (date(2026, 11, 9), date(2026, 11, 17)),  # Veterans Day (Wed 11th) pushes it a day
    (date(2026, 11, 16), date(2026, 11, 23)),
    # Friday: counted from Monday.
    (date(2026, 11, 13), date(2026, 11, 20)),
    # Saturday and Sunday count as received the next business day (Monday the 23rd).
    (date(2026, 11, 21), date(2026, 12, 1)),
    (date(2026, 11, 22), date(2026, 12, 1)),
    (date(2026, 11, 23), date(2026, 12, 1)),
    # Thanksgiving itself counts as received Friday the 27th.
    (date(2026, 11, 26), date(2026, 12, 4)),
    # Across Christmas (Dec 24 is a business day in Illinois) and New Year's Day.
    (date(2026, 12, 23), date(2026, 12, 31)),
    (date(2026, 12, 28), date(2027, 1, 5)),
])
def test_illinois_five_business_days_from_the_day_after_receipt(received, due):
    assert due_date(received, ILLINOIS) == due


def test_illinois_extension_adds_up_to_five_business_days():
    due = due_date(date(2026, 11, 25), ILLINOIS)
    assert extended_due_date(due, ILLINOIS) == date(2026, 12, 10)
    assert extended_due_date(due, ILLINOIS, 2) == date(2026, 12, 7)  # over the weekend
    with pytest.raises(ValueError):
        extended_due_date(due, ILLINOIS, 6)
    with pytest.raises(ValueError):
        extended_due_date(due, ILLINOIS, 0)


def test_illinois_commercial_requests_get_21_business_days():
    # Nov 27 is day 1; Christmas (Dec 25) is skipped: day 21 is Monday Dec 28.
    assert due_date(date(2026, 11, 25), ILLINOIS, commercial=True) == date(2026, 12, 28)
    assert due_date(date(2026, 11, 16), ILLINOIS, commercial=True) == date(2026, 12, 16)


def test_texas_ten_business_days_with_its_own_holidays():
    assert not is_business_day(date(2026, 11, 27), TEXAS)  # Friday after Thanksgiving (TX)
    # Nov 30 is day 1 ... Dec 11 day 10.
    assert due_date(date(2026, 11, 25), TEXAS) == date(2026, 12, 11)
    assert due_date(date(2026, 11, 25), TEXAS, commercial=True) == date(2026, 12, 11)
    assert not TEXAS.allows_extension()


def test_a_custom_states_rules():
    """Three business days, the day of receipt counting, Dec 24 a local closure; no holidays
    of a subdivision, commercial 7 days, extension 10."""
    custom = RecordsRules(key="ZZ", label="Custom", statute="Test Act", subdivision=None,
                          response_days=3, extension_days=10, commercial_days=7,
                          count_receipt_day=True, extra_holidays=(date(2026, 12, 24),))
    # Tue Dec 22 is day 1, Wed 23 day 2, Thu 24 closed, Fri 25 Christmas, Mon 28 day 3.
    assert due_date(date(2026, 12, 22), custom) == date(2026, 12, 28)
    assert due_date(date(2026, 12, 22), custom, commercial=True) == date(2027, 1, 4)
    assert extended_due_date(date(2026, 12, 28), custom, 10) == date(2027, 1, 12)
    assert rules_for(custom) is custom


def test_rules_are_chosen_by_config_key():
    assert rules_for("IL") is ILLINOIS
    assert rules_for("tx") is TEXAS
    assert rules_for(None) is ILLINOIS
    with pytest.raises(ValueError, match="RECORDS_RULES"):
        rules_for("XX")


def test_receipt_date_is_the_departments_local_date():
    # 03:30 UTC on Thursday is still Wednesday evening in Chicago.
    late = datetime(2026, 11, 26, 3, 30, tzinfo=UTC)
    assert receipt_date(late, "America/Chicago") == date(2026, 11, 25)
    assert receipt_date(late, "UTC") == date(2026, 11, 26)
    with pytest.raises(ValueError):
        receipt_date(datetime(2026, 11, 26, 3, 30))


def test_add_business_days_skips_weekends():
    assert add_business_days(date(2026, 11, 20), 1, ILLINOIS) == date(2026, 11, 23)
    assert add_business_days(date(2026, 11, 20), 0, ILLINOIS) == date(2026, 11, 20)

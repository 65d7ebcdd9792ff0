"""The one person-readable time, the machine form beside it, and typed times across DST edges."""
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import render_template_string

from beatdesk import clock

CHICAGO = "America/Chicago"


@pytest.mark.parametrize(("instant", "text"), [
    (datetime(2026, 11, 30, 14, 46, tzinfo=UTC), "Nov 30, 2026, 8:46 AM CST"),
    (datetime(2026, 7, 4, 17, 5, tzinfo=UTC), "Jul 4, 2026, 12:05 PM CDT"),
    (datetime(2026, 1, 1, 6, 0, tzinfo=UTC), "Jan 1, 2026, 12:00 AM CST"),
    (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), "Nov 1, 2026, 1:30 AM CDT"),
    (datetime(2026, 11, 1, 7, 30, tzinfo=UTC), "Nov 1, 2026, 1:30 AM CST"),
    (datetime(2026, 3, 8, 8, 0, tzinfo=UTC), "Mar 8, 2026, 3:00 AM CDT"),
])
def test_local_text_is_one_format_in_the_zone(instant, text):
    assert clock.local_text(instant, CHICAGO) == text


def test_naive_values_are_utc_and_empty_values_a_dash():
    assert clock.local_text(datetime(2026, 11, 30, 14, 46), CHICAGO) == "Nov 30, 2026, 8:46 AM CST"
    assert clock.local_text(None, CHICAGO) == "—"
    assert clock.local_text(datetime(2026, 11, 30, 14, 46, tzinfo=UTC), "UTC") \
        == "Nov 30, 2026, 2:46 PM UTC"


def test_an_iso_text_is_read_as_its_instant():
    assert clock.local_text("2026-11-30T14:46:00.000000Z", CHICAGO) == "Nov 30, 2026, 8:46 AM CST"
    assert clock.local_text("2026-11-30T09:46:00-05:00", CHICAGO) == "Nov 30, 2026, 8:46 AM CST"


def test_machine_form_keeps_the_offset():
    instant = datetime(2026, 11, 30, 14, 46, tzinfo=UTC)
    assert clock.iso(instant) == "2026-11-30T14:46:00+00:00"
    assert clock.iso_local(instant, CHICAGO) == "2026-11-30T08:46:00-06:00"
    assert clock.iso(None) == ""


def test_zone_label_names_both_abbreviations():
    assert clock.zone_label(CHICAGO) == "Central Time, CST/CDT"
    assert clock.zone_label("UTC") == "UTC"
    assert clock.zone_label("Asia/Tokyo") == "JST"


def test_an_ordinary_typed_time_is_read_in_the_zone():
    reading = clock.from_local(datetime(2026, 11, 30, 8, 46), CHICAGO)
    assert reading.instant == datetime(2026, 11, 30, 14, 46, tzinfo=UTC) and reading.note == ""


def test_a_repeated_hour_takes_the_first_and_says_so():
    reading = clock.from_local(datetime(2026, 11, 1, 1, 30), CHICAGO)
    assert reading.instant == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 1:30 CDT
    assert "happened twice" in reading.note
    assert "Nov 1, 2026, 1:30 AM CDT" in reading.note and "Nov 1, 2026, 1:30 AM CST" in reading.note


def test_a_skipped_hour_is_refused_with_the_times_either_side():
    with pytest.raises(clock.SkippedTime) as refused:
        clock.from_local(datetime(2026, 3, 8, 2, 30), CHICAGO)
    message = str(refused.value)
    assert "2:30 AM did not happen on Mar 8, 2026" in message
    assert "1:59 AM or earlier" in message and "3:00 AM or later" in message
    assert clock.from_local(datetime(2026, 3, 8, 3, 0), CHICAGO).instant \
        == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)


def test_an_aware_time_is_kept():
    aware = datetime(2026, 3, 8, 2, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert clock.from_local(aware, CHICAGO).instant == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_template_filters_use_the_configured_zone(app):
    instant = datetime(2026, 11, 30, 14, 46, tzinfo=UTC)
    with app.test_request_context():
        app.config["TIMEZONE"] = "America/New_York"
        html = render_template_string(
            '{% from "_macros/time.html" import time %}{{ time(when) }}|{{ when|department_date }}'
            '|{{ department_zone_label() }}|{{ none|department_time }}', when=instant)
    assert html == ('<time datetime="2026-11-30T09:46:00-05:00">Nov 30, 2026, 9:46 AM EST</time>'
                    '|Nov 30, 2026|Eastern Time, EST/EDT|—')


def test_there_is_one_filter_for_times_people_read(app):
    assert "department_time" in app.jinja_env.filters
    assert "utc" not in app.jinja_env.filters  # every page shows the department's time


def test_every_template_compiles_with_the_filters_it_names(app):
    for name in app.jinja_env.list_templates(extensions=["html", "txt", "xml"]):
        app.jinja_env.get_template(name)  # an unknown filter fails here

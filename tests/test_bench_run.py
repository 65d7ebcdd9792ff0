"""The benchmark command's own logic: its help, medians and ratios, targets, the table, the
stored-comment check, wrk's report and the comment form. No server is started here."""
import subprocess
import sys
from pathlib import Path

import pytest

from bench.harness import report
from bench.harness.load import comment_form, parse_wrk
from bench.harness.report import Row, at_least, at_most

ROOT = Path(__file__).resolve().parent.parent


def test_help_runs_and_names_the_quick_mode():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--help"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "--quick" in run.stdout
    assert "Isso" in run.stdout


def test_median_skips_missing_values_and_ratio_refuses_a_zero_reference():
    assert report.median([3.0, 1.0, 2.0]) == 2.0
    assert report.median([4.0, None, 2.0]) == 3.0
    assert report.median([None]) is None
    assert report.ratio(50.0, 200.0) == 0.25
    assert report.ratio(50.0, 0.0) is None
    assert report.ratio(None, 10.0) is None
    # each ratio from its own round, then the median of the rounds
    assert report.round_ratios([(10, 20), (30, 30), (5, 0)]) == [0.5, 1.0, None]
    assert report.median(report.round_ratios([(10, 20), (30, 30), (8, 10)])) == 0.8


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert report.percentile(values, 0.95) == 95
    assert report.percentile([7.0], 0.95) == 7.0
    assert report.percentile([], 0.95) is None


def test_targets_and_the_met_column():
    assert at_least(0.6, "").met(0.6) is True
    assert at_least(0.6, "").met(0.59) is False
    assert at_most(30, "").met(29.9) is True
    assert at_most(30, "").met(31) is False
    assert Row("a", "sqlite", "1", target=at_least(1, ""), checked=None).met == "n/a"
    assert Row("a", "sqlite", "1", target=at_least(1, ""), checked=2).met == "yes"
    # a further condition (0 errors) can fail a row whose ratio is met
    assert Row("a", "sqlite", "1", target=at_least(1, ""), checked=2, extra_ok=[False]).met == "NO"
    assert Row("a", "sqlite", "1").met == "-"


def test_every_acknowledged_comment_stored_check():
    ok = report.check_stored(["a", "b", "c"], ["c", "a", "b", "old"])
    assert ok["ok"] and ok["stored"] == 3 and ok["missing"] == [] and ok["duplicates"] == 1
    lost = report.check_stored(["a", "b", "b"], ["b", "x"])
    assert not lost["ok"]
    assert lost["missing"] == ["a", "b"] and lost["stored"] == 1
    assert not report.check_stored([], ["x"])["ok"]  # nothing acknowledged proves nothing


def test_tables_have_one_line_per_row_and_escape_pipes():
    rows = [Row("district page", "sqlite", "500 req/s", "0.70 of hello",
                at_least(0.6, ">= 0.6 of hello"), 0.7),
            Row("comment POST", "postgresql", "80 req/s", "1.2x Isso",
                at_least(1.5, ">= 1.5x"), 1.2, note="503: 2 | socket: 1")]
    text = report.text_table(rows).splitlines()
    assert len(text) == 4 and text[0].startswith("scenario")
    assert text[2].rstrip().endswith("yes") and text[3].rstrip().endswith("NO")
    md = report.markdown_report(rows, title="T", machine={"machine": "2 CPUs"}, notes=["n"])
    assert "| district page | sqlite | 500 req/s | 0.70 of hello | >= 0.6 of hello | yes |" in md
    assert "503: 2 \\| socket: 1" in md
    assert "- machine: 2 CPUs" in md and "- n" in md
    assert report.errors_text({}) == "0 errors"
    assert report.errors_text({503: 2, "socket": 1}) == "503: 2, socket: 1"


def test_wrk_report_is_read():
    output = """Running 5s test @ http://127.0.0.1:8000/hello
  2 threads and 8 connections
  8123 requests in 5.00s, 1.2MB read
  Socket errors: connect 0, read 12, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:   1624.55
Transfer/sec:    245.12KB
"""
    rate, errors = parse_wrk(output)
    assert rate == pytest.approx(1624.55)
    assert errors == {"non-2xx/3xx": 7, "socket timeout": 3}
    assert parse_wrk("Requests/sec: 10.0\n") == (10.0, {})
    with pytest.raises(RuntimeError):
        parse_wrk("nothing")


def test_comment_form_fields_are_found_as_a_browser_sends_them():
    html = """<form action="/search"><input name="q"></form>
    <form id="comment-form" method="post" action="/posts/7/comments#comment-form">
      <input type="hidden" name="csrf_token" value="tok">
      <input type="hidden" name="terms_version" value="3">
      <input name="name" value=""><textarea name="body">kept</textarea>
      <input type="checkbox" name="accept_terms" value="y">
      <input type="checkbox" name="notify" value="y" checked>
      <button type="submit">Send</button></form>"""
    action, fields = comment_form(html)
    assert action == "/posts/7/comments"
    assert fields == {"csrf_token": "tok", "terms_version": "3", "name": "", "body": "kept",
                      "notify": "y"}
    with pytest.raises(RuntimeError):
        comment_form("<form action='/x'></form>")


def test_the_profiler_refuses_a_count_below_one_and_names_its_areas():
    from bench import profile_pages
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "profile_pages.py"),
                          "--requests", "0"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "positive number" in run.stderr
    site = "/venv/lib/python3.11/site-packages"
    assert profile_pages.area_of(f"{site}/sqlalchemy/orm/session.py").startswith("SQLAlchemy")
    assert profile_pages.area_of(f"{ROOT}/templates/public/post.html").startswith("Jinja")
    assert profile_pages.area_of(f"{site}/werkzeug/routing.py") == "Flask and Werkzeug"
    assert profile_pages.area_of(f"{ROOT}/beatdesk/comments.py") == "Beatdesk's own Python"
    assert profile_pages.area_of("/usr/lib/python3.11/json/encoder.py").startswith("other")

"""Where the time goes in the scenarios whose speed target is missed: one profile per scenario.

    .venv/bin/python bench/profile_pages.py                    # SQLite
    .venv/bin/python bench/profile_pages.py --database-url postgresql://postgres@127.0.0.1/x
    .venv/bin/python bench/profile_pages.py --only "comment POST" --top 25

The script seeds the benchmark's data at its quick sizes (``bench/run.py --quick``: 1,000 posts,
a thread of 50 and one of 600 comments; 20,000 comments for the moderation queue) into a
throwaway SQLite database, or into the PostgreSQL database named by ``--database-url`` (its
``public`` schema is dropped first, so use a scratch database). It then runs each scenario in
process, through the WSGI application as gunicorn would call it (page cache off, production
settings), ``--requests`` times under cProfile, and prints for each:

- the time per request without the profiler;
- the profiled time split by where it is spent: SQL in the database driver, SQLAlchemy
  (statement building, compiling, ORM loading), Jinja rendering (the templates' own code,
  escaping, filters, ``url_for``), the application's own Python, Flask and Werkzeug (routing,
  request and response objects), and the rest (e.g. the standard library);
- the application functions with the most cumulative time.

This is what the README's Speed section quotes for each missed target.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import moderation_queue, public_pages  # noqa: E402
from bench.harness import seeding  # noqa: E402
from bench.harness.load import comment_form, comment_text  # noqa: E402

SITE_PACKAGES = f"{os.sep}site-packages{os.sep}"
# (label, test on a profiled function's file name), first match wins.
AREAS = (
    ("SQL in the driver", lambda f: f.startswith("~") and "sqlite3" in f or "psycopg" in f
     or "_sqlite3" in f),
    ("SQLAlchemy (build, compile, load)", lambda f: f"{os.sep}sqlalchemy{os.sep}" in f),
    ("Jinja (templates, escaping)", lambda f: f.endswith(".html") or f"{os.sep}jinja2{os.sep}" in f
     or f"{os.sep}markupsafe{os.sep}" in f),
    ("WTForms", lambda f: f"{os.sep}wtforms{os.sep}" in f),
    ("Flask and Werkzeug", lambda f: f"{os.sep}flask{os.sep}" in f
     or f"{os.sep}werkzeug{os.sep}" in f or f"{os.sep}flask_" in f),
    ("Beatdesk's own Python", lambda f: f.startswith(str(ROOT)) and SITE_PACKAGES not in f),
)


def area_of(filename: str) -> str:
    for label, test in AREAS:
        if test(filename):
            return label
    return "other (standard library, C built-ins)"


def breakdown(stats: pstats.Stats) -> dict[str, float]:
    """Self time (``tottime``) summed per area, as shares of the whole."""
    totals: dict[str, float] = {}
    for (filename, _, name), (_, _, tottime, _, callers) in stats.stats.items():
        if filename == "~":  # a C function: charge it to the area of its callers
            caller_files = [c[0] for c in callers] or ["~"]
            label = ("SQL in the driver" if re.search(r"sqlite3|psycopg|execute|fetch", name)
                     and any(f"{os.sep}sqlalchemy{os.sep}" in f or "psycopg" in f
                             for f in caller_files)
                     else area_of(caller_files[0]))
        else:
            label = area_of(filename)
        totals[label] = totals.get(label, 0.0) + tottime
    whole = sum(totals.values()) or 1.0
    return {label: share / whole for label, share in
            sorted(totals.items(), key=lambda item: -item[1])}


# Wrappers every request passes through whole: their time is the request's, not a finding.
WRAPPERS = ("bench/", "blueprints/public/cache.py", "blueprints/access.py")


def top_own_functions(stats: pstats.Stats, count: int) -> list[tuple[str, int, float]]:
    """The application's functions (templates are in the Jinja share) by cumulative time."""
    rows = []
    for (filename, line, name), (_, calls, _, cumtime, _) in stats.stats.items():
        short = os.path.relpath(filename, ROOT) if filename.startswith(str(ROOT)) else ""
        if short and SITE_PACKAGES not in filename and not short.endswith(".html") \
                and not short.startswith(WRAPPERS):
            rows.append((f"{short}:{line} {name}", calls, cumtime))
    rows.sort(key=lambda row: -row[2])
    return rows[:count]


class Scenario:
    def __init__(self, label: str, request):
        self.label, self.request = label, request


def seed_public(url: str) -> dict:
    slug = public_pages.seed(url, 1_000, 25)
    terms_version = seeding.install_terms(url)
    write_post, big_post, small_post = seeding.published_posts(url, 3)
    seeding.seed_comments(url, {small_post: 50, big_post: 600}, terms_version)
    return {"slug": slug, "write": write_post, "big": big_post, "small": small_post}


def make_app(url: str, workdir: Path, env: str = "production"):
    """Production settings, or development for the console (whose session cookie production
    sends over HTTPS only)."""
    from cryptography.fernet import Fernet

    from app import create_app
    return create_app({
        "BEATDESK_ENV": env, "SECRET_KEY": "bench-only-secret-" + "0" * 32,
        "DATABASE_URL": url, "PUBLIC_CACHE_SECONDS": 0, "RATELIMIT_ENABLED": False,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(), "MEDIA_ROOT": str(workdir / "media"),
        "RELEASE_ROOT": str(workdir / "releases"),
        "ARCHIVE_KEY_FILE": str(workdir / "archive_signing_key.pem")})


def getter(client):
    """``get(path)``: a scenario that reads ``path`` whole with ``client`` and wants a 200."""
    def get(path):
        def run():
            response = client.get(path)
            response.get_data()
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        return run
    return get


def public_scenarios(app, ids: dict) -> list[Scenario]:
    client = app.test_client()
    get = getter(client)
    post_path = f"/posts/{ids['write']}"
    action, fields = comment_form(client.get(post_path).get_data(as_text=True))
    counter = {"n": 0}
    origin = "http://localhost"

    def post_comment():
        counter["n"] += 1
        data = {**fields, "name": "Reader 1", "email": "reader1@example.org",
                "body": comment_text("beatdesk", 1, counter["n"], "profile"),
                "accept_terms": "y", "website": ""}
        response = client.post(action, data=urlencode(data), headers={
            "Content-Type": "application/x-www-form-urlencoded", "Origin": origin,
            "Referer": f"{origin}{post_path}", "Sec-Fetch-Site": "same-origin"})
        if not 200 <= response.status_code < 400:
            raise SystemExit(f"comment POST answered {response.status_code}")

    return [
        Scenario("district page, uncached", get(f"/districts/{ids['slug']}")),
        Scenario("post page, 50 comments, uncached", get(f"/posts/{ids['small']}")),
        Scenario("page of 50 comments of 600", get(f"/posts/{ids['big']}?page=2")),
        Scenario("comment POST", post_comment),
    ]


def queue_scenarios(app, users: dict) -> list[Scenario]:
    client = moderation_queue.signed_in_client(app, users["news_affairs"])
    week_ago = (datetime.now(UTC) - timedelta(days=7)).date()
    get = getter(client)
    return [Scenario("moderation queue, held", get("/console/moderation/")),
            Scenario("moderation queue, last week",
                     get(f"/console/moderation/?state=all&since={week_ago}")),
            Scenario("console frame (/console/account)", get("/console/account"))]


def profile(scenario: Scenario, requests: int, top: int) -> None:
    for _ in range(5):
        scenario.request()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        scenario.request()
        times.append((time.perf_counter() - started) * 1000)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        scenario.request()
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"\n## {scenario.label}: {statistics.median(times):.2f} ms per request "
          f"(median of {requests}, no profiler)\n")
    print("| where | share of profiled time |\n|---|---|")
    for label, share in breakdown(stats).items():
        print(f"| {label} | {share:.0%} |")
    print("\nBeatdesk's functions with the most cumulative time "
          "(ms per request, under the profiler):\n")
    for name, calls, cumtime in top_own_functions(stats, top):
        print(f"- {name}: {cumtime / requests * 1000:.2f} ms ({calls / requests:g} calls)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--only", default="", help="profile only scenarios whose label has this")
    args = parser.parse_args()
    if args.requests < 1 or args.top < 1:
        parser.error("--requests and --top take a positive number")

    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"# Profiles on {database} (quick sizes; page cache off)")
    with tempfile.TemporaryDirectory(prefix="beatdesk-profile-") as tmp:
        workdir = Path(tmp)
        url = public_pages.prepare_database(args.database_url, workdir)
        app = make_app(url, workdir)
        for scenario in public_scenarios(app, seed_public(url)):
            if args.only in scenario.label:
                profile(scenario, args.requests, args.top)
        app.extensions["beatdesk.engine"].dispose()
        # The queue's data replaces the pages' (PostgreSQL: the same scratch database).
        (workdir / "queue").mkdir()
        url = moderation_queue.prepare_database(args.database_url, workdir / "queue")
        users = moderation_queue.seed(url, 20_000, 25, 2_000)
        app = make_app(url, workdir, env="development")
        for scenario in queue_scenarios(app, users):
            if args.only in scenario.label:
                profile(scenario, args.requests, args.top)
        app.extensions["beatdesk.engine"].dispose()


if __name__ == "__main__":
    main()

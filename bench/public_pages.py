"""Throughput of a public district page and the feeds against a bare "hello" route.

    .venv/bin/python bench/public_pages.py                          # 100,000 posts on SQLite
    .venv/bin/python bench/public_pages.py --posts 20000 --seconds 5
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/beatdesk_bench \\
        .venv/bin/python bench/public_pages.py                      # PostgreSQL (emptied first)

The script generates a department, districts and published posts (with some drafts and
discontinued posts mixed in) into a throwaway SQLite database, or into the PostgreSQL database
named by ``--database-url`` / ``BENCH_DATABASE_URL`` / ``DATABASE_URL`` (its ``public`` schema is
dropped first, so use a scratch database). It then starts gunicorn on a local port with the app
factory plus one extra route, ``/bench/hello``, which exists only in this script, and measures
requests per second for each path with several client processes over keep-alive connections.
Every path is served by the same server, workers and threads, so the ratios compare like with
like. DESIGN.md section 8 asks for the district page and a feed to reach at least half of hello.
The server runs with the app's defaults, the short page cache included; run the script with
``PUBLIC_CACHE_SECONDS=0`` in the environment to measure rendering without it.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text, update  # noqa: E402

from beatdesk import schema  # noqa: E402
from beatdesk.db import make_engine  # noqa: E402
from beatdesk.models import (Category, Department, District, Post, PostRevision,  # noqa: E402
                             PostState, User)
from beatdesk.roles import Role  # noqa: E402

BODY = ("Community alert from the district: the parade on Main Street closes roads between "
        "Lake and Wacker from 9 a.m. to noon. Plan another route and allow extra time. "
        "Officers will be at each crossing to help pedestrians.")
CATEGORIES = list(Category)
BATCH = 5_000


def bench_app():
    """The application as production builds it, plus the bare route used as the yardstick."""
    from app import create_app

    app = create_app()
    app.add_url_rule("/bench/hello", "bench_hello", lambda: "hello")
    return app


# --- data --------------------------------------------------------------------------------------

def prepare_database(url: str | None, workdir: Path) -> str:
    if url is None:
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    return url


def seed(url: str, posts: int, districts: int) -> str:
    """Department, approved districts with one author each, and ``posts`` posts in bulk.

    Returns the slug of the first district (the page measured).
    """
    engine = make_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(Department.__table__), [{
            "name": "Bench Police Department", "official_website": "https://pd.example/",
            "contact_phone": "(555) 010-0100", "contact_email": "info@pd.example",
            "contact_address": "1 Main Street", "review_interval_days": 7, "updated_at": now}])
        conn.execute(insert(User.__table__), [{
            "id": 1, "full_name": "Bench Admin", "rank": "", "star_number": "", "employee_number": "A1",
            "login_id": "benchadmin", "email": "admin@pd.example", "role": Role.ADMIN.value,
            "district_id": None, "active": True, "demo_account": False, "password_hash": "x",
            "password_changed_at": now, "must_change_password": False, "failed_logins": 0,
            "session_token": "t1", "created_at": now, "updated_at": now}])
        conn.execute(insert(District.__table__), [{
            "id": d, "number": d, "name": f"District {d}", "slug": f"district-{d}",
            "handle_x": f"@District{d}", "handle_mastodon": "", "handle_bluesky": "",
            "intro_statement": f"News, alerts and events from district {d}.",
            "contact_phone": "", "contact_email": "", "contact_address": "",
            "moderation_mode": "pre", "created_at": now, "updated_at": now,
            "approved_at": now, "approved_by_id": 1} for d in range(1, districts + 1)])
        conn.execute(insert(User.__table__), [{
            "id": 1 + d, "full_name": f"Representative {d}", "rank": "Officer",
            "star_number": str(d), "employee_number": f"R{d}", "login_id": f"rep{d}",
            "email": f"rep{d}@pd.example", "role": Role.REPRESENTATIVE.value, "district_id": d,
            "active": True, "demo_account": False, "password_hash": "x",
            "password_changed_at": now, "must_change_password": False, "failed_logins": 0,
            "session_token": f"t{d + 1}", "created_at": now, "updated_at": now}
            for d in range(1, districts + 1)])
        for start in range(1, posts + 1, BATCH):
            ids = range(start, min(start + BATCH, posts + 1))
            post_rows, revision_rows = [], []
            for n in ids:
                district = (n % districts) + 1
                published = now - timedelta(minutes=posts - n)
                turn = n // districts  # the how-many-th post of its district
                state = (PostState.DISCONTINUED if turn % 20 == 7 else
                         PostState.DRAFT if turn % 25 == 3 else PostState.PUBLISHED)
                category = CATEGORIES[n % len(CATEGORIES)].value
                post_rows.append({
                    "id": n, "district_id": district, "author_id": district + 1,
                    "category": category, "state": state.value, "notable": False,
                    "sergeant_review_requested": False, "current_revision_id": None,
                    "approved_revision_id": None,
                    "published_at": None if state == PostState.DRAFT else published,
                    "published_by_id": None if state == PostState.DRAFT else district + 1,
                    "discontinued_at": published if state == PostState.DISCONTINUED else None,
                    "discontinued_by_id": 1 if state == PostState.DISCONTINUED else None,
                    "discontinue_reason": "Out of date." if state == PostState.DISCONTINUED else "",
                    "created_at": published, "updated_at": published, "version": 1})
                revision_rows.append({
                    "id": n, "post_id": n, "number": 1, "category": category,
                    "body": f"{BODY} (post {n})", "notable_marked": False, "notable_forced": False,
                    "findings": [], "created_at": published - timedelta(minutes=1),
                    "created_by_id": district + 1})
            conn.execute(insert(Post.__table__), post_rows)
            conn.execute(insert(PostRevision.__table__), revision_rows)
        conn.execute(update(Post.__table__).values(current_revision_id=Post.__table__.c.id))
        if engine.dialect.name == "postgresql":
            for table in ("users", "districts", "posts", "post_revisions"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return "district-1"


# --- server and load ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "BEATDESK_ENV": "development",
           "SECRET_KEY": "bench-only-secret", "PYTHONPATH": str(ROOT)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "--workers", str(workers), "--threads", str(threads),
         "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "--chdir", str(ROOT), "bench.public_pages:bench_app()"],
        env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/hello")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise SystemExit("gunicorn did not start")


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def _client(port: int, path: str, seconds: float, results) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done = errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                done += 1
            else:
                errors += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except OSError:
            errors += 1
            conn.close()
    results.put((done, errors))


def measure(port: int, path: str, clients: int, seconds: float) -> tuple[float, int]:
    """Requests per second for ``path`` with ``clients`` concurrent keep-alive clients."""
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_client, args=(port, path, seconds, queue))
             for _ in range(clients)]
    for proc in procs:
        proc.start()
    totals = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    done = sum(t[0] for t in totals)
    return done / seconds, sum(t[1] for t in totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--districts", type=int, default=25)
    parser.add_argument("--database-url",
                        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0, help="per path and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="beatdesk-bench-") as workdir:
        url = prepare_database(args.database_url, Path(workdir))
        started = time.perf_counter()
        slug = seed(url, args.posts, args.districts)
        backend = url.split(":", 1)[0]
        print(f"{backend}: {args.posts:,} posts in {args.districts} districts, "
              f"seeded in {time.perf_counter() - started:.1f} s")
        port = free_port()
        server = start_server(url, port, args.workers, args.threads)
        try:
            paths = {"hello": "/bench/hello", "district page": f"/districts/{slug}",
                     "district feed (Atom)": f"/districts/{slug}/feed.atom",
                     "department feed (RSS)": "/feeds/department.rss"}
            for path in paths.values():  # warm up every worker and cache
                measure(port, path, args.clients, 1.0)
            # Rounds interleave the paths, and the median of each path's rounds is reported, so a
            # burst of other work on the machine does not land on one path only.
            samples = {name: [] for name in paths}
            for _ in range(args.rounds):
                for name, path in paths.items():
                    rate, errors = measure(port, path, args.clients, args.seconds)
                    samples[name].append(rate)
                    if errors:
                        print(f"  {name}: {errors} failed requests")
            rates = {name: statistics.median(values) for name, values in samples.items()}
        finally:
            stop_server(server)
    hello = rates["hello"]
    print(f"gunicorn gthread, {args.workers} workers x {args.threads} threads; "
          f"{args.clients} keep-alive clients; median of {args.rounds} rounds of "
          f"{args.seconds:g} s per path")
    print(f"{'path':<24}{'req/s':>10}{'vs hello':>10}")
    for name, rate in rates.items():
        print(f"{name:<24}{rate:>10.0f}{rate / hello:>10.2f}")
    slow = [name for name, rate in rates.items() if rate < hello / 2]
    print("target (at least half of hello): " + ("met" if not slow else "NOT met by " + ", ".join(slow)))


if __name__ == "__main__":
    main()

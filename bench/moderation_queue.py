"""Time to render one page of the moderation queue at a large number of comments.

    .venv/bin/python bench/moderation_queue.py                        # 1,000,000 comments, SQLite
    .venv/bin/python bench/moderation_queue.py --comments 100000 --repeat 30
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/beatdesk_bench \\
        .venv/bin/python bench/moderation_queue.py                    # PostgreSQL (emptied first)

The script generates districts, published posts and ``--comments`` visitor comments (mostly
visible, some held, hidden and removed; a few with screening flags) into a throwaway SQLite
database, or into the PostgreSQL database named by ``--database-url`` / ``BENCH_DATABASE_URL``
(its ``public`` schema is dropped first, so use a scratch database). It then renders queue pages
through the application (Flask's test client, so the time is the server's: routing, session,
queries and template) signed in as News Affairs (every district) and as a district sergeant,
for the default held queue, every state, a flag filter, a date range and a deep page.
DESIGN.md section 8 asks for one page in under 30 ms at 1,000,000 comments.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
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
from beatdesk.models import (Comment, CommentFlag, Department, District, Post,  # noqa: E402
                             PostRevision, User)
from beatdesk.roles import Role  # noqa: E402

BATCH = 10_000
STATES = ["visible"] * 80 + ["held"] * 10 + ["hidden"] * 5 + ["removed"] * 5
FLAG_RULES = ("attack", "threat", "spam", "personal_info", "obscenity")
BODY = ("Thanks for the update about the road closure on Main Street. Will the detour signs "
        "stay up over the weekend, and is the bus stop on Lake still served?")


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


def _user(uid: int, role: Role, district: int | None, now: datetime) -> dict:
    return {"id": uid, "full_name": f"Bench {role.value} {uid}", "rank": "Officer",
            "star_number": str(uid), "employee_number": f"B{uid}", "login_id": f"bench{uid}",
            "email": f"bench{uid}@pd.example", "role": role.value, "district_id": district,
            "active": True, "demo_account": False, "password_hash": "x",
            "password_changed_at": now, "must_change_password": False, "failed_logins": 0,
            "session_token": f"token{uid}", "created_at": now, "updated_at": now}


def seed(url: str, comments: int, districts: int, posts: int) -> dict[str, int]:
    """Bulk-insert the data; returns the ids of the users the pages are rendered for."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    rng = random.Random(7)
    with engine.begin() as conn:
        conn.execute(insert(Department.__table__), [{
            "name": "Bench Police Department", "official_website": "https://pd.example/",
            "contact_phone": "", "contact_email": "", "contact_address": "",
            "review_interval_days": 7, "updated_at": now}])
        conn.execute(insert(User.__table__), [_user(1, Role.ADMIN, None, now)])
        conn.execute(insert(District.__table__), [{
            "id": d, "number": d, "name": f"District {d}", "slug": f"district-{d}",
            "handle_x": "", "handle_mastodon": "", "handle_bluesky": "",
            "intro_statement": f"District {d}.", "contact_phone": "", "contact_email": "",
            "contact_address": "", "moderation_mode": "post", "created_at": now,
            "updated_at": now, "approved_at": now, "approved_by_id": 1}
            for d in range(1, districts + 1)])
        conn.execute(insert(User.__table__), [
            _user(2, Role.NEWS_AFFAIRS, None, now), _user(3, Role.SERGEANT, 1, now),
            *[_user(10 + d, Role.REPRESENTATIVE, d, now) for d in range(1, districts + 1)]])
        conn.execute(insert(Post.__table__), [{
            "id": n, "district_id": (n % districts) + 1, "author_id": 10 + (n % districts) + 1,
            "category": "community_alert", "state": "published", "notable": False,
            "sergeant_review_requested": False, "published_at": now - timedelta(days=400),
            "published_by_id": 10 + (n % districts) + 1, "discontinue_reason": "",
            "created_at": now, "updated_at": now, "version": 1} for n in range(1, posts + 1)])
        conn.execute(insert(PostRevision.__table__), [{
            "id": n, "post_id": n, "number": 1, "category": "community_alert",
            "body": f"Post {n}.", "notable_marked": False, "notable_forced": False,
            "findings": [], "created_at": now, "created_by_id": 10 + (n % districts) + 1}
            for n in range(1, posts + 1)])
        conn.execute(update(Post.__table__).values(current_revision_id=Post.__table__.c.id))

    started = time.perf_counter()
    for start in range(1, comments + 1, BATCH):
        rows, flags = [], []
        for n in range(start, min(start + BATCH, comments + 1)):
            post = rng.randint(1, posts)
            state = rng.choice(STATES)
            created = now - timedelta(seconds=(comments - n) * 30)
            taken_down = state in ("hidden", "removed")
            rows.append({
                "id": n, "post_id": post, "district_id": (post % districts) + 1, "parent_id": None,
                "author_name": f"Visitor {n % 5000}", "author_email": f"v{n % 5000}@example.org",
                "body": f"{BODY} ({n})", "terms_version": 1, "client_addr": "192.0.2.10",
                "state": state, "official": False, "staff_author_id": None,
                "clause_number": "3" if taken_down else "",
                "clause_title": "Personal attacks" if taken_down else "",
                "clause_terms_version": 1 if taken_down else None,
                "handled_at": created if state != "held" else None,
                "handled_by_id": 2 if state != "held" else None,
                "created_at": created, "version": 1 if state == "held" else 2})
            if n % 33 == 0:
                flags.append({"comment_id": n, "rule": FLAG_RULES[n % len(FLAG_RULES)],
                              "reason": "Bench flag.", "quote": "bench", "holds": True})
        with engine.begin() as conn:
            conn.execute(insert(Comment.__table__), rows)
            if flags:
                conn.execute(insert(CommentFlag.__table__), flags)
        done = min(start + BATCH - 1, comments)
        if done % 100_000 < BATCH:
            print(f"  {done:,} comments ({time.perf_counter() - started:.0f} s)", flush=True)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table in ("users", "districts", "posts", "post_revisions", "comments",
                          "comment_flags"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"news_affairs": 2, "sergeant": 3}


def signed_in_client(app, user_id: int):
    client = app.test_client()
    with app.app_context():
        from blueprints.database import db
        user = db().get(User, user_id)
        token = user.get_id()
    now = time.time()
    with client.session_transaction() as session:
        session.update({"_user_id": token, "_fresh": True, "auth_at": now, "last_seen": now})
        session.permanent = True
    return client


def measure(client, path: str, repeat: int) -> list[float]:
    response = client.get(path)  # warm-up (and a check that the page renders)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
    return times


def queue_filters(week_ago):
    """(who, label, QueueFilter, page) for each filter combination the queue offers."""
    from beatdesk.moderation import QueueFilter
    month_ago = week_ago - timedelta(days=23)
    return [
        ("news_affairs", "held, every district", QueueFilter(), 1),
        ("news_affairs", "every state", QueueFilter(state=""), 1),
        ("news_affairs", "one district, held", QueueFilter(district_id=5), 1),
        ("news_affairs", "one district, every state", QueueFilter(district_id=5, state=""), 1),
        ("news_affairs", "any flag", QueueFilter(state="", flag="any"), 1),
        ("news_affairs", "held, any flag", QueueFilter(flag="any"), 1),
        ("news_affairs", "held, one flag", QueueFilter(flag="attack"), 1),
        ("news_affairs", "one flag, every state", QueueFilter(state="", flag="threat"), 1),
        ("news_affairs", "one district, one flag", QueueFilter(district_id=5, state="",
                                                               flag="spam"), 1),
        ("news_affairs", "last week", QueueFilter(state="", since=week_ago), 1),
        ("news_affairs", "date range, removed", QueueFilter(state="removed", since=month_ago,
                                                            until=week_ago), 1),
        ("news_affairs", "removed, page 20", QueueFilter(state="removed"), 20),
        ("news_affairs", "every state, page 100", QueueFilter(state=""), 100),
        ("sergeant", "sergeant: own district, held", QueueFilter(district_id=1), 1),
        ("sergeant", "sergeant: every state", QueueFilter(district_id=1, state=""), 1),
        ("sergeant", "sergeant: any flag", QueueFilter(district_id=1, state="", flag="any"), 1),
    ]


def measure_queries(url: str, users: dict[str, int], repeat: int) -> dict[str, list[float]]:
    """The queue's own work per filter (its 4 queries and the ORM loading, no HTTP or template):
    what the indexes decide. Returns the times in ms per label."""
    from beatdesk import moderation
    from beatdesk.db import make_session_factory
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    week_ago = (datetime.now(UTC) - timedelta(days=7)).date()
    out = {}
    with sessions() as session:
        people = {who: session.get(User, uid) for who, uid in users.items()}
        for who, label, flt, page in queue_filters(week_ago):
            moderation.queue(session, people[who], flt, page)  # warm-up
            times = []
            for _ in range(repeat):
                session.expunge_all()
                people = {w: session.get(User, uid) for w, uid in users.items()}
                started = time.perf_counter()
                moderation.queue(session, people[who], flt, page)
                times.append((time.perf_counter() - started) * 1000)
            out[label] = times
    engine.dispose()
    return out


def percentile95(times: list[float]) -> float:
    times = sorted(times)
    return times[max(0, round(0.95 * len(times)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--districts", type=int, default=25)
    parser.add_argument("--posts", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--reuse", action="store_true",
                        help="measure a PostgreSQL database this script seeded before, as it is")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="beatdesk-bench-") as workdir:
        if args.reuse and args.database_url:
            url, users = args.database_url, {"news_affairs": 2, "sergeant": 3}
        else:
            url = prepare_database(args.database_url, Path(workdir))
            print(f"Seeding {args.comments:,} comments into {url.split('@')[-1]} ...", flush=True)
            users = seed(url, args.comments, args.districts, args.posts)

        from app import create_app
        app = create_app({"BEATDESK_ENV": "development", "SECRET_KEY": "bench-only-secret",
                          "DATABASE_URL": url, "RATELIMIT_ENABLED": False})
        app.instance_path = workdir
        week_ago = (datetime.now(UTC) - timedelta(days=7)).date()
        pages = [
            ("news_affairs", "/console/moderation/", "held, every district"),
            ("news_affairs", "/console/moderation/?state=all", "every state"),
            ("news_affairs", "/console/moderation/?state=all&flag=any", "any flag"),
            ("news_affairs", "/console/moderation/?state=held&flag=attack", "held, one flag"),
            ("news_affairs", f"/console/moderation/?state=all&since={week_ago}", "last week"),
            ("news_affairs", "/console/moderation/?state=removed&page=20", "removed, page 20"),
            ("sergeant", "/console/moderation/", "sergeant: own district, held"),
            ("sergeant", "/console/moderation/?state=all&district=1", "sergeant: every state"),
        ]
        print(f"\n{'page':36} {'median ms':>10} {'p95 ms':>8}")
        # The same console frame (header, navigation, footer) around almost no content.
        baseline = statistics.median(measure(signed_in_client(app, users["news_affairs"]),
                                             "/console/account", args.repeat))
        print(f"{'(console frame: /console/account)':36} {baseline:10.1f}")
        worst = 0.0
        for who, path, label in pages:
            times = sorted(measure(signed_in_client(app, users[who]), path, args.repeat))
            median = statistics.median(times)
            p95 = times[max(0, round(0.95 * len(times)) - 1)]
            worst = max(worst, median)
            print(f"{label:36} {median:10.1f} {p95:8.1f}")
        print(f"\nSlowest median: {worst:.1f} ms, {worst - baseline:.1f} ms above the console "
              "frame (target: under 30 ms per page at 1,000,000 comments)")
        print(f"\n{'queue query only (moderation.queue)':36} {'median ms':>10} {'p95 ms':>8}")
        slowest = 0.0
        for label, times in measure_queries(url, users, args.repeat).items():
            slowest = max(slowest, percentile95(times))
            print(f"{label:36} {statistics.median(times):10.1f} {percentile95(times):8.1f}")
        print(f"\nSlowest query p95: {slowest:.1f} ms (target: under 30 ms)")
        app.extensions["beatdesk.engine"].dispose()


if __name__ == "__main__":
    main()

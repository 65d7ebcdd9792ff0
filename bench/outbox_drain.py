"""Several ``flask worker`` processes drain the outbox: 0 duplicates, 0 lost, and how long.

Builds a throwaway SQLite database (or the PostgreSQL database in DATABASE_URL, which it empties:
its name must contain "bench"), queues ROWS post.create rows (posts x department accounts), starts
a stand-in platform on 127.0.0.1 that counts every create it receives, runs WORKERS processes of
``flask worker --once`` at the same time and checks every row was sent once and only once.

    .venv/bin/python bench/outbox_drain.py --rows 2000 --workers 2
    DATABASE_URL=postgresql://postgres@127.0.0.1/beatdesk_bench_outbox \\
        .venv/bin/python bench/outbox_drain.py --rows 2000 --workers 4
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from beatdesk import schema, sealing  # noqa: E402
from beatdesk.db import make_engine, normalise_url  # noqa: E402
from beatdesk.models import District, Post, PostRevision, User  # noqa: E402
from beatdesk.models.platforms import (OutboxAttempt, OutboxRow,  # noqa: E402
                                       PlatformAccount)
from beatdesk.roles import Role  # noqa: E402
from tests.test_outbox_support import StandInServer  # noqa: E402

ACCOUNTS = 20


def build(url: str, rows: int, platform_url: str) -> None:
    engine = make_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    schema.upgrade(engine)
    now = datetime.now(UTC)
    posts_needed = -(-rows // ACCOUNTS)
    with engine.begin() as conn:
        admin = conn.execute(insert(User).returning(User.id), [dict(
            full_name="Bench Admin", rank="", star_number="", employee_number="B0",
            login_id="admin", email="admin@bench.example", role=Role.ADMIN,
            password_hash="x")]).scalar_one()
        district = conn.execute(insert(District).returning(District.id), [dict(
            number=1, name="District 1", slug="d1", intro_statement="Bench.", approved_at=now,
            approved_by_id=admin)]).scalar_one()
        accounts = conn.execute(insert(PlatformAccount).returning(PlatformAccount.id), [dict(
            platform="x", district_id=None, handle=f"@bench{n}", base_url=platform_url,
            account_ref="", credentials="", active=True, connected_at=now,
            last_test_message="", inbound_cursor="", inbound_error="", version=1)
            for n in range(ACCOUNTS)]).scalars().all()
        post_ids, revision_ids = [], []
        for n in range(posts_needed):
            post_id = conn.execute(insert(Post).returning(Post.id), [dict(
                district_id=district, author_id=admin, category="community_alert",
                state="draft", created_at=now, updated_at=now)]).scalar_one()
            revision_id = conn.execute(insert(PostRevision).returning(PostRevision.id), [dict(
                post_id=post_id, number=1, category="community_alert",
                body=f"Bench post {n}.", findings=[], created_by_id=admin,
                created_at=now)]).scalar_one()
            conn.execute(Post.__table__.update().where(Post.id == post_id).values(
                current_revision_id=revision_id, state="published", published_at=now,
                published_by_id=admin))
            post_ids.append(post_id)
            revision_ids.append(revision_id)
        values = []
        for post_id, revision_id in zip(post_ids, revision_ids):
            for account in accounts:
                if len(values) < rows:
                    values.append(dict(
                        kind="post.create", state="pending", account_id=account, post_id=post_id,
                        revision_id=revision_id, idempotency_key=uuid.uuid4().hex, payload={},
                        attempts=0, max_attempts=8, available_at=now, claimed_by="",
                        last_error="", platform_id="", platform_url="", resolved_note="",
                        created_at=now, updated_at=now))
        conn.execute(insert(OutboxRow), values)
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=None,
                        help="default: 4 on PostgreSQL, 2 on SQLite")
    parser.add_argument("--batch", type=int, default=10)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    tmp = None
    if url:
        url = normalise_url(url)
        if "bench" not in url.rsplit("/", 1)[-1]:
            print("DATABASE_URL must name a throwaway database with 'bench' in its name.")
            return 2
    else:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{tmp.name}/bench.db"
    postgres = url.startswith("postgresql")
    workers = args.workers or (4 if postgres else 2)
    key = sealing.new_key()

    with StandInServer() as platform:
        build(url, args.rows, platform.url)
        env = {**os.environ, "BEATDESK_ENV": "testing", "SECRET_KEY": "bench",
               "ENCRYPTION_KEYS": key, "DATABASE_URL": url,
               "PLATFORM_CONNECTORS": "tests.test_outbox_support:connect"}
        logs = [tempfile.TemporaryFile("w+") for _ in range(workers)]
        started = time.perf_counter()
        procs = [subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "worker", "--once",
             "--batch", str(args.batch), "--name", f"bench-{n}"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
            for n, log in enumerate(logs)]
        codes = [p.wait() for p in procs]
        elapsed = time.perf_counter() - started
        failures = []
        for code, log in zip(codes, logs):
            log.seek(0)
            if code != 0:
                failures.append(log.read())
            log.close()
        received = Counter(p["key"] for p in platform.posts)
        requests = platform.create_requests

    engine = make_engine(url)
    with Session(engine) as session:
        states = dict(session.execute(select(OutboxRow.state, func.count())
                                      .group_by(OutboxRow.state)).all())
        keys = set(session.scalars(select(OutboxRow.idempotency_key)))
        attempts = session.scalar(select(func.count()).select_from(OutboxAttempt))
        by_worker = dict(session.execute(select(OutboxRow.claimed_by, func.count())
                                         .group_by(OutboxRow.claimed_by)).all())
    engine.dispose()
    duplicates = sum(n - 1 for n in received.values() if n > 1) + (requests - len(received))
    lost = len(keys - set(received)) + sum(n for s, n in states.items() if s != "sent")
    print(f"database      {'PostgreSQL' if postgres else 'SQLite'}")
    print(f"rows          {args.rows}")
    print(f"workers       {workers} processes, batches of {args.batch}")
    print(f"wall time     {elapsed:.1f} s (including each process's start-up)")
    print(f"throughput    {args.rows / elapsed:.0f} rows/s")
    print(f"per worker    {', '.join(f'{k}: {v}' for k, v in sorted(by_worker.items()))}")
    print(f"attempts      {attempts}")
    print(f"duplicates    {duplicates}")
    print(f"lost          {lost}")
    for error in failures:
        print("worker failed:", error[-2000:])
    if tmp is not None:
        tmp.cleanup()
    return 0 if duplicates == 0 and lost == 0 and not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())

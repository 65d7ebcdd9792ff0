"""Render time of the sergeant's review queue and the posts list at scale.

Generates districts and posts (default 100,000, most of them reviewed, a backlog unreviewed)
in a throwaway SQLite database (or the PostgreSQL database in DATABASE_URL, which it empties:
its name must contain "bench"), then times GET /console/posts/sergeant and /console/posts/
through the application's test client.

    .venv/bin/python bench/review_queue.py --posts 100000 --repeat 30
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from app import create_app  # noqa: E402
from beatdesk import schema  # noqa: E402
from beatdesk.db import make_engine  # noqa: E402
from beatdesk.models import District, Post, PostRevision, User  # noqa: E402
from beatdesk.roles import Role  # noqa: E402


def build(url: str, total: int, backlog: int) -> tuple[int, int]:
    engine = make_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    schema.upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        admin = conn.execute(insert(User).returning(User.id), [dict(
            full_name="Bench Admin", rank="", star_number="", employee_number="B0", login_id="admin",
            email="admin@bench.example", role=Role.ADMIN, password_hash="x")]).scalar_one()
        district_ids = conn.execute(insert(District).returning(District.id), [dict(
            number=n, name=f"District {n}", slug=f"d{n}", intro_statement="Bench.",
            approved_at=now, approved_by_id=admin) for n in range(1, 11)]).scalars().all()
        sergeant = conn.execute(insert(User).returning(User.id), [dict(
            full_name="Bench Sergeant", rank="Sergeant", star_number="1", employee_number="B1",
            login_id="sergeant", email="sgt@bench.example", role=Role.SERGEANT,
            district_id=district_ids[0], password_hash="x", totp_secret="JBSWY3DPEHPK3PXP",
            totp_confirmed_at=now)]).scalar_one()
        batch = 5000
        for start in range(0, total, batch):
            count = min(batch, total - start)
            rows = []
            for i in range(start, start + count):
                published = now - timedelta(minutes=total - i)
                unreviewed = i >= total - backlog
                rows.append(dict(
                    district_id=district_ids[0] if unreviewed else district_ids[i % 10],
                    author_id=sergeant, category="community_alert", state="published",
                    published_at=published, published_by_id=sergeant, created_at=published,
                    updated_at=published, reviewed_at=None if unreviewed else published,
                    reviewed_by_id=None if unreviewed else sergeant, notable=False,
                    sergeant_review_requested=False, discontinue_reason="", version=1))
            ids = conn.execute(insert(Post).returning(Post.id), rows).scalars().all()
            revisions = conn.execute(insert(PostRevision).returning(PostRevision.id), [dict(
                post_id=pid, number=1, category="community_alert", body=f"Bench post {pid}.",
                findings=[], created_by_id=sergeant, created_at=now) for pid in ids]
            ).scalars().all()
            conn.execute(Post.__table__.update().where(Post.id == text(":pid")).values(
                current_revision_id=text(":rid")),
                [{"pid": p, "rid": r} for p, r in zip(ids, revisions, strict=True)])
    engine.dispose()
    return sergeant, admin


def analyze(url: str) -> None:
    """ANALYZE the database once it is built, as a live one would be."""
    engine = make_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def user_district(url: str, user_id: int) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        district = conn.execute(text("SELECT district_id FROM users WHERE id = :id"),
                                {"id": user_id}).scalar_one()
    engine.dispose()
    return district


def timed(client, path: str, repeat: int) -> list[float]:
    client.get(path)  # warm up
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        out.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return out


def measure_queries(url: str, district_id: int, repeat: int, page_size: int = 25) -> list[float]:
    """The review queue's own queries (its first page and its size), without HTTP or template;
    times in ms."""
    from beatdesk import posts
    from beatdesk.db import make_session_factory
    engine = make_engine(url)
    out = []
    with make_session_factory(engine)() as session:
        posts.review_queue(session, district_id, page_size)  # warm-up
        for _ in range(repeat):
            session.expunge_all()
            start = time.perf_counter()
            posts.review_queue(session, district_id, page_size)
            posts.review_queue_size(session, district_id)
            out.append((time.perf_counter() - start) * 1000)
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--backlog", type=int, default=2_000,
                        help="unreviewed posts in the sergeant's district")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if url and "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit("DATABASE_URL must name a throwaway database with 'bench' in its name.")
    tmp = tempfile.mkdtemp()
    url = url or f"sqlite:///{tmp}/bench.db"
    started = time.perf_counter()
    sergeant_id, _admin = build(url, args.posts, args.backlog)
    print(f"built {args.posts:,} posts in {time.perf_counter() - started:.1f}s ({url.split(':')[0]})")
    app = create_app({"BEATDESK_ENV": "testing", "SECRET_KEY": "bench", "DATABASE_URL": url,
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    now = time.time()
    with app.app_context():
        from beatdesk.models import User as U
        from blueprints.database import db
        user = db().get(U, sergeant_id)
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
            sess["auth_at"] = now
            sess["last_seen"] = now
    analyze(url)
    samples = sorted(measure_queries(url, user_district(url, sergeant_id), args.repeat))
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"review queue queries (first page and size): median "
          f"{statistics.median(samples):.1f} ms, p95 {p95:.1f} ms over {args.repeat} runs")
    for path in ("/console/posts/sergeant", "/console/posts/"):
        samples = sorted(timed(client, path, args.repeat))
        p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
        print(f"{path}: median {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms "
              f"over {args.repeat} requests")


if __name__ == "__main__":
    main()

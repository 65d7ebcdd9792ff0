"""Comment threads for the post-page scenarios, in Beatdesk (bulk insert) and in Isso (its API)."""
from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, insert, select, text  # noqa: E402

from beatdesk import terms  # noqa: E402
from beatdesk.db import make_engine, make_session_factory  # noqa: E402
from beatdesk.models import Comment, Post, PostState  # noqa: E402

from .load import isso_post  # noqa: E402

BATCH = 5000


def comment_body(post_id: int, n: int) -> str:
    return (f"Thanks for posting this. The detour on Lake Street worked well for us this "
            f"morning; comment {n} on post {post_id}.")


def install_terms(url: str) -> int:
    """The default Terms of Service, installed once here rather than by the first two requests
    racing each other in two workers."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        number = terms.current_terms(session).number
        session.commit()
    engine.dispose()
    return number


def published_posts(url: str, count: int) -> list[int]:
    """The ids of the ``count`` newest published posts."""
    engine = make_engine(url)
    with engine.connect() as conn:
        ids = conn.scalars(select(Post.id).where(Post.state == PostState.PUBLISHED)
                           .order_by(Post.id.desc()).limit(count)).all()
    engine.dispose()
    return list(ids)


def seed_comments(url: str, threads: dict[int, int], terms_version: int) -> None:
    """``threads``: post id -> number of visible visitor comments to give it."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        districts = dict(conn.execute(select(Post.id, Post.district_id)
                                      .where(Post.id.in_(list(threads)))).all())
        for post_id, count in threads.items():
            rows = [{"post_id": post_id, "district_id": districts[post_id], "parent_id": None,
                     "author_name": f"Visitor {n}", "author_email": f"visitor{n}@example.org",
                     "body": comment_body(post_id, n), "terms_version": terms_version,
                     "client_addr": "192.0.2.10", "state": "visible", "official": False,
                     "clause_number": "", "clause_title": "", "source_platform": "",
                     "author_handle": "", "author_ref": "", "platform_url": "",
                     "platform_kind": "",
                     "created_at": now - timedelta(minutes=count - n), "version": 1}
                    for n in range(1, count + 1)]
            for start in range(0, len(rows), BATCH):
                conn.execute(insert(Comment.__table__), rows[start:start + BATCH])
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('comments', 'id'), "
                              "(SELECT max(id) FROM comments))"))
        conn.execute(text("ANALYZE"))
    engine.dispose()


def stored_bodies(url: str, post_id: int) -> list[str]:
    """Every visitor comment text stored on the post (whatever its state)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        bodies = conn.scalars(select(Comment.body).where(Comment.post_id == post_id)).all()
    engine.dispose()
    return list(bodies)


def count_comments(url: str, post_id: int) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count(Comment.id)).where(Comment.post_id == post_id))
    engine.dispose()
    return count


def seed_isso(port: int, threads: dict[str, int]) -> None:
    """``threads``: thread URI -> comments, posted through Isso's API (its own path for writes).
    The first comment of each thread creates it, alone, so two workers never race for it."""
    for uri, count in threads.items():
        status = isso_post(port, uri, comment_body(0, 0), "Visitor 0", title=f"Thread {uri}")
        if status not in (201, 202):
            raise RuntimeError(f"Isso refused the first comment of {uri}: {status}")

        def one(n, uri=uri):
            return isso_post(port, uri, comment_body(0, n), f"Visitor {n}")

        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(one, range(1, count)))
        failed = [s for s in statuses if s not in (201, 202)]
        if failed:
            raise RuntimeError(f"Isso refused {len(failed)} seed comments on {uri}")

"""Real worker processes (``flask worker --once``) against a stateful stand-in platform on
127.0.0.1: a worker killed with SIGKILL at every step of a send still gets every post to every
target exactly once (acceptance 2), and several workers drain rows with no duplicate and no
loss (acceptance 3; ``bench/outbox_drain.py`` runs the 2,000-row version)."""
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from beatdesk import clock, posts
from beatdesk.context import Actor
from beatdesk.models import PostState
from beatdesk.models.platforms import (OutboxAttempt, OutboxKind, OutboxRow, OutboxState,
                                       Platform, PlatformAccount)
from beatdesk.platforms import outbox
from beatdesk.roles import Role

from .conftest import TEST_ENCRYPTION_KEY
from .test_outbox_support import StandInServer

ROOT = Path(__file__).resolve().parent.parent
S = OutboxState


def worker_env(app, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEATDESK_WORKER")}
    env.update(BEATDESK_ENV="testing", SECRET_KEY="test-secret-key",
               ENCRYPTION_KEYS=TEST_ENCRYPTION_KEY, DATABASE_URL=app.config["DATABASE_URL"],
               MEDIA_ROOT=app.config["MEDIA_ROOT"],
               PLATFORM_CONNECTORS="tests.test_outbox_support:connect", **extra)
    return env


def start_worker(app, name: str, *options: str, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--once", "--name", name,
         *options], cwd=ROOT, env=worker_env(app, **extra),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def publish_to(db_session, factory, base_url: str, accounts: int, posts_count: int):
    district = factory.district()
    author = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(author)
    for n in range(accounts):
        db_session.add(PlatformAccount(platform=Platform.X, district_id=None if n % 2 else
                                       district.id, handle=f"@stand-in-{n}", base_url=base_url,
                                       credentials="", active=True))
    db_session.commit()
    for n in range(posts_count):
        post = factory.post(district, state=PostState.CHECKED, author=author,
                            body=f"Street fair {n} closes Elm Street on Saturday.")
        assert posts.publish(db_session, Actor(author), post) is None
    db_session.commit()
    rows = db_session.scalars(select(OutboxRow)).all()
    assert {r.kind for r in rows} == {OutboxKind.POST_CREATE}  # nothing else for a worker to take
    return rows


def expire_leases(db_session) -> None:
    """As time passing would: a dead worker's claims become due again."""
    db_session.execute(update(OutboxRow).where(OutboxRow.state == S.SENDING)
                       .values(lease_until=clock.utcnow() - timedelta(seconds=1)))
    db_session.commit()


def test_a_worker_killed_at_any_step_never_sends_a_post_twice(app, db_session, factory):
    """One worker per step of a send, each killed (SIGKILL) at that step on the row it took;
    then a clean worker finishes: every post is on every target exactly once."""
    points = outbox.CRASH_POINTS
    with StandInServer() as platform:
        created = publish_to(db_session, factory, platform.url, accounts=2,
                             posts_count=len(points) // 2)
        assert len(created) == len(points)
        crashed = [start_worker(app, f"doomed-{point}", "--batch", "1",
                                BEATDESK_WORKER_CRASH_AT=point) for point in points]
        for proc in crashed:
            proc.communicate(timeout=60)
            assert proc.returncode == -signal.SIGKILL
        db_session.rollback()
        sending = db_session.scalars(select(OutboxRow).where(OutboxRow.state == S.SENDING)).all()
        assert {r.claimed_by for r in sending} == {f"doomed-{p}" for p in points}
        # Only the workers killed after the platform accepted left a post there.
        assert len(platform.posts) == 2
        expire_leases(db_session)
        clean = start_worker(app, "clean")
        out, err = clean.communicate(timeout=60)
        assert clean.returncode == 0, err
        db_session.rollback()
        db_session.expire_all()
        rows = db_session.scalars(select(OutboxRow).where(
            OutboxRow.kind == OutboxKind.POST_CREATE)).all()
        assert {r.state for r in rows} == {S.SENT}
        received = Counter(p["key"] for p in platform.posts)
        assert received == Counter({r.idempotency_key: 1 for r in rows})
        assert platform.create_requests == len(rows)
        # The receipt names the post the platform holds.
        assert {r.platform_id for r in rows} == {p["id"] for p in platform.posts}
        outcomes = Counter(db_session.scalars(select(OutboxAttempt.outcome)))
        assert outcomes == {"reconciled": 2, "sent": 2}


def test_workers_in_parallel_drain_every_row_once(app, db_session, factory):
    postgres = app.config["DATABASE_URL"].startswith("postgresql")
    workers = 4 if postgres else 2
    with StandInServer() as platform:
        created = publish_to(db_session, factory, platform.url, accounts=50, posts_count=4)
        assert len(created) == 200
        procs = [start_worker(app, f"drain-{n}", "--batch", "5") for n in range(workers)]
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        db_session.rollback()
        db_session.expire_all()
        rows = db_session.scalars(select(OutboxRow).where(
            OutboxRow.kind == OutboxKind.POST_CREATE)).all()
        assert {r.state for r in rows} == {S.SENT}                       # 0 lost
        assert platform.create_requests == 200                            # 0 duplicates
        assert len({p["key"] for p in platform.posts}) == 200
        assert all(r.attempts == 1 for r in rows)
        assert db_session.scalar(select(func.count()).select_from(OutboxAttempt)) == 200

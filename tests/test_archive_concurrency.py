"""Acceptance 2: appends from several threads and processes at once make one unbroken chain."""
import multiprocessing
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from beatdesk import archive
from beatdesk.context import SYSTEM
from beatdesk.db import make_engine, make_session_factory
from beatdesk.models import ArchiveRecord

WORKERS = 4
APPENDS_EACH = 15


def append_many(url: str, worker: int, count: int = APPENDS_EACH) -> None:
    """One writer: its own engine and connections, one transaction per append, as a server has."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    try:
        for i in range(count):
            with sessions() as session:
                archive.append(session, record_type="test.concurrent", object_id=f"{worker}-{i}",
                               district_id=None, actor=SYSTEM,
                               content={"worker": worker, "i": i, "text": f"writer {worker}"})
                session.commit()
    finally:
        engine.dispose()


def assert_one_chain(url: str, expected: int) -> None:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        report = archive.verify(session)
        assert report.ok, report.problems
        assert report.checked == expected
        ids = session.scalars(select(ArchiveRecord.id).order_by(ArchiveRecord.id)).all()
        assert ids == list(range(1, expected + 1))
        objects = session.scalars(select(ArchiveRecord.object_id)).all()
        assert len(set(objects)) == expected  # every append landed exactly once
    engine.dispose()


def test_threads_append_one_chain(database_url):
    errors = []

    def run(worker):
        try:
            append_many(database_url, worker)
        except Exception as exc:  # surfaced below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert_one_chain(database_url, WORKERS * APPENDS_EACH)


def test_processes_append_one_chain(database_url):
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=append_many, args=(database_url, w))
                 for w in range(WORKERS)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * WORKERS
    assert_one_chain(database_url, WORKERS * APPENDS_EACH)


def test_the_database_refuses_a_fork(db_session):
    """Even a writer that skipped the lock cannot make two records follow the same one."""
    first = archive.append(db_session, record_type="t", object_id=1, district_id=None,
                           actor=SYSTEM, content={})
    db_session.commit()
    clone = ArchiveRecord(id=first.id + 1, record_type="t", object_id="2", actor_label="",
                          recorded_at=first.recorded_at, state="", content="{}",
                          content_hash=first.content_hash, prev_hash=first.prev_hash,
                          record_hash="f" * 64, search_text="")
    db_session.add(clone)
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()
    assert db_session.scalar(select(func.count(ArchiveRecord.id))) == 1

"""The append path: several records in one transaction take the chain lock and read the head
once, and a head remembered from a savepoint that was rolled back is never used."""
from sqlalchemy import event, select

from beatdesk import archive
from beatdesk.context import SYSTEM
from beatdesk.models import ArchiveHead, ArchiveRecord

from .conftest import reread


def _append(session, n: int) -> ArchiveRecord:
    return archive.append(session, record_type="test.append", object_id=n, district_id=None,
                          actor=SYSTEM, content={"n": n, "state": "kept"})


def _head_reads(session):
    reads: list[str] = []

    def sql(_conn, _cursor, statement, *_args):
        if statement.startswith("SELECT archive_records.id, archive_records.record_hash"):
            reads.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", sql)
    return reads, lambda: event.remove(engine, "before_cursor_execute", sql)


def test_appends_in_one_transaction_read_the_head_once_and_chain(db_session):
    _append(db_session, 0)
    db_session.commit()
    reads, stop = _head_reads(db_session)
    try:
        records = [_append(db_session, n) for n in range(1, 4)]
    finally:
        stop()
    assert len(reads) == 1
    assert [r.prev_hash for r in records[1:]] == [r.record_hash for r in records[:-1]]
    assert db_session.get(ArchiveHead, 1).position == records[-1].id  # the head row follows
    db_session.commit()
    reread(db_session)
    assert archive.verify(db_session).ok
    assert db_session.scalar(select(ArchiveHead.record_hash)) == records[-1].record_hash
    assert records[0] in db_session and records[0].content == '{"n":1,"state":"kept"}'


def test_a_rolled_back_savepoint_makes_the_next_append_read_the_head_again(db_session):
    first = _append(db_session, 1)
    savepoint = db_session.begin_nested()
    _append(db_session, 2)
    savepoint.rollback()
    after = _append(db_session, 3)
    assert after.id == first.id + 1 and after.prev_hash == first.record_hash
    db_session.commit()
    reread(db_session)
    assert archive.verify(db_session).ok


def test_a_new_transaction_reads_the_head_again(db_session):
    first = _append(db_session, 1)
    first_id = first.id
    db_session.rollback()
    again = _append(db_session, 2)
    assert again.id == first_id  # the rolled-back record's place is taken, not skipped
    _append(db_session, 3)
    db_session.rollback()  # an append, a rollback, another append: the same session goes on
    assert _append(db_session, 4).id == first_id
    db_session.commit()
    reread(db_session)
    assert archive.verify(db_session).ok

"""Archive verification: records per second, peak memory, and the cost of a checkpoint.

    .venv/bin/python bench/archive_verify.py                       # 100,000 records, SQLite
    .venv/bin/python bench/archive_verify.py --records 1000000
    DATABASE_URL=postgresql://postgres@127.0.0.1/beatdesk_bench \\
        .venv/bin/python bench/archive_verify.py --records 100000   # SQLite, then PostgreSQL

Writes ``--records`` records as a valid hash chain (a tenth of them disposed of under one sealed
disposition certificate, so every tombstone is proved), then times a full ``archive.verify``, a
full ``checkpoints.verify_anchored`` (with a stored checkpoint), and ``make_checkpoint`` after
100 more appends (it verifies only what follows the last checkpoint). Peak memory is Python's
(tracemalloc) during the full verification: it should not grow with the archive.
A PostgreSQL database named here has its ``public`` schema dropped: its name must contain
"bench" or "test".
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from beatdesk import archive, checkpoints, schema  # noqa: E402
from beatdesk.context import SYSTEM  # noqa: E402
from beatdesk.db import make_engine, make_session_factory, normalise_url  # noqa: E402
from beatdesk.models import (GENESIS_HASH, ArchiveHead, ArchiveRecord, DispositionRun,  # noqa: E402
                             User)
from beatdesk.roles import Role  # noqa: E402

BATCH = 5000
START = datetime(2024, 1, 1, tzinfo=UTC)


def build(session, records: int, key: checkpoints.ArchiveKey) -> None:
    people = [User(full_name=f"Officer {n}", rank="", star_number="", employee_number=str(n),
                   login_id=f"officer{n}", email=f"officer{n}@pd.example", role=Role.RECORDS,
                   password_hash="x", totp_secret="x") for n in (1, 2)]
    session.add_all(people)
    session.flush()
    run = DispositionRun(proposed_by_id=people[0].id, proposed_at=START, state="executed",
                         approved_by_id=people[1].id, approved_at=START)
    session.add(run)
    session.flush()
    prev, rows, disposed = GENESIS_HASH, [], []
    for n in range(1, records + 1):
        body = archive.canonical_json({"text": f"Record number {n} about a stolen bicycle",
                                       "state": "published"})
        fields = dict(id=n, record_type="comment", object_id=str(n), district_id=n % 25,
                      actor_id=None, actor_label="officer1",
                      recorded_at=START + timedelta(seconds=n), state="published",
                      content_hash=archive.sha256_hex(body), prev_hash=prev)
        fields["record_hash"] = archive.compute_record_hash(**fields)
        row = dict(fields, content=body, search_text=archive.searchable_text(json.loads(body)))
        if n % 10 == 0:
            row.update(content=archive.tombstone(row["content_hash"], START, run.id),
                       search_text="", disposed_at=START, disposition_run_id=run.id)
            disposed.append({"record_id": n, "content_hash": row["content_hash"],
                             "record_hash": row["record_hash"]})
        rows.append(row)
        prev = fields["record_hash"]
        if len(rows) == BATCH:
            session.execute(insert(ArchiveRecord), rows)
            rows = []
    if rows:
        session.execute(insert(ArchiveRecord), rows)
    session.execute(insert(ArchiveHead).values(id=1, position=records, record_hash=prev))
    content = {"certificate": "disposition", "disposition_run_id": run.id,
               "proposed_by": {"id": people[0].id}, "approved_by": {"id": people[1].id},
               "disposed": disposed, "disposed_count": len(disposed)}
    content["seal"] = {"key_id": key.key_id,
                       "signature": key.sign(archive.seal_payload(content))}
    archive.append(session, record_type=archive.CERTIFICATE_TYPE, object_id=run.id,
                   district_id=None, actor=SYSTEM, content=content)
    session.commit()


def measure(url: str, records: int) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    schema.upgrade(engine)
    session = make_session_factory(engine)()
    key = checkpoints.ArchiveKey.generate()
    started = time.perf_counter()
    build(session, records, key)
    print(f"[{engine.dialect.name}] {records:,} records written in "
          f"{time.perf_counter() - started:.1f} s")

    tracemalloc.start()
    started = time.perf_counter()
    report = archive.verify(session)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    session.rollback()
    assert report.ok, report.problems[:5]
    print(f"  archive.verify: {elapsed:.2f} s, {report.checked / elapsed:,.0f} records/s, "
          f"peak Python memory {peak / 2**20:.1f} MiB, {report.disposed:,} tombstones proved")

    checkpoints.make_checkpoint(session, key, verified=(report.head_position, report.head_hash))
    session.commit()
    started = time.perf_counter()
    anchored = checkpoints.verify_anchored(session, key)
    session.rollback()
    assert anchored.ok, anchored.problems[:5]
    print(f"  verify_anchored (sealed certificate, {anchored.checkpoints} checkpoint): "
          f"{time.perf_counter() - started:.2f} s")

    for n in range(100):
        archive.append(session, record_type="comment", object_id=f"new-{n}", district_id=1,
                       actor=SYSTEM, content={"text": "one more"})
    session.commit()
    started = time.perf_counter()
    made = checkpoints.make_checkpoint(session, key)
    session.commit()
    print(f"  make_checkpoint after 100 appends (verifies only those): "
          f"{(time.perf_counter() - started) * 1000:.0f} ms, record {made.position}")
    session.close()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure(f"sqlite:///{folder}/verify.db", args.records)
    if args.database_url.startswith(("postgres://", "postgresql")):
        url = normalise_url(args.database_url)
        name = make_url(url).database or ""
        if "bench" not in name and "test" not in name:
            sys.exit("the PostgreSQL database's name must contain 'bench' or 'test'")
        measure(url, args.records)


if __name__ == "__main__":
    main()

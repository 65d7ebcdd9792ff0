"""Peak memory of building a release package, for growing snapshot sizes.

    .venv/bin/python bench/release_package.py              # 1,000 and 10,000 records
    .venv/bin/python bench/release_package.py --sizes 1000 10000 100000

Each size gets a fresh SQLite database (or the PostgreSQL database in BENCH_DATABASE_URL,
emptied first), a request with that many attached records (every tenth with a redaction,
every hundredth withheld), and one build; the script prints the records, the package size,
the peak of Python allocations during the build (tracemalloc) and the process's peak RSS, the
build's time and the part of it spent laying out the PDF (with every part's seconds below).
Times are taken under tracemalloc, which slows Python code about twofold.
The peak should stay flat as the record count grows: files are streamed into the ZIP, the
snapshot is read in batches, and the PDF is built one volume at a time.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text  # noqa: E402

from beatdesk import clock, schema  # noqa: E402
from beatdesk.context import Actor  # noqa: E402
from beatdesk.db import make_engine, make_session_factory  # noqa: E402
from beatdesk.models import (Exemption, RecordsRequest, Redaction, RequestState,  # noqa: E402
                             SnapshotItem, User)
from beatdesk.release import build_release  # noqa: E402
from beatdesk.roles import Role  # noqa: E402

BODY = ("Community alert from the district: the parade on Main Street closes roads between "
        "Lake and Wacker from 9 a.m. to noon. Plan another route; call the desk at 555-0100. ")


def seed(session, size: int) -> RecordsRequest:
    """A records officer, a request and ``size`` snapshot records, inserted in bulk."""
    officer = User(full_name="Bench Officer", employee_number="B0001", login_id="benchofficer",
                   email="bench@pd.example", role=Role.RECORDS, password_hash="x")
    session.add(officer)
    session.flush()
    received = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)
    request = RecordsRequest(
        requester_name="Bench Requester", requester_contact="bench@example.org",
        received_via="email", received_at=received, received_on=date(2026, 11, 16),
        description="Every post.", commercial=False, rules_key="IL",
        state=RequestState.REVIEWING, original_due_on=date(2026, 11, 23),
        due_on=date(2026, 11, 23), created_by_id=officer.id)
    session.add(request)
    session.flush()
    exemption = session.scalars(select(Exemption).where(Exemption.code == "7(1)(b)")).one()
    batch = []
    for n in range(1, size + 1):
        batch.append({"request_id": request.id, "archive_record_id": n,
                      "record_type": "post.revision", "object_id": str(n), "district_id": None,
                      "recorded_at": received, "actor_label": "rep1", "state": "published",
                      "archive_hash": f"{n:064x}", "content_hash": f"{n:064x}",
                      "content": '{"body":"' + BODY + f'Post {n}.","state":"published"}}',
                      "attached_by_id": officer.id, "attached_at": received})
        if len(batch) == 5000:
            session.execute(insert(SnapshotItem), batch)
            batch = []
    if batch:
        session.execute(insert(SnapshotItem), batch)
    item_ids = session.scalars(select(SnapshotItem.id).where(SnapshotItem.request_id == request.id)
                               .order_by(SnapshotItem.id)).all()
    redactions = []
    for index, item_id in enumerate(item_ids):
        if index % 100 == 0:
            redactions.append({"kind": "record", "field": "", "match_text": ""})
        elif index % 10 == 0:
            redactions.append({"kind": "text", "field": "body", "match_text": "555-0100"})
        else:
            continue
        redactions[-1].update(request_id=request.id, item_id=item_id, exemption_id=exemption.id,
                              note="", created_by_id=officer.id, created_at=received)
    if redactions:
        session.execute(insert(Redaction), redactions)
    session.commit()
    return request


def measure(url: str, size: int, workdir: Path) -> dict:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    schema.upgrade(engine)
    session = make_session_factory(engine)()
    request = seed(session, size)
    officer = session.scalars(select(User)).one()
    clock.set_source(None)
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    parts: dict[str, float] = {}
    release = build_release(session, Actor(officer), request, root=workdir / "releases",
                            released_to="Bench Requester", timings=parts)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    session.commit()
    result = {"records": size, "package_bytes": release.package_bytes,
              "peak_python_bytes": peak, "seconds": elapsed,
              "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              "parts": parts, "pdf_seconds": parts.get("pdf", 0.0)}
    session.close()
    engine.dispose()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args(argv)
    print(f"{'records':>9} {'package':>12} {'peak (tracemalloc)':>20} {'max RSS':>10} {'time':>8}"
          f" {'PDF':>8} {'rest':>8}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
            r = measure(url, size, Path(tmp))
        print(f"{r['records']:>9,} {r['package_bytes'] / 1e6:>10.1f}MB "
              f"{r['peak_python_bytes'] / 1e6:>18.2f}MB {r['max_rss_kib'] / 1024:>8.0f}MB "
              f"{r['seconds']:>7.1f}s {r['pdf_seconds']:>7.1f}s "
              f"{r['seconds'] - r['pdf_seconds']:>7.1f}s")
        print("          " + ", ".join(f"{k} {v:.2f}s" for k, v in r["parts"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Verification that cannot be stopped or fooled (issue 9, acceptance 4).

An attacker with database access may write any value a column can hold, rewrite a record as a
well-formed tombstone, or delete the newest records and rewind the head. Each is detected and the
record named; a malformed record never stops verification from reaching the records after it.
"""
import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from beatdesk import archive, checkpoints, clock, retention
from beatdesk.context import SYSTEM, Actor
from beatdesk.models import ArchiveCheckpoint, ArchiveRecord, DispositionRun
from beatdesk.models.base import UTCDateTime
from beatdesk.roles import Role

from .test_archive import add, flip_one_byte
from .test_retention import world  # noqa: F401  (fixture)

VICTIM, LATER = 3, 6


def is_postgres(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def raw_write(session, *statements, params=None) -> None:
    """Tests only: write as someone with database access would, past triggers and foreign keys.

    A separate plain connection: on SQLite foreign keys are off unless switched on, and the
    append-only triggers are dropped (each test has its own copy of the database); on PostgreSQL
    ``session_replication_role = replica`` skips every trigger for this transaction only.
    """
    session.rollback()
    engine = create_engine(session.get_bind().url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            else:
                for trigger in ("archive_records_no_update", "archive_records_no_delete",
                                "archive_checkpoints_no_update", "archive_checkpoints_no_delete"):
                    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
            for statement in statements:
                conn.execute(text(statement), params or {})
    finally:
        engine.dispose()
    session.expire_all()


def flip_content(session, record_id: int) -> None:
    value = session.execute(text("SELECT content FROM archive_records WHERE id = :id"),
                            {"id": record_id}).scalar_one()
    raw_write(session, "UPDATE archive_records SET content = :v WHERE id = :id",
              params={"v": flip_one_byte(value), "id": record_id})


# --- Malformed values in every column ---------------------------------------------------------

BOTH, SQLITE, PG = "both", "sqlite", "postgresql"
HUGE = "9" * 5000  # valid JSON, but more digits than Python will turn into an int
DEEP = "[" * 100_000 + "]" * 100_000  # valid JSON nested deeper than any parser recurses

# column -> (SET clause, databases that can store it). Values a database refuses (types, NOT
# NULL, CHECK constraints) are skipped there: only what can be stored needs detecting.
MALFORMED = [
    ("id", "id = 2000000000", BOTH),
    ("record_type", "record_type = ''", BOTH),
    ("record_type", "record_type = X'FF00'", SQLITE),
    ("record_type", "record_type = NULL", BOTH),
    ("object_id", "object_id = CAST(X'FFFE' AS TEXT)", SQLITE),
    ("object_id", "object_id = 'other object'", BOTH),
    ("district_id", "district_id = 'north'", SQLITE),
    ("district_id", "district_id = 1.5", SQLITE),
    ("district_id", "district_id = 9223372036854775807", SQLITE),
    ("district_id", "district_id = -2147483648", BOTH),
    ("actor_id", "actor_id = 'nobody'", SQLITE),
    ("actor_id", "actor_id = 2147483647", BOTH),
    ("actor_label", "actor_label = X'C3'", SQLITE),
    ("actor_label", "actor_label = 'someone else'", BOTH),
    ("recorded_at", "recorded_at = 'not a time'", SQLITE),
    ("recorded_at", "recorded_at = '2026-13-45 99:99:99.000000'", SQLITE),
    ("recorded_at", "recorded_at = 0", SQLITE),
    ("recorded_at", "recorded_at = X'00'", SQLITE),
    ("recorded_at", "recorded_at = 'infinity'", PG),
    ("recorded_at", "recorded_at = '-infinity'", PG),
    ("recorded_at", "recorded_at = '20260-01-01 00:00:00+00'", PG),
    ("recorded_at", "recorded_at = recorded_at - interval '4052 years'", PG),
    ("recorded_at", "recorded_at = '2026-11-20 15:00:00+00 BC'", PG),
    ("state", "state = CAST(X'FF' AS TEXT)", SQLITE),
    ("state", "state = 'discontinued'", BOTH),
    ("content", "content = 'not json'", BOTH),
    ("content", "content = ''", BOTH),
    ("content", "content = CAST(X'FFFE' AS TEXT)", SQLITE),
    ("content", "content = X'7B7D'", SQLITE),
    ("content", "content = :huge, content_hash = :huge_hash", BOTH),
    ("content", "content = :deep, content_hash = :deep_hash", BOTH),
    ("content_hash", "content_hash = 'not a hash'", BOTH),
    ("content_hash", "content_hash = 42", SQLITE),
    ("prev_hash", "prev_hash = ''", BOTH),
    ("prev_hash", "prev_hash = upper(prev_hash)", BOTH),
    ("record_hash", "record_hash = 'zz'", BOTH),
    ("record_hash", "record_hash = X'00'", SQLITE),
    ("search_text", "search_text = X'00'", SQLITE),
    ("search_text", "search_text = 'other words'", BOTH),
    ("disposed_at", "disposed_at = 'garbage', disposition_run_id = 1, search_text = ''", SQLITE),
    ("disposed_at", "disposed_at = 'infinity', disposition_run_id = 1, search_text = ''", PG),
    ("disposed_at", "disposed_at = recorded_at, disposition_run_id = NULL", BOTH),
    ("disposition_run_id", "disposed_at = recorded_at, disposition_run_id = 'x'", SQLITE),
    ("disposition_run_id", "disposed_at = recorded_at, disposition_run_id = 2147483647, "
                           "search_text = ''", BOTH),
]
PARAMS = {"huge": HUGE, "huge_hash": archive.sha256_hex(HUGE),
          "deep": DEEP, "deep_hash": archive.sha256_hex(DEEP)}


def test_every_column_has_malformed_values():
    columns = {c.name for c in ArchiveRecord.__table__.columns}
    assert columns == {column for column, _, _ in MALFORMED}


@pytest.mark.parametrize("column,clause,databases", MALFORMED,
                         ids=[f"{c}:{s[:40]}" for c, s, _ in MALFORMED])
def test_a_malformed_value_is_named_and_verification_goes_on(db_session, column, clause,
                                                             databases):
    dialect = db_session.get_bind().dialect.name
    if databases not in (BOTH, dialect):
        pytest.skip(f"{dialect} cannot store this value")
    add(db_session, 8, state="published", actor_label="operator")
    try:
        raw_write(db_session, f"UPDATE archive_records SET {clause} WHERE id = {VICTIM}",
                  params={k: v for k, v in PARAMS.items() if f":{k}" in clause})
    except DBAPIError as exc:
        pytest.skip(f"{dialect} refuses it: {str(exc.orig).splitlines()[0]}")
    flip_content(db_session, LATER)  # a separate tampering later in the chain

    report = archive.verify(db_session, batch_size=3)

    victim = 2000000000 if column == "id" else VICTIM
    assert victim in report.bad_record_ids, report.problems
    assert LATER in report.bad_record_ids, report.problems
    assert report.checked == 8
    # Verification went on past the bad record: everything after it was checked.
    head = {8} if column == "id" else set()  # the head names the record that moved away
    assert set(report.bad_record_ids) <= {VICTIM, VICTIM + 1, LATER, LATER + 1, victim} | head


def test_the_report_names_the_malformed_column(db_session):
    add(db_session, 4)
    raw_write(db_session, "UPDATE archive_records SET "
              + ("recorded_at = 'infinity'" if is_postgres(db_session)
                 else "recorded_at = 'not a time'") + " WHERE id = 2")
    report = archive.verify(db_session)
    assert [p.record_id for p in report.problems] == [2]
    assert "recorded_at is not a valid time" in report.problems[0].reason


def test_a_malformed_head_is_named(db_session):
    add(db_session, 3)
    raw_write(db_session, "UPDATE archive_head SET record_hash = 'x'")
    report = archive.verify(db_session)
    assert report.bad_record_ids == [3]


def test_the_cli_names_a_malformed_record_and_exits_1(app, db_session):
    add(db_session, 5)
    raw_write(db_session, "UPDATE archive_records SET "
              + ("recorded_at = 'infinity'" if is_postgres(db_session)
                 else "recorded_at = 'garbage'") + " WHERE id = 2")
    flip_content(db_session, 4)
    result = app.test_cli_runner().invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 1, result.output
    assert "record 2: malformed stored value: recorded_at is not a valid time" in result.output
    assert "record 4: the content does not match its content hash" in result.output
    assert "Signed checkpoint" not in result.output  # a broken chain is never signed


# --- Forged tombstones ------------------------------------------------------------------------

def _disposed(world, db_session):  # noqa: F811
    run = retention.propose_run(db_session, Actor(world["officer"]))
    retention.approve_run(db_session, Actor(world["second"]), run)
    db_session.commit()
    return run


def forge_tombstone(db_session, record_id: int, run_id: int, *, bypass: bool) -> None:
    """Rewrite a record as a well-formed tombstone keeping every hash, as an attacker can."""
    record = db_session.get(ArchiveRecord, record_id)
    disposed_at = record.recorded_at
    values = {"content": archive.tombstone(record.content_hash, disposed_at, run_id),
              "disposed_at": UTCDateTime().process_bind_param(
                  disposed_at, db_session.get_bind().dialect),
              "run": run_id, "id": record_id}
    statement = ("UPDATE archive_records SET content = :content, search_text = '', "
                 "disposed_at = :disposed_at, disposition_run_id = :run WHERE id = :id")
    if bypass:
        raw_write(db_session, statement, params=values)
    else:  # the append-only trigger lets a disposal-shaped update through: no bypass needed
        db_session.execute(text(statement), values)
        db_session.commit()
        db_session.expire_all()


def test_legitimate_tombstones_verify(world, db_session):  # noqa: F811
    _disposed(world, db_session)
    report = archive.verify(db_session)
    assert report.ok and report.disposed == 4


def test_a_tombstone_its_run_did_not_list_is_named_as_forged(world, db_session):  # noqa: F811
    run = _disposed(world, db_session)
    post = world["records"][(11, "post.revision")]
    forge_tombstone(db_session, post.id, run.id, bypass=False)
    assert db_session.get(ArchiveRecord, post.id).disposed  # the forgery is stored...
    report = archive.verify(db_session)
    assert report.bad_record_ids == [post.id]  # ...and it is the only record named
    assert "forged tombstone" in report.problems[0].reason


def test_a_tombstone_without_any_certificate_is_named_as_forged(world, db_session):  # noqa: F811
    post = world["records"][(12, "post.revision")]
    forge_tombstone(db_session, post.id, 4242, bypass=True)
    report = archive.verify(db_session)
    assert report.bad_record_ids == [post.id]
    assert "no disposition certificate for run 4242" in report.problems[0].reason


def test_a_certificate_approved_by_its_proposer_authorises_nothing(world, db_session):  # noqa: F811
    """The attacker appends a well-formed certificate of their own making, then the tombstone."""
    post = world["records"][(11, "post.revision")]
    officer = {"id": world["officer"].id, "login_id": world["officer"].login_id}
    run = DispositionRun(proposed_by_id=world["officer"].id)
    db_session.add(run)
    db_session.flush()
    cert = archive.append(db_session, record_type=archive.CERTIFICATE_TYPE, object_id=run.id,
                          district_id=None, actor=SYSTEM, content={
                              "certificate": "disposition", "disposition_run_id": run.id,
                              "proposed_by": officer, "approved_by": officer,
                              "disposed": [{"record_id": post.id,
                                            "content_hash": post.content_hash,
                                            "record_hash": post.record_hash}]})
    db_session.commit()
    forge_tombstone(db_session, post.id, run.id, bypass=True)
    report = archive.verify(db_session)
    assert report.bad_record_ids == sorted([post.id, cert.id])
    reasons = {p.record_id: p.reason for p in report.problems}
    assert "not approved by a second person" in reasons[cert.id]
    assert "forged tombstone" in reasons[post.id]


def test_the_certificate_lists_record_ids_and_original_content_hashes(world, db_session):  # noqa: F811
    run = _disposed(world, db_session)
    cert = retention.certificate(db_session, run)
    for entry in cert["disposed"]:
        record = db_session.get(ArchiveRecord, entry["record_id"])
        assert record.disposed and entry["content_hash"] == record.content_hash
    assert archive.certificate_fault(cert, run.id) is None


# --- Truncation with a rewound head -----------------------------------------------------------

@pytest.fixture
def key():
    return checkpoints.ArchiveKey.generate()


def truncate(db_session, keep: int) -> None:
    """Delete every record after ``keep`` and rewind the head to it, as an attacker would."""
    head = db_session.get(ArchiveRecord, keep).record_hash
    raw_write(db_session, f"DELETE FROM archive_records WHERE id > {keep}",
              "UPDATE archive_head SET position = :p, record_hash = :h",
              params={"p": keep, "h": head})


def test_truncation_with_a_rewound_head_is_named_against_a_checkpoint(db_session, key):
    add(db_session, 10)
    made = checkpoints.make_checkpoint(db_session, key)
    db_session.commit()
    assert (made.position, made.record_count) == (10, 10)
    truncate(db_session, keep=7)

    assert archive.verify(db_session).ok  # the chain alone cannot tell: it is consistent
    report = checkpoints.verify_anchored(db_session, key)
    assert not report.ok
    assert report.bad_record_ids == [8]
    assert "records 8 to 10 are missing" in report.problems[0].reason


def test_a_kept_checkpoint_catches_truncation_even_when_stored_ones_are_deleted(db_session, key):
    add(db_session, 10)
    kept = checkpoints.document(checkpoints.make_checkpoint(db_session, key))
    db_session.commit()
    truncate(db_session, keep=6)
    raw_write(db_session, "DELETE FROM archive_checkpoints")

    assert checkpoints.verify_anchored(db_session, key).ok  # nothing left to compare with...
    report = checkpoints.verify_anchored(db_session, key, kept=[kept])  # ...but the copy
    assert report.bad_record_ids == [7]
    assert "records 7 to 10 are missing" in report.problems[0].reason


def test_a_rewritten_tail_is_named_against_a_checkpoint(db_session, key):
    """Truncate, then append new records so the chain is as long as before."""
    add(db_session, 10)
    checkpoints.make_checkpoint(db_session, key)
    db_session.commit()
    truncate(db_session, keep=7)
    add(db_session, 4, record_type="post.revision")  # records 8 to 11, all new
    assert archive.verify(db_session).ok
    report = checkpoints.verify_anchored(db_session, key)
    assert report.bad_record_ids == [10]
    assert "rewritten" in report.problems[0].reason


def test_a_forged_or_altered_checkpoint_proves_nothing(db_session, key):
    add(db_session, 5)
    doc = checkpoints.document(checkpoints.make_checkpoint(db_session, key))
    db_session.commit()
    forged = dict(doc, position=3, record_hash=db_session.get(ArchiveRecord, 3).record_hash)
    report = checkpoints.verify_anchored(db_session, key, kept=[forged])
    assert report.bad_record_ids == [3] and "not signed" in report.problems[0].reason
    other = checkpoints.ArchiveKey.generate()
    report = checkpoints.verify_anchored(db_session, other, kept=[doc])
    assert "not signed" in report.problems[-1].reason


def test_an_altered_stored_checkpoint_is_named(db_session, key):
    add(db_session, 5)
    checkpoints.make_checkpoint(db_session, key)
    db_session.commit()
    raw_write(db_session, "UPDATE archive_checkpoints SET position = 2")
    report = checkpoints.verify_anchored(db_session, key)
    assert report.bad_record_ids == [2] and "not signed" in report.problems[0].reason


def test_checkpoints_are_append_only(db_session, key):
    add(db_session, 2)
    checkpoints.make_checkpoint(db_session, key)
    db_session.commit()
    for statement in ("UPDATE archive_checkpoints SET position = 1",
                      "DELETE FROM archive_checkpoints"):
        with pytest.raises(DBAPIError, match="append-only"):
            db_session.execute(text(statement))
        db_session.rollback()


def test_a_broken_chain_is_never_signed(db_session, key):
    add(db_session, 4)
    checkpoints.make_checkpoint(db_session, key)
    db_session.commit()
    add(db_session, 2)
    flip_content(db_session, 5)
    with pytest.raises(checkpoints.ChainBroken) as caught:
        checkpoints.make_checkpoint(db_session, key)
    assert caught.value.report.bad_record_ids == [5]
    db_session.rollback()
    assert db_session.scalar(select(ArchiveCheckpoint.position)
                             .order_by(ArchiveCheckpoint.id.desc()).limit(1)) == 4


def test_an_unchanged_head_reuses_the_last_checkpoint(db_session, key):
    add(db_session, 3)
    first = checkpoints.make_checkpoint(db_session, key)
    assert checkpoints.make_checkpoint(db_session, key).id == first.id


def test_the_key_file_is_created_once_and_private(tmp_path):
    path = tmp_path / "keys" / "archive.pem"
    first = checkpoints.ArchiveKey.load_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert checkpoints.ArchiveKey.load_or_create(path).key_id == first.key_id
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(ValueError):
        checkpoints.ArchiveKey.load_or_create(tmp_path / "bad.pem")


# --- The operator's and the outside party's view ----------------------------------------------

def test_cli_checkpoint_then_verify_against_the_kept_file(app, db_session, tmp_path):
    add(db_session, 9)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["archive", "checkpoint", "--quiet"])
    assert result.exit_code == 0, result.output
    kept = json.loads(result.stdout)
    assert kept["position"] == 9 and kept["algorithm"] == "Ed25519"
    path = tmp_path / "kept.json"
    path.write_text(result.stdout)

    truncate(db_session, keep=5)
    raw_write(db_session, "DELETE FROM archive_checkpoints")
    result = runner.invoke(args=["archive", "verify", "--quiet", "--checkpoint", str(path)])
    assert result.exit_code == 1, result.output
    assert "record 6: records 6 to 9 are missing" in result.output

    (tmp_path / "junk.json").write_text("{not json")
    result = runner.invoke(args=["archive", "verify", "--quiet", "--checkpoint",
                                 str(tmp_path / "junk.json")])
    assert result.exit_code == 2 and "not JSON" in result.output


def test_cli_verify_anchors_an_intact_chain(app, db_session):
    add(db_session, 3)
    result = app.test_cli_runner().invoke(args=["archive", "verify", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Signed checkpoint" in result.output
    db_session.expire_all()
    made = db_session.scalars(select(ArchiveCheckpoint)).one()
    # The verification's own audit record is covered too.
    assert made.position == archive.chain_length(db_session) == 4


def test_published_checkpoints_verify_with_the_published_key(app, client, db_session):
    add(db_session, 4)
    assert app.test_cli_runner().invoke(args=["archive", "checkpoint", "--quiet"]).exit_code == 0
    published = client.get("/archive/checkpoints.json").get_json()
    latest = published["latest"]
    # What an outside party does, with nothing but the published JSON and a crypto library.
    public_key = load_pem_public_key(published["public_key"].encode())
    signed = json.dumps({k: v for k, v in latest.items() if k != "signature"}, sort_keys=True,
                        separators=(",", ":"), ensure_ascii=False).encode()
    public_key.verify(base64.b64decode(latest["signature"]), signed)
    assert published["key_id"] == hashlib.sha256(public_key.public_bytes_raw()).hexdigest()[:32]

    page = client.get("/archive/checkpoints").get_data(as_text=True)
    assert latest["record_hash"] in page and "BEGIN PUBLIC KEY" in page
    # People read the time in the department's zone; the signed text stays as it was signed.
    assert f"{clock.local_text(latest['signed_at'], 'America/Chicago')}</time>" in page
    assert f"<code>{latest['signed_at']}</code>" in page
    for kind in ("atom", "rss"):
        feed = client.get(f"/feeds/department.{kind}").get_data(as_text=True)
        assert f"archive-checkpoint:{latest['position']}:{latest['record_hash']}" in feed
        assert "/archive/checkpoints.json" in feed


def test_pages_without_any_checkpoint(client):
    assert "No checkpoint has been signed yet" in client.get("/archive/checkpoints").get_data(
        as_text=True)
    assert client.get("/archive/checkpoints.json").get_json()["latest"] is None
    assert "archive-checkpoint" not in client.get("/feeds/department.atom").get_data(as_text=True)


def test_console_verify_shows_a_truncation(client, login_as, db_session, app):
    add(db_session, 6)
    login_as(Role.RECORDS)
    client.post("/console/archive/verify")  # intact: anchored by a checkpoint
    truncate(db_session, keep=4)
    client.post("/console/archive/verify")
    page = client.get("/console/archive/verify").get_data(as_text=True)
    assert "Mismatch found" in page and "are missing" in page


# --- Malformed values in the head and the stored checkpoints --------------------------------

HEAD_MALFORMED = [
    ("id", "id = 2", BOTH),  # refused: one row only
    ("position", "position = 'eight'", SQLITE),
    ("position", "position = 99", BOTH),
    ("record_hash", "record_hash = X'00'", SQLITE),
    ("record_hash", "record_hash = 'x'", BOTH),
]
# The checkpoint's row number is not part of what it states, so it has no malformed value.
CHECKPOINT_MALFORMED = [
    ("position", "position = 'three'", SQLITE),
    ("position", "position = 2", BOTH),
    ("record_hash", "record_hash = X'00'", SQLITE),
    ("record_hash", "record_hash = upper(record_hash)", BOTH),
    ("record_count", "record_count = 'many'", SQLITE),
    ("record_count", "record_count = 7", BOTH),
    ("signed_at", "signed_at = 'garbage'", SQLITE),
    ("signed_at", "signed_at = 'infinity'", PG),
    ("signed_at", "signed_at = signed_at - interval '4052 years'", PG),
    ("key_id", "key_id = CAST(X'FF' AS TEXT)", SQLITE),
    ("key_id", "key_id = 'another key'", BOTH),
    ("signature", "signature = 'AAAA'", BOTH),
    ("signature", "signature = 12", SQLITE),
]


def test_every_head_and_checkpoint_column_has_malformed_values():
    from beatdesk.models import ArchiveHead
    assert {c.name for c in ArchiveHead.__table__.columns} == {c for c, _, _ in HEAD_MALFORMED}
    assert {c.name for c in ArchiveCheckpoint.__table__.columns} - {"id"} == \
        {c for c, _, _ in CHECKPOINT_MALFORMED}


def _store_or_skip(db_session, table, clause, databases, where="1 = 1"):
    dialect = db_session.get_bind().dialect.name
    if databases not in (BOTH, dialect):
        pytest.skip(f"{dialect} cannot store this value")
    try:
        raw_write(db_session, f"UPDATE {table} SET {clause} WHERE {where}")
    except DBAPIError as exc:
        pytest.skip(f"{dialect} refuses it: {str(exc.orig).splitlines()[0]}")


@pytest.mark.parametrize("column,clause,databases", HEAD_MALFORMED,
                         ids=[f"{c}:{s[:40]}" for c, s, _ in HEAD_MALFORMED])
def test_a_malformed_head_is_named_and_the_chain_still_checked(db_session, column, clause,
                                                              databases):
    add(db_session, 8)
    _store_or_skip(db_session, "archive_head", clause, databases)
    flip_content(db_session, LATER)
    report = archive.verify(db_session)
    assert LATER in report.bad_record_ids
    assert any("head" in p.reason for p in report.problems), report.problems


@pytest.mark.parametrize("column,clause,databases", CHECKPOINT_MALFORMED,
                         ids=[f"{c}:{s[:40]}" for c, s, _ in CHECKPOINT_MALFORMED])
def test_a_malformed_stored_checkpoint_is_named_and_the_rest_still_checked(
        db_session, key, column, clause, databases):
    add(db_session, 3)
    checkpoints.make_checkpoint(db_session, key)
    add(db_session, 3)
    checkpoints.make_checkpoint(db_session, key)
    db_session.commit()
    _store_or_skip(db_session, "archive_checkpoints", clause, databases, where="id = 1")
    flip_content(db_session, 4)
    report = checkpoints.verify_anchored(db_session, key)
    assert 4 in report.bad_record_ids
    assert any("stored checkpoint 1 " in p.reason for p in report.problems), report.problems
    assert report.checkpoints == 1  # the second checkpoint was still checked, and matched


# --- Any value at all -------------------------------------------------------------------------

def _values(dialect: str):
    from hypothesis import strategies as st
    if dialect == "postgresql":  # what the column types let through; the rest is refused
        return st.one_of(st.text(st.characters(blacklist_characters="\x00"), max_size=90),
                         st.integers(-2**31, 2**31 - 1), st.none())
    return st.one_of(st.text(max_size=90), st.binary(max_size=20),
                     st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False), st.none())


def test_verify_names_a_record_whatever_value_it_holds(db_session):
    """Property: any value any column can store ends in the record being named, never an error,
    and the tampering after it is still found."""
    from hypothesis import HealthCheck, given, reject, settings
    from hypothesis import strategies as st

    add(db_session, 8, state="published", actor_label="operator")
    flip_content(db_session, LATER)
    columns = [c for c, _, _ in MALFORMED if c != "id"]
    original = dict(db_session.execute(text(f"SELECT * FROM archive_records WHERE id = {VICTIM}"))
                    .mappings().one())
    original.pop("search_vector", None)  # generated on PostgreSQL
    restore = ", ".join(f"{c} = :{c}" for c in original if c != "id")

    @settings(max_examples=30, deadline=None, database=None,
              suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
    @given(column=st.sampled_from(sorted(set(columns))),
           value=_values(db_session.get_bind().dialect.name))
    def check(column, value):
        if value == original[column]:
            reject()
        try:
            raw_write(db_session, f"UPDATE archive_records SET {column} = :v WHERE id = {VICTIM}",
                      params={"v": value})
        except DBAPIError:
            reject()
        try:
            report = archive.verify(db_session, batch_size=3)
            assert VICTIM in report.bad_record_ids, (column, value, report.problems)
            assert LATER in report.bad_record_ids
        finally:
            raw_write(db_session, f"UPDATE archive_records SET {restore} WHERE id = {VICTIM}",
                      params=original)

    check()


# --- Sealed certificates ----------------------------------------------------------------------

def test_a_sealed_certificate_authorises_its_tombstones(world, db_session, key):  # noqa: F811
    run = retention.propose_run(db_session, Actor(world["officer"]))
    retention.approve_run(db_session, Actor(world["second"]), run, key=key)
    db_session.commit()
    cert = retention.certificate(db_session, run)
    assert cert["seal"]["key_id"] == key.key_id
    assert archive.seal_fault(cert, key) is None
    report = checkpoints.verify_anchored(db_session, key)
    assert report.ok and report.disposed == 4


def test_a_certificate_someone_wrote_into_the_database_is_not_sealed(world, db_session, key):  # noqa: F811
    """Well-formed, two different people, the right hashes: only the seal tells it apart."""
    post = world["records"][(12, "post.revision")]
    people = [{"id": world[w].id, "login_id": world[w].login_id} for w in ("officer", "second")]
    run = DispositionRun(proposed_by_id=world["officer"].id)
    db_session.add(run)
    db_session.flush()
    cert = archive.append(db_session, record_type=archive.CERTIFICATE_TYPE, object_id=run.id,
                          district_id=None, actor=SYSTEM, content={
                              "certificate": "disposition", "disposition_run_id": run.id,
                              "proposed_by": people[0], "approved_by": people[1],
                              "disposed": [{"record_id": post.id,
                                            "content_hash": post.content_hash,
                                            "record_hash": post.record_hash}],
                              "seal": {"key_id": key.key_id, "signature": "AAAA"}})
    db_session.commit()
    forge_tombstone(db_session, post.id, run.id, bypass=True)
    report = checkpoints.verify_anchored(db_session, key)
    assert report.bad_record_ids == [post.id]
    assert "not sealed by this archive's key" in report.problems[0].reason
    assert cert.id not in report.bad_record_ids  # the record itself is intact


def test_approving_in_the_console_seals_the_certificate(world, app, client, login_as,  # noqa: F811
                                                        db_session):
    run = retention.propose_run(db_session, Actor(world["officer"]))
    db_session.commit()
    login_as(Role.RECORDS)
    response = client.post(f"/console/archive/dispositions/{run.id}/approve")
    assert response.status_code == 303
    db_session.expire_all()
    with app.app_context():
        from blueprints.archive.signing import archive_key
        key = archive_key()
    cert = retention.certificate(db_session, db_session.get(DispositionRun, run.id))
    assert archive.seal_fault(cert, key) is None
    assert checkpoints.verify_anchored(db_session, key).ok


def test_an_unreadable_key_file_is_a_clear_503_not_a_500(app, client, tmp_path):
    (tmp_path / "broken.pem").write_text("not a key")
    app.config["ARCHIVE_KEY_FILE"] = str(tmp_path / "broken.pem")
    for path in ("/archive/checkpoints", "/archive/checkpoints.json"):
        response = client.get(path)
        assert response.status_code == 503
        assert "cannot be shown right now" in response.get_data(as_text=True)

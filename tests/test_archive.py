"""The archive chain: canonical records, append-only storage, staff actions archived, verify."""
import hashlib
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from beatdesk import archive, audit
from beatdesk.context import SYSTEM, Actor
from beatdesk.models import GENESIS_HASH, ArchiveRecord
from beatdesk.roles import Role

from .conftest import reread


def add(session, n=1, state=None, **overrides):
    records = []
    for i in range(n):
        content = {"text": f"Record number {i + 1}", "n": i}
        if state:
            content["state"] = state
        fields = dict(record_type="post.revision", object_id=i + 1, district_id=None,
                      actor=SYSTEM, content=content)
        fields.update(overrides)
        records.append(archive.append(session, **fields))
    session.commit()
    return records


def test_append_stores_canonical_json_and_chains_hashes(db_session, factory, frozen_clock):
    user = factory.user(Role.SERGEANT)
    first = archive.append(db_session, record_type="post.revision", object_id=7,
                           district_id=user.district_id, actor=Actor(user),
                           content={"z": 1, "a": "Straße", "when": datetime(2026, 1, 2, tzinfo=UTC),
                                    "state": "discontinued"})
    second = archive.append(db_session, record_type="post.revision", object_id="7",
                            district_id=user.district_id, actor=Actor(user), content={"b": [1, 2]})
    db_session.commit()

    assert first.content == '{"a":"Straße","state":"discontinued","when":"2026-01-02T00:00:00.000000Z","z":1}'
    assert first.content_hash == hashlib.sha256(first.content.encode("utf-8")).hexdigest()
    assert (first.id, second.id) == (1, 2)
    assert first.prev_hash == GENESIS_HASH and second.prev_hash == first.record_hash
    assert (first.actor_id, first.actor_label) == (user.id, user.login_id)
    assert first.state == "discontinued" and second.state == ""
    assert first.object_id == "7" and first.recorded_at == frozen_clock.now
    assert "Straße" in first.search_text
    assert archive.record_history(db_session, first) == [first, second]
    assert archive.verify(db_session).ok


def test_archive_refuses_update_and_delete(db_session):
    add(db_session, 2)
    for statement in ("UPDATE archive_records SET content = '{}' WHERE id = 1",
                      "UPDATE archive_records SET disposed_at = CURRENT_TIMESTAMP, "
                      "disposition_run_id = NULL WHERE id = 1",
                      "DELETE FROM archive_records WHERE id = 2"):
        with pytest.raises(DBAPIError, match="append-only"):
            db_session.execute(text(statement))
        db_session.rollback()
    assert db_session.scalar(select(func.count(ArchiveRecord.id))) == 2


def test_a_rolled_back_append_leaves_no_gap(db_session):
    add(db_session, 1)
    archive.append(db_session, record_type="x", object_id=1, district_id=None, actor=None,
                   content={})
    db_session.rollback()
    (record,) = add(db_session, 1)
    assert record.id == 2
    assert archive.verify(db_session).ok


def test_every_audit_event_is_archived_in_the_same_transaction(db_session, factory):
    admin = factory.user(Role.ADMIN)
    row = audit.record_event(db_session, Actor(admin, "10.0.0.1"), "user.updated", obj=admin,
                             details={"changed": ["rank"]})
    record = db_session.scalars(select(ArchiveRecord)).one()
    assert record.record_type == "audit.user.updated"
    assert record.object_id == f"users/{admin.id}"
    content = json.loads(record.content)
    assert content["audit_event_id"] == row.id and content["details"] == {"changed": ["rank"]}
    assert content["client_addr"] == "10.0.0.1"
    db_session.rollback()
    assert db_session.scalar(select(func.count(ArchiveRecord.id))) == 0


def test_failed_sign_in_is_archived_with_the_typed_login(client, db_session, factory):
    client.post("/login", data={"login_id": "nobody", "password": "wrong-password"})
    reread(db_session)
    labels = db_session.scalars(select(ArchiveRecord.actor_label)
                                .where(ArchiveRecord.record_type.like("audit.%"))).all()
    assert "nobody" in labels


def test_verify_reports_clean_chain(db_session):
    add(db_session, 25)
    batches = []
    report = archive.verify(db_session, batch_size=10, on_batch=batches.append)
    assert report.ok and report.checked == 25 and batches == [10, 10, 5]
    assert report.problems == []


# --- Acceptance 1: any changed byte is named ------------------------------------------------

TAMPERABLE = ["content", "content_hash", "prev_hash", "record_hash", "record_type", "object_id",
              "actor_label", "state", "search_text"]


def _bypass_trigger(session):
    """Tests only: switch off the append-only trigger, as someone with database access could."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE archive_records DISABLE TRIGGER archive_records_append_only"))
    else:
        session.execute(text("DROP TRIGGER archive_records_no_update"))


def _restore_trigger(session):
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE archive_records ENABLE TRIGGER archive_records_append_only"))
        session.commit()


def flip_one_byte(value: str, at: int = 5) -> str:
    """Change exactly one character (an ASCII byte) of ``value``."""
    at = min(at, len(value) - 1)
    replacement = "0" if value[at] != "0" else "1"
    return value[:at] + replacement + value[at + 1:]


def tamper(session, record_id: int, column: str, at: int = 5) -> None:
    value = session.execute(text(f"SELECT {column} FROM archive_records WHERE id = :id"),
                            {"id": record_id}).scalar_one()
    _bypass_trigger(session)
    try:
        session.execute(text(f"UPDATE archive_records SET {column} = :v WHERE id = :id"),
                        {"v": flip_one_byte(value, at), "id": record_id})
        session.commit()
    finally:
        _restore_trigger(session)


@pytest.mark.parametrize("column", TAMPERABLE)
@pytest.mark.parametrize("victim", [1, 4, 8])
def test_changing_one_byte_names_the_record(db_session, column, victim):
    add(db_session, 8, state="published", actor_label="operator")
    tamper(db_session, victim, column)
    reread(db_session)
    report = archive.verify(db_session, batch_size=3)
    assert not report.ok
    assert victim in report.bad_record_ids
    # Only the record itself, and the next one's link when its hash changed, are named.
    assert set(report.bad_record_ids) <= {victim, victim + 1}


@pytest.mark.parametrize("column", ["district_id", "actor_id", "recorded_at"])
def test_changing_metadata_names_the_record(db_session, factory, column):
    user = factory.user(Role.SERGEANT)
    add(db_session, 3, actor=Actor(user), district_id=user.district_id)
    other = factory.user(Role.SERGEANT)
    _bypass_trigger(db_session)
    try:
        value = {"district_id": other.district_id, "actor_id": other.id,
                 "recorded_at": datetime(2020, 1, 1, 12, tzinfo=UTC)}[column]
        from beatdesk.models.base import UTCDateTime
        if column == "recorded_at":
            value = UTCDateTime().process_bind_param(value, db_session.get_bind().dialect)
        db_session.execute(text(f"UPDATE archive_records SET {column} = :v WHERE id = 2"), {"v": value})
        db_session.commit()
    finally:
        _restore_trigger(db_session)
    reread(db_session)
    assert archive.verify(db_session).bad_record_ids == [2]


def test_a_removed_tail_is_noticed(db_session):
    add(db_session, 4)
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("ALTER TABLE archive_records DISABLE TRIGGER archive_records_append_only"))
    else:
        db_session.execute(text("DROP TRIGGER archive_records_no_delete"))
    try:
        db_session.execute(text("DELETE FROM archive_records WHERE id = 4"))
        db_session.commit()
    finally:
        _restore_trigger(db_session)
    report = archive.verify(db_session)
    assert report.bad_record_ids == [4]


def test_a_removed_middle_record_is_noticed(db_session):
    add(db_session, 4)
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("ALTER TABLE archive_records DISABLE TRIGGER archive_records_append_only"))
    else:
        db_session.execute(text("DROP TRIGGER archive_records_no_delete"))
    try:
        db_session.execute(text("DELETE FROM disposition_items"))
        db_session.execute(text("DELETE FROM archive_records WHERE id = 2"))
        db_session.commit()
    finally:
        _restore_trigger(db_session)
    assert archive.verify(db_session).bad_record_ids == [3]


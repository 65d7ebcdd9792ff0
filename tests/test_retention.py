"""Retention schedules, legal holds and disposition (acceptance 6; acceptance 1 after disposal)."""
import json
from datetime import date

import pytest
from sqlalchemy import select, text

from beatdesk import archive, retention
from beatdesk.archive_search import SearchCriteria
from beatdesk.context import Actor
from beatdesk.errors import Conflict, PermissionDenied, ValidationFailed
from beatdesk.models import (ArchiveRecord, AuditEvent, DispositionState, ItemOutcome, PeriodUnit,
                             SavedSearch)
from beatdesk.roles import Role

from .test_archive import tamper


@pytest.fixture
def world(factory, db_session, frozen_clock):
    """Two districts' comments and posts written two years ago, three authorised people."""
    north, south = factory.district(number=11), factory.district(number=12)
    people = {"admin": factory.user(Role.ADMIN), "officer": factory.user(Role.RECORDS),
              "second": factory.user(Role.RECORDS),
              "sergeant": factory.user(Role.SERGEANT, north)}
    frozen_clock.now = frozen_clock.now.replace(year=2024)
    records = {}
    for district in (north, south):
        for kind in ("comment", "comment.moderation", "post.revision"):
            records[(district.number, kind)] = archive.append(
                db_session, record_type=kind, object_id=f"{district.number}-{kind}",
                district_id=district.id, actor=Actor(people["sergeant"]),
                content={"text": f"{kind} in {district.name} about a stolen bicycle",
                         "state": "removed" if kind == "comment.moderation" else "published"})
    db_session.commit()
    frozen_clock.now = frozen_clock.now.replace(year=2026)
    retention.create_schedule(db_session, Actor(people["admin"]), record_type="comment",
                              period_amount=1, period_unit="years",
                              authority="Illinois Local Records Act, Application No. 2026-001")
    db_session.commit()
    return {"north": north, "south": south, "records": records, **people}


def actor(world, who):
    return Actor(world[who])


def disposed_ids(db_session):
    db_session.expire_all()
    return set(db_session.scalars(select(ArchiveRecord.id)
                                  .where(ArchiveRecord.disposed_at.is_not(None))))


def test_only_records_past_a_schedule_are_proposed(world, db_session):
    run = retention.propose_run(db_session, actor(world, "officer"))
    db_session.commit()
    listed = {item.record_id for item in retention.run_items(db_session, run).items}
    comments = {r.id for (n, kind), r in world["records"].items() if kind.startswith("comment")}
    assert listed == comments  # posts have no schedule; audit records are not comments
    assert run.state is DispositionState.PROPOSED and disposed_ids(db_session) == set()


def test_a_held_record_survives_a_disposition_run(world, db_session):
    hold = retention.create_hold(db_session, actor(world, "officer"), retention.HoldData(
        reason="Pending lawsuit over the north district's comment moderation",
        case_number="2026-L-0042", district_id=world["north"].id))
    db_session.commit()
    run = retention.propose_run(db_session, actor(world, "officer"))
    retention.approve_run(db_session, actor(world, "second"), run)
    db_session.commit()

    north = {r.id for (n, kind), r in world["records"].items()
             if n == 11 and kind.startswith("comment")}
    south = {r.id for (n, kind), r in world["records"].items()
             if n == 12 and kind.startswith("comment")}
    assert disposed_ids(db_session) == south
    for record_id in north:
        record = db_session.get(ArchiveRecord, record_id)
        assert record.disposed_at is None and "stolen bicycle" in record.content
    assert retention.is_held(db_session, db_session.get(ArchiveRecord, min(north)))
    assert hold.active
    assert archive.verify(db_session).ok


def test_a_hold_placed_after_the_proposal_still_protects(world, db_session):
    run = retention.propose_run(db_session, actor(world, "officer"))
    db_session.commit()
    retention.create_hold(db_session, actor(world, "second"), retention.HoldData(
        reason="Records request", case_number="FOIA-2026-17", record_type="comment.moderation"))
    retention.approve_run(db_session, actor(world, "admin"), run)
    db_session.commit()
    moderation = {r.id for (n, kind), r in world["records"].items() if kind == "comment.moderation"}
    comments = {r.id for (n, kind), r in world["records"].items() if kind == "comment"}
    assert disposed_ids(db_session) == comments
    outcomes = {i.record_id: i.outcome for i in retention.run_items(db_session, run).items}
    assert {outcomes[i] for i in moderation} == {ItemOutcome.HELD}
    cert = retention.certificate(db_session, run)
    assert sorted(r["record_id"] for r in cert["kept"]) == sorted(moderation)


def test_a_hold_scoped_by_saved_search_and_dates(world, db_session):
    saved = SavedSearch(name="bicycles south", owner_id=world["officer"].id,
                        criteria=SearchCriteria(text="bicycle", district_id=world["south"].id).to_dict())
    db_session.add(saved)
    db_session.flush()
    retention.create_hold(db_session, actor(world, "officer"), retention.HoldData(
        reason="Civil claim", case_number="C-1", saved_search_id=saved.id,
        since=date(2024, 1, 1), until=date(2024, 12, 31)))
    run = retention.propose_run(db_session, actor(world, "officer"))
    retention.approve_run(db_session, actor(world, "second"), run)
    db_session.commit()
    north = {r.id for (n, kind), r in world["records"].items()
             if n == 11 and kind.startswith("comment")}
    assert disposed_ids(db_session) == north


def test_a_released_hold_no_longer_protects(world, db_session):
    hold = retention.create_hold(db_session, actor(world, "officer"), retention.HoldData(
        reason="Old case", case_number="C-9", record_type="comment"))
    with pytest.raises(ValidationFailed):
        retention.propose_run(db_session, actor(world, "officer"))
    db_session.rollback()
    retention.release_hold(db_session, actor(world, "second"), hold, "Case closed")
    run = retention.propose_run(db_session, actor(world, "officer"))
    db_session.commit()
    assert retention.item_counts(db_session, run) == {"pending": 4}
    with pytest.raises(Conflict):
        retention.release_hold(db_session, actor(world, "second"), hold, "again")


def test_disposition_without_a_second_approver_is_refused(world, db_session):
    run = retention.propose_run(db_session, actor(world, "officer"))
    db_session.commit()
    with pytest.raises(PermissionDenied, match="second authorised person"):
        retention.approve_run(db_session, actor(world, "officer"), run)
    db_session.rollback()
    with pytest.raises(PermissionDenied):
        retention.approve_run(db_session, actor(world, "sergeant"), run)
    db_session.rollback()
    db_session.expire_all()
    assert run.state is DispositionState.PROPOSED and run.approved_by_id is None
    assert disposed_ids(db_session) == set()


def test_the_database_refuses_self_approval(world, db_session):
    run = retention.propose_run(db_session, actor(world, "officer"))
    db_session.commit()
    with pytest.raises(Exception, match="second_person_approves|CHECK constraint"):
        db_session.execute(text("UPDATE disposition_runs SET state = 'executed', "
                                "approved_by_id = proposed_by_id, approved_at = proposed_at"))
    db_session.rollback()


def test_a_run_is_approved_once(world, db_session):
    run = retention.propose_run(db_session, actor(world, "officer"))
    retention.approve_run(db_session, actor(world, "second"), run)
    db_session.commit()
    with pytest.raises(Conflict):
        retention.approve_run(db_session, actor(world, "admin"), run)
    with pytest.raises(Conflict):
        retention.cancel_run(db_session, actor(world, "admin"), run)


def test_a_cancelled_run_disposes_of_nothing(world, db_session):
    run = retention.propose_run(db_session, actor(world, "officer"))
    retention.cancel_run(db_session, actor(world, "officer"), run)
    db_session.commit()
    with pytest.raises(Conflict):
        retention.approve_run(db_session, actor(world, "second"), run)
    assert disposed_ids(db_session) == set()
    # cancelled items no longer block a new proposal
    again = retention.propose_run(db_session, actor(world, "officer"))
    assert retention.item_counts(db_session, again) == {"pending": 4}


def test_records_in_an_open_run_are_not_proposed_twice(world, db_session):
    retention.propose_run(db_session, actor(world, "officer"))
    db_session.commit()
    with pytest.raises(ValidationFailed, match="nothing to dispose"):
        retention.propose_run(db_session, actor(world, "second"))


def test_the_certificate_lists_exactly_what_was_disposed(world, db_session):
    run = retention.propose_run(db_session, actor(world, "officer"))
    retention.approve_run(db_session, actor(world, "second"), run)
    db_session.commit()
    cert_record = archive.get_record(db_session, run.certificate_record_id)
    assert cert_record.record_type == "archive.disposition_certificate"
    cert = json.loads(cert_record.content)
    gone = disposed_ids(db_session)
    assert {r["record_id"] for r in cert["disposed"]} == gone and len(gone) == 4
    assert cert["disposed_count"] == run.disposed_count == 4
    for entry in cert["disposed"]:
        record = db_session.get(ArchiveRecord, entry["record_id"])
        assert entry["content_hash"] == record.content_hash
        assert entry["record_hash"] == record.record_hash
        assert entry["record_type"] == record.record_type
    assert cert["proposed_by"]["login_id"] == world["officer"].login_id
    assert cert["approved_by"]["login_id"] == world["second"].login_id
    assert cert["schedules"] == [{"id": 1, "record_type": "comment", "period": "1 year",
                                  "authority": "Illinois Local Records Act, Application No. 2026-001"}]
    assert cert["kept"] == []
    events = db_session.scalars(select(AuditEvent.event)).all()
    assert {"disposition.proposed", "disposition.executed",
            "retention.schedule_created"} <= set(events)


def test_a_tombstone_keeps_the_hash_and_hides_the_content(world, db_session):
    run = retention.propose_run(db_session, actor(world, "officer"))
    retention.approve_run(db_session, actor(world, "second"), run)
    db_session.commit()
    record = db_session.get(ArchiveRecord, min(disposed_ids(db_session)))
    stone = json.loads(record.content)
    assert stone["tombstone"] is True and stone["content_hash"] == record.content_hash
    assert "bicycle" not in record.content and record.search_text == ""
    found = archive.search(db_session, SearchCriteria(text="bicycle"), per_page=100)
    assert record.id not in {r.id for r in found.items} and found.total == 2  # the two posts
    report = archive.verify(db_session)
    assert report.ok and report.disposed == 4


@pytest.mark.parametrize("column", ["content", "content_hash", "record_hash"])
def test_tampering_with_a_disposed_record_is_named(world, db_session, column):
    run = retention.propose_run(db_session, actor(world, "officer"))
    retention.approve_run(db_session, actor(world, "second"), run)
    db_session.commit()
    victim = min(disposed_ids(db_session))
    tamper(db_session, victim, column, at=20)
    db_session.expire_all()
    assert victim in archive.verify(db_session).bad_record_ids


def test_a_disposed_record_cannot_be_rewritten(world, db_session):
    run = retention.propose_run(db_session, actor(world, "officer"))
    retention.approve_run(db_session, actor(world, "second"), run)
    db_session.commit()
    victim = min(disposed_ids(db_session))
    with pytest.raises(Exception, match="append-only"):
        db_session.execute(text("UPDATE archive_records SET content = 'x' WHERE id = :id"),
                           {"id": victim})
    db_session.rollback()


def test_the_most_specific_schedule_applies(world, db_session, frozen_clock):
    retention.create_schedule(db_session, Actor(world["admin"]), record_type="comment.moderation",
                              period_amount=5, period_unit=PeriodUnit.YEARS, authority="Longer")
    run = retention.propose_run(db_session, actor(world, "officer"))
    listed = {i.record_id for i in retention.run_items(db_session, run).items}
    assert listed == {r.id for (n, kind), r in world["records"].items() if kind == "comment"}


def test_a_schedule_retired_before_approval_keeps_its_records(world, db_session):
    run = retention.propose_run(db_session, actor(world, "officer"))
    (schedule,) = retention.list_schedules(db_session)
    retention.retire_schedule(db_session, Actor(world["admin"]), schedule)
    retention.approve_run(db_session, actor(world, "second"), run)
    db_session.commit()
    assert disposed_ids(db_session) == set()
    assert retention.item_counts(db_session, run) == {"retained": 4}


@pytest.mark.parametrize("fields,field", [
    ({"record_type": "Comment!"}, "record_type"),
    ({"record_type": "archive.disposition_certificate"}, "record_type"),
    ({"record_type": "comment"}, "record_type"),  # already has an active schedule
    ({"period_amount": 0}, "period_amount"),
    ({"period_unit": "weeks"}, "period_unit"),
    ({"authority": "  "}, "authority"),
])
def test_schedule_input_is_checked(world, db_session, fields, field):
    data = {"record_type": "post", "period_amount": 3, "period_unit": "years",
            "authority": "Local Records Act"}
    data.update(fields)
    with pytest.raises(ValidationFailed) as caught:
        retention.create_schedule(db_session, Actor(world["admin"]), **data)
    assert caught.value.field == field


def test_only_admins_set_schedules(world, db_session):
    with pytest.raises(PermissionDenied):
        retention.create_schedule(db_session, actor(world, "officer"), record_type="post",
                                  period_amount=1, period_unit="years", authority="x")


@pytest.mark.parametrize("data,field", [
    (dict(reason="", case_number="1", record_type="post"), "reason"),
    (dict(reason="r", case_number="", record_type="post"), "case_number"),
    (dict(reason="r", case_number="1"), None),
    (dict(reason="r", case_number="1", since=date(2025, 2, 1), until=date(2025, 1, 1)), "until"),
    (dict(reason="r", case_number="1", saved_search_id=999), "saved_search_id"),
])
def test_hold_input_is_checked(world, db_session, data, field):
    with pytest.raises(ValidationFailed) as caught:
        retention.create_hold(db_session, actor(world, "officer"), retention.HoldData(**data))
    assert caught.value.field == field


@pytest.mark.parametrize("role", list(Role))
def test_predicates_over_every_role(factory, role):
    user = factory.user(role)
    assert retention.can_manage_schedules(user) == (role is Role.ADMIN)
    assert retention.can_manage_holds(user) == (role in (Role.RECORDS, Role.ADMIN))
    assert retention.can_run_dispositions(user) == (role in (Role.RECORDS, Role.ADMIN))
    user.active = False
    assert not retention.can_manage_holds(user)

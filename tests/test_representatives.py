"""Acceptance 5: at most two active representatives; replacement keeps the history."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from beatdesk import accounts, representatives
from beatdesk.context import Actor
from beatdesk.errors import PermissionDenied, ValidationFailed
from beatdesk.models import AuditEvent, RepresentativeDesignation
from beatdesk.roles import Role

from .conftest import reread, sign_in


@pytest.fixture
def district_staff(factory):
    district = factory.district(number=5)
    commander = factory.user(Role.COMMANDER, district)
    reps = [factory.user(Role.REPRESENTATIVE, district, full_name=f"Rep {n}") for n in range(3)]
    return district, commander, reps


def designations(db_session, district):
    reread(db_session)
    return list(db_session.scalars(select(RepresentativeDesignation)
                                   .where(RepresentativeDesignation.district_id == district.id)
                                   .order_by(RepresentativeDesignation.id)))


def name_first_two(client, district, commander, reps):
    """The commander fills both slots through the console."""
    sign_in(client, commander)
    for rep in reps[:2]:
        response = client.post(f"/console/districts/{district.id}/representatives",
                               data={"user_id": rep.id})
        assert response.status_code == 303


def test_third_active_representative_is_refused(client, db_session, district_staff, login_as):
    district, commander, reps = district_staff
    sign_in(client, commander)
    for rep in reps[:2]:
        response = client.post(f"/console/districts/{district.id}/representatives",
                               data={"user_id": rep.id})
        assert response.status_code == 303
    response = client.post(f"/console/districts/{district.id}/representatives",
                           data={"user_id": reps[2].id})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "already has 2 active representatives (Rep 0 and Rep 1)" in page
    assert "Replace one of them instead" in page
    assert [d.user_id for d in designations(db_session, district) if d.is_active] == \
        [reps[0].id, reps[1].id]


def test_replacement_keeps_history(client, db_session, district_staff):
    district, commander, reps = district_staff
    name_first_two(client, district, commander, reps)
    first = designations(db_session, district)[0]
    response = client.post(f"/console/districts/{district.id}/representatives",
                           data={"user_id": reps[2].id, "replaces_id": first.id,
                                 "reason": "Transferred to day shift"})
    assert response.status_code == 303

    rows = designations(db_session, district)
    assert len(rows) == 3
    replaced, kept, new = rows
    assert replaced.user_id == reps[0].id and not replaced.is_active
    assert replaced.ended_by_id == commander.id and replaced.end_reason == "Transferred to day shift"
    assert replaced.replaced_by_id == new.id and new.slot == replaced.slot
    assert new.designated_by_id == commander.id and kept.is_active and new.is_active

    page = client.get(f"/console/districts/{district.id}").get_data(as_text=True)
    assert "Designation history" in page and "Transferred to day shift" in page
    events = [e.event for e in db_session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert events[-2:] == ["representative.replaced", "representative.designated"]


def test_end_designation_frees_a_slot(client, db_session, district_staff):
    district, commander, reps = district_staff
    name_first_two(client, district, commander, reps)
    first = designations(db_session, district)[0]
    missing_reason = client.post(
        f"/console/districts/{district.id}/representatives/{first.id}/end", data={"reason": ""})
    assert missing_reason.status_code == 400
    assert designations(db_session, district)[0].is_active
    ended = client.post(f"/console/districts/{district.id}/representatives/{first.id}/end",
                        data={"reason": "Retired"})
    assert ended.status_code == 303
    assert client.post(f"/console/districts/{district.id}/representatives",
                       data={"user_id": reps[2].id}).status_code == 303
    assert sum(d.is_active for d in designations(db_session, district)) == 2


def test_only_eligible_staff_can_be_named(db_session, factory, district_staff):
    district, commander, reps = district_staff
    other_district = factory.district(number=6)
    outsider = factory.user(Role.REPRESENTATIVE, other_district)
    sergeant = factory.user(Role.SERGEANT, district)
    inactive = factory.user(Role.REPRESENTATIVE, district, active=False)
    actor = Actor(commander)
    for user in (outsider, sergeant, inactive):
        with pytest.raises(ValidationFailed, match="not an active representative-role member"):
            representatives.designate(db_session, actor, district, user.id)
    with pytest.raises(PermissionDenied):
        representatives.designate(db_session, Actor(factory.user(Role.ADMIN)), district,
                                  reps[0].id)
    representatives.designate(db_session, actor, district, reps[0].id)
    with pytest.raises(ValidationFailed, match="already a representative"):
        representatives.designate(db_session, actor, district, reps[0].id)


def test_unapproved_district_cannot_be_used(db_session, factory):
    district = factory.district(number=8, approved=False)
    commander_district = factory.district(number=9)
    commander = factory.user(Role.COMMANDER, commander_district)
    with pytest.raises(ValidationFailed, match="not approved"):
        representatives.designate(db_session, Actor(commander), district, 1)


def test_database_refuses_a_third_active_designation(db_session, district_staff):
    """The two-slot rule holds even for a writer that bypasses the domain layer."""
    district, commander, reps = district_staff
    for slot, rep in enumerate(reps[:2], start=1):
        db_session.add(RepresentativeDesignation(district_id=district.id, user_id=rep.id,
                                                 slot=slot, designated_by_id=commander.id))
    db_session.commit()
    for slot in (1, 2, 3):
        db_session.add(RepresentativeDesignation(district_id=district.id, user_id=reps[2].id,
                                                 slot=slot, designated_by_id=commander.id))
        with pytest.raises(IntegrityError):
            db_session.commit()
        db_session.rollback()


def test_registry_lists_six_identifying_fields(client, db_session, factory, district_staff):
    district, commander, reps = district_staff
    representatives.designate(db_session, Actor(commander), district, reps[0].id)
    db_session.commit()
    sign_in(client, factory.user(Role.NEWS_AFFAIRS))
    page = client.get("/console/districts/registry").get_data(as_text=True)
    rep = reps[0]
    for value in (rep.full_name, rep.rank, rep.star_number, rep.employee_number, rep.login_id,
                  rep.email, district.label):
        assert value in page
    assert reps[1].full_name not in page


def test_deactivating_a_representative_ends_the_designation(db_session, factory, district_staff):
    district, commander, reps = district_staff
    representatives.designate(db_session, Actor(commander), district, reps[0].id)
    db_session.commit()
    accounts.deactivate_user(db_session, Actor(factory.user(Role.ADMIN)), reps[0])
    db_session.commit()
    row = designations(db_session, district)[0]
    assert not row.is_active and row.end_reason == "account deactivated"

"""Acceptance 6: every change writes an audit row in its own transaction; a refused change none."""
import pytest
from sqlalchemy import func, select

from beatdesk import clock
from beatdesk.models import AuditEvent, District, Outcome, User
from beatdesk.models.outlets import OutletDelegation
from beatdesk.roles import Role

from .conftest import PASSWORD, reread, sign_in

NEW_USER = {"full_name": "Pat Doe", "rank": "Police Officer", "star_number": "4411",
            "employee_number": "E-77", "login_id": "pdoe", "email": "pdoe@pd.example",
            "role": "representative", "password": "Initial-pass-31"}
NEW_DISTRICT = {"number": "22", "name": "Morgan Park", "slug": "morgan-park",
                "intro_statement": "Safety news for Morgan Park.", "moderation_mode": "pre"}


def user_form(user, **changes):
    data = {"full_name": user.full_name, "rank": user.rank, "star_number": user.star_number,
            "employee_number": user.employee_number, "login_id": user.login_id,
            "email": user.email, "role": user.role.value,
            "district_id": user.district_id or ""}
    data.update(changes)
    return data


def district_form(district, **changes):
    data = {"number": district.number, "name": district.name, "slug": district.slug,
            "intro_statement": district.intro_statement,
            "moderation_mode": district.moderation_mode.value}
    data.update(changes)
    return data


@pytest.fixture
def world(factory, client):
    district = factory.district(number=1)
    other = factory.district(number=2)
    pending = factory.district(number=3, approved=False)
    target = factory.user(Role.REPRESENTATIVE, district, failed_logins=5)
    admin = factory.user(Role.ADMIN)
    # This administrator is also the Chief's recorded delegate: only such a user approves.
    factory.session.add(OutletDelegation(
        user_id=admin.id, approving_as="Delegate of the Chief of Police",
        starts_at=clock.utcnow(), recorded_by_id=factory.user(Role.ADMIN).id, note="",
        revoke_reason=""))
    factory.session.commit()
    sign_in(client, admin)
    return {"district": district, "other": other, "pending": pending, "target": target,
            "admin": admin}


def audit_rows(db_session):
    reread(db_session)
    return list(db_session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


CHANGES = [
    ("create user", "post", "/console/admin/users/new",
     lambda w: {**NEW_USER, "district_id": w["district"].id}, ["user.created"], "users"),
    ("edit user", "post", "/console/admin/users/{target}/edit",
     lambda w: user_form(w["target"], full_name="Renamed Person"), ["user.updated"], "users"),
    ("change role", "post", "/console/admin/users/{target}/edit",
     lambda w: user_form(w["target"], role="sergeant"),
     ["user.permissions_changed", "user.updated"], "users"),
    ("change district", "post", "/console/admin/users/{target}/edit",
     lambda w: user_form(w["target"], district_id=w["other"].id),
     ["user.permissions_changed", "user.updated"], "users"),
    ("deactivate", "post", "/console/admin/users/{target}/deactivate", lambda w: {},
     ["user.deactivated"], "users"),
    ("reset password", "post", "/console/admin/users/{target}/reset-password",
     lambda w: {"password": "Temporary-pw-55", "confirm": "Temporary-pw-55"},
     ["password.reset"], "users"),
    ("reset second factor", "post", "/console/admin/users/{target}/reset-second-factor",
     lambda w: {}, ["second_factor.reset"], "users"),
    ("unlock", "post", "/console/admin/users/{target}/unlock", lambda w: {},
     ["account.unlocked"], "users"),
    ("create district", "post", "/console/districts/new", lambda w: NEW_DISTRICT,
     ["district.created"], "districts"),
    ("edit district", "post", "/console/districts/{district}/edit",
     lambda w: district_form(w["district"], moderation_mode="post"), ["district.updated"],
     "districts"),
    ("approve district", "post", "/console/districts/{pending}/approve", lambda w: {},
     ["district.approved"], "districts"),
    ("department settings", "post", "/console/admin/department",
     lambda w: {"name": "Metro PD", "official_website": "https://metro.example",
               "review_interval_days": "7"},
     ["department.created"], "department"),
    ("own password", "post", "/console/account/password",
     lambda w: {"current_password": PASSWORD, "password": "Brand-new-pw-8",
                "confirm": "Brand-new-pw-8"}, ["password.changed"], "users"),
]


@pytest.mark.parametrize("name,method,path,data,expected,object_type", CHANGES,
                         ids=[c[0] for c in CHANGES])
def test_change_writes_audit_rows(client, db_session, world, name, method, path, data,
                                  expected, object_type):
    before = len(audit_rows(db_session))
    url = path.format(**{k: v.id for k, v in world.items()})
    response = client.open(url, method=method.upper(), data=data(world))
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:400]
    rows = audit_rows(db_session)[before:]
    assert [r.event for r in rows] == expected
    for row in rows:
        assert row.actor_id == world["admin"].id and row.actor_login == world["admin"].login_id
        assert row.outcome is Outcome.SUCCESS and row.object_type == object_type
        assert row.object_id and row.client_addr == "127.0.0.1" and row.occurred_at


def test_second_department_save_is_an_update_with_the_changes(client, db_session, world):
    data = {"name": "Metro PD", "official_website": "https://metro.example",
            "review_interval_days": "7"}
    client.post("/console/admin/department", data=data)
    client.post("/console/admin/department", data={**data, "contact_phone": "+1 312 555 0100"})
    row = audit_rows(db_session)[-1]
    assert row.event == "department.updated"
    assert row.details == {"changes": {"contact_phone": ["", "+1 312 555 0100"]}}


def test_audit_details_never_hold_secrets(client, db_session, world):
    client.post("/console/admin/users/new", data={**NEW_USER, "district_id": world["district"].id})
    client.post(f"/console/admin/users/{world['target'].id}/reset-password",
                data={"password": "Temporary-pw-55", "confirm": "Temporary-pw-55"})
    for row in audit_rows(db_session):
        text = str(row.details)
        assert "Initial-pass-31" not in text and "Temporary-pw-55" not in text
        assert "argon2" not in text


FAILED_CHANGES = [
    ("duplicate log-on ID", "/console/admin/users/new",
     lambda w: {**NEW_USER, "login_id": w["target"].login_id, "district_id": w["district"].id},
     "Another account already uses the log-on ID"),
    ("duplicate e-mail", "/console/admin/users/new",
     lambda w: {**NEW_USER, "email": w["target"].email.upper(), "district_id": w["district"].id},
     "Another account already uses the e-mail address"),
    ("duplicate employee number", "/console/admin/users/new",
     lambda w: {**NEW_USER, "employee_number": w["target"].employee_number,
                "district_id": w["district"].id},
     "Another account already uses the employee number"),
    ("common password", "/console/admin/users/new",
     lambda w: {**NEW_USER, "password": "password1", "district_id": w["district"].id},
     "commonly used passwords"),
    ("password equal to log-on ID", "/console/admin/users/new",
     lambda w: {**NEW_USER, "login_id": "pdoe12345", "password": "pdoe12345",
                "district_id": w["district"].id}, "must not be your log-on ID"),
    ("short password", "/console/admin/users/new",
     lambda w: {**NEW_USER, "password": "Ab1!x", "district_id": w["district"].id},
     "at least 8 characters"),
    ("district role without district", "/console/admin/users/new",
     lambda w: {**NEW_USER, "district_id": ""}, "needs a district"),
    ("unapproved district", "/console/admin/users/new",
     lambda w: {**NEW_USER, "district_id": w["pending"].id}, "Not a valid choice"),
    ("representative without star number", "/console/admin/users/new",
     lambda w: {**NEW_USER, "star_number": "", "district_id": w["district"].id},
     "needs a rank and star number"),
    ("edit to a duplicate e-mail", "/console/admin/users/{target}/edit",
     lambda w: user_form(w["target"], email=w["admin"].email), "already uses the e-mail"),
    ("remove own admin role", "/console/admin/users/{admin}/edit",
     lambda w: user_form(w["admin"], role="records"), "cannot remove your own administrator"),
    ("deactivate self", "/console/admin/users/{admin}/deactivate", lambda w: {},
     "cannot deactivate your own account"),
    ("duplicate district number", "/console/districts/new",
     lambda w: {**NEW_DISTRICT, "number": str(w["district"].number)},
     "Another district already has the number"),
    ("bad district slug", "/console/districts/new",
     lambda w: {**NEW_DISTRICT, "slug": "Morgan Park!"}, "lower-case letters"),
    ("approve twice", "/console/districts/{district}/approve", lambda w: {}, "already approved"),
    ("department without website", "/console/admin/department",
     lambda w: {"name": "Metro PD", "official_website": "metro", "review_interval_days": "7"},
     "full web address"),
]


@pytest.mark.parametrize("name,path,data,message", FAILED_CHANGES,
                         ids=[c[0] for c in FAILED_CHANGES])
def test_refused_change_writes_no_audit_row_and_changes_nothing(client, db_session, world, name,
                                                                 path, data, message):
    before = len(audit_rows(db_session))
    users_before = db_session.scalar(select(func.count(User.id)))
    districts_before = [(d.id, d.number, d.slug, d.approved_at)
                        for d in db_session.scalars(select(District).order_by(District.id))]
    url = path.format(**{k: v.id for k, v in world.items()})
    response = client.post(url, data=data(world), follow_redirects=True)
    assert message in response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    assert len(audit_rows(db_session)) == before
    assert db_session.scalar(select(func.count(User.id))) == users_before
    assert [(d.id, d.number, d.slug, d.approved_at)
            for d in db_session.scalars(select(District).order_by(District.id))] == districts_before
    admin = db_session.get(User, world["admin"].id)
    assert admin.active and admin.role is Role.ADMIN


def test_wrong_current_password_writes_only_a_failure_event(client, db_session, world):
    before = len(audit_rows(db_session))
    response = client.post("/console/account/password", data={
        "current_password": "not-my-password", "password": "Brand-new-pw-8",
        "confirm": "Brand-new-pw-8"})
    assert response.status_code == 400
    assert "current password is not correct" in response.get_data(as_text=True)
    rows = audit_rows(db_session)[before:]
    assert [(r.event, r.outcome) for r in rows] == [("password.change_failed", Outcome.FAILURE)]


def test_audit_page_filters(client, db_session, world):
    client.post("/console/admin/users/new", data={**NEW_USER, "district_id": world["district"].id})
    client.post(f"/console/admin/users/{world['target'].id}/unlock")
    page = client.get("/console/admin/audit?event=account.unlocked").get_data(as_text=True)
    assert "<td>account.unlocked</td>" in page and "<td>user.created</td>" not in page
    page = client.get(f"/console/admin/audit?actor={world['admin'].login_id}").get_data(as_text=True)
    assert "<td>account.unlocked</td>" in page and "<td>user.created</td>" in page
    assert client.get("/console/admin/audit?outcome=failure").status_code == 200
    bad = client.get("/console/admin/audit?since=yesterday")
    assert bad.status_code == 400 and "Not a valid date" in bad.get_data(as_text=True)
    assert "No events." in client.get("/console/admin/audit?since=2100-01-01").get_data(as_text=True)


def test_audit_rows_cannot_be_changed_through_the_orm(db_session, world, client):
    client.post(f"/console/admin/users/{world['target'].id}/unlock")
    row = audit_rows(db_session)[-1]
    row.event = "tampered"
    with pytest.raises(Exception, match="append-only"):
        db_session.commit()
    reread(db_session)
    assert audit_rows(db_session)[-1].event == "account.unlocked"

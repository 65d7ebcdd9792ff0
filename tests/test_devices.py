"""Registered department devices (Detroit 102.8 4.4; Chicago Twitter IV.D; Deerfield C.2)."""
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from beatdesk import devices
from beatdesk.models import AuditEvent, Outcome
from beatdesk.models.devices import DeviceRequirement, RegisteredDevice
from beatdesk.roles import Role

from .conftest import make_app, reread, sign_in

COOKIE = "beatdesk_device"


def _new_code(client, name="Front desk PC, District 1") -> str:
    response = client.post("/console/devices/new", data={"name": name})
    assert response.status_code == 200
    return re.search(r'id="device-code">([A-Z0-9-]+)<', response.get_data(as_text=True)).group(1)


def _enrol(client, code):
    return client.post("/device/enrol", data={"code": code})


def _cookie(client):
    return client.get_cookie(COOKIE)


@pytest.fixture
def admin(factory):
    return factory.user(Role.ADMIN)


def test_enrolment_code_is_shown_once_stored_hashed_and_works_once(app, client, db_session,
                                                                   admin, frozen_clock):
    sign_in(client, admin)
    code = _new_code(client)
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
    reread(db_session)
    device = db_session.scalar(select(RegisteredDevice))
    assert device.code_hash and code.replace("-", "") not in device.code_hash
    assert code not in client.get("/console/devices/").get_data(as_text=True)

    # Typed in lower case with a space: still the code.
    response = _enrol(client, code.lower().replace("-", " "))
    assert response.status_code == 200
    assert "This browser is registered" in response.get_data(as_text=True)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Max-Age=" in header
    token = _cookie(client).value
    reread(db_session)
    device = db_session.get(RegisteredDevice, device.id)
    assert device.enrolled_at is not None and device.code_hash is None
    assert device.token_hash and token not in device.token_hash

    # The same code a second time, from another browser: refused.
    other = app.test_client()
    again = _enrol(other, code)
    assert again.status_code == 400
    assert "not right, or it was already used" in again.get_data(as_text=True)
    assert _cookie(other) is None
    reread(db_session)
    events = [e.event for e in db_session.scalars(select(AuditEvent))]
    assert {"devices.enrolment_created", "devices.enrolled", "devices.enrol_failed"} <= set(events)


def test_device_cookie_is_secure_in_production(app, client, admin, frozen_clock):
    app.config["SESSION_COOKIE_SECURE"] = True
    sign_in(client, admin)
    response = _enrol(client, _new_code(client))
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "Secure" in header


def test_code_expires_after_fifteen_minutes(client, db_session, admin, frozen_clock):
    sign_in(client, admin)
    code = _new_code(client)
    frozen_clock.advance(minutes=15, seconds=1)
    response = _enrol(client, code)
    assert response.status_code == 400
    assert "That code has expired" in response.get_data(as_text=True)
    assert _cookie(client) is None
    reread(db_session)
    assert db_session.scalar(select(RegisteredDevice)).code_hash is None  # spent


def test_code_still_works_just_before_expiry(client, admin, frozen_clock):
    """Near miss: 14 minutes later the code is good."""
    sign_in(client, admin)
    code = _new_code(client)
    frozen_clock.advance(minutes=14, seconds=59)
    assert _enrol(client, code).status_code == 200


def test_wrong_codes_are_counted_and_limited(app, client, db_session, admin, frozen_clock):
    sign_in(client, admin)
    code = _new_code(client)
    stranger = app.test_client()
    for _ in range(devices.MAX_FAILED_ATTEMPTS):
        wrong = _enrol(stranger, "AAAAA-AAAAA")
        assert wrong.status_code == 400
        assert "That code is not right" in wrong.get_data(as_text=True)
    # The right code is now refused too, until the window passes.
    locked = _enrol(client, code)
    assert locked.status_code == 403
    assert "Too many wrong codes" in locked.get_data(as_text=True)
    reread(db_session)
    failures = db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "devices.enrol_failed")).all()
    assert len(failures) == devices.MAX_FAILED_ATTEMPTS
    assert all(f.outcome == Outcome.FAILURE for f in failures)
    frozen_clock.advance(minutes=14)
    code = _new_code(client)
    frozen_clock.advance(minutes=1, seconds=1)
    assert _enrol(client, code).status_code == 200


def test_enrolment_is_rate_limited_per_address(database_url, tmp_path, factory, frozen_clock):
    app = make_app(database_url, RATELIMIT_ENABLED=True, DEVICE_ENROL_RATE_LIMIT="3 per minute")
    try:
        client = app.test_client()
        statuses = [_enrol(client, "BBBBB-BBBBB").status_code for _ in range(4)]
        assert statuses == [400, 400, 400, 429]
    finally:
        app.extensions["beatdesk.engine"].dispose()


def _require(client, db_session, admin):
    """Enrol the admin's browser and turn the requirement on from it."""
    sign_in(client, admin)
    assert _enrol(client, _new_code(client, "Information Services desk")).status_code == 200
    response = client.post("/console/devices/requirement", data={"required": "y"})
    assert response.status_code == 303
    reread(db_session)
    assert devices.is_required(db_session)


def test_requirement_cannot_be_turned_on_from_an_unregistered_browser(client, db_session, admin,
                                                                      frozen_clock):
    sign_in(client, admin)
    response = client.post("/console/devices/requirement", data={"required": "y"})
    assert response.status_code == 403
    assert "Register this browser first" in response.get_data(as_text=True)
    reread(db_session)
    assert not devices.is_required(db_session)
    assert db_session.scalar(select(AuditEvent).where(
        AuditEvent.event == "devices.required_on")) is None


def test_requirement_on_refuses_an_unregistered_browser_with_the_clear_page(
        app, client, db_session, admin, factory, frozen_clock):
    _require(client, db_session, admin)
    assert db_session.scalar(select(AuditEvent).where(
        AuditEvent.event == "devices.required_on")) is not None
    reread(db_session)
    # The registered browser carries on.
    assert client.get("/console/").status_code == 200
    assert client.get("/console/devices/").status_code == 200

    other = app.test_client()
    sign_in(other, factory.user(Role.SERGEANT))
    for path in ("/console/", "/console/posts/", "/login"):
        refused = other.get(path)
        assert refused.status_code == 403, path
        text = refused.get_data(as_text=True)
        assert "This browser is not a registered department device" in text
        assert "Ask an administrator (Information Services) to enrol this device" in text
        assert "/device/enrol" in text
    # The enrolment page stays open; public pages are not the console.
    assert other.get("/device/enrol").status_code == 200
    assert other.get("/").status_code == 200
    # A made-up cookie is no registration.
    other.set_cookie(COOKIE, "made-up-token", domain="localhost")
    assert other.get("/console/").status_code == 403


def test_requirement_off_lets_any_browser_in(app, factory, frozen_clock):
    """Near miss: by default nothing is required."""
    other = app.test_client()
    sign_in(other, factory.user(Role.SERGEANT))
    assert other.get("/console/").status_code == 200
    assert other.get("/login").status_code in (200, 302)


def test_revoked_device_is_refused(app, client, db_session, admin, factory, frozen_clock):
    _require(client, db_session, admin)
    desk = app.test_client()
    code = _new_code(client, "Front desk PC, District 1")
    assert _enrol(desk, code).status_code == 200
    reread(db_session)
    sign_in(desk, factory.user(Role.REPRESENTATIVE))
    assert desk.get("/console/").status_code == 200
    reread(db_session)
    device = db_session.scalar(select(RegisteredDevice).where(
        RegisteredDevice.name == "Front desk PC, District 1"))
    assert client.post(f"/console/devices/{device.id}/revoke").status_code == 303
    refused = desk.get("/console/")
    assert refused.status_code == 403
    text = refused.get_data(as_text=True)
    assert "revoked it on" in text and "Front desk PC, District 1" in text
    assert client.post(f"/console/devices/{device.id}/revoke").status_code == 303  # flash only
    reread(db_session)
    assert db_session.get(RegisteredDevice, device.id).revoked_by_id == admin.id
    listing = client.get("/console/devices/").get_data(as_text=True)
    assert "Revoked" in listing


def test_last_seen_is_kept(app, client, db_session, admin, frozen_clock):
    sign_in(client, admin)
    _enrol(client, _new_code(client))
    frozen_clock.advance(hours=2)
    client.get("/console/")
    reread(db_session)
    device = db_session.scalar(select(RegisteredDevice))
    assert device.last_seen_at == frozen_clock.now


def test_operator_command_turns_the_requirement_off(app, client, db_session, admin,
                                                    frozen_clock):
    _require(client, db_session, admin)
    result = app.test_cli_runner().invoke(args=["devices", "not-required"])
    assert result.exit_code == 0, result.output
    assert "no longer required" in result.output
    reread(db_session)
    assert not devices.is_required(db_session)
    event = db_session.scalar(select(AuditEvent).where(
        AuditEvent.event == "devices.required_off"))
    assert event.actor_login == "operator (command line)" and event.details["operator"] is True
    again = app.test_cli_runner().invoke(args=["devices", "not-required"])
    assert "nothing changed" in again.output
    listing = app.test_cli_runner().invoke(args=["devices", "list"])
    assert listing.exit_code == 0 and "Required for the console: no" in listing.output
    assert "Registered\tInformation Services desk" in listing.output


def test_admin_can_turn_it_off_from_anywhere(app, client, db_session, admin, frozen_clock):
    _require(client, db_session, admin)
    response = client.post("/console/devices/requirement", data={})
    assert response.status_code == 303
    reread(db_session)
    assert db_session.get(DeviceRequirement, 1).required is False


@pytest.mark.parametrize("name,message", [
    ("", "This field is required"),
    ("x" * 121, "Field cannot be longer than 120 characters"),
])
def test_bad_device_names_are_refused(client, admin, name, message):
    sign_in(client, admin)
    response = client.post("/console/devices/new", data={"name": name})
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/console/devices/99999999/revoke",
                                  "/console/devices/99999999999999999999999/revoke"])
def test_missing_or_huge_device_ids_are_not_found(client, admin, path):
    sign_in(client, admin)
    assert client.post(path).status_code == 404


def test_only_admins_manage_devices(client, factory):
    sign_in(client, factory.user(Role.NEWS_AFFAIRS))
    assert client.get("/console/devices/").status_code == 403
    assert client.post("/console/devices/new", data={"name": "Mine"}).status_code == 403


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.text(max_size=60))
def test_any_typed_code_is_refused_clearly(client, typed):
    response = _enrol(client, typed)
    assert response.status_code in (400, 403)
    # A character no form takes is refused by the request guard, before the form.
    if "\x00" not in typed:
        assert "There is a problem" in response.get_data(as_text=True)

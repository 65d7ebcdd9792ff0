"""Acceptance 4: sign-in with TOTP, lockout, idle lock and the 12-hour limit (time injected)."""
import re

import pyotp
import pytest
from sqlalchemy import select

from beatdesk.models import AuditEvent, User
from beatdesk.roles import Role
from blueprints.database import db

from .conftest import PASSWORD, make_app, sign_in, totp_code


def events(app, event=None):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if event:
            query = query.where(AuditEvent.event == event)
        return list(db().scalars(query))


def fresh(app, user) -> User:
    with app.app_context():
        return db().get(User, user.id)


def password_step(client, user, password=PASSWORD, next_=None):
    url = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"login_id": user.login_id, "password": password})


def test_full_sign_in_with_totp(app, client, factory, frozen_clock):
    user = factory.user(Role.SERGEANT)
    response = password_step(client, user)
    assert response.status_code == 302 and response.headers["Location"] == "/login/verify"
    # the password alone opens nothing
    assert client.get("/console/").status_code == 302

    response = client.post("/login/verify", data={"code": totp_code(user)})
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    page = client.get("/console/")
    assert page.status_code == 200 and user.full_name in page.get_data(as_text=True)
    success = events(app, "login.success")
    assert len(success) == 1 and success[0].actor_id == user.id
    assert success[0].details == {"second_factor": "totp"}
    assert success[0].client_addr == "127.0.0.1"


def test_wrong_totp_code_is_a_failure(app, client, factory, frozen_clock):
    user = factory.user(Role.SERGEANT)
    password_step(client, user)
    wrong = pyotp.TOTP(pyotp.random_base32()).at(frozen_clock.now)
    response = client.post("/login/verify", data={"code": wrong})
    assert response.status_code == 401
    assert "That code is not valid" in response.get_data(as_text=True)
    assert fresh(app, user).failed_logins == 1
    failure = events(app, "login.failure")[-1]
    assert failure.details["reason"] == "wrong second-factor code"
    assert client.get("/console/").status_code == 302


def test_a_code_can_be_used_only_once(app, client, factory, frozen_clock):
    user = factory.user(Role.SERGEANT)
    code = totp_code(user)
    password_step(client, user)
    assert client.post("/login/verify", data={"code": code}).status_code == 302
    other = app.test_client()
    password_step(other, user)
    assert other.post("/login/verify", data={"code": code}).status_code == 401


def test_malformed_code_gets_a_clear_message(client, factory, frozen_clock):
    user = factory.user(Role.SERGEANT)
    password_step(client, user)
    response = client.post("/login/verify", data={"code": "12ab"})
    assert response.status_code == 400
    assert "Enter the 6 digits" in response.get_data(as_text=True)


def test_totp_enrolment(app, client, factory, frozen_clock):
    user = factory.user(Role.REPRESENTATIVE, totp=False)
    response = password_step(client, user)
    assert response.headers["Location"] == "/login/enroll"
    page = client.get("/login/enroll").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code
    typed = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1)
    secret = typed.replace(" ", "")
    # reloading keeps the same secret, so a scanned code stays valid
    assert typed in client.get("/login/enroll").get_data(as_text=True)

    bad = client.post("/login/enroll", data={"code": "000000"})
    assert bad.status_code == 401 and fresh(app, user).totp_confirmed_at is None

    good = client.post("/login/enroll", data={"code": pyotp.TOTP(secret).at(frozen_clock.now)})
    assert good.status_code == 302 and good.headers["Location"] == "/console/"
    assert fresh(app, user).totp_confirmed_at == frozen_clock.now
    assert [e.event for e in events(app)][-2:] == ["second_factor.enrolled", "login.success"]


def test_lockout_after_five_failures_and_unlock_after_ten_minutes(app, client, factory,
                                                                   frozen_clock):
    user = factory.user(Role.SERGEANT)
    for attempt in range(4):
        response = password_step(client, user, "wrong-password")
        assert response.status_code == 401
        assert "not correct" in response.get_data(as_text=True)
    response = password_step(client, user, "wrong-password")
    assert "locked" in response.get_data(as_text=True)
    locked = fresh(app, user)
    assert locked.failed_logins == 5
    assert locked.locked_until == frozen_clock.now.replace(minute=10)
    assert len(events(app, "account.locked")) == 1

    # the right password does not help while locked
    frozen_clock.advance(minutes=9, seconds=59)
    response = password_step(client, user)
    assert response.status_code == 401 and "locked" in response.get_data(as_text=True)

    frozen_clock.advance(seconds=1)
    response = password_step(client, user)
    assert response.status_code == 302 and response.headers["Location"] == "/login/verify"
    assert client.post("/login/verify", data={"code": totp_code(user)}).status_code == 302
    assert fresh(app, user).failed_logins == 0


def test_failures_after_an_expired_lock_start_counting_again(app, client, factory, frozen_clock):
    user = factory.user(Role.SERGEANT)
    for _ in range(5):
        password_step(client, user, "wrong-password")
    frozen_clock.advance(minutes=11)
    password_step(client, user, "wrong-password")
    assert fresh(app, user).failed_logins == 1
    assert fresh(app, user).locked_until is None


def test_admin_unlocks_a_locked_account(app, client, factory, login_as, frozen_clock):
    user = factory.user(Role.SERGEANT)
    anonymous = app.test_client()
    for _ in range(5):
        password_step(anonymous, user, "wrong-password")
    admin = login_as(Role.ADMIN)
    response = client.post(f"/console/admin/users/{user.id}/unlock")
    assert response.status_code == 303
    assert fresh(app, user).locked_until is None
    unlock = events(app, "account.unlocked")[-1]
    assert unlock.actor_id == admin.id and unlock.object_id == str(user.id)
    assert password_step(anonymous, user).headers["Location"] == "/login/verify"


def test_wrong_codes_count_toward_lockout(app, client, factory, frozen_clock):
    user = factory.user(Role.SERGEANT)
    for _ in range(2):
        password_step(client, user, "wrong-password")
    password_step(client, user)
    for _ in range(2):
        client.post("/login/verify", data={"code": "000001"})
    response = client.post("/login/verify", data={"code": "000002"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert fresh(app, user).locked_until is not None


def test_unknown_and_inactive_accounts_get_the_same_message(app, client, factory, frozen_clock):
    inactive = factory.user(Role.RECORDS, active=False)
    unknown = client.post("/login", data={"login_id": "nobody", "password": "whatever1"})
    disabled = password_step(client, inactive)
    assert unknown.status_code == disabled.status_code == 401
    for response in (unknown, disabled):
        assert "The log-on ID or password is not correct." in response.get_data(as_text=True)
    reasons = [e.details["reason"] for e in events(app, "login.failure")]
    assert reasons == ["unknown log-on ID", "account inactive"]
    assert events(app, "login.failure")[0].actor_login == "nobody"


def signed_in(client, factory, clock_):
    user = factory.user(Role.SERGEANT)
    password_step(client, user)
    client.post("/login/verify", data={"code": totp_code(user)})
    assert client.get("/console/").status_code == 200
    return user


def test_idle_session_locks_after_thirty_minutes(app, client, factory, frozen_clock):
    user = signed_in(client, factory, frozen_clock)
    frozen_clock.advance(minutes=29)
    assert client.get("/console/").status_code == 200  # activity resets the idle timer
    frozen_clock.advance(minutes=29)
    assert client.get("/console/").status_code == 200
    frozen_clock.advance(minutes=30)
    response = client.get("/console/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/unlock")
    assert client.get("/console/").headers["Location"].startswith("/unlock")

    wrong = client.post("/unlock", data={"password": "not-it-at-all"})
    assert wrong.status_code == 401 and fresh(app, user).failed_logins == 1
    response = client.post("/unlock?next=/console/account", data={"password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/console/account"
    assert client.get("/console/account").status_code == 200
    assert events(app, "session.unlocked")


def test_session_must_sign_in_again_after_twelve_hours(app, client, factory, frozen_clock):
    signed_in(client, factory, frozen_clock)
    for _ in range(24):  # stay active the whole time: never idle
        frozen_clock.advance(minutes=29)
        assert client.get("/console/").status_code == 200
    frozen_clock.advance(minutes=23)  # 11 h 59 min after sign-in
    assert client.get("/console/").status_code == 200
    frozen_clock.advance(minutes=1)  # 12 h
    response = client.get("/console/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/console/").headers["Location"].startswith("/login")
    # and the old session is gone for good: unlocking is not offered
    assert client.get("/unlock").headers["Location"].startswith("/login")


def test_next_is_followed_only_on_this_site(client, factory, frozen_clock):
    user = factory.user(Role.SERGEANT)
    for target, expected in [("/console/account", "/console/account"),
                             ("https://evil.example/", "/console/"),
                             ("//evil.example/x", "/console/"),
                             ("/\\evil.example", "/console/")]:
        c = client.application.test_client()
        password_step(c, user, next_=target)
        response = c.post("/login/verify", data={"code": totp_code(user)})
        assert response.headers["Location"] == expected, target
        frozen_clock.advance(seconds=31)  # a fresh code for the next round


def test_password_reset_ends_open_sessions(app, client, factory, login_as, frozen_clock):
    user = factory.user(Role.SERGEANT)
    password_step(client, user)
    client.post("/login/verify", data={"code": totp_code(user)})
    assert client.get("/console/").status_code == 200
    admin_client = app.test_client()
    sign_in(admin_client, factory.user(Role.ADMIN))
    response = admin_client.post(f"/console/admin/users/{user.id}/reset-password",
                                 data={"password": "Temporary-pass-9", "confirm": "Temporary-pass-9"})
    assert response.status_code == 302
    assert client.get("/console/").status_code == 302


def test_forced_password_change_after_reset(app, client, factory, frozen_clock):
    user = factory.user(Role.SERGEANT, must_change_password=True)
    password_step(client, user)
    client.post("/login/verify", data={"code": totp_code(user)})
    response = client.get("/console/")
    assert response.status_code == 302 and response.headers["Location"] == "/console/account/password"
    response = client.post("/console/account/password", data={
        "current_password": PASSWORD, "password": "A-new-secret-77", "confirm": "A-new-secret-77"})
    assert response.status_code == 302
    assert client.get("/console/").status_code == 200
    assert not fresh(app, user).must_change_password


def test_logout_is_post_only_and_audited(app, client, factory, frozen_clock):
    user = signed_in(client, factory, frozen_clock)
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/console/").status_code == 302
    assert events(app, "logout")[-1].actor_id == user.id


class TestDemoMode:
    def test_demo_accounts_skip_the_second_factor_only_in_demo_mode(self, database_url, factory,
                                                                    frozen_clock):
        demo_user = factory.user(Role.SERGEANT, demo_account=True)
        normal = factory.user(Role.SERGEANT)
        demo_app = make_app(database_url, BEATDESK_ENV="demo")
        demo_client = demo_app.test_client()
        page = demo_client.get("/login").get_data(as_text=True)
        assert "Demo accounts skip the second factor" in page
        assert password_step(demo_client, demo_user).headers["Location"] == "/console/"
        assert password_step(demo_app.test_client(), normal).headers["Location"] == "/login/verify"

        plain_app = make_app(database_url)
        assert "Demo" not in plain_app.test_client().get("/login").get_data(as_text=True)
        assert password_step(plain_app.test_client(), demo_user).headers["Location"] == \
            "/login/verify"


@pytest.mark.parametrize("networks,allowed", [("10.0.0.0/8", False),
                                              ("10.0.0.0/8, 127.0.0.0/8", True), ("", True)])
def test_trusted_networks(database_url, networks, allowed):
    app = make_app(database_url, TRUSTED_NETWORKS=networks)
    client = app.test_client()
    for path in ("/login", "/console/"):
        response = client.get(path)
        if allowed:
            assert response.status_code in (200, 302)
        else:
            assert response.status_code == 403
            assert "not available from this network" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # the public site is for everyone


def test_login_rate_limit(database_url):
    app = make_app(database_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.post("/login", data={"login_id": "x", "password": "y"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert "Too many requests" in client.post("/login", data={}).get_data(as_text=True)


def test_idle_locked_session_cannot_be_unlocked_after_twelve_hours(client, factory, frozen_clock):
    signed_in(client, factory, frozen_clock)
    frozen_clock.advance(hours=12, minutes=5)
    client.get("/console/")  # past both limits: the absolute one wins
    response = client.post("/unlock", data={"password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/console/").headers["Location"].startswith("/login")


def test_idle_lock_then_expiry_while_locked(client, factory, frozen_clock):
    signed_in(client, factory, frozen_clock)
    frozen_clock.advance(minutes=45)
    assert client.get("/console/").headers["Location"].startswith("/unlock")
    frozen_clock.advance(hours=12)
    response = client.post("/unlock", data={"password": PASSWORD})
    assert response.headers["Location"].startswith("/login")
    assert client.get("/console/").headers["Location"].startswith("/login")

"""Secrets at rest: keys from ENCRYPTION_KEYS, clear start-up errors, rotation, and the TOTP
secrets sealed by migration 0010."""
import json
import re

import pyotp
import pytest
from sqlalchemy import func, inspect, select, text

from beatdesk import schema, sealing
from beatdesk.passwords import hash_password
from beatdesk.models import AuditEvent, Platform, PlatformAccount, User
from beatdesk.roles import Role
from blueprints.database import db

from .conftest import PASSWORD, TEST_ENCRYPTION_KEY, make_app, reread, totp_code
from .test_migrations import empty_engine  # noqa: F401 (fixture)

FERNET_TOKEN = re.compile(r"^gAAAAA[A-Za-z0-9_=-]+$")


def _account(factory, credentials: dict, key: str | None = None) -> PlatformAccount:
    admin = factory.user(Role.ADMIN)
    if key is not None:
        sealing.configure(key)
    account = PlatformAccount(platform=Platform.MASTODON, handle="beat@social.example",
                              base_url="https://social.example",
                              credentials=sealing.seal(json.dumps(credentials)),
                              connected_by_id=admin.id)
    sealing.configure(TEST_ENCRYPTION_KEY)
    factory.session.add(account)
    factory.session.commit()
    return account


def _raw(db_session, table: str, column: str, row_id: int) -> str:
    reread(db_session)
    return db_session.execute(text(f"SELECT {column} FROM {table} WHERE id = :id"),
                              {"id": row_id}).scalar_one()


def test_missing_key_in_production_is_a_start_up_error(database_url):
    with pytest.raises(RuntimeError, match="ENCRYPTION_KEYS must be set in production"):
        make_app(database_url, BEATDESK_ENV="production", ENCRYPTION_KEYS="")


@pytest.mark.parametrize("keys", ["not-a-key", "short", f"{TEST_ENCRYPTION_KEY},abc", " , "])
def test_malformed_key_is_a_start_up_error(database_url, keys):
    with pytest.raises(RuntimeError, match="ENCRYPTION_KEYS"):
        make_app(database_url, ENCRYPTION_KEYS=keys)


def test_wrong_key_is_a_start_up_error_naming_the_setting(database_url, factory):
    user = factory.user(Role.SERGEANT)
    with pytest.raises(RuntimeError, match="ENCRYPTION_KEYS does not open") as caught:
        make_app(database_url, ENCRYPTION_KEYS=sealing.new_key())
    assert f"users {user.id}: TOTP secret" in str(caught.value)


def test_wrong_key_for_platform_credentials_is_a_start_up_error(database_url, factory):
    factory.user(Role.SERGEANT, totp=False)  # no TOTP secret to sample
    _account(factory, {"access_token": "t"}, key=sealing.new_key())
    with pytest.raises(RuntimeError, match="platform_accounts 1: platform credentials"):
        make_app(database_url)


def test_a_database_not_migrated_yet_does_not_stop_start_up(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'empty.db'}")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "current"]).exit_code == 0
    app.extensions["beatdesk.engine"].dispose()


def test_an_unreachable_database_does_not_stop_start_up(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'missing-folder' / 'x.db'}")
    assert app.config["ENCRYPTION_KEYS"] == TEST_ENCRYPTION_KEY


def test_totp_secret_is_never_stored_in_clear(app, db_session, factory):
    user = factory.user(Role.SERGEANT)
    secret = user.totp_secret
    raw = _raw(db_session, "users", "totp_secret_sealed", user.id)
    assert secret and secret not in raw and FERNET_TOKEN.match(raw)
    assert "totp_secret" not in {c["name"] for c in inspect(db_session.bind).get_columns("users")}
    assert sealing.unseal(raw) == secret


def test_new_key_prints_a_usable_key(app):
    result = app.test_cli_runner().invoke(args=["secrets", "new-key"])
    assert result.exit_code == 0
    sealing.parse_keys(result.output.strip())


def test_rotation_with_old_and_new_key_then_old_key_removed(database_url, app, db_session,
                                                             factory):
    user = factory.user(Role.SERGEANT)
    secret = user.totp_secret
    account = _account(factory, {"access_token": "tok-123"})
    old_raw = _raw(db_session, "platform_accounts", "credentials", account.id)
    new = sealing.new_key()
    n = db_session.scalar(select(func.count(User.id)).where(
        User.totp_secret_sealed.is_not(None))) + 1

    both = make_app(database_url, ENCRYPTION_KEYS=f"{new},{TEST_ENCRYPTION_KEY}")
    runner = both.test_cli_runner()
    checked = runner.invoke(args=["secrets", "check"])
    assert checked.exit_code == 0
    assert f"{n} sealed value(s) open; {n} not yet under the first key" in checked.output
    result = runner.invoke(args=["secrets", "rotate"])
    assert result.exit_code == 0, result.output
    assert f"{n} of {n} sealed value(s) re-sealed" in result.output
    again = runner.invoke(args=["secrets", "rotate"])  # idempotent: nothing left to do
    assert again.exit_code == 0 and f"0 of {n} sealed value(s) re-sealed" in again.output
    both.extensions["beatdesk.engine"].dispose()

    raw = _raw(db_session, "platform_accounts", "credentials", account.id)
    assert raw != old_raw and "tok-123" not in raw
    reread(db_session)
    rotations = db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "secrets.rotated").order_by(AuditEvent.id)).all()
    assert [e.details["resealed"] for e in rotations] == [n, 0]
    assert all(e.actor_login == "cli" for e in rotations)

    # The old key removed: everything still opens, and start-up passes.
    only_new = make_app(database_url, ENCRYPTION_KEYS=new)
    with only_new.app_context():
        assert db().get(User, user.id).totp_secret == secret
        stored = db().get(PlatformAccount, account.id).credentials
        assert json.loads(sealing.unseal(stored)) == {"access_token": "tok-123"}
    assert only_new.test_cli_runner().invoke(args=["secrets", "check"]).exit_code == 0
    only_new.extensions["beatdesk.engine"].dispose()
    # ... and the old key alone no longer does.
    with pytest.raises(RuntimeError, match="ENCRYPTION_KEYS does not open"):
        make_app(database_url, ENCRYPTION_KEYS=TEST_ENCRYPTION_KEY)


def test_rotation_refuses_when_a_value_does_not_open(app, db_session, factory):
    lost = _account(factory, {"access_token": "a"}, key=sealing.new_key())  # key since lost
    _account(factory, {"access_token": "b"})  # the newest row: start-up samples it and passes
    before = _raw(db_session, "platform_accounts", "credentials", lost.id)
    runner = app.test_cli_runner()
    checked = runner.invoke(args=["secrets", "check"])
    assert checked.exit_code == 1
    assert f"platform_accounts {lost.id}: platform credentials" in checked.output
    result = runner.invoke(args=["secrets", "rotate"])
    assert result.exit_code == 1 and "nothing was re-sealed" in result.output
    assert _raw(db_session, "platform_accounts", "credentials", lost.id) == before
    reread(db_session)
    assert db_session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.event == "secrets.rotated")) == 0


def test_migration_0010_seals_existing_totp_secrets_and_sign_in_still_works(
        empty_engine, tmp_path, frozen_clock):  # noqa: F811
    schema.upgrade(empty_engine, "0009_published_texts")
    secret = pyotp.random_base32()
    with empty_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (full_name, rank, star_number, employee_number, login_id, email, "
            "role, password_hash, must_change_password, active, totp_secret, totp_confirmed_at, "
            "failed_logins, session_token, demo_account, password_changed_at, created_at, "
            "updated_at) VALUES ('Old Officer', 'Sergeant', '77', 'E77', 'oldsgt', "
            "'oldsgt@pd.example', 'news_affairs', :hash, "
            ":false, :true, :secret, :now, 0, 'tok', :false, :now, :now, :now)"),
            {"hash": hash_password(PASSWORD), "secret": secret, "now": frozen_clock.now,
             "false": False, "true": True})
    sealing.configure(TEST_ENCRYPTION_KEY)
    schema.upgrade(empty_engine)
    with empty_engine.connect() as conn:
        raw = conn.execute(text("SELECT totp_secret_sealed FROM users")).scalar_one()
    assert secret not in raw and FERNET_TOKEN.match(raw)

    app = make_app(empty_engine.url.render_as_string(hide_password=False))
    client = app.test_client()
    response = client.post("/login", data={"login_id": "oldsgt", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/login/verify"
    with app.app_context():
        user = db().scalar(select(User).where(User.login_id == "oldsgt"))
        assert user.totp_secret == secret
        code = totp_code(user)
    response = client.post("/login/verify", data={"code": code})
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    app.extensions["beatdesk.engine"].dispose()

"""Platform accounts: connect, test, replace credentials and disconnect; credentials sealed and
never shown, audited or archived; admin only; clear messages for bad input."""
import json
import re

import pytest
from sqlalchemy import select, text

from beatdesk import sealing
from beatdesk.context import Actor
from beatdesk.errors import Conflict, PermissionDenied, ValidationFailed
from beatdesk.models import ArchiveRecord, AuditEvent
from beatdesk.models.platforms import (OutboxKind, OutboxRow, OutboxState, Platform,
                                       PlatformAccount)
from beatdesk.platforms import accounts
from beatdesk.platforms.base import AccountInfo, PermanentError, TransientError
from beatdesk.roles import Role

from .conftest import make_app, reread, sign_in

TOKEN = "tok-SECRET-0123456789abcdef"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"


def data(platform, **fields):
    defaults = {
        Platform.X: dict(handle="@Beat_District1", access_token=TOKEN),
        Platform.MASTODON: dict(handle="district1", base_url="https://social.example/",
                                access_token=TOKEN),
        Platform.BLUESKY: dict(handle="District1.bsky.social", app_password=APP_PASSWORD,
                               base_url=""),
    }[platform]
    district_id = fields.pop("district_id", None)
    return accounts.ConnectionData(platform=platform, district_id=district_id,
                                   **{**defaults, **fields})


@pytest.fixture
def admin(factory):
    return Actor(user=factory.user(Role.ADMIN), client_addr="127.0.0.1")


def no_secret_recorded(session, *secrets):
    reread(session)
    audit_rows = session.scalars(select(AuditEvent)).all()
    archive_rows = session.scalars(select(ArchiveRecord)).all()
    assert audit_rows and archive_rows
    for secret in secrets:
        for row in audit_rows:
            assert secret not in json.dumps(row.details)
        for row in archive_rows:
            assert secret not in row.content and secret not in (row.search_text or "")


@pytest.mark.parametrize("platform,handle,base_url,keys", [
    (Platform.X, "@Beat_District1", "", {"access_token"}),
    (Platform.MASTODON, "district1@social.example", "https://social.example",
     {"access_token"}),
    (Platform.BLUESKY, "district1.bsky.social", "https://bsky.social",
     {"app_password", "handle"}),
])
def test_connect_seals_credentials_audits_and_archives_without_them(
        db_session, factory, admin, platform, handle, base_url, keys):
    district = factory.district()
    account = accounts.connect_account(db_session, admin, data(platform, district_id=district.id))
    db_session.commit()
    assert (account.platform, account.handle, account.base_url) == (platform, handle, base_url)
    assert account.active and account.connected_by_id == admin.user.id
    raw = db_session.execute(text("SELECT credentials FROM platform_accounts WHERE id = :id"),
                             {"id": account.id}).scalar_one()
    assert raw.startswith("gAAAA") and TOKEN not in raw and APP_PASSWORD not in raw
    opened = json.loads(sealing.unseal(raw))
    assert set(opened) == keys
    assert TOKEN in opened.values() or APP_PASSWORD in opened.values()

    event = db_session.scalar(select(AuditEvent).where(
        AuditEvent.event == "platform_account.connected"))
    assert event.object_type == "platform_accounts" and event.object_id == str(account.id)
    assert event.details["handle"] == handle and event.details["district_id"] == district.id
    record = db_session.scalar(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "platform_account"))
    assert record.district_id == district.id and json.loads(record.content)["event"] == "connected"
    no_secret_recorded(db_session, TOKEN, APP_PASSWORD)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_only_an_administrator_manages_accounts(db_session, factory, admin, role):
    other = Actor(user=factory.user(role))
    with pytest.raises(PermissionDenied):
        accounts.connect_account(db_session, other, data(Platform.X))
    db_session.rollback()
    account = accounts.connect_account(db_session, admin, data(Platform.X))
    db_session.commit()
    for operation in (accounts.disconnect_account, accounts.check_can_test):
        with pytest.raises(PermissionDenied):
            operation(db_session, other, account) if operation is not accounts.check_can_test \
                else operation(other, account)
    with pytest.raises(PermissionDenied):
        accounts.replace_credentials(db_session, other, account, data(Platform.X))


def test_an_inactive_administrator_is_refused(db_session, factory):
    former = Actor(user=factory.user(Role.ADMIN, active=False))
    with pytest.raises(PermissionDenied):
        accounts.connect_account(db_session, former, data(Platform.X))


@pytest.mark.parametrize("url,message", [
    ("http://social.example", "must start with https://"),
    ("ftp://social.example", "starting with https://"),
    ("social.example", "starting with https://"),
    ("https://", "starting with https://"),
    ("https://user:pw@social.example", "user name or password"),
    ("https://social.example/?a=1", "query"),
    ("https://social.example/#top", "fragment"),
    ("https://soc ial.example", "spaces"),
    ("https://sociál.example", "outside ASCII"),
    ("https://social.example:99999", "not a valid web address"),
    ("https://social..example", "invalid host name"),
    ("https://social.example/" + "a" * 600, "at most 500"),
    ("", "is required"),
])
def test_bad_server_addresses_get_a_sentence(db_session, admin, url, message):
    with pytest.raises(ValidationFailed, match=re.escape(message)) as caught:
        accounts.connect_account(db_session, admin, data(Platform.MASTODON, base_url=url))
    assert caught.value.field == "base_url" and caught.value.message.endswith(".")


@pytest.mark.parametrize("url,expected", [
    ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
    ("http://localhost:9/base/", "http://localhost:9/base"),
    ("HTTPS://Social.Example", "https://social.example"),
])
def test_https_or_a_local_address_for_testing(db_session, admin, url, expected):
    account = accounts.connect_account(db_session, admin, data(Platform.MASTODON, base_url=url))
    assert account.base_url == expected


@pytest.mark.parametrize("platform,handle", [
    (Platform.X, "way_too_long_handle_x"), (Platform.X, "bad-dash"), (Platform.X, "@"),
    (Platform.X, "   "), (Platform.MASTODON, "two words"), (Platform.MASTODON, "a@b@c"),
    (Platform.MASTODON, "x" * 31), (Platform.BLUESKY, "nodots"),
    (Platform.BLUESKY, "under_score.bsky.social"), (Platform.BLUESKY, "name.bsky.123"),
    (Platform.BLUESKY, "-lead.bsky.social"),
])
def test_bad_handles_name_the_platforms_format(db_session, admin, platform, handle):
    with pytest.raises(ValidationFailed, match=platform.label) as caught:
        accounts.connect_account(db_session, admin, data(platform, handle=handle))
    assert caught.value.field == "handle"


@pytest.mark.parametrize("platform,field,value,message", [
    (Platform.X, "access_token", "", "access token is required"),
    (Platform.X, "access_token", "has space", "no spaces"),
    (Platform.MASTODON, "access_token", "tök", "no spaces"),
    (Platform.X, "access_token", "x" * 4001, "at most 4000"),
    (Platform.BLUESKY, "app_password", "", "app password is required"),
])
def test_bad_credentials_get_a_sentence(db_session, admin, platform, field, value, message):
    with pytest.raises(ValidationFailed, match=message) as caught:
        accounts.connect_account(db_session, admin, data(platform, **{field: value}))
    assert caught.value.field == field


def test_unknown_district_and_platform_are_refused(db_session, admin):
    with pytest.raises(ValidationFailed, match="district does not exist"):
        accounts.connect_account(db_session, admin, data(Platform.X, district_id=999999))
    with pytest.raises(ValidationFailed, match="Choose X, Mastodon or Bluesky"):
        accounts.connect_account(db_session, admin, accounts.ConnectionData(
            platform=Platform.LOCAL, district_id=None, handle="x", access_token="t"))


def test_the_same_account_twice_is_refused_until_disconnected(db_session, admin):
    first = accounts.connect_account(db_session, admin, data(Platform.X))
    with pytest.raises(ValidationFailed, match=f"already connected \\(account #{first.id}\\)"):
        accounts.connect_account(db_session, admin, data(Platform.X, handle="beat_district1"))
    accounts.disconnect_account(db_session, admin, first)
    second = accounts.connect_account(db_session, admin, data(Platform.X))
    assert second.id != first.id


def test_disconnect_records_who_and_when_and_leaves_queued_rows_to_the_outbox(
        db_session, factory, admin, frozen_clock):
    district = factory.district()
    account = accounts.connect_account(db_session, admin, data(Platform.X, district_id=district.id))
    db_session.commit()
    post = factory.post(district)
    row = OutboxRow(kind=OutboxKind.POST_CREATE, account_id=account.id, post_id=post.id,
                    revision_id=post.current_revision_id, idempotency_key="k-disconnect")
    db_session.add(row)
    db_session.commit()

    accounts.disconnect_account(db_session, admin, account)
    db_session.commit()
    assert not account.active and account.disconnected_by_id == admin.user.id
    assert account.disconnected_at == frozen_clock.now
    assert db_session.get(OutboxRow, row.id).state == OutboxState.PENDING
    with pytest.raises(Conflict, match="already disconnected"):
        accounts.disconnect_account(db_session, admin, account)
    with pytest.raises(Conflict):
        accounts.replace_credentials(db_session, admin, account, data(Platform.X))
    with pytest.raises(Conflict):
        accounts.check_can_test(admin, account)


def test_replace_credentials_seals_the_new_ones_and_clears_the_last_test(db_session, admin):
    account = accounts.connect_account(db_session, admin, data(Platform.BLUESKY))
    accounts.record_connection_test(db_session, admin, account,
                                    accounts.TestOutcome(True, "Connected."))
    accounts.replace_credentials(db_session, admin, account,
                                 data(Platform.BLUESKY, app_password="wxyz-wxyz-wxyz-wxyz"))
    db_session.commit()
    assert json.loads(sealing.unseal(account.credentials)) == {
        "app_password": "wxyz-wxyz-wxyz-wxyz", "handle": "district1.bsky.social"}
    assert account.last_tested_at is None and account.last_test_ok is None
    with pytest.raises(ValidationFailed, match="app password is required"):
        accounts.replace_credentials(db_session, admin, account,
                                     data(Platform.BLUESKY, app_password=" "))
    no_secret_recorded(db_session, APP_PASSWORD, "wxyz-wxyz-wxyz-wxyz")


class FakeConnector:
    platform = "x"

    def __init__(self, result):
        self.result = result

    def verify(self):
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@pytest.mark.parametrize("result,ok,message", [
    (AccountInfo(handle="@Beat_District1", account_ref="4242", display_name="District 1"), True,
     "Connected as @Beat_District1 (District 1)."),
    (PermanentError("Unauthorized", 401), False, "The connection failed (HTTP 401): Unauthorized"),
    (TransientError("X did not answer in time"), False, "X did not answer in time"),
    (ValueError("odd answer"), False, "ValueError: odd answer"),
])
def test_connection_test_records_the_outcome(db_session, admin, frozen_clock, result, ok,
                                             message):
    account = accounts.connect_account(db_session, admin, data(Platform.X))
    outcome = accounts.run_connection_test(lambda: FakeConnector(result))
    accounts.record_connection_test(db_session, admin, account, outcome)
    db_session.commit()
    assert account.last_test_ok is ok and message in account.last_test_message
    assert account.last_tested_at == frozen_clock.now
    assert account.account_ref == ("4242" if ok else "")
    event = db_session.scalar(select(AuditEvent).where(
        AuditEvent.event == "platform_account.tested"))
    assert event.details["last_test_ok"] is ok


def test_a_connector_that_cannot_be_built_is_a_failed_test(db_session, admin):
    def refuse():
        raise PermanentError("the credentials cannot be opened with the configured keys")
    outcome = accounts.run_connection_test(refuse)
    assert not outcome.ok and "cannot be opened" in outcome.message


# --- the admin pages -------------------------------------------------------------------------

def test_admin_connects_tests_and_disconnects_through_the_pages(app, client, login_as,
                                                                db_session, factory):
    district = factory.district()
    login_as(Role.ADMIN)
    page = client.get("/console/admin/platforms")
    assert page.status_code == 200
    assert "No account is connected yet" in page.get_data(as_text=True)
    form = client.get("/console/admin/platforms/connect/mastodon").get_data(as_text=True)
    assert 'aria-describedby="base_url-hint"' in form and "Instance address" in form
    response = client.post("/console/admin/platforms/connect/mastodon", data={
        "district_id": str(district.id), "handle": "district1",
        "base_url": "https://social.example", "access_token": TOKEN})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/console/admin/platforms")
    listing = client.get("/console/admin/platforms").get_data(as_text=True)
    assert "district1@social.example" in listing and district.label in listing
    assert TOKEN not in listing
    # Times are shown in the department's zone (America/Chicago), with ISO 8601 for machines.
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[\d:.]+-0[56]:00">[A-Z][a-z]{2} \d{1,2}, '
                     r"\d{4}, \d{1,2}:\d\d [AP]M C[SD]T</time>", listing)
    account = db_session.scalar(select(PlatformAccount))

    tested = client.post(f"/console/admin/platforms/{account.id}/test")
    assert tested.status_code == 303
    listing = client.get("/console/admin/platforms").get_data(as_text=True)
    assert "local connector only" in listing and "Passed" in listing

    replaced = client.post(f"/console/admin/platforms/{account.id}/credentials",
                           data={"access_token": "new-token-1"})
    assert replaced.status_code == 303
    assert client.post(f"/console/admin/platforms/{account.id}/disconnect").status_code == 303
    listing = client.get("/console/admin/platforms").get_data(as_text=True)
    assert "Disconnected" in listing
    again = client.post(f"/console/admin/platforms/{account.id}/disconnect", follow_redirects=True)
    assert "already disconnected" in again.get_data(as_text=True)
    no_secret_recorded(db_session, TOKEN, "new-token-1")


def test_connect_form_errors_are_sentences_next_to_their_fields(client, login_as):
    login_as(Role.ADMIN)
    response = client.post("/console/admin/platforms/connect/mastodon", data={
        "district_id": "", "handle": "district one", "base_url": "http://social.example",
        "access_token": TOKEN})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "must start with https://" in body and 'id="base_url-error"' in body
    assert 'aria-invalid="true"' in body and TOKEN not in body
    handle = client.post("/console/admin/platforms/connect/x", data={
        "district_id": "", "handle": "bad-handle", "access_token": TOKEN})
    assert handle.status_code == 400 and "An X handle is 1 to 15" in handle.get_data(as_text=True)
    missing = client.post("/console/admin/platforms/connect/bluesky", data={
        "district_id": "", "handle": "", "app_password": "", "base_url": ""})
    assert missing.status_code == 400 and "handle is required" in missing.get_data(as_text=True)
    district = client.post("/console/admin/platforms/connect/x", data={
        "district_id": "99999", "handle": "ok", "access_token": TOKEN})
    assert district.status_code == 400


def test_unknown_platform_and_account_are_404(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/console/admin/platforms/connect/myspace").status_code == 404
    assert client.get("/console/admin/platforms/connect/local").status_code == 404
    assert client.post("/console/admin/platforms/999/test").status_code == 404
    assert client.get("/console/admin/platforms/999/credentials").status_code == 404


def test_other_roles_get_403(client, login_as):
    login_as(Role.NEWS_AFFAIRS)
    assert client.get("/console/admin/platforms").status_code == 403
    assert client.post("/console/admin/platforms/connect/x", data={}).status_code == 403


def test_the_admin_navigation_links_to_the_platform_accounts(client, login_as):
    login_as(Role.ADMIN)
    page = client.get("/console/admin/platforms").get_data(as_text=True)
    assert 'href="/console/admin/platforms" aria-current="page"' in page


def test_a_live_test_against_a_stand_in_x_confirms_the_handle_and_id(
        database_url, factory, db_session, httpserver):
    httpserver.expect_request("/2/users/me", headers={"Authorization": f"Bearer {TOKEN}"}) \
        .respond_with_json({"data": {"id": "777", "username": "Beat_D1", "name": "District 1"}})
    live = make_app(database_url, PLATFORM_CONNECTORS="live")
    client = live.test_client()
    admin = factory.user(Role.ADMIN)
    sign_in(client, admin)
    response = client.post("/console/admin/platforms/connect/x", data={
        "district_id": "", "handle": "beat_d1", "access_token": TOKEN,
        "base_url": httpserver.url_for("/")})
    assert response.status_code == 303, response.get_data(as_text=True)
    account = db_session.scalar(select(PlatformAccount))
    client.post(f"/console/admin/platforms/{account.id}/test")
    reread(db_session)
    account = db_session.get(PlatformAccount, account.id)
    assert account.last_test_ok and account.account_ref == "777" and account.handle == "@Beat_D1"
    assert "Connected as @Beat_D1 (District 1)." == account.last_test_message

    httpserver.clear()
    httpserver.expect_request("/2/users/me").respond_with_json(
        {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}, status=401)
    client.post(f"/console/admin/platforms/{account.id}/test")
    reread(db_session)
    account = db_session.get(PlatformAccount, account.id)
    assert account.last_test_ok is False and "HTTP 401" in account.last_test_message
    live.extensions["beatdesk.engine"].dispose()

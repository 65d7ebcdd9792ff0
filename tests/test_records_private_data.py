"""Commenters' e-mail and network addresses are withheld from a release by default, each one
cited in the redaction log with its exemption; they are released only after the officer's
explicit choice for the request, which is logged, audited and archived."""
import csv
import io
import json
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from beatdesk import archive, records, release
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.errors import Conflict, ValidationFailed
from beatdesk.models import ArchiveRecord, AuditEvent, RequestEvent, RequestState
from beatdesk.records import RequestData
from beatdesk.roles import Role

from .conftest import reread, sign_in
from .routes.requests import ensure_exemptions

EMAIL = "jo.visitor@mailbox.example"
ADDRESS = "203.0.113.77"
NETWORK = "203.0.113.0/24"


@pytest.fixture(autouse=True)
def exemptions(db_session):
    ensure_exemptions(db_session)


@pytest.fixture
def prepared(db_session, factory, frozen_clock):
    officer = factory.user(Role.RECORDS)
    actor = Actor(officer)
    comment = archive.append(db_session, record_type="comment", object_id=12, district_id=None,
                             actor=None, actor_label="visitor: Jo", content={
                                 "comment_id": 12, "author_name": "Jo", "author_email": EMAIL,
                                 "client_addr": ADDRESS, "body": "The parade was loud.",
                                 "state": "visible"})
    block = archive.append(db_session, record_type="comment.moderation", object_id=12,
                           district_id=None, actor=None, content={
                               "comment_id": 12, "state": "visible",
                               "moderation": {"action": "block", "email": EMAIL,
                                              "network": NETWORK}})
    req = records.create_request(db_session, actor, RequestData(
        "Pat Requester", "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC),
        "Comments on the parade post."), ILLINOIS)
    records.change_state(db_session, actor, req, RequestState.REVIEWING)
    records.attach_records(db_session, actor, req, [comment, block])
    db_session.commit()
    return {"officer": officer, "request": req, "records": [comment, block]}


def _build(app, db_session, prepared):
    built = release.build_release(db_session, Actor(prepared["officer"]), prepared["request"],
                                  root=app.instance_path + "/releases", released_to="Pat")
    db_session.commit()
    path = release.package_path(app.instance_path + "/releases", built)
    with zipfile.ZipFile(path) as package:
        return built, {name: package.read(name) for name in package.namelist()}


def test_private_data_is_withheld_by_default_and_cited(app, db_session, prepared):
    built, files = _build(app, db_session, prepared)
    for name, data in files.items():
        for value in (EMAIL, ADDRESS, NETWORK, "203.0.113"):
            assert value.encode() not in data, f"{value} released in {name}"
    released = json.loads(files["records.json"])["records"]
    assert released[0]["content"]["author_email"] == "[REDACTED under 7(1)(b)]"
    assert released[0]["content"]["client_addr"] == "[REDACTED under 7(1)(c)]"
    assert released[0]["content"]["body"] == "The parade was loud."
    log = list(csv.DictReader(io.StringIO(files["redaction_log.csv"].decode())))
    cited = {(row["archive_record_id"], row["field"], row["exemption"], row["citation"])
             for row in log}
    first, second = (str(r.id) for r in prepared["records"])
    assert cited == {(first, "author_email", "7(1)(b)", "5 ILCS 140/7(1)(b)"),
                     (first, "client_addr", "7(1)(c)", "5 ILCS 140/7(1)(c)"),
                     (second, "moderation.email", "7(1)(b)", "5 ILCS 140/7(1)(b)"),
                     (second, "moderation.network", "7(1)(c)", "5 ILCS 140/7(1)(c)")}
    assert all("withheld by default" in row["redaction"] for row in log)
    # Something was withheld, so the request is released in part.
    assert built.outcome == RequestState.RELEASED_IN_PART.value


def test_the_officers_logged_choice_releases_them(app, client, db_session, prepared):
    req, officer = prepared["request"], prepared["officer"]
    sign_in(client, officer)
    page = client.get(f"/console/records/{req.id}").get_data(as_text=True)
    assert "<strong>withheld</strong> from the release" in page
    refused = client.post(f"/console/records/{req.id}/private-data",
                          data={"choice": "release", "reason": "  "})
    assert refused.status_code == 400
    assert "State why private data may be released" in refused.get_data(as_text=True)

    response = client.post(f"/console/records/{req.id}/private-data",
                           data={"choice": "release",
                                 "reason": "The requester is the commenter."})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/console/records/{req.id}"
    reread(db_session)
    event = db_session.scalars(select(RequestEvent).where(
        RequestEvent.action == "private_data_released")).one()
    assert event.actor_id == officer.id and "requester is the commenter" in event.note
    audited = db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "records.private_data_released")).one()
    assert audited.object_id == str(req.id)
    assert db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "audit.records.private_data_released")).one()
    assert "<strong>released</strong> in this request" in \
        client.get(f"/console/records/{req.id}").get_data(as_text=True)

    _, files = _build(app, db_session, {**prepared,
                                        "request": records.get_request(db_session, req.id)})
    assert EMAIL.encode() in files["records.json"] and ADDRESS.encode() in files["records.csv"]
    log = files["redaction_log.csv"].decode()
    assert "released at the officer's choice" in log and officer.login_id in log


def test_withholding_again_and_repeated_choices(db_session, prepared):
    req, actor = prepared["request"], Actor(prepared["officer"])
    with pytest.raises(Conflict):
        records.choose_private_data_release(db_session, actor, req, False)
    with pytest.raises(ValidationFailed):
        records.choose_private_data_release(db_session, actor, req, True, "")
    records.choose_private_data_release(db_session, actor, req, True, "Own data.")
    assert records.private_data_released(db_session, req)
    records.choose_private_data_release(db_session, actor, req, False)
    assert not records.private_data_released(db_session, req)


def test_the_review_page_previews_the_withholding(client, db_session, prepared):
    req = prepared["request"]
    sign_in(client, prepared["officer"])
    item = records.snapshot_page(db_session, req).items[0]
    page = client.get(f"/console/records/{req.id}/items/{item.id}").get_data(as_text=True)
    assert "Withheld by default: the e-mail address in <code>author_email</code>" in page
    preview = page.split("As it will be released", 1)[1]
    assert EMAIL not in preview and ADDRESS not in preview
    assert "[REDACTED under 7(1)(b)]" in preview

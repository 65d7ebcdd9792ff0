"""Letters to a records requester (issue 13, acceptance 6): every kind renders to a PDF under
the department's letterhead with its fields filled, is archived with its hash, e-mailed with
the PDF attached and included in the release package; templates are edited by administrators
only, sanitized once on save and audited; bad input gets a 4xx."""
import base64
import hashlib
import io
import json
import subprocess
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from beatdesk import archive, letters, records, release, staff_mail
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.errors import Conflict, PermissionDenied, ValidationFailed
from beatdesk.models import (ArchiveRecord, AuditEvent, Department, Exemption, Letter,
                             LetterKind, LetterTemplate, OutboxRow, RequestEvent, RequestState)
from beatdesk.records import RequestData
from beatdesk.roles import Role

from .conftest import reread, sign_in
from .routes.requests import ensure_exemptions

DEPARTMENT = "Lakeside Police Department"
ADDRESS = "100 Harbor Street, Lakeside, Illinois 60000"
REQUESTER = "Zoë Quiñones"


@pytest.fixture(autouse=True)
def exemptions(db_session):
    ensure_exemptions(db_session)


@pytest.fixture
def setup(app, db_session, factory, frozen_clock):
    """A department with its letterhead facts, a records officer and an open request."""
    db_session.add(Department(name=DEPARTMENT, official_website="https://pd.example",
                              contact_address=ADDRESS, contact_phone="217-555-0100",
                              contact_email="records@pd.example"))
    db_session.commit()
    officer = factory.user(Role.RECORDS, full_name="Dana Whitfield", rank="Sergeant")
    req = records.create_request(db_session, Actor(officer), RequestData(
        REQUESTER, "zoe@example.org, 12 Elm Street", "email",
        datetime(2026, 11, 16, 15, tzinfo=UTC), "Posts about the parade on Main Street."),
        ILLINOIS)
    db_session.commit()
    return {"officer": officer, "actor": Actor(officer), "request": req}


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                         check=True)
    return " ".join(out.stdout.decode("utf-8").split())


def exemption_ids(session, *codes):
    return [str(session.scalars(select(Exemption.id).where(Exemption.code == c)).one())
            for c in codes]


def _release_row(db_session, req, officer):
    """A release of the request, as the package builder records it (no package file)."""
    from beatdesk.models import Release
    row = Release(request_id=req.id, released_to=REQUESTER, outcome="released_in_part",
                  package_name="request-1-release.zip", package_sha256="ab" * 32,
                  package_bytes=10, record_count=4, withheld_count=1, redaction_count=3,
                  created_by_id=officer.id)
    db_session.add(row)
    db_session.commit()
    return row


def _extra_for(kind, db_session, setup):
    req, actor = setup["request"], setup["actor"]
    if kind is LetterKind.CLARIFICATION:
        return {"clarification_question": "Which week of November do you mean?"}, \
            ["Which week of November do you mean?", "5 ILCS 140/3(g)"]
    if kind is LetterKind.EXTENSION:
        records.extend_request(db_session, actor, req, ILLINOIS, "Records in two offices.", 5)
        return {"extension_reasons": ["i", "v"], "extension_explanation": "Two offices hold "
                "the records."}, ["5 ILCS 140/3(e)(i)", "5 ILCS 140/3(e)(v)", "Two offices hold",
                                  "5 business days",
                                  "by Dec 1, 2026 (it was due Nov 23, 2026)"]
    if kind is LetterKind.FEE_ESTIMATE:
        return {"fee_amount": "1234.5", "fee_details": "Copies of 300 pages."}, \
            ["$1,234.50", "Copies of 300 pages.", "5 ILCS 140/6"]
    if kind is LetterKind.DENIAL:
        return {"exemption_ids": exemption_ids(db_session, "7(1)(c)", "7(1)(d)(vii)"),
                "denial_explanation": "The posts name a crime victim."}, \
            ["5 ILCS 140/7(1)(c)", "5 ILCS 140/7(1)(d)(vii)", "The posts name a crime victim.",
             "Public Access Counselor", "5 ILCS 140/9.5", "5 ILCS 140/11", "judicial review"]
    if kind is LetterKind.RELEASE:
        _release_row(db_session, req, setup["officer"])
        return {}, ["request-1-release.zip", "ab" * 32, "released in part", "4 records",
                    "Public Access Counselor"]
    return {"note": "We will write again soon."}, ["5 business days", "5 ILCS 140/3(d)",
                                                   "We will write again soon."]


@pytest.mark.parametrize("kind", list(LetterKind), ids=str)
def test_each_kind_renders_to_pdf_with_letterhead_and_fields(db_session, setup, kind):
    req = setup["request"]
    extra, expected = _extra_for(kind, db_session, setup)
    letter = letters.make_letter(db_session, setup["actor"], req, kind.value, extra)
    db_session.commit()

    assert letter.pdf.startswith(b"%PDF-")
    assert letter.sha256 == hashlib.sha256(letter.pdf).hexdigest()
    assert letter.size == len(letter.pdf)
    assert letter.file_name == f"{kind.value}-1.pdf"
    text = pdf_text(letter.pdf)
    # The letterhead, the date, the addressee and the common fields.
    for fact in (DEPARTMENT, ADDRESS, "217-555-0100", "records@pd.example", "Nov 20, 2026",
                 REQUESTER, "zoe@example.org", f"Request {req.id}" if kind is not
                 LetterKind.ACKNOWLEDGEMENT else f"request {req.id}", "Sergeant Dana Whitfield",
                 "Posts about the parade on Main Street.", "Nov 16, 2026", "page 1 of"):
        assert fact in text, f"{fact!r} missing from the {kind} letter: {text}"
    for fact in expected:
        assert fact in text, f"{fact!r} missing from the {kind} letter: {text}"
    assert "{{" not in text and "}}" not in text


def test_the_archive_holds_the_letter_and_its_hash(db_session, setup):
    req = setup["request"]
    letter = letters.make_letter(db_session, setup["actor"], req, "acknowledgement", {})
    db_session.commit()
    reread(db_session)
    record = db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "records.letter")).one()
    content = json.loads(record.content)
    stored = db_session.get(Letter, letter.id)
    assert content["sha256"] == stored.sha256 == hashlib.sha256(stored.pdf).hexdigest()
    assert content["request_id"] == req.id and content["kind"] == "acknowledgement"
    assert content["file"] == "acknowledgement-1.pdf" and content["bytes"] == len(stored.pdf)
    assert record.object_id == str(letter.id)
    # the request's history and the audit trail name it too
    event = db_session.scalars(select(RequestEvent).where(RequestEvent.action == "letter")).one()
    assert stored.sha256 in event.note
    audit_row = db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "records.letter_made")).one()
    assert audit_row.details["sha256"] == stored.sha256
    assert archive.verify(db_session).ok


def test_letter_is_emailed_with_the_pdf_attached(db_session, setup):
    letter = letters.make_letter(db_session, setup["actor"], setup["request"], "clarification",
                                 {"clarification_question": "Which dates?"})
    db_session.commit()
    assert letter.sent_to == "zoe@example.org"
    row = db_session.get(OutboxRow, letter.outbox_id)
    assert row.payload["to"] == "zoe@example.org"
    assert row.records_request_id == setup["request"].id and row.user_id is None
    message = staff_mail.build_message(row, {"MAIL_FROM": "records@pd.example"})
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["clarification-1.pdf"]
    assert attachments[0].get_content() == letter.pdf
    assert "Which dates?" in message.get_body(("plain",)).get_content()


def test_no_email_address_or_not_sending_queues_nothing(db_session, setup):
    req = setup["request"]
    req.requester_contact = "12 Elm Street, Lakeside"
    db_session.commit()
    letter = letters.make_letter(db_session, setup["actor"], req, "acknowledgement", {})
    assert letter.sent_to == "" and letter.outbox_id is None
    req.requester_contact = "zoe@example.org"
    letter = letters.make_letter(db_session, setup["actor"], req, "acknowledgement",
                                 {"send": False})
    assert letter.sent_to == "" and letter.number == 2
    assert db_session.scalars(select(OutboxRow)).all() == []


def test_typed_values_are_literal_text_never_markdown_or_placeholders(db_session, setup):
    req = setup["request"]
    req.requester_name = "**Bold** {{officer_name}} [x](javascript:alert(1)) <b>hi</b>"
    req.description = "# Heading\n    indented\n- item"
    db_session.commit()
    letter = letters.make_letter(db_session, setup["actor"], req, "acknowledgement", {})
    text = pdf_text(letter.pdf)
    assert "**Bold** {{officer_name}} [x](javascript:alert(1)) <b>hi</b>" in text
    assert "# Heading indented - item" in text
    lines = letters.markdown_lines(letter.body_markdown)
    assert all(line.kind != "heading" for line in lines)


def test_release_package_includes_the_letters_in_its_manifest(app, db_session, setup):
    req, actor = setup["request"], setup["actor"]
    record = archive.append(db_session, record_type="post.revision", object_id=1,
                            district_id=None, actor=actor, content={"body": "Parade.",
                                                                    "state": "published"})
    records.attach_records(db_session, actor, req, [record])
    first = letters.make_letter(db_session, actor, req, "acknowledgement", {})
    second = letters.make_letter(db_session, actor, req, "fee_estimate", {"fee_amount": "5"})
    db_session.commit()
    built = release.build_release(db_session, actor, req, root=app.instance_path + "/releases",
                                  released_to=REQUESTER)
    db_session.commit()
    path = release.package_path(app.instance_path + "/releases", built)
    with zipfile.ZipFile(path) as package:
        manifest = json.loads(package.read("manifest.json"))
        files = {f["name"]: f for f in manifest["files"]}
        assert package.read("letters/acknowledgement-1.pdf") == first.pdf
        assert package.read("letters/fee_estimate-1.pdf") == second.pdf
    assert files["letters/acknowledgement-1.pdf"]["sha256"] == first.sha256
    assert files["letters/fee_estimate-1.pdf"]["sha256"] == second.sha256
    # and a release letter made afterwards describes that package
    letter = letters.make_letter(db_session, actor, req, "release", {})
    text = pdf_text(letter.pdf)
    assert built.package_name in text and built.package_sha256 in text


# --- refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,extra,error,message", [
    ("memo", {}, ValidationFailed, "Choose a kind of letter"),
    ("clarification", {}, ValidationFailed, "Enter the question"),
    ("fee_estimate", {"fee_amount": "abc"}, ValidationFailed, "dollars and cents"),
    ("fee_estimate", {"fee_amount": "-1"}, ValidationFailed, "dollars and cents"),
    ("fee_estimate", {"fee_amount": "1.234"}, ValidationFailed, "dollars and cents"),
    ("fee_estimate", {"fee_amount": "NaN"}, ValidationFailed, "dollars and cents"),
    ("denial", {"denial_explanation": "x"}, ValidationFailed, "exemption"),
    ("denial", {"exemption_ids": ["99999"], "denial_explanation": "x"}, ValidationFailed,
     "exemptions from the list"),
    ("denial", {"exemption_ids": ["abc"], "denial_explanation": "x"}, ValidationFailed,
     "exemptions from the list"),
    ("extension", {"extension_reasons": ["i"]}, ValidationFailed,
     "Enter the business days of the extension"),
    ("extension", {"extension_reasons": ["i"], "extension_days": "9"}, ValidationFailed,
     "An extension is 1 to 5 business days"),
    ("release", {}, Conflict, "Build the release package first"),
    ("acknowledgement", {"note": "\x00"}, ValidationFailed, r"U\+0000 \(null\)"),
])
def test_bad_letter_input_is_refused(db_session, setup, kind, extra, error, message):
    with pytest.raises(error, match=message):
        letters.make_letter(db_session, setup["actor"], setup["request"], kind, extra)


def test_extension_reasons_must_be_the_statutes(db_session, setup):
    req, actor = setup["request"], setup["actor"]
    records.extend_request(db_session, actor, req, ILLINOIS, "Busy.", 5)
    with pytest.raises(ValidationFailed, match="at least one"):
        letters.make_letter(db_session, actor, req, "extension", {})
    with pytest.raises(ValidationFailed, match="from the list"):
        letters.make_letter(db_session, actor, req, "extension", {"extension_reasons": ["ix"]})


def test_extension_letter_takes_the_extension_it_announces(db_session, setup):
    req, actor = setup["request"], setup["actor"]
    assert req.extended_at is None and req.due_on.isoformat() == "2026-11-23"
    letter = letters.make_letter(db_session, actor, req, "extension", {
        "extension_reasons": ["iii"], "extension_days": "5",
        "extension_explanation": "Every district's posts are asked for."})
    db_session.commit()
    assert req.state is RequestState.EXTENDED and req.extension_days == 5
    assert req.due_on.isoformat() == "2026-12-01"  # Thanksgiving and the day after skipped
    assert req.extension_reason == ("5 ILCS 140/3(e)(iii): Every district's posts are "
                                    "asked for.")
    actions = [e.action for e in db_session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == req.id)
        .order_by(RequestEvent.id))]
    assert actions == ["logged", "extended", "letter"]
    text = pdf_text(letter.pdf)
    assert "by Dec 1, 2026 (it was due Nov 23, 2026)" in text
    assert "5 ILCS 140/3(e)(iii)" in text and "by 5 business days" in text
    # the one extension is taken: a second letter only repeats it
    again = letters.make_letter(db_session, actor, req, "extension",
                                {"extension_reasons": ["iii"], "extension_days": "2"})
    assert again.number == 2 and req.due_on.isoformat() == "2026-12-01"


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.RECORDS], ids=str)
def test_only_records_officers_make_letters(db_session, factory, setup, role):
    district = factory.district() if role in (Role.REPRESENTATIVE, Role.SERGEANT,
                                              Role.COMMANDER) else None
    other = factory.user(role, district)
    with pytest.raises(PermissionDenied):
        letters.make_letter(db_session, Actor(other), setup["request"], "acknowledgement", {})


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN], ids=str)
def test_only_administrators_edit_templates(db_session, factory, role):
    district = factory.district() if role in (Role.REPRESENTATIVE, Role.SERGEANT,
                                              Role.COMMANDER) else None
    other = factory.user(role, district)
    with pytest.raises(PermissionDenied):
        letters.save_template(db_session, Actor(other), "denial", "T", "Text")


# --- templates ---------------------------------------------------------------------------------

def test_template_edit_is_sanitized_audited_and_used(db_session, factory, setup):
    admin = factory.user(Role.ADMIN)
    body = ("# Denial of {{request_number}}\n\n<script>alert(1)</script>\n\n"
            "[click](javascript:alert(2)) <img src=x onerror=alert(3)> "
            '<a href="https://evil.example">raw</a>\n\n{{exemptions}}\n\n{{denial_explanation}}\n')
    saved = letters.save_template(db_session, Actor(admin), "denial", "Denied: {{request_number}}",
                                  body)
    db_session.commit()
    html = saved.body_html
    for bad in ("<script", 'href="javascript', "<img", "<a href=\"https://evil"):
        assert bad not in html, bad
    assert "&lt;script&gt;" in html and "<h2>Denial of {{request_number}}</h2>" in html
    assert "&lt;img src=x onerror=alert(3)&gt;" in html  # shown as the text it is
    audit_row = db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "records.letter_template_saved")).one()
    assert audit_row.details["kind"] == "denial"
    assert audit_row.details["body_markdown"]["to"] == body
    assert "Public Access Counselor" in audit_row.details["body_markdown"]["from"]
    assert db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "audit.records.letter_template_saved")).one()

    letter = letters.make_letter(db_session, setup["actor"], setup["request"], "denial", {
        "exemption_ids": exemption_ids(db_session, "7(1)(c)"), "denial_explanation": "Why."})
    text = pdf_text(letter.pdf)
    assert f"Denied: {setup['request'].id}" in text
    assert f"Denial of {setup['request'].id}" in text
    assert "<script>alert(1)</script>" in text  # shown as text, as typed
    assert "Public Access Counselor" not in text  # the department's own text now

    # saving the same text again changes nothing
    with pytest.raises(Conflict):
        letters.save_template(db_session, Actor(admin), "denial",
                              "Denied: {{request_number}}", body)


@pytest.mark.parametrize("title,body,message", [
    ("", "Text", "title"),
    ("Title", "   ", "text"),
    ("Title", "{{fee_amount}}", r"no field \{\{fee_amount\}\}"),
    ("{{nope}}", "Text", r"no field \{\{nope\}\}"),
    ("T" * 201, "Text", "the most is 200"),
    ("Title", "x" * 20_001, "the most is 20,000"),
])
def test_bad_template_is_refused(db_session, factory, title, body, message):
    admin = factory.user(Role.ADMIN)
    with pytest.raises(ValidationFailed, match=message):
        letters.save_template(db_session, Actor(admin), "denial", title, body)


def test_default_texts_use_only_their_kinds_fields():
    for kind, (title, body) in letters.DEFAULT_TEMPLATES.items():
        assert letters.unknown_placeholders(kind, title, body) == []
    assert "140/3(e)" in letters.DEFAULT_TEMPLATES[LetterKind.EXTENSION][1]
    denial = letters.DEFAULT_TEMPLATES[LetterKind.DENIAL][1]
    assert "{{exemptions}}" in denial and "140/9.5" in denial and "140/11" in denial


# --- pages -------------------------------------------------------------------------------------

def test_admin_edits_and_previews_a_template(client, db_session, login_as):
    login_as(Role.ADMIN)
    page = client.get("/console/letters/")
    assert page.status_code == 200 and "Fee estimate" in page.get_data(as_text=True)
    page = client.get("/console/letters/extension")
    assert page.status_code == 200
    assert "140/3(e)" in page.get_data(as_text=True)
    assert "{{extension_reasons}}" in page.get_data(as_text=True)

    preview = client.post("/console/letters/extension", data={
        "title": "Extended {{request_number}}", "body_markdown": "**Due** {{due_on}} <i>x</i>",
        "preview": "Preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Extended 123" in html
    assert "<strong>Due</strong> Nov 23, 2026 &lt;i&gt;x&lt;/i&gt;" in html
    assert db_session.scalars(select(LetterTemplate)).all() == []

    saved = client.post("/console/letters/extension", data={
        "title": "Extended {{request_number}}", "body_markdown": "**Due** {{due_on}}",
        "save": "Save"})
    assert saved.status_code == 303
    reread(db_session)
    row = db_session.scalars(select(LetterTemplate)).one()
    assert row.body_html == "<p><strong>Due</strong> {{due_on}}</p>\n"

    bad = client.post("/console/letters/extension", data={
        "title": "X", "body_markdown": "{{denial_explanation}}", "save": "Save"})
    assert bad.status_code == 400
    assert "has no field {{denial_explanation}}" in bad.get_data(as_text=True)
    assert client.post("/console/letters/extension", data={"save": "Save"}).status_code == 400
    assert client.get("/console/letters/memo").status_code == 404


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN], ids=str)
def test_template_pages_refuse_other_roles(client, factory, role):
    district = factory.district() if role in (Role.REPRESENTATIVE, Role.SERGEANT,
                                              Role.COMMANDER) else None
    sign_in(client, factory.user(role, district))
    assert client.get("/console/letters/").status_code == 403
    assert client.get("/console/letters/denial").status_code == 403
    assert client.post("/console/letters/denial", data={"title": "x", "body_markdown": "y",
                                                        "save": "1"}).status_code == 403


def test_officer_makes_and_downloads_a_letter(client, db_session, setup):
    req = setup["request"]
    sign_in(client, setup["officer"])
    page = client.get(f"/console/records/{req.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="letters"' in html
    assert "Make the clarification letter" in html
    assert "Business days of the extension" in html  # not extended yet: the letter extends

    response = client.post(f"/console/records/{req.id}/letters", data={
        "kind": "clarification", "clarification-clarification_question": "Which parade?",
        "clarification-send": "y"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/console/records/{req.id}#letters")
    reread(db_session)
    letter = db_session.scalars(select(Letter)).one()
    assert letter.sent_to == "zoe@example.org"
    page = client.get(f"/console/records/{req.id}").get_data(as_text=True)
    assert "Download clarification-1.pdf" in page and letter.sha256 in page

    download = client.get(f"/console/records/{req.id}/letters/{letter.id}/clarification-1.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert hashlib.sha256(download.data).hexdigest() == letter.sha256
    assert client.get(f"/console/records/{req.id}/letters/{letter.id}/x.pdf").status_code == 404
    assert client.get(f"/console/records/{req.id}/letters/999/x.pdf").status_code == 404


def test_letter_form_errors_are_shown_with_a_4xx(client, db_session, setup):
    req = setup["request"]
    sign_in(client, setup["officer"])
    url = f"/console/records/{req.id}/letters"
    missing = client.post(url, data={"kind": "clarification"})
    assert missing.status_code == 400
    html = missing.get_data(as_text=True)
    assert "Enter what the requester should clarify." in html
    assert '<details class="letter-form" open>' in html
    fee = client.post(url, data={"kind": "fee_estimate", "fee_estimate-fee_amount": "ten"})
    assert fee.status_code == 400 and "dollars and cents" in fee.get_data(as_text=True)
    assert client.post(url, data={"kind": "memo"}).status_code == 400
    assert client.post(url, data={}).status_code == 400
    early = client.post(url, data={"kind": "extension", "extension-extension_reasons": "i"})
    assert early.status_code == 400
    assert "Enter the business days of the extension" in early.get_data(as_text=True)
    denial = client.post(url, data={"kind": "denial", "denial-exemption_ids": "99999",
                                    "denial-denial_explanation": "x"})
    assert denial.status_code == 400
    reread(db_session)
    assert db_session.scalars(select(Letter)).all() == []


def test_other_roles_cannot_make_or_read_letters(client, db_session, factory, setup):
    req = setup["request"]
    letter = letters.make_letter(db_session, setup["actor"], req, "acknowledgement", {})
    db_session.commit()
    download = f"/console/records/{req.id}/letters/{letter.id}/{letter.file_name}"
    admin = factory.user(Role.ADMIN)
    sign_in(client, admin)
    assert client.post(f"/console/records/{req.id}/letters",
                       data={"kind": "acknowledgement"}).status_code == 403
    assert client.get(download).status_code == 200  # administrators may read
    page = client.get(f"/console/records/{req.id}").get_data(as_text=True)
    assert "Make the acknowledgement letter" not in page
    sign_in(client, factory.user(Role.NEWS_AFFAIRS))
    assert client.get(download).status_code == 403
    assert client.post(f"/console/records/{req.id}/letters",
                       data={"kind": "acknowledgement"}).status_code == 403

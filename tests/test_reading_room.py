"""The public reading room: publishing a release's public edition, listing, search, withdrawal."""
import io
import json
import zipfile
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from beatdesk import archive, reading_room, records, redaction_suggestions, release
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.errors import Conflict, PermissionDenied, ValidationFailed
from beatdesk.models import (ArchiveRecord, AuditEvent, Exemption, Publication, RecordsRequest,
                             Release, RequestEvent, RequestState)
from beatdesk.records import RequestData
from beatdesk.roles import Role

from .conftest import reread, sign_in
from .routes.requests import ensure_exemptions

REQUESTER = "Marguerite Okonkwo-Lindqvist"
CONTACT = "m.okonkwo@example.org"
SECRET = "555-0142"  # redacted by the officer
KEPT = "Parade on Main Street"


@pytest.fixture(autouse=True)
def exemptions(db_session):
    ensure_exemptions(db_session)


def released_request(db_session, factory, officer, *, description="Posts about the parade.",
                     body=None, requester=REQUESTER, contact=CONTACT):
    """A request whose records mention the requester, with one redaction, released."""
    district = factory.district()
    actor = Actor(officer)
    post = archive.append(db_session, record_type="post.revision", object_id=7,
                          district_id=district.id, actor=Actor(officer), content={
                              "body": body or f"{KEPT}. Call {SECRET} for details.",
                              "state": "published"})
    comment = archive.append(db_session, record_type="comment.created", object_id=70,
                             district_id=district.id, actor=None, actor_label="visitor",
                             content={"body": f"I am {requester}, write to me at {contact}.",
                                      "author_name": requester, "state": "visible"})
    req = records.create_request(db_session, actor, RequestData(
        requester, contact, "email", datetime(2026, 11, 16, 15, tzinfo=UTC), description),
        ILLINOIS)
    records.attach_records(db_session, actor, req, [post, comment])
    db_session.flush()
    item = next(i for i in records.snapshot_page(db_session, req).items
                if i.archive_record_id == post.id)
    code = db_session.scalars(select(Exemption).where(Exemption.code == "7(1)(b)")).one()
    if SECRET in (body or SECRET):
        records.add_redaction(db_session, actor, req, item, exemption_id=code.id, kind="text",
                              text=SECRET)
    # The officer releases what Beatdesk suggested redacting (the requester wrote it).
    for suggestion in redaction_suggestions.undecided(db_session, req):
        redaction_suggestions.reject(db_session, actor, req, suggestion.id,
                                     "The requester's own words.")
    db_session.commit()
    return req


@pytest.fixture
def officer(factory):
    return factory.user(Role.RECORDS)


@pytest.fixture
def built(app, db_session, factory, officer, frozen_clock):
    req = released_request(db_session, factory, officer)
    rel = release.build_release(db_session, Actor(officer), req,
                                root=app.instance_path + "/releases",
                                released_to=f"{REQUESTER}, {CONTACT}",
                                media_root=app.config["MEDIA_ROOT"])
    db_session.commit()
    return req, rel


def _publish(client, rel, **data):
    form = {"subject": "Parade posts and comments, November 2026",
            "summary": "Posts and comments about the parade; one phone number withheld.",
            "scope": "package"}
    form.update(data)
    return client.post(f"/console/records/releases/{rel.id}/publish", data=form)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_publishing_puts_a_public_edition_without_the_requester_in_the_reading_room(
        app, client, db_session, built, officer):
    req, rel = built
    sign_in(client, officer)
    response = _publish(client, rel)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/console/records/{req.id}#reading-room")
    reread(db_session)
    publication = db_session.scalars(select(Publication)).one()
    assert publication.release_id == rel.id and publication.record_count == 2
    names = [f["name"] for f in publication.files]
    assert names == ["index.html", "records.pdf", "records.json", "records.csv",
                     "publication.zip"]

    anonymous = app.test_client()
    assert 'href="/reading-room"' in anonymous.get("/").get_data(as_text=True)
    listing = anonymous.get("/reading-room").get_data(as_text=True)
    assert "Parade posts and comments, November 2026" in listing
    assert "Terms of Service" in listing  # the public layout with its notices
    page = anonymous.get(f"/reading-room/{publication.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "one phone number withheld" in html
    files = {}
    for name in names:
        download = anonymous.get(f"/reading-room/{publication.id}/files/{name}")
        assert download.status_code == 200, name
        assert "attachment" in download.headers["Content-Disposition"]
        files[name] = download.data
        assert f"/reading-room/{publication.id}/files/{name}" in html
    with zipfile.ZipFile(io.BytesIO(files["publication.zip"])) as bundle:
        for name in bundle.namelist():
            files[f"zip:{name}"] = bundle.read(name)
    texts = {name: data.decode("utf-8", "replace") for name, data in files.items()}
    texts["pdf text"] = _pdf_text(files["records.pdf"])
    texts["page"], texts["listing"] = html, listing
    for name, content in texts.items():
        for forbidden in (REQUESTER, CONTACT, "Okonkwo", SECRET):
            assert forbidden.lower() not in content.lower(), f"{forbidden!r} in {name}"
    # Real content is there, with the redaction mark and the requester's place marked.
    assert KEPT in texts["pdf text"] and "[REDACTED under 7(1)(b)]" in texts["pdf text"]
    assert "[REQUESTER]" in texts["index.html"] and KEPT in texts["records.json"]
    assert "[REQUESTER]" in texts["pdf text"]
    json.loads(files["records.json"])
    # Files are what the publication lists.
    import hashlib
    for entry in publication.files:
        assert hashlib.sha256(files[entry["name"]]).hexdigest() == entry["sha256"]

    # Audited, archived, and in the request's history.
    assert db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "records.publication_published")).one().object_id == \
        str(publication.id)
    record = db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "records.publication")).one()
    assert json.loads(record.content)["state"] == "published"
    assert json.loads(record.content)["files"] == publication.files
    assert db_session.scalars(select(RequestEvent).where(
        RequestEvent.request_id == req.id, RequestEvent.action == "published")).one()
    # The officer's request page lists it.
    detail = client.get(f"/console/records/{req.id}").get_data(as_text=True)
    assert "Parade posts and comments, November 2026" in detail and "Withdraw" in detail


def test_public_parts_only_publish_the_readable_files(app, client, db_session, built, officer):
    _, rel = built
    sign_in(client, officer)
    assert _publish(client, rel, scope="public_parts").status_code == 303
    reread(db_session)
    publication = db_session.scalars(select(Publication)).one()
    assert [f["name"] for f in publication.files] == ["index.html", "records.pdf",
                                                      "publication.zip"]
    assert app.test_client().get(
        f"/reading-room/{publication.id}/files/records.json").status_code == 404


def test_the_reading_room_lists_only_what_was_published(app, client, db_session, factory,
                                                        built, officer):
    """Acceptance 5: a released request that nobody published is not listed."""
    _, rel = built
    other = released_request(db_session, factory, officer,
                             description="Unpublished zeppelin records.")
    release.build_release(db_session, Actor(officer), other,
                          root=app.instance_path + "/releases", released_to="Someone")
    db_session.commit()
    sign_in(client, officer)
    assert _publish(client, rel).status_code == 303
    listing = app.test_client().get("/reading-room").get_data(as_text=True)
    assert "1 publication." in listing and "zeppelin" not in listing.lower()
    reread(db_session)
    assert db_session.scalar(select(Publication.id).where(
        Publication.request_id == other.id)) is None


def test_withdrawal_hides_it_publicly_while_the_archive_keeps_it(app, client, db_session,
                                                                 built, officer):
    """Acceptance 5. The page cache is on: withdrawal shows at once."""
    req, rel = built
    app.config.update(PUBLIC_CACHE_SECONDS=60)
    sign_in(client, officer)
    assert _publish(client, rel).status_code == 303
    reread(db_session)
    publication = db_session.scalars(select(Publication)).one()
    anonymous = app.test_client()
    for _ in range(2):  # the second answer comes from the page cache
        assert "Parade posts" in anonymous.get("/reading-room").get_data(as_text=True)
        assert anonymous.get(f"/reading-room/{publication.id}").status_code == 200

    missing_reason = client.post(f"/console/records/publications/{publication.id}/withdraw",
                                 data={"withdraw-1-reason": " "})
    assert missing_reason.status_code == 400
    page = missing_reason.get_data(as_text=True)
    assert "State why the publication is withdrawn." in page
    assert 'href="#withdraw-1-reason"' in page and 'id="withdraw-1-reason"' in page
    response = client.post(f"/console/records/publications/{publication.id}/withdraw",
                           data={"withdraw-1-reason": "A name in the records was not redacted."})
    assert response.status_code == 303

    listing = anonymous.get("/reading-room").get_data(as_text=True)
    assert "Parade posts" not in listing and "Nothing has been published" in listing
    gone = anonymous.get(f"/reading-room/{publication.id}")
    assert gone.status_code == 410
    text = gone.get_data(as_text=True)
    assert "withdrew this publication" in text and "Terms of Service" in text
    assert "Parade posts" not in text
    assert anonymous.get(f"/reading-room/{publication.id}/files/records.pdf").status_code == 410
    assert anonymous.get("/reading-room/999999").status_code == 404

    reread(db_session)
    publication = db_session.get(Publication, publication.id)
    assert publication.withdrawn and publication.withdrawal_reason.startswith("A name")
    states = [json.loads(r.content)["state"] for r in db_session.scalars(
        select(ArchiveRecord).where(ArchiveRecord.record_type == "records.publication")
        .order_by(ArchiveRecord.id))]
    assert states == ["published", "withdrawn"]
    # The archive keeps the published files' hashes and the files stay on disk.
    first = db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "records.publication").order_by(ArchiveRecord.id)).first()
    assert json.loads(first.content)["files"] == publication.files
    path, _ = reading_room.public_file(app.instance_path + "/releases", publication,
                                       "records.pdf")
    assert path.is_file()
    assert archive.verify(db_session).problem_count == 0
    assert db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "records.publication_withdrawn")).one()
    detail = client.get(f"/console/records/{req.id}").get_data(as_text=True)
    assert "Withdrawn" in detail and "A name in the records was not redacted." in detail
    # Withdrawn twice is refused; publishing the release again is allowed.
    again = client.post(f"/console/records/publications/{publication.id}/withdraw",
                        data={"withdraw-1-reason": "Again."})
    assert again.status_code == 409
    assert _publish(client, rel, subject="Parade posts, corrected").status_code == 303
    assert "Parade posts, corrected" in anonymous.get("/reading-room").get_data(as_text=True)


def test_bad_input_is_refused_with_a_message_and_kept(app, client, db_session, built, officer):
    req, rel = built
    sign_in(client, officer)
    empty = _publish(client, rel, subject="  ", summary="Kept summary text.")
    assert empty.status_code == 400
    page = empty.get_data(as_text=True)
    assert "Enter the subject." in page and "Kept summary text." in page
    naming = _publish(client, rel, subject=f"Records asked for by {REQUESTER}")
    assert naming.status_code == 400
    assert "names the requester" in naming.get_data(as_text=True)
    contact = _publish(client, rel, summary=f"Sent to {CONTACT.upper()}.")
    assert contact.status_code == 400
    assert _publish(client, rel, scope="everything").status_code == 400
    assert _publish(client, rel, subject="x" * 201).status_code == 400
    assert client.post("/console/records/releases/999999/publish",
                       data={"subject": "a", "summary": "b"}).status_code == 404
    reread(db_session)
    assert db_session.scalar(select(Publication.id)) is None
    assert _publish(client, rel).status_code == 303
    twice = _publish(client, rel)
    assert twice.status_code == 409 and "already in the reading room" in twice.get_data(
        as_text=True)


def test_only_records_officers_publish(app, client, db_session, factory, built, login_as):
    req, rel = built
    login_as(Role.ADMIN)
    assert _publish(client, rel).status_code == 403
    with pytest.raises(PermissionDenied):
        reading_room.publish(db_session, Actor(factory.user(Role.NEWS_AFFAIRS)), rel,
                             subject="s", summary="s", scope="package",
                             root=app.instance_path + "/releases")


def test_an_open_request_cannot_be_published(app, db_session, factory, officer, frozen_clock):
    req = released_request(db_session, factory, officer)
    rel = Release(request_id=req.id, released_to="x", outcome="released_in_full",
                  package_name="x.zip", package_sha256="0" * 64, package_bytes=1,
                  record_count=1, withheld_count=0, redaction_count=0, created_by_id=officer.id)
    db_session.add(rel)
    db_session.commit()
    assert req.state is RequestState.RECEIVED
    with pytest.raises(Conflict):
        reading_room.publish(db_session, Actor(officer), rel, subject="s", summary="s",
                             scope="package", root=app.instance_path + "/releases")
    with pytest.raises(ValidationFailed):
        reading_room.publish(db_session, Actor(officer), rel, subject="", summary="s",
                             scope="package", root=app.instance_path + "/releases")


def _many_publications(db_session, officer, count):
    req = RecordsRequest(requester_name="R", requester_contact="r@example.org",
                         received_via="email", received_at=datetime(2026, 11, 2, tzinfo=UTC),
                         received_on=datetime(2026, 11, 2).date(), description="d",
                         rules_key="IL", state=RequestState.RELEASED_IN_FULL,
                         original_due_on=datetime(2026, 11, 9).date(),
                         due_on=datetime(2026, 11, 9).date(), created_by_id=officer.id)
    db_session.add(req)
    db_session.flush()
    for n in range(count):
        rel = Release(request_id=req.id, released_to="R", outcome="released_in_full",
                      package_name=f"{n}.zip", package_sha256="0" * 64, package_bytes=1,
                      record_count=1, withheld_count=0, redaction_count=0,
                      created_by_id=officer.id)
        db_session.add(rel)
        db_session.flush()
        subject = f"Bicycle patrol records {n:02d}" if n % 2 else f"Traffic stop records {n:02d}"
        db_session.add(Publication(
            release_id=rel.id, request_id=req.id, subject=subject,
            summary="Weekly summary 100% complete" if n == 3 else f"Summary {n}.",
            scope="public_parts", folder=f"reading-room/publication-x{n}", files=[],
            record_count=1, published_by_id=officer.id,
            published_at=datetime(2026, 11, 1, tzinfo=UTC).replace(day=1 + n),
            withdrawal_reason=""))
    db_session.commit()


def test_search_and_pages_past_the_first(app, db_session, officer):
    _many_publications(db_session, officer, 25)
    anonymous = app.test_client()
    first = anonymous.get("/reading-room").get_data(as_text=True)
    assert "25 publications, page 1 of 2" in first
    assert "Bicycle patrol records 23" in first  # newest first
    assert "Traffic stop records 00" not in first and 'rel="next"' in first
    second = anonymous.get("/reading-room?page=2").get_data(as_text=True)
    assert "page 2 of 2" in second
    assert "Traffic stop records 00" in second and "Traffic stop records 04" in second
    assert "Bicycle patrol records 23" not in second
    found = anonymous.get("/reading-room?q=bicycle").get_data(as_text=True)
    assert "12 publications" in found and "Traffic stop" not in found
    # Every word must match, in the subject or the summary.
    both = anonymous.get("/reading-room?q=traffic+summary+16").get_data(as_text=True)
    assert "1 publication." in both and "Traffic stop records 16" in both
    # LIKE wildcards are plain characters.
    percent = anonymous.get("/reading-room?q=100%25").get_data(as_text=True)
    assert "1 publication." in percent and "records 03" in percent
    assert "0 publications" in anonymous.get("/reading-room?q=%25%25x").get_data(as_text=True)
    paged = anonymous.get("/reading-room?q=records&page=2").get_data(as_text=True)
    assert "page 2 of 2" in paged and "q=records" in paged
    assert anonymous.get("/reading-room?q=" + "x" * 201).status_code == 400
    by_subject = anonymous.get("/reading-room?order=subject").get_data(as_text=True)
    assert by_subject.index("Bicycle patrol records 01") < \
        by_subject.index("Bicycle patrol records 03") < by_subject.index("Traffic stop")
    assert "Bicycle patrol records 23" in by_subject and "Traffic stop records 00" in by_subject
    assert "Traffic stop records 24" not in by_subject  # on page 2, by subject
    assert "Traffic stop records 24" in anonymous.get(
        "/reading-room?order=subject&page=2").get_data(as_text=True)
    assert anonymous.get("/reading-room?order=nonsense").status_code == 400
    assert anonymous.get("/reading-room?page=99").status_code == 200


def test_withdrawal_in_one_instance_reaches_the_others_cached_pages(database_url, tmp_path,
                                                                    monkeypatch):
    """Two instances on one database, each keeping public pages for an hour: a withdrawal
    made through the first is archived, so the second stops showing the publication at its
    next check of the archive head (``PUBLIC_CACHE_CHECK_SECONDS``)."""
    from blueprints.public import cache

    from .conftest import Factory, make_app

    # Each instance would be its own process: only the database may empty the other's cache.
    monkeypatch.setattr(cache, "invalidate", lambda: None)
    first = make_app(database_url, PUBLIC_CACHE_SECONDS=3600)
    second = make_app(database_url, PUBLIC_CACHE_SECONDS=3600)
    first.instance_path = second.instance_path = str(tmp_path / "instance")
    session = first.extensions["beatdesk.sessionmaker"]()
    try:
        ensure_exemptions(session)
        officer = Factory(session).user(Role.RECORDS)
        with first.app_context():
            req = released_request(session, Factory(session), officer)
            rel = release.build_release(session, Actor(officer), req,
                                        root=first.instance_path + "/releases",
                                        released_to=REQUESTER)
            publication = reading_room.publish(
                session, Actor(officer), rel, subject="Parade records", summary="Posts.",
                scope="public_parts", root=first.instance_path + "/releases")
            session.commit()
        reader = second.test_client()
        path = f"/reading-room/{publication.id}"
        assert reader.get(path).status_code == 200
        assert "Parade records" in reader.get("/reading-room").get_data(as_text=True)
        later = cache.time.monotonic() + 1
        monkeypatch.setattr(cache.time, "monotonic", lambda: later)
        assert reader.get(path).status_code == 200  # kept, and checked against the head

        with first.app_context():
            reading_room.withdraw(session, Actor(officer), publication, "Withdrawn.")
            session.commit()
        later += cache.DEFAULT_CHECK_SECONDS / 2
        assert reader.get(path).status_code == 200  # within the bound: not checked yet
        later += cache.DEFAULT_CHECK_SECONDS / 2 + 0.001
        assert reader.get(path).status_code == 410
        assert "Parade records" not in reader.get("/reading-room").get_data(as_text=True)
    finally:
        session.close()
        for app in (first, second):
            app.extensions["beatdesk.engine"].dispose()


def test_a_large_edition_is_split_into_pdf_volumes(app, db_session, built, tmp_path):
    req, rel = built
    with app.app_context():
        files, count = reading_room.build_public_edition(
            db_session, req, rel, folder=tmp_path, subject="Parade", summary="Posts.",
            scope=reading_room.PublicationScope.PUBLIC_PARTS, pdf_volume_records=1)
    assert count == 2
    assert [f.name for f in files] == ["index.html", "records-001.pdf", "records-002.pdf",
                                       "publication.zip"]
    first = _pdf_text((tmp_path / "records-001.pdf").read_bytes())
    second = _pdf_text((tmp_path / "records-002.pdf").read_bytes())
    assert "This edition holds 2 records" in first and KEPT in first
    assert "[REQUESTER]" in second and REQUESTER not in second
    assert not (tmp_path / "records.json").exists()
    with zipfile.ZipFile(tmp_path / "publication.zip") as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
    assert [f["name"] for f in manifest["files"]] == ["index.html", "records-001.pdf",
                                                      "records-002.pdf"]


def test_the_release_letter_is_published_without_the_requester(app, client, db_session, built,
                                                                officer):
    from beatdesk import letters

    req, rel = built
    with app.app_context():
        letter = letters.make_letter(db_session, Actor(officer), req, "release",
                                     {"send": False})
        db_session.commit()
    assert REQUESTER in _pdf_text(letter.pdf)  # the letter the requester got names them
    sign_in(client, officer)
    assert _publish(client, rel, scope="public_parts").status_code == 303
    reread(db_session)
    publication = db_session.scalars(select(Publication)).one()
    assert [f["name"] for f in publication.files] == ["index.html", "records.pdf",
                                                      "release-letter.pdf", "publication.zip"]
    anonymous = app.test_client()
    page = anonymous.get(f"/reading-room/{publication.id}").get_data(as_text=True)
    assert "The release letter (PDF)" in page
    data = anonymous.get(f"/reading-room/{publication.id}/files/release-letter.pdf").data
    text = _pdf_text(data)
    assert "[REQUESTER]" in text and "not named in this public edition" in text
    for forbidden in (REQUESTER, CONTACT, "Okonkwo"):
        assert forbidden.lower() not in text.lower()
        assert forbidden.encode() not in data
    # The letter's own words are there (its title, under the department's letterhead).
    assert _pdf_text(letter.pdf).splitlines()[0] in text
    with zipfile.ZipFile(io.BytesIO(anonymous.get(
            f"/reading-room/{publication.id}/files/publication.zip").data)) as bundle:
        assert "release-letter.pdf" in bundle.namelist()

"""Release packages: acceptance 5 (no redacted text in any file; the manifest's hashes match)
and 7 (peak memory does not grow with the number of records), the page flow, the CLI."""
import hashlib
import io
import json
import multiprocessing
import zipfile
from datetime import UTC, datetime

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import insert, select

from beatdesk import archive, records, redaction_suggestions, release
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.models import (ArchiveRecord, AuditEvent, Exemption, RecordsRequest, Redaction,
                             Release, RequestState, SnapshotItem)
from beatdesk.records import RequestData
from beatdesk.roles import Role

from .conftest import reread
from .routes.requests import ensure_exemptions

@pytest.fixture(autouse=True)
def exemptions(db_session):
    ensure_exemptions(db_session)


# Passages the officer redacts; none may appear anywhere in the package.
PHONE = "555-0199"
NAME = "Zoë Quiñones"
WITNESS = "Witness Harriet Q. Blackwood"
LICENSE = "plate KX7-Q3Z9"
# Text that stays, proving the checks look at real content.
KEPT = "Parade on Main Street"


def _png(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    data = buffer.getvalue()
    key = hashlib.sha256(data).hexdigest() + ".png"
    target = path / key[:2] / key
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return key


@pytest.fixture
def prepared(app, db_session, factory, frozen_clock):
    """An officer, a request in review with four archive records attached and redacted."""
    district = factory.district()
    rep = factory.user(Role.REPRESENTATIVE, district)
    officer = factory.user(Role.RECORDS)
    image_key = _png(__import__("pathlib").Path(app.config["MEDIA_ROOT"]))
    rep_actor, actor = Actor(rep), Actor(officer)
    post = archive.append(db_session, record_type="post.revision", object_id=7,
                          district_id=district.id, actor=rep_actor, content={
                              "body": f"{KEPT}. Questions: {NAME}, {PHONE}.",
                              # as post revisions list images: by the file's SHA-256
                              "images": [{"asset_id": 1, "sha256": image_key.split(".")[0],
                                          "alt_text": "Parade route"}],
                              "state": "published"})
    comment = archive.append(db_session, record_type="comment.created", object_id=70,
                             district_id=district.id, actor=None, actor_label="visitor",
                             content={"body": f"I saw the car, {LICENSE}. Ask {NAME.upper()}.",
                                      "state": "visible"})
    moderation = archive.append(db_session, record_type="comment.moderated", object_id=70,
                                district_id=district.id, actor=rep_actor, content={
                                    "action": "remove", "reason": "Names a private person",
                                    "state": "removed", "history": [
                                        {"at": "2026-11-20", "note": f"quoted {LICENSE}"}]})
    withheld = archive.append(db_session, record_type="comment.created", object_id=71,
                              district_id=district.id, actor=None, actor_label="visitor2",
                              content={"body": f"{WITNESS} told me everything.",
                                       "state": "removed"})
    req = records.create_request(db_session, actor, RequestData(
        "Pat Requester", "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC),
        "Posts and comments about the parade."), ILLINOIS)
    records.change_state(db_session, actor, req, RequestState.REVIEWING)
    records.attach_records(db_session, actor, req, [post, comment, moderation, withheld])
    db_session.flush()
    items = {i.archive_record_id: i for i in db_session.scalars(select(SnapshotItem))}
    code = {e.code: e.id for e in db_session.scalars(select(Exemption))}
    post_item = items[post.id]
    body = json.loads(post_item.content)["body"]
    start = body.index(PHONE)
    records.add_redaction(db_session, actor, req, post_item, exemption_id=code["7(1)(b)"],
                          kind="range", field="body", start=start, end=start + len(PHONE))
    records.add_redaction(db_session, actor, req, post_item, exemption_id=code["7(1)(c)"],
                          kind="text", field="body", text=NAME)
    # The name in capitals in the comment, the plate in two fields of two records.
    records.add_redaction(db_session, actor, req, items[comment.id],
                          exemption_id=code["7(1)(c)"], kind="text", text=NAME)
    records.add_redaction(db_session, actor, req, items[comment.id],
                          exemption_id=code["7(1)(d)(vii)"], kind="text", text=LICENSE)
    records.add_redaction(db_session, actor, req, items[moderation.id],
                          exemption_id=code["7(1)(d)(vii)"], kind="text", text=LICENSE)
    records.add_redaction(db_session, actor, req, items[withheld.id],
                          exemption_id=code["7(1)(d)(iv)"], kind="record")
    db_session.commit()
    return {"request": req, "officer": officer, "records": [post, comment, moderation, withheld],
            "image_key": image_key}


def _build(app, db_session, prepared, **options):
    built = release.build_release(db_session, Actor(prepared["officer"]), prepared["request"],
                                  root=app.instance_path + "/releases",
                                  released_to="Pat Requester, pat@example.org",
                                  media_root=app.config["MEDIA_ROOT"], **options)
    db_session.commit()
    return built, release.package_path(app.instance_path + "/releases", built)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_no_redacted_text_in_any_file_and_the_manifest_matches(app, db_session, prepared):
    """Acceptance 5."""
    built, path = _build(app, db_session, prepared)
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        files = {name: package.read(name) for name in names}
    assert {"index.html", "records.pdf", "records.json", "records.csv", "redaction_log.csv",
            "manifest.json", f"media/{prepared['image_key']}"} == set(names)

    forbidden = [PHONE, NAME, NAME.upper(), "Quinones", WITNESS, "Blackwood", LICENSE]
    for name, data in files.items():
        for passage in forbidden:
            assert passage.encode() not in data, f"{passage!r} found in {name}"
            assert passage.lower().encode() not in data.lower(), f"{passage!r} found in {name}"
    pdf_text = _pdf_text(files["records.pdf"])
    for passage in forbidden:
        assert passage.lower() not in pdf_text.lower(), f"{passage!r} found in the PDF text"

    # What was not redacted is there, so the searches above looked at real content.
    for name in ("index.html", "records.json", "records.csv"):
        assert KEPT.encode() in files[name]
    assert KEPT in pdf_text and "[REDACTED under 7(1)(b)]" in pdf_text
    assert "Withheld in full under 7(1)(d)(iv)" in pdf_text
    assert f'src="media/{prepared["image_key"]}" alt="Parade route"'.encode() \
        in files["index.html"]

    manifest = json.loads(files["manifest.json"])
    listed = {entry["name"]: entry for entry in manifest["files"]}
    assert set(listed) == set(names) - {"manifest.json"}
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[name]).hexdigest()
        assert entry["bytes"] == len(files[name])
    reread(db_session)
    chain = {r.id: r for r in db_session.scalars(select(ArchiveRecord))}
    assert [(r["archive_record_id"], r["archive_hash"], r["content_hash"]) for r in
            manifest["records"]] == [(r.id, chain[r.id].record_hash, chain[r.id].content_hash)
                                     for r in prepared["records"]]
    assert [r["withheld"] for r in manifest["records"]] == [False, False, False, True]

    log = files["redaction_log.csv"].decode().splitlines()
    assert log[0].startswith("archive_record_id,record_type,object_id,redaction,field,exemption")
    assert len(log) == 1 + 6
    assert built.package_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_release_closes_the_request_and_is_archived_and_audited(app, db_session, prepared):
    built, _ = _build(app, db_session, prepared)
    reread(db_session)
    req = db_session.get(RecordsRequest, prepared["request"].id)
    assert req.state is RequestState.RELEASED_IN_PART and req.closed_at is not None
    assert (built.record_count, built.withheld_count, built.redaction_count) == (4, 1, 6)
    entry = db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "records.release")).one()
    content = json.loads(entry.content)
    assert content["package_sha256"] == built.package_sha256
    assert content["released_to"] == "Pat Requester, pat@example.org"
    assert content["request_id"] == req.id and content["record_count"] == 4
    assert db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "records.released")).one().object_id == str(built.id)
    # Nothing in the archive changed: the redacted passages are still there.
    original = db_session.get(ArchiveRecord, prepared["records"][0].id)
    assert PHONE in original.content
    assert archive.verify(db_session).problem_count == 0


def test_without_redactions_the_release_is_in_full(app, db_session, prepared):
    for redaction in db_session.scalars(select(Redaction)):
        records.remove_redaction(db_session, Actor(prepared["officer"]), prepared["request"],
                                 redaction.id)
    # What the lifted redactions held is now suggested again: released on the officer's word.
    for suggestion in redaction_suggestions.undecided(db_session, prepared["request"]):
        redaction_suggestions.reject(db_session, Actor(prepared["officer"]),
                                     prepared["request"], suggestion.id, "Released in full.")
    db_session.commit()
    built, path = _build(app, db_session, prepared)
    assert built.outcome == "released_in_full"
    with zipfile.ZipFile(path) as package:
        assert PHONE.encode() in package.read("records.json")


def test_a_request_changed_by_someone_else_is_not_released(app, db_session, prepared):
    """The officer's copy still says "reviewing"; meanwhile another officer withdrew it."""
    from sqlalchemy.orm.attributes import set_committed_value

    req = prepared["request"]
    other = app.extensions["beatdesk.sessionmaker"]()
    records.change_state(other, Actor(other.get(type(prepared["officer"]),
                                                prepared["officer"].id)),
                         other.get(RecordsRequest, req.id), RequestState.WITHDRAWN,
                         note="Withdrawn by phone.")
    other.commit()
    other.close()
    reread(db_session)
    stale = db_session.get(RecordsRequest, req.id)
    set_committed_value(stale, "state", RequestState.REVIEWING)
    prepared["request"] = stale
    with pytest.raises(records.Conflict, match="changed by someone else"):
        _build(app, db_session, prepared)
    db_session.rollback()
    reread(db_session)
    assert db_session.get(RecordsRequest, req.id).state is RequestState.WITHDRAWN
    assert db_session.scalars(select(Release)).all() == []
    assert not list((__import__("pathlib").Path(app.instance_path) / "releases").rglob("*.zip"))


def test_the_pdf_is_split_into_volumes(app, db_session, prepared):
    built, path = _build(app, db_session, prepared, pdf_volume_records=3, batch_size=2)
    with zipfile.ZipFile(path) as package:
        pdfs = sorted(n for n in package.namelist() if n.endswith(".pdf"))
        assert pdfs == ["records-001.pdf", "records-002.pdf"]
        assert "volume 2 of 2" in _pdf_text(package.read("records-002.pdf"))
        assert len(json.loads(package.read("records.json"))["records"]) == 4


def test_nothing_attached_is_refused(app, db_session, factory, frozen_clock):
    officer = factory.user(Role.RECORDS)
    req = records.create_request(db_session, Actor(officer), RequestData(
        "Pat", "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC), "x"),
        ILLINOIS)
    db_session.commit()
    with pytest.raises(records.ValidationFailed, match="Attach the records"):
        release.build_release(db_session, Actor(officer), req, root=app.instance_path,
                              released_to="Pat")


def test_release_page_builds_and_downloads_the_package(app, client, db_session, prepared):
    from .conftest import sign_in

    req = prepared["request"]
    sign_in(client, prepared["officer"])
    page = client.get(f"/console/records/{req.id}/release")
    assert page.status_code == 200 and "4 attached records" in page.get_data(as_text=True)
    refused = client.post(f"/console/records/{req.id}/release",
                          data={"released_to": "Pat"})  # review not confirmed
    assert refused.status_code == 400
    response = client.post(f"/console/records/{req.id}/release",
                           data={"released_to": "Pat Requester", "confirm": "y"})
    assert response.status_code == 303
    reread(db_session)
    built = db_session.scalars(select(Release)).one()
    assert response.headers["Location"] == \
        f"/console/records/{req.id}/releases/{built.id}/download"
    download = client.get(response.headers["Location"])
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    assert built.package_name in download.headers["Content-Disposition"]
    assert hashlib.sha256(download.data).hexdigest() == built.package_sha256
    detail = client.get(f"/console/records/{req.id}").get_data(as_text=True)
    assert "Released in part" in detail and built.package_sha256 in detail
    # Closed: a second release is refused.
    again = client.post(f"/console/records/{req.id}/release",
                        data={"released_to": "Pat Requester", "confirm": "y"})
    assert again.status_code == 409


def test_cli_export_with_progress(app, db_session, prepared, tmp_path):
    req, officer = prepared["request"], prepared["officer"]
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["records", "export", str(req.id), "--officer", "nobody"])
    assert refused.exit_code == 2 and "not an active records officer" in refused.output
    output = tmp_path / "out.zip"
    result = runner.invoke(args=["records", "export", str(req.id), "--officer",
                                 officer.login_id, "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "Building the package" in result.output
    reread(db_session)
    built = db_session.scalars(select(Release)).one()
    assert f"SHA-256: {built.package_sha256}" in result.output
    assert hashlib.sha256(output.read_bytes()).hexdigest() == built.package_sha256
    closed = runner.invoke(args=["records", "export", str(req.id), "--officer",
                                 officer.login_id])
    assert closed.exit_code == 2


# --- acceptance 7: memory -------------------------------------------------------------------

BODY = ("Community alert: the parade on Main Street closes roads between Lake and Wacker from "
        "9 a.m. to noon. Plan another route; questions to the desk at 555-0100. ")


def _seed_snapshot(session, factory, size: int) -> tuple[int, int]:
    officer = factory.user(Role.RECORDS)
    req = records.create_request(session, Actor(officer), RequestData(
        "Pat", "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC), "All."),
        ILLINOIS)
    session.flush()
    exemption = session.scalars(select(Exemption).where(Exemption.code == "7(1)(b)")).one()
    at = datetime(2026, 11, 16, 15, tzinfo=UTC)
    for first in range(0, size, 5000):
        session.execute(insert(SnapshotItem), [
            {"request_id": req.id, "archive_record_id": n, "record_type": "post.revision",
             "object_id": str(n), "district_id": None, "recorded_at": at, "actor_label": "rep",
             "state": "published", "archive_hash": f"{n:064x}", "content_hash": f"{n:064x}",
             "content": json.dumps({"body": BODY + f"Post {n}.", "state": "published"}),
             "attached_by_id": officer.id, "attached_at": at}
            for n in range(first + 1, min(size, first + 5000) + 1)])
    ids = session.scalars(select(SnapshotItem.id).where(SnapshotItem.request_id == req.id)
                          .order_by(SnapshotItem.id)).all()
    session.execute(insert(Redaction), [
        {"request_id": req.id, "item_id": item_id, "kind": "text", "field": "body",
         "match_text": "555-0100", "exemption_id": exemption.id, "note": "",
         "created_by_id": officer.id, "created_at": at, "start_at": None, "end_at": None}
        for item_id in ids[::10]])
    session.commit()
    return req.id, officer.id


def _build_in_child(url: str, request_id: int, officer_id: int, root: str, queue) -> None:
    """Runs in a fresh interpreter: build once, report peak RSS (KiB) and the record count."""
    import resource

    from beatdesk.db import make_engine, make_session_factory
    from beatdesk.models import RecordsRequest, User

    engine = make_engine(url)
    session = make_session_factory(engine)()
    built = release.build_release(session, Actor(session.get(User, officer_id)),
                                  session.get(RecordsRequest, request_id), root=root,
                                  released_to="Pat")
    session.commit()
    queue.put((built.record_count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
    engine.dispose()


def _peak_rss_kib(url, request_id, officer_id, root) -> int:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_build_in_child, args=(url, request_id, officer_id, root,
                                                          queue))
    child.start()
    count, peak = queue.get(timeout=900)
    child.join(60)
    assert child.exitcode == 0
    return count, peak


def test_peak_memory_does_not_grow_with_the_number_of_records(database_url, db_session,
                                                              factory, tmp_path):
    """Acceptance 7: 20,000 records peak within a small constant of 2,000 (RSS of a fresh
    process that only builds the package)."""
    small = _seed_snapshot(db_session, factory, 2_000)
    large = _seed_snapshot(db_session, factory, 20_000)
    count_small, rss_small = _peak_rss_kib(database_url, *small, str(tmp_path / "r"))
    count_large, rss_large = _peak_rss_kib(database_url, *large, str(tmp_path / "r"))
    assert (count_small, count_large) == (2_000, 20_000)
    assert rss_large - rss_small < 16 * 1024, (rss_small, rss_large)

"""The public reading room: released records a records officer publishes for everyone.

A records officer publishes a release of a closed request under a subject and a summary. What
the public gets is a *public edition* of the release, written when it is published:

- ``index.html`` and ``records.pdf`` (``records-001.pdf``... for large releases): the records
  with the release's redactions, under a cover page that names the request, its dates and the
  exemptions applied, and never the requester: the requester's name and contact are not on the
  cover, and any occurrence of them in the records is replaced by ``[REQUESTER]``;
- with the whole package (``PublicationScope.PACKAGE``), also ``records.json`` and
  ``records.csv`` the same way;
- ``release-letter.pdf``: the request's latest release letter (:mod:`beatdesk.letters`), when
  there is one, under the department's letterhead, with the requester's name and contact
  replaced the same way;
- ``publication.zip``: all of these with the images the records show.

Each publication is an audit event, an archive record (``records.publication``, with every
file's SHA-256) and an event in the request's history. Withdrawal hides the publication from
the public site (its page answers 410 Gone); the row, its files and every archive record stay.
"""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from markupsafe import escape
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from beatdesk import archive, audit, clock, letters, sametext, text
from beatdesk.context import Actor
from beatdesk.errors import Conflict, NotFound, ValidationFailed
from beatdesk.models.letters import Letter, LetterKind
from beatdesk.models.reading_room import Publication, PublicationScope
from beatdesk.models.records import (Exemption, RecordsRequest, Release, RequestEvent,
                                     SnapshotItem)
from beatdesk.records import CLOSED_STATES, _require_officer, can_manage_requests
from beatdesk.release import (CSV_COLUMNS, HTML_HEAD, ReleasedRecord, _Cover, _cover_pdf,
                              _csv_row, _html_cover, _html_record, _json_record, _Reader,
                              _record_page, released_records)
from beatdesk.release_pdf import PdfVolume
from beatdesk.roles import Role

SUBJECT_MAX = 200
SUMMARY_MAX = 4000
REASON_MAX = 2000
REQUESTER_MARK = "[REQUESTER]"
PDF_VOLUME_RECORDS = 500
CHUNK = 1024 * 1024
FOLDER = "reading-room"
RELEASED = frozenset(s for s in CLOSED_STATES if s.value.startswith("released"))


class Gone(NotFound):
    """The publication was withdrawn: its address existed and is gone on purpose."""

    status_code = 410


# --- permissions ------------------------------------------------------------------------------

def can_publish(user) -> bool:
    """Only records officers publish and withdraw; administrators may read."""
    return can_manage_requests(user)


def can_view_publications(user) -> bool:
    return user is not None and user.active and user.role in (Role.RECORDS, Role.ADMIN)


# --- input ------------------------------------------------------------------------------------

def _clean(value: str | None, label: str, field: str, limit: int, *, required: bool = True,
           one_line: bool = False) -> str:
    value = text.normalise((value or "").strip(), label, field)
    if one_line:
        value = " ".join(value.split())
    if required and not value:
        raise ValidationFailed(f"Enter the {label.lower()}.", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"The {label.lower()} is {len(value):,} characters; at most "
                               f"{limit:,} are allowed.", field=field)
    return value


def requester_identity(request: RecordsRequest) -> list[str]:
    """The requester's name and contact, as passages the public edition never shows: the whole
    name and contact, and each line of the contact (an address may span lines)."""
    found = []
    for value in (request.requester_name or "", request.requester_contact or ""):
        value = value.strip()
        if value:
            found.append(value)
            found += [line.strip() for line in value.splitlines() if len(line.strip()) >= 3]
    return list(dict.fromkeys(found))


def _names_requester(value: str, identity: list[str]) -> bool:
    return any(sametext.occurs(value, passage) for passage in identity)


# --- the public edition -----------------------------------------------------------------------

def _scrub(value: str, identity: list[str]) -> str:
    spans = sorted(span for passage in identity for span in sametext.spans(value, passage))
    if not spans:
        return value
    out, position = [], 0
    for start, end in spans:
        if start < position:  # overlaps a replaced span
            if end > position:
                position = end
            continue
        out.append(value[position:start])
        out.append(REQUESTER_MARK)
        position = end
    out.append(value[position:])
    return "".join(out)


def _scrub_content(content, identity: list[str]):
    if isinstance(content, dict):
        return {key: _scrub_content(value, identity) for key, value in content.items()}
    if isinstance(content, list):
        return [_scrub_content(value, identity) for value in content]
    if isinstance(content, str):
        return _scrub(content, identity)
    return content


def _public_record(rec: ReleasedRecord, identity: list[str]) -> ReleasedRecord:
    """The record with every occurrence of the requester's name or contact replaced."""
    content = rec.content if rec.content is None else _scrub_content(rec.content, identity)
    return ReleasedRecord(
        number=rec.number, archive_record_id=rec.archive_record_id, record_type=rec.record_type,
        object_id=rec.object_id, district_id=rec.district_id, recorded_at=rec.recorded_at,
        actor=_scrub(rec.actor, identity), state=rec.state, archive_hash=rec.archive_hash,
        content_hash=rec.content_hash, content=content, exemptions=rec.exemptions,
        recorded_local=rec.recorded_local)


class _PublicCover(_Cover):
    """The cover page of the public edition: what was released and what was withheld, never
    to whom."""

    subject: str = ""
    summary: str = ""
    outcome: str = ""

    def texts(self) -> list[str]:
        return [self.subject, self.summary]

    def paragraphs(self) -> list[tuple[str, str]]:
        out = [("title", self.subject),
               ("text", self.summary),
               ("text", f"Released on {self.released} ({self.outcome}) in answer to public "
                        f"records {self.request_label.lower()}, received on {self.received}. "
                        "The requester is not named in this public edition; where the records "
                        f"mention the requester, they read {REQUESTER_MARK}."),
               ("text", f"This edition holds {self.total:,} record"
                        f"{'' if self.total == 1 else 's'} from the department's social media "
                        "archive, as the public saw them.")]
        if self.withheld or self.redacted:
            out.append(("text", "Withheld under the Illinois Freedom of Information Act "
                                "(5 ILCS 140) or other law:"))
            out += self._exemption_items()
            out.append(("text", "Each redaction is marked [REDACTED under ...] where it was "
                                "made."))
        else:
            out.append(("text", "Nothing was redacted from these records."))
        out.append(("text", f"Published by {self.department}."))
        return out


@dataclass(frozen=True)
class BuiltFile:
    name: str
    sha256: str
    bytes: int

    def as_dict(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "bytes": self.bytes}


def release_letter(session: Session, request: RecordsRequest) -> Letter | None:
    """The request's latest release letter, if one was made."""
    return session.scalars(select(Letter).where(Letter.request_id == request.id,
                                                Letter.kind == LetterKind.RELEASE)
                           .order_by(Letter.created_at.desc(), Letter.id.desc())
                           .limit(1)).first()


def public_letter_pdf(session: Session, request: RecordsRequest, letter: Letter,
                      identity: list[str]) -> bytes:
    """The release letter as the public reads it: the same letterhead, date, title and text,
    addressed to the requester without naming them."""
    addressee = SimpleNamespace(requester_name=REQUESTER_MARK,
                                requester_contact="(not named in this public edition)")
    # The letter's text is Markdown, where the name and contact were written escaped.
    escaped = identity + [letters.escape_markdown(" ".join(p.split())) for p in identity]
    body = _scrub(letter.body_markdown, list(dict.fromkeys(escaped))).replace(
        REQUESTER_MARK, letters.escape_markdown(REQUESTER_MARK))
    return letters.render_pdf(session, _scrub(letter.title, identity), body, addressee,
                              clock.local_date_text(letter.created_at),
                              f"{request.label} · release letter, public edition")


def _hashed(folder: Path, name: str) -> BuiltFile:
    digest, size = hashlib.sha256(), 0
    with open(folder / name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return BuiltFile(name, digest.hexdigest(), size)


def _append(target, source: Path) -> None:
    with open(source, "rb") as handle:
        while chunk := handle.read(CHUNK):
            target.write(chunk)


def build_public_edition(session: Session, request: RecordsRequest, release: Release, *,
                         folder: Path, subject: str, summary: str, scope: PublicationScope,
                         media_root: str | Path | None = None,
                         pdf_volume_records: int = PDF_VOLUME_RECORDS) -> tuple[list[BuiltFile],
                                                                                int]:
    """Write the public edition's files into ``folder``; returns them and the record count.

    Like the release package, memory stays flat whatever the number of records: the records
    are read in batches and written as they come, and a PDF volume holds at most
    ``pdf_volume_records`` records (the first volume, with the cover page that counts every
    record, is drawn last)."""
    identity = requester_identity(request)
    reader = _Reader(session, Path(media_root) if media_root else None)
    now = clock.utcnow()
    cover = _PublicCover(department=reader.department, department_lines=reader.department_lines,
                         request_label=request.label, requester="", received=clock.local_date_text(
                             request.received_on),
                         released=clock.local_date_text(release.created_at), description="",
                         searches=[], officer="",
                         citations={e.code: e.citation for e in session.scalars(
                             select(Exemption))})
    cover.subject, cover.summary = subject, summary
    cover.outcome = "released in full" if release.outcome == "released_in_full" \
        else "released in part"
    title = f"Released records: {subject}"
    total = session.scalar(select(func.count(SnapshotItem.id))
                           .where(SnapshotItem.request_id == request.id)) or 0
    volumes = max(1, -(-total // pdf_volume_records))
    pdf_names = (["records.pdf"] if volumes == 1
                 else [f"records-{n:03d}.pdf" for n in range(1, volumes + 1)])
    whole = scope is PublicationScope.PACKAGE
    media_names: dict[str, str] = {}
    state = {"volume": None, "number": 0, "in_volume": 0, "first": None}

    def new_volume():
        state["number"] += 1
        number = state["number"]
        expected = min(pdf_volume_records, total - (number - 1) * pdf_volume_records)
        state["volume"] = PdfVolume(
            title + (f", volume {number} of {volumes}" if volumes > 1 else ""),
            f"{request.label} · {pdf_names[number - 1]}",
            cover=_cover_pdf(cover, title) if number == 1 else None,
            expected_records=max(expected, 0))
        state["in_volume"] = 0

    def close_volume():
        if state["number"] == 1:
            state["first"] = state["volume"]
        else:
            (folder / pdf_names[state["number"] - 1]).write_bytes(state["volume"].output())
        state["volume"] = None

    body_path = folder / ".records.html"
    with open(body_path, "w", encoding="utf-8", newline="\n") as body, \
            open(folder / "records.json", "w", encoding="utf-8", newline="\n") as js, \
            open(folder / "records.csv", "w", encoding="utf-8", newline="") as cs:
        js.write(json.dumps({"publication": {
            "subject": subject, "request": request.id,
            "released_on": clock.local_date_text(release.created_at)}},
            ensure_ascii=False)[:-1] + ', "records": [\n')
        writer = csv.writer(cs)
        writer.writerow(CSV_COLUMNS)
        first = True
        for rec, passages in released_records(session, request):
            cover.count(rec)
            public = _public_record(rec, identity)
            page = _record_page(public, reader, list(passages) + identity)
            for block in page.blocks:
                if block.kind == "image" and block.image not in media_names:
                    media_names[block.image] = Path(block.image).name
            body.write(_html_record(page, media_names))
            if state["volume"] is None:
                new_volume()
            state["volume"].record(page)
            state["in_volume"] += 1
            if state["in_volume"] >= pdf_volume_records:
                close_volume()
            if whole:
                js.write(("" if first else ",\n") + _json_record(public))
                writer.writerow(_csv_row(public))
            first = False
        js.write("\n]}\n")
    if state["volume"] is None and state["first"] is None:
        new_volume()  # nothing attached: the cover alone
    if state["volume"] is not None:
        close_volume()
    (folder / pdf_names[0]).write_bytes(state["first"].output())
    with open(folder / "index.html", "wb") as out:
        out.write(HTML_HEAD.format(title=escape(title)).encode())
        out.write(_html_cover(cover, title).encode())
        out.write(b'<section aria-labelledby="records-heading">\n'
                  b'<h2 id="records-heading">The records</h2>\n')
        _append(out, body_path)
        out.write(b"</section>\n</main>\n</body>\n</html>\n")
    body_path.unlink()
    names = ["index.html", *pdf_names]
    letter = release_letter(session, request)
    if letter is not None:
        (folder / "release-letter.pdf").write_bytes(
            public_letter_pdf(session, request, letter, identity))
        names.append("release-letter.pdf")
    if whole:
        names += ["records.json", "records.csv"]
    else:
        (folder / "records.json").unlink()
        (folder / "records.csv").unlink()
    files = [_hashed(folder, name) for name in names]
    with zipfile.ZipFile(folder / "publication.zip", "w",
                         compression=zipfile.ZIP_DEFLATED) as package:
        for built in files:
            package.write(folder / built.name, built.name,
                          compress_type=zipfile.ZIP_STORED if built.name.endswith(".pdf")
                          else zipfile.ZIP_DEFLATED)
        for path, name in sorted(media_names.items(), key=lambda item: item[1]):
            package.write(path, f"media/{name}", compress_type=zipfile.ZIP_STORED)
        package.writestr("manifest.json", json.dumps(
            {"title": title, "created_at": clock.iso(now), "hash_algorithm": "sha256",
             "files": [f.as_dict() for f in files]}, ensure_ascii=False, indent=1))
    files.append(_hashed(folder, "publication.zip"))
    return files, cover.total


# --- publishing and withdrawing ----------------------------------------------------------------

def _folder(root: str | Path, publication: Publication) -> Path:
    return Path(root) / publication.folder


def get_release(session: Session, release_id: int) -> Release:
    release = session.get(Release, release_id)
    if release is None:
        raise NotFound("There is no such release.")
    return release


def active_publication(session: Session, release: Release) -> Publication | None:
    return session.scalars(select(Publication).where(Publication.release_id == release.id,
                                                     Publication.withdrawn_at.is_(None))
                           .limit(1)).first()


def _history(session: Session, actor: Actor, request: RecordsRequest, action: str,
             note: str) -> None:
    session.add(RequestEvent(request_id=request.id, action=action,
                             from_state=request.state.value, to_state=request.state.value,
                             note=note, due_on=request.due_on, actor_id=actor.user.id,
                             occurred_at=clock.utcnow()))


def publish(session: Session, actor: Actor, release: Release, *, subject: str, summary: str,
            scope: PublicationScope | str, root: str | Path,
            media_root: str | Path | None = None) -> Publication:
    """Publish a release in the reading room (a public edition without the requester).

    Raises PermissionDenied (not a records officer), Conflict (already published and not
    withdrawn, or the request is not released) and ValidationFailed (no subject or summary,
    too long, or naming the requester).
    """
    _require_officer(actor)
    request = session.get(RecordsRequest, release.request_id)
    subject = _clean(subject, "Subject", "subject", SUBJECT_MAX, one_line=True)
    summary = _clean(summary, "Summary", "summary", SUMMARY_MAX)
    try:
        scope = PublicationScope(scope)
    except ValueError:
        raise ValidationFailed("Choose what to publish.", field="scope") from None
    identity = requester_identity(request)
    if _names_requester(subject, identity):
        raise ValidationFailed("The subject names the requester or their contact; the public "
                               "page never shows who asked.", field="subject")
    if _names_requester(summary, identity):
        raise ValidationFailed("The summary names the requester or their contact; the public "
                               "page never shows who asked.", field="summary")
    if request.state not in RELEASED:
        raise Conflict(f"{request.label} is {request.state.label.lower()}; only released "
                       "records can be published.")
    if active_publication(session, release) is not None:
        raise Conflict("This release is already in the reading room. Withdraw that "
                       "publication first to publish it again.")
    publication = Publication(release_id=release.id, request_id=request.id, subject=subject,
                              summary=summary, scope=scope, folder="", files=[],
                              record_count=0, published_by_id=actor.user.id,
                              published_at=clock.utcnow(), withdrawal_reason="")
    session.add(publication)
    session.flush()
    publication.folder = f"{FOLDER}/publication-{publication.id}"
    folder = _folder(root, publication)
    if folder.exists():  # left by a publication whose transaction was rolled back
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    try:
        built, count = build_public_edition(session, request, release, folder=folder,
                                            subject=subject, summary=summary, scope=scope,
                                            media_root=media_root)
        publication.files = [f.as_dict() for f in built]
        publication.record_count = count
        _history(session, actor, request, "published",
                 f"Release {release.id} published in the reading room as "
                 f"\u201c{subject}\u201d ({publication.label}).")
        session.flush()
        archive.append(session, record_type="records.publication", object_id=publication.id,
                       district_id=None, actor=actor, content={
                           "request_id": request.id, "release_id": release.id,
                           "subject": subject, "summary": summary, "scope": scope.value,
                           "published_at": publication.published_at,
                           "record_count": count, "files": publication.files,
                           "state": "published"})
        audit.record_event(session, actor, "records.publication_published", obj=publication,
                           details={"request": request.id, "release": release.id,
                                    "scope": scope.value, "records": count})
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return publication


def get_publication(session: Session, publication_id: int) -> Publication:
    publication = session.get(Publication, publication_id)
    if publication is None:
        raise NotFound("There is no such publication.")
    return publication


def withdraw(session: Session, actor: Actor, publication: Publication,
             reason: str) -> Publication:
    """Take a publication off the public site; its row, files and archive records stay.

    Raises PermissionDenied, Conflict (already withdrawn) and ValidationFailed (no reason).
    """
    _require_officer(actor)
    if not (reason or "").strip():
        raise ValidationFailed("State why the publication is withdrawn.", field="reason")
    reason = _clean(reason, "Reason", "reason", REASON_MAX)
    if publication.withdrawn_at is not None:
        raise Conflict(f"{publication.label} was already withdrawn "
                       f"({clock.department_text(publication.withdrawn_at)}).")
    publication.withdrawn_at = clock.utcnow()
    publication.withdrawn_by_id = actor.user.id
    publication.withdrawal_reason = reason
    request = session.get(RecordsRequest, publication.request_id)
    _history(session, actor, request, "publication_withdrawn",
             f"{publication.label} (\u201c{publication.subject}\u201d) withdrawn from the "
             f"reading room: {reason}")
    session.flush()
    archive.append(session, record_type="records.publication", object_id=publication.id,
                   district_id=None, actor=actor, content={
                       "request_id": publication.request_id,
                       "release_id": publication.release_id, "subject": publication.subject,
                       "withdrawn_at": publication.withdrawn_at, "reason": reason,
                       "files": publication.files, "state": "withdrawn"})
    audit.record_event(session, actor, "records.publication_withdrawn", obj=publication,
                       details={"request": publication.request_id, "reason": reason})
    return publication


def publications_of(session: Session, request: RecordsRequest) -> list[Publication]:
    return list(session.scalars(select(Publication).where(Publication.request_id == request.id)
                                .order_by(Publication.published_at.desc(),
                                          Publication.id.desc())))


# --- the public side ----------------------------------------------------------------------------

QUERY_MAX = 200


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


ORDERS = {"date": "Newest first", "subject": "Subject, A to Z"}


def public_page(session: Session, query: str = "", page: int = 1, per_page: int = 20,
                order: str = "date") -> audit.Page:
    """Published (not withdrawn) releases whose subject or summary holds every word of
    ``query`` (case-insensitive), newest first or (``order="subject"``) by subject."""
    words = (query or "").split()[:10]
    statement = select(Publication).where(Publication.withdrawn_at.is_(None))
    for word in words:
        pattern = _like(word[:QUERY_MAX])
        statement = statement.where(or_(Publication.subject.ilike(pattern, escape="\\"),
                                        Publication.summary.ilike(pattern, escape="\\")))
    if order == "subject":
        statement = statement.order_by(func.lower(Publication.subject), Publication.id)
    else:
        statement = statement.order_by(Publication.published_at.desc(), Publication.id.desc())
    return audit.paginate(session, statement, page, per_page)


def get_public(session: Session, publication_id: int) -> Publication:
    """A publication the public may read. Raises NotFound, or Gone when withdrawn."""
    publication = session.get(Publication, publication_id)
    if publication is None:
        raise NotFound("There is no such publication in the reading room.")
    if publication.withdrawn_at is not None:
        raise Gone("The department withdrew this publication from the reading room. Its "
                   "records stay in the department's archive; you may ask for them with a "
                   "public records request.")
    return publication


def public_file(root: str | Path, publication: Publication, name: str) -> tuple[Path, dict]:
    """The stored file ``name`` of a publication and its listing. Raises NotFound."""
    listing = next((f for f in publication.files if f["name"] == name), None)
    if listing is None:
        raise NotFound("This publication has no such file.")
    path = _folder(root, publication) / listing["name"]
    if not path.is_file():
        raise NotFound("The file is no longer on disk.")
    return path, listing


FILE_LABELS = {"index.html": "Readable records (HTML page)",
               "records.json": "Every field, machine-readable (JSON)",
               "records.csv": "Every field, as a spreadsheet (CSV)",
               "publication.zip": "Everything, with the images (ZIP)"}


def file_label(name: str) -> str:
    if name == "release-letter.pdf":
        return "The release letter (PDF)"
    if name.endswith(".pdf"):
        return "Readable records (PDF" + (f", volume {int(name[8:11])})" if name != "records.pdf"
                                          else ")")
    return FILE_LABELS.get(name, name)

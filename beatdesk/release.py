"""Release packages: what a public records request gives the requester, as one ZIP.

The package holds

- ``index.html``: every record readable (text, images, comments and their moderation history
  as the archive recorded them), withheld records listed with their exemption;
- ``records.pdf`` (``records-001.pdf``, ``records-002.pdf``, ... when there are more than
  ``pdf_volume_records`` records): the same rendering as PDF;
- ``records.json`` and ``records.csv``: the released content, machine-readable;
- ``redaction_log.csv``: record, what was redacted, exemption, who, when (never the passage),
  and each e-mail or network address withheld by default (or the officer's choice to release
  them);
- ``media/<key>``: the images the records refer to that the media store still holds;
- ``manifest.json``: the SHA-256 and size of every other file, and the archive hashes of every
  record included.

Memory stays flat whatever the number of records: each file is a streamed ZIP entry, records
are read in batches of ``batch_size`` rows (a fresh query per file, never all at once), and the
PDF is built one volume at a time (fpdf2 keeps a whole document in memory, so a volume holds at
most ``pdf_volume_records`` records). The package is written to a temporary name under the
release root and renamed into place once complete; its SHA-256, the request's new state and an
archive record of the release (what, to whom, when, package hash) are written in the caller's
transaction.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import secrets
import textwrap
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from markupsafe import escape
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from beatdesk import archive, audit, clock, sametext
from beatdesk.context import Actor
from beatdesk.errors import Conflict, NotFound, ValidationFailed
from beatdesk.models.records import (Exemption, RecordsRequest, Redaction, RedactionKind,
                                     Release, RequestEvent, RequestState, SnapshotItem)
from beatdesk.records import (TRANSITIONS, _require_officer, _require_open, active_redactions,
                              change_state, private_data_released, private_values,
                              redacted_content, redacted_passages)

MEDIA_EXTENSIONS = ("jpg", "png", "webp", "gif")
MEDIA_KEY = re.compile(r"[0-9a-f]{64}\.(?:jpg|png|webp|gif)")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# A monospaced Unicode font when the machine has one (Debian: fonts-dejavu-core); otherwise the
# PDF core font Courier, with text reduced to Latin-1.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/TTF/DejaVuSansMono.ttf",
)
# Files are read once per pass; a progress unit is one record in one pass.
PASSES = 5
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ReleasedRecord:
    """One snapshot record as released: redactions applied, or withheld whole."""

    number: int
    archive_record_id: int
    record_type: str
    object_id: str
    district_id: int | None
    recorded_at: str
    actor: str
    state: str
    archive_hash: str
    content_hash: str
    content: dict | None  # None when withheld
    exemptions: tuple[str, ...]  # the codes of the exemptions applied to this record

    @property
    def withheld(self) -> bool:
        return self.content is None


class _HashingWriter(io.RawIOBase):
    """Passes bytes to a ZIP entry while counting them and computing their SHA-256."""

    def __init__(self, target):
        self.target, self.sha256, self.size = target, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self.sha256.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


class _Package:
    def __init__(self, path: Path):
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.files: list[dict] = []

    def entry(self, name: str):
        return _Entry(self, name)

    def close(self):
        self.zip.close()


class _Entry:
    def __init__(self, package: _Package, name: str):
        self.package, self.name = package, name

    def __enter__(self) -> _HashingWriter:
        self.raw = self.package.zip.open(self.name, "w", force_zip64=True)
        self.writer = _HashingWriter(self.raw)
        return self.writer

    def __exit__(self, exc_type, exc, tb):
        self.raw.close()
        if exc_type is None:
            self.package.files.append({"name": self.name, "sha256": self.writer.sha256.hexdigest(),
                                       "bytes": self.writer.size})
        return False


def release_root(root: str | Path) -> Path:
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_path(root: str | Path, release: Release) -> Path:
    return Path(root) / f"request-{release.request_id}" / release.package_name


def open_package(root: str | Path, release: Release) -> Path:
    """The stored ZIP of ``release``. Raises NotFound if it is no longer on disk."""
    path = package_path(root, release)
    if not path.is_file():
        raise NotFound("The package file is no longer on disk.")
    return path


def releases_of(session: Session, request: RecordsRequest) -> list[Release]:
    return list(session.scalars(select(Release).where(Release.request_id == request.id)
                                .order_by(Release.created_at.desc(), Release.id.desc())))


def get_release(session: Session, request: RecordsRequest, release_id: int) -> Release:
    release = session.get(Release, release_id)
    if release is None or release.request_id != request.id:
        raise NotFound("There is no such release of this request.")
    return release


# --- reading the snapshot in batches --------------------------------------------------------

def released_records(session: Session, request: RecordsRequest,
                     batch_size: int = 500) -> Iterator[tuple[ReleasedRecord, list[str]]]:
    """Every snapshot record with redactions applied, oldest attachment first, in batches.

    Also yields the passages removed from each record (for the leak check; never written).
    Commenters' e-mail and network addresses are withheld unless the officer chose otherwise.
    """
    withhold_private = not private_data_released(session, request)
    items = SnapshotItem.__table__.c
    last_id, number = 0, 0
    while True:
        rows = session.execute(
            select(items.id, items.archive_record_id, items.record_type, items.object_id,
                   items.district_id, items.recorded_at, items.actor_label, items.state,
                   items.archive_hash, items.content_hash, items.content)
            .where(items.request_id == request.id, items.id > last_id)
            .order_by(items.id).limit(batch_size)).all()
        if not rows:
            return
        redactions = active_redactions(session, [row.id for row in rows])
        for row in rows:
            number += 1
            original = json.loads(row.content)
            if not isinstance(original, dict):
                original = {"value": original}
            own = redactions[row.id]
            content, withheld_by = redacted_content(original, own,
                                                    withhold_private=withhold_private)
            passages = redacted_passages(original, own, withhold_private=withhold_private)
            actor = row.actor_label or ""
            if any(sametext.occurs(actor, passage) for passage in passages):
                actor = "[REDACTED]"
            codes = tuple(dict.fromkeys(r.exemption.code for r in own))
            yield ReleasedRecord(
                number=number, archive_record_id=row.archive_record_id,
                record_type=row.record_type, object_id=row.object_id,
                district_id=row.district_id,
                recorded_at=_iso(row.recorded_at), actor=actor, state=row.state or "",
                archive_hash=row.archive_hash, content_hash=row.content_hash,
                content=content, exemptions=codes), passages
        last_id = rows[-1].id


def _iso(value) -> str:
    value = clock.as_utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def media_keys(content) -> Iterator[str]:
    """Values in a record that may name a stored image: a media store key
    (``<sha256>.<ext>``) or a bare SHA-256 (post revisions list their images by hash)."""
    if isinstance(content, dict):
        for value in content.values():
            yield from media_keys(value)
    elif isinstance(content, list):
        for value in content:
            yield from media_keys(value)
    elif isinstance(content, str) and (MEDIA_KEY.fullmatch(content)
                                       or SHA256_HEX.fullmatch(content)):
        yield content


def _media_file(media_root: Path | None, value: str) -> Path | None:
    """The stored image ``value`` names, if the media store still holds it."""
    if media_root is None or not isinstance(value, str):
        return None
    if MEDIA_KEY.fullmatch(value):
        path = Path(media_root) / value[:2] / value
        return path if path.is_file() else None
    if SHA256_HEX.fullmatch(value):
        for extension in MEDIA_EXTENSIONS:
            path = Path(media_root) / value[:2] / f"{value}.{extension}"
            if path.is_file():
                return path
    return None


# --- the files ------------------------------------------------------------------------------

def _title(rec: ReleasedRecord) -> str:
    return f"{rec.number}. {rec.record_type} · object {rec.object_id}"


def _meta(rec: ReleasedRecord) -> list[tuple[str, str]]:
    return [("Archive record", str(rec.archive_record_id)), ("Recorded", rec.recorded_at),
            ("District", str(rec.district_id) if rec.district_id is not None else "—"),
            ("By", rec.actor or "—"), ("State", rec.state or "—"),
            ("Archive hash", rec.archive_hash)]


def _html_value(value, media: dict[str, str], alt: str = "") -> str:
    """A record's content as nested lists; ``media`` maps a value naming an image to its file
    name in the package, shown with the ``alt_text`` beside it in the record."""
    if isinstance(value, dict):
        own_alt = value.get("alt_text") if isinstance(value.get("alt_text"), str) else ""
        rows = "".join(f"<dt>{escape(str(k))}</dt><dd>{_html_value(v, media, own_alt)}</dd>"
                       for k, v in value.items())
        return f"<dl>{rows}</dl>" if rows else "—"
    if isinstance(value, list):
        items = "".join(f"<li>{_html_value(v, media)}</li>" for v in value)
        return f"<ol>{items}</ol>" if items else "—"
    if isinstance(value, str) and value in media:
        name = escape(media[value])
        return (f'<a href="media/{name}"><img src="media/{name}" '
                f'alt="{escape(alt or "Image " + media[value])}" class="media"></a>')
    if value is None:
        return "—"
    return f'<span class="text">{escape(str(value))}</span>'


HTML_HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
        color: #1a1a1a; line-height: 1.5; }}
article {{ border-top: 1px solid #767676; padding: 1rem 0; }}
dl {{ margin: 0 0 0 1rem; }} dt {{ font-weight: bold; }} dd {{ margin: 0 0 0.5rem 1rem; }}
.text {{ white-space: pre-wrap; }} img.media {{ max-width: 100%; height: auto; }}
.withheld {{ font-style: italic; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p>{intro}</p>
"""


def _write_html(out, request, records, media_available, on_record):
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=True)
    title = escape(f"Public records release for request {request.id}")
    text.write(HTML_HEAD.format(title=title, intro=escape(
        f"Records released in answer to request {request.id}, received "
        f"{request.received_on.isoformat()}. Redacted passages are marked "
        "[REDACTED under ...] with the exemption of 5 ILCS 140/7 or other law applied.")))
    for rec, _ in records:
        text.write(f'<article>\n<h2>{escape(_title(rec))}</h2>\n<dl class="meta">')
        for label, value in _meta(rec):
            text.write(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>")
        text.write("</dl>\n")
        if rec.withheld:
            text.write(f'<p class="withheld">Withheld in full under '
                       f'{escape(", ".join(rec.exemptions))}.</p>\n')
        else:
            text.write(f"<h3>Content</h3>\n{_html_value(rec.content, media_available)}\n")
        text.write("</article>\n")
        on_record()
    text.write("</main>\n</body>\n</html>\n")
    text.flush()
    text.detach()


def _flatten(value, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}{key}.")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _flatten(inner, f"{prefix}{index + 1}.")
    else:
        yield prefix[:-1], "—" if value is None else str(value)


class _PdfWriter:
    """One PDF volume at a time: fpdf2 keeps a whole document in memory until output.

    Text is set in a monospaced font, wrapped here and placed line by line with ``text()``:
    fpdf2's own line breaking (``multi_cell``) measures every character again for every
    candidate break, which made large packages take minutes.
    """

    def __init__(self, title: str):
        self.title = title
        self.font_path = next((p for p in FONT_CANDIDATES if os.path.isfile(p)), None)
        self.columns: dict[int, int] = {}

    def new(self):
        from fpdf import FPDF

        pdf = FPDF(format="Letter")
        pdf.set_auto_page_break(True, margin=15)
        pdf.set_title(self.title)
        if self.font_path:
            pdf.add_font("Body", fname=self.font_path)
            pdf.set_font("Body", size=9)
        else:
            pdf.set_font("Courier", size=9)
        pdf.add_page()
        return pdf

    def safe(self, text: str) -> str:
        if self.font_path:
            return text
        # Core fonts know Latin-1 only: strip accents, then replace what is left.
        plain = unicodedata.normalize("NFKD", text)
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        return plain.encode("latin-1", "replace").decode("latin-1")

    def line(self, pdf, text: str, size: int = 9, height: float = 4.5):
        if pdf.font_size_pt != size:
            pdf.set_font_size(size)
        columns = self.columns.get(size)
        if columns is None:
            columns = self.columns[size] = max(20, int(pdf.epw / pdf.get_string_width("M")))
        for paragraph in self.safe(text).splitlines() or [""]:
            for row in textwrap.wrap(paragraph, columns, replace_whitespace=False,
                                     drop_whitespace=True) or [""]:
                if pdf.y + height > pdf.page_break_trigger:
                    pdf.add_page()
                pdf.y += height
                if row:
                    pdf.text(pdf.l_margin, pdf.y - height * 0.25, row)

    def record(self, pdf, rec: ReleasedRecord, media_root: Path | None):
        self.line(pdf, _title(rec), size=11, height=6)
        self.line(pdf, " · ".join(f"{label}: {value}" for label, value in _meta(rec)),
                  size=8, height=4)
        if rec.withheld:
            self.line(pdf, f"Withheld in full under {', '.join(rec.exemptions)}.")
        else:
            for path, value in _flatten(rec.content):
                media = _media_file(media_root, value)
                if media is not None:
                    self.line(pdf, f"{path}: image {value}")
                    try:
                        pdf.set_xy(pdf.l_margin, pdf.y + 1)
                        pdf.image(str(media), w=60)
                    except Exception:  # an image fpdf2 cannot read stays a reference
                        pass
                else:
                    self.line(pdf, f"{path}: {value}")
        pdf.y += 3


def _write_pdfs(package: _Package, request, records_factory, volume_size: int, total: int,
                media_root: Path | None, on_record):
    writer = _PdfWriter(f"Public records release for request {request.id}")
    volumes = max(1, -(-total // volume_size))
    pdf, in_volume, volume = None, 0, 0

    def flush():
        nonlocal pdf, in_volume
        name = "records.pdf" if volumes == 1 else f"records-{volume:03d}.pdf"
        with package.entry(name) as out:
            out.write(pdf.output())
        pdf, in_volume = None, 0

    for rec, _ in records_factory():
        if pdf is None:
            volume += 1
            pdf = writer.new()
            writer.line(pdf, f"Public records release for request {request.id}"
                             f"{f' (volume {volume} of {volumes})' if volumes > 1 else ''}",
                        size=14, height=8)
        writer.record(pdf, rec, media_root)
        in_volume += 1
        on_record()
        if in_volume >= volume_size:
            flush()
    if pdf is not None:
        flush()
    elif volume == 0:
        pdf = writer.new()
        writer.line(pdf, "No records.")
        volume = 1
        flush()


def _write_json(out, request, records, on_record):
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=True)
    header = {"request": request.id, "received_on": request.received_on.isoformat(),
              "description": "Records released; see manifest.json for hashes."}
    text.write('{"release": ' + json.dumps(header, ensure_ascii=False) + ',\n"records": [\n')
    first = True
    for rec, _ in records:
        if not first:
            text.write(",\n")
        first = False
        text.write(json.dumps({
            "number": rec.number, "archive_record_id": rec.archive_record_id,
            "record_type": rec.record_type, "object_id": rec.object_id,
            "district_id": rec.district_id, "recorded_at": rec.recorded_at, "actor": rec.actor,
            "state": rec.state, "archive_hash": rec.archive_hash,
            "content_hash": rec.content_hash, "withheld": rec.withheld,
            "exemptions": list(rec.exemptions), "content": rec.content,
        }, ensure_ascii=False, sort_keys=True))
        on_record()
    text.write("\n]}\n")
    text.flush()
    text.detach()


CSV_COLUMNS = ["number", "archive_record_id", "record_type", "object_id", "district_id",
               "recorded_at", "actor", "state", "archive_hash", "content_hash", "withheld",
               "exemptions", "content"]


def _write_csv(out, records, on_record):
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(CSV_COLUMNS)
    for rec, _ in records:
        writer.writerow([rec.number, rec.archive_record_id, rec.record_type, rec.object_id,
                         rec.district_id if rec.district_id is not None else "", rec.recorded_at,
                         rec.actor, rec.state, rec.archive_hash, rec.content_hash,
                         "yes" if rec.withheld else "no", " ".join(rec.exemptions),
                         "" if rec.withheld else json.dumps(rec.content, ensure_ascii=False,
                                                             sort_keys=True)])
        on_record()
    text.flush()
    text.detach()


def _write_redaction_log(out, session: Session, request, batch_size: int) -> int:
    """Record, what, exemption, who, when: never the passage itself, nor the officer's note.

    Then each private value withheld by default (field, exemption; never the value), or one
    line saying the officer chose to release them. Returns how many were withheld by default.
    """
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(["archive_record_id", "record_type", "object_id", "redaction", "field",
                     "exemption", "citation", "redacted_by", "redacted_at"])
    last_id = 0
    while True:
        rows = list(session.scalars(
            select(Redaction).where(Redaction.request_id == request.id,
                                    Redaction.removed_at.is_(None), Redaction.id > last_id)
            .order_by(Redaction.id).limit(batch_size)))
        if not rows:
            break
        for r in rows:
            what = {RedactionKind.RECORD: "whole record withheld",
                    RedactionKind.RANGE: f"characters {r.start_at}-{r.end_at}",
                    RedactionKind.TEXT: "passage (every occurrence)"}[r.kind]
            writer.writerow([r.item.archive_record_id, r.item.record_type, r.item.object_id,
                             what, "every field" if r.kind is RedactionKind.TEXT else r.field,
                             r.exemption.code, r.exemption.citation,
                             r.created_by.login_id if r.created_by else "",
                             _iso(r.created_at)])
        last_id = rows[-1].id
    withheld = 0
    if private_data_released(session, request):
        choice = session.scalars(select(RequestEvent).where(
            RequestEvent.request_id == request.id,
            RequestEvent.action == "private_data_released")
            .order_by(RequestEvent.id.desc()).limit(1)).one()
        writer.writerow(["", "", "", "e-mail and network addresses released at the officer's "
                         "choice", "every record", "", "",
                         choice.actor.login_id if choice.actor else "", _iso(choice.occurred_at)])
    else:
        citations = {e.code: e.citation for e in session.scalars(select(Exemption))}
        items = SnapshotItem.__table__.c
        last_id = 0
        while True:
            rows = session.execute(
                select(items.id, items.archive_record_id, items.record_type, items.object_id,
                       items.content)
                .where(items.request_id == request.id, items.id > last_id)
                .order_by(items.id).limit(batch_size)).all()
            if not rows:
                break
            withheld_whole = set(session.scalars(select(Redaction.item_id).where(
                Redaction.item_id.in_([row.id for row in rows]),
                Redaction.removed_at.is_(None), Redaction.kind == RedactionKind.RECORD.value)))
            for row in rows:
                if row.id in withheld_whole:
                    continue
                content = json.loads(row.content)
                for found in private_values(content if isinstance(content, dict)
                                            else {"value": content}):
                    withheld += 1
                    writer.writerow([row.archive_record_id, row.record_type, row.object_id,
                                     f"{found.label} withheld by default", found.path,
                                     found.code, citations.get(found.code,
                                                               f"5 ILCS 140/{found.code}"),
                                     "", ""])
            last_id = rows[-1].id
    text.flush()
    text.detach()
    return withheld


def _write_manifest(out, request, package: _Package, records, package_name: str, on_record):
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=True)
    header = {"request": request.id, "package": package_name,
              "created_at": _iso(clock.utcnow()), "hash_algorithm": "sha256",
              "files": package.files}
    body = json.dumps(header, ensure_ascii=False, sort_keys=True, indent=1)
    text.write(body[:-2] + ',\n "records": [\n')
    first = True
    for rec, _ in records:
        if not first:
            text.write(",\n")
        first = False
        text.write("  " + json.dumps({"archive_record_id": rec.archive_record_id,
                                      "archive_hash": rec.archive_hash,
                                      "content_hash": rec.content_hash,
                                      "withheld": rec.withheld}, sort_keys=True))
        on_record()
    text.write("\n ]\n}\n")
    text.flush()
    text.detach()


# --- building ------------------------------------------------------------------------------

def count_units(session: Session, request: RecordsRequest) -> int:
    """Progress units a build reports (records x passes)."""
    return PASSES * (session.scalar(select(func.count(SnapshotItem.id))
                                    .where(SnapshotItem.request_id == request.id)) or 0)


def build_release(session: Session, actor: Actor, request: RecordsRequest, *,
                  root: str | Path, released_to: str, media_root: str | Path | None = None,
                  progress: Callable[[int], None] | None = None, batch_size: int = 500,
                  pdf_volume_records: int = 500) -> Release:
    """Write the release package, record it, archive it and close the request as released.

    The request ends released in part when anything was redacted or withheld, in full
    otherwise. Raises PermissionDenied, Conflict (closed, or changed since the officer loaded
    it) and ValidationFailed (nothing attached, no recipient).
    """
    _require_officer(actor)
    _require_open(request)
    released_to = (released_to or "").strip()
    if not released_to:
        raise ValidationFailed("Say to whom the records are released.", field="released_to")
    total = session.scalar(select(func.count(SnapshotItem.id))
                           .where(SnapshotItem.request_id == request.id)) or 0
    if total == 0:
        raise ValidationFailed("Attach the records to release first (search the archive).")
    redaction_count = session.scalar(select(func.count(Redaction.id)).where(
        Redaction.request_id == request.id, Redaction.removed_at.is_(None))) or 0
    withheld_count = session.scalar(select(func.count(func.distinct(Redaction.item_id))).where(
        Redaction.request_id == request.id, Redaction.removed_at.is_(None),
        Redaction.kind == RedactionKind.RECORD.value)) or 0
    outcome = RequestState.RELEASED_IN_PART if redaction_count else RequestState.RELEASED_IN_FULL
    if outcome not in TRANSITIONS[request.state]:
        raise ValidationFailed(f"A request that is {request.state.label.lower()} cannot be "
                               "released.")
    # Claim the request before building: it must still be in the state the officer saw. The
    # update holds the request's row (PostgreSQL) or the write lock (SQLite) until the caller
    # commits, so no one else can change or release it while the package is written.
    claimed = session.execute(
        update(RecordsRequest)
        .where(RecordsRequest.id == request.id, RecordsRequest.state == request.state.value)
        .values(updated_at=clock.utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise Conflict(f"{request.label} was changed by someone else; nothing was released. "
                       "Reload the request and try again.")
    media_root = Path(media_root) if media_root else None
    now = clock.utcnow()
    package_name = (f"request-{request.id}-release-{now.strftime('%Y%m%dT%H%M%SZ')}-"
                    f"{secrets.token_hex(3)}.zip")
    folder = release_root(root) / f"request-{request.id}"
    folder.mkdir(parents=True, exist_ok=True)
    final, partial = folder / package_name, folder / f".{package_name}.part"

    def tick():
        if progress:
            progress(1)

    def records():
        return released_records(session, request, batch_size)

    package = _Package(partial)
    try:
        media_available: dict[str, str] = {}  # value in a record -> file name under media/
        with package.entry("index.html") as out:
            # Media first seen while rendering are copied afterwards; the set holds keys only.
            for rec, _ in records():
                if not rec.withheld:
                    for value in media_keys(rec.content):
                        if value not in media_available:
                            found = _media_file(media_root, value)
                            if found is not None:
                                media_available[value] = found.name
            _write_html(out, request, records(), media_available, tick)
        _write_pdfs(package, request, records, pdf_volume_records, total, media_root, tick)
        with package.entry("records.json") as out:
            _write_json(out, request, records(), tick)
        with package.entry("records.csv") as out:
            _write_csv(out, records(), tick)
        with package.entry("redaction_log.csv") as out:
            private_withheld = _write_redaction_log(out, session, request, batch_size)
        for value, name in sorted(media_available.items(), key=lambda item: item[1]):
            if any(f["name"] == f"media/{name}" for f in package.files):
                continue  # the same image named by its key and by its hash
            with package.entry(f"media/{name}") as out, \
                    open(_media_file(media_root, value), "rb") as source:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
        with package.zip.open("manifest.json", "w", force_zip64=True) as raw:
            _write_manifest(raw, request, package, records(), package_name, tick)
        package.close()
        digest, size = hashlib.sha256(), 0
        with open(partial, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        os.replace(partial, final)
    except BaseException:
        package.zip.close()
        partial.unlink(missing_ok=True)
        raise

    if private_withheld:
        outcome = RequestState.RELEASED_IN_PART
    try:
        release = Release(request_id=request.id, released_to=released_to[:800],
                          outcome=outcome.value, package_name=package_name,
                          package_sha256=digest.hexdigest(), package_bytes=size,
                          record_count=total, withheld_count=withheld_count,
                          redaction_count=redaction_count, created_by_id=actor.user.id,
                          created_at=now)
        session.add(release)
        session.flush()
        change_state(session, actor, request, outcome,
                     note=f"Release package {package_name} (SHA-256 {digest.hexdigest()}) "
                          f"given to {released_to}.", action="released")
        manifest_hash = next(f["sha256"] for f in package.files if f["name"] == "records.json")
        archive.append(session, record_type="records.release", object_id=release.id,
                       district_id=None, actor=actor, content={
                           "request_id": request.id, "released_to": released_to,
                           "released_at": now, "outcome": outcome.value,
                           "package": package_name, "package_sha256": release.package_sha256,
                           "package_bytes": size, "record_count": total,
                           "withheld_count": withheld_count, "redaction_count": redaction_count,
                           "private_values_withheld": private_withheld,
                           "files": package.files, "records_json_sha256": manifest_hash,
                           "state": outcome.value})
        audit.record_event(session, actor, "records.released", obj=release,
                           details={"request": request.id, "sha256": release.package_sha256,
                                    "records": total, "redactions": redaction_count})
    except BaseException:
        final.unlink(missing_ok=True)
        raise
    return release

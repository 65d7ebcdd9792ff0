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
- ``letters/<kind>-<n>.pdf``: the letters made for the request so far (:mod:`beatdesk.letters`);
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
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import escape
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from beatdesk import archive, audit, clock, sametext
from beatdesk.archive_search import state_words
from beatdesk import redaction_suggestions
from beatdesk.context import Actor
from beatdesk.errors import Conflict, NotFound, ValidationFailed
from beatdesk.letters import package_files as letter_files
from beatdesk.models.records import (Exemption, RecordsRequest, Redaction, RedactionKind,
                                     Release, RequestEvent, RequestState, SnapshotItem)
from beatdesk.records import (TRANSITIONS, _require_officer, _require_open, active_redactions,
                              PRIVATE_KEYS, change_state, private_data_released,
                              private_values,
                              redacted_content, redacted_passages)
from beatdesk.release_pdf import Block, PdfVolume, RecordPage, draw_letterhead

MEDIA_EXTENSIONS = ("jpg", "png", "webp", "gif")
MEDIA_KEY = re.compile(r"[0-9a-f]{64}\.(?:jpg|png|webp|gif)")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# Every file is written in one pass over the records; a progress unit is one record.
PASSES = 1
CHUNK = 1024 * 1024
# zlib level 1: text files a third larger than at 6, written several times faster.
COMPRESS_LEVEL = 1
# Keys under which a record may hold an e-mail or network address (records.PRIVATE_KEYS): a
# record whose JSON has none of them and no "@" holds no private value.
PRIVATE_HINT = re.compile("|".join(f'"{re.escape(k)}"' for k in PRIVATE_KEYS) + r"|@|\\u",
                          re.IGNORECASE)


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
    recorded_local: str = ""  # the department's time, for people
    private: tuple = ()  # the e-mail and network addresses withheld by default (log only)

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
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED,
                                   compresslevel=COMPRESS_LEVEL)
        self.files: list[dict] = []

    def entry(self, name: str, compress: bool = True):
        return _Entry(self, name, compress)

    def close(self):
        self.zip.close()


class _Entry:
    def __init__(self, package: _Package, name: str, compress: bool = True):
        self.package, self.name, self.compress = package, name, compress

    def __enter__(self) -> _HashingWriter:
        info = zipfile.ZipInfo(self.name, date_time=time.gmtime()[:6])
        # PDFs and images are compressed already: stored as they are.
        info.compress_type = zipfile.ZIP_DEFLATED if self.compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        self.raw = self.package.zip.open(info, "w", force_zip64=True)
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
    zone = clock.department_zone()
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
            private_possible = withhold_private and PRIVATE_HINT.search(row.content)
            private: tuple = ()
            if not own and not private_possible:
                # Nothing to remove: the record as it was (the walk would copy it unchanged).
                content, passages = original, []
            else:
                content, _ = redacted_content(original, own, withhold_private=withhold_private)
                passages = redacted_passages(original, own, withhold_private=withhold_private)
                if private_possible and content is not None:
                    private = tuple(private_values(original))
            actor = row.actor_label or ""
            if passages and any(sametext.occurs(actor, passage) for passage in passages):
                actor = "[REDACTED]"
            codes = tuple(dict.fromkeys(r.exemption.code for r in own))
            yield ReleasedRecord(
                number=number, archive_record_id=row.archive_record_id,
                record_type=row.record_type, object_id=row.object_id,
                district_id=row.district_id,
                recorded_at=_iso(row.recorded_at), actor=actor, state=row.state or "",
                archive_hash=row.archive_hash, content_hash=row.content_hash,
                content=content, exemptions=codes,
                recorded_local=clock.local_text(row.recorded_at, zone),
                private=private), passages
        last_id = rows[-1].id


def _copy(source: Path, out) -> None:
    with open(source, "rb") as handle:
        while chunk := handle.read(CHUNK):
            out.write(chunk)


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


# --- the readable views -----------------------------------------------------------------------

REDACTED_LABEL = "[REDACTED]"
HUMAN_TYPES = {"post.revision": "Post", "post.event": "Post history", "post.receipt":
               "Post delivery", "comment": "Comment", "comment.created": "Comment",
               "comment.platform": "Comment from a platform", "comment.mirror":
               "Comment mirrored to a platform", "comment.moderation": "Moderation",
               "comment.moderated": "Moderation", "records.release": "Records release"}
STATE_WORDS = {"visible": "shown on the public page", "pending": "waiting for moderation",
               "held": "held for review", "removed": "removed", "published": "published",
               "discontinued": "discontinued", "approved": "approved", "rejected": "rejected"}


def _words(value) -> str:
    text = str(value or "").replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:] if text else ""


def _state(value) -> str:
    return STATE_WORDS.get(str(value)) or state_words(str(value)) if value else ""


class _Reader:
    """What the readable views look up once per build: district names, staff names and ranks,
    images in the media store. Looked-up labels never show a passage redacted from the record
    they appear in."""

    def __init__(self, session: Session, media_root: Path | None):
        from beatdesk.models.organisation import District
        self.session, self.media_root = session, media_root
        self.districts = {row.id: row.name for row in session.execute(
            select(District.id, District.name))}
        self.department, self.department_lines = department_letterhead(session)
        self.people: dict[int | str, str] = {}  # by user id, or "login:" + log-on ID
        self.media: dict[str, Path | None] = {}
        self.seen: dict[tuple[str, str], bool] = {}

    def person(self, user_id) -> str:
        from beatdesk.models.people import User
        if not isinstance(user_id, int):
            return ""
        if user_id not in self.people:
            if len(self.people) > 10_000:
                self.people.clear()
            row = self.session.execute(select(User.full_name, User.rank)
                                       .where(User.id == user_id)).first()
            self.people[user_id] = (f"{row.rank} {row.full_name}".strip() if row else "")
        return self.people[user_id]

    def staff(self, label: str) -> str:
        """The rank and name of the staff member an archive record names by log-on ID (a
        moderator, say); the label as it is when it names nobody on staff."""
        from beatdesk.models.people import User
        if not label or label.startswith("visitor: "):
            return label
        key = f"login:{label}"
        if key not in self.people:
            row = self.session.execute(select(User.full_name, User.rank)
                                       .where(User.login_id == label)).first()
            self.people[key] = f"{row.rank} {row.full_name}".strip() if row else label
        return self.people[key]

    def image(self, value) -> Path | None:
        if not isinstance(value, str):
            return None
        if value not in self.media:
            if len(self.media) > 50_000:
                self.media.clear()
            self.media[value] = _media_file(self.media_root, value)
        return self.media[value]

    def guard(self, label: str, passages: list[str]) -> str:
        """``label``, or [REDACTED] when a passage redacted from the record occurs in it."""
        for passage in passages:
            key = (label, passage)
            hit = self.seen.get(key)
            if hit is None:
                if len(self.seen) > 10_000:
                    self.seen.clear()
                hit = self.seen[key] = sametext.occurs(label, passage)
            if hit:
                return REDACTED_LABEL
        return label


def department_letterhead(session: Session) -> tuple[str, list[str]]:
    """The department's name and the lines under it on a letterhead (address; phone, e-mail
    and website)."""
    from beatdesk.models.organisation import Department
    department = session.scalars(select(Department).limit(1)).first()
    name = department.name if department else "Police Department"
    lines = [line for line in (
        department.contact_address if department else "",
        " · ".join(v for v in ((department.contact_phone, department.contact_email,
                                department.official_website) if department else ()) if v))
        if line]
    return name, lines


def _image_blocks(images, reader: _Reader) -> list[Block]:
    blocks = []
    for image in images if isinstance(images, list) else []:
        if not isinstance(image, dict):
            continue
        alt = image.get("alt_text") if isinstance(image.get("alt_text"), str) else ""
        credit = image.get("credit") if isinstance(image.get("credit"), str) else ""
        path = reader.image(image.get("sha256")) or reader.image(image.get("key"))
        if path is not None:
            blocks.append(Block("image", alt or "Image", image=str(path)))
        else:
            blocks.append(Block("note", f"Image no longer held: {alt or 'no description'}"))
        if credit:
            blocks.append(Block("note", f"Image credit: {credit}"))
    return blocks


def _record_page(rec: ReleasedRecord, reader: _Reader, passages: list[str]) -> RecordPage:
    """A record as the public saw it: what it is, where and when, who, the text, the images,
    what moderation did. The raw fields are in records.json and records.csv."""
    content = rec.content or {}
    kind = HUMAN_TYPES.get(rec.record_type, _words(rec.record_type))
    district = ""
    if rec.district_id is not None:
        district = reader.guard(reader.districts.get(rec.district_id,
                                                     f"District {rec.district_id}"), passages)
    post_id = content.get("post_id")
    blocks: list[Block] = []
    if rec.record_type == "post.revision" and not rec.withheld:
        author = reader.guard(reader.person(content.get("author_id")), passages) or rec.actor
        title = f"Post #{post_id or rec.object_id}"
        byline = [district, f"by {author}" if author else "", rec.recorded_local,
                  f"revision {content['revision']}" if content.get("revision") else "",
                  _state(content.get("state") or rec.state)]
        blocks.append(Block("byline", " · ".join(b for b in byline if b)))
        if content.get("body"):
            blocks.append(Block("text", str(content["body"])))
        blocks += _image_blocks(content.get("images"), reader)
    elif rec.record_type.startswith("comment") and not rec.withheld:
        comment_id = content.get("comment_id") or rec.object_id
        author = content.get("author_name") if isinstance(content.get("author_name"), str) \
            else ""
        author = author or rec.actor.removeprefix("visitor: ")
        on = f" on post #{post_id}" if post_id else ""
        moderation = content.get("moderation")
        if rec.record_type in ("comment.moderation", "comment.moderated") or moderation:
            title = f"Moderation of comment #{comment_id}{on}"
            details = moderation if isinstance(moderation, dict) else content
            action = _words(details.get("action")) or "Moderated"
            change = ""
            if details.get("from") and details.get("to"):
                change = f" ({_state(details['from'])} → {_state(details['to'])})"
            elif details.get("state") or rec.state:
                change = f" (now {_state(details.get('state') or rec.state)})"
            blocks.append(Block("byline", " · ".join(b for b in (
                district, f"by {reader.guard(reader.staff(rec.actor), passages)}"
                if rec.actor else "", rec.recorded_local) if b)))
            blocks.append(Block("history", f"{action}{change}"))
            if details.get("clause"):
                blocks.append(Block("history", f"Under the terms of use, clause "
                                               f"{details['clause']}"))
            for key in ("reason", "note"):
                if details.get(key):
                    blocks.append(Block("history", f"{_words(key)}: {details[key]}"))
            for entry in details.get("history") or []:
                if isinstance(entry, dict):
                    blocks.append(Block("history", " · ".join(
                        f"{_words(k)}: {v}" for k, v in entry.items() if v not in (None, ""))))
            if content.get("body"):
                blocks.append(Block("heading", "The comment"))
                blocks.append(Block("text", str(content["body"])))
        else:
            reply = f" (reply to comment #{content['parent_id']})" \
                if content.get("parent_id") else ""
            title = f"Comment #{comment_id}{on}{reply}"
            who = "Official reply" if content.get("official") else (author or "A visitor")
            blocks.append(Block("byline", " · ".join(b for b in (
                who, district, rec.recorded_local,
                _state(content.get("state") or rec.state)) if b)))
            if content.get("body"):
                blocks.append(Block("text", str(content["body"])))
            for flag in content.get("flags") or []:
                if isinstance(flag, dict) and flag.get("reason"):
                    blocks.append(Block("history", f"Screening: {flag['reason']}"))
    else:
        title = f"{kind} · {rec.object_id}"
        blocks.append(Block("byline", " · ".join(b for b in (
            district, f"by {reader.guard(reader.staff(rec.actor), passages)}"
            if rec.actor else "", rec.recorded_local, _state(rec.state)) if b)))
        if rec.withheld:
            blocks.append(Block("note", "Withheld in full under "
                                        f"{', '.join(rec.exemptions)}."))
        else:
            for path, value in _flatten(content):
                if value and value != "—":
                    blocks.append(Block("text", f"{_words(path.replace('.', ' '))}: {value}"))
    blocks.append(Block("note", f"Archive record {rec.archive_record_id} · "
                                f"{rec.record_type} · SHA-256 {rec.archive_hash[:16]}…"))
    return RecordPage(anchor=f"record-{rec.number}", title=f"{rec.number}. {title}",
                      blocks=blocks)


def _flatten(value, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, f"{prefix}{key}.")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _flatten(inner, f"{prefix}{index + 1}.")
    else:
        yield prefix[:-1], "—" if value is None else str(value)


# --- the cover letter -----------------------------------------------------------------------

@dataclass
class _Cover:
    """The cover letter's facts; each text is checked against the passages redacted from the
    records as they are read, and drawn only after the last record."""

    department: str
    department_lines: list[str]
    request_label: str
    requester: str
    received: str
    released: str
    description: str
    searches: list[str]
    officer: str
    total: int = 0
    withheld: dict[str, int] = field(default_factory=dict)  # exemption code -> records
    redacted: dict[str, int] = field(default_factory=dict)  # exemption code -> records
    citations: dict[str, str] = field(default_factory=dict)
    private_withheld: int = 0
    checked: set[str] = field(default_factory=set)

    def texts(self) -> list[str]:
        return [self.requester, self.description, self.officer, *self.searches]

    def check(self, passages: list[str]) -> None:
        for passage in passages:
            if passage in self.checked or len(self.checked) > 100_000:
                continue
            self.checked.add(passage)
            for name in ("requester", "description", "officer"):
                if sametext.occurs(getattr(self, name), passage):
                    setattr(self, name, REDACTED_LABEL)
            self.searches = [REDACTED_LABEL if sametext.occurs(s, passage) else s
                             for s in self.searches]

    def count(self, rec: ReleasedRecord) -> None:
        self.total += 1
        target = self.withheld if rec.withheld else self.redacted
        for code in rec.exemptions:
            target[code] = target.get(code, 0) + 1

    def paragraphs(self) -> list[tuple[str, str]]:
        """(kind, text): kind is title, text or item."""
        out = [("text", f"{self.released}"),
               ("text", f"To: {self.requester}"),
               ("title", f"Your public records request ({self.request_label})"),
               ("text", f"We received your request on {self.received}. You asked for: "
                        f"{self.description}"),
               ("text", f"We searched the department's social media archive"
                        + (":" if self.searches else ".")),
               *[("item", s) for s in self.searches],
               ("text", f"This package holds {self.total:,} record"
                        f"{'' if self.total == 1 else 's'}: the posts, comments and their "
                        "moderation history as the public saw them, in index.html and the "
                        "PDF, and every field in records.json and records.csv.")]
        if self.withheld or self.redacted or self.private_withheld:
            out.append(("text", "We withheld the following under the Illinois Freedom of "
                                "Information Act (5 ILCS 140) or other law:"))
            out += self._exemption_items()
            if self.private_withheld:
                n = self.private_withheld
                out.append(("item", f"{n:,} e-mail or network address{'' if n == 1 else 'es'} "
                                    "of commenters, under 5 ILCS 140/7(1)(b) and 7(1)(c)"))
            out.append(("text", "Each redaction is marked [REDACTED under ...] where it was "
                                "made, and listed in redaction_log.csv. You may ask the Public "
                                "Access Counselor of the Illinois Attorney General to review "
                                "this response, or seek judicial review (5 ILCS 140/9)."))
        else:
            out.append(("text", "Nothing was withheld: the records are released in full."))
        out += [("text", "Sincerely,"), ("text", self.officer),
                ("text", f"Records officer, {self.department}")]
        return out

    def _exemption_items(self) -> list[tuple[str, str]]:
        """One cover-letter line per exemption: records withheld in full, passages redacted."""
        items = []
        for code, n in sorted(self.withheld.items()):
            items.append(("item", f"{n:,} record{'' if n == 1 else 's'} withheld in full "
                                  f"under {self._cite(code)}"))
        for code, n in sorted(self.redacted.items()):
            items.append(("item", f"passages redacted from {n:,} record"
                                  f"{'' if n == 1 else 's'} under {self._cite(code)}"))
        return items

    def _cite(self, code: str) -> str:
        citation = self.citations.get(code, "")
        return f"{code}" + (f" ({citation})" if citation and citation != code else "")


def _cover_pdf(cover: _Cover, title: str):
    def draw(volume: PdfVolume) -> None:
        draw_letterhead(volume, cover.department, cover.department_lines)
        for kind, text in cover.paragraphs():
            if kind == "title":
                volume.line(text, size=13, style="B", height=7)
            elif kind == "item":
                volume.line(f"• {text}", size=10.5, height=5.4, indent=4)
            else:
                volume.line(text, size=10.5, height=5.4)
            volume.gap(1.5)
    return draw


# --- index.html ----------------------------------------------------------------------------

HTML_HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: "Noto Sans", "DejaVu Sans", sans-serif; max-width: 48rem;
        margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.5; }}
header.letterhead {{ border-bottom: 2px solid #1a1a1a; margin-bottom: 1.5rem; }}
header.letterhead p {{ margin: 0; color: #4a4a4a; }}
header.letterhead p.department {{ color: #1a1a1a; font-size: 1.5rem; font-weight: bold; }}
.letter {{ margin-bottom: 2rem; }}
ul.contents {{ list-style: none; padding-left: 0; }}
article {{ border: 1px solid #767676; border-radius: 4px; padding: 0.75rem 1rem;
           margin: 1rem 0; }}
article h3 {{ margin: 0 0 0.25rem; font-size: 1.1rem; }}
.byline {{ color: #4a4a4a; font-size: 0.9rem; margin: 0 0 0.5rem; }}
.body {{ white-space: pre-wrap; margin: 0.5rem 0; font-size: 1.05rem; }}
.history {{ margin: 0.25rem 0 0.5rem 1rem; padding-left: 1.75rem;
            border-left: 3px solid #767676; }}
.note {{ color: #4a4a4a; font-size: 0.85rem; }}
figure {{ margin: 0.5rem 0; }} img {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
"""


def _html_cover(cover: _Cover, title: str) -> str:
    parts = ['<header class="letterhead">',
             f'<p class="department">{escape(cover.department)}</p>',
             *[f"<p>{escape(line)}</p>" for line in cover.department_lines], "</header>",
             f"<main>\n<h1>{escape(title)}</h1>", '<section class="letter" '
             'aria-labelledby="letter-heading">', '<h2 id="letter-heading">Cover letter</h2>']
    in_list = False
    for kind, text in cover.paragraphs():
        if kind == "item":
            if not in_list:
                parts.append("<ul>")
                in_list = True
            parts.append(f'<li dir="auto">{escape(text)}</li>')
            continue
        if in_list:
            parts.append("</ul>")
            in_list = False
        if kind == "title":
            parts.append(f"<p><strong>{escape(text)}</strong></p>")
        else:
            parts.append(f'<p dir="auto">{escape(text)}</p>')
    if in_list:
        parts.append("</ul>")
    parts.append("</section>")
    return "\n".join(parts) + "\n"


def _html_record(page: RecordPage, media_names: dict[str, str]) -> str:
    out = [f'<article id="{page.anchor}" aria-labelledby="{page.anchor}-h">',
           f'<h3 id="{page.anchor}-h" dir="auto">{escape(page.title)}</h3>']
    history: list[str] = []

    def close_history():
        if history:
            out.append('<ul class="history">' + "".join(history) + "</ul>")
            history.clear()

    for block in page.blocks:
        if block.kind == "history":
            history.append(f'<li dir="auto">{escape(block.text)}</li>')
            continue
        close_history()
        if block.kind == "byline":
            out.append(f'<p class="byline" dir="auto">{escape(block.text)}</p>')
        elif block.kind == "heading":
            out.append(f"<h4>{escape(block.text)}</h4>")
        elif block.kind == "image" and block.image:
            name = escape(media_names.get(block.image, Path(block.image).name))
            out.append(f'<figure><a href="media/{name}"><img src="media/{name}" '
                       f'alt="{escape(block.text)}"></a></figure>')
        elif block.kind == "note":
            out.append(f'<p class="note" dir="auto">{escape(block.text)}</p>')
        else:
            out.append(f'<p class="body" dir="auto">{escape(block.text)}</p>')
    close_history()
    out.append("</article>\n")
    return "\n".join(out)


# --- records.json, records.csv, manifest ---------------------------------------------------

def _json_record(rec: ReleasedRecord) -> str:
    return json.dumps({
        "number": rec.number, "archive_record_id": rec.archive_record_id,
        "record_type": rec.record_type, "object_id": rec.object_id,
        "district_id": rec.district_id, "recorded_at": rec.recorded_at, "actor": rec.actor,
        "state": rec.state, "archive_hash": rec.archive_hash,
        "content_hash": rec.content_hash, "withheld": rec.withheld,
        "exemptions": list(rec.exemptions), "content": rec.content,
    }, ensure_ascii=False, sort_keys=True)


CSV_COLUMNS = ["number", "archive_record_id", "record_type", "object_id", "district_id",
               "recorded_at", "recorded_local", "actor", "state", "archive_hash",
               "content_hash", "withheld", "exemptions", "content"]


def _csv_row(rec: ReleasedRecord) -> list:
    return [rec.number, rec.archive_record_id, rec.record_type, rec.object_id,
            rec.district_id if rec.district_id is not None else "", rec.recorded_at,
            rec.recorded_local, rec.actor, rec.state, rec.archive_hash, rec.content_hash,
            "yes" if rec.withheld else "no", " ".join(rec.exemptions),
            "" if rec.withheld else json.dumps(rec.content, ensure_ascii=False,
                                                sort_keys=True)]


def _write_redaction_log(out, session: Session, request, batch_size: int,
                         private_rows: Path) -> None:
    """Record, what, exemption, who, when: never the passage itself, nor the officer's note.

    Then each private value withheld by default (field, exemption; never the value), or one
    line saying the officer chose to release them (``private_rows``: those rows, written while
    the records were read).
    """
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(["archive_record_id", "record_type", "object_id", "redaction", "field",
                     "exemption", "citation", "redacted_by", "redacted_at"])
    last_id = 0
    while True:
        items = SnapshotItem.__table__.c
        rows = session.execute(
            select(Redaction, items.archive_record_id, items.record_type, items.object_id)
            .join(SnapshotItem.__table__, items.id == Redaction.item_id)
            .where(Redaction.request_id == request.id,
                   Redaction.removed_at.is_(None), Redaction.id > last_id)
            .order_by(Redaction.id).limit(batch_size)).all()
        if not rows:
            break
        for r, archive_record_id, record_type, object_id in rows:
            what = {RedactionKind.RECORD: "whole record withheld",
                    RedactionKind.RANGE: f"characters {r.start_at}-{r.end_at}",
                    RedactionKind.TEXT: "passage (every occurrence)"}[r.kind]
            writer.writerow([archive_record_id, record_type, object_id,
                             what, "every field" if r.kind is RedactionKind.TEXT else r.field,
                             r.exemption.code, r.exemption.citation,
                             r.created_by.login_id if r.created_by else "",
                             _iso(r.created_at)])
        last_id = rows[-1][0].id
    for row in redaction_suggestions.rejected_log_rows(session, request):
        writer.writerow(row)  # passages released on the officer's decision
    if private_data_released(session, request):
        choice = session.scalars(select(RequestEvent).where(
            RequestEvent.request_id == request.id,
            RequestEvent.action == "private_data_released")
            .order_by(RequestEvent.id.desc()).limit(1)).one()
        writer.writerow(["", "", "", "e-mail and network addresses released at the officer's "
                         "choice", "every record", "", "",
                         choice.actor.login_id if choice.actor else "", _iso(choice.occurred_at)])
        text.flush()
        text.detach()
    else:
        text.flush()
        text.detach()
        _copy(private_rows, out)


# --- building ------------------------------------------------------------------------------

def count_units(session: Session, request: RecordsRequest) -> int:
    """Progress units a build reports (one a record: every file is written in one pass)."""
    return PASSES * (session.scalar(select(func.count(SnapshotItem.id))
                                    .where(SnapshotItem.request_id == request.id)) or 0)


def _cover_facts(session: Session, actor: Actor, request: RecordsRequest, now) -> _Cover:
    from beatdesk.archive_search import SearchCriteria
    from beatdesk.models.archive import SavedSearch
    reader_districts = None
    searches = []
    for saved in session.scalars(select(SavedSearch).where(SavedSearch.request_id == request.id)
                                 .order_by(SavedSearch.id)):
        criteria = SearchCriteria.from_dict(saved.criteria)
        parts = []
        if criteria.text:
            parts.append(f'the words "{criteria.text}"')
        if criteria.record_type:
            parts.append("records of type “" + HUMAN_TYPES.get(
                criteria.record_type, _words(criteria.record_type)) + "”")
        if criteria.district_id is not None:
            if reader_districts is None:
                from beatdesk.models.organisation import District
                reader_districts = {district_id: name for district_id, name in
                                    session.execute(select(District.id, District.name))}
            district = reader_districts.get(criteria.district_id, criteria.district_id)
            parts.append(f"district {district}")
        if criteria.author:
            parts.append(f"by {criteria.author}")
        if criteria.state:
            parts.append(f"in the state “{state_words(criteria.state)}”")
        if criteria.since or criteria.until:
            parts.append("from " + clock.local_date_text(criteria.since, empty="the start")
                         + " to " + clock.local_date_text(criteria.until, empty="today"))
        searches.append(", ".join(parts) if parts else "every record")
    user = actor.user
    officer = " ".join(p for p in (getattr(user, "rank", ""), getattr(user, "full_name", ""))
                       if p) or getattr(user, "login_id", "")
    return _Cover(department="", department_lines=[], request_label=request.label,
                  requester=request.requester_name or "", description=request.description or "",
                  received=clock.local_date_text(request.received_on),
                  released=clock.local_date_text(now), searches=searches, officer=officer,
                  citations={e.code: e.citation for e in session.scalars(select(Exemption))})


def build_release(session: Session, actor: Actor, request: RecordsRequest, *,
                  root: str | Path, released_to: str, media_root: str | Path | None = None,
                  progress: Callable[[int], None] | None = None, batch_size: int = 1000,
                  pdf_volume_records: int = 500, timings: dict | None = None) -> Release:
    """Write the release package, record it, archive it and close the request as released.

    The request ends released in part when anything was redacted or withheld, in full
    otherwise. Raises PermissionDenied, Conflict (closed, or changed since the officer loaded
    it) and ValidationFailed (nothing attached, no recipient). ``timings``, when given, gets
    the seconds spent on each part (for the benchmark).
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
    redaction_suggestions.require_decided(session, request)
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
    spool = Path(tempfile.mkdtemp(prefix=f".{package_name}.", dir=folder))
    spent = timings if timings is not None else {}

    def timed(name, started):
        spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

    package = _Package(partial)
    try:
        started = time.perf_counter()
        reader = _Reader(session, media_root)
        cover = _cover_facts(session, actor, request, now)
        cover.department, cover.department_lines = reader.department, reader.department_lines
        title = f"Public records release for {request.label}"
        volumes = max(1, -(-total // pdf_volume_records))
        pdf_names = (["records.pdf"] if volumes == 1
                     else [f"records-{n:03d}.pdf" for n in range(1, volumes + 1)])
        first_volume: PdfVolume | None = None
        volume: PdfVolume | None = None
        in_volume = volume_number = 0
        media_names: dict[str, str] = {}  # file path -> name under media/ (images shown)
        timed("setup", started)

        def new_volume():
            nonlocal volume, in_volume, volume_number
            volume_number += 1
            expected = min(pdf_volume_records, total - (volume_number - 1) * pdf_volume_records)
            volume = PdfVolume(
                title + (f", volume {volume_number} of {volumes}" if volumes > 1 else ""),
                f"{request.label} · {pdf_names[volume_number - 1]}",
                cover=_cover_pdf(cover, title) if volume_number == 1 else None,
                expected_records=expected)
            in_volume = 0

        def close_volume():
            nonlocal volume, first_volume
            if volume_number == 1:
                first_volume = volume  # drawn last: its cover counts every record
            else:
                (spool / pdf_names[volume_number - 1]).write_bytes(volume.output())
            volume = None

        with open(spool / "body.html", "w", encoding="utf-8", newline="\n") as body, \
                open(spool / "toc.html", "w", encoding="utf-8", newline="\n") as toc, \
                open(spool / "records.json", "w", encoding="utf-8", newline="\n") as js, \
                open(spool / "records.csv", "w", encoding="utf-8", newline="") as cs, \
                open(spool / "manifest.part", "w", encoding="utf-8", newline="\n") as mf, \
                open(spool / "private.csv", "w", encoding="utf-8", newline="") as pv:
            js.write('{"release": ' + json.dumps(
                {"request": request.id, "received_on": request.received_on.isoformat(),
                 "description": "Records released; see manifest.json for hashes."},
                ensure_ascii=False) + ',\n"records": [\n')
            csv_writer, private_writer = csv.writer(cs), csv.writer(pv)
            csv_writer.writerow(CSV_COLUMNS)
            first = True
            read_started = time.perf_counter()
            for rec, passages in released_records(session, request, batch_size):
                started = time.perf_counter()
                spent["read and redact"] = spent.get("read and redact", 0.0) \
                    + started - read_started
                cover.count(rec)
                if passages:
                    cover.check(passages)
                for found in rec.private:
                    cover.private_withheld += 1
                    private_writer.writerow([rec.archive_record_id, rec.record_type,
                                             rec.object_id, f"{found.label} withheld by default",
                                             found.path, found.code,
                                             cover.citations.get(found.code,
                                                                 f"5 ILCS 140/{found.code}"),
                                             "", ""])
                page = _record_page(rec, reader, passages)
                for block in page.blocks:
                    if block.kind == "image" and block.image not in media_names:
                        media_names[block.image] = Path(block.image).name
                timed("views", started)
                started = time.perf_counter()
                toc.write(f'<li><a href="#{page.anchor}">{escape(page.title)}</a></li>\n')
                body.write(_html_record(page, media_names))
                timed("index.html", started)
                started = time.perf_counter()
                if volume is None:
                    new_volume()
                volume.record(page)
                in_volume += 1
                if in_volume >= pdf_volume_records:
                    close_volume()
                timed("pdf", started)
                started = time.perf_counter()
                if not first:
                    js.write(",\n")
                    mf.write(",\n")
                first = False
                js.write(_json_record(rec))
                csv_writer.writerow(_csv_row(rec))
                mf.write("  " + json.dumps({"archive_record_id": rec.archive_record_id,
                                            "archive_hash": rec.archive_hash,
                                            "content_hash": rec.content_hash,
                                            "withheld": rec.withheld}, sort_keys=True))
                if progress:
                    progress(1)
                timed("json, csv, manifest", started)
                read_started = time.perf_counter()
            js.write("\n]}\n")
        started = time.perf_counter()
        if volume is not None:
            close_volume()
        (spool / pdf_names[0]).write_bytes(first_volume.output())
        timed("pdf", started)

        started = time.perf_counter()
        with package.entry("index.html") as out:
            out.write(HTML_HEAD.format(title=escape(title)).encode())
            out.write(_html_cover(cover, title).encode())
            out.write(b'<nav aria-labelledby="contents-heading">\n'
                      b'<h2 id="contents-heading">Contents</h2>\n<ul class="contents">\n')
            _copy(spool / "toc.html", out)
            out.write(b'</ul>\n</nav>\n<section aria-labelledby="records-heading">\n'
                      b'<h2 id="records-heading">The records</h2>\n')
            _copy(spool / "body.html", out)
            out.write(b"</section>\n</main>\n</body>\n</html>\n")
        for name in pdf_names:
            with package.entry(name, compress=False) as out:
                _copy(spool / name, out)
        for name in ("records.json", "records.csv"):
            with package.entry(name) as out:
                _copy(spool / name, out)
        with package.entry("redaction_log.csv") as out:
            _write_redaction_log(out, session, request, batch_size, spool / "private.csv")
        private_withheld = cover.private_withheld
        done = set()
        for path, name in sorted(media_names.items(), key=lambda item: item[1]):
            if name in done:
                continue  # the same image named by its key and by its hash
            done.add(name)
            with package.entry(f"media/{name}", compress=False) as out:
                _copy(Path(path), out)
        # The letters sent to the requester so far, as they were stored.
        for name, data in letter_files(session, request):
            with package.entry(name, compress=False) as out:
                out.write(data)
        with package.zip.open("manifest.json", "w", force_zip64=True) as raw:
            header = {"request": request.id, "package": package_name,
                      "created_at": _iso(clock.utcnow()), "hash_algorithm": "sha256",
                      "files": package.files}
            text = json.dumps(header, ensure_ascii=False, sort_keys=True, indent=1)
            raw.write((text[:-2] + ',\n "records": [\n').encode())
            _copy(spool / "manifest.part", raw)
            raw.write(b"\n ]\n}\n")
        package.close()
        timed("zip", started)
        started = time.perf_counter()
        digest, size = hashlib.sha256(), 0
        with open(partial, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        os.replace(partial, final)
        timed("package hash", started)
    except BaseException:
        package.zip.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(spool, ignore_errors=True)

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

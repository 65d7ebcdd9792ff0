"""A release package reads like the posts and comment threads the public saw, in every script:
the PDF is rendered to images (pdftoppm) and its text read back (pdftotext) and compared; the
cover letter, contents and page numbers are there; a redacted passage is not; and a machine
without the fonts still builds the package, saying so in the PDF."""
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import unicodedata
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from beatdesk import archive, records, release, release_pdf
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.models import Exemption, RequestState, SnapshotItem
from beatdesk.records import RequestData
from beatdesk.roles import Role

from .routes.requests import ensure_exemptions

CJK = "北区の交通規制のお知らせ 你好，警察局 경찰서 안내"
ARABIC = "مرحبا بكم في مركز الشرطة"
HEBREW = "שלום לכולם מתחנת המשטרה"
EMOJI = "Thank you 👮🚓😀"
SECRET = "秘密の証人"
POST = f"Parade on Main Street. {CJK} {SECRET}"


def _needs(*tools_and_fonts):
    missing = [t for t in tools_and_fonts
               if not (os.path.isfile(t) if t.startswith("/") else shutil.which(t))]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"missing on this machine: {missing} (bin/test installs them)")
        pytest.skip(f"missing on this machine: {missing}")


@pytest.fixture(autouse=True)
def exemptions(db_session):
    ensure_exemptions(db_session)


def _png(media_root: Path) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 24), (30, 90, 200)).save(buffer, format="PNG")
    data = buffer.getvalue()
    key = hashlib.sha256(data).hexdigest() + ".png"
    target = media_root / key[:2] / key
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return key


@pytest.fixture
def package(app, db_session, factory, frozen_clock):
    district = factory.district(name="Near North (18th)")
    rep = factory.user(Role.REPRESENTATIVE, district, full_name="Dana Ortiz", rank="Officer")
    officer = factory.user(Role.RECORDS, full_name="Robin Clerk")
    key = _png(Path(app.config["MEDIA_ROOT"]))
    rep_actor = Actor(rep)
    made = [archive.append(db_session, record_type="post.revision", object_id=5,
                           district_id=district.id, actor=rep_actor, content={
                               "post_id": 5, "revision": 1, "body": POST, "state": "published",
                               "author_id": rep.id, "images": [{
                                   "asset_id": 1, "sha256": key.split(".")[0],
                                   "alt_text": "Parade route map", "credit": ""}]})]
    for number, (name, body) in enumerate((("Mei", CJK), ("Layla", ARABIC), ("Noa", HEBREW),
                                           ("Sam", EMOJI)), start=40):
        made.append(archive.append(
            db_session, record_type="comment", object_id=number, district_id=district.id,
            actor=None, actor_label=f"visitor: {name}", content={
                "comment_id": number, "post_id": 5, "parent_id": None, "state": "visible",
                "author_name": name, "author_email": f"{name.lower()}@example.org",
                "body": body, "official": False, "client_addr": "203.0.113.9"}))
    made.append(archive.append(
        db_session, record_type="comment.moderation", object_id=43, district_id=district.id,
        actor=rep_actor, content={"comment_id": 43, "post_id": 5, "state": "removed",
                                  "author_name": "Sam", "body": EMOJI, "moderation": {
                                      "action": "remove", "from": "visible", "to": "removed",
                                      "clause": "4", "note": "Off topic"}}))
    actor = Actor(officer)
    req = records.create_request(db_session, actor, RequestData(
        "Pat Requester", "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC),
        "Posts and comments about the parade."), ILLINOIS)
    records.change_state(db_session, actor, req, RequestState.REVIEWING)
    records.attach_records(db_session, actor, req, made)
    db_session.flush()
    post_item = db_session.scalars(select(SnapshotItem).where(
        SnapshotItem.archive_record_id == made[0].id)).one()
    exemption = db_session.scalars(select(Exemption).where(Exemption.code == "7(1)(c)")).one()
    records.add_redaction(db_session, actor, req, post_item, exemption_id=exemption.id,
                          kind="text", field="body", text=SECRET)
    db_session.commit()
    built = release.build_release(db_session, actor, req, root=app.instance_path + "/releases",
                                  released_to="Pat Requester",
                                  media_root=app.config["MEDIA_ROOT"])
    db_session.commit()
    return release.package_path(app.instance_path + "/releases", built), req


def _plain(text: str) -> str:
    """Text as compared: no bidi controls, no whitespace, NFC."""
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFC", re.sub(r"\s+", "", text))


def test_the_pdf_draws_and_gives_back_every_script(package, tmp_path):
    _needs("pdftoppm", "pdftotext", release_pdf.NOTO + "NotoSans-Regular.ttf",
           release_pdf.NOTO_OT + "NotoSansCJK-Regular.ttc",
           release_pdf.NOTO + "NotoColorEmoji.ttf")
    path, req = package
    with zipfile.ZipFile(path) as z:
        pdf = tmp_path / "records.pdf"
        pdf.write_bytes(z.read("records.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    plain = _plain(text)
    for expected in (CJK, HEBREW, "Thankyou", "Parade on Main Street", "Near North (18th)",
                     "Officer Dana Ortiz", req.label, "Pat Requester", "Robin Clerk",
                     "Contents", "Your public records request"):
        assert _plain(expected) in plain, expected
    # Arabic is shaped (contextual forms) for drawing; the text layer keeps its letters.
    arabic = unicodedata.normalize("NFKC", text)
    assert all(word in arabic for word in ARABIC.split()), arabic
    # Emoji come back from the emoji font's glyphs.
    assert "👮" in text and "😀" in text
    assert SECRET not in text and _plain(SECRET) not in plain
    assert "[REDACTED under 7(1)(c)]" in text
    assert re.search(r"page 1 of \d+", text) and "{nb}" not in text
    # Every script is drawn with a real font, not a missing-glyph box.
    fonts, subtypes = set(), set()
    for page in PdfReader(pdf).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont", "")))
            subtypes.add(str(font.get_object().get("/Subtype", "")))
    joined = " ".join(fonts)
    for family in ("+NotoSans", "+NotoSansCJK", "+NotoSansArabic", "+NotoSansHebrew"):
        assert family in joined, fonts
    assert "/Type3" in subtypes, subtypes  # the color emoji font's glyphs
    # Rendered to images: every page has ink, the first pages too.
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(PdfReader(pdf).pages) >= 2
    for page in pages:  # every page has ink (at least its footer); the first two, text
        assert Image.open(page).convert("L").getextrema()[0] < 200, page
    for page in pages[:2]:
        assert Image.open(page).convert("L").getextrema()[0] < 60, page


def test_index_html_reads_like_the_public_pages(package):
    path, req = package
    with zipfile.ZipFile(path) as z:
        html = z.read("index.html").decode()
        names = z.namelist()
        data = json.loads(z.read("records.json"))
    assert 'class="letterhead"' in html and "Cover letter" in html
    assert "Pat Requester" in html and req.label in html and "Robin Clerk" in html
    assert "7(1)(c)" in html  # what was withheld and under which exemption
    assert '<nav aria-labelledby="contents-heading">' in html
    assert html.count('<li><a href="#record-') == 6
    for text in (CJK.split()[0], ARABIC, HEBREW, EMOJI, "Near North (18th)",
                 "Officer Dana Ortiz", "Moderation of comment #43 on post #5",
                 "Under the terms of use, clause 4", "Off topic"):
        assert text in html, text
    assert SECRET not in html
    image = next(n for n in names if n.startswith("media/"))
    assert f'src="{image}" alt="Parade route map"' in html
    # Times in the department's zone with its abbreviation; raw ISO times stay in JSON.
    assert re.search(r"\b\w{3} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M C[SD]T\b", html)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["records"][0]["recorded_at"])
    # Commenters' addresses are withheld by default, in the readable files as in the raw ones.
    assert "@example.org" not in html and "203.0.113.9" not in html


def test_without_the_fonts_the_package_is_still_built_and_says_so(app, db_session, factory,
                                                                  frozen_clock, monkeypatch):
    monkeypatch.setattr(release_pdf, "BODY_FONTS", (("/nonexistent/a.ttf", "/nonexistent/b.ttf"),))
    monkeypatch.setattr(release_pdf, "FALLBACK_FONTS", tuple(
        (name, script, ("/nonexistent/x.ttf",), package)
        for name, script, _, package in release_pdf.FALLBACK_FONTS))
    district = factory.district()
    officer = factory.user(Role.RECORDS)
    record = archive.append(db_session, record_type="post.revision", object_id=1,
                            district_id=district.id, actor=Actor(factory.user(
                                Role.REPRESENTATIVE, district)),
                            content={"post_id": 1, "body": f"Café {CJK}", "state": "published"})
    actor = Actor(officer)
    req = records.create_request(db_session, actor, RequestData(
        "Pat Requester", "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC),
        "Posts."), ILLINOIS)
    records.change_state(db_session, actor, req, RequestState.REVIEWING)
    records.attach_records(db_session, actor, req, [record])
    db_session.commit()
    built = release.build_release(db_session, actor, req, root=app.instance_path + "/releases",
                                  released_to="Pat Requester")
    db_session.commit()
    with zipfile.ZipFile(release.package_path(app.instance_path + "/releases", built)) as z:
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(z.read("records.pdf")))
                         .pages)
        html = z.read("index.html").decode()
    assert "no font for" in text and "fonts-noto-cjk" in text
    assert "Cafe" in text or "Café" in text
    assert CJK in html

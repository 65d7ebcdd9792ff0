"""Screenshots of a release package, for the closing note of a release change.

    .venv/bin/python bench/release_screenshots.py            # into docs/screenshots/
    .venv/bin/python bench/release_screenshots.py --out /tmp/shots --keep /tmp/package

Builds, in a fresh SQLite database, a records request whose snapshot holds a post with an
image and comments in Japanese, Chinese, Korean, Arabic, Hebrew and emoji (one of them removed by
a moderator, one passage of the post redacted), and builds its release package. Then it renders
the package's ``index.html`` with Chromium (Playwright, /usr/bin/chromium) and the first three
pages of ``records.pdf`` with pdftoppm, into ``release-index.png`` and ``release-pdf-1.png``
... ``release-pdf-3.png``. Every image is kept under 300 KB.

Look at the images: the letterhead, the contents and the page numbers must be there, and every
script drawn with its own glyphs (no empty boxes).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw  # noqa: E402
from sqlalchemy import select  # noqa: E402

from beatdesk import archive, clock, records, release, schema  # noqa: E402
from beatdesk.context import Actor  # noqa: E402
from beatdesk.db import make_engine, make_session_factory  # noqa: E402
from beatdesk.due_dates import ILLINOIS  # noqa: E402
from beatdesk.models import (Department, District, Exemption, RequestState,  # noqa: E402
                             SnapshotItem, User)
from beatdesk.models.organisation import ModerationMode  # noqa: E402
from beatdesk.records import RequestData  # noqa: E402
from beatdesk.roles import Role  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
MAX_BYTES = 300_000

POST = ("Parade on Main Street on Saturday: Lake to Wacker is closed from 9 a.m. to noon. "
        "北区の交通規制のお知らせ。你好，警察局提醒您注意交通管制。경찰서 안내: 우회 도로를 이용하세요. "
        "Witness: 秘密の証人.")
SECRET = "秘密の証人"
COMMENTS = (("Mei", "ありがとうございます！パレードを楽しみにしています。"),
            ("Li", "谢谢警察局的提醒，我们会绕道。"),
            ("Layla", "مرحبا بكم في مركز الشرطة، شكرا على التنبيه."),
            ("Noa", "שלום לכולם מתחנת המשטרה, תודה על העדכון."),
            ("Sam", "Thank you 👮🚓😀 see you there 🎉"))


def _image(media_root: Path) -> tuple[str, str]:
    """A small route map, stored as the media store keeps images."""
    picture = Image.new("RGB", (480, 270), (236, 240, 245))
    draw = ImageDraw.Draw(picture)
    draw.line([(30, 220), (160, 140), (300, 150), (450, 60)], fill=(200, 40, 40), width=10)
    for x in range(0, 480, 60):
        draw.line([(x, 0), (x, 270)], fill=(200, 205, 212), width=2)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    target = media_root / digest[:2] / f"{digest}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return digest, f"{digest}.png"


def _user(session, role: Role, n: int, district: District | None = None, **fields) -> User:
    user = User(full_name=fields.pop("full_name", f"{role.label} {n}"),
                rank=fields.pop("rank", "Police Officer"), star_number=str(1000 + n),
                employee_number=f"S{n:05d}", login_id=f"shot{role.value.replace('_', '')}{n}",
                email=f"shot{n}@pd.example", role=role,
                district_id=district.id if district is not None else None, password_hash="x")
    session.add(user)
    session.flush()
    return user


def build_package(workdir: Path) -> Path:
    """A released package for a request with posts, an image and comments in many scripts."""
    engine = make_engine(f"sqlite:///{workdir / 'screenshots.db'}")
    schema.upgrade(engine)
    session = make_session_factory(engine)()
    session.add(Department(name="Lakeside Police Department",
                           official_website="https://police.lakeside.example",
                           contact_phone="(555) 010-0100", contact_email="records@lakeside.example",
                           contact_address="100 Harbour Street, Lakeside, IL 60600"))
    district = District(number=18, name="Near North (18th)", slug="near-north",
                        intro_statement="News from the 18th district.",
                        moderation_mode=ModerationMode.PRE)
    session.add(district)
    session.flush()
    rep = _user(session, Role.REPRESENTATIVE, 1, district, full_name="Dana Ortiz", rank="Officer")
    officer = _user(session, Role.RECORDS, 2, full_name="Robin Clerk", rank="Records Officer")
    media_root = workdir / "media"
    digest, _ = _image(media_root)
    rep_actor = Actor(rep)
    made = [archive.append(session, record_type="post.revision", object_id=5,
                           district_id=district.id, actor=rep_actor, content={
                               "post_id": 5, "revision": 1, "body": POST, "state": "published",
                               "author_id": rep.id, "images": [{
                                   "asset_id": 1, "sha256": digest,
                                   "alt_text": "Map of the parade route along Main Street",
                                   "credit": "Lakeside PD"}]})]
    for number, (name, body) in enumerate(COMMENTS, start=40):
        made.append(archive.append(
            session, record_type="comment", object_id=number, district_id=district.id,
            actor=None, actor_label=f"visitor: {name}", content={
                "comment_id": number, "post_id": 5, "parent_id": None, "state": "visible",
                "author_name": name, "author_email": f"{name.lower()}@example.org",
                "body": body, "official": False, "client_addr": "203.0.113.9"}))
    made.append(archive.append(
        session, record_type="comment.moderation", object_id=44, district_id=district.id,
        actor=rep_actor, content={"comment_id": 44, "post_id": 5, "state": "removed",
                                  "author_name": "Sam", "body": COMMENTS[-1][1], "moderation": {
                                      "action": "remove", "from": "visible", "to": "removed",
                                      "clause": "4", "note": "Off topic"}}))
    actor = Actor(officer)
    request = records.create_request(session, actor, RequestData(
        "Pat Requester", "pat@example.org", "email", datetime(2026, 11, 16, 15, tzinfo=UTC),
        "Posts and comments about the Main Street parade."), ILLINOIS)
    records.change_state(session, actor, request, RequestState.REVIEWING)
    records.attach_records(session, actor, request, made)
    session.flush()
    post_item = session.scalars(select(SnapshotItem).where(
        SnapshotItem.archive_record_id == made[0].id)).one()
    exemption = session.scalars(select(Exemption).where(Exemption.code == "7(1)(c)")).one()
    records.add_redaction(session, actor, request, post_item, exemption_id=exemption.id,
                          kind="text", field="body", text=SECRET)
    session.commit()
    built = release.build_release(session, actor, request, root=workdir / "releases",
                                  released_to="Pat Requester", media_root=media_root)
    session.commit()
    path = Path(release.package_path(workdir / "releases", built))
    session.close()
    engine.dispose()
    return path


def _small_png(path: Path) -> None:
    """Keep a screenshot under MAX_BYTES: fewer colours first, then a smaller size."""
    image = Image.open(path).convert("RGB")
    while True:
        image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
        if path.stat().st_size <= MAX_BYTES:
            return
        image = image.resize((int(image.width * 0.85), int(image.height * 0.85)),
                             Image.Resampling.LANCZOS)


def render(package: Path, out: Path, unpacked: Path) -> list[Path]:
    with zipfile.ZipFile(package) as z:
        z.extractall(unpacked)
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 900, "height": 1200})
        page.goto((unpacked / "index.html").as_uri())
        page.wait_for_load_state("load")
        target = out / "release-index.png"
        page.screenshot(path=str(target), full_page=True)
        browser.close()
    shots.append(target)
    prefix = unpacked / "pdf-page"
    subprocess.run(["pdftoppm", "-png", "-scale-to", "900", "-f", "1", "-l", "3",
                    str(unpacked / "records.pdf"), str(prefix)], check=True)
    for number, page_png in enumerate(sorted(unpacked.glob("pdf-page-*.png")), start=1):
        target = out / f"release-pdf-{number}.png"
        shutil.copyfile(page_png, target)
        shots.append(target)
    for shot in shots:
        _small_png(shot)
    return shots


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent.parent / "docs" / "screenshots")
    parser.add_argument("--keep", type=Path, help="keep the package and its files here")
    args = parser.parse_args(argv)
    clock.set_source(lambda: datetime(2026, 11, 30, 14, 46, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        package = build_package(workdir)
        for shot in render(package, args.out, workdir / "unpacked"):
            print(f"{shot} {shot.stat().st_size // 1000} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

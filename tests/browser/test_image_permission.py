"""A commander records the Chief's written permission for a wanted poster's photo from the
post's page; the sergeant sees it beside the finding; axe-core finds no WCAG 2.1 A or AA
violation on the permissions pages (with and without errors) or News Affairs' requests list."""
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from beatdesk import clock, media, posts
from beatdesk.context import Actor
from beatdesk.models import Category
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory
from ..test_check_waivers_workflow import agree_rules
from .conftest import TIMEOUT_MS, sign_in
from .test_login_a11y import assert_no_axe_violations

pytestmark = pytest.mark.browser

WANTED = ("Wanted: the man in this photo is sought on a warrant for the robbery of a store on "
          "Clark Street. Call 911 if you see him.")


def _photo(app) -> posts.NewImage:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "#345").save(out, "PNG")
    picture = media.process_image(out.getvalue(), "wanted.png", max_bytes=1024 * 1024)
    key = media.MediaStore(Path(app.config["MEDIA_ROOT"])).save(picture)
    return posts.NewImage(image=picture, storage_key=key, alt_text="A man in a red cap",
                          credit="Demo City Police Department", attested=False)


@pytest.fixture
def world(live_server, monkeypatch):
    """A wanted poster in district 1 whose photo the author could not attest."""
    agree_rules(monkeypatch)
    app = live_server.app
    with app.app_context():
        factory = Factory(db())
        district = factory.district(number=1)
        author = factory.user(Role.REPRESENTATIVE, district)
        factory.designate(author)
        commander = factory.user(Role.COMMANDER, district, full_name="Ana Ruiz",
                                 rank="Commander")
        sergeant = factory.user(Role.SERGEANT, district)
        news = factory.user(Role.NEWS_AFFAIRS)
        extra = {}
        if "valid_until" in posts.PostData.__dataclass_fields__:
            extra["valid_until"] = clock.utcnow() + timedelta(days=14)
        post = posts.create_post(db(), Actor(author), district, posts.PostData(
            category=Category.WANTED_PERSON, body=WANTED, new_images=[_photo(app)], **extra))
        db().commit()
        people = {name: (u.login_id, u.totp_secret) for name, u in
                  (("commander", commander), ("sergeant", sergeant), ("news", news))}
        return post.id, people


def _context_page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context, context.new_page()


def test_commander_records_an_image_permission_and_the_sergeant_sees_it(page, chromium,
                                                                        live_server, world):
    post_id, people = world
    sign_in(page, *people["commander"])
    page.goto(f"/console/posts/{post_id}")
    finding = page.locator(".finding", has_text="wanted.png")
    expect(finding.locator(".waiver-needed")).to_contain_text(
        "Needs the Chief's written permission")
    finding.get_by_role("link", name="Permissions for this post").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Permissions for post #{post_id}")
    assert_no_axe_violations(page, "the permissions page of a wanted poster")

    page.get_by_role("link", name="Record the written permission for wanted.png").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Written permission")
    assert_no_axe_violations(page, "the image permission form")
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    page.get_by_role("button", name="Record the permission").click()
    expect(page.locator(".error-summary")).to_contain_text("Give the name and rank")
    assert_no_axe_violations(page, "the image permission form with its errors")

    page.get_by_label("Who gave the written permission").fill("Deputy Chief Dana Whitfield")
    page.get_by_label("Date of the written permission").fill("2026-11-30")
    page.get_by_label("Why the image may be posted").fill("Arrest warrant issued; the public "
                                                          "may help find him.")
    page.get_by_role("button", name="Record the permission").click()
    expect(page).to_have_url(re.compile(rf"/console/posts/{post_id}$"))
    allowed = "Allowed: Written permission of Deputy Chief Dana Whitfield (Nov 30, 2026), " \
              "recorded by Commander Ana Ruiz"
    expect(page.locator(".finding", has_text="wanted.png")).to_contain_text(allowed)

    context, sergeant = _context_page(chromium, live_server)
    try:
        sign_in(sergeant, *people["sergeant"])
        sergeant.goto(f"/console/posts/{post_id}")
        expect(sergeant.locator(".finding", has_text="wanted.png")).to_contain_text(allowed)
        expect(sergeant.locator(".finding", has_text="wanted.png")).to_contain_text(
            "Arrest warrant issued; the public may help find him.")
        sergeant.goto(f"/console/posts/{post_id}/permissions")
        expect(sergeant.locator(".waiver-records")).to_contain_text("Deputy Chief Dana Whitfield")
        assert_no_axe_violations(sergeant, "the permissions page with a permission recorded")
    finally:
        context.close()

    context, news = _context_page(chromium, live_server)
    try:
        sign_in(news, *people["news"])
        news.goto("/console/posts/exception-requests")
        expect(news.get_by_role("heading", level=1)).to_have_text("Exception requests")
        assert_no_axe_violations(news, "News Affairs' exception requests")
    finally:
        context.close()

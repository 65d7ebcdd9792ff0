import pytest
from beatdesk.models import Comment, Department, MediaAsset, RevisionImage
from beatdesk.roles import Role
from blueprints.database import db
from ..conftest import Factory
from .test_login_a11y import assert_no_axe_violations
from .conftest import sign_in


@pytest.mark.browser
def test_public_pages_have_no_axe_violations(page, live_server):
    with live_server.app.app_context():
        session = db()
        session.add(Department(name="Deerfield Police Department", official_website="https://pd.example/",
                               contact_phone="(847) 555-0100", contact_email="info@pd.example",
                               contact_address="850 Waukegan Road"))
        session.commit()
        f = Factory(session)
        d = f.district(slug="north", name="North", handle_x="@north",
                       handle_mastodon="@north@police.social", intro_statement="News for the north side.")
        for n in range(3):
            p = f.post(d, body=f"Road closed on Elm Street.\n\nUse Oak Street {n}: https://www.deerfield.gov/detours")
        session.add(Comment(post_id=p.id, district_id=d.id, author_name="Robin", author_email="",
                            body="Thanks for the news.", terms_version=1, client_addr="192.0.2.1",
                            state="visible"))
        session.commit()
        live_server.app.config["PAGE_SIZE"] = 2
        post_id = p.id
        admin = f.user(Role.ADMIN)
        login, secret = admin.login_id, admin.totp_secret
    for width, height in ((1280, 900), (390, 844)):  # desktop, then a phone
        page.set_viewport_size({"width": width, "height": height})
        for path, what in [("/", "landing"), ("/districts/north", "district"),
                           ("/districts/north?page=2", "district page 2"), (f"/posts/{post_id}", "post"),
                           ("/terms", "terms"), ("/terms/1", "terms v1"), ("/nowhere", "404")]:
            page.goto(path)
            assert_no_axe_violations(page, f"{what} at {width}x{height}")
    sign_in(page, login, secret)
    for path, what in [("/console/admin/terms", "terms admin"), ("/console/admin/terms/new", "new terms"),
                       ("/console/admin/terms/1", "terms detail")]:
        page.goto(path)
        assert_no_axe_violations(page, what)
    page.goto("/console/admin/terms/new")
    page.get_by_label("Text (Markdown)").fill("No clauses")
    page.get_by_role("button", name="Save draft").click()
    assert_no_axe_violations(page, "new terms with error")
    page.goto("/terms")



@pytest.mark.browser
def test_on_a_phone_the_first_post_starts_in_the_first_screen(page, live_server):
    with live_server.app.app_context():
        session = db()
        session.add(Department(name="Deerfield Police Department", official_website="https://pd.example/",
                               contact_phone="(847) 555-0100", contact_address="850 Waukegan Road"))
        session.commit()
        f = Factory(session)
        d = f.district(slug="north", name="North", handle_x="@north",
                       intro_statement="News, alerts and events from the north side of Deerfield, "
                                       "posted by the district's community officers.")
        p = f.post(d, body="Coffee with a Cop this Saturday at Jewett Park, 9 to 11 AM.")
        post_id = p.id
    page.set_viewport_size({"width": 390, "height": 844})
    for path, heading in (("/", f"#recent-{post_id}-title"),
                          ("/districts/north", f"#post-{post_id}-title"),
                          (f"/posts/{post_id}", "#post-title")):
        page.goto(path)
        box = page.locator(heading).bounding_box()
        assert box and box["y"] + box["height"] <= 844, (path, box)
    page.goto(f"/posts/{post_id}")
    body = page.locator(".public-post__body p").first.bounding_box()
    assert body["y"] + body["height"] <= 844

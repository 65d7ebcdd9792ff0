import pytest
from beatdesk.models import Department, MediaAsset, RevisionImage
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
        d = f.district(slug="north", name="North", handle_x="@north", intro_statement="News for the north side.")
        for n in range(3):
            p = f.post(d, body=f"Road closed on Elm Street.\n\nUse Oak Street {n}.")
        live_server.app.config["PAGE_SIZE"] = 2
        post_id = p.id
        admin = f.user(Role.ADMIN)
        login, secret = admin.login_id, admin.totp_secret
    for path, what in [("/", "landing"), ("/districts/north", "district"), ("/districts/north?page=2", "district page 2"),
                       (f"/posts/{post_id}", "post"), ("/terms", "terms"), ("/terms/1", "terms v1"), ("/nowhere", "404")]:
        page.goto(path)
        assert_no_axe_violations(page, what)
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

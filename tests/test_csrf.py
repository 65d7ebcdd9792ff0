"""Acceptance 3: with CSRF protection on, every state-changing route refuses a tokenless POST."""
import re

import pytest
from sqlalchemy import func, select

from beatdesk.models import AuditEvent, User
from beatdesk.roles import DISTRICT_ROLES, Role
from blueprints.database import db

from .conftest import PASSWORD, make_app, sign_in
from . import routes as areas
from .test_authorization import PUBLIC_ROUTES, STAFF_ROUTES, build_objects, routes_in_app


@pytest.fixture
def csrf_app(database_url):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    yield app
    app.extensions["beatdesk.engine"].dispose()


def state_changing_routes(app):
    return sorted({r for r in routes_in_app(app) if r[1] not in ("GET", "HEAD", "OPTIONS")})


def test_every_state_changing_route_refuses_a_missing_or_wrong_token(csrf_app):
    from .conftest import Factory

    with csrf_app.app_context():
        factory = Factory(db())
        objects = build_objects(factory)
        district, target = objects["district"], objects["target"]
        ids = {name: obj.id for name, obj in objects.items()}
        admin = factory.user(Role.ADMIN)
        commander = factory.user(Role.COMMANDER, district)
        signed_in_as = {"districts.designate": commander, "districts.end_designation": commander}
        for endpoint, role in areas.SIGNED_IN_AS.items():
            signed_in_as[endpoint] = factory.user(
                role, district if role in DISTRICT_ROLES else None)
        before = db().scalar(select(func.count(AuditEvent.id)))

    routes = state_changing_routes(csrf_app)
    assert routes, "no state-changing routes found"
    for endpoint, method in routes:
        template = (STAFF_ROUTES.get((endpoint, method)) or PUBLIC_ROUTES[(endpoint, method)])[0]
        client = csrf_app.test_client()
        sign_in(client, signed_in_as.get(endpoint, admin))
        path = template.format(**ids)
        for data in ({}, {"csrf_token": "forged-token"}):
            response = client.open(path, method=method, data=data)
            assert response.status_code == 400, f"{method} {path} accepted {data}"
            assert "security token" in response.get_data(as_text=True)

    with csrf_app.app_context():
        assert db().scalar(select(func.count(AuditEvent.id))) == before
        assert db().get(User, target.id).active


def test_a_valid_token_is_accepted(csrf_app):
    """The same protection lets a real form through (so the test above is not vacuous)."""
    from .conftest import Factory

    with csrf_app.app_context():
        user = Factory(db()).user(Role.SERGEANT)
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "login_id": user.login_id,
                                           "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/verify"

"""Acceptance 2: every route x every role (and anonymous) gets the expected status.

The table below must name every route in the app's URL map; a new route without a row fails
``test_every_route_is_in_the_table``.
"""
import pytest
from sqlalchemy import select

from beatdesk.models import AuditEvent, Outcome
from beatdesk.roles import DISTRICT_ROLES, Role

from . import routes as areas
from .conftest import reread, sign_in

ANONYMOUS = "anonymous"
ALL_ROLES = tuple(Role)
EVERYONE = frozenset(ALL_ROLES)
ADMIN = frozenset({Role.ADMIN})

# (endpoint, method) -> (path template, roles allowed, status for an allowed role).
# Staff routes: anonymous is redirected to sign-in, other roles get 403.
STAFF_ROUTES = {
    ("console.dashboard", "GET"): ("/console/", EVERYONE, 200),
    ("console.account", "GET"): ("/console/account", EVERYONE, 200),
    ("console.change_password", "GET"): ("/console/account/password", EVERYONE, 200),
    ("console.change_password", "POST"): ("/console/account/password", EVERYONE, 400),
    ("admin.users", "GET"): ("/console/admin/users", ADMIN, 200),
    ("admin.new_user", "GET"): ("/console/admin/users/new", ADMIN, 200),
    ("admin.new_user", "POST"): ("/console/admin/users/new", ADMIN, 400),
    ("admin.user_detail", "GET"): ("/console/admin/users/{target}", ADMIN, 200),
    ("admin.edit_user", "GET"): ("/console/admin/users/{target}/edit", ADMIN, 200),
    ("admin.edit_user", "POST"): ("/console/admin/users/{target}/edit", ADMIN, 400),
    ("admin.deactivate_user", "POST"): ("/console/admin/users/{target}/deactivate", ADMIN, 303),
    ("admin.reactivate_user", "POST"): ("/console/admin/users/{target}/reactivate", ADMIN, 303),
    ("admin.unlock_user", "POST"): ("/console/admin/users/{target}/unlock", ADMIN, 303),
    ("admin.reset_second_factor", "POST"):
        ("/console/admin/users/{target}/reset-second-factor", ADMIN, 303),
    ("admin.reset_password", "GET"): ("/console/admin/users/{target}/reset-password", ADMIN, 200),
    ("admin.reset_password", "POST"): ("/console/admin/users/{target}/reset-password", ADMIN, 400),
    ("admin.department", "GET"): ("/console/admin/department", ADMIN, 200),
    ("admin.department", "POST"): ("/console/admin/department", ADMIN, 400),
    ("admin.audit_log", "GET"): ("/console/admin/audit", ADMIN, 200),
    ("districts.index", "GET"): ("/console/districts/", EVERYONE, 200),
    ("districts.new", "GET"): ("/console/districts/new", ADMIN, 200),
    ("districts.new", "POST"): ("/console/districts/new", ADMIN, 400),
    ("districts.detail", "GET"): ("/console/districts/{district}", EVERYONE, 200),
    ("districts.edit", "GET"): ("/console/districts/{district}/edit", ADMIN, 200),
    ("districts.edit", "POST"): ("/console/districts/{district}/edit", ADMIN, 400),
    ("districts.approve", "POST"): ("/console/districts/{unapproved}/approve", ADMIN, 303),
    ("districts.designate", "POST"):
        ("/console/districts/{district}/representatives", frozenset({Role.COMMANDER}), 400),
    ("districts.end_designation", "POST"):
        ("/console/districts/{district}/representatives/{designation}/end",
         frozenset({Role.COMMANDER}), 400),
    ("districts.registry", "GET"):
        ("/console/districts/registry", frozenset({Role.NEWS_AFFAIRS, Role.ADMIN}), 200),
}

# Routes anyone may reach, with what an anonymous visitor gets.
PUBLIC_ROUTES = {
    ("public.index", "GET"): ("/", 200),
    ("public.healthz", "GET"): ("/healthz", 200),
    ("auth.login", "GET"): ("/login", 200),
    ("auth.login", "POST"): ("/login", 400),
    ("auth.verify", "GET"): ("/login/verify", 302),
    ("auth.verify", "POST"): ("/login/verify", 302),
    ("auth.enroll", "GET"): ("/login/enroll", 302),
    ("auth.enroll", "POST"): ("/login/enroll", 302),
    ("auth.unlock", "GET"): ("/unlock", 302),
    ("auth.unlock", "POST"): ("/unlock", 302),
    ("auth.logout", "POST"): ("/logout", 302),
    ("static", "GET"): ("/static/css/beatdesk.css", 200),
}

STAFF_ROUTES.update(areas.STAFF_ROUTES)
PUBLIC_ROUTES.update(areas.PUBLIC_ROUTES)


def routes_in_app(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method


def test_every_route_is_in_the_table(app):
    known = set(STAFF_ROUTES) | set(PUBLIC_ROUTES)
    missing = sorted(set(routes_in_app(app)) - known)
    assert not missing, f"routes without an authorization expectation: {missing}"
    stale = sorted(known - set(routes_in_app(app)))
    assert not stale, f"table rows for routes that no longer exist: {stale}"


def build_objects(factory) -> dict:
    """District A with its staff and a designation, an unapproved district, and each area's."""
    district = factory.district(number=1)
    unapproved = factory.district(number=2, approved=False)
    target = factory.user(Role.REPRESENTATIVE, district)
    designation = factory.designate(target)
    base = {"district": district, "unapproved": unapproved, "target": target,
            "designation": designation}
    return {**base, **areas.area_objects(factory, base)}


@pytest.fixture
def objects(factory):
    return build_objects(factory)


def _path(template, objects):
    return template.format(**{k: v.id for k, v in objects.items()})


# Routes an allowed role changes state through: each role gets a fresh database. The others
# run every role in turn on one app (an app per test is what makes this suite slow).
MUTATING = sorted(r for r, (_t, _a, status) in STAFF_ROUTES.items()
                  if r[1] != "GET" and status < 400)
READ_OR_REFUSED = sorted(set(STAFF_ROUTES) - set(MUTATING))


def _check_role(app, factory, objects, route, role) -> str | None:
    """None when ``role`` gets what the table says on ``route``, else a description."""
    template, allowed, ok_status = STAFF_ROUTES[route]
    path = _path(template, objects)
    client = app.test_client()
    if role != ANONYMOUS:
        district = objects["district"] if role in DISTRICT_ROLES else None
        sign_in(client, factory.user(role, district))
    response = client.open(path, method=route[1], data={})
    if role == ANONYMOUS:
        ok = response.status_code == 302 and response.headers["Location"].startswith("/login")
        expected = "302 to /login"
    elif role in allowed:
        ok, expected = response.status_code == ok_status, str(ok_status)
    else:
        ok = response.status_code == 403 and "Not allowed" in response.get_data(as_text=True)
        expected = "403"
    if ok:
        return None
    return (f"{role} on {route[1]} {path}: got {response.status_code}, expected {expected}: "
            f"{response.get_data(as_text=True)[:200]!r}")


@pytest.mark.parametrize("route", READ_OR_REFUSED, ids=lambda r: f"{r[0]}-{r[1]}")
def test_staff_route_by_role(app, factory, objects, route):
    wrong = [_check_role(app, factory, objects, route, role) for role in [ANONYMOUS, *ALL_ROLES]]
    wrong = [w for w in wrong if w]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("route", MUTATING, ids=lambda r: f"{r[0]}-{r[1]}")
@pytest.mark.parametrize("role", [ANONYMOUS, *ALL_ROLES], ids=str)
def test_state_changing_route_by_role(app, factory, objects, route, role):
    problem = _check_role(app, factory, objects, route, role)
    assert problem is None, problem


@pytest.mark.parametrize("route", sorted(PUBLIC_ROUTES), ids=lambda r: f"{r[0]}-{r[1]}")
def test_public_route_anonymous(client, route):
    template, status = PUBLIC_ROUTES[route]
    response = client.open(template, method=route[1], data={})
    assert response.status_code == status


OTHER_DISTRICT_CASES = [
    ("GET", "/console/districts/{district}", {}),
    ("POST", "/console/districts/{district}/representatives", {"user_id": "{target}"}),
    ("POST", "/console/districts/{district}/representatives/{designation}/end",
     {"reason": "x"}),
]


@pytest.mark.parametrize("role", sorted(DISTRICT_ROLES), ids=str)
@pytest.mark.parametrize("method,template,data", OTHER_DISTRICT_CASES)
def test_other_district_is_refused(client, factory, objects, role, method, template, data):
    """A user of district B gets 403 on district A's objects, whatever their district role."""
    other = factory.district(number=3)
    sign_in(client, factory.user(role, other))
    data = {k: _path(v, objects) for k, v in data.items()}
    response = client.open(_path(template, objects), method=method, data=data)
    assert response.status_code == 403


def test_designation_of_another_district_is_not_found(client, factory, objects):
    """A commander can't end another district's designation through their own district's URL."""
    own = factory.district(number=4)
    sign_in(client, factory.user(Role.COMMANDER, own))
    response = client.post(f"/console/districts/{own.id}/representatives/"
                           f"{objects['designation'].id}/end", data={"reason": "gone"})
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/console/admin/users/99999", "/console/districts/99999",
                                  "/console/admin/users/99999/edit"])
def test_missing_objects_are_404(client, login_as, path):
    login_as(Role.ADMIN)
    assert client.get(path).status_code == 404


def test_refusals_are_audited_as_denied(client, factory, db_session, objects):
    user = factory.user(Role.RECORDS)
    sign_in(client, user)
    assert client.get("/console/admin/users").status_code == 403
    reread(db_session)
    event = db_session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.event, event.outcome, event.actor_id) == ("access.denied", Outcome.DENIED, user.id)
    assert event.details["path"] == "/console/admin/users"

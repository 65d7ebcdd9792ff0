"""Acceptance 1: no route answers 500, whatever it is sent and whoever sends it.

Every rule of the URL map and every method is walked as an anonymous visitor and as every role
with the inputs that used to crash (ids past the database's integer range, malformed ``page``
values, NUL in the path, query and form, JSON and file bodies where a form expects text,
whitespace-only filters, very long search patterns), then with random ones from Hypothesis.
A second walk keeps CSRF protection on and sends a valid token with the bad bodies.
Runs on SQLite and on PostgreSQL (``DATABASE_URL``).
"""
import io
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import MethodNotAllowed, NotFound

from beatdesk.roles import DISTRICT_ROLES, Role
from blueprints.database import db
from blueprints.input_guards import DB_INT_MAX

from .conftest import Factory, make_app, sign_in
from .test_authorization import PUBLIC_ROUTES, STAFF_ROUTES, build_objects

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, *Role)
# Who walks a route with every bad input: the first role allowed on it, in this order.
PREFERENCE = (Role.SERGEANT, Role.NEWS_AFFAIRS, Role.RECORDS, Role.ADMIN, Role.COMMANDER,
              Role.REPRESENTATIVE)
HUGE_IDS = (DB_INT_MAX + 1, 2**63, 10**20)
BAD_PAGES = ("99999999999999999999", "2147483648", "-1", "0", "abc", "1e9")
JSON_BODIES = ("[1, 2]", '"text"', "5", "true", "null", "{}")
# What a field of any form may be sent, besides the fields' names themselves.
FORM_VALUES = ("a\x00b", "a\x0bb", "99999999999999999999", "   ", "x" * 20_000,
               "\U0001F46E\u200d\u2640\ufe0f e\u0301 \u0130stanbul STRASSE ß")
METHODS_WITH_BODY = ("POST", "PUT", "PATCH", "DELETE")


def _rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


class Walk:
    """One app and database with the route tables' objects, a user per role, and the routes."""

    def __init__(self, app):
        self.app = app
        self.errors: list[str] = []
        original = app.log_exception

        def log_exception(exc_info):  # keep each 500's cause for the failure message
            import traceback
            self.errors.append("".join(traceback.format_exception(*exc_info))[-1500:])
            original(exc_info)
        app.log_exception = log_exception
        with app.app_context():
            factory = Factory(db())
            self.objects = build_objects(factory)
            district = self.objects["district"]
            self.users = {role: factory.user(role, district if role in DISTRICT_ROLES else None)
                          for role in Role}
            self.ids = {name: obj.id for name, obj in self.objects.items()}
            self.slug = district.slug
        self.adapter = app.url_map.bind("localhost")
        self.routes = [(rule, method, self._values(rule, method)) for rule, method in _rules(app)]
        self.field_names = set()

    def _values(self, rule, method) -> dict:
        """The route's arguments: the route tables' objects where a table names the route."""
        template = (STAFF_ROUTES.get((rule.endpoint, method)) or
                    PUBLIC_ROUTES.get((rule.endpoint, method)) or (None,))[0]
        if template:
            try:
                endpoint, values = self.adapter.match(template.format(**self.ids), method)
                if endpoint == rule.endpoint:
                    return values
            except (NotFound, MethodNotAllowed, KeyError):
                pass
        values = {}
        for name, converter in rule._converters.items():
            kind = type(converter).__name__
            if kind == "AnyConverter":
                values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else "atom"
            elif "Int" in kind:
                values[name] = 1
            elif kind == "PathConverter":
                values[name] = "css/beatdesk.css"
            elif name == "slug":
                values[name] = self.slug
            else:
                values[name] = "submit"
        return values

    def path(self, rule, values) -> str:
        return self.adapter.build(rule.endpoint, values, force_external=False)

    def client(self, role):
        client = self.app.test_client()
        if role != ANONYMOUS:
            sign_in(client, self.users[role])
        return client

    def allowed_role(self, rule, method):
        allowed = STAFF_ROUTES.get((rule.endpoint, method), (None, frozenset(Role)))[1]
        return next((r for r in PREFERENCE if r in allowed), Role.ADMIN)

    def check(self, response, what: str) -> None:
        assert response.status_code < 500, (
            f"{what}: {response.status_code}\n" + "\n".join(self.errors[-1:]))


@pytest.fixture
def walk(database_url, tmp_path):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False,
                   MEDIA_ROOT=str(tmp_path / "media"), RELEASE_ROOT=str(tmp_path / "releases"))
    walk = Walk(app)
    yield walk
    app.extensions["beatdesk.engine"].dispose()


def _harvest_field_names(walk: Walk) -> set[str]:
    """Every form field name the app's pages show (the inputs a form-filling robot would send)."""
    names = set()
    for rule, method, values in walk.routes:
        if method != "GET" or rule.endpoint == "static":
            continue
        response = walk.client(walk.allowed_role(rule, method)).get(walk.path(rule, values))
        if response.mimetype == "text/html":
            names.update(re.findall(r'name="([^"]+)"', response.get_data(as_text=True)))
    return {n for n in names if n != "csrf_token" and not n.startswith(("og:", "twitter:"))}


def _bad_requests(walk: Walk, n: int, rule, method, values, names):
    """(description, request kwargs, path, expected status) for route number ``n``.

    Each route gets every kind of bad input; which example of a kind it gets turns with ``n``,
    so the whole walk sends every example to many routes without sending all to each.
    """
    def pick(options, k=1):
        return [options[(n + i) % len(options)] for i in range(k)]

    path = walk.path(rule, values)
    for name, value in values.items():
        if isinstance(value, int):
            huge = pick(HUGE_IDS)[0]
            yield (f"{name}={huge}", {}, walk.path(rule, {**values, name: huge}), 404)
        elif rule._converters[name].__class__.__name__ in ("UnicodeConverter", "PathConverter"):
            yield (f"NUL in {name}", {}, walk.path(rule, {**values, name: "a\x00b"}), 400)
    for page in pick(BAD_PAGES):
        yield (f"page={page}", {"query_string": {"page": page}}, path, 400)
    yield ("NUL in query", {"query_string": {"q": "a\x00", "state": "\x00"}}, path, 400)
    # Whitespace-only values for every field name, and very long search patterns.
    filters = {n: "  \t " for n in names if n != "page"}
    filters.update({n: "ab* " * 3000 for n in ("q", "text", "author", "record_type")})
    yield ("whitespace and long filters", {"query_string": filters}, path, None)
    if method not in METHODS_WITH_BODY:
        return
    for value in pick(FORM_VALUES):
        yield (f"form {value[:12]!r}", {"data": {n: value for n in names}}, path,
               400 if "\x00" in value else None)
    for body in pick(JSON_BODIES):
        yield (f"JSON {body}", {"data": body, "content_type": "application/json"}, path, None)
    yield ("JSON object of non-text", {"data": json.dumps(
        {n: [{"a": 1}, None, 5] for n in names}), "content_type": "application/json"}, path, None)
    files = {n: (io.BytesIO(b"\x00\xff not text"), "x.txt") for n in sorted(names)}
    yield ("files in text fields", {"data": files, "content_type": "multipart/form-data"},
           path, None)


def test_every_route_and_method_survives_bad_input(walk):
    names = _harvest_field_names(walk)
    assert {"body", "name", "email", "text", "login_id"} <= names
    walked, problems = set(), []

    def expect(ok: bool, what: str, response):
        if not ok:
            problems.append(f"{what}: {response.status_code} " + (
                walk.errors[-1][-600:] if response.status_code >= 500 and walk.errors else ""))

    others = [r for r in ROLES if r != ANONYMOUS]
    for n, (rule, method, values) in enumerate(walk.routes):
        walked.add((rule.endpoint, method))
        allowed = walk.allowed_role(rule, method)
        # Anonymous and another role (turning with n, so each role walks a share of the
        # routes) send a bad address or a bad page: what is refused before any role check.
        int_args = [k for k, v in values.items() if isinstance(v, int)]
        for i, role in enumerate([ANONYMOUS, others[n % len(others)]]):
            client = walk.client(role)
            if int_args and (n + i) % 2 == 0:
                path = walk.path(rule, {**values, int_args[0]: HUGE_IDS[(n + i) % 3]})
                response = client.open(path, method=method)
                expect(response.status_code == 404, f"{role} {method} {path}", response)
            else:
                page = BAD_PAGES[(n + i) % len(BAD_PAGES)]
                path = walk.path(rule, values)
                response = client.open(path, method=method, query_string={"page": page})
                expect(response.status_code == 400 or rule.endpoint == "static",
                       f"{role} {method} {path}?page={page}", response)
        for what, kwargs, path, expected in _bad_requests(walk, n, rule, method, values, names):
            response = walk.client(allowed).open(path, method=method, **kwargs)
            label = f"{allowed} {method} {path} with {what}"
            expect(response.status_code < 500, label, response)
            if expected is not None and rule.endpoint != "static":
                expect(response.status_code == expected, f"{label} (expected {expected})",
                       response)
                if expected == 400 and "NUL" in what:
                    expect("U+0000 (null)" in response.get_data(as_text=True),
                           f"{label}: the refusal names the character", response)
    assert walked == set(_rules_keys(walk.app))
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:30])


def _rules_keys(app):
    return [(rule.endpoint, method) for rule, method in _rules(app)]


form_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_requests_never_500(walk, data):
    """Random roles, routes, ids, pages and field values: a 4xx at worst, never a 500."""
    rule, method, values = data.draw(st.sampled_from(walk.routes), label="route")
    role = data.draw(st.sampled_from(ROLES), label="role")
    values = dict(values)
    for name, value in values.items():
        if isinstance(value, int):
            values[name] = data.draw(st.one_of(st.just(value), st.integers(0, 2**70)), label=name)
    query = data.draw(st.dictionaries(st.sampled_from(["page", "q", "state", "district", "text",
                                                        "from", "to", "post", "comment"]),
                                      st.one_of(form_text, st.integers(-2**70, 2**70).map(str)),
                                      max_size=3), label="query")
    kwargs = {"query_string": query}
    if method in METHODS_WITH_BODY:
        fields = data.draw(st.dictionaries(
            st.sampled_from(["body", "name", "email", "text", "note", "reason", "login_id",
                             "password", "version", "start", "end", "days", "prefix",
                             "accept_terms", "terms_version", "intro_statement", "phrase",
                             "description", "requester_name", "category", "to_state"]),
            st.one_of(form_text, st.integers(-2**70, 2**70).map(str)), max_size=6),
            label="form")
        kind = data.draw(st.sampled_from(["form", "json"]), label="body")
        if kind == "form":
            kwargs["data"] = fields
        else:
            kwargs.update(data=json.dumps(fields), content_type="application/json")
    path = walk.path(rule, values)
    response = walk.client(role).open(path, method=method, **kwargs)
    walk.check(response, f"{role} {method} {path} {kwargs}")


# ------------------------------------------------------------------ CSRF on, valid token


@pytest.fixture
def csrf_walk(database_url, tmp_path):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=True,
                   MEDIA_ROOT=str(tmp_path / "media"), RELEASE_ROOT=str(tmp_path / "releases"))
    walk = Walk(app)
    yield walk
    app.extensions["beatdesk.engine"].dispose()


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _comment_path(walk) -> str:
    return f"/posts/{walk.objects['post'].id}/comments"


def _comment_count(walk) -> int:
    from sqlalchemy import func, select

    from beatdesk.models import Comment
    with walk.app.app_context():
        return db().scalar(select(func.count(Comment.id)))


def test_json_and_file_bodies_with_a_valid_token_are_refused(csrf_walk):
    """The public comment form and sign-in, sent JSON or a file with a valid token: 400 naming
    the problem, nothing stored."""
    before = _comment_count(csrf_walk)
    post_page = f"/posts/{csrf_walk.objects['post'].id}"
    for page, path, text_field in [(post_page, _comment_path(csrf_walk), "body"),
                                   ("/login", "/login", "login_id")]:
        for body in [*JSON_BODIES, '{"body": {"a": 1}, "name": 5}']:
            client = csrf_walk.client(ANONYMOUS)
            token = _token(client, page)
            response = client.post(path, data=body, content_type="application/json",
                                   headers={"X-CSRFToken": token})
            csrf_walk.check(response, f"{path} with {body}")
            assert response.status_code == 400, f"{path} with {body}"
            assert "not JSON" in response.get_data(as_text=True)
        client = csrf_walk.client(ANONYMOUS)
        token = _token(client, page)
        response = client.post(path, content_type="multipart/form-data", data={
            "csrf_token": token, text_field: (io.BytesIO(b"%PDF-1.4 not text"), "x.pdf"),
            "name": "A visitor", "password": "x", "accept_terms": "y"})
        csrf_walk.check(response, f"file in {text_field}")
        assert response.status_code == 400
        assert f"A file was sent in “{text_field}”" in response.get_data(as_text=True)
    assert _comment_count(csrf_walk) == before


def test_every_form_route_with_a_valid_token_survives_bad_bodies(csrf_walk):
    """With CSRF on and a valid token, every state-changing route refuses bad bodies cleanly."""
    for rule, method, values in csrf_walk.routes:
        if method not in METHODS_WITH_BODY:
            continue
        role = csrf_walk.allowed_role(rule, method)
        if rule.endpoint.startswith(("auth.", "comments.")):
            role = ANONYMOUS
        client = csrf_walk.client(role)
        token = _token(client, "/login" if role == ANONYMOUS else "/console/account")
        path = csrf_walk.path(rule, values)
        for body in ('["x"]', "null", '{"body": [1, {"a": null}], "note": true}'):
            response = client.post(path, data=body, content_type="application/json",
                                   headers={"X-CSRFToken": token})
            csrf_walk.check(response, f"{role} {path} JSON {body}")
        response = client.post(path, data={"csrf_token": token, "body": "a\x00b", "note": "\x00"})
        csrf_walk.check(response, f"{role} {path} NUL form")
        assert response.status_code == 400
        response = client.post(path, content_type="multipart/form-data", data={
            "csrf_token": token, "note": (io.BytesIO(b"x"), "x.txt"),
            "reason": (io.BytesIO(b"x"), "y.txt")})
        csrf_walk.check(response, f"{role} {path} files")
    assert not csrf_walk.errors, csrf_walk.errors[0]

"""The page cache in front of the application (``blueprints.public.cache.PublicPageCache``):
what it answers without Flask, what it keeps, and what it never keeps."""
import pytest

from beatdesk import terms
from beatdesk.models import Department, PostState
from beatdesk.roles import Role

from blueprints.public import cache

from .conftest import sign_in


@pytest.fixture(autouse=True)
def shipped_terms(db_session):
    terms.current_terms(db_session)
    db_session.commit()


@pytest.fixture
def north(db_session, factory):
    db_session.add(Department(name="Deerfield Police Department",
                              official_website="https://www.deerfield-pd.example/"))
    db_session.commit()
    district = factory.district(slug="north")
    factory.post(district, body="Road closed on Oak Avenue.", state=PostState.PUBLISHED)
    return district


@pytest.fixture
def views_called(app, monkeypatch):
    """Counts the requests that reached a Flask view."""
    calls = []
    for endpoint, view in list(app.view_functions.items()):
        def counted(*args, _view=view, _endpoint=endpoint, **kwargs):
            calls.append(_endpoint)
            return _view(*args, **kwargs)
        monkeypatch.setitem(app.view_functions, endpoint, counted)
    return calls


def test_a_kept_page_is_answered_before_flask_with_the_same_headers(app, client, north,
                                                                    views_called):
    first = client.get("/districts/north")
    assert views_called == ["public.district"]
    again = client.get("/districts/north")
    assert views_called == ["public.district"]  # not routed again
    assert again.data == first.data
    for header in ("ETag", "Last-Modified", "Cache-Control", "Content-Security-Policy",
                   "X-Content-Type-Options", "X-Frame-Options", "Vary", "Content-Type"):
        assert again.headers[header] == first.headers[header], header
    assert "Set-Cookie" not in again.headers


def test_a_matching_etag_gets_304_from_the_kept_page(client, north, views_called):
    etag = client.get("/districts/north").headers["ETag"]
    response = client.get("/districts/north", headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.data == b""
    assert response.headers["ETag"] == etag
    assert "Content-Security-Policy" in response.headers
    assert client.get("/districts/north", headers={"If-None-Match": '"other"'}).status_code == 200
    assert views_called == ["public.district"]


def test_head_gets_the_headers_without_the_body(client, north):
    page = client.get("/districts/north")
    head = client.head("/districts/north")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == page.headers["ETag"]


def test_a_signed_in_reader_goes_to_flask(client, factory, north, views_called):
    client.get("/districts/north")
    sign_in(client, factory.user(Role.ADMIN))
    views_called.clear()
    response = client.get("/districts/north")
    assert views_called == ["public.district"]
    assert "Sign out" in response.get_data(as_text=True)


def test_personal_and_failed_answers_are_not_kept(client, north, views_called):
    for path in ("/districts/nowhere", f"/posts/{north.id}?comment=visible", "/healthz"):
        client.get(path)
        client.get(path)
    assert views_called.count("public.district") == 2  # the 404, twice
    assert views_called.count("public.healthz") == 2


def test_guards_still_apply_to_addresses_never_kept(client, north):
    client.get("/districts/north")
    assert client.get("/districts/north?x=%00").status_code == 400
    assert client.get("/districts/north?page=0").status_code == 400


def test_console_pages_are_never_kept(client, factory, north, views_called):
    client.get("/login")
    client.get("/login")
    assert views_called.count("auth.login") == 2


def test_no_cookie_is_ever_kept(app, client, north):
    @app.route("/bench-cookie")
    def cookie_page():
        from flask import make_response
        response = make_response("hi")
        response.set_cookie("x", "1")
        cache.mark_shareable()  # even if a view said so
        return response
    middleware = app.extensions["beatdesk.public_cache"]
    client.get("/districts/north")
    kept = len(middleware.store._pages)
    client.get("/bench-cookie")
    assert len(middleware.store._pages) == kept


def test_a_committed_write_in_this_process_empties_it(client, factory, north):
    client.get("/districts/north")
    factory.post(north, body="Second news.", state=PostState.PUBLISHED)
    assert "Second news." in client.get("/districts/north").get_data(as_text=True)


def test_install_puts_it_in_front_of_the_app(app):
    assert isinstance(app.wsgi_app, cache.PublicPageCache)


def test_the_check_interval_is_read_from_the_environment(database_url, monkeypatch):
    from .conftest import make_app

    monkeypatch.setenv("PUBLIC_CACHE_CHECK_SECONDS", "0.5")
    app = make_app(database_url)
    assert app.config["PUBLIC_CACHE_CHECK_SECONDS"] == 0.5
    app.extensions["beatdesk.engine"].dispose()

"""Configuration, security headers, cookies and error pages."""
import pytest
from sqlalchemy import func, select

from app import create_app

from .conftest import TEST_ENCRYPTION_KEY
from beatdesk import accounts
from beatdesk.models import User
from beatdesk.roles import Role

from .conftest import make_app


def test_secret_key_required_in_production(database_url, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app({"BEATDESK_ENV": "production", "DATABASE_URL": database_url})


def test_demo_mode_refused_in_production(database_url):
    with pytest.raises(RuntimeError, match="DEMO_MODE"):
        create_app({"BEATDESK_ENV": "production", "SECRET_KEY": "k", "DEMO_MODE": True,
                    "DATABASE_URL": database_url})


def test_bad_environment_values_are_clear(database_url, monkeypatch):
    monkeypatch.setenv("LOCKOUT_THRESHOLD", "five")
    with pytest.raises(RuntimeError, match="LOCKOUT_THRESHOLD must be a whole number"):
        make_app(database_url)
    monkeypatch.delenv("LOCKOUT_THRESHOLD")
    with pytest.raises(RuntimeError, match="TRUSTED_NETWORKS has an invalid network"):
        make_app(database_url, TRUSTED_NETWORKS="10.0.0.0/33")


def test_environment_overrides_defaults(database_url, monkeypatch):
    monkeypatch.setenv("IDLE_TIMEOUT_MINUTES", "15")
    monkeypatch.setenv("TRUSTED_NETWORKS", "10.1.0.0/16")
    app = make_app(database_url)
    assert app.extensions["beatdesk.security_policy"].idle_timeout.total_seconds() == 900
    assert [str(n) for n in app.extensions["beatdesk.trusted_networks"]] == ["10.1.0.0/16"]


def test_development_generates_and_keeps_a_secret_key(tmp_path, database_url, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"BEATDESK_ENV": "development", "DATABASE_URL": database_url})
    assert first.config["SECRET_KEY"] and not first.config["SESSION_COOKIE_SECURE"]


def test_production_cookies_are_secure(database_url):
    app = create_app({"BEATDESK_ENV": "production", "SECRET_KEY": "k" * 32,
                      "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY, "DATABASE_URL": database_url})
    assert app.config["SESSION_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite only")
    with app.extensions["beatdesk.engine"].connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_no_inline_script_in_pages(client, login_as):
    login_as(Role.ADMIN)
    for path in ("/login", "/console/", "/console/admin/users", "/console/districts/"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " on" + "click=" not in page


@pytest.mark.parametrize("status,path,method", [(404, "/no-such-page", "GET"),
                                                (405, "/logout", "GET")])
def test_friendly_error_pages(client, status, path, method):
    response = client.open(path, method=method)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert "Traceback" not in page and "Go to the start page" in page


def test_request_too_large_gets_413(database_url):
    app = make_app(database_url, MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post("/login", data={"login_id": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "larger than this site accepts" in response.get_data(as_text=True)


def test_server_error_page_hides_details(database_url):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page and "secret internals" not in page


def test_user_supplied_text_is_escaped(client, factory, login_as):
    factory.user(Role.RECORDS, full_name="<script>alert(1)</script>")
    login_as(Role.ADMIN)
    page = client.get("/console/admin/users").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_lost_race_on_a_unique_value_is_a_409_and_saves_nothing(client, login_as, db_session,
                                                                   monkeypatch):
    """If another request takes the same log-on ID between the check and the insert."""
    login_as(Role.ADMIN)
    monkeypatch.setattr(accounts, "_validate", lambda *args: None)  # lose the race on purpose
    existing = db_session.scalar(select(User))
    before = db_session.scalar(select(func.count(User.id)))
    response = client.post("/console/admin/users/new", data={
        "full_name": "Twin", "employee_number": "X-1", "login_id": existing.login_id,
        "email": "twin@pd.example", "role": "records", "password": "Strong-pass-88"})
    assert response.status_code == 409
    assert "Someone else changed the same record" in response.get_data(as_text=True)
    db_session.rollback()
    assert db_session.scalar(select(func.count(User.id))) == before

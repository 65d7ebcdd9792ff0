"""Fixtures for the browser tests: a live server on a real port and headless Chromium.

Each test gets its own migrated database (the ``database_url`` fixture), its own server thread
with CSRF protection on, and its own browser context (fresh cookies). Chromium is launched once
per run from the system install; Playwright's bundled browsers are not used.
"""
import os
import re
import threading
from dataclasses import dataclass

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from ..conftest import PASSWORD, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
TIMEOUT_MS = 10_000  # a local server answers in milliseconds; fail fast when something is wrong
# Assertions wait as long as actions do (CI runs two suites side by side on two cores).
expect.set_options(timeout=TIMEOUT_MS)


@dataclass
class LiveServer:
    app: Flask
    url: str


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium, shared by every browser test in the run."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        message = (f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
                   "(apt-get install chromium) to run the browser tests.")
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(database_url, tmp_path):
    """The app served over HTTP from a background thread, on a free port of 127.0.0.1."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, SERVER_NAME=None,
                   MEDIA_ROOT=str(tmp_path / "instance" / "media"))
    app.instance_path = str(tmp_path / "instance")
    yield from serve(app)


def serve(app):
    """Serve ``app`` from a background thread on a free port; yields its ``LiveServer``."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.extensions["beatdesk.engine"].dispose()


@pytest.fixture
def page(chromium, live_server):
    """A page in a fresh browser context, pointed at the live server (``page.goto("/login")``).

    The axe tests use this page too, with the app's Content-Security-Policy in force (no
    ``bypass_csp``): ``script-src 'self'`` blocks inline scripts in the page, but axe-core is
    injected through ``page.evaluate`` (the DevTools protocol), which CSP does not govern.
    ``test_login_page_has_no_axe_violations`` checks both halves of that.
    """
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def password_step(page, login_id: str, password: str = PASSWORD) -> None:
    """Open /login, fill the first step by its labels and submit it."""
    page.goto("/login")
    page.get_by_label("Log-on ID", exact=True).fill(login_id)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Continue", exact=True).click()


def code_step(page, code: str) -> None:
    page.get_by_label("6-digit code", exact=True).fill(code)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_in(page, login_id: str, totp_secret: str) -> None:
    """Both factors through the real forms; ends on the dashboard."""
    password_step(page, login_id)
    expect(page).to_have_url(re.compile(r"/login/verify$"))
    code_step(page, pyotp.TOTP(totp_secret).now())
    expect(page).to_have_url(re.compile(r"/console/$"))

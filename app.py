"""Beatdesk's application factory."""
import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from beatdesk.auth import SecurityPolicy
from beatdesk import sealing
from beatdesk.db import normalise_url

ENVIRONMENTS = ("production", "development", "demo", "testing")


class DefaultConfig:
    BEATDESK_ENV = "production"
    SECRET_KEY = None
    DATABASE_URL = None  # default: SQLite in the instance folder
    DEMO_MODE = False
    TRUSTED_NETWORKS = ""  # comma-separated CIDR blocks; empty = any address
    PROXY_COUNT = 0  # reverse proxies in front of the app that set X-Forwarded-*
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = "20 per minute"
    MAX_CONTENT_LENGTH = None  # default: room for four images and the form fields
    MAX_IMAGE_BYTES = 5 * 1024 * 1024  # largest image file a post may carry
    MEDIA_ROOT = None  # default: media/ in the instance folder
    RECORDS_RULES = "IL"  # public records deadlines: a state key (IL, TX) or a RecordsRules
    TIMEZONE = "America/Chicago"  # the department's time zone (date of receipt of a request)
    RELEASE_ROOT = None  # default: releases/ in the instance folder, resolved when used
    ARCHIVE_KEY_FILE = None  # default: archive_signing_key.pem in the instance folder
    LOCKOUT_THRESHOLD = 5
    LOCKOUT_MINUTES = 10
    IDLE_TIMEOUT_MINUTES = 30
    SESSION_MAX_HOURS = 12
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "beatdesk_session"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session (at most 12 hours)
    PAGE_SIZE = 50
    FEED_SIZE = 50  # newest posts an Atom or RSS feed carries
    PUBLIC_CACHE_SECONDS = 2  # how long a process reuses a rendered anonymous public page; 0: off
    ATTENTION_CACHE_SECONDS = 30  # longest a user's unchanged navigation counts are reused; 0: off
    # How often a process reads the archive head to see another instance's change (the bound
    # for a change made elsewhere to reach its cached pages); 0: for every cached answer.
    PUBLIC_CACHE_CHECK_SECONDS = 0.1
    COMMENT_RATE_LIMIT = "5 per minute;30 per hour"  # visitor comments per client address
    COMMENT_POST_RATE_LIMIT = "30 per minute"  # visitor comments per post, from anyone
    TOTP_ISSUER = "Beatdesk"  # the name authenticator apps show next to the code
    INBOUND_POLL_SECONDS = 120  # how often each platform account's replies are read
    INBOUND_LOOKUP_DAYS = 7  # replies captured this recently are checked for edits and deletions
    PLATFORM_CONNECTORS = "local"  # "local": no network (default); "live": the real platforms
    PUBLIC_BASE_URL = ""  # in links sent out; default http://localhost:5000
    OUTBOX_RETRY_BASE_SECONDS = 30  # first back-off of a failed send (doubles, full jitter)
    OUTBOX_RETRY_CAP_SECONDS = 3600  # longest back-off between two tries
    OUTBOX_MAX_ATTEMPTS = 8  # tries before an outbox row is marked failed (dead)
    OUTBOX_LEASE_SECONDS = 300  # how long a claimed row is a worker's before another may take it
    SMTP_HOST = ""  # staff e-mail's mail server; empty: e-mails are written to the log instead
    SMTP_PORT = 25
    SMTP_USERNAME = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = False
    MAIL_FROM = "beatdesk@localhost"  # the sender of staff e-mails
    DIGEST_HOUR = 7  # department time at which the day's notification digests go out


# Environment variables read over the defaults, with their types.
ENV_VARS = {
    "BEATDESK_ENV": str, "SECRET_KEY": str, "DATABASE_URL": str, "DEMO_MODE": bool,
    "TRUSTED_NETWORKS": str, "PROXY_COUNT": int, "RATELIMIT_STORAGE_URI": str,
    "LOGIN_RATE_LIMIT": str, "MAX_CONTENT_LENGTH": int, "LOCKOUT_THRESHOLD": int,
    "LOCKOUT_MINUTES": int, "IDLE_TIMEOUT_MINUTES": int, "SESSION_MAX_HOURS": int,
    "MAX_IMAGE_BYTES": int, "MEDIA_ROOT": str, "PUBLIC_CACHE_SECONDS": int,
    "ATTENTION_CACHE_SECONDS": int,
    "PUBLIC_CACHE_CHECK_SECONDS": float,
    "RECORDS_RULES": str, "TIMEZONE": str, "RELEASE_ROOT": str, "FEED_SIZE": int,
    "PAGE_SIZE": int, "COMMENT_RATE_LIMIT": str, "COMMENT_POST_RATE_LIMIT": str,
    "ARCHIVE_KEY_FILE": str, "ENCRYPTION_KEYS": str,
    "PLATFORM_CONNECTORS": str, "PUBLIC_BASE_URL": str, "OUTBOX_RETRY_BASE_SECONDS": int,
    "OUTBOX_RETRY_CAP_SECONDS": int, "OUTBOX_MAX_ATTEMPTS": int, "OUTBOX_LEASE_SECONDS": int,
    "INBOUND_POLL_SECONDS": int, "INBOUND_LOOKUP_DAYS": int,
    "SMTP_HOST": str, "SMTP_PORT": int, "SMTP_USERNAME": str, "SMTP_PASSWORD": str,
    "SMTP_STARTTLS": bool, "MAIL_FROM": str, "DIGEST_HOUR": int, "DEVICE_ENROL_RATE_LIMIT": str,
}


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, config or {})
    register_input_guards(app)
    bind_extensions(app)
    sealing.check_startup(app.extensions["beatdesk.engine"])  # a wrong ENCRYPTION_KEYS stops here
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_cli(app)
    return app


def load_config(app: Flask, overrides: dict) -> None:
    """Defaults, then environment variables, then the mapping passed in."""
    app.config.from_object(DefaultConfig)
    for name, kind in ENV_VARS.items():
        raw = os.environ.get(name)
        if raw is None or raw == "":
            continue
        if kind is bool:
            app.config[name] = raw.strip().lower() in ("1", "true", "yes", "on")
        elif kind in (int, float):
            try:
                app.config[name] = kind(raw)
            except ValueError as exc:
                what = "a whole number" if kind is int else "a number"
                raise RuntimeError(f"{name} must be {what}, got {raw!r}") from exc
        else:
            app.config[name] = raw
    if os.environ.get("REDIS_URL") and "RATELIMIT_STORAGE_URI" not in os.environ:
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
    app.config.update(overrides)

    env = app.config["BEATDESK_ENV"]
    if env not in ENVIRONMENTS:
        raise RuntimeError(f"BEATDESK_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
    if env == "demo":
        app.config["DEMO_MODE"] = True
    elif env == "production" and app.config["DEMO_MODE"]:
        raise RuntimeError("DEMO_MODE cannot be used in production.")
    if not app.config["SECRET_KEY"]:
        if env == "production":
            raise RuntimeError("SECRET_KEY must be set in production "
                               "(e.g. python -c 'import secrets; print(secrets.token_hex(32))').")
        app.config["SECRET_KEY"] = _instance_secret(app)
    if not app.config.get("ENCRYPTION_KEYS"):
        if env == "production":
            raise RuntimeError("ENCRYPTION_KEYS must be set in production: one or more Fernet "
                               "keys, newest first (flask secrets new-key prints one).")
        app.config["ENCRYPTION_KEYS"] = _instance_encryption_key(app)
    try:
        sealing.configure(app.config["ENCRYPTION_KEYS"])
    except sealing.SealingError as exc:
        raise RuntimeError(str(exc)) from exc
    if not app.config["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'beatdesk.db'}"
    app.config["DATABASE_URL"] = normalise_url(app.config["DATABASE_URL"])
    if not app.config["MEDIA_ROOT"]:
        app.config["MEDIA_ROOT"] = str(Path(app.instance_path) / "media")
    if not app.config["MAX_CONTENT_LENGTH"]:
        app.config["MAX_CONTENT_LENGTH"] = 4 * app.config["MAX_IMAGE_BYTES"] + 1024 * 1024
    app.config["SESSION_COOKIE_SECURE"] = env == "production"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_MAX_HOURS"])
    app.extensions["beatdesk.security_policy"] = SecurityPolicy(
        lockout_threshold=app.config["LOCKOUT_THRESHOLD"],
        lockout_duration=timedelta(minutes=app.config["LOCKOUT_MINUTES"]),
        idle_timeout=timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"]),
        absolute_timeout=timedelta(hours=app.config["SESSION_MAX_HOURS"]),
    )
    app.extensions["beatdesk.trusted_networks"] = _parse_networks(app.config["TRUSTED_NETWORKS"])


def _instance_secret(app: Flask) -> str:
    """Development and demo keep a generated key in the instance folder across restarts."""
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _instance_encryption_key(app: Flask) -> str:
    """Development and demo keep a generated encryption key in the instance folder."""
    path = Path(app.instance_path) / "encryption_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(sealing.new_key())
        path.chmod(0o600)
    return path.read_text().strip()


def _parse_networks(value) -> list:
    if isinstance(value, (list, tuple)):
        items = value
    else:
        items = [part.strip() for part in str(value or "").split(",") if part.strip()]
    try:
        return [ipaddress.ip_network(item, strict=False) for item in items]
    except ValueError as exc:
        raise RuntimeError(f"TRUSTED_NETWORKS has an invalid network: {exc}") from exc


def bind_extensions(app: Flask) -> None:
    from blueprints.database import init_database
    from blueprints.extensions import csrf, limiter, login_manager

    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    init_database(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    # "basic": a session seen from a new address or browser is marked not fresh.
    login_manager.session_protection = "basic"
    limiter.init_app(app)


def register_input_guards(app: Flask) -> None:
    """Bounded ids in addresses and the request guard; before any route is added."""
    from blueprints.input_guards import register

    register(app)


def register_blueprints(app: Flask) -> None:
    from blueprints import BLUEPRINTS
    from blueprints.access import guard_console

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(__import__("blueprints.devices").devices.bp)  # registered devices
    app.register_blueprint(__import__("blueprints.devices").devices.enrol_bp)  # enrolment page
    app.register_blueprint(__import__("blueprints.devices").devices.duty_bp)  # duty hours
    app.register_blueprint(__import__("blueprints.outlets").outlets.bp)  # outlet approvals
    app.register_blueprint(__import__("blueprints.check_waivers").check_waivers.bp)  # permissions
    app.before_request(guard_console)


def register_error_handlers(app: Flask) -> None:
    from blueprints.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from blueprints.templating import register

    register(app)


CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'",
    "frame-ancestors 'none'", "form-action 'self'",
])


def register_security_headers(app: Flask) -> None:
    from flask import request

    from blueprints.access import CONSOLE_BLUEPRINTS

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["BEATDESK_ENV"] == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.blueprint in CONSOLE_BLUEPRINTS:
            response.headers["Cache-Control"] = "no-store"
        return response


def register_cli(app: Flask) -> None:
    from blueprints.cli import register

    register(app)

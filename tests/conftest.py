"""Shared fixtures: an app on a migrated database, a client, factories and ``login_as``.

Tests run on SQLite by default. When ``DATABASE_URL`` names a PostgreSQL database whose name
contains "test", they run there instead (CI does both).
"""
import itertools
import os
import shutil
from datetime import UTC, datetime, timedelta

import pyotp
from jinja2 import BytecodeCache
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import create_app
from beatdesk import clock, schema, sealing
from beatdesk.db import make_engine, normalise_url
from beatdesk.models import (Base, Category, District, ModerationMode, Post, PostRevision,
                             PostState, RepresentativeDesignation, User)
from beatdesk.passwords import hash_password
from beatdesk.roles import DISTRICT_ROLES, Role
from blueprints.extensions import limiter

PASSWORD = "Correct-horse-42"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: Argon2 is slow on purpose
_serial = itertools.count(1)
# One encryption key for the whole run: users made before an app exists are sealed with it.
TEST_ENCRYPTION_KEY = sealing.new_key()
sealing.configure(TEST_ENCRYPTION_KEY)


# PostgreSQL runs migrate once and truncate between tests; rows the migrations seed are kept here
# and restored after each truncation, as SQLite's per-test copy of the template keeps them.
_SEEDED: dict = {}


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql")):
        return None
    url = normalise_url(url)
    if "test" not in (make_url(url).database or ""):
        pytest.exit("DATABASE_URL must name a throwaway database with 'test' in its name; "
                    "the tests empty it.", returncode=2)
    return url


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Migrate once per run: a template SQLite file, or the PostgreSQL test database."""
    pg = postgres_url()
    if pg:
        engine = make_engine(pg)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        schema.upgrade(engine)
        with engine.connect() as conn:  # rows the migrations seed (e.g. default Terms of Service)
            for table in Base.metadata.sorted_tables:
                rows = [dict(r) for r in conn.execute(table.select()).mappings()]
                if rows:
                    _SEEDED[table] = rows
        engine.dispose()
        return pg
    path = tmp_path_factory.mktemp("template") / "beatdesk.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()
    return path


def _truncate_all(url: str) -> None:
    """Empty every table and restart its ids. DELETE with triggers off (replica role) is several
    times faster than TRUNCATE on tables this small, and skips the append-only triggers alike."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(text(f"DELETE FROM {table.name}"))
        sequences = [row[0] for row in conn.execute(text(
            "SELECT quote_ident(sequence_schema) || '.' || quote_ident(sequence_name) "
            "FROM information_schema.sequences WHERE sequence_schema = 'public'"))]
        if sequences:
            conn.execute(text("SELECT " + ", ".join(
                f"setval('{name}', 1, false)" for name in sequences)))
        for table, rows in _SEEDED.items():  # put back what the migrations seeded
            conn.execute(table.insert(), rows)
            if "id" in table.c:
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"))
    engine.dispose()


@pytest.fixture
def database_url(database_template, tmp_path):
    """A clean, migrated database for one test."""
    if isinstance(database_template, str):
        _truncate_all(database_template)
        return database_template
    path = tmp_path / "beatdesk.db"
    shutil.copyfile(database_template, path)
    return f"sqlite:///{path}"


class _MemoryBytecodeCache(BytecodeCache):
    def __init__(self):
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CACHE = _MemoryBytecodeCache()


@pytest.fixture(autouse=True)
def _test_encryption_key():
    """Every test starts with the run's key (a test may configure another one)."""
    sealing.configure(TEST_ENCRYPTION_KEY)


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "BEATDESK_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
        # Rate-limit counters may live in a shared Redis; keep each app's apart.
        "RATELIMIT_KEY_PREFIX": f"beatdesk-test-{next(_serial)}-{os.getpid()}",
    }
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.bytecode_cache = _TEMPLATE_CACHE  # compile each template once per run
    # The limiter is one object that keeps the first app's key prefix; give it this app's, so
    # counters in a shared Redis never carry over between tests whose ids restart at 1.
    limiter._key_prefix = config["RATELIMIT_KEY_PREFIX"]
    return app


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, MEDIA_ROOT=str(tmp_path / "instance" / "media"))
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["beatdesk.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db_session(app):
    """A session of the test's own, outside any app context, so requests keep theirs."""
    session = app.extensions["beatdesk.sessionmaker"]()
    yield session
    session.close()


def reread(session) -> None:
    """Forget what ``session`` loaded, so the next read sees what requests have committed."""
    session.rollback()
    session.expire_all()


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def frozen_clock():
    frozen = FrozenClock(datetime(2026, 11, 20, 15, 0, 0, tzinfo=UTC))
    clock.set_source(frozen)
    yield frozen
    clock.set_source(None)


class Factory:
    """Builds districts and users directly in the database (no audit rows)."""

    def __init__(self, session):
        self.session = session

    def district(self, number: int | None = None, approved: bool = True, **fields) -> District:
        number = number or 100 + next(_serial)
        district = District(
            number=number, name=fields.pop("name", f"District {number}"),
            slug=fields.pop("slug", f"district-{number}"),
            intro_statement=fields.pop("intro_statement", f"News from district {number}."),
            moderation_mode=fields.pop("moderation_mode", ModerationMode.PRE), **fields)
        self.session.add(district)
        self.session.flush()
        if approved:
            approver = self.user(Role.ADMIN)
            district.approved_at = clock.utcnow()
            district.approved_by_id = approver.id
        self.session.commit()
        return district

    def user(self, role: Role, district: District | None = None, *, totp: bool = True,
             **fields) -> User:
        n = next(_serial)
        role = Role(role)
        if role in DISTRICT_ROLES and district is None:
            district = self.district()
        user = User(
            full_name=fields.pop("full_name", f"Test {role.value} {n}"),
            rank=fields.pop("rank", "Police Officer"), star_number=fields.pop("star_number", str(1000 + n)),
            employee_number=fields.pop("employee_number", f"E{n:05d}"),
            login_id=fields.pop("login_id", f"{role.value.replace('_', '')}{n}"),
            email=fields.pop("email", f"user{n}@pd.example"), role=role,
            district_id=district.id if role in DISTRICT_ROLES else None,
            password_hash=_PASSWORD_HASH,
            totp_secret=pyotp.random_base32() if totp else None,
            totp_confirmed_at=clock.utcnow() if totp else None, **fields)
        self.session.add(user)
        self.session.commit()
        return user

    def designate(self, user: User, commander: User | None = None, slot: int = 1):
        commander = commander or self.user(Role.COMMANDER, user.district)
        designation = RepresentativeDesignation(district_id=user.district_id, user_id=user.id,
                                                slot=slot, designated_by_id=commander.id)
        self.session.add(designation)
        self.session.commit()
        return designation

    def post(self, district: District | None = None, *, state: PostState = PostState.PUBLISHED,
             body: str | None = None, category: Category = Category.COMMUNITY_ALERT,
             notable: bool = False, author: User | None = None, approver: User | None = None,
             published_at: datetime | None = None, **fields) -> Post:
        """A post already in ``state``, built directly (no checks, events or audit rows).

        A notable post in approved/scheduled/published state gets its current revision approved
        by ``approver`` (a News Affairs user by default), as the database requires.
        """
        district = district or self.district()
        author = author or self.user(Role.REPRESENTATIVE, district)
        now = clock.utcnow()
        post = Post(district_id=district.id, author_id=author.id, category=category,
                    state=PostState.DRAFT, notable=notable, created_at=now, updated_at=now)
        self.session.add(post)
        self.session.flush()
        revision = PostRevision(post_id=post.id, number=1, category=category,
                                body=body or f"Post {next(_serial)} from {district.name}.",
                                notable_marked=notable, findings=[], created_by_id=author.id,
                                created_at=now)
        self.session.add(revision)
        self.session.flush()
        post.current_revision_id = revision.id
        state = PostState(state)
        if notable and state in (PostState.APPROVED, PostState.SCHEDULED, PostState.PUBLISHED):
            approver = approver or self.user(Role.NEWS_AFFAIRS)
            post.approved_revision_id, post.approved_by_id = revision.id, approver.id
            post.approved_at = now
        if state == PostState.PUBLISHED:
            post.published_at = published_at or now
            post.published_by_id = author.id
        if state == PostState.SCHEDULED:
            post.scheduled_for = fields.pop("scheduled_for", now + timedelta(hours=1))
        if state == PostState.DISCONTINUED:
            post.published_at = published_at or now
            post.discontinued_at, post.discontinued_by_id = now, author.id
            post.discontinue_reason = "Out of date."
        for name, value in fields.items():
            setattr(post, name, value)
        post.state = state
        self.session.commit()
        return post


@pytest.fixture
def factory(db_session):
    return Factory(db_session)


def sign_in(client, user: User) -> None:
    """Put a fully authenticated staff session in the client's cookie."""
    now = clock.utcnow().timestamp()
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
        sess["auth_at"] = now
        sess["last_seen"] = now
        sess.permanent = True


@pytest.fixture
def login_as(client, factory):
    """``login_as(Role.SERGEANT)`` creates a user of that role, signs the client in, returns it."""
    def _login(role: Role, district: District | None = None, **fields) -> User:
        user = factory.user(role, district, **fields)
        sign_in(client, user)
        return user
    return _login


def totp_code(user: User, at: datetime | None = None) -> str:
    return pyotp.TOTP(user.totp_secret).at(at or clock.utcnow())

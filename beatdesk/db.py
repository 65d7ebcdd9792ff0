"""Engine and session construction for SQLite (embedded) and PostgreSQL.

Concurrent writers on SQLite: the database has one write lock. A transaction that begins with a
plain (deferred) BEGIN, reads, and then writes must upgrade to the write lock; when another
connection committed since the read, SQLite refuses the upgrade at once with "database is
locked", and the busy timeout cannot help because waiting would not make the read current.
So a session that will write takes the write lock when its transaction begins (``BEGIN
IMMEDIATE``) and waits for it up to ``BUSY_TIMEOUT_SECONDS``; a session that only reads keeps the
deferred BEGIN, so readers never queue behind writers (WAL lets them read the last commit).
Sessions say which they are with ``make_session_factory(engine, writes=True)`` or
``take_write_lock(session)``. PostgreSQL locks rows, not the database, and ignores the choice.
"""
import sqlite3

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# How long a writer waits for another writer's transaction to end before giving up.
BUSY_TIMEOUT_SECONDS = 15
# The execution option, carried by a session's bind, that makes its transactions BEGIN IMMEDIATE.
WRITE_LOCK_OPTION = "beatdesk_write_lock_at_begin"
# PostgreSQL refusals that mean "others hold what you need; the same work will pass later":
# serialization_failure, deadlock_detected, lock_not_available.
_PG_CONTENTION = frozenset({"40001", "40P01", "55P03"})


def normalise_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` spellings and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)

    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS}, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        # Let SQLAlchemy issue BEGIN itself so transactions behave as on PostgreSQL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):
        # See the module docstring: a writer takes the lock now, while waiting can still help.
        writes = conn.get_execution_options().get(WRITE_LOCK_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def make_session_factory(engine: Engine, *, writes: bool = False) -> sessionmaker[Session]:
    """Sessions on ``engine``; with ``writes``, each transaction takes the write lock at BEGIN."""
    bind = engine.execution_options(**{WRITE_LOCK_OPTION: True}) if writes else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


def take_write_lock(session: Session, writes: bool = True) -> None:
    """From the session's next transaction on, take the write lock at BEGIN (or, with
    ``writes=False``, begin deferred again, for a long read that must not hold other writers up).

    Raises RuntimeError if a transaction is open: what it read may be stale by the time it
    writes, so end it (commit or roll back) first.
    """
    if session.in_transaction():
        raise RuntimeError("end the session's transaction before changing how the next one begins")
    bind = session.get_bind()
    if bind.get_execution_options().get(WRITE_LOCK_OPTION, False) != writes:
        session.bind = bind.execution_options(**{WRITE_LOCK_OPTION: writes})


def takes_write_lock(session: Session) -> bool:
    """Whether the session's transactions begin with the write lock."""
    return bool(session.get_bind().get_execution_options().get(WRITE_LOCK_OPTION, False))


def is_contention(exc: BaseException) -> bool:
    """Whether a database error means other transactions held what this one needed (SQLite busy
    or locked after the busy timeout; a PostgreSQL deadlock, serialization failure or lock not
    available): nothing was saved, and the same request can succeed if tried again."""
    orig = getattr(exc, "orig", exc)
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is None:  # an error raised without a code: the message still says which
            return "locked" in str(orig) or "busy" in str(orig)
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return getattr(orig, "sqlstate", None) in _PG_CONTENTION

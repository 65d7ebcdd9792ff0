"""One SQLAlchemy session per application context (request or CLI command).

A context that will write takes SQLite's write lock when its transaction begins (see
``beatdesk.db``): a POST, PUT, PATCH or DELETE request, a view marked ``@writes``, and a CLI
command. A GET or HEAD request, a view or command marked ``@reads_first`` and any other context
(a test's, a shell's) begin deferred. Work that reads at length before it records a little calls
``begin_writing()`` between the two.
"""
import click
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session

from beatdesk.db import make_engine, make_session_factory, take_write_lock

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def init_database(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["beatdesk.engine"] = engine
    app.extensions["beatdesk.sessionmaker"] = make_session_factory(engine)
    app.extensions["beatdesk.write_sessionmaker"] = make_session_factory(engine, writes=True)
    app.teardown_appcontext(_close_session)


def writes(view):
    """View decorator: a GET that writes (its session takes the write lock at BEGIN)."""
    view.takes_write_lock = True
    return view


def reads_first(view):
    """View or CLI command decorator: a POST or a command that reads at length before it
    records a little; it calls ``begin_writing()`` (or rolls back and ``take_write_lock``)
    between the two, so other writers are not held up while it reads."""
    view.takes_write_lock = False
    return view


def _context_writes() -> bool:
    if has_request_context():
        view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
        marked = getattr(view, "takes_write_lock", None)
        return marked if marked is not None else request.method in WRITE_METHODS
    command = click.get_current_context(silent=True)
    # A test's context, or ``flask shell`` (an idle prompt would hold every writer up): no lock
    # it did not ask for.
    if command is None or command.command.name == "shell":
        return False
    # Operator commands (and the scheduler) read, then write, unless marked ``@reads_first``.
    marked = getattr(command.command.callback, "takes_write_lock", None)
    return marked if marked is not None else True


def db() -> Session:
    """The current context's session, opened on first use."""
    if "db_session" not in g:
        kind = "beatdesk.write_sessionmaker" if _context_writes() else "beatdesk.sessionmaker"
        g.db_session = current_app.extensions[kind]()
    return g.db_session


def begin_writing() -> Session:
    """End the context's transaction (committing what it did) and return its session, whose
    transactions from now on take the write lock at BEGIN."""
    session = db()
    session.commit()
    take_write_lock(session)
    return session


def begin_reading() -> Session:
    """The context's session, its next transaction deferred: for a long read that must not hold
    other writers up. Raises RuntimeError if a transaction is open."""
    session = db()
    take_write_lock(session, False)
    return session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()

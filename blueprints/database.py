"""One SQLAlchemy session per application context (request or CLI command)."""
from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from beatdesk.db import make_engine, make_session_factory


def init_database(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["beatdesk.engine"] = engine
    app.extensions["beatdesk.sessionmaker"] = make_session_factory(engine)
    app.teardown_appcontext(_close_session)


def db() -> Session:
    """The current context's session, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["beatdesk.sessionmaker"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()

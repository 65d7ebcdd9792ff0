"""Acceptance 1: the migrations build exactly the models' schema, and downgrade cleanly."""
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from beatdesk import schema
from beatdesk.db import make_engine
from beatdesk.models import Base

from .conftest import postgres_url


@pytest.fixture
def empty_engine(tmp_path):
    """An empty database: a new SQLite file, or a new PostgreSQL database beside the test one."""
    pg = postgres_url()
    if not pg:
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    name = f"beatdesk_test_migr_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(pg.rsplit("/", 1)[0] + f"/{name}")
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}"'))
    admin.dispose()


def _modelled(name, type_, parent_names):
    """Leave out the per-dialect objects the models don't describe (full-text search indexes)."""
    unmodelled = Base.metadata.info.get("unmodelled", set())
    if type_ == "column":
        return f"{parent_names['table_name']}.{name}" not in unmodelled
    return name not in unmodelled


def _diff(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_name": _modelled})
        return compare_metadata(context, Base.metadata)


def test_upgrade_head_matches_models_and_downgrade_to_base(empty_engine):
    assert inspect(empty_engine).get_table_names() == []

    schema.upgrade(empty_engine)
    assert schema.current_revision(empty_engine) == schema.head_revision(empty_engine)
    assert _diff(empty_engine) == []
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables

    schema.downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}

    # and back up again, as an operator rolling forward after a rollback would
    schema.upgrade(empty_engine)
    assert _diff(empty_engine) == []


def test_audit_table_refuses_update_and_delete(empty_engine):
    """The append-only rule is enforced by the database, not only by the application."""
    schema.upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO audit_events (occurred_at, actor_login, event, object_type, object_id, "
            "outcome, client_addr, details) VALUES (CURRENT_TIMESTAMP, 'x', 'test', '', '', "
            "'success', '', '{}')"))
    for statement in ("UPDATE audit_events SET event = 'tampered'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            with empty_engine.begin() as conn:
                conn.execute(text(statement))
    with empty_engine.connect() as conn:
        assert conn.execute(text("SELECT event FROM audit_events")).scalars().all() == ["test"]

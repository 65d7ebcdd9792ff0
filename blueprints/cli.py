"""Operator commands: ``flask db ...``, ``flask users ...`` and ``flask demo``."""
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.serving import run_simple

from beatdesk import accounts, demo, schema
from beatdesk.accounts import UserData
from beatdesk.auth import find_by_login
from beatdesk.errors import DomainError
from beatdesk.roles import Role
from beatdesk.text import normalise

from .archive.signing import archive_key
from .database import db

db_cli = AppGroup("db", help="Database schema migrations (Alembic).")
users_cli = AppGroup("users", help="Staff accounts.")


def _engine():
    return current_app.extensions["beatdesk.engine"]


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str):
    """Migrate the database up to REVISION (default: head)."""
    schema.upgrade(_engine(), revision)
    click.echo(f"Database at revision {schema.current_revision(_engine())}.")


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str):
    """Migrate down to REVISION (default: one step; 'base' removes every table)."""
    schema.downgrade(_engine(), revision)
    click.echo(f"Database at revision {schema.current_revision(_engine()) or 'base'}.")


@db_cli.command("current")
def db_current():
    """Show the database's revision and the newest one available."""
    click.echo(f"current: {schema.current_revision(_engine()) or 'none'}; "
               f"head: {schema.head_revision(_engine())}")


def _fail(message: str, code: int = 1):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@users_cli.command("create-admin")
@click.option("--login-id", required=True, help="Log-on ID, e.g. jdoe.")
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option("--email", required=True, help="Department e-mail.")
@click.option("--employee-number", required=True)
@click.password_option(help="Prompted for when not given (typed twice).")
def create_admin(login_id, full_name, email, employee_number, password):
    """Create an administrator account (the first one, or another)."""
    try:
        # The same normalisation as the staff form (one definition of text a person enters).
        full_name, login_id, email, employee_number = (
            normalise(value, f"--{option}") for value, option in (
                (full_name, "name"), (login_id, "login-id"), (email, "email"),
                (employee_number, "employee-number")))
    except DomainError as exc:
        _fail(exc.message, 2)
    data = UserData(full_name=full_name, rank="", star_number="", employee_number=employee_number,
                    login_id=login_id, email=email, role=Role.ADMIN, district_id=None)
    try:
        user = accounts.bootstrap_admin(db(), data, password)
        db().commit()
    except DomainError as exc:
        db().rollback()
        _fail(exc.message, 2)
    except SQLAlchemyError as exc:
        db().rollback()
        _fail(f"the database refused the change ({exc.__class__.__name__}); "
              "is it migrated? Run 'flask db upgrade'.")
    click.echo(f"Administrator {user.login_id} created. They will enrol a second factor at "
               "first sign-in.")


@users_cli.command("unlock")
@click.argument("login_id")
def unlock(login_id: str):
    """Lift a lockout from the command line (when no administrator can sign in)."""
    user = find_by_login(db(), login_id)
    if user is None:
        _fail(f"no account with log-on ID {login_id!r}.", 2)
    accounts.unlock_account_from_console(db(), user)
    db().commit()
    click.echo(f"{user.login_id} unlocked.")


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Migrate and fill the database with the demo department; prints the demo logins."""
    schema.upgrade(_engine())
    logins = demo.seed(db(), archive_key(), **_demo_places())
    db().commit()
    _print_logins(logins)


def _demo_places() -> dict:
    """Where the demo stores its images and its release package, and the rules it follows."""
    config = current_app.config
    return {"media_root": config["MEDIA_ROOT"],
            "release_root": config.get("RELEASE_ROOT")
            or os.path.join(current_app.instance_path, "releases"),
            "records_rules": config.get("RECORDS_RULES") or "IL",
            "timezone": config.get("TIMEZONE") or "America/Chicago"}


def _print_logins(logins) -> None:
    click.echo("\nDemo logins (password for all: %s)" % demo.DEMO_PASSWORD)
    for row in logins:
        click.echo(f"  {row.login_id:<16} {row.role.label:<38} {row.district}")
    if current_app.config["DEMO_MODE"]:
        click.echo("Demo mode is on: demo accounts sign in without a second factor.")


@click.command("demo")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def run_demo(host: str, port: int):
    """Migrate, seed the demo department, print the logins and serve on HOST:PORT."""
    if not current_app.config["DEMO_MODE"]:
        _fail("demo needs BEATDESK_ENV=demo (demo accounts skip the second factor only then).")
    schema.upgrade(_engine())
    logins = demo.seed(db(), archive_key(), **_demo_places())
    db().commit()
    _print_logins(logins)
    click.echo(f"\nBeatdesk is running at http://{host}:{port}/ (staff sign-in: "
               f"http://{host}:{port}/login). Press Ctrl+C to stop.\n")
    run_simple(host, port, current_app._get_current_object(), threaded=True)


def register(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(run_demo)
    from .records.commands import records_cli

    app.cli.add_command(records_cli)
    from .outbox.commands import worker_command

    app.cli.add_command(worker_command)
    from .secrets_cli import secrets_cli

    app.cli.add_command(secrets_cli)

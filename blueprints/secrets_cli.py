"""Operator commands for the encryption keys: ``flask secrets new-key | check | rotate``.

Rotating keys: put a new key first in ENCRYPTION_KEYS (keep the old ones after it), restart, run
``flask secrets rotate``, then remove the old keys and restart again.
"""
import sys

import click
from flask.cli import AppGroup

from beatdesk import audit, sealing
from beatdesk.context import SYSTEM

from .database import db

secrets_cli = AppGroup("secrets", help="Encryption keys for secrets at rest (ENCRYPTION_KEYS).")


def _fail(message: str, code: int = 1):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@secrets_cli.command("new-key")
def new_key():
    """Print a new Fernet key (put it first in ENCRYPTION_KEYS)."""
    click.echo(sealing.new_key())


@secrets_cli.command("check")
def check():
    """Open every sealed value; exit 1 if any does not open with ENCRYPTION_KEYS."""
    report = sealing.check(db().connection())
    db().rollback()
    if not report.ok:
        _fail(f"{len(report.unopenable)} of {report.total} sealed value(s) do not open with "
              "ENCRYPTION_KEYS: " + ", ".join(report.unopenable))
    click.echo(f"{report.total} sealed value(s) open; {report.under_old_key} not yet under "
               "the first key" + (" (run 'flask secrets rotate')." if report.under_old_key
                                  else "."))


@secrets_cli.command("rotate")
def rotate():
    """Re-seal every sealed value under the first key of ENCRYPTION_KEYS (audited)."""
    session = db()
    try:
        report = sealing.rotate(session.connection())
    except sealing.SealingError as exc:
        session.rollback()
        _fail(str(exc))
    audit.record_event(session, SYSTEM, "secrets.rotated", object_type="secrets", login="cli",
                       details={"sealed_values": report.total, "resealed": report.resealed})
    session.commit()
    click.echo(f"{report.resealed} of {report.total} sealed value(s) re-sealed under the first "
               "key. Once every process runs with the new key first, the old keys may be "
               "removed from ENCRYPTION_KEYS.")

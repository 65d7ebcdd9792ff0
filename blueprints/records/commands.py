"""``flask records ...``: public records operator commands."""
import shutil
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from beatdesk import records, release
from beatdesk.auth import find_by_login
from beatdesk.context import Actor
from beatdesk.due_dates import rules_for
from beatdesk.errors import DomainError

from ..database import db

records_cli = AppGroup("records", help="Public records requests.")


def _fail(message: str, code: int = 1):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _release_root() -> Path:
    configured = current_app.config.get("RELEASE_ROOT")
    return Path(configured) if configured else Path(current_app.instance_path) / "releases"


@records_cli.command("export")
@click.argument("request_id", type=int)
@click.option("--officer", "login_id", required=True,
              help="Log-on ID of the records officer releasing the records.")
@click.option("--released-to", default="", help="Recipient (default: the requester and contact).")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also copy the package here.")
def export(request_id: int, login_id: str, released_to: str, output: Path | None):
    """Build REQUEST_ID's release package (stored, archived; the request is closed as released).

    Exit codes: 0 done, 2 refused (unknown request or officer, nothing attached, closed).
    """
    session = db()
    user = find_by_login(session, login_id)
    if user is None or not records.can_manage_requests(user):
        _fail(f"{login_id!r} is not an active records officer.", 2)
    try:
        req = records.get_request(session, request_id)
    except DomainError as exc:
        _fail(exc.message, 2)
    recipient = released_to or f"{req.requester_name}, {req.requester_contact}"
    actor = Actor(user=user, client_addr="cli")
    try:
        with click.progressbar(length=release.count_units(session, req),
                               label=f"Building the package of {req.label}",
                               file=sys.stderr) as bar:
            built = release.build_release(session, actor, req, root=_release_root(),
                                          released_to=recipient,
                                          media_root=current_app.config.get("MEDIA_ROOT"),
                                          progress=bar.update)
        session.commit()
    except DomainError as exc:
        session.rollback()
        _fail(exc.message, 2)
    path = release.package_path(_release_root(), built)
    if output:
        shutil.copyfile(path, output)
        path = output
    click.echo(f"{req.label} released ({built.outcome.replace('_', ' ')}): {built.record_count} "
               f"records, {built.redaction_count} redactions.")
    click.echo(f"Package: {path}")
    click.echo(f"SHA-256: {built.package_sha256}")


@records_cli.command("rules")
def show_rules():
    """Show the deadline rules in force (config RECORDS_RULES)."""
    rules = rules_for(current_app.config.get("RECORDS_RULES"))
    counted = "counting the day of receipt" if rules.count_receipt_day else \
        "from the day after receipt"
    click.echo(f"{rules.label} ({rules.statute}): {rules.response_days} business days "
               f"{counted}; extension {rules.extension_days or 'none'}; commercial "
               f"{rules.commercial_days or rules.response_days}; holidays of "
               f"{rules.country}-{rules.subdivision or 'national'}.")

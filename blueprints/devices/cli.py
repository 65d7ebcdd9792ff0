"""``flask devices not-required``: the operator's recovery when nobody can reach the console."""
import click

from beatdesk import devices
from beatdesk.context import Actor

from ..database import db
from . import bp


@bp.cli.command("not-required")
def not_required():
    """Stop requiring registered devices for the console (operator recovery)."""
    changed = devices.set_required(db(), Actor(user=None, client_addr="cli"), False,
                                   operator=True)
    db().commit()
    click.echo("Registered devices are no longer required for the console."
               if changed else "Registered devices were not required; nothing changed.")


@bp.cli.command("list")
def list_devices():
    """Registered devices and pending enrolments, with their state and last use."""
    from beatdesk import clock
    click.echo(f"Required for the console: {'yes' if devices.is_required(db()) else 'no'}")
    for device in devices.list_devices(db()):
        click.echo(f"{device.id}\t{devices.status_text(device)}\t{device.name}\t"
                   f"last seen {clock.iso(device.last_seen_at) or 'never'}")

"""``flask archive verify``: recompute the chain from the command line (cron, or after a restore)."""
import sys

import click

from beatdesk import archive
from beatdesk.audit import record_event
from beatdesk.context import SYSTEM
from beatdesk.models import Outcome

from ..database import db
from . import bp


@bp.cli.command("verify")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Records read per query (memory stays constant whatever the archive's size).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def verify(batch_size: int, quiet: bool):
    """Recompute every record's hashes and links; name each record that no longer matches.

    Exits 0 when the chain is intact, 1 on any mismatch.
    """
    session = db()
    total = archive.chain_length(session)
    if quiet or total == 0:
        report = archive.verify(session, batch_size=batch_size)
    else:
        with click.progressbar(length=total, label="Verifying the archive", file=sys.stderr) as bar:
            report = archive.verify(session, batch_size=batch_size, on_batch=bar.update)
    for problem in report.problems:
        click.echo(f"record {problem.record_id}: {problem.reason}")
    if report.problem_count > len(report.problems):
        click.echo(f"... and {report.problem_count - len(report.problems)} more problems")
    click.echo(report.summary())
    record_event(session, SYSTEM, "archive.verified",
                 outcome=Outcome.SUCCESS if report.ok else Outcome.FAILURE,
                 details=report.as_details())
    session.commit()
    sys.exit(0 if report.ok else 1)

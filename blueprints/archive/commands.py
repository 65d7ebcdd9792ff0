"""``flask archive verify`` and ``flask archive checkpoint``: the chain from the command line
(cron, or after a restore)."""
import json
import sys

import click

from beatdesk import archive, checkpoints
from beatdesk.audit import record_event
from beatdesk.context import SYSTEM
from beatdesk.models import Outcome

from ..database import begin_writing, db, reads_first
from . import bp
from .signing import archive_key, key_path


def _progress(total: int, quiet: bool, label: str, run):
    if quiet or total == 0:
        return run(None)
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        return run(bar.update)


@bp.cli.command("verify")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Records read per query (memory stays constant whatever the archive's size).")
@click.option("--checkpoint", "checkpoint_files", multiple=True,
              type=click.File("rb"),
              help="A checkpoint kept outside (the output of 'flask archive checkpoint' or "
                   "the published /archive/checkpoints.json); may be given several times.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@reads_first
def verify(batch_size: int, checkpoint_files, quiet: bool):
    """Recompute every record's hashes and links, and hold the chain against every signed
    checkpoint; name each record that no longer matches or is missing.

    Exits 0 when the chain is intact, 1 on any mismatch, 2 when a checkpoint file is unreadable.
    """
    kept = []
    for handle in checkpoint_files:
        try:
            kept += checkpoints.parse_documents(handle.read())
        except ValueError as exc:
            click.echo(f"Error: {handle.name}: {exc}", err=True)
            sys.exit(2)
    session = db()
    key = archive_key()
    report = _progress(archive.chain_length(session), quiet, "Verifying the archive",
                       lambda update: checkpoints.verify_anchored(
                           session, key, kept=kept, batch_size=batch_size, on_batch=update))
    session.rollback()  # verification only reads; the audit record and checkpoint then write
    session = begin_writing()
    for problem in report.problems:
        click.echo(f"record {problem.record_id}: {problem.reason}")
    if report.problem_count > len(report.problems):
        click.echo(f"... and {report.problem_count - len(report.problems)} more problems")
    click.echo(report.summary())
    record_event(session, SYSTEM, "archive.verified",
                 outcome=Outcome.SUCCESS if report.ok else Outcome.FAILURE,
                 details=report.as_details())
    if report.ok:  # an intact chain is anchored at once, audit record included
        try:
            made = checkpoints.make_checkpoint(session, key, verified=(report.head_position,
                                                                       report.head_hash))
            click.echo(f"Signed checkpoint {made.id}: record {made.position}.")
        except checkpoints.ChainBroken as exc:  # broken by a record appended since
            click.echo(exc.message)
            report.add(exc.report.head_position, exc.message)
    session.commit()
    sys.exit(0 if report.ok else 1)


@bp.cli.command("checkpoint")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--public-key", is_flag=True, help="Print the public key (PEM) instead.")
def checkpoint(quiet: bool, public_key: bool):
    """Sign a checkpoint of the chain's head and print it as JSON, for an outside party to keep.

    The records added since the last checkpoint are verified first; a broken chain is never
    signed (exit code 1). Run it from cron (e.g. hourly) and keep the output elsewhere.
    """
    key = archive_key()
    if public_key:
        click.echo(key.public_pem, nl=False)
        return
    session = db()
    try:
        made = _progress(archive.chain_length(session), quiet, "Verifying new records",
                         lambda update: checkpoints.make_checkpoint(session, key,
                                                                    on_batch=update))
    except checkpoints.ChainBroken as exc:
        session.rollback()
        for problem in exc.report.problems:
            click.echo(f"record {problem.record_id}: {problem.reason}", err=True)
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    doc = checkpoints.document(made)
    session.commit()
    click.echo(json.dumps(doc, indent=2, sort_keys=True))
    click.echo(f"Checkpoint of record {made.position} signed with key {key.key_id} "
               f"({key_path()}).", err=True)

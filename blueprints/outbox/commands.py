"""``flask worker``: the one background process (outbox, due posts, inbound polling, mail)."""
import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from beatdesk.platforms.worker import Round, Worker


def build_worker(name: str | None = None, batch: int = 10) -> Worker:
    """A worker on the application's database and configuration."""
    return Worker(current_app.extensions["beatdesk.write_sessionmaker"],
                  current_app.extensions["beatdesk.sessionmaker"], current_app.config,
                  name=name, batch=batch)


def _report(result: Round) -> None:
    if result.attempts or result.published or result.held or result.errors:
        click.echo(f"{result.published} published, {result.held} held; outbox: {result.sent} "
                   f"sent, {result.retried} to retry, {result.failed} failed, {result.other} other")
    for error in result.errors:
        click.echo(f"error: {error}", err=True)


@click.command("worker")
@click.option("--once", is_flag=True, help="One round, then exit (for cron).")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds between rounds.")
@click.option("--batch", default=10, show_default=True, type=click.IntRange(1, 500),
              help="Outbox rows claimed at a time.")
@click.option("--name", default=None, help="This worker's name in the outbox (host:pid).")
@with_appcontext
def worker_command(once: bool, interval: float, batch: int, name: str | None):
    """Send the outbox, release due posts, poll the platforms and run staff mail's jobs.

    Exits 0 after --once (1 if a job failed); otherwise runs until SIGTERM or Ctrl+C, finishing
    the row in hand first.
    """
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("beatdesk").setLevel(logging.INFO)  # not every HTTP request a client makes
    worker = build_worker(name, batch)
    if once:
        result = worker.run_once()
        _report(result)
        raise SystemExit(1 if result.errors else 0)
    worker.install_signal_handlers()
    click.echo(f"worker {worker.name} running every {interval:g}s; SIGTERM or Ctrl+C stops it")
    worker.run(interval, _report)
    click.echo(f"worker {worker.name} stopped")

"""``flask posts publish-due``: release scheduled posts whose time has come (cron or worker)."""
import time

import click

from beatdesk import clock, posts
from beatdesk.context import SYSTEM

from ..database import db
from . import bp


def _run_once() -> posts.DueRun:
    session = db()
    try:
        run = posts.publish_due(session, SYSTEM)
        session.commit()
    except Exception:
        session.rollback()
        raise
    for post in run.published:
        click.echo(f"published post {post.id} ({post.district.label})")
    for post in run.held:
        click.echo(f"HELD post {post.id} ({post.district.label}): approval is not current; "
                   "its author and News Affairs see it in their attention list")
    return run


@bp.cli.command("publish-due")
@click.option("--loop", is_flag=True, help="Keep running, checking every --interval seconds.")
@click.option("--interval", default=60, show_default=True, type=click.IntRange(5, 3600),
              help="Seconds between checks with --loop.")
def publish_due(loop: bool, interval: int):
    """Publish scheduled posts that are due; hold those whose approval is no longer valid."""
    while True:
        run = _run_once()
        if not loop:
            click.echo(f"{len(run.published)} published, {len(run.held)} held "
                       f"at {clock.utcnow().isoformat(timespec='seconds')}")
            return
        time.sleep(interval)

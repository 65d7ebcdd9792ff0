"""The loop behind ``flask worker``: release due posts, drain the outbox, poll the platforms
for replies and run staff mail's periodic jobs, over and over (or once, for cron).

One job's failure never ends the loop: it is logged, rolled back, and the next job runs. A
SIGTERM (or Ctrl+C) lets the row in hand finish and record, then stops.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import import_module

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from beatdesk import clock, posts
from beatdesk.context import Actor

from beatdesk.models.platforms import OutboxRow, OutboxState

from . import outbox

log = logging.getLogger("beatdesk.worker")
SCHEDULER = Actor(user=None, client_addr="worker")


@dataclass
class Round:
    """What one pass of the loop did."""

    published: int = 0
    held: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    other: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return self.sent + self.retried + self.failed + self.other


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class Worker:
    """Sessions come from ``write_sessions`` (SQLite: write lock at BEGIN) for claims, records
    and the scheduler, and from ``read_sessions`` for reading a row before its send."""

    def __init__(self, write_sessions: sessionmaker[Session], read_sessions: sessionmaker[Session],
                 config: Mapping, *, name: str | None = None, batch: int = 10,
                 connector_factory: Callable | None = None):
        self.write_sessions = write_sessions
        self.read_sessions = read_sessions
        self.config = config
        self.name = name or default_name()
        self.batch = batch
        self.connector_factory = connector_factory
        self.stopping = threading.Event()

    # --- the jobs ------------------------------------------------------------------------------

    def release_due_posts(self, result: Round) -> None:
        with self.write_sessions() as session:
            try:
                run = posts.publish_due(session, SCHEDULER)
                session.commit()
            except Exception as exc:
                session.rollback()
                self._failed(result, "scheduler", exc)
                return
        result.published += len(run.published)
        result.held += len(run.held)

    def drain_outbox(self, result: Round, max_rows: int | None = None) -> None:
        """Claim and send batches until nothing is due (or ``max_rows`` were tried)."""
        lease = int(self.config.get("OUTBOX_LEASE_SECONDS", 300))
        done = 0
        with self.write_sessions() as writer, self.read_sessions() as reader:
            while not self.stopping.is_set() and (max_rows is None or done < max_rows):
                try:
                    limit = self.batch if max_rows is None else min(self.batch, max_rows - done)
                    ids = outbox.claim(writer, self.name, limit, lease)
                except Exception as exc:
                    self._failed(result, "claim", exc)
                    return
                if not ids:
                    return
                for position, row_id in enumerate(ids):
                    if self.stopping.is_set():
                        # Unsent claims go back at once rather than after the lease.
                        self._release(writer, ids[position:])
                        return
                    try:
                        row = outbox.send_one(reader, writer, row_id, self.name, self.config,
                                              self.connector_factory)
                    except Exception as exc:
                        self._failed(result, f"outbox row {row_id}", exc)
                        continue
                    done += 1
                    self._count(result, row)

    def poll_inbound(self, result: Round) -> None:
        poll_due = getattr(import_module("beatdesk.platforms.inbound"), "poll_due", None)
        if poll_due is None:
            return
        try:
            options = {"connector_for": self.connector_factory} if self.connector_factory else {}
            poll_due(self.write_sessions, self.config, clock.utcnow(), **options)
        except Exception as exc:
            self._failed(result, "inbound polling", exc)

    def staff_mail_jobs(self, result: Round) -> None:
        periodic = getattr(import_module("beatdesk.staff_mail"), "periodic", None)
        if periodic is None:
            return
        with self.write_sessions() as session:
            try:
                periodic(session, clock.utcnow(), self.config)
                session.commit()
            except Exception as exc:
                session.rollback()
                self._failed(result, "staff mail", exc)

    # --- the loop ------------------------------------------------------------------------------

    def run_once(self, max_rows: int | None = None) -> Round:
        result = Round()
        self.release_due_posts(result)
        self.staff_mail_jobs(result)
        self.poll_inbound(result)
        self.drain_outbox(result, max_rows)
        return result

    def run(self, interval: float, on_round: Callable[[Round], None] | None = None) -> None:
        """Run rounds every ``interval`` seconds until ``stop()`` (or SIGTERM)."""
        while not self.stopping.is_set():
            result = self.run_once()
            if on_round is not None:
                on_round(result)
            self.stopping.wait(interval)

    def stop(self, *_args) -> None:
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    # --- helpers -------------------------------------------------------------------------------

    def _release(self, session: Session, ids: list[int]) -> None:
        try:
            session.execute(update(OutboxRow).where(
                OutboxRow.id.in_(ids), OutboxRow.state == OutboxState.SENDING,
                OutboxRow.claimed_by == self.name[:100])
                .values(state=OutboxState.PENDING, lease_until=None,
                        attempts=OutboxRow.attempts - 1)
                .execution_options(synchronize_session=False))
            session.commit()
        except Exception as exc:
            session.rollback()
            log.warning("could not hand back rows %s: %s", ids, exc)

    @staticmethod
    def _count(result: Round, row) -> None:
        S = OutboxState
        if row is None:
            result.other += 1
        elif row.state == S.SENT:
            result.sent += 1
        elif row.state == S.PENDING:
            result.retried += 1
        elif row.state == S.DEAD:
            result.failed += 1
        else:
            result.other += 1

    @staticmethod
    def _failed(result: Round, what: str, exc: BaseException) -> None:
        log.exception("worker: %s failed", what)
        result.errors.append(f"{what}: {exc.__class__.__name__}: {exc}")

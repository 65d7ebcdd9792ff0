"""Concurrent writers: no write path answers 500 because another request is writing.

SQLite lets one connection write at a time. A transaction that starts by reading and then
writes must upgrade its lock, and the upgrade fails at once ("database is locked", the busy
timeout does not help) when another connection committed since it read. So every request that
will write takes the write lock when its transaction begins, and waits for it within the busy
timeout; read-only requests keep a deferred BEGIN so readers never queue behind writers.
"""
from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select, text

from beatdesk import archive, terms
from beatdesk.db import make_engine, make_session_factory, takes_write_lock
from beatdesk.models import (ArchiveRecord, AuditEvent, Comment, CommentState, ModerationAction,
                             ModerationKind, ModerationMode, Post, TermsVersion)
from beatdesk.roles import Role
from blueprints.database import begin_reading, begin_writing, db, reads_first, writes

from .conftest import (PASSWORD, TEST_ENCRYPTION_KEY, Factory, make_app, postgres_url, reread,
                       sign_in)
from .routes.comments import make_comment

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 8
COMMENTS_EACH = 6  # 48 comments: enough to collide often, quick on a busy CI machine
ORDERING_WAIT = 1.0  # seconds a thread waits for a step that, on the fixed code, never comes


def sqlite_only():
    if postgres_url():
        pytest.skip("SQLite's locking; PostgreSQL locks rows, not the database")


# --- unit: a request that writes takes the write lock when its transaction begins ------------

def _comment_count(session) -> int:
    return session.scalar(select(func.count(Comment.id)))


def _audit_count(session) -> int:
    return session.scalar(select(func.count(AuditEvent.id)))


def _add_audit_row(session, action: str) -> None:
    session.add(AuditEvent(event=action, actor_login="test", details={}))


def test_a_writing_request_waits_for_another_writer_instead_of_failing(app):
    """Request A reads, request B writes and commits, then A writes.

    With a deferred BEGIN, B commits while A still holds its read snapshot, and A's write then
    fails at once with "database is locked". With the write lock taken at BEGIN, B waits for A.
    """
    sqlite_only()
    a_has_read, b_finished = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def request_a():
        try:
            # (any POST not marked @reads_first; the comment form now screens before it writes)
            with app.test_request_context("/console/moderation/bulk", method="POST"):
                session = db()
                _audit_count(session)  # the view reads first...
                a_has_read.set()
                b_finished.wait(ORDERING_WAIT)  # (on the fixed code B is waiting for us)
                _add_audit_row(session, "test.a")  # ...then writes
                session.commit()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    def request_b():
        try:
            a_has_read.wait(ORDERING_WAIT * 5)
            with app.test_request_context("/console/moderation/bulk", method="POST"):
                session = db()
                _add_audit_row(session, "test.b")
                session.commit()
        except BaseException as exc:
            errors.append(exc)
        finally:
            b_finished.set()

    threads = [threading.Thread(target=request_a), threading.Thread(target=request_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        actions = db().scalars(select(AuditEvent.event).where(AuditEvent.event.like("test.%")))
        assert sorted(actions) == ["test.a", "test.b"]


def test_a_reading_request_does_not_wait_for_a_writer(app):
    """A GET reads while another request holds the write lock (readers never queue)."""
    sqlite_only()
    with app.test_request_context("/console/moderation/bulk", method="POST"):
        writer = db()
        _add_audit_row(writer, "test.writer")
        writer.flush()  # the write lock is now held until commit
        reader_result: list[int] = []

        def read():
            with app.test_request_context("/", method="GET"):
                reader_result.append(_audit_count(db()))

        thread = threading.Thread(target=read)
        thread.start()
        thread.join()
        writer.commit()
    assert reader_result == [0]  # it saw the last committed state, without waiting


def _forbidden_page(client, factory):
    """A signed-in user opens an administrator's page: refused, and the refusal is audited."""
    sign_in(client, factory.user(Role.REPRESENTATIVE))
    return "/console/admin/users", 403, "access.denied"


def _enrolment_page(client, factory):
    """A user past the password step opens the enrolment page: it stores their new secret."""
    user = factory.user(Role.REPRESENTATIVE, totp=False)
    with client.session_transaction() as sess:
        sess["pending_uid"] = user.id
        sess["pending_at"] = time.time()
    return "/login/enroll", 200, None


@pytest.mark.parametrize("page", [_forbidden_page, _enrolment_page])
def test_a_get_that_writes_waits_for_another_writer(app, client, factory, page):
    """A GET whose page writes (an audited refusal, a new enrolment secret) waits for the write
    lock another request holds, instead of failing with "database is locked"."""
    sqlite_only()
    path, status, event = page(client, factory)
    hold, release = threading.Event(), threading.Event()

    def other_writer():
        with app.test_request_context("/console/moderation/bulk", method="POST"):
            session = db()
            _add_audit_row(session, "test.other")
            session.flush()
            hold.set()
            release.wait(ORDERING_WAIT)
            session.commit()

    thread = threading.Thread(target=other_writer)
    thread.start()
    hold.wait(ORDERING_WAIT * 5)
    response = client.get(path)
    release.set()
    thread.join()
    assert response.status_code == status
    if event:
        with app.app_context():
            assert db().scalar(select(func.count(AuditEvent.id))
                               .where(AuditEvent.event == event)) == 1


def test_which_contexts_take_the_write_lock(app):
    """Writes by method, views and commands may say otherwise; tests and shells never lock."""
    seen: dict[str, bool] = {}

    def probe(name):
        def view():
            seen[name] = takes_write_lock(db())
            return ""
        view.__name__ = f"probe_{name.replace('-', '_')}"
        return view

    app.add_url_rule("/probe", view_func=probe("GET"), methods=["GET"])
    app.add_url_rule("/probe", endpoint="probe_post", view_func=probe("POST"), methods=["POST"])
    app.add_url_rule("/probe-writes", view_func=writes(probe("GET @writes")))
    app.add_url_rule("/probe-reads-first", view_func=reads_first(probe("POST @reads_first")),
                     methods=["POST"])
    app.cli.command("probe-command")(probe("command"))
    app.cli.command("probe-reading-command")(reads_first(probe("command @reads_first")))
    client = app.test_client()
    client.get("/probe")
    client.post("/probe")
    client.get("/probe-writes")
    client.post("/probe-reads-first")
    runner = app.test_cli_runner()
    runner.invoke(args=["probe-command"])
    runner.invoke(args=["probe-reading-command"])
    with app.app_context():
        seen["app context"] = takes_write_lock(db())
        session = begin_writing()
        seen["after begin_writing"] = takes_write_lock(session)
        session.execute(select(1))
        with pytest.raises(RuntimeError):  # its reads could be stale by the time it writes
            begin_reading()
    assert seen == {"GET": False, "POST": True, "GET @writes": True, "POST @reads_first": False,
                    "command": True, "command @reads_first": False, "app context": False,
                    "after begin_writing": True}


# --- every kind of writer at once: comments, moderation, failed sign-ins, refusals, reads ------

ROUNDS = 6


def test_every_kind_of_writer_at_once(app, factory, db_session):
    """Visitors comment, two moderators approve, someone keeps mistyping a password, a signed-in
    user keeps opening a page they may not see (an audited refusal written by a GET), and a
    reader browses, all at once: no request fails, and every change is stored and archived."""
    app.config["LOCKOUT_THRESHOLD"] = 10_000  # the mistyper is never locked out mid-test
    version = terms.current_terms(db_session).number
    db_session.commit()
    district = factory.district(moderation_mode=ModerationMode.POST)
    post = factory.post(district)
    moderators = [factory.user(Role.SERGEANT, district) for _ in range(2)]
    mistyped = factory.user(Role.REPRESENTATIVE, district)
    refused = factory.user(Role.REPRESENTATIVE, district)
    held = [[make_comment(db_session, post, state=CommentState.HELD).id for _ in range(ROUNDS)]
            for _ in moderators]
    statuses: dict[str, list] = {}
    lock = threading.Lock()

    def run(kind: str, step, user=None):
        client = app.test_client()
        if user is not None:
            sign_in(client, user)
        for i in range(ROUNDS):
            try:
                status = step(client, i).status_code
            except Exception as exc:  # noqa: BLE001 (TESTING lets a 500's exception through)
                status = repr(exc)
            with lock:
                statuses.setdefault(kind, []).append(status)

    def comment(client, i):
        return client.post(f"/posts/{post.id}/comments", data={
            "name": "Resident", "email": "", "body": f"Thanks for the update {i}.",
            "accept_terms": "y", "terms_version": str(version), "website": ""})

    def approve(index):
        def step(client, i):
            return client.post(f"/console/moderation/comments/{held[index][i]}/action",
                               data={"action": "approve", "clause": "", "note": "",
                                     "version": "1"})
        return step

    def mistype(client, i):
        return client.post("/login", data={"login_id": mistyped.login_id,
                                           "password": PASSWORD + "x"})

    threads = [threading.Thread(target=run, args=(f"comment{n}", comment)) for n in range(3)]
    threads += [threading.Thread(target=run, args=(f"moderator{n}", approve(n), user))
                for n, user in enumerate(moderators)]
    threads += [threading.Thread(target=run, args=("login", mistype)),
                threading.Thread(target=run, args=("refused",
                                                   lambda c, i: c.get("/console/admin/users"),
                                                   refused)),
                threading.Thread(target=run, args=("reader",
                                                   lambda c, i: c.get(f"/posts/{post.id}")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    expected = {**{f"comment{n}": 303 for n in range(3)},
                **{f"moderator{n}": 303 for n in range(2)},
                "login": 401, "refused": 403, "reader": 200}
    assert statuses == {kind: [status] * ROUNDS for kind, status in expected.items()}
    reread(db_session)
    assert db_session.scalar(select(func.count(Comment.id))) == 2 * ROUNDS + 3 * ROUNDS
    approvals = select(func.count(ModerationAction.id)).where(
        ModerationAction.kind == ModerationKind.APPROVE)
    assert db_session.scalar(approvals) == 2 * ROUNDS
    for event, count in (("login.failure", ROUNDS), ("access.denied", ROUNDS),
                         ("comment.submitted", 3 * ROUNDS)):
        assert db_session.scalar(select(func.count(AuditEvent.id))
                                 .where(AuditEvent.event == event)) == count, event
    report = archive.verify(db_session)
    assert report.ok, report.problems


# --- a lock that stays taken: 503 "busy, try again", never 500 ----------------------------------

@contextmanager
def chain_lock_held(url: str):
    """Another transaction holds what a comment needs (the database's write lock on SQLite, the
    archive chain's lock on PostgreSQL) until the block ends."""
    engine = make_engine(url)
    session = make_session_factory(engine, writes=True)()
    try:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                            {"key": archive.CHAIN_LOCK_KEY})
        else:
            session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the write lock is ours
        yield
    finally:
        session.rollback()
        session.close()
        engine.dispose()


def test_a_writer_that_cannot_get_the_lock_in_time_is_told_to_try_again(database_url, tmp_path,
                                                                          monkeypatch):
    """Past the (bounded) wait, a comment gets 503 with a clear message, its text kept in the
    form, and Retry-After; nothing of it is stored, and it passes once the lock is free."""
    monkeypatch.setattr("beatdesk.db.BUSY_TIMEOUT_SECONDS", 1)
    # PostgreSQL waits for locks without limit unless told otherwise.
    url = database_url + ("?options=-c%20lock_timeout%3D1000" if postgres_url() else "")
    app = make_app(url, MEDIA_ROOT=str(tmp_path / "media"))
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 would show as a 500, as in production
    with app.app_context():
        session = db()
        factory = Factory(session)
        post = factory.post(factory.district(moderation_mode=ModerationMode.POST))
        version = session.scalar(select(func.max(TermsVersion.number))
                                 .where(TermsVersion.published_at.is_not(None)))
    client = app.test_client()
    form = {"name": "Resident", "email": "", "body": "Thanks for the update.",
            "accept_terms": "y", "terms_version": str(version), "website": ""}
    with chain_lock_held(database_url):
        response = client.post(f"/posts/{post.id}/comments", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:2000]
    assert response.headers["Retry-After"] == "5"
    # The post page again, with the reason and the comment as typed, ready to send again.
    assert "yours was not sent" in page and "send it again" in page
    assert "Thanks for the update.</textarea>" in page
    with app.app_context():
        assert _comment_count(db()) == 0
    assert client.post(f"/posts/{post.id}/comments", data=form).status_code == 303
    with app.app_context():
        assert _comment_count(db()) == 1
        comment_id = db().scalar(select(Comment.id))
        sergeant = Factory(db()).user(Role.SERGEANT, db().get(Post, post.id).district)
    # Any other write path: the site's own "busy" page, not "something went wrong".
    sign_in(client, sergeant)
    with chain_lock_held(database_url):
        response = client.post(f"/console/moderation/comments/{comment_id}/action",
                               data={"action": "hide", "clause": "1", "note": "",
                                     "version": "1"})
    assert response.status_code == 503
    assert "Busy, try again" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "5"
    app.extensions["beatdesk.engine"].dispose()


# --- acceptance: 8 visitors commenting at once through a real gunicorn -------------------------

def _free_socket() -> socket.socket:
    """A listening socket on a port the system chose, handed to gunicorn as a file descriptor."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _start_gunicorn(database_url: str, sock: socket.socket, log_path: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update({
        "BEATDESK_ENV": "testing", "SECRET_KEY": "concurrency-test-key",
        # The key the test's users were sealed with: another one is a start-up error.
        "ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "DATABASE_URL": database_url, "RATELIMIT_STORAGE_URI": "memory://",
        # Rate limits are not what this test measures: let every writer through.
        "COMMENT_RATE_LIMIT": "10000 per minute", "COMMENT_POST_RATE_LIMIT": "10000 per minute",
    })
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(log_path, "wb")  # noqa: SIM115 (closed when the server stops)
    return subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--threads", "4", "--worker-class", "gthread",
         "--bind", f"fd://{sock.fileno()}", "--log-level", "warning", "--timeout", "60",
         "--chdir", str(ROOT), "app:create_app()"],
        env=env, pass_fds=(sock.fileno(),), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)


def _wait_until_serving(port: int, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer")


class Visitor:
    """One browser: a keep-alive connection, any cookie it is given and the form's token."""

    def __init__(self, port: int, post_id: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.post_id = post_id
        self.cookie = ""

    def _request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text

    def open_form(self) -> dict:
        status, page = self._request("GET", f"/posts/{self.post_id}")
        assert status == 200, page[:500]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        version = re.search(r'name="terms_version" type="hidden" value="(\d+)"', page)
        assert token and version and not self.cookie  # post pages set no cookie (issue 11)
        return {"csrf_token": token.group(1), "terms_version": version.group(1)}

    def comment(self, form: dict, text: str) -> tuple[int, str]:
        body = urlencode({**form, "name": "Resident", "email": "", "body": text,
                          "accept_terms": "y", "website": ""})
        return self._request("POST", f"/posts/{self.post_id}/comments", body,
                             {"Content-Type": "application/x-www-form-urlencoded",
                              "Origin": f"http://{self.conn.host}:{self.conn.port}"})


def test_eight_visitors_comment_at_once_through_gunicorn(database_url, tmp_path):
    """Acceptance 2: 8 concurrent comment writers, 0 errors, every acknowledged comment stored
    (and archived, with the chain still verifying)."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        factory = Factory(session)
        district = factory.district(moderation_mode=ModerationMode.POST)
        post_id = factory.post(district).id
    sock = _free_socket()
    port = sock.getsockname()[1]
    log_path = tmp_path / "gunicorn.log"
    server = _start_gunicorn(database_url, sock, log_path)
    sock.close()  # gunicorn holds its own copy
    acknowledged: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()
    try:
        _wait_until_serving(port, server)

        def write(writer: int):
            visitor = Visitor(port, post_id)
            try:
                form = visitor.open_form()
                for i in range(COMMENTS_EACH):
                    text = f"Thank you for the update. Visitor {writer} note {i} marker-{writer}-{i}."
                    status, page = visitor.comment(form, text)
                    with lock:
                        if status == 303:
                            acknowledged.append(f"marker-{writer}-{i}")
                        else:
                            title = re.search(r"<title>(.*?)</title>", page, re.S)
                            failures.append(f"{status} {title.group(1) if title else page[:200]}")
            except Exception as exc:  # noqa: BLE001 (a refused connection is a failure too)
                with lock:
                    failures.append(repr(exc))

        threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    log = log_path.read_text(errors="replace")
    assert failures == [], (f"{len(failures)} of {WRITERS * COMMENTS_EACH} failed: "
                            f"{sorted(Counter(failures).items())}\n{log[-3000:]}")
    assert len(acknowledged) == WRITERS * COMMENTS_EACH

    with sessions() as session:
        bodies = session.scalars(select(Comment.body).where(Comment.post_id == post_id)).all()
        stored = [m.group(0) for b in bodies for m in [re.search(r"marker-\d+-\d+", b)] if m]
        assert sorted(stored) == sorted(acknowledged)  # each exactly once
        archived = session.scalar(select(func.count(ArchiveRecord.id))
                                  .where(ArchiveRecord.record_type == "comment"))
        assert archived == len(acknowledged)
        report = archive.verify(session)
        assert report.ok, report.problems
    engine.dispose()

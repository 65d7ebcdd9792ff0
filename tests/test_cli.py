"""Operator commands: clear output and exit codes, nothing half-written on refusal."""
from sqlalchemy import func, select

from beatdesk import checkpoints, demo, published_texts, schema
from beatdesk.models import (ArchiveRecord, AuditEvent, Comment, CommentFlag, District,
                             PublishedTextKind, RepresentativeDesignation, User)
from beatdesk.roles import Role

from .conftest import make_app, reread

ADMIN_ARGS = ["users", "create-admin", "--login-id", "jdoe", "--name", "Jane Doe",
              "--email", "jdoe@pd.example", "--employee-number", "12345"]


def count(db_session, column):
    reread(db_session)
    return db_session.scalar(select(func.count(column)))


def test_create_admin(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=ADMIN_ARGS + ["--password", "Strong-admin-pw-1"])
    assert result.exit_code == 0, result.output
    assert "Administrator jdoe created" in result.output
    user = db_session.scalar(select(User).where(User.login_id == "jdoe"))
    assert user.role is Role.ADMIN and not user.has_second_factor
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.event == "user.created"))
    assert event.actor_login == "cli" and event.object_id == str(user.id)


def test_create_admin_refusals(app, db_session):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=ADMIN_ARGS + ["--password", "password"])
    assert weak.exit_code == 2 and "commonly used passwords" in weak.output
    assert count(db_session, User.id) == 0
    assert runner.invoke(args=ADMIN_ARGS + ["--password", "Strong-admin-pw-1"]).exit_code == 0
    again = runner.invoke(args=ADMIN_ARGS + ["--password", "Strong-admin-pw-1"])
    assert again.exit_code == 2 and "already uses the log-on ID" in again.output
    assert count(db_session, User.id) == 1
    bad_email = runner.invoke(args=["users", "create-admin", "--login-id", "xy2", "--name", "X",
                                    "--email", "nope", "--employee-number", "9",
                                    "--password", "Strong-admin-pw-1"])
    assert bad_email.exit_code == 2 and "valid department e-mail" in bad_email.output


def test_unlock_from_the_command_line(app, factory, db_session):
    user = factory.user(Role.ADMIN, failed_logins=5)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "unlock", user.login_id])
    assert result.exit_code == 0 and "unlocked" in result.output
    reread(db_session)
    assert db_session.get(User, user.id).failed_logins == 0
    missing = runner.invoke(args=["users", "unlock", "nobody"])
    assert missing.exit_code == 2 and "no account" in missing.output


def test_db_current_and_upgrade(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "current"])
    head = schema.head_revision(app.extensions["beatdesk.engine"])
    assert result.exit_code == 0 and f"current: {head}; head: {head}" in result.output
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_seed_demo_creates_every_role_and_is_idempotent(database_url, db_session, tmp_path):
    app = make_app(database_url, BEATDESK_ENV="demo", ARCHIVE_KEY_FILE=str(tmp_path / "key.pem"))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert demo.DEMO_PASSWORD in first.output
    for login in ("admin", "news", "records", "d1.commander", "d7.sergeant", "d12.rep2"):
        assert login in first.output
    users = count(db_session, User.id)
    roles = set(db_session.scalars(select(User.role)))
    assert roles == set(Role)
    assert count(db_session, District.id) >= 3
    # Every district but the one the demo leaves for the administrator to approve.
    assert [d.name for d in db_session.scalars(select(District)) if not d.is_approved] == [
        "Lakeview"]
    assert count(db_session, RepresentativeDesignation.id) == 6  # one of them ended since
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and count(db_session, User.id) == users


def test_the_demo_shows_checked_replies_screening_and_a_signed_checkpoint(database_url,
                                                                          db_session, tmp_path):
    """The demo has work for the sergeant and the moderators, and its archive is anchored."""
    app = make_app(database_url, BEATDESK_ENV="demo", ARCHIVE_KEY_FILE=str(tmp_path / "key.pem"))
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    reread(db_session)
    replies = db_session.scalars(select(Comment).where(Comment.official.is_(True))).all()
    assert len(replies) >= 3
    for district_id in {r.district_id for r in replies}:
        assert [t.kind for t in published_texts.review_queue(db_session, district_id)] == [
            PublishedTextKind.OFFICIAL_REPLY] * sum(r.district_id == district_id
                                                    for r in replies)
    held = db_session.scalars(select(CommentFlag).where(CommentFlag.holds.is_(True))).all()
    assert held, "screening held none of the demo comments"
    checkpoint = checkpoints.latest(db_session)
    assert checkpoint is not None
    assert checkpoint.record_count == count(db_session, ArchiveRecord.id)


def test_demo_command_requires_demo_mode(app):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1 and "BEATDESK_ENV=demo" in result.output

"""The outbox: rows written with the release, claimed safely, sent outside the transaction,
retried with back-off, reconciled before a re-send, withdrawn on discontinuation, and every
attempt and receipt recorded (acceptance 4 and 6; the retry policy)."""
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from beatdesk import posts
from beatdesk.context import Actor
from beatdesk.models import ArchiveRecord, AuditEvent, PostState
from beatdesk.models.platforms import (AttemptOutcome, OutboxAttempt, OutboxKind, OutboxRow,
                                       OutboxState, Platform, PlatformAccount)
from beatdesk.platforms import base, outbox
from beatdesk.platforms.worker import Round, Worker
from beatdesk.roles import Role

from .test_outbox_support import ScriptedPlatform

S, K = OutboxState, OutboxKind


def make_account(factory, district=None, platform=Platform.X, active=True, handle=None):
    from beatdesk import clock
    account = PlatformAccount(platform=platform, district_id=district.id if district else None,
                              handle=handle or f"@pd{platform}{district.id if district else 0}",
                              base_url="", account_ref="", credentials="", active=active,
                              disconnected_at=None if active else clock.utcnow())
    factory.session.add(account)
    factory.session.commit()
    return account


@pytest.fixture
def district(factory):
    return factory.district()


@pytest.fixture
def author(factory, district):
    user = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(user)
    return user


@pytest.fixture
def platform():
    return ScriptedPlatform()


@pytest.fixture
def worker(app, platform):
    def build(name="w1", config=None):
        return Worker(app.extensions["beatdesk.write_sessionmaker"],
                      app.extensions["beatdesk.sessionmaker"], {**app.config, **(config or {})},
                      name=name, connector_factory=platform.connector)
    return build


def publish(session, factory, district, author, body="Road closed on Main Street today."):
    post = factory.post(district, state=PostState.CHECKED, author=author, body=body)
    assert posts.publish(session, Actor(author), post) is None
    session.commit()
    return post


def rows(session, post_id=None, kind=K.POST_CREATE):
    session.rollback()  # a fresh snapshot: workers commit in their own sessions
    session.expire_all()
    query = select(OutboxRow).where(OutboxRow.kind == kind).order_by(OutboxRow.id)
    if post_id is not None:
        query = query.where(OutboxRow.post_id == post_id)
    return session.scalars(query).all()


# --- enqueue -----------------------------------------------------------------------------------

def test_release_queues_one_create_per_active_target_in_the_same_transaction(
        db_session, factory, district, author):
    mine = make_account(factory, district, Platform.X)
    sky = make_account(factory, district, Platform.BLUESKY)
    department = make_account(factory, None, Platform.MASTODON)
    make_account(factory, factory.district(), Platform.X)          # another district's
    make_account(factory, district, Platform.X, active=False, handle="@old")
    post = factory.post(district, state=PostState.CHECKED, author=author)
    posts.publish(db_session, Actor(author), post)
    db_session.rollback()  # a release rolled back leaves no rows
    assert rows(db_session) == []

    post = publish(db_session, factory, district, author)
    created = rows(db_session, post.id)
    assert {r.account_id for r in created} == {mine.id, sky.id, department.id}
    assert all(r.state is S.PENDING and r.revision_id == post.current_revision_id
               for r in created)
    keys = {r.account_id: r.idempotency_key for r in created}
    assert len(set(keys.values())) == 3
    assert len(keys[sky.id]) == 13  # a TID: the record key Bluesky is given
    assert db_session.scalar(select(func.count()).select_from(ArchiveRecord).where(
        ArchiveRecord.record_type == "outbox.queued")) == 1


def test_scheduled_post_is_queued_when_the_worker_releases_it(
        db_session, factory, district, author, worker, frozen_clock, platform):
    make_account(factory, district)
    post = factory.post(district, state=PostState.SCHEDULED, author=author,
                        scheduled_for=frozen_clock.now + timedelta(minutes=5))
    assert worker().run_once().attempts == 0
    frozen_clock.advance(minutes=6)
    result = worker().run_once()
    assert result.published == 1 and result.sent == 1
    assert [p["text"] for p in platform.posts.values()] == [post.current_revision.body]


@pytest.mark.parametrize("approved", [False, True])
def test_notable_post_rows_need_news_affairs_approval_of_the_revision(
        db_session, factory, district, approved):
    """Acceptance 6: the database itself refuses the row."""
    account = make_account(factory, district)
    post = factory.post(district, state=PostState.APPROVED if approved else PostState.CHECKED,
                        notable=True)
    insert = text("INSERT INTO outbox (kind, state, account_id, post_id, revision_id, "
                  "idempotency_key, payload, attempts, max_attempts, available_at, claimed_by, "
                  "last_error, platform_id, platform_url, resolved_note, created_at, updated_at)"
                  " VALUES ('post.create', 'pending', :a, :p, :r, 'k1', '{}', 0, 8, :t, '', '',"
                  " '', '', '', :t, :t)")
    params = {"a": account.id, "p": post.id, "r": post.current_revision_id,
              "t": post.created_at.replace(tzinfo=None)
              if db_session.get_bind().dialect.name == "sqlite" else post.created_at}
    if approved:
        db_session.execute(insert, params)
        db_session.commit()
        assert len(rows(db_session, post.id)) == 1
    else:
        with pytest.raises(DBAPIError, match="not approved"):
            db_session.execute(insert, params)
        db_session.rollback()
        assert rows(db_session, post.id) == []


# --- sending -----------------------------------------------------------------------------------

def test_local_connector_by_default_sends_offline_with_receipts(
        app, db_session, factory, district, author):
    account = make_account(factory, district, Platform.LOCAL)
    post = publish(db_session, factory, district, author)
    w = Worker(app.extensions["beatdesk.write_sessionmaker"],
               app.extensions["beatdesk.sessionmaker"], app.config, name="w")
    assert w.run_once().sent == 1
    row = rows(db_session, post.id)[0]
    assert row.state is S.SENT and row.account_id == account.id
    assert row.platform_id == f"local-{row.idempotency_key}"
    assert row.platform_url == f"http://localhost/posts/{post.id}"
    receipts = db_session.scalars(select(ArchiveRecord.content).where(
        ArchiveRecord.record_type == "post.receipt")).all()
    assert len(receipts) == 1 and row.platform_id in receipts[0]
    assert db_session.scalar(select(func.count()).select_from(ArchiveRecord).where(
        ArchiveRecord.record_type == "outbox.attempt")) == 1
    assert db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event == "outbox.sent")) == 1


def test_text_is_sent_exactly_as_approved_with_the_link(db_session, factory, district, author,
                                                         worker, platform):
    make_account(factory, district)
    post = publish(db_session, factory, district, author, body="Exactly  this,\nno more.")
    worker().run_once()
    (sent,) = platform.posts.values()
    assert sent["text"] == "Exactly  this,\nno more."
    assert sent["link"].endswith(f"/posts/{post.id}") and sent["images"] == ()


def test_transient_error_backs_off_with_jitter_and_then_sends(
        app, db_session, factory, district, author, worker, platform, frozen_clock):
    make_account(factory, district)
    post = publish(db_session, factory, district, author)
    platform.script = ["5xx"]
    result = worker(config={"OUTBOX_RETRY_BASE_SECONDS": 30}).run_once()
    assert result.retried == 1
    (row,) = rows(db_session, post.id)
    assert row.state is S.PENDING and row.attempts == 1 and "503" in row.last_error
    assert frozen_clock.now <= row.available_at <= frozen_clock.now + timedelta(seconds=30)
    assert worker().run_once().attempts in (0, 1)  # not due before its time (unless jitter 0)
    frozen_clock.advance(seconds=31)
    worker().run_once()
    (row,) = rows(db_session, post.id)
    assert row.state is S.SENT
    outcomes = [a.outcome for a in db_session.scalars(select(OutboxAttempt).where(
        OutboxAttempt.outbox_id == row.id).order_by(OutboxAttempt.id))]
    assert outcomes == [AttemptOutcome.RETRY, AttemptOutcome.SENT]
    assert len(platform.posts) == 1


@settings(max_examples=40, deadline=None)
@given(attempt=st.integers(1, 30), base_s=st.integers(1, 120), cap=st.integers(1, 7200))
def test_backoff_is_full_jitter_below_the_capped_exponential(attempt, base_s, cap):
    delay = outbox.backoff_seconds(attempt, base_s, cap)
    assert 0 <= delay <= min(cap, base_s * 2 ** (attempt - 1))


def test_rate_limit_waits_for_the_platform_reset(db_session, factory, district, author, worker,
                                                  platform, frozen_clock):
    make_account(factory, district)
    post = publish(db_session, factory, district, author)
    platform.script = ["429"]
    platform.reset_at = frozen_clock.now + timedelta(minutes=15)
    worker().run_once()
    (row,) = rows(db_session, post.id)
    assert row.state is S.PENDING
    assert platform.reset_at <= row.available_at <= platform.reset_at + timedelta(seconds=5)
    attempt = db_session.scalars(select(OutboxAttempt).where(
        OutboxAttempt.outbox_id == row.id)).one()
    assert attempt.outcome is AttemptOutcome.RATE_LIMITED and attempt.status_code == 429


def test_permanent_error_dies_at_once_and_tells_the_author(
        db_session, factory, district, author, worker, platform, monkeypatch):
    told = []
    import beatdesk.staff_mail
    monkeypatch.setattr(beatdesk.staff_mail, "notify_send_failed",
                        lambda session, row: told.append(row.id), raising=False)
    make_account(factory, district)
    post = publish(db_session, factory, district, author)
    platform.script = ["permanent"]
    worker().run_once()
    (row,) = rows(db_session, post.id)
    assert row.state is S.DEAD and "401" in row.last_error and told == [row.id]


def test_too_many_transient_failures_make_the_row_dead(db_session, factory, district, author,
                                                      worker, platform, frozen_clock):
    make_account(factory, district)
    post = publish(db_session, factory, district, author)
    db_session.execute(OutboxRow.__table__.update().values(max_attempts=2))
    db_session.commit()
    platform.script = ["5xx", "5xx"]
    worker().run_once()
    frozen_clock.advance(hours=2)
    worker().run_once()
    (row,) = rows(db_session, post.id)
    assert row.state is S.DEAD and row.attempts == 2
    assert [a.outcome for a in db_session.scalars(select(OutboxAttempt).where(
        OutboxAttempt.outbox_id == row.id).order_by(OutboxAttempt.id))] == [
        AttemptOutcome.RETRY, AttemptOutcome.DEAD]


def test_lost_answer_is_reconciled_not_sent_again(db_session, factory, district, author,
                                                  worker, platform, frozen_clock):
    make_account(factory, district)
    post = publish(db_session, factory, district, author)
    platform.script = ["lost"]
    worker().run_once()
    frozen_clock.advance(hours=2)
    worker().run_once()
    (row,) = rows(db_session, post.id)
    assert row.state is S.SENT and len(platform.posts) == 1
    assert row.platform_id == next(iter(platform.posts))
    assert db_session.scalars(select(OutboxAttempt.outcome).where(
        OutboxAttempt.outbox_id == row.id).order_by(OutboxAttempt.id)).all() == [
        AttemptOutcome.RETRY, AttemptOutcome.RECONCILED]


@pytest.mark.parametrize("earlier", [True, False])
def test_duplicate_content_is_looked_up(db_session, factory, district, author, worker, platform,
                                        earlier):
    account = make_account(factory, district)
    post = publish(db_session, factory, district, author)
    (row,) = rows(db_session, post.id)
    if earlier:  # the platform already has it (from an attempt nobody recorded)
        platform.posts["77"] = {"key": row.idempotency_key, "text": "", "account": account.id}
    platform.script = ["duplicate"]
    worker().run_once()
    (row,) = rows(db_session, post.id)
    if earlier:
        assert row.state is S.SENT and row.platform_id == "77"
    else:
        assert row.state is S.DEAD and "duplicate" in row.last_error


def test_a_killed_workers_lease_runs_out_and_another_reconciles(
        app, db_session, factory, district, author, worker, platform, frozen_clock):
    make_account(factory, district)
    post = publish(db_session, factory, district, author)
    with app.extensions["beatdesk.write_sessionmaker"]() as session:
        assert len(outbox.claim(session, "dead-worker", lease_seconds=60)) == 1
    platform.posts["5"] = {"key": rows(db_session)[0].idempotency_key, "text": "",
                           "account": rows(db_session)[0].account_id}
    assert worker().run_once().attempts == 0  # leased: nobody else takes it
    frozen_clock.advance(seconds=61)
    worker().run_once()
    (row,) = rows(db_session, post.id)
    assert row.state is S.SENT and row.platform_id == "5" and row.attempts == 2
    assert len(platform.posts) == 1


def test_claims_never_overlap(app, db_session, factory, district, author):
    for _ in range(3):
        make_account(factory, None, handle=f"@dept{_}")
    publish(db_session, factory, district, author)
    with app.extensions["beatdesk.write_sessionmaker"]() as one, \
            app.extensions["beatdesk.write_sessionmaker"]() as two:
        first = outbox.claim(one, "one", limit=2)
        second = outbox.claim(two, "two", limit=5)
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)


def test_other_kinds_reach_their_connector_call(db_session, factory, district, worker, platform):
    account = make_account(factory, district)
    outbox.enqueue(db_session, K.REPLY_HIDE, account_id=account.id,
                   payload={"platform_id": "r1", "root": "p1"})
    outbox.enqueue(db_session, K.REPLY_UNHIDE, account_id=account.id,
                   payload={"platform_id": "r1", "root": "p1"})
    outbox.enqueue(db_session, K.AUTHOR_BLOCK, account_id=account.id,
                   payload={"author_ref": "u9"})
    report = outbox.enqueue(db_session, K.AUTHOR_REPORT, account_id=account.id,
                            payload={"author_ref": "u9", "platform_ids": ["r1"]})
    db_session.commit()
    worker().run_once()
    assert platform.hidden == [("r1", "p1", True), ("r1", "p1", False), ("block", "u9")]
    db_session.rollback()
    db_session.expire_all()
    assert db_session.get(OutboxRow, report.id).state is S.DEAD  # NotSupported is permanent


def test_email_rows_go_to_staff_mail(db_session, factory, worker, monkeypatch):
    import beatdesk.staff_mail
    delivered = []
    monkeypatch.setattr(beatdesk.staff_mail, "deliver",
                        lambda row, config: delivered.append(row.user.email), raising=False)
    user = factory.user(Role.NEWS_AFFAIRS)
    outbox.enqueue(db_session, K.EMAIL, user_id=user.id, payload={"subject": "x"})
    db_session.commit()
    worker().run_once()
    assert delivered == [user.email]
    assert rows(db_session, kind=K.EMAIL)[0].state is S.SENT


# --- discontinuation (acceptance 4) ------------------------------------------------------------

def test_discontinued_post_is_deleted_where_it_reached_and_never_sent_elsewhere(
        db_session, factory, district, author, worker, platform, frozen_clock):
    a = make_account(factory, district, handle="@a")
    b = make_account(factory, district, handle="@b")
    c = make_account(factory, district, handle="@c")
    post = publish(db_session, factory, district, author)
    platform.script = ["ok", "lost"]
    worker().drain_outbox(Round(), max_rows=2)
    by_account = {r.account_id: r for r in rows(db_session, post.id)}
    assert by_account[a.id].state is S.SENT
    assert by_account[b.id].state is S.PENDING and by_account[b.id].attempts == 1
    assert by_account[c.id].state is S.PENDING and by_account[c.id].attempts == 0

    sergeant = factory.user(Role.SERGEANT, district)
    posts.discontinue(db_session, Actor(sergeant), db_session.get(type(post), post.id), "Wrong.")
    db_session.commit()
    by_account = {r.account_id: r for r in rows(db_session, post.id)}
    assert by_account[c.id].state is S.CANCELLED
    deletes = rows(db_session, post.id, K.POST_DELETE)
    assert {d.depends_on_id for d in deletes} == {by_account[a.id].id, by_account[b.id].id}

    worker().run_once()  # b's create waits for its back-off, so its delete waits too
    assert platform.deleted == [by_account[a.id].platform_id]
    frozen_clock.advance(hours=2)
    worker().run_once()
    db_session.rollback()
    db_session.expire_all()
    b_create = db_session.get(OutboxRow, by_account[b.id].id)
    assert b_create.state is S.SENT  # reconciled: found, not sent again
    assert sorted(platform.deleted) == sorted([by_account[a.id].platform_id,
                                               b_create.platform_id])
    assert all(d.state is S.SENT for d in rows(db_session, post.id, K.POST_DELETE))
    assert set(platform.creates.values()) == {1} and len(platform.creates) == 2
    assert by_account[c.id].idempotency_key not in platform.creates


def test_delete_of_a_create_that_never_landed_is_cancelled(
        db_session, factory, district, author, worker, platform, frozen_clock):
    make_account(factory, district)
    post = publish(db_session, factory, district, author)
    platform.script = ["5xx"]
    worker().run_once()
    sergeant = factory.user(Role.SERGEANT, district)
    posts.discontinue(db_session, Actor(sergeant), db_session.get(type(post), post.id), "No.")
    db_session.commit()
    db_session.execute(OutboxRow.__table__.update().where(OutboxRow.kind == "post.create")
                       .values(state="dead"))
    db_session.commit()
    worker().run_once()
    (delete,) = rows(db_session, post.id, K.POST_DELETE)
    assert delete.state is S.CANCELLED and "never reached" in delete.last_error
    assert platform.deleted == []


# --- people act on dead rows -------------------------------------------------------------------

def _dead(db_session, factory, district, author, worker, platform):
    make_account(factory, district)
    post = publish(db_session, factory, district, author)
    platform.script = ["permanent"]
    worker().run_once()
    return rows(db_session, post.id)[0]


def test_dead_rows_page_shows_errors_to_admins_and_news_affairs(
        client, login_as, db_session, factory, district, author, worker, platform):
    row = _dead(db_session, factory, district, author, worker, platform)
    for role, status in [(Role.REPRESENTATIVE, 403), (Role.SERGEANT, 403), (Role.RECORDS, 403),
                         (Role.NEWS_AFFAIRS, 200), (Role.ADMIN, 200)]:
        login_as(role, district if role in (Role.REPRESENTATIVE, Role.SERGEANT) else None)
        response = client.get("/console/outbox")
        assert response.status_code == status, role
    page = response.get_data(as_text=True)
    assert "401 Unauthorized" in page and f"outbox-{row.id}" in page


def test_retry_and_resolve_are_audited_and_archived(
        client, login_as, db_session, factory, district, author, worker, platform):
    row = _dead(db_session, factory, district, author, worker, platform)
    login_as(Role.NEWS_AFFAIRS)
    response = client.post(f"/console/outbox/{row.id}/retry")
    assert response.status_code == 303 and response.headers["Location"].endswith("/console/outbox")
    db_session.rollback()
    db_session.expire_all()
    assert db_session.get(OutboxRow, row.id).state is S.PENDING
    assert client.post(f"/console/outbox/{row.id}/retry").status_code == 409  # not dead now
    platform.script = ["permanent"]
    worker().run_once()  # and it fails again
    response = client.post(f"/console/outbox/{row.id}/resolve", data={"note": "  "})
    assert response.status_code == 400 and "Say what was done" in response.get_data(as_text=True)
    response = client.post(f"/console/outbox/{row.id}/resolve",
                           data={"note": "Posted by hand on X."})
    assert response.status_code == 303
    db_session.rollback()
    db_session.expire_all()
    resolved = db_session.get(OutboxRow, row.id)
    assert resolved.state is S.RESOLVED and resolved.resolved_note == "Posted by hand on X."
    events = set(db_session.scalars(select(AuditEvent.event)))
    assert {"outbox.retried", "outbox.resolved"} <= events
    types = set(db_session.scalars(select(ArchiveRecord.record_type)))
    assert {"outbox.retried", "outbox.resolved"} <= types
    assert client.post("/console/outbox/999999/retry").status_code == 404


def test_receipts_on_the_post_page(client, login_as, db_session, factory, district, author,
                                   worker, platform):
    make_account(factory, district, handle="@sent")
    make_account(factory, district, handle="@failing")
    post = publish(db_session, factory, district, author)
    platform.script = ["ok", "permanent"]
    worker().run_once()
    login_as(Role.SERGEANT, district)
    page = client.get(f"/console/posts/{post.id}").get_data(as_text=True)
    assert "@sent" in page and "Sent" in page and "https://x.test/s/" in page
    assert "@failing" in page and "Failed" in page and "401 Unauthorized" in page


def test_a_post_queued_for_an_account_disconnected_since_is_cancelled(
        db_session, factory, district, author, worker, platform):
    account = make_account(factory, district)
    post = publish(db_session, factory, district, author)
    from beatdesk import clock
    account = db_session.get(PlatformAccount, account.id)
    account.active, account.disconnected_at = False, clock.utcnow()
    db_session.commit()
    worker().run_once()
    (row,) = rows(db_session, post.id)
    assert row.state is S.CANCELLED and "disconnected" in row.last_error
    assert platform.posts == {}


def _stored_image(app, factory, post, alt: str, colour: str, position: int):
    import io
    from pathlib import Path

    from PIL import Image

    from beatdesk.media import MediaStore, process_image
    from beatdesk.models import MediaAsset, RevisionImage
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    image = process_image(buffer.getvalue(), f"{colour}.png", max_bytes=10**6)
    key = MediaStore(Path(app.config["MEDIA_ROOT"])).save(image)
    asset = MediaAsset(district_id=post.district_id, storage_key=key, mime=image.mime,
                       width=8, height=8, size_bytes=len(image.content), sha256=image.sha256,
                       original_name=f"{colour}.png", uploaded_by_id=post.author_id)
    factory.session.add(asset)
    factory.session.flush()
    factory.session.add(RevisionImage(revision_id=post.current_revision_id, asset_id=asset.id,
                                      position=position, alt_text=alt, attested=True,
                                      credit="Photo: Police Department",
                                      attested_by_id=post.author_id))
    factory.session.commit()
    return image.content


def test_images_go_out_with_their_alt_text_in_order(app, db_session, factory, district, author,
                                                    worker, platform):
    make_account(factory, district)
    post = factory.post(district, state=PostState.CHECKED, author=author)
    first = _stored_image(app, factory, post, "A closed road at Elm Street", "red", 1)
    second = _stored_image(app, factory, post, "The detour signs on Oak Avenue", "blue", 2)
    assert posts.publish(db_session, Actor(author), post) is None
    db_session.commit()
    worker().run_once()
    (sent,) = platform.posts.values()
    assert [(i.data, i.alt_text, i.mime_type) for i in sent["images"]] == [
        (first, "A closed road at Elm Street", "image/png"),
        (second, "The detour signs on Oak Avenue", "image/png")]

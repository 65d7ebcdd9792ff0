"""Issue 10, acceptance 7: staff e-mail through the outbox.

E-mails arrive at a local SMTP server (aiosmtpd on 127.0.0.1) for each trigger, honour each
person's choice (at once, daily digest, off), tell each person about an event once, and a mail
server that is down delays them and loses none.
"""
import socket
from datetime import date, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from beatdesk import clock, posts, staff_mail
from beatdesk.context import SYSTEM, Actor
from beatdesk.models import AuditEvent, Category, Comment, CommentState, Post, PostState
from beatdesk.models.platforms import (Delivery, NotificationKind, NotificationPreference,
                                       OutboxKind, OutboxRow, OutboxState, Platform,
                                       PlatformAccount, StaffNotification)
from beatdesk.models.records import ReceivedVia, RecordsRequest, RequestState
from beatdesk.platforms.base import PermanentError, TransientError
from beatdesk.roles import Role

K = NotificationKind
NOTABLE_BODY = "Officers arrested a man after a shooting near 63rd and Halsted."


# --- a local mail server ---------------------------------------------------------------------

class Mailbox:
    """Collects what the SMTP server accepts; ``answer_data`` / ``refuse_rcpt`` make it fail."""

    def __init__(self):
        self.messages = []
        self.answer_data = None
        self.refuse_rcpt = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.answer_data:
            return self.answer_data
        message = message_from_bytes(envelope.content, policy=policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailServer:
    def __init__(self):
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller = None

    def start(self, **smtp_options):
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port,
                                     **smtp_options)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def config(self):
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_TIMEOUT": 5,
                "MAIL_FROM": "beatdesk@pd.example", "TIMEZONE": "America/Chicago",
                "PUBLIC_BASE_URL": "https://beatdesk.pd.example"}


@pytest.fixture(autouse=True)
def department_settings(app):
    """Notifications are written inside the app (the web app or the worker), whose settings
    give the links' address and the department's time zone."""
    app.config.update(PUBLIC_BASE_URL="https://beatdesk.pd.example", TIMEZONE="America/Chicago")
    with app.app_context():
        yield


@pytest.fixture
def mail_server():
    server = MailServer()
    server.start()
    yield server
    server.stop()


def email_rows(session, user=None, state=None):
    query = select(OutboxRow).where(OutboxRow.kind == OutboxKind.EMAIL).order_by(OutboxRow.id)
    if user is not None:
        query = query.where(OutboxRow.user_id == user.id)
    if state is not None:
        query = query.where(OutboxRow.state == state)
    return list(session.scalars(query))


def send_pending(session, config) -> int:
    """Deliver every pending e-mail row and mark it sent (the outbox's send loop, in short)."""
    sent = 0
    for row in email_rows(session, state=OutboxState.PENDING):
        receipt = staff_mail.deliver(row, config)
        row.state, row.sent_at, row.platform_id = OutboxState.SENT, clock.utcnow(), \
            receipt.platform_id
        sent += 1
    session.commit()
    return sent


def body_of(message) -> str:
    return message.get_content()


def prefer(session, user, kind, delivery):
    staff_mail.set_preferences(session, Actor(user), {kind.value: delivery.value})
    session.commit()


# --- people ----------------------------------------------------------------------------------

@pytest.fixture
def district(factory):
    return factory.district(number=7, name="District 7")


@pytest.fixture
def author(factory, district):
    user = factory.user(Role.REPRESENTATIVE, district, email="author@pd.example")
    factory.designate(user)
    return user


@pytest.fixture
def news(factory):
    return factory.user(Role.NEWS_AFFAIRS, email="news@pd.example")


def write(session, author, district, body, notable=False):
    post = posts.create_post(session, Actor(author), district, posts.PostData(
        category=Category.COMMUNITY_ALERT, body=body, notable_marked=notable))
    session.commit()
    return post


# --- triggers ----------------------------------------------------------------------------------

def test_news_affairs_is_told_when_a_notable_post_waits(db_session, factory, district, author,
                                                        news, mail_server, frozen_clock):
    other = factory.user(Role.NEWS_AFFAIRS, email="news2@pd.example")
    factory.user(Role.NEWS_AFFAIRS, email="gone@pd.example", active=False)
    records = factory.user(Role.RECORDS, email="records@pd.example")
    post = write(db_session, author, district, NOTABLE_BODY)
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    assert post.state is PostState.AWAITING_NEWS_AFFAIRS

    assert send_pending(db_session, mail_server.config) == 2
    box = mail_server.mailbox
    assert {m["To"] for m in box.messages} == {news.email, other.email}
    assert box.to("gone@pd.example") == [] and box.to(records.email) == []
    message = box.to(news.email)[0]
    assert message["Subject"] == (f"Beatdesk: Post {post.id} (Community alert, District 7) "
                                  "waits for News Affairs' approval")
    assert message["From"] == "beatdesk@pd.example"
    text = body_of(message)
    assert f"https://beatdesk.pd.example/console/posts/{post.id}\r\n" in text
    assert "https://beatdesk.pd.example/console/notifications" in text
    # A title and links only: never the post's text.
    assert "Halsted" not in text and "shooting" not in text
    # The department's time: 15:00 UTC on 20 November is 09:00 in Chicago.
    assert "Nov 20, 2026, 9:00 AM CST" in text


def test_the_author_is_told_when_a_post_is_returned_approved_held_or_discontinued(
        db_session, factory, district, author, news, mail_server, frozen_clock):
    post = write(db_session, author, district, NOTABLE_BODY)
    posts.submit(db_session, Actor(author), post)
    posts.return_post(db_session, Actor(news), post, "Name the district in the first line.")
    db_session.commit()
    posts.submit(db_session, Actor(author), post)
    posts.approve(db_session, Actor(news), post)
    db_session.commit()
    posts.publish(db_session, Actor(author), post)
    db_session.commit()
    posts.discontinue(db_session, Actor(news), post, "Superseded by the department's release.")
    db_session.commit()

    send_pending(db_session, mail_server.config)
    subjects = [m["Subject"] for m in mail_server.mailbox.to(author.email)]
    prefix = f"Beatdesk: Post {post.id} (Community alert, District 7)"
    assert subjects == [f"{prefix} was returned to you", f"{prefix} was approved by News Affairs",
                        f"{prefix} was discontinued"]
    for message in mail_server.mailbox.to(author.email):
        assert f"https://beatdesk.pd.example/console/posts/{post.id}" in body_of(message)
        # The reviewer's note is not mailed either (it may quote the post).
        assert "first line" not in body_of(message)
    # News Affairs was told twice (two submissions), not about what it did itself.
    assert len(mail_server.mailbox.to(news.email)) == 2


def test_the_author_is_told_when_the_scheduler_holds_a_post(db_session, factory, district,
                                                           author, mail_server, frozen_clock):
    post = factory.post(district, state=PostState.SCHEDULED, author=author, body=NOTABLE_BODY,
                        scheduled_for=frozen_clock.now)
    posts.publish_due(db_session, SYSTEM)
    db_session.commit()
    assert db_session.get(Post, post.id).state is PostState.HELD
    send_pending(db_session, mail_server.config)
    [message] = mail_server.mailbox.to(author.email)
    assert message["Subject"].endswith("was held at its release")


def test_nobody_is_mailed_about_what_they_did_themselves(db_session, factory, district,
                                                         mail_server):
    sergeant = factory.user(Role.SERGEANT, district, email="sgt@pd.example")
    post = factory.post(district, state=PostState.PUBLISHED, author=sergeant)
    posts.discontinue(db_session, Actor(sergeant), post, "Out of date.")
    db_session.commit()
    assert email_rows(db_session) == []
    assert db_session.scalars(select(StaffNotification)).all() == []


def test_the_author_is_told_when_a_post_could_not_be_sent(db_session, factory, district, author,
                                                          mail_server, frozen_clock):
    post = factory.post(district, state=PostState.PUBLISHED, author=author)
    account = PlatformAccount(platform=Platform.MASTODON, district_id=district.id,
                              handle="@district7@social.example")
    db_session.add(account)
    db_session.flush()
    row = OutboxRow(kind=OutboxKind.POST_CREATE, post_id=post.id,
                    revision_id=post.current_revision_id, account_id=account.id,
                    idempotency_key="dead-create-1", state=OutboxState.DEAD,
                    last_error="422 Validation failed")
    db_session.add(row)
    db_session.commit()
    delete = OutboxRow(kind=OutboxKind.POST_DELETE, post_id=post.id, account_id=account.id,
                       idempotency_key="dead-delete-1", state=OutboxState.DEAD, depends_on=row)
    db_session.add(delete)
    db_session.commit()
    staff_mail.notify_send_failed(db_session, row)
    staff_mail.notify_send_failed(db_session, row)  # the same failure tells the author once
    staff_mail.notify_send_failed(db_session, delete)
    db_session.commit()
    send_pending(db_session, mail_server.config)
    first, second = mail_server.mailbox.to(author.email)
    prefix = f"Beatdesk: Post {post.id} (Community alert, District 7)"
    assert first["Subject"] == f"{prefix} could not be sent to Mastodon @district7@social.example"
    assert second["Subject"] == (f"{prefix} could not be deleted from Mastodon "
                                 "@district7@social.example")
    message = first
    assert "422" not in body_of(message)


def test_an_e_mail_row_failing_never_mails_about_itself(db_session, factory, author):
    row = OutboxRow(kind=OutboxKind.EMAIL, user_id=author.id, idempotency_key="mail-1",
                    payload={"to": author.email, "subject": "s", "text": "t"},
                    state=OutboxState.DEAD)
    db_session.add(row)
    db_session.commit()
    staff_mail.notify_send_failed(db_session, row)
    assert db_session.scalars(select(StaffNotification)).all() == []


def _request(session, officer, due_on, received_on=None, state=RequestState.RECEIVED):
    received_on = received_on or min(due_on, date(2026, 11, 2))
    request = RecordsRequest(
        requester_name="Pat Requester", requester_contact="pat@example.org",
        received_via=ReceivedVia.EMAIL, received_at=clock.utcnow() - timedelta(days=20),
        received_on=received_on, description="Posts about the parade.", rules_key="IL",
        state=state, original_due_on=due_on, due_on=due_on, created_by_id=officer.id)
    session.add(request)
    session.commit()
    return request


def test_periodic_tells_sergeants_and_records_officers_once(db_session, factory, district,
                                                            author, mail_server, frozen_clock):
    sergeant = factory.user(Role.SERGEANT, district, email="sgt@pd.example")
    commander = factory.user(Role.COMMANDER, district, email="cmd@pd.example")
    other_district = factory.district(number=8, name="District 8")
    other_sergeant = factory.user(Role.SERGEANT, other_district, email="sgt8@pd.example")
    officer = factory.user(Role.RECORDS, email="records@pd.example")
    # Friday 20 November 2026: two business days ahead is Tuesday the 24th.
    soon = _request(db_session, officer, date(2026, 11, 24))
    late = _request(db_session, officer, date(2026, 11, 19))
    _request(db_session, officer, date(2026, 12, 10))
    _request(db_session, officer, date(2026, 11, 18), state=RequestState.WITHDRAWN)
    published = factory.post(district, state=PostState.PUBLISHED, author=author,
                             published_at=frozen_clock.now - timedelta(days=9))
    for n in range(2):
        db_session.add(Comment(post_id=published.id, district_id=district.id,
                               author_name="Pat", author_email="pat@example.org",
                               body=f"Comment {n}", client_addr="203.0.113.7",
                               state=CommentState.HELD, terms_version=1))
    db_session.commit()

    made = staff_mail.periodic(db_session, frozen_clock.now, config=mail_server.config)
    db_session.commit()
    assert made == 4
    # Each situation notifies once: the next passes find nothing new.
    assert staff_mail.periodic(db_session, frozen_clock.now, config=mail_server.config) == 0
    frozen_clock.advance(hours=2)
    assert staff_mail.periodic(db_session, frozen_clock.now, config=mail_server.config) == 0
    db_session.commit()

    send_pending(db_session, mail_server.config)
    box = mail_server.mailbox
    assert sorted(m["Subject"] for m in box.to(sergeant.email)) == [
        "Beatdesk: 2 comments wait for moderation in District 7",
        "Beatdesk: The review of District 7 is due: 1 published post unreviewed since "
        "Nov 11, 2026, 9:00 AM CST"]
    assert sorted(m["Subject"] for m in box.to(officer.email)) == [
        f"Beatdesk: Records request {soon.id} is due on Tuesday, Nov 24, 2026",
        f"Beatdesk: Records request {late.id} is overdue: it was due on "
        "Thursday, Nov 19, 2026"]
    assert box.to(commander.email) == [] and box.to(other_sergeant.email) == []
    assert "https://beatdesk.pd.example/console/moderation/?state=held" in body_of(
        [m for m in box.to(sergeant.email) if "comments" in m["Subject"]][0])

    # The next day, comments still waiting are a new situation; the same due dates are not.
    frozen_clock.advance(days=1)
    assert staff_mail.periodic(db_session, frozen_clock.now, config=mail_server.config) == 1
    # An extension gives a request a new due date, which is told about again when it nears.
    soon.due_on = date(2026, 11, 25)
    db_session.commit()
    assert staff_mail.periodic(db_session, frozen_clock.now, config=mail_server.config) == 0
    frozen_clock.advance(days=2)  # Monday 23rd: the 25th is two business days ahead
    assert staff_mail.periodic(db_session, frozen_clock.now, config=mail_server.config) == 2
    kinds = sorted(n.kind for n in db_session.scalars(select(StaffNotification).where(
        StaffNotification.created_at == frozen_clock.now)))
    assert kinds == [K.COMMENTS_WAITING, K.REQUEST_DUE_SOON]


# --- preferences -------------------------------------------------------------------------------

def test_off_records_the_event_and_sends_nothing(db_session, district, author, news,
                                                 mail_server, frozen_clock):
    prefer(db_session, news, K.NOTABLE_WAITING, Delivery.OFF)
    post = write(db_session, author, district, NOTABLE_BODY)
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    [notification] = db_session.scalars(select(StaffNotification)).all()
    assert notification.delivery is Delivery.OFF and notification.outbox_id is None
    assert email_rows(db_session) == []
    frozen_clock.advance(days=1)
    staff_mail.periodic(db_session, frozen_clock.now, config=mail_server.config)
    db_session.commit()
    assert send_pending(db_session, mail_server.config) == 0
    assert mail_server.mailbox.messages == []


def test_a_digest_groups_a_day_of_items_into_one_mail(db_session, factory, district, author,
                                                      news, mail_server, frozen_clock):
    prefer(db_session, news, K.NOTABLE_WAITING, Delivery.DIGEST)
    other = factory.user(Role.NEWS_AFFAIRS, email="news2@pd.example")  # wants them at once
    first = write(db_session, author, district, NOTABLE_BODY)
    posts.submit(db_session, Actor(author), first)
    db_session.commit()
    frozen_clock.advance(hours=3)
    second = write(db_session, author, district, "A man was shot near the park on Elm Street.")
    posts.submit(db_session, Actor(author), second)
    db_session.commit()
    assert second.state is PostState.AWAITING_NEWS_AFFAIRS
    assert email_rows(db_session, news) == [] and len(email_rows(db_session, other)) == 2

    # 12:00 Chicago time: today's digest hour (07:00) had passed when they came; they wait.
    config = mail_server.config
    assert staff_mail.send_digests(db_session, frozen_clock.now, config=config) == []
    frozen_clock.now = frozen_clock.now.replace(day=21, hour=12, minute=59)  # 06:59 in Chicago
    assert staff_mail.send_digests(db_session, frozen_clock.now, config=config) == []
    frozen_clock.advance(minutes=2)  # 07:01: the digest goes, once
    staff_mail.periodic(db_session, frozen_clock.now, config=config)
    staff_mail.periodic(db_session, frozen_clock.now, config=config)
    db_session.commit()
    [row] = email_rows(db_session, news)
    items = db_session.scalars(select(StaffNotification).where(
        StaffNotification.user_id == news.id)).all()
    assert [i.outbox_id for i in items] == [row.id, row.id]

    send_pending(db_session, config)
    [message] = mail_server.mailbox.to(news.email)
    assert message["Subject"] == "Beatdesk digest for Saturday, Nov 21, 2026: 2 items"
    text = body_of(message)
    assert f"1. Post {first.id} (Community alert, District 7) waits for News Affairs' approval." \
        in text
    assert f"2. Post {second.id} (Community alert, District 7)" in text
    assert "Noted Nov 20, 2026, 9:00 AM CST." in text
    assert "Noted Nov 20, 2026, 12:00 PM CST." in text
    assert "Elm Street" not in text and "Halsted" not in text
    assert len(mail_server.mailbox.to(other.email)) == 2


def test_digest_hour_is_configurable(db_session, district, author, news, frozen_clock):
    """An item recorded at 09:00 (Chicago) goes in a 10:00 digest the same day, but waits for
    the next day when the digest hour is 08:00; nothing goes before the hour."""
    prefer(db_session, news, K.NOTABLE_WAITING, Delivery.DIGEST)
    post = write(db_session, author, district, NOTABLE_BODY)
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    frozen_clock.advance(hours=2)  # 11:00 in Chicago
    assert staff_mail.send_digests(db_session, frozen_clock.now, config={"DIGEST_HOUR": 12}) == []
    assert staff_mail.send_digests(db_session, frozen_clock.now, config={"DIGEST_HOUR": 8}) == []
    [row] = staff_mail.send_digests(db_session, frozen_clock.now, config={"DIGEST_HOUR": 10})
    assert row.user_id == news.id


def test_each_event_notifies_once_and_inactive_users_get_nothing(db_session, factory, news):
    first = staff_mail.notify(db_session, news, K.NOTABLE_WAITING, "Post 1 waits", "/x", "k-1")
    again = staff_mail.notify(db_session, news, K.NOTABLE_WAITING, "Post 1 waits", "/x", "k-1")
    db_session.commit()
    assert first is not None and again is None
    assert len(email_rows(db_session, news)) == 1
    row = email_rows(db_session, news)[0]
    assert row.payload["to"] == news.email and row.payload["subject"].endswith("Post 1 waits")
    assert len(row.idempotency_key) == 32
    gone = factory.user(Role.NEWS_AFFAIRS, active=False)
    assert staff_mail.notify(db_session, gone, K.NOTABLE_WAITING, "t", "/x", "k-2") is None
    db_session.commit()
    assert email_rows(db_session, gone) == []


def test_preferences_refuse_kinds_the_role_does_not_receive(db_session, factory, news):
    from beatdesk.errors import ValidationFailed
    with pytest.raises(ValidationFailed, match="don't receive"):
        staff_mail.set_preferences(db_session, Actor(news), {"request_overdue": "off"})
    with pytest.raises(ValidationFailed):
        staff_mail.set_preferences(db_session, Actor(news), {"notable_waiting": "weekly"})
    with pytest.raises(ValidationFailed):
        staff_mail.set_preferences(db_session, Actor(news), {"nonsense": "off"})
    assert staff_mail.kinds_for(factory.user(Role.ADMIN)) == ()


# --- delivery ----------------------------------------------------------------------------------

def _mail_row(session, user):
    staff_mail.notify(session, user, K.NOTABLE_WAITING, "Post 9 waits", "/console/posts/9",
                      f"test:{user.id}")
    session.commit()
    return email_rows(session, user)[0]


def test_a_mail_server_that_is_down_delays_mail_and_loses_none(db_session, news, frozen_clock):
    server = MailServer()  # not started: nothing listens on its port
    row = _mail_row(db_session, news)
    with pytest.raises(TransientError, match="could not be reached"):
        staff_mail.deliver(row, server.config)
    server.start()
    try:
        receipt = staff_mail.deliver(row, server.config)
        [message] = server.mailbox.messages
    finally:
        server.stop()
    assert message["To"] == news.email and message.envelope_to == [news.email]
    assert message["Message-ID"] == receipt.platform_id == f"<{row.idempotency_key}@pd.example>"


def test_smtp_4xx_is_retried_and_5xx_is_permanent(db_session, news, mail_server):
    row = _mail_row(db_session, news)
    mail_server.mailbox.answer_data = "451 Try again later"
    with pytest.raises(TransientError) as transient:
        staff_mail.deliver(row, mail_server.config)
    assert transient.value.status == 451
    mail_server.mailbox.answer_data = None
    mail_server.mailbox.refuse_rcpt = "550 No such user here"
    with pytest.raises(PermanentError) as permanent:
        staff_mail.deliver(row, mail_server.config)
    assert permanent.value.status == 550
    mail_server.mailbox.refuse_rcpt = "450 Mailbox busy"
    with pytest.raises(TransientError):
        staff_mail.deliver(row, mail_server.config)
    assert mail_server.mailbox.messages == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_the_server_s_account_is_used_and_a_refused_login_is_permanent(db_session, news):
    from aiosmtpd.smtp import AuthResult

    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"mail-secret", handled=False)

    server = MailServer()
    server.start(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    row = _mail_row(db_session, news)
    try:
        config = {**server.config, "SMTP_USERNAME": "beatdesk", "SMTP_PASSWORD": "wrong"}
        with pytest.raises(PermanentError) as refused:
            staff_mail.deliver(row, config)
        assert refused.value.status == 535
        staff_mail.deliver(row, {**config, "SMTP_PASSWORD": "mail-secret"})
        [message] = server.mailbox.messages
    finally:
        server.stop()
    assert set(logins) == {(b"beatdesk", b"wrong"), (b"beatdesk", b"mail-secret")}
    assert message["To"] == news.email


def test_a_notification_is_part_of_its_event_s_transaction(db_session, district, author, news):
    post = write(db_session, author, district, NOTABLE_BODY)
    posts.submit(db_session, Actor(author), post)
    db_session.rollback()  # the submission did not happen: nobody is told about it
    assert db_session.scalars(select(StaffNotification)).all() == []
    assert email_rows(db_session) == []


def test_without_an_smtp_host_the_mail_is_logged(db_session, news, caplog):
    row = _mail_row(db_session, news)
    with caplog.at_level("INFO", logger="beatdesk.staff_mail"):
        receipt = staff_mail.deliver(row, {})
    assert receipt.platform_id.startswith(f"<{row.idempotency_key}@")
    assert "Post 9 waits" in caplog.text and news.email in caplog.text


def test_a_row_without_a_recipient_is_a_permanent_error(db_session, news):
    row = OutboxRow(kind=OutboxKind.EMAIL, user_id=news.id, idempotency_key="x", payload={})
    with pytest.raises(PermanentError):
        staff_mail.deliver(row, {"SMTP_HOST": "127.0.0.1"})


# --- the settings page -------------------------------------------------------------------------

def test_the_settings_page_lists_the_role_s_kinds_and_saves_choices(client, login_as,
                                                                   db_session):
    sergeant = login_as(Role.SERGEANT)
    page = client.get("/console/notifications")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<fieldset") == len(staff_mail.KINDS_BY_ROLE[Role.SERGEANT])
    assert "<legend>Comments wait for moderation</legend>" in html
    assert "A records request is overdue" not in html
    assert 'aria-describedby="comments_waiting-hint"' in html
    assert "07:00" in html

    choices = {k.value: "immediate" for k in staff_mail.KINDS_BY_ROLE[Role.SERGEANT]}
    choices.update(comments_waiting="digest", post_approved="off")
    response = client.post("/console/notifications", data=choices)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/console/notifications")
    saved = {p.kind: p.delivery for p in db_session.scalars(select(NotificationPreference)
                                                            .where(NotificationPreference
                                                                   .user_id == sergeant.id))}
    assert saved == {K.COMMENTS_WAITING: Delivery.DIGEST, K.POST_APPROVED: Delivery.OFF}
    audit = db_session.scalars(select(AuditEvent).where(
        AuditEvent.event == "notifications.preferences")).one()
    assert audit.actor_id == sergeant.id
    assert audit.details["changes"]["comments_waiting"] == {"from": "immediate", "to": "digest"}
    html = client.get("/console/notifications").get_data(as_text=True)
    checked = [line for line in html.splitlines() if "checked" in line and "radio" in line]
    assert any('name="comments_waiting"' in line and 'value="digest"' in line
               for line in checked)
    assert any('name="post_approved"' in line and 'value="off"' in line for line in checked)


def test_the_settings_page_refuses_bad_choices(client, login_as):
    login_as(Role.RECORDS)
    response = client.post("/console/notifications",
                           data={"request_due_soon": "weekly", "request_overdue": "off"})
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    response = client.post("/console/notifications", data={"request_due_soon": "off"})
    assert response.status_code == 400
    assert "Choose at once, daily digest or off." in response.get_data(as_text=True)


def test_a_role_without_notifications_is_told_so(client, login_as):
    login_as(Role.ADMIN)
    page = client.get("/console/notifications")
    assert "receives no e-mail notifications" in page.get_data(as_text=True)
    assert "<fieldset" not in page.get_data(as_text=True)
    assert client.post("/console/notifications", data={}).status_code == 400


def test_my_account_links_to_the_settings(client, login_as):
    login_as(Role.REPRESENTATIVE)
    assert 'href="/console/notifications"' in client.get("/console/account").get_data(
        as_text=True)


# --- through the outbox worker -----------------------------------------------------------------

def _worker(app, server):
    from beatdesk.platforms.worker import Worker
    return Worker(app.extensions["beatdesk.write_sessionmaker"],
                  app.extensions["beatdesk.sessionmaker"],
                  {**app.config, **server.config, "OUTBOX_RETRY_BASE_SECONDS": 30}, name="mail")


def test_the_worker_retries_mail_while_the_server_is_down_and_delivers_it_once_back(
        app, db_session, district, author, news, frozen_clock):
    server = MailServer()  # down: nothing listens yet
    post = write(db_session, author, district, NOTABLE_BODY)
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    worker = _worker(app, server)
    db_session.rollback()
    assert worker.run_once().retried == 1
    db_session.expire_all()
    [row] = email_rows(db_session, news)
    assert row.state is OutboxState.PENDING and row.attempts == 1
    assert "could not be reached" in row.last_error

    server.start()
    try:
        frozen_clock.advance(seconds=31)  # past the back-off
        db_session.rollback()
        result = worker.run_once()
        assert (result.sent, result.errors) == (1, [])
        db_session.expire_all()
        [row] = email_rows(db_session, news)
        assert row.state is OutboxState.SENT, (row.attempts, row.last_error, row.available_at)
        [message] = server.mailbox.messages
    finally:
        server.stop()
    assert message["To"] == news.email
    assert message["Subject"].endswith("waits for News Affairs' approval")


def test_the_worker_runs_the_periodic_jobs_and_the_digest(app, db_session, factory, district,
                                                          author, mail_server, frozen_clock):
    sergeant = factory.user(Role.SERGEANT, district, email="sgt@pd.example")
    prefer(db_session, sergeant, K.REVIEW_DUE, Delivery.DIGEST)
    post = factory.post(district, state=PostState.PUBLISHED, author=author,
                        published_at=frozen_clock.now - timedelta(days=8))
    db_session.add(Comment(post_id=post.id, district_id=district.id, author_name="Pat",
                           author_email="pat@example.org", body="When is the meeting?",
                           client_addr="203.0.113.7", state=CommentState.HELD,
                           terms_version=1))
    db_session.commit()
    worker = _worker(app, mail_server)
    worker.run_once()
    worker.run_once()
    subjects = [m["Subject"] for m in mail_server.mailbox.to(sergeant.email)]
    assert subjects == ["Beatdesk: 1 comment waits for moderation in District 7"]
    frozen_clock.advance(days=1)  # 09:00 the next day: the digest hour (07:00) has passed
    worker.run_once()
    subjects = [m["Subject"] for m in mail_server.mailbox.to(sergeant.email)]
    assert subjects[1:] == ["Beatdesk: 1 comment waits for moderation in District 7",
                            "Beatdesk digest for Saturday, Nov 21, 2026: 1 item"]

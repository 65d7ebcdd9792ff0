"""The demo department: seeded once, every role's dashboard has something to do and every
console list has rows (acceptance 6 of issue 12)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from beatdesk import clock, demo, districts, notifications, records, release, retention, screening
from beatdesk.due_dates import add_business_days, rules_for
from beatdesk.models import (ArchiveRecord, Comment, CommentState, District, InquiryState,
                             MediaInquiry, Post, PostRevision, PostState, User)
from beatdesk.models.records import RecordsRequest, Release, RequestState
from beatdesk.models.records_portal import PortalAccess
from blueprints.database import db
from blueprints.outbox.commands import build_worker

from .conftest import _truncate_all, make_app, sign_in

# Every representative who posts for a district, and the login that does each other role's
# main job, with what its attention list must show.
ROLE_WORK = {
    "d1.rep1": {"returned", "approved", "held", "discontinued"},
    "d7.rep1": {"approved"},
    "d7.rep2": {"discontinued"},
    "d12.rep1": {"returned"},
    "d12.rep2": {"approved"},
    "d1.sergeant": {"held", "pre_review", "comments", "review", "text_review"},
    "d1.commander": {"places"},
    "news": {"approvals", "held", "overdue", "inquiries"},
    "records": {"requests_overdue", "requests_due_soon"},
    "admin": {"districts", "failed_sends"},
}
# (login, console list, text that only a row of the list shows)
LISTS = [
    ("admin", "/console/admin/audit", "post.published"),
    ("admin", "/console/admin/check-terms", "Friends of Alderman Ruiz"),
    ("admin", "/console/admin/platforms", "DemoPD001"),
    ("admin", "/console/admin/terms", "Version 1"),
    ("admin", "/console/admin/users", "Riley Rep 1"),
    ("admin", "/console/districts/", "Not approved"),
    ("admin", "/console/districts/registry", "d1.rep1@demo-pd.example"),
    ("admin", "/console/outbox", "403 Forbidden"),
    ("admin", "/console/moderation/keywords", "towing scam"),
    ("admin", "/console/archive/retention", "routine media contacts"),
    ("records", "/console/records/", "Maria Lopez"),
    ("records", "/console/records/", "Beat 111 Block Club"),
    ("records", "/console/archive/?text=bike", "helmets"),
    ("records", "/console/archive/dispositions", "Run 1"),
    ("records", "/console/archive/holds", "2026-CV-04127"),
    ("records", "/console/archive/saved", "Removed comments, all districts"),
    ("d1.sergeant", "/console/moderation/", "Held for review"),
    ("d1.sergeant", "/console/moderation/blocks", "Posted the same advertising links"),
    ("d1.sergeant", "/console/moderation/report", "Personal attacks"),
    ("d1.sergeant", "/console/posts/", "Cadet program"),
    ("d1.sergeant", "/console/posts/sergeant", "Published since your last review"),
    ("d1.sergeant", "/console/posts/attention", "Posts held at release"),
    ("d7.sergeant", "/console/inquiries/", "WDCT Channel 5"),
    ("news", "/console/posts/news-affairs", "A shooting near Clark and Lake"),
    ("news", "/console/inquiries/", "Near West Gazette"),
    ("d1.rep1", "/console/posts/attention", "Returned to you"),
]


@pytest.fixture(scope="module")
def demo_app(database_template, tmp_path_factory):
    """One demo department for the module (seeding it is the expensive part)."""
    root = tmp_path_factory.mktemp("demo")
    if isinstance(database_template, str):
        _truncate_all(database_template)
        url = database_template
    else:
        import shutil
        shutil.copyfile(database_template, root / "beatdesk.db")
        url = f"sqlite:///{root / 'beatdesk.db'}"
    app = make_app(url, BEATDESK_ENV="demo", MEDIA_ROOT=str(root / "media"),
                   RELEASE_ROOT=str(root / "releases"))
    app.instance_path = str(root)
    with app.app_context():
        demo.seed(db(), media_root=root / "media", release_root=root / "releases")
        db().commit()
    yield app
    app.extensions["beatdesk.engine"].dispose()


def _district(app, number: int) -> int:
    with app.app_context():
        return db().scalar(select(District.id).where(District.number == number))


def _user(app, login_id: str) -> User:
    with app.app_context():
        user = db().scalar(select(User).where(User.login_id == login_id))
        db().expunge(user)
        return user


@pytest.mark.parametrize("login_id", sorted(ROLE_WORK))
def test_every_role_has_work_waiting(demo_app, login_id):
    with demo_app.app_context():
        user = db().scalar(select(User).where(User.login_id == login_id))
        kinds = {item.kind for item in notifications.attention(db(), user)}
    assert ROLE_WORK[login_id] <= kinds
    client = demo_app.test_client()
    sign_in(client, _user(demo_app, login_id))
    page = client.get("/console/").get_data(as_text=True)
    assert "Nothing needs your attention" not in page
    assert re.search(r'Needs attention <span class="count">[1-9]\d*</span>', page)


@pytest.mark.parametrize("login_id,path,marker", LISTS)
def test_every_console_list_has_rows(demo_app, login_id, path, marker):
    client = demo_app.test_client()
    sign_in(client, _user(demo_app, login_id))
    response = client.get(path)
    assert response.status_code == 200
    assert marker in response.get_data(as_text=True)


def test_dozens_of_posts_with_images_in_every_state(demo_app):
    with demo_app.app_context():
        states = dict(db().execute(select(Post.state, func.count(Post.id))
                                   .group_by(Post.state)).all())
        with_images = dict(db().execute(
            select(Post.state, func.count(Post.id))
            .where(Post.current_revision.has(PostRevision.images.any()))
            .group_by(Post.state)).all())
    assert sum(states.values()) >= 30
    assert with_images[PostState.PUBLISHED] >= 10
    # "checked" is a post between its checks and its next step: the demo has none waiting there
    assert set(with_images) == set(PostState) - {PostState.CHECKED}


def test_comments_in_every_moderation_state_with_official_replies(demo_app):
    with demo_app.app_context():
        states = set(db().scalars(select(Comment.state).where(Comment.official.is_(False))
                                  .distinct()))
        replies = db().scalars(select(Comment).where(Comment.official.is_(True))).all()
    assert states == set(CommentState)
    assert len(replies) >= 4
    assert {reply.district_id for reply in replies} >= {_district(demo_app, n) for n in (1, 7)}


@pytest.mark.parametrize("rule", [rule.code for rule in screening.RULES])
def test_a_comment_held_for_each_screening_reason(demo_app, rule):
    """Each rule has a comment it alone holds, so the queue shows every reason."""
    with demo_app.app_context():
        flagged = [c for c in db().scalars(select(Comment).where(
            Comment.state == CommentState.HELD)) if rule in {f.rule for f in c.flags}]
        assert flagged, f"no held comment for {rule}"
        assert any({f.rule for f in c.flags} == {rule} for c in flagged)


def test_media_inquiries_open_and_answered(demo_app):
    with demo_app.app_context():
        states = [i.state for i in db().scalars(select(MediaInquiry))]
    assert InquiryState.CLOSED in states and states.count(InquiryState.OPEN) >= 3


def test_records_requests_at_every_stage(demo_app):
    with demo_app.app_context():
        states = set(db().scalars(select(RecordsRequest.state)))
    assert states == set(RequestState)


def test_one_request_due_the_next_business_day_and_one_overdue(demo_app):
    rules, zone = rules_for("IL"), demo_app.config.get("TIMEZONE") or "America/Chicago"
    with demo_app.app_context():
        today = records.today_in(zone)
        open_requests = [r for r in db().scalars(select(RecordsRequest)) if r.state.is_open]
        left = sorted(records.business_days_left(r, rules, today) for r in open_requests)
        board = records.dashboard(db(), rules, zone)
    assert add_business_days(today, 1, rules) in {r.due_on for r in open_requests}
    assert 1 in left and left[0] < 0  # due tomorrow (in business days), and overdue
    assert board.overdue and board.due_soon


def test_finished_releases_in_full_and_in_part(demo_app):
    root = demo_app.config["RELEASE_ROOT"]
    with demo_app.app_context():
        made = {r.outcome: r for r in db().scalars(select(Release))}
        assert set(made) == {RequestState.RELEASED_IN_FULL, RequestState.RELEASED_IN_PART}
        for outcome, made_release in made.items():
            request = db().get(RecordsRequest, made_release.request_id)
            assert request.state == outcome and made_release.record_count > 0
            package = release.package_path(root, made_release)
            assert package.stat().st_size == made_release.package_bytes
        assert made[RequestState.RELEASED_IN_PART].redaction_count == 2
        assert made[RequestState.RELEASED_IN_FULL].redaction_count == 0


def test_a_legal_hold_freezes_records(demo_app):
    with demo_app.app_context():
        holds = retention.list_holds(db())
        frozen = db().scalar(select(func.count(ArchiveRecord.id))
                             .where(retention.held_condition(db())))
    assert [h.case_number for h in holds if h.released_at is None] == ["2026-CV-04127"]
    assert frozen > 0


def test_findings_cite_the_departments_directive_by_name(demo_app):
    with demo_app.app_context():
        assert districts.get_department(db()).directive_name == demo.DIRECTIVE_NAME
        clauses = [f["clause"] for revision in db().scalars(select(PostRevision))
                   for f in revision.findings]
    assert clauses and all(c.startswith(demo.DIRECTIVE_NAME) for c in clauses if
                           not c.startswith("WCAG"))


def test_the_sign_in_page_lists_demo_logins_only_in_demo_mode(demo_app):
    page = demo_app.test_client().get("/login").get_data(as_text=True)
    assert "d1.sergeant" in page and demo.DEMO_PASSWORD in page
    other = make_app(demo_app.config["DATABASE_URL"])  # the same accounts, out of demo mode
    try:
        page = other.test_client().get("/login").get_data(as_text=True)
    finally:
        other.extensions["beatdesk.engine"].dispose()
    assert "Demo logins" not in page and demo.DEMO_PASSWORD not in page


def test_the_worker_publishes_the_post_scheduled_a_few_minutes_ahead(demo_app):
    """``bin/demo`` runs the worker: the post due minutes after seeding goes out (last here:
    it changes the demo's data)."""
    with demo_app.app_context():
        soon = db().scalars(select(Post).where(Post.state == PostState.SCHEDULED)
                            .order_by(Post.scheduled_for)).first()
        due = clock.as_utc(soon.scheduled_for)
        assert due - clock.utcnow() <= demo.SCHEDULED_SOON
        post_id = soon.id
        clock.set_source(lambda: due + timedelta(seconds=1))
        try:
            result = build_worker("demo-test").run_once()
        finally:
            clock.set_source(None)
        db().rollback()  # end the read that saw it scheduled
        assert result.published == 1 and not result.errors
        assert db().get(Post, post_id).state == PostState.PUBLISHED



def test_the_reading_room_and_the_portal_have_demo_content(demo_app):
    client = demo_app.test_client()
    room = client.get("/reading-room").get_data(as_text=True)
    assert "Englewood bike safety day" in room and "Jamie Fuller" not in room
    with demo_app.app_context():
        assert db().scalar(select(func.count()).select_from(PortalAccess)) >= 1

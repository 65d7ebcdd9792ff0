"""The demo department: seeded once, every role's dashboard has something to do and every
console list has rows (acceptance 6 of issue 12)."""
import re

import pytest
from sqlalchemy import func, select

from beatdesk import demo, notifications
from beatdesk.models import Comment, CommentState, Post, PostRevision, PostState, User
from beatdesk.models.records import RecordsRequest, Release
from blueprints.database import db

from .conftest import _truncate_all, make_app, sign_in

# The demo login that does each role's main job, and what its attention list must show.
ROLE_WORK = {
    "d1.rep1": {"returned", "approved", "held", "discontinued"},
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


def test_a_believable_month(demo_app):
    with demo_app.app_context():
        states = dict(db().execute(select(Post.state, func.count(Post.id))
                                   .group_by(Post.state)).all())
        assert set(PostState) <= set(states) | {PostState.CHECKED}
        assert sum(states.values()) >= 30
        with_images = db().scalar(select(func.count(Post.id)).where(
            Post.state == PostState.PUBLISHED, Post.current_revision.has(
                PostRevision.images.any())))
        assert with_images >= 10
        comment_states = set(db().scalars(select(Comment.state).distinct()))
        assert comment_states == set(CommentState)
        held_flags = {flag.rule for c in db().scalars(select(Comment).where(
            Comment.state == CommentState.HELD)) for flag in c.flags}
        assert {"obscenity", "threat", "attack", "personal_info", "spam", "keyword"} <= held_flags
        assert db().scalar(select(func.count(Comment.id)).where(Comment.official.is_(True)))
        assert db().scalar(select(func.count(Release.id))) == 1
        assert db().scalar(select(func.count(RecordsRequest.id))) >= 5


def test_the_sign_in_page_lists_demo_logins_only_in_demo_mode(demo_app):
    page = demo_app.test_client().get("/login").get_data(as_text=True)
    assert "d1.sergeant" in page and demo.DEMO_PASSWORD in page
    other = make_app(demo_app.config["DATABASE_URL"])  # the same accounts, out of demo mode
    try:
        page = other.test_client().get("/login").get_data(as_text=True)
    finally:
        other.extensions["beatdesk.engine"].dispose()
    assert "Demo logins" not in page and demo.DEMO_PASSWORD not in page

"""Issue 3 through HTTP: the composer, uploads, the counter endpoint, queues and inquiries."""
import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from beatdesk import clock, counting
from beatdesk.models import (AuditEvent, InquiryState, MediaAsset, MediaInquiry, Post,
                             PostRevision, PostState)
from beatdesk.roles import Role

from .conftest import reread, sign_in

SAFE_TEXT = "Join us for coffee with a cop on Saturday at 10 am at the library."


@pytest.fixture
def district(factory):
    return factory.district(number=1)


@pytest.fixture
def rep(client, factory, district):
    user = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(user)
    sign_in(client, user)
    return user


def _counts(db_session):
    return (db_session.scalar(select(func.count(Post.id))),
            db_session.scalar(select(func.count(PostRevision.id))),
            db_session.scalar(select(func.count(MediaAsset.id))))


def _files(app):
    root = Path(app.config["MEDIA_ROOT"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"  # Make
    exif[0x0110] = "Model X-99"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (41.0, 52.0, 0.0)
    gps[3], gps[4] = "W", (87.0, 37.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    data = buffer.getvalue()
    assert b"SpyCam" in data
    return data


def _compose(client, **fields):
    # Community events and road closures carry an end date (beatdesk.post_validity).
    ends = (clock.utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT12:00")
    data = {"category": "community_event", "body": SAFE_TEXT, "valid_until": ends, **fields}
    return client.post("/console/posts/new", data=data, content_type="multipart/form-data")


def test_composer_saves_a_draft_with_findings(client, rep, db_session):
    response = _compose(client)
    assert response.status_code == 303
    reread(db_session)
    post = db_session.scalars(select(Post)).one()
    assert post.state is PostState.DRAFT and post.author_id == rep.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No findings" in page and "Submit" in page


def test_over_length_post_is_refused_with_the_platform_named(client, rep, db_session):
    body = "word " * 70  # 350 characters: over X's 280 and Bluesky's 300
    response = _compose(client, body=body)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Too long for X" in page
    assert _counts(db_session) == (0, 0, 0)


def test_image_upload_strips_location_and_camera_data(client, rep, db_session, app):
    response = _compose(client, image=(io.BytesIO(_jpeg_with_gps()), "scene.jpg"),
                        image_alt="Officers serving coffee", image_credit="Photo: CPD, owned",
                        image_attested="y")
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    reread(db_session)
    asset = db_session.scalars(select(MediaAsset)).one()
    stored = Path(app.config["MEDIA_ROOT"])
    (path,) = _files(app)
    data = path.read_bytes()
    assert b"SpyCam" not in data and b"Model X-99" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif().get_ifd(0x8825)
        assert not image.getexif()
    assert asset.width == 64 and stored in path.parents


@pytest.mark.parametrize("upload,message", [
    ((b"%PDF-1.4 not an image", "photo.jpg"), "is not a JPEG, PNG, WebP or GIF image"),
    ((b"", "empty.png"), "is empty"),
])
def test_bad_upload_is_refused_and_leaves_nothing(client, rep, db_session, app, upload, message):
    """Acceptance 6: a clear error, no rows, no files."""
    data, name = upload
    response = _compose(client, image=(io.BytesIO(data), name), image_alt="a", image_credit="b",
                        image_attested="y")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _counts(db_session) == (0, 0, 0)
    assert _files(app) == []


def test_oversize_upload_is_refused_and_leaves_nothing(client, rep, db_session, app):
    app.config["MAX_IMAGE_BYTES"] = 1000
    big = io.BytesIO()
    Image.effect_noise((200, 200), 50).convert("RGB").save(big, "PNG")
    assert len(big.getvalue()) > 1000
    response = _compose(client, image=(io.BytesIO(big.getvalue()), "big.png"),
                        image_alt="a", image_credit="b", image_attested="y")
    assert response.status_code == 400
    assert "larger than the" in response.get_data(as_text=True)
    assert _counts(db_session) == (0, 0, 0) and _files(app) == []


def test_failed_save_after_upload_removes_the_file(client, rep, db_session, app):
    """The image is verified and stored, then the post is refused: the file goes too."""
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    response = _compose(client, body="x" * 400, image=(io.BytesIO(png.getvalue()), "a.png"),
                        image_alt="a", image_credit="b", image_attested="y")
    assert response.status_code == 400
    assert _counts(db_session) == (0, 0, 0) and _files(app) == []


def test_image_without_credit_or_attestation_blocks_release(client, rep, db_session):
    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, "PNG")
    response = _compose(client, image=(io.BytesIO(png.getvalue()), "a.png"), image_alt="A car")
    assert response.status_code == 303
    reread(db_session)
    post = db_session.scalars(select(Post)).one()
    rules = {f["rule"] for f in post.current_revision.findings}
    assert {"image_credit", "image_attestation"} <= rules
    response = client.post(f"/console/posts/{post.id}/actions/submit", data={})
    assert response.status_code == 400
    assert "be submitted yet" in response.get_data(as_text=True)


@pytest.mark.parametrize("text", [
    "Hello", "https://example.com/a/very/long/path/that/is/long " * 3, "日本語のテキスト",
    "👨‍👩‍👧‍👦 family " * 10, "x" * 281, "é" * 290,
])
def test_counter_endpoint_agrees_with_the_server_check(client, rep, text):
    response = client.post("/console/posts/count", json={"text": text})
    assert response.status_code == 200
    served = {c["platform"]: c for c in response.get_json()["counts"]}
    for count in counting.count_all(text.strip()):
        assert served[count.platform]["length"] == count.length
        assert served[count.platform]["over"] == count.over
    over = [c for c in served.values() if c["over"]]
    assert bool(over) == bool(counting.length_errors(text.strip()))


def test_counter_endpoint_refuses_bad_bodies(client, rep):
    assert client.post("/console/posts/count", data="nope").status_code == 400
    assert client.post("/console/posts/count", json={"text": 5}).status_code == 400
    assert client.post("/console/posts/count", json={"text": "a" * 20001}).status_code == 413


def test_notable_flow_through_the_web(client, factory, district, rep, db_session):
    response = _compose(client, notable="y")
    post_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/console/posts/{post_id}/actions/submit", data={}).status_code == 303
    news = factory.user(Role.NEWS_AFFAIRS)
    sign_in(client, news)
    queue = client.get("/console/posts/news-affairs").get_data(as_text=True)
    assert f"#{post_id}" in queue
    assert client.post(f"/console/posts/{post_id}/actions/return", data={"note": ""}
                       ).status_code == 400
    assert client.post(f"/console/posts/{post_id}/actions/approve", data={"note": "OK"}
                       ).status_code == 303
    sign_in(client, rep)
    assert client.post(f"/console/posts/{post_id}/actions/publish", data={}).status_code == 303
    reread(db_session)
    assert db_session.get(Post, post_id).is_public


def test_history_and_diff_pages(client, rep, db_session):
    response = _compose(client)
    post_id = int(response.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/console/posts/{post_id}/edit", data={
        "category": "community_event", "body": SAFE_TEXT.replace("Saturday", "Sunday")},
        content_type="multipart/form-data")
    history = client.get(f"/console/posts/{post_id}/history").get_data(as_text=True)
    assert "Revision 2" in history and "Edited" in history
    diff = client.get(f"/console/posts/{post_id}/diff?from=1&to=2").get_data(as_text=True)
    assert "<del>" in diff and "Saturday" in diff and "<ins>" in diff and "Sunday" in diff
    assert client.get(f"/console/posts/{post_id}/revisions/9").status_code == 404


def test_stale_form_gets_a_conflict(client, rep, db_session):
    response = _compose(client)
    post_id = int(response.headers["Location"].rsplit("/", 1)[1])
    reread(db_session)
    version = db_session.get(Post, post_id).version
    assert client.post(f"/console/posts/{post_id}/edit", data={
        "category": "community_event", "body": SAFE_TEXT + " Bring a friend.",
        "version": str(version)}, content_type="multipart/form-data").status_code == 303
    response = client.post(f"/console/posts/{post_id}/edit", data={
        "category": "community_event", "body": SAFE_TEXT + " Stale.", "version": str(version)},
        content_type="multipart/form-data")
    assert response.status_code == 409
    reread(db_session)
    assert db_session.scalar(select(func.count(PostRevision.id))) == 2


def test_sergeant_marks_all_reviewed(client, factory, district, db_session):
    posts = [factory.post(district) for _ in range(3)]
    sign_in(client, factory.user(Role.SERGEANT, district))
    page = client.get("/console/posts/sergeant").get_data(as_text=True)
    assert all(f"Post #{p.id}" in page for p in posts)
    assert client.post("/console/posts/review", data={"post_id": [str(posts[0].id)]}
                       ).status_code == 303
    assert client.post("/console/posts/review", data={"all": "1"}).status_code == 303
    reread(db_session)
    assert all(db_session.get(Post, p.id).reviewed_at for p in posts)


def test_media_inquiry_reaches_news_affairs_and_is_closed(client, factory, district, rep,
                                                          db_session):
    post = factory.post(district)
    response = client.post("/console/inquiries/new", data={
        "outlet": "Daily Planet", "reporter": "L. Lane", "contact": "lane@planet.example",
        "post_id": str(post.id), "question": "How many attended?"})
    assert response.status_code == 303
    news = factory.user(Role.NEWS_AFFAIRS)
    sign_in(client, news)
    assert "Daily Planet" in client.get("/console/inquiries/").get_data(as_text=True)
    nav = client.get("/console/posts/attention").get_data(as_text=True)
    assert "Open media inquiries: 1" in nav
    inquiry = db_session.scalars(select(MediaInquiry)).one()
    assert client.post(f"/console/inquiries/{inquiry.id}/respond", data={"response": ""}
                       ).status_code == 400
    assert client.post(f"/console/inquiries/{inquiry.id}/respond",
                       data={"response": "About 40 people."}).status_code == 303
    again = client.post(f"/console/inquiries/{inquiry.id}/respond",
                        data={"response": "Changed."})
    assert again.status_code == 409 and "already handled" in again.get_data(as_text=True)
    reread(db_session)
    inquiry = db_session.get(MediaInquiry, inquiry.id)
    assert inquiry.state is InquiryState.CLOSED and inquiry.response == "About 40 people."
    assert db_session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.event.like("media_inquiry.%"))) == 2


def test_inquiry_about_a_post_of_another_district_is_refused(client, factory, rep, db_session):
    foreign = factory.post(factory.district(number=9))
    response = client.post("/console/inquiries/new", data={
        "outlet": "X", "reporter": "Y", "contact": "z@example.com", "post_id": str(foreign.id),
        "question": "?"})
    assert response.status_code == 400
    assert db_session.scalar(select(func.count(MediaInquiry.id))) == 0


def test_attention_count_in_navigation(client, factory, district, rep, db_session):
    sergeant = factory.user(Role.SERGEANT, district)
    factory.post(district, state=PostState.AWAITING_SERGEANT)
    factory.post(district)
    sign_in(client, sergeant)
    page = client.get("/console/").get_data(as_text=True)
    assert 'Needs attention <span class="count">2</span>' in page


def test_publish_due_command(app, factory, district, frozen_clock, db_session):
    from datetime import timedelta
    post = factory.post(district, state=PostState.SCHEDULED,
                        scheduled_for=frozen_clock.now + timedelta(minutes=1))
    frozen_clock.advance(minutes=5)
    result = app.test_cli_runner().invoke(args=["posts", "publish-due"])
    assert result.exit_code == 0, result.output
    assert f"published post {post.id}" in result.output
    reread(db_session)
    assert db_session.get(Post, post.id).state is PostState.PUBLISHED


def test_marking_nothing_reviewed_is_a_clear_error(client, factory, district, db_session):
    factory.post(district)
    sign_in(client, factory.user(Role.SERGEANT, district))
    response = client.post("/console/posts/review", data={})
    assert response.status_code == 400
    assert "Choose at least one post" in response.get_data(as_text=True)


def test_notable_post_is_nowhere_public_before_approval(client, factory, district, rep,
                                                        db_session, app, frozen_clock):
    """Acceptance 2 end to end: public post page, district page, both feeds and the publish
    command's output know nothing of it until News Affairs approves its current revision;
    after an edit it disappears again."""
    from datetime import timedelta

    body = "Officers arrested a suspect after a shooting near the park."
    response = _compose(client, body=body)
    post_id = int(response.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/console/posts/{post_id}/actions/submit", data={})
    reread(db_session)
    post = db_session.get(Post, post_id)
    assert post.state is PostState.AWAITING_NEWS_AFFAIRS
    runner = app.test_cli_runner()

    def everywhere() -> list[str]:
        found = []
        result = runner.invoke(args=["posts", "publish-due"])
        if f"published post {post_id}" in result.output:
            found.append("publish command")
        anonymous = app.test_client()
        if anonymous.get(f"/posts/{post_id}").status_code == 200:
            found.append("post page")
        if "arrested a suspect" in anonymous.get(f"/districts/{district.slug}").get_data(
                as_text=True):
            found.append("district page")
        for feed in ("/feeds/department.atom", "/feeds/department.rss",
                     f"/districts/{district.slug}/feed.atom"):
            if "arrested a suspect" in anonymous.get(feed).get_data(as_text=True):
                found.append(feed)
        return found

    assert everywhere() == []
    news = factory.user(Role.NEWS_AFFAIRS)
    sign_in(client, news)
    client.post(f"/console/posts/{post_id}/actions/approve", data={"note": ""})
    assert everywhere() == []  # approved, not yet released
    sign_in(client, rep)
    when = (frozen_clock.now + timedelta(minutes=30)).astimezone(
        __import__("zoneinfo").ZoneInfo("America/Chicago"))
    assert client.post(f"/console/posts/{post_id}/schedule",
                       data={"when": when.strftime("%Y-%m-%dT%H:%M")}).status_code == 303
    assert everywhere() == []
    frozen_clock.advance(hours=1)
    found = everywhere()
    assert "publish command" in found and "post page" in found and "district page" in found
    assert "/feeds/department.atom" in found
    sign_in(client, rep)  # an hour passed: the earlier session is idle-locked
    edited = client.post(f"/console/posts/{post_id}/edit", data={
        "category": "community_alert", "body": body + " Updated."},
        content_type="multipart/form-data")
    assert edited.status_code == 303, edited.get_data(as_text=True)
    assert everywhere() == []


@pytest.mark.parametrize("category,hinted", [("community_event", True), ("road_closure", False)])
def test_sergeant_review_is_suggested_for_items_that_can_wait(client, rep, category, hinted):
    response = _compose(client, category=category)
    post_id = int(response.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/console/posts/{post_id}/actions/submit", data={})
    page = client.get(f"/console/posts/{post_id}").get_data(as_text=True)
    assert ("consider asking the sergeant" in page) is hinted
    assert "Ask the sergeant to review" in page and "Publish now" in page


def test_a_finding_whose_title_is_its_severity_is_named_once(client, rep):
    response = _compose(client, body="Officers arrested two people near the station on Monday.")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Notable incident" in page
    assert "Notable incident: Notable incident" not in page

"""Current, correct, valid (Chicago Twitter V.B.2): time-bound posts carry an end or review
date, the sergeant's review brings back posts past it, and a resolved missing-person or wanted
notice has its images taken down everywhere it was published."""
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import func, select

from beatdesk import clock, media, notifications, post_validity, posts
from beatdesk.context import Actor
from beatdesk.errors import Conflict, PermissionDenied, ValidationFailed
from beatdesk.models import (ArchiveRecord, AuditEvent, Category, MediaAsset, Post, PostEvent,
                             PostState, RevisionImage)
from beatdesk.models.platforms import OutboxKind, OutboxRow, OutboxState, Platform, PlatformAccount
from beatdesk.roles import Role

from .conftest import reread, sign_in

C = Category
P = "/console/posts"
SAFE = {
    C.ROAD_CLOSURE: "Elm Street is closed between 1st and 3rd for water main work.",
    C.SPECIAL_EVENT: "The winter lights parade goes down Main Street on Friday evening.",
    C.COMMUNITY_EVENT: "Join us for a bike safety day at the district station on Saturday.",
    C.BEAT_MEETING: "Beat 111 meets Tuesday at 6:30 pm in the library community room.",
    C.WEATHER_EMERGENCY: "Warming centers are open tonight at the district stations.",
    C.MISSING_PERSON: "Have you seen Dana, 16? Last seen near the library. Call 311.",
    C.WANTED_PERSON: "Do you know this person? Call 311 with any information, anonymously.",
    C.CRIME_PREVENTION_TIP: "Lock your car and take your valuables with you.",
}


@pytest.fixture
def district(factory):
    return factory.district(slug="north")


@pytest.fixture
def author(factory, district):
    user = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(user)
    return user


@pytest.fixture
def sergeant(factory, district):
    return factory.user(Role.SERGEANT, district)


def _ahead(**kwargs) -> datetime:
    return clock.utcnow() + timedelta(**kwargs)


def _write(session, author, district, category, valid_until=None):
    post = posts.create_post(session, Actor(author), district, posts.PostData(
        category=category, body=SAFE[category], valid_until=valid_until))
    session.commit()
    return post


def _wall(value: datetime) -> str:
    return clock.local(value, clock.department_zone()).strftime("%Y-%m-%dT%H:%M")


# --- the date on submit ------------------------------------------------------------------------

@pytest.mark.parametrize("category", sorted(post_validity.REQUIRED))
def test_time_bound_posts_need_their_date_to_be_submitted(db_session, author, district,
                                                          category):
    post = _write(db_session, author, district, category)
    with pytest.raises(ValidationFailed) as refused:
        posts.submit(db_session, Actor(author), post)
    db_session.rollback()
    message = refused.value.message
    assert "“End or review date”" in message
    assert ("review date" if category in post_validity.REVIEW_DATE else "end date") in message
    assert "_" not in message
    dated = _write(db_session, author, district, category, valid_until=_ahead(days=3))
    posts.submit(db_session, Actor(author), dated)
    db_session.commit()
    assert dated.state in (PostState.CHECKED, PostState.AWAITING_NEWS_AFFAIRS)


@pytest.mark.parametrize("category", [C.CRIME_PREVENTION_TIP])
def test_a_crime_prevention_tip_needs_no_date(db_session, author, district, category):
    """Near miss: not time-bound, so no date is asked for."""
    post = _write(db_session, author, district, category)
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    assert post.state is PostState.CHECKED and post.valid_until is None
    assert post_validity.submit_problems(post) == []


def test_dates_at_or_before_the_release_are_refused(db_session, author, district, frozen_clock):
    with pytest.raises(ValidationFailed) as past:
        _write(db_session, author, district, C.ROAD_CLOSURE, valid_until=_ahead(minutes=-1))
    db_session.rollback()
    assert past.value.field == "valid_until" and "in the future" in past.value.message
    with pytest.raises(ValidationFailed):
        _write(db_session, author, district, C.ROAD_CLOSURE, valid_until=_ahead(days=800))
    db_session.rollback()
    # Scheduled for after its end date: refused, naming both times.
    post = _write(db_session, author, district, C.ROAD_CLOSURE, valid_until=_ahead(hours=2))
    posts.submit(db_session, Actor(author), post)
    db_session.commit()
    with pytest.raises(ValidationFailed) as late:
        posts.schedule(db_session, Actor(author), post, _ahead(hours=3))
    db_session.rollback()
    assert late.value.field == "when" and "not after the release" in late.value.message
    # The end date passes before it is published: held, not released.
    frozen_clock.advance(hours=3)
    post = db_session.get(Post, post.id)
    held = posts.publish(db_session, Actor(author), post)
    db_session.commit()
    assert held is not None and post.state is PostState.HELD
    assert "not after the release" in held.reason


def _compose(client, **fields):
    data = {"category": "road_closure", "body": SAFE[C.ROAD_CLOSURE], **fields}
    return client.post(f"{P}/new", data=data, content_type="multipart/form-data")


def test_the_composer_takes_the_date_in_the_departments_zone(client, db_session, author):
    sign_in(client, author)
    page = client.get(f"{P}/new").get_data(as_text=True)
    assert 'name="valid_until"' in page and "End or review date (" in page
    wall = (clock.utcnow() + timedelta(days=10)).astimezone(clock.department_zone())
    response = _compose(client, valid_until=wall.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 303, response.get_data(as_text=True)
    reread(db_session)
    post = db_session.scalars(select(Post)).one()
    assert _wall(post.valid_until) == wall.strftime("%Y-%m-%dT%H:%M")
    # The edit page shows it again as typed.
    edit = client.get(f"{P}/{post.id}/edit").get_data(as_text=True)
    assert wall.strftime("%Y-%m-%dT%H:%M") in edit
    # Without it, submitting says which field to fill in.
    client.post(f"{P}/{post.id}/edit", data={"category": "road_closure",
                                              "body": SAFE[C.ROAD_CLOSURE]},
                content_type="multipart/form-data")
    refused = client.post(f"{P}/{post.id}/actions/submit", data={})
    assert refused.status_code == 400
    assert "need an end date in “End or review date”" in refused.get_data(as_text=True)


@pytest.mark.parametrize("value,expected", [
    ("2020-01-01T10:00", "must be in the future"),
    ("2027-03-14T02:30", "did not happen"),       # the clocks skip it in Chicago
    ("next tuesday", "Not a valid datetime value"),
    ("2026-13-45T99:99", "Not a valid datetime value"),
])
def test_bad_dates_get_clear_errors(client, db_session, author, value, expected):
    sign_in(client, author)
    response = _compose(client, valid_until=value)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert expected in page and "There is a problem" in page
    assert db_session.scalar(select(func.count(Post.id))) == 0


# --- the sergeant's review ---------------------------------------------------------------------

def test_the_sergeants_review_brings_back_posts_past_their_date(client, db_session, factory,
                                                               district, sergeant):
    closure = factory.post(district, category=C.ROAD_CLOSURE, body="Elm Street is closed.",
                           valid_until=_ahead(days=-1))
    wanted = factory.post(district, category=C.WANTED_PERSON, body="Wanted: call 311.",
                          valid_until=_ahead(hours=-2))
    factory.post(district, category=C.ROAD_CLOSURE, body="Oak Street is closed.",
                 valid_until=_ahead(days=2))                               # not yet
    factory.post(district, category=C.CRIME_PREVENTION_TIP, body="Lock your car.")  # no date
    factory.post(factory.district(), category=C.ROAD_CLOSURE, body="Elsewhere.",
                 valid_until=_ahead(days=-1))                              # another district
    resolved = factory.post(district, category=C.MISSING_PERSON, body="Found.",
                            valid_until=_ahead(days=-1), resolved_at=_ahead(days=-1),
                            resolved_by_id=sergeant.id, resolved_note="Found safe.")
    assert [p.id for p in post_validity.past_date(db_session, district.id)] == [closure.id,
                                                                                wanted.id]
    item = next(i for i in notifications.attention(db_session, sergeant) if i.kind == "past_date")
    assert item.count == 2 and item.endpoint == "posts.sergeant_queue"
    sign_in(client, sergeant)
    page = client.get(f"{P}/sergeant").get_data(as_text=True)
    assert "Past their end or review date (2)" in page
    assert f"Post #{closure.id}, road closure: end date" in page
    assert f"Post #{wanted.id}, wanted person / tip request: review date" in page
    assert f"Post #{resolved.id}," not in page.split("Past their end")[1].split("</article>")[0]
    assert "Public posts past their end or review date: 2" in \
        client.get(f"{P}/attention").get_data(as_text=True)

    # Still current: a new review date, recorded; it leaves the list.
    new_date = clock.utcnow().astimezone(clock.department_zone()) + timedelta(days=7)
    response = client.post(f"{P}/{wanted.id}/still-current", data={
        "valid_until": new_date.strftime("%Y-%m-%dT%H:%M"), "back": "review"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/sergeant")
    reread(db_session)
    moved = db_session.get(Post, wanted.id)
    assert _wall(moved.valid_until) == new_date.strftime("%Y-%m-%dT%H:%M")
    event = db_session.scalars(select(PostEvent).where(PostEvent.post_id == wanted.id,
                                                       PostEvent.action == "confirmed_current")
                               ).one()
    assert event.actor_id == sergeant.id and "still current" in event.note
    assert db_session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.event == "post.confirmed_current")) == 1
    assert [p.id for p in post_validity.past_date(db_session, district.id)] == [closure.id]

    # Discontinue (the existing action) takes the other one off the list and the public.
    response = client.post(f"{P}/{closure.id}/discontinue", data={
        "note": "The road reopened.", "back": "review"})
    assert response.status_code == 303
    reread(db_session)
    assert post_validity.past_date(db_session, district.id) == []
    assert "Past their end or review date" not in \
        client.get(f"{P}/sergeant").get_data(as_text=True)


def test_still_current_refuses_bad_input_and_other_people(client, db_session, factory, district,
                                                         sergeant, author):
    post = factory.post(district, category=C.ROAD_CLOSURE, body="Elm Street is closed.",
                        valid_until=_ahead(days=-1))
    sign_in(client, sergeant)
    for value, expected in [("", "Choose the new date and time."),
                            ("2020-01-01T10:00", "must be in the future"),
                            ("2027-03-14T02:30", "did not happen")]:
        response = client.post(f"{P}/{post.id}/still-current", data={"valid_until": value})
        assert response.status_code == 400, value
        assert expected in response.get_data(as_text=True)
    other = factory.user(Role.SERGEANT, factory.district())
    with pytest.raises(PermissionDenied):
        post_validity.still_current(db_session, Actor(other), post, _ahead(days=3))
    with pytest.raises(PermissionDenied):
        post_validity.still_current(db_session, Actor(author), post, _ahead(days=3))
    db_session.rollback()
    sign_in(client, other)
    assert client.post(f"{P}/{post.id}/still-current",
                       data={"valid_until": _wall(_ahead(days=3))}).status_code == 403


def test_the_public_page_says_a_notice_ended(client, factory, district):
    ended = factory.post(district, category=C.ROAD_CLOSURE, body="Elm Street is closed.",
                         valid_until=datetime(2026, 11, 1, 18, 0, tzinfo=UTC))
    review = factory.post(district, category=C.WANTED_PERSON, body="Wanted: call 311.",
                          valid_until=_ahead(days=-1))
    running = factory.post(district, category=C.ROAD_CLOSURE, body="Oak Street is closed.",
                           valid_until=_ahead(days=2))
    page = client.get(f"/posts/{ended.id}").get_data(as_text=True)
    assert "This notice ended on" in page and "Nov 1, 2026" in page
    for other in (review, running):  # a review date is not an end
        assert "This notice ended on" not in client.get(f"/posts/{other.id}").get_data(
            as_text=True)
    listing = client.get("/districts/north").get_data(as_text=True)
    assert listing.count("This notice ended on") == 1


# --- resolving a notice ------------------------------------------------------------------------

def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _with_image(app, factory, post) -> MediaAsset:
    store = media.MediaStore(Path(app.config["MEDIA_ROOT"]))
    processed = media.process_image(_png(), "dana.png", max_bytes=1_000_000)
    asset = MediaAsset(district_id=post.district_id, storage_key=store.save(processed),
                       mime=processed.mime, width=processed.width, height=processed.height,
                       size_bytes=len(processed.content), sha256=processed.sha256,
                       uploaded_by_id=post.author_id)
    factory.session.add(asset)
    factory.session.flush()
    factory.session.add(RevisionImage(revision_id=post.current_revision_id, asset_id=asset.id,
                                      position=1, alt_text="Dana in a red coat",
                                      credit="Family photo"))
    factory.session.commit()
    return asset


def _sent_to(factory, post, platform=Platform.MASTODON) -> OutboxRow:
    account = PlatformAccount(platform=platform, district_id=post.district_id,
                              handle="@north", base_url="", account_ref="", credentials="",
                              active=True)
    factory.session.add(account)
    factory.session.flush()
    now = clock.utcnow()
    row = OutboxRow(kind=OutboxKind.POST_CREATE, state=OutboxState.SENT, account_id=account.id,
                    post_id=post.id, revision_id=post.current_revision_id,
                    idempotency_key=f"k{post.id}", payload={}, attempts=1, max_attempts=8,
                    platform_id="109", sent_at=now, available_at=now, created_at=now,
                    updated_at=now)
    factory.session.add(row)
    factory.session.commit()
    return row


def _feed(client, path):
    return feedparser.parse(client.get(path).get_data())


def test_resolving_a_missing_person_takes_its_image_down_everywhere(app, client, db_session,
                                                                   factory, district, sergeant):
    post = factory.post(district, category=C.MISSING_PERSON, body=SAFE[C.MISSING_PERSON],
                        valid_until=_ahead(days=7))
    asset = _with_image(app, factory, post)
    create = _sent_to(factory, post)
    image_url = f"/media/{asset.id}"
    assert client.get(image_url).status_code == 200
    assert image_url in client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert image_url in client.get("/districts/north").get_data(as_text=True)
    for feed in ("/districts/north/feed.atom", "/feeds/department.rss"):
        assert _feed(client, feed).entries[0].enclosures

    sign_in(client, sergeant)
    page = client.get(f"{P}/{post.id}/validity").get_data(as_text=True)
    assert "Mark resolved" in page
    response = client.post(f"{P}/{post.id}/resolve", data={"note": "Found safe."})
    assert response.status_code == 303, response.get_data(as_text=True)

    anonymous = app.test_client()
    gone = anonymous.get(image_url)
    assert gone.status_code == 410 and gone.headers["Cache-Control"] == "no-store"
    public = anonymous.get(f"/posts/{post.id}").get_data(as_text=True)
    assert image_url not in public and "Dana in a red coat" not in public
    assert "Resolved:" in public and "Found safe." in public and SAFE[C.MISSING_PERSON] in public
    listing = anonymous.get("/districts/north").get_data(as_text=True)
    assert image_url not in listing and "Found safe." in listing
    for kind in ("atom", "rss"):
        for path in (f"/districts/north/feed.{kind}", f"/feeds/department.{kind}"):
            raw = anonymous.get(path).get_data(as_text=True)
            entry = feedparser.parse(raw).entries[0]
            assert not entry.enclosures and image_url not in raw, path
            assert "Resolved: Found safe." in raw
    # The platform post is deleted (connectors can't edit media).
    reread(db_session)
    delete = db_session.scalars(select(OutboxRow).where(
        OutboxRow.post_id == post.id, OutboxRow.kind == OutboxKind.POST_DELETE)).one()
    assert delete.depends_on_id == create.id and delete.state is OutboxState.PENDING
    # Recorded: timeline, audit, archive; the archive still has the image.
    kept = db_session.get(Post, post.id)
    assert kept.resolved_by_id == sergeant.id and kept.resolved_note == "Found safe."
    assert kept.state is PostState.PUBLISHED
    assert db_session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.event == "post.resolved")) == 1
    records = db_session.scalars(select(ArchiveRecord).where(
        ArchiveRecord.record_type == "post.event", ArchiveRecord.object_id == str(post.id))).all()
    assert any("resolved" in str(r.content) for r in records)
    assert db_session.scalar(select(func.count(RevisionImage.id)).where(
        RevisionImage.asset_id == asset.id)) == 1
    # Staff still see the image in the console.
    assert client.get(f"{P}/images/{asset.id}").status_code == 200
    # And it can't be resolved twice.
    again = client.post(f"{P}/{post.id}/resolve", data={"note": "Again."})
    assert again.status_code == 409
    assert "already resolved" in again.get_data(as_text=True)
    assert "Mark resolved" not in client.get(f"{P}/{post.id}/validity").get_data(as_text=True)


def test_an_unsent_create_is_cancelled_instead(db_session, factory, district, sergeant):
    post = factory.post(district, category=C.WANTED_PERSON, body=SAFE[C.WANTED_PERSON],
                        valid_until=_ahead(days=7))
    create = _sent_to(factory, post)
    create.state, create.attempts, create.platform_id = OutboxState.PENDING, 0, ""
    create.sent_at = None
    factory.session.commit()
    post_validity.resolve(db_session, Actor(sergeant), db_session.get(Post, post.id),
                          "Arrested.")
    db_session.commit()
    reread(db_session)
    cancelled = db_session.get(OutboxRow, create.id)
    assert cancelled.state is OutboxState.CANCELLED
    assert cancelled.last_error == "The notice was resolved; its images were taken down."


def test_a_create_tried_again_after_resolution_carries_no_image(app, db_session, factory,
                                                               district, sergeant):
    from beatdesk.platforms import outbox

    post = factory.post(district, category=C.MISSING_PERSON, body=SAFE[C.MISSING_PERSON],
                        valid_until=_ahead(days=7))
    _with_image(app, factory, post)
    create = _sent_to(factory, post)
    config = {"MEDIA_ROOT": app.config["MEDIA_ROOT"]}
    assert len(outbox.outgoing_post(db_session, create, config).images) == 1
    post_validity.resolve(db_session, Actor(sergeant), db_session.get(Post, post.id),
                          "Found safe.")
    db_session.commit()
    again = outbox.outgoing_post(db_session, db_session.get(OutboxRow, create.id), config)
    assert again.images == () and again.text == SAFE[C.MISSING_PERSON]


def test_a_routine_post_cant_be_resolved(client, db_session, factory, district, sergeant):
    for category in (C.CRIME_PREVENTION_TIP, C.ROAD_CLOSURE, C.COMMUNITY_EVENT):
        post = factory.post(district, category=category, body="Something routine.",
                            valid_until=_ahead(days=3))
        with pytest.raises(Conflict) as refused:
            post_validity.resolve(db_session, Actor(sergeant), post, "Done.")
        db_session.rollback()
        assert "discontinued instead" in refused.value.message
    sign_in(client, sergeant)
    response = client.post(f"{P}/{post.id}/resolve", data={"note": "Done."})
    assert response.status_code == 409
    assert "Only missing-person and wanted notices are resolved" in response.get_data(
        as_text=True)
    reread(db_session)
    assert db_session.get(Post, post.id).resolved_at is None
    # A notice that is not public is not resolved either.
    draft = factory.post(district, state=PostState.DRAFT, category=C.MISSING_PERSON,
                         body="Draft notice.")
    with pytest.raises(Conflict):
        post_validity.resolve(db_session, Actor(sergeant), draft, "Found.")


def test_who_may_resolve(db_session, factory, district, author):
    post = factory.post(district, category=C.WANTED_PERSON, body=SAFE[C.WANTED_PERSON],
                        author=author, valid_until=_ahead(days=3))
    other_district = factory.district()
    allowed = [factory.user(Role.SERGEANT, district), factory.user(Role.COMMANDER, district),
               factory.user(Role.NEWS_AFFAIRS), author]
    undesignated = factory.user(Role.REPRESENTATIVE, district)
    colleague = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(colleague, slot=2)
    refused = [factory.user(Role.SERGEANT, other_district), undesignated, colleague,
               factory.user(Role.ADMIN), factory.user(Role.RECORDS)]
    for user in allowed:
        assert post_validity.can_resolve(db_session, user, post), user.role
    for user in refused:
        assert not post_validity.can_resolve(db_session, user, post), user.role
        with pytest.raises(PermissionDenied):
            post_validity.resolve(db_session, Actor(user), post, "Found.")
    db_session.rollback()
    post_validity.resolve(db_session, Actor(author), db_session.get(Post, post.id),
                          "In custody.")
    db_session.commit()
    assert db_session.get(Post, post.id).resolved_by_id == author.id


@pytest.mark.parametrize("note,expected", [
    ("", "Write a short public note"),
    ("   ", "Write a short public note"),
    ("x" * 201, "under 200 characters"),
    ("Found\x0bsafe", "“Public note”"),
])
def test_resolving_with_bad_input_gets_clear_errors(client, db_session, factory, district,
                                                   sergeant, note, expected):
    post = factory.post(district, category=C.MISSING_PERSON, body=SAFE[C.MISSING_PERSON],
                        valid_until=_ahead(days=3))
    sign_in(client, sergeant)
    response = client.post(f"{P}/{post.id}/resolve", data={"note": note})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert expected in page and "There is a problem" in page
    reread(db_session)
    assert db_session.get(Post, post.id).resolved_at is None


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=st.text(max_size=260))
def test_any_note_is_stored_or_refused_with_a_message(db_session, factory, district, sergeant,
                                                      note):
    post = factory.post(district, category=C.MISSING_PERSON, body="Have you seen Dana?",
                        valid_until=_ahead(days=3))
    try:
        post_validity.resolve(db_session, Actor(sergeant), post, note)
    except ValidationFailed as exc:
        assert exc.field == "note" and exc.message.endswith(".")
        db_session.rollback()
        return
    db_session.rollback()
    assert 0 < len(" ".join(note.split())) <= post_validity.MAX_NOTE


def test_the_demo_has_a_road_closure_past_its_end_and_a_resolved_notice(app, db_session):
    from beatdesk import demo
    from beatdesk.models import District

    with app.app_context():
        demo.seed(db_session, media_root=app.config["MEDIA_ROOT"])
        db_session.commit()
    central = db_session.scalar(select(District).where(District.number == 1))
    past = post_validity.past_date(db_session, central.id)
    assert [p.category for p in past] == [C.ROAD_CLOSURE]
    resolved = db_session.scalars(select(Post).where(Post.resolved_at.is_not(None))).one()
    assert resolved.category is C.MISSING_PERSON and resolved.resolved_note.startswith("Found")
    # Every other time-bound demo post carries its date, still ahead.
    for post in db_session.scalars(select(Post).where(Post.category.in_(
            sorted(post_validity.REQUIRED)))):
        assert post.valid_until is not None, post.id

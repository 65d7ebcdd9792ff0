"""Duty hours (Chicago Twitter III.C): the commander sets them, posting outside them is refused
unless the district's sergeant released the post, and the wall clock decides across DST."""
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from beatdesk import duty_hours, posts
from beatdesk.context import Actor
from beatdesk.errors import PermissionDenied, ValidationFailed
from beatdesk.models import AuditEvent, Category, PostState, User
from beatdesk.models.devices import DutyHoursRelease, DutyShift
from beatdesk.roles import Role

from .conftest import reread, sign_in

MON, FRI, SAT = 0, 4, 5


@pytest.fixture
def district(factory):
    return factory.district()


@pytest.fixture
def commander(factory, district):
    return factory.user(Role.COMMANDER, district)


@pytest.fixture
def rep(factory, district, commander):
    user = factory.user(Role.REPRESENTATIVE, district)
    factory.designate(user, commander)
    return user


@pytest.fixture
def sergeant(factory, district):
    return factory.user(Role.SERGEANT, district)


def _set(db_session, commander, rep, **days):
    """``mon=("09:00", "17:00")`` etc."""
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    duty_hours.set_hours(db_session, Actor(commander), rep, [
        duty_hours.DayHours(n, *days.get(name, ("", ""))) for n, name in enumerate(names)])
    db_session.commit()


def _draft(factory, district, rep, state=PostState.DRAFT):
    return factory.post(district, state=state, author=rep, category=Category.CRIME_PREVENTION_TIP,
                        body="Lock your car and take your keys with you.")


def _at(frozen_clock, *args):
    frozen_clock.now = datetime(*args, tzinfo=UTC)


# --- the wall clock ---------------------------------------------------------------------------

def _shift(weekday, start, end):
    return DutyShift(weekday=weekday, start_minute=start, end_minute=end)


@pytest.mark.parametrize("moment,inside", [
    # Friday 22:00 to 06:00 (Central Time; Nov 20, 2026 is a Friday, CST is UTC-6).
    (datetime(2026, 11, 21, 3, 59, tzinfo=UTC), False),   # Fri 21:59
    (datetime(2026, 11, 21, 4, 0, tzinfo=UTC), True),     # Fri 22:00
    (datetime(2026, 11, 21, 11, 59, tzinfo=UTC), True),   # Sat 05:59
    (datetime(2026, 11, 21, 12, 0, tzinfo=UTC), False),   # Sat 06:00: the end is not inside
    (datetime(2026, 11, 22, 5, 0, tzinfo=UTC), False),    # Sat 23:00: not Friday's shift
])
def test_overnight_shift_runs_into_the_next_morning(app, moment, inside):
    with app.app_context():
        assert duty_hours.on_duty([_shift(FRI, 22 * 60, 6 * 60)], moment) is inside


@pytest.mark.parametrize("moment,inside", [
    # Monday after spring forward (Mar 8, 2026): 09:30 CDT is 14:30 UTC; CST arithmetic
    # would call it 08:30, off duty.
    (datetime(2026, 3, 9, 14, 30, tzinfo=UTC), True),
    (datetime(2026, 3, 9, 13, 30, tzinfo=UTC), False),   # 08:30 CDT
    (datetime(2026, 3, 2, 15, 30, tzinfo=UTC), True),    # the Monday before: 09:30 CST
    (datetime(2026, 3, 2, 14, 30, tzinfo=UTC), False),   # 08:30 CST
])
def test_day_shift_keeps_its_wall_clock_hours_across_spring_forward(app, moment, inside):
    with app.app_context():
        assert duty_hours.on_duty([_shift(MON, 9 * 60, 17 * 60)], moment) is inside


@pytest.mark.parametrize("moment,inside", [
    # Saturday 22:00 to 06:00 over the night the clocks fall back (Nov 1, 2026, 02:00 CDT).
    (datetime(2026, 11, 1, 2, 59, tzinfo=UTC), False),   # Sat 21:59 CDT
    (datetime(2026, 11, 1, 3, 0, tzinfo=UTC), True),     # Sat 22:00 CDT
    (datetime(2026, 11, 1, 7, 30, tzinfo=UTC), True),    # 01:30 CST, the repeated hour
    (datetime(2026, 11, 1, 11, 59, tzinfo=UTC), True),   # Sun 05:59 CST
    (datetime(2026, 11, 1, 12, 0, tzinfo=UTC), False),   # Sun 06:00 CST (11:00 UTC in CDT)
])
def test_overnight_shift_across_fall_back(app, moment, inside):
    with app.app_context():
        assert duty_hours.on_duty([_shift(SAT, 22 * 60, 6 * 60)], moment) is inside


# --- refusing and allowing --------------------------------------------------------------------

def test_inside_duty_hours_submit_and_publish_pass(app, db_session, factory, district, rep,
                                                   commander, frozen_clock):
    with app.app_context():
        _set(db_session, commander, rep, fri=("08:00", "16:00"))  # Fri Nov 20, 09:00 CST
        post = _draft(factory, district, rep)
        posts.submit(db_session, Actor(rep), post)
        assert post.state is PostState.CHECKED
        assert posts.publish(db_session, Actor(rep), post) is None
        assert post.state is PostState.PUBLISHED


def test_outside_duty_hours_is_refused_naming_the_hours(app, db_session, factory, district, rep,
                                                        commander, frozen_clock):
    with app.app_context():
        _set(db_session, commander, rep, mon=("09:00", "17:00"), fri=("22:00", "06:00"))
        post = _draft(factory, district, rep)
        with pytest.raises(PermissionDenied) as refused:
            posts.submit(db_session, Actor(rep), post)
        message = refused.value.message
        assert "outside your duty hours" in message
        assert "Monday 9:00 AM to 5:00 PM" in message
        assert "Friday 10:00 PM to 6:00 AM the next day" in message
        assert "Central Time" in message and "sergeant" in message
        assert f"Post #{post.id}" in message and "_" not in message
        checked = _draft(factory, district, rep, state=PostState.CHECKED)
        with pytest.raises(PermissionDenied):
            posts.publish(db_session, Actor(rep), checked)
        with pytest.raises(PermissionDenied):
            posts.schedule(db_session, Actor(rep), checked, frozen_clock.now + timedelta(days=3))


def test_no_hours_set_means_no_limit(app, db_session, factory, district, rep, frozen_clock):
    """Near miss: a representative without duty hours posts at any hour."""
    with app.app_context():
        _at(frozen_clock, 2026, 11, 21, 9, 0)  # Fri 03:00 CST
        post = _draft(factory, district, rep)
        posts.submit(db_session, Actor(rep), post)
        assert post.state is PostState.CHECKED


def test_overnight_shift_allows_posting_after_midnight(app, db_session, factory, district, rep,
                                                       commander, frozen_clock):
    with app.app_context():
        _set(db_session, commander, rep, fri=("22:00", "06:00"))
        _at(frozen_clock, 2026, 11, 21, 8, 0)  # Saturday 02:00 CST
        post = _draft(factory, district, rep)
        posts.submit(db_session, Actor(rep), post)
        assert post.state is PostState.CHECKED
        _at(frozen_clock, 2026, 11, 21, 12, 30)  # Saturday 06:30 CST
        with pytest.raises(PermissionDenied):
            posts.publish(db_session, Actor(rep), post)


def test_dst_week_posting(app, db_session, factory, district, rep, commander, frozen_clock):
    """The week the clocks spring forward: 09:30 on Monday is inside a 09:00-17:00 shift."""
    with app.app_context():
        _at(frozen_clock, 2026, 3, 6, 16, 0)
        _set(db_session, commander, rep, mon=("09:00", "17:00"))
        _at(frozen_clock, 2026, 3, 9, 14, 30)  # 09:30 CDT
        post = _draft(factory, district, rep)
        posts.submit(db_session, Actor(rep), post)
        assert post.state is PostState.CHECKED
        _at(frozen_clock, 2026, 3, 9, 13, 30)  # 08:30 CDT
        with pytest.raises(PermissionDenied):
            posts.publish(db_session, Actor(rep), post)


def test_scheduled_release_time_must_be_inside_the_hours(app, db_session, factory, district,
                                                         rep, commander, frozen_clock):
    with app.app_context():
        _set(db_session, commander, rep, fri=("08:00", "16:00"))  # now: Fri 09:00 CST
        post = _draft(factory, district, rep, state=PostState.CHECKED)
        with pytest.raises(PermissionDenied) as refused:
            posts.schedule(db_session, Actor(rep), post, frozen_clock.now + timedelta(hours=8))
        assert "can't be scheduled for then" in refused.value.message
        assert posts.schedule(db_session, Actor(rep), post,
                              frozen_clock.now + timedelta(days=7, hours=1)) is None
        assert post.state is PostState.SCHEDULED


def test_sergeant_release_lets_the_post_through(app, db_session, factory, district, rep,
                                                commander, sergeant, frozen_clock):
    with app.app_context():
        _set(db_session, commander, rep, mon=("09:00", "17:00"))
        post = _draft(factory, district, rep)
        with pytest.raises(ValidationFailed):
            duty_hours.release(db_session, Actor(sergeant), post, "   ")
        duty_hours.release(db_session, Actor(sergeant), post, "Road closure after the storm.")
        db_session.commit()
        posts.submit(db_session, Actor(rep), post)
        assert posts.publish(db_session, Actor(rep), post) is None
        row = db_session.scalar(select(DutyHoursRelease))
        assert row.released_by_id == sergeant.id and row.reason.startswith("Road closure")
        assert db_session.scalar(select(AuditEvent).where(
            AuditEvent.event == "duty_hours.released")) is not None
        # Near miss: the release is for that post only.
        other = _draft(factory, district, rep)
        with pytest.raises(PermissionDenied):
            posts.submit(db_session, Actor(rep), other)


def test_another_districts_sergeant_cannot_release(app, db_session, factory, district, rep,
                                                   commander, client, frozen_clock):
    with app.app_context():
        _set(db_session, commander, rep, mon=("09:00", "17:00"))
        post = _draft(factory, district, rep)
        stranger = factory.user(Role.SERGEANT, factory.district())
        with pytest.raises(PermissionDenied):
            duty_hours.release(db_session, Actor(stranger), post, "Please.")
        db_session.rollback()
    sign_in(client, stranger)
    response = client.post(f"/console/duty-hours/posts/{post.id}/release",
                           data={"reason": "Please."})
    assert response.status_code == 403
    reread(db_session)
    assert db_session.scalar(select(DutyHoursRelease)) is None


def test_sergeants_and_commanders_are_not_limited(app, db_session, factory, district, sergeant,
                                                  frozen_clock):
    with app.app_context():
        db_session.add(DutyShift(user_id=sergeant.id, weekday=MON, start_minute=540,
                                 end_minute=1020, set_by_id=sergeant.id))
        db_session.commit()
        post = _draft(factory, district, sergeant)
        posts.submit(db_session, Actor(sergeant), post)
        assert post.state is PostState.CHECKED


# --- the pages ---------------------------------------------------------------------------------

def test_commander_sets_hours_on_the_page(client, db_session, factory, district, rep, commander,
                                          frozen_clock):
    sign_in(client, commander)
    page = client.get(f"/console/duty-hours/{rep.id}")
    assert page.status_code == 200 and "Monday start" in page.get_data(as_text=True)
    response = client.post(f"/console/duty-hours/{rep.id}",
                           data={"start_4": "22:00", "end_4": "06:00", "start_0": "9:00",
                                 "end_0": "17:30"})
    assert response.status_code == 303
    reread(db_session)
    rows = db_session.scalars(select(DutyShift).order_by(DutyShift.weekday)).all()
    assert [(r.weekday, r.start_minute, r.end_minute) for r in rows] == \
        [(0, 540, 1050), (4, 1320, 360)]
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.event == "duty_hours.set"))
    assert "Friday 10:00 PM to 6:00 AM the next day" in event.details["after"]
    listing = client.get("/console/duty-hours/").get_data(as_text=True)
    assert "Friday 10:00 PM to 6:00 AM the next day" in listing
    # Clearing every day removes the limit.
    assert client.post(f"/console/duty-hours/{rep.id}", data={}).status_code == 303
    reread(db_session)
    assert db_session.scalars(select(DutyShift)).all() == []


@pytest.mark.parametrize("data,message", [
    ({"start_0": "25:00", "end_0": "17:00"}, "Monday start: enter a time of day, like 9:00 AM or 10:30 PM"),
    ({"start_0": "09:00", "end_0": "9:75"}, "Monday end: enter a time of day, like 9:00 AM or 10:30 PM"),
    ({"start_2": "09:00", "end_2": "09:00"}, "Wednesday: the end must differ from the start"),
    ({"start_3": "09:00"}, "Thursday: enter the end time too"),
    ({"end_6": "noon"}, "Sunday end: enter a time"),
])
def test_bad_hours_are_refused_clearly(client, db_session, rep, commander, data, message):
    sign_in(client, commander)
    response = client.post(f"/console/duty-hours/{rep.id}", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    reread(db_session)
    assert db_session.scalars(select(DutyShift)).all() == []


@pytest.mark.parametrize("path", ["/console/duty-hours/99999999",
                                  "/console/duty-hours/99999999999999999999999",
                                  "/console/duty-hours/posts/99999999/release"])
def test_missing_or_huge_ids_are_not_found(client, factory, district, path):
    role = Role.SERGEANT if "posts" in path else Role.COMMANDER
    sign_in(client, factory.user(role, district))
    assert client.get(path).status_code == 404


def test_another_districts_commander_cannot_set_hours(client, db_session, factory, rep):
    sign_in(client, factory.user(Role.COMMANDER, factory.district()))
    response = client.post(f"/console/duty-hours/{rep.id}",
                           data={"start_0": "09:00", "end_0": "17:00"})
    assert response.status_code == 403
    reread(db_session)
    assert db_session.scalars(select(DutyShift)).all() == []


def test_release_on_the_page_and_refusal_shown_to_the_representative(
        client, db_session, factory, district, rep, commander, sergeant, frozen_clock):
    with client.application.app_context():
        _set(db_session, commander, rep, mon=("09:00", "17:00"))
    post = _draft(factory, district, rep)
    sign_in(client, rep)
    refused = client.post(f"/console/posts/{post.id}/actions/submit",
                          data={"version": post.version})
    assert refused.status_code == 403
    assert "outside your duty hours" in refused.get_data(as_text=True)
    sign_in(client, sergeant)
    listing = client.get("/console/duty-hours/").get_data(as_text=True)
    assert f"Release Post #{post.id}" in listing
    assert client.post(f"/console/duty-hours/posts/{post.id}/release",
                       data={"reason": ""}).status_code == 400
    done = client.post(f"/console/duty-hours/posts/{post.id}/release",
                       data={"reason": "Storm warning tonight."})
    assert done.status_code == 303
    again = client.post(f"/console/duty-hours/posts/{post.id}/release",
                        data={"reason": "Twice."})
    assert again.status_code == 409 and "already released" in again.get_data(as_text=True)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=12))
def test_any_typed_time_is_a_time_or_a_clear_refusal(text):
    try:
        minute = duty_hours.parse_time(text, "Monday start", "start_0")
    except ValidationFailed as exc:
        assert "enter a time of day, like 9:00 AM or 10:30 PM" in exc.message
    else:
        assert minute is None or 0 <= minute < 1440


# --- the demo ---------------------------------------------------------------------------------

from .test_demo import demo_app  # noqa: E402,F401  (the seeded demo department)


def test_demo_has_one_representative_with_duty_hours_and_no_device_requirement(demo_app):  # noqa: F811
    from beatdesk import devices
    from blueprints.database import db

    with demo_app.app_context():
        limited = db().scalars(select(DutyShift.user_id).distinct()).all()
        assert len(limited) == 1
        rep = db().get(User, limited[0])
        assert rep.login_id == "d7.rep2"
        assert "Friday 10:00 PM to 6:00 AM the next day" in duty_hours.hours_text(db(), rep)
        assert not devices.is_required(db())


@pytest.mark.parametrize("text, minute", [
    ("9:00 AM", 540), ("10:30 pm", 1350), ("9 am", 540), ("12 AM", 0), ("12:00 PM", 720),
    ("10:30 p.m.", 1350), ("22:30", 1350), ("00:15", 15), ("", None)])
def test_times_are_read_the_departments_way_or_24_hour(text, minute):
    assert duty_hours.parse_time(text, "Monday start", "start_0") == minute


@pytest.mark.parametrize("text", ["13 PM", "0 AM", "9", "noon", "25:00", "9:60 AM"])
def test_impossible_or_ambiguous_times_are_refused(text):
    with pytest.raises(ValidationFailed, match="enter a time of day"):
        duty_hours.parse_time(text, "Monday start", "start_0")


def test_control_characters_in_names_and_reasons_are_refused_by_the_domain(
        db_session, factory):
    """Whatever the page sends, the domain refuses what PostgreSQL can't store (NUL) by name."""
    from beatdesk import devices
    from beatdesk.context import Actor

    admin = factory.user(Role.ADMIN)
    with pytest.raises(ValidationFailed, match="Device name"):
        devices.create_enrolment(db_session, Actor(admin), "Front\x00desk")


def test_a_refused_submit_shows_the_posts_page_with_the_hours(app, db_session, factory, district,
                                                              rep, commander, client,
                                                              frozen_clock):
    """Outside duty hours the representative stays on the post's page, told why and by whom it
    can go out; nothing changes."""
    with app.app_context():
        _set(db_session, commander, rep, mon=("09:00", "17:00"))  # it is Friday morning
        post = _draft(factory, district, rep)
        db_session.commit()
        post_id = post.id
    sign_in(client, rep)
    response = client.post(f"/console/posts/{post_id}/actions/submit",
                           data={"version": str(post.version)})
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Lock your car and take your keys with you." in page  # the post itself, shown again
    assert "outside your duty hours" in page
    assert "Monday 9:00 AM to 5:00 PM" in page and "sergeant can release" in page
    reread(db_session)
    assert db_session.get(type(post), post_id).state is PostState.DRAFT

"""Acceptance 2: every time people see is in the department's zone and one format, and a post
scheduled across a daylight-saving change goes out at the instant the person meant."""
import re
from datetime import UTC, datetime

import lxml.html
import pytest

from beatdesk.models import Post, PostState
from beatdesk.roles import DISTRICT_ROLES, Role

from .conftest import FrozenClock, reread, sign_in
from .test_authorization import STAFF_ROUTES, build_objects

MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
LOCAL_TIME = re.compile(rf"{MONTH} \d{{1,2}}, \d{{4}}, \d{{1,2}}:\d{{2}} [AP]M (?:CST|CDT)")
CLOCK_READING = re.compile(r"\b\d{1,2}:\d{2}\b")
OLD_FORMS = (re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}"), re.compile(r"\bUTC\b"))
MACHINE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
# The archive's hold form takes the archive search's date fields, still labelled in UTC.
LEFT_TO_OTHERS = {"archive.holds"}
# Weekly schedules show times of day ("Friday 10:00 PM"), not instants: the department's 12-hour
# format, with its zone named on the page.
TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2} [AP]M\b")
SCHEDULE_PAGES = {"duty_hours.edit", "duty_hours.index"}


@pytest.fixture
def clock_at(monkeypatch):
    from beatdesk import clock

    def set_to(moment: datetime) -> FrozenClock:
        frozen = FrozenClock(moment)
        clock.set_source(frozen)
        return frozen
    yield set_to
    clock.set_source(None)


def _visible_text(html: str) -> str:
    doc = lxml.html.fromstring(html)
    for node in doc.xpath("//script | //style"):
        node.drop_tree()
    return " ".join(doc.text_content().split()), doc


def time_problems(html: str, where: str, times_of_day: bool = False) -> list[str]:
    """Times on a page that are not in the department's format, zone and offset."""
    text, doc = _visible_text(html)
    found = [f"{where}: {m.group(0)!r} is not the department's format"
             for pattern in OLD_FORMS for m in pattern.finditer(text)]
    local = [m.span() for m in LOCAL_TIME.finditer(text)]
    if times_of_day:
        if not re.search(r"Central Time|CST/CDT", text):
            found.append(f"{where}: times of day without the department's zone named")
        local += [m.span() for m in TIME_OF_DAY.finditer(text)]
    for m in CLOCK_READING.finditer(text):
        if not any(start <= m.start() < end for start, end in local):
            found.append(f"{where}: {text[max(0, m.start() - 30):m.end() + 10]!r} is a time "
                         "outside the department's format")
    for element in doc.xpath("//time[@datetime]"):
        machine = element.get("datetime")
        if "T" in machine and not MACHINE_TIME.match(machine):
            found.append(f"{where}: <time datetime={machine!r}> is not ISO 8601 with an offset")
    return found


def test_the_checker_tells_local_times_from_others():
    good = ('<p>Sent <time datetime="2026-11-30T08:46:00-06:00">Nov 30, 2026, 8:46 AM CST'
            '</time></p>')
    assert time_problems(good, "page") == []
    bad = ('<p>Sent 2026-11-30 14:46 UTC, or 14:46, <time datetime="2026-11-30T14:46:00">'
           'Nov 30, 2026, 8:46 AM CST</time></p>')
    found = "\n".join(time_problems(bad, "page"))
    assert "'2026-11-30 14:46' is not" in found and "'UTC' is not" in found
    assert "is not ISO 8601 with an offset" in found and "outside the department's format" in found


def test_sample_pages_show_every_time_in_the_department_zone(app, factory, frozen_clock):
    objects = build_objects(factory)
    district = objects["district"]
    users = {role: factory.user(role, district if role in DISTRICT_ROLES else None)
             for role in Role}
    factory.session.commit()
    ids = {name: obj.id for name, obj in objects.items()}
    problems, pages, shown = [], 0, 0
    for (endpoint, method), (template, allowed, status) in sorted(STAFF_ROUTES.items()):
        if method != "GET" or status != 200 or endpoint in LEFT_TO_OTHERS:
            continue
        role = sorted(allowed)[0]
        client = app.test_client()
        sign_in(client, users[role])
        response = client.get(template.format(**ids))
        if "text/html" not in response.content_type:
            continue
        pages += 1
        html = response.get_data(as_text=True)
        shown += len(LOCAL_TIME.findall(_visible_text(html)[0]))
        problems += time_problems(html, f"{role} {endpoint}", endpoint in SCHEDULE_PAGES)
    anonymous = app.test_client()  # the public pages of a published post with a comment
    for path in ("/", f"/districts/{district.slug}", f"/posts/{ids['comment_post']}",
                 "/archive/checkpoints", "/terms"):
        response = anonymous.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        shown += len(LOCAL_TIME.findall(_visible_text(html)[0]))
        problems += time_problems(html, f"anonymous {path}")
    assert pages > 30 and shown > 20, (pages, shown)
    assert not problems, "\n".join(problems)


def _schedule(client, post_id: int, wall: str):
    return client.post(f"/console/posts/{post_id}/schedule", data={"when": wall})


@pytest.fixture
def approved_post(factory):
    district = factory.district()
    sergeant = factory.user(Role.SERGEANT, district)
    post = factory.post(district, state=PostState.APPROVED, author=sergeant, body="Road closed.")
    factory.session.commit()
    return post, sergeant


def test_a_post_scheduled_in_the_repeated_hour_goes_out_at_the_first(
        client, db_session, approved_post, clock_at):
    clock_at(datetime(2026, 10, 30, 15, 0, tzinfo=UTC))
    post, sergeant = approved_post
    sign_in(client, sergeant)
    form = client.get(f"/console/posts/{post.id}").get_data(as_text=True)
    assert "Publish at (Central Time, CST/CDT)" in form
    assert "A time the clocks skip in spring is refused" in form  # the rule, shown as a hint
    answer = _schedule(client, post.id, "2026-11-01T01:30")
    assert answer.status_code == 303, answer.get_data(as_text=True)
    reread(db_session)
    stored = db_session.get(Post, post.id)
    assert stored.state is PostState.SCHEDULED
    assert stored.scheduled_for.replace(tzinfo=UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"Post #{post.id} is scheduled to go out Nov 1, 2026, 1:30 AM CDT." in page
    assert "1:30 AM happened twice on Nov 1, 2026" in page
    assert "Nov 1, 2026, 1:30 AM CST" in page  # the other reading, named so it can be chosen
    history = client.get(f"/console/posts/{post.id}/history").get_data(as_text=True)
    assert "For Nov 1, 2026, 1:30 AM CDT" in history
    assert "Approved → Scheduled" in history  # states by their labels, not stored names


def test_a_post_scheduled_in_the_skipped_hour_is_refused(
        client, db_session, approved_post, clock_at):
    clock_at(datetime(2026, 3, 1, 15, 0, tzinfo=UTC))
    post, sergeant = approved_post
    sign_in(client, sergeant)
    answer = _schedule(client, post.id, "2026-03-08T02:30")
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "2:30 AM did not happen on Mar 8, 2026 in Central Time" in page
    assert "Choose 1:59 AM or earlier, or 3:00 AM or later." in page
    reread(db_session)
    assert db_session.get(Post, post.id).state is PostState.APPROVED
    answer = _schedule(client, post.id, "2026-03-08T03:00")
    assert answer.status_code == 303
    reread(db_session)
    assert db_session.get(Post, post.id).scheduled_for.replace(tzinfo=UTC) \
        == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Mar 8, 2026, 3:00 AM CDT" in page


def test_workflow_messages_read_as_sentences(client, db_session, approved_post, clock_at):
    clock_at(datetime(2026, 10, 30, 15, 0, tzinfo=UTC))
    post, sergeant = approved_post
    sign_in(client, sergeant)
    answer = _schedule(client, post.id, "2026-11-02T09:00")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"Post #{post.id} is scheduled to go out Nov 2, 2026, 9:00 AM CST." in page
    assert "happened twice" not in page
    answer = client.post(f"/console/posts/{post.id}/actions/unschedule", data={})
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"Post #{post.id} is no longer scheduled." in page
    answer = client.post(f"/console/posts/{post.id}/actions/publish", data={})
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"Post #{post.id} was published." in page
    assert ": done." not in page and "_" not in lxml.html.fromstring(page).xpath(
        "string(//*[@role='status'])")


def test_audit_log_days_are_the_department_days(client, db_session, factory, clock_at):
    from beatdesk import audit
    from beatdesk.context import Actor
    # 03:00 UTC on Nov 20 is 9:00 PM on Nov 19 in Chicago.
    clock_at(datetime(2026, 11, 20, 3, 0, tzinfo=UTC))
    admin = factory.user(Role.ADMIN)
    audit.record_event(db_session, Actor(admin), "test.evening", object_type="test", object_id=1)
    db_session.commit()
    sign_in(client, admin)

    def shown(day: str) -> bool:
        page = client.get(f"/console/admin/audit?since={day}&until={day}&event=test.evening")
        return "Nov 19, 2026, 9:00 PM CST" in page.get_data(as_text=True)
    assert shown("2026-11-19") and not shown("2026-11-20")

"""The navigation's "needs your attention" counts are kept between a user's pages while nothing
they count changed, and recounted on the next page after any change (issue 11: every console
page repeated about twenty counts)."""

import pytest

from beatdesk import archive
from beatdesk.context import SYSTEM
from beatdesk.models import PostState
from beatdesk.roles import Role
from blueprints import templating
from blueprints.public import cache as page_cache


@pytest.fixture
def counted(monkeypatch):
    """Counts the calls of ``notifications.attention`` made for pages."""
    calls = []
    real = templating.notifications.attention

    def attention(session, user):
        calls.append(user.id)
        return real(session, user)
    monkeypatch.setattr(templating.notifications, "attention", attention)
    return calls


@pytest.fixture
def sergeant(login_as, factory):
    district = factory.district(name="Harbour")
    return login_as(Role.SERGEANT, district)


def held_count(client) -> str:
    page = client.get("/console/").get_data(as_text=True)
    marker = "Posts held at release"
    return page[page.index(marker):page.index(marker) + 200] if marker in page else ""


def test_an_unchanged_page_is_not_recounted(client, sergeant, counted):
    for _ in range(3):
        assert client.get("/console/").status_code == 200
    assert counted == [sergeant.id]


def test_a_write_of_this_process_shows_on_the_next_page(client, sergeant, factory, counted):
    assert held_count(client) == ""
    factory.post(sergeant.district, state=PostState.HELD)
    assert "Posts held at release" in held_count(client)
    assert len(counted) == 2


def test_a_change_archived_by_another_instance_shows_on_the_next_page(
        client, sergeant, factory, db_session, counted, monkeypatch):
    """Another instance's write does not move this process's write generation; it moves the
    archive's head, which every console page reads."""
    client.get("/console/")
    monkeypatch.setattr(page_cache, "generation", lambda: 0)
    client.get("/console/")
    assert len(counted) == 2  # the first page under the constant generation
    factory.post(sergeant.district, state=PostState.HELD)
    client.get("/console/")
    assert len(counted) == 2, "nothing archived yet: kept (this stands in for an unarchived change)"
    archive.append(db_session, record_type="post.revision", object_id=1,
                   district_id=sergeant.district_id, actor=SYSTEM, content={"body": "x"})
    db_session.commit()
    assert "Posts held at release" in held_count(client)
    assert len(counted) == 3


def test_time_alone_is_recounted_within_the_bound(app, client, sergeant, frozen_clock, counted):
    app.config["ATTENTION_CACHE_SECONDS"] = 30
    client.get("/console/")
    frozen_clock.advance(seconds=29)
    client.get("/console/")
    assert len(counted) == 1
    frozen_clock.advance(seconds=2)
    client.get("/console/")
    assert len(counted) == 2


def test_zero_recounts_on_every_page(app, client, sergeant, counted):
    app.config["ATTENTION_CACHE_SECONDS"] = 0
    client.get("/console/")
    client.get("/console/")
    assert len(counted) == 2


def test_each_user_has_their_own_counts(app, client, factory, login_as, counted):
    district = factory.district(name="Lake")
    first = login_as(Role.SERGEANT, district)
    client.get("/console/")
    second = login_as(Role.NEWS_AFFAIRS)
    client.get("/console/")
    assert counted == [first.id, second.id]
    kept = app.extensions["beatdesk.attention_kept"]
    assert kept.get(first.id)[2] is not kept.get(second.id)[2]

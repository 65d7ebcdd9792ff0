"""Issue 11, acceptance 3: an anonymous post page carries no cookie and may be kept by any cache,
while a forged comment (no token, a bad, expired or other post's token, another site's origin)
is refused with the visitor's text kept, and stores nothing."""
import re
import pytest

from beatdesk.models import ModerationMode, PostState
from beatdesk.roles import Role

from .conftest import make_app, sign_in
from .test_comments import TYPED_BODY, current_terms, form_data, stored  # noqa: F401

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def csrf_app(database_url):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    yield app
    app.extensions["beatdesk.engine"].dispose()


@pytest.fixture
def client(csrf_app):
    return csrf_app.test_client()


@pytest.fixture
def factory(csrf_app):
    from .conftest import Factory
    session = csrf_app.extensions["beatdesk.sessionmaker"]()
    yield Factory(session)
    session.close()


@pytest.fixture
def db_session(factory):
    return factory.session


@pytest.fixture
def post(factory, current_terms):  # noqa: F811
    district = factory.district(moderation_mode=ModerationMode.POST)
    return factory.post(district, state=PostState.PUBLISHED, body="Road closed on Elm Street.")


def _token(client, post) -> str:
    return TOKEN.search(client.get(f"/posts/{post.id}").get_data(as_text=True)).group(1)


def _send(client, post, terms_number, token=None, headers=None, **overrides):
    data = form_data(terms_number, **overrides)
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/posts/{post.id}/comments", data=data, headers=headers or {})


SAME_ORIGIN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}


def test_anonymous_post_page_sets_no_cookie_and_is_shared_cacheable(client, post):
    response = client.get(f"/posts/{post.id}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    cache_control = response.cache_control
    assert cache_control.public and not cache_control.private and not cache_control.no_store
    # shared caches keep it briefly; browsers revalidate (a 304 when nothing changed)
    assert 0 < cache_control.s_maxage <= 300 and cache_control.max_age == 0
    assert response.headers.get("ETag")
    # every reader gets the same page (the form's token included), so a cache may share it
    other = client.application.test_client().get(f"/posts/{post.id}")
    assert other.data == response.data and "Set-Cookie" not in other.headers
    for path in ("/", f"/districts/{post.district.slug}", "/feeds/department.atom",
                 f"/districts/{post.district.slug}/feed.rss"):
        answer = client.get(path)
        assert answer.status_code == 200 and "Set-Cookie" not in answer.headers, path
        assert answer.cache_control.public, path


def test_a_cached_copy_answers_if_modified_since_and_if_none_match(client, post):
    first = client.get(f"/posts/{post.id}")
    assert first.last_modified is not None
    assert client.get(f"/posts/{post.id}", headers={
        "If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get(f"/posts/{post.id}", headers={
        "If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304


def test_signed_in_staff_get_private_pages(client, factory, post):
    sign_in(client, factory.user(Role.ADMIN))
    response = client.get(f"/posts/{post.id}")
    assert response.cache_control.private and not response.cache_control.public


def test_a_comment_with_the_pages_token_from_the_same_origin_is_stored(client, db_session, post,
                                                                       current_terms):  # noqa: F811
    before = stored(db_session)["Comment"]
    response = _send(client, post, current_terms.number, _token(client, post),
                     headers=SAME_ORIGIN)
    assert response.status_code == 303
    assert stored(db_session)["Comment"] == before + 1
    # without Sec-Fetch-Site or Origin (an old browser), a Referer of this site will do
    response = _send(client, post, current_terms.number, _token(client, post),
                     headers={"Referer": f"http://localhost/posts/{post.id}"},
                     body="A second comment, from an older browser.")
    assert response.status_code == 303


@pytest.mark.parametrize("case", ["no token", "bad token", "other post's token", "expired token",
                                  "cross-site origin", "cross-site fetch", "cross-site referer"])
def test_a_forged_comment_is_refused_keeps_the_text_and_stores_nothing(
        client, db_session, factory, post, current_terms, case, frozen_clock):  # noqa: F811
    other_post = factory.post(post.district, state=PostState.PUBLISHED)
    good = _token(client, post)
    token, headers, status = good, dict(SAME_ORIGIN), 400
    if case == "no token":
        token = None
    elif case == "bad token":
        token = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    elif case == "other post's token":
        token = _token(client, other_post)
    elif case == "expired token":
        frozen_clock.advance(hours=25)
    elif case == "cross-site origin":
        headers, status = {"Origin": "https://attacker.example"}, 403
    elif case == "cross-site fetch":
        headers, status = {"Sec-Fetch-Site": "cross-site",
                           "Origin": "https://attacker.example"}, 403
    elif case == "cross-site referer":
        headers, status = {"Referer": "https://attacker.example/page"}, 403
    before = stored(db_session)
    response = _send(client, post, current_terms.number, token, headers=headers)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert TYPED_BODY in page
    assert "Your comment was not sent" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert stored(db_session) == before
    # the refused page carries a fresh token: sending again from it works
    fresh = TOKEN.search(page).group(1)
    assert _send(client, post, current_terms.number, fresh,
                 headers=SAME_ORIGIN).status_code == 303


def test_a_token_stays_good_for_a_day(client, db_session, post, current_terms,  # noqa: F811
                                      frozen_clock):
    token = _token(client, post)
    frozen_clock.advance(hours=23)
    assert _send(client, post, current_terms.number, token,
                 headers=SAME_ORIGIN).status_code == 303
    frozen_clock.advance(hours=3)
    assert _send(client, post, current_terms.number, token, headers=SAME_ORIGIN,
                 body="Later words.").status_code == 400


def test_staff_forms_keep_the_session_token(client, factory):
    """Flask-WTF's CSRFProtect still guards every other form: a staff POST without it fails."""
    sign_in(client, factory.user(Role.ADMIN))
    response = client.post("/console/admin/terms/new", data={"title": "T"})
    assert response.status_code == 400

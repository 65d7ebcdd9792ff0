"""The composer's preview per platform: each platform's count and limit, the part past the limit
marked at a grapheme boundary, only the platforms the district posts to."""
import json

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from beatdesk import counting, sealing
from beatdesk.models.platforms import Platform, PlatformAccount
from beatdesk.platforms import preview
from beatdesk.roles import Role

from .conftest import reread

ALL = {Platform.X: ["@x"], Platform.MASTODON: ["m@social.example"],
       Platform.BLUESKY: ["b.bsky.social"]}


def by_platform(text):
    return {p.platform: p for p in preview.preview_text(text, ALL)}


def test_a_text_that_fits_everywhere():
    shown = by_platform("Road closed on Main St until 6 pm.")
    assert [p for p in shown] == ["x", "mastodon", "bluesky"]
    for p in shown.values():
        assert not p.over and p.overflow == "" and p.fits == "Road closed on Main St until 6 pm."
        assert p.message == f"{p.length} of {p.limit} {p.unit}; {p.remaining} left."


def test_each_platform_counts_its_own_way():
    link = "https://www.example.gov/a/very/long/path/that/keeps/going/on/and/on"
    text = f"Details: {link} 👮🏽‍♀️ 警察"
    shown = by_platform(text)
    assert shown["x"].length == counting.x_length(text) == 9 + 23 + 1 + 2 + 1 + 4
    assert shown["mastodon"].length == 9 + 23 + 1 + 1 + 1 + 2
    assert shown["bluesky"].length == len(f"Details: {link} ") + 1 + 1 + 2


def test_over_limit_warnings_per_platform_and_the_overflow_marked():
    text = "a" * 290 + " " + "b" * 20          # 311: over X (280) and Bluesky (300) only
    shown = by_platform(text)
    assert shown["x"].over and shown["bluesky"].over and not shown["mastodon"].over
    assert shown["x"].fits == "a" * 280 and shown["x"].overflow == text[280:]
    assert shown["bluesky"].fits == text[:300]
    assert shown["x"].message.startswith("Too long for X: 311 of 280 weighted characters, "
                                         "31 over.")
    assert shown["mastodon"].overflow == ""


def test_the_split_never_cuts_a_grapheme():
    text = "e\u0301" * 301                       # é as e + combining acute: 301 graphemes
    fits, overflow = preview.split_at_limit(text, counting.bluesky_length, 300)
    assert fits == "e\u0301" * 300 and overflow == "e\u0301"


graphemes = st.sampled_from([
    "a", " ", "\n", "é", "e\u0301", "a\u0300\u0316", "😀", "👍🏽", "👩‍👩‍👧", "🇺🇸", "𝔘", "𠜎",
    "警", "한", "\u200d", "https://example.org/x", "@someone@social.example", "#tag", ".",
])


@settings(max_examples=60, deadline=None)
@given(st.lists(graphemes, max_size=160).map("".join)
       | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_property_preview_matches_the_counts_and_splits_cleanly(text):
    for p in preview.preview_text(text, ALL):
        rule = preview.RULES[Platform(p.platform)]
        assert p.length == rule.measure(text)
        assert p.over == (p.length > p.limit)
        assert p.fits + p.overflow == text
        assert rule.measure(p.fits) <= p.limit
        assert (p.overflow == "") == (not p.over)
        # the split is at a grapheme boundary of the whole text
        boundaries = {0} | {m.end() for m in regex.finditer(r"\X", text)}
        assert len(p.fits) in boundaries


def _account(factory, platform, handle, district=None, active=True):
    admin = factory.user(Role.ADMIN)
    account = PlatformAccount(platform=platform, handle=handle,
                              district_id=district.id if district else None,
                              credentials=sealing.seal(json.dumps({"access_token": "t"})),
                              connected_by_id=admin.id, active=active)
    if not active:
        from beatdesk import clock
        account.disconnected_at = clock.utcnow()
    factory.session.add(account)
    factory.session.commit()
    return account


def test_only_the_platforms_the_district_posts_to(db_session, factory):
    mine, other = factory.district(), factory.district()
    assert preview.preview_for_district(db_session, mine.id, "Hello") == []
    _account(factory, Platform.BLUESKY, "d1.bsky.social", mine)
    _account(factory, Platform.MASTODON, "d2@social.example", other)
    _account(factory, Platform.X, "@Dept")                    # the department's: every district
    _account(factory, Platform.X, "@Gone", mine, active=False)
    _account(factory, Platform.LOCAL, "local", mine)
    reread(db_session)
    shown = preview.preview_for_district(db_session, mine.id, "Hello")
    assert [(p.platform, p.handles) for p in shown] == [("x", ("@Dept",)),
                                                        ("bluesky", ("d1.bsky.social",))]


def test_the_post_page_and_composer_show_the_preview(client, login_as, factory, db_session):
    district = factory.district()
    _account(factory, Platform.BLUESKY, "d1.bsky.social", district)
    author = login_as(Role.REPRESENTATIVE, district)
    factory.designate(author)
    post = factory.post(district, author=author, body="x" * 305,
                        state="draft")
    page = client.get(f"/console/posts/{post.id}").get_data(as_text=True)
    assert "How it will look on each platform" in page
    assert "Too long for Bluesky: 305 of 300 characters, 5 over." in page
    assert '<mark class="platform-preview__overflow">' in page and "d1.bsky.social" in page
    composer = client.get("/console/posts/new").get_data(as_text=True)
    assert "How it will look on each platform" in composer and "0 of 300 characters" in composer

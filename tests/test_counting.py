"""Length as each platform counts it (issue 3, acceptance 5).

The X cases are twitter-text's published conformance cases for the v3 configuration
(``conformance/validate.yml``, section ``WeightedTweetsWithDiscountedEmojiCounterTest``, plus the
``lengths`` section), written out with escapes so invisible characters (ZWJ, tag characters,
combining marks) are plain to see.
"""
import pytest

from beatdesk.counting import (BLUESKY_LIMIT, MASTODON_LIMIT, X_LIMIT, PlatformCount, count_all,
                               length_errors, mastodon_countable_text)

X10 = "xxxxxxxxxx-"
POEM = ("故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。朱雀桥边野草花，乌衣巷口夕阳斜。"
        "旧时王谢堂前燕，飞入寻常百姓家。朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"
        "泪湿罗巾梦不成，夜深前殿按歌声。红颜未老恩先断，斜倚薰笼坐到明。独在异乡为异客，每逢佳节倍思亲。"
        "遥知兄弟登高处，遍插茱萸少一人。")
KANA = "\u3042\u3044\u3046\u3048\u304a\u304b\u304d\u304f\u3051\u3053"  # あいうえおかきくけこ
FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"  # man ZWJ woman ZWJ girl ZWJ boy
ENGLAND_FLAG = "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"
PUNCTUATION = ("This is a tweet with general punctuation characters: "
               "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u200B "
               "\u2010 \u2011 \u2012 \u2013 \u2014 \u2015 \u2016  \u2017 \u2018 \u2019 \u201a "
               "\u201b \u201c \u201d \u201e \u201f \u2032 \u2033 \u2034 \u2035 \u2036 \u2037")

# (description from the conformance file, text, expected weighted length)
X_CONFORMANCE = [
    ("Count the number of characters", "This is a test.", 15),
    ("Count a URL starting with http:// as 23 characters", "http://test.com", 23),
    ("Count a URL starting with https:// as 23 characters", "https://test.com", 23),
    ("Count a URL without protocol as 23 characters", "test.com", 23),
    ("Count multiple URLs correctly",
     "Test https://test.com test https://test.com test.com test", 86),
    ("Regular Tweet with url", "Hi http://test.co", 26),
    ("Just url", "http://test.co", 23),
    ("Long tweet, overflow at char index 280", "285 chars-" + X10 * 25, 285),
    ("Long tweet with url in the middle, overflow at char index 284",
     "285 chars- http://www.twitter.com/jack " + X10 * 24, 299),
    ("Long tweet with url at the end, overflow at char index 265",
     X10 * 24 + " http://www.twitter.com/jack ", 289),
    ("10 url string, no overflow", "https://www.twitter.com/aloha " * 10, 240),
    ("160 CJK char, overflow at char index 140", POEM, 320),
    ("160 emoji char, overflow at char index 140", "\U0001F637" * 160, 320),
    ("3 latin char + 160 CJK char, overflow at char index 141", "the" + POEM, 323),
    ("'\u00c1' is normalized into 1 char", "A\u0301B", 2),
    ("282 chars with a normalized character within valid range but outside 280",
     "282 chars-" + X10 * 24 + "xxxxxA\u0301x", 281),
    ("Count a mix of single byte single word, and double word unicode characters",
     "H\U0001F431\u263A" + FAMILY, 7),
    ("Count unicode emoji chars inside the basic multilingual plane",
     "\U0001F637\U0001F47E\U0001F621\U0001F525\U0001F4A9", 10),
    ("Count unicode emoji chars outside the basic multilingual plane with skin tone modifiers",
     "\U0001F64B\U0001F3FD\U0001F468\u200D\U0001F3A4", 4),
    ("Handle General Punctuation Characters with visible spaces(u2000-200A), no ZWJ/ZWNJ",
     PUNCTUATION, 110),
    ("Handle a 64 character domain without protocol",
     "randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls.com", 68),
    ("Do not allow > 140 CJK characters by virtue of CJK chars greater than 63 punycode "
     "encoded chars in the host", KANA * 12 + " http://" + KANA * 5 + "\u3042\u3044\u3046.com", 358),
    ("Allow > 140 CJK characters by virtue of CJK chars less than 63 punycode encoded chars "
     "in the host", KANA * 12 + " http://" + KANA * 5 + "\u3042\u3044.com", 264),
    ("140 family emoji", FAMILY * 140, 280),
    ("Unicode 10.0 emoji",
     "Unicode 10.0 emoji: \U0001F92A; \U0001F9D5; \U0001F9D5\U0001F3FE; " + ENGLAND_FLAG, 34),
    ("Unicode 9.0 emoji", "Unicode 9.0 emoji: \U0001F920; \U0001F483; \U0001F483\U0001F3FE", 29),
    ("Tweet text containing directional characters should be considered valid",
     "\u2066\u202Ahttp://foobar.\u067e\u0627\u06a9\u0633\u062a\u0627\u0646/\u202C\u2069", 31),
]


def by_platform(text: str) -> dict[str, PlatformCount]:
    return {count.platform: count for count in count_all(text)}


@pytest.mark.parametrize("description,text,expected", X_CONFORMANCE,
                         ids=[case[0][:60] for case in X_CONFORMANCE])
def test_x_weighted_length_matches_twitter_text_conformance(description, text, expected):
    x = by_platform(text)["x"]
    assert x.length == expected
    assert x.limit == X_LIMIT
    assert x.over == (expected > 280)


def test_the_280_boundary():
    """280 ASCII characters fit; one more is over, with a message naming the count."""
    assert not by_platform("a" * 280)["x"].over
    assert by_platform("a" * 280)["x"].remaining == 0
    over = by_platform("a" * 281)["x"]
    assert over.over and over.remaining == -1
    assert length_errors("a" * 281) == ["Too long for X: 281 of 280 (weighted count)."]
    assert length_errors("a" * 280) == []


def test_long_urls_count_23_on_x_and_mastodon_but_in_full_on_bluesky():
    url = "https://www.example.gov/news/2026/11/road-closures-for-the-holiday-parade-downtown"
    counts = by_platform(f"Details: {url}")
    assert counts["x"].length == 9 + 23
    assert counts["mastodon"].length == 9 + 23
    assert counts["bluesky"].length == 9 + len(url)


def test_two_cjk_characters_weigh_four_on_x_but_two_elsewhere():
    counts = by_platform("日本")
    assert (counts["x"].length, counts["mastodon"].length, counts["bluesky"].length) == (4, 2, 2)


def test_emoji_sequences_are_one_grapheme_on_mastodon_and_bluesky():
    text = FAMILY + "\U0001F44D\U0001F3FD"  # family (ZWJ sequence) + thumbs up, medium skin tone
    counts = by_platform(text)
    assert counts["x"].length == 4
    assert counts["mastodon"].length == 2
    assert counts["bluesky"].length == 2


def test_combining_characters_are_one_character():
    text = "Cafe\u0301 re\u0301sume\u0301"  # "Café résumé" with combining acute accents
    counts = by_platform(text)
    assert counts["bluesky"].length == 11
    assert counts["mastodon"].length == 11
    assert counts["x"].length == 11  # twitter-text normalizes to NFC before weighing


def test_mastodon_counts_a_remote_mention_as_the_user_part_only():
    assert mastodon_countable_text("Thanks @chicagofire@mastodon.example!") == \
        "Thanks @chicagofire!"
    assert by_platform("@cpd@social.example.gov")["mastodon"].length == len("@cpd")
    # a local mention stays as written, and an e-mail address is not a mention
    assert mastodon_countable_text("cc @district7") == "cc @district7"
    assert mastodon_countable_text("mail tips@pd.example") == "mail tips@pd.example"


def test_mastodon_counts_only_urls_with_a_scheme_as_23():
    """Mastodon extracts URLs with a scheme only; a bare domain counts as typed."""
    assert by_platform("see pd.example.gov")["mastodon"].length == len("see pd.example.gov")
    assert by_platform("see https://pd.example.gov/a/very/long/path/to/a/page")[
        "mastodon"].length == 4 + 23


def test_mastodon_and_bluesky_limits():
    assert not by_platform("a" * 500)["mastodon"].over
    assert by_platform("a" * 501)["mastodon"].over
    assert not by_platform("a" * 300)["bluesky"].over
    assert by_platform("a" * 301)["bluesky"].over
    assert by_platform("")["mastodon"].length == 0
    assert (MASTODON_LIMIT, BLUESKY_LIMIT) == (500, 300)


def test_bluesky_counts_graphemes_not_code_points():
    assert by_platform(FAMILY * 300)["bluesky"].length == 300
    assert not by_platform(FAMILY * 300)["bluesky"].over
    assert by_platform(ENGLAND_FLAG)["bluesky"].length == 1


def test_length_errors_names_every_platform_it_is_too_long_for():
    assert length_errors("a" * 301) == [
        "Too long for X: 301 of 280 (weighted count).",
        "Too long for Bluesky: 301 of 300 (characters).",
    ]
    assert length_errors("a" * 501) == [
        "Too long for X: 501 of 280 (weighted count).",
        "Too long for Mastodon: 501 of 500 (characters).",
        "Too long for Bluesky: 501 of 300 (characters).",
    ]
    assert length_errors("Road closed on Main Street until 6 pm.") == []


def test_count_all_order_and_labels():
    counts = count_all("hi")
    assert [(c.platform, c.label, c.limit) for c in counts] == [
        ("x", "X", 280), ("mastodon", "Mastodon", 500), ("bluesky", "Bluesky", 300)]

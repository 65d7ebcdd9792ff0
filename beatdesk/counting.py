"""Post length as each target platform counts it.

- **X** counts twitter-text v3 weighted characters (limit 280): every URL counts 23, most CJK
  characters count 2, and an emoji (including modifier and ZWJ sequences) counts 2. The maintained
  ``twitter_text`` package implements the rules; this is the only module that imports it.
- **Mastodon** (limit 500) counts what its ``StatusLengthValidator`` counts: every URL with a
  scheme (``http://`` or ``https://``) is replaced by 23 characters, a remote mention
  ``@user@domain`` by ``@user``, and the result is measured in extended grapheme clusters
  (Ruby's ``each_grapheme_cluster``), so an emoji sequence counts 1.
- **Bluesky** (limit 300) counts extended grapheme clusters of the text as written.

Grapheme clusters are Unicode extended grapheme clusters (the ``regex`` module's ``\\X``, the
same segmentation as ``Intl.Segmenter`` with ``granularity: "grapheme"`` in the browser).
"""
from dataclasses import dataclass

import regex
from twitter_text import extract_urls_with_indices, parse_tweet

X_LIMIT = 280
MASTODON_LIMIT = 500
BLUESKY_LIMIT = 300
MASTODON_URL_LENGTH = 23

_GRAPHEME = regex.compile(r"\X")
# Mastodon's Account::MENTION_RE: "@user" or "@user@domain", not inside a word, URL or "=".
_MASTODON_MENTION = regex.compile(
    r"(?<![=/\w])@(?P<user>[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@[\w]+(?:[.-]+[\w]+)*)?",
    regex.IGNORECASE)


@dataclass(frozen=True)
class PlatformCount:
    platform: str  # "x", "mastodon", "bluesky"
    label: str     # "X", "Mastodon", "Bluesky"
    length: int
    limit: int

    @property
    def remaining(self) -> int:
        return self.limit - self.length

    @property
    def over(self) -> bool:
        return self.length > self.limit


def grapheme_count(text: str) -> int:
    """Number of user-perceived characters (extended grapheme clusters)."""
    return sum(1 for _ in _GRAPHEME.finditer(text))


def x_length(text: str) -> int:
    """twitter-text v3 weighted length."""
    return parse_tweet(text).weightedLength


def mastodon_countable_text(text: str) -> str:
    """The text Mastodon measures: URLs become 23 characters, ``@user@domain`` becomes ``@user``."""
    if not text.strip():
        return ""
    entities = [(start, end, "x" * MASTODON_URL_LENGTH) for start, end in (
        url["indices"] for url in extract_urls_with_indices(text, False))]
    entities += [(m.start(), m.end(), "@" + m.group("user"))
                 for m in _MASTODON_MENTION.finditer(text)]
    entities.sort()
    pieces, position = [], 0
    for start, end, replacement in entities:
        if start < position:  # overlapping entities: the first one wins, as in Mastodon
            continue
        pieces.append(text[position:start])
        pieces.append(replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def mastodon_length(text: str) -> int:
    return grapheme_count(mastodon_countable_text(text))


def bluesky_length(text: str) -> int:
    return grapheme_count(text)


def count_all(text: str) -> list[PlatformCount]:
    """The post's length on every target platform, in the order the composer shows them."""
    return [
        PlatformCount("x", "X", x_length(text), X_LIMIT),
        PlatformCount("mastodon", "Mastodon", mastodon_length(text), MASTODON_LIMIT),
        PlatformCount("bluesky", "Bluesky", bluesky_length(text), BLUESKY_LIMIT),
    ]


_UNITS = {"x": "weighted count", "mastodon": "characters", "bluesky": "characters"}


def length_errors(text: str) -> list[str]:
    """One clear message per platform the text is too long for; empty when it fits everywhere."""
    return [f"Too long for {count.label}: {count.length} of {count.limit} "
            f"({_UNITS[count.platform]})."
            for count in count_all(text) if count.over]

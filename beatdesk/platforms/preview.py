"""The composer's preview: a post's text as each platform its district posts to will count it,
with the part past each platform's limit marked.

Lengths come from ``beatdesk.counting`` (the one definition of each platform's count): X's
weighted length (twitter-text), Mastodon's 500 characters with every link counted as 23, and
Bluesky's 300 graphemes. The split point is a grapheme boundary, so a marked overflow never
cuts an emoji or a letter from its accents.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import regex
from sqlalchemy.orm import Session

from beatdesk import counting
from beatdesk.models.platforms import Platform

_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True)
class Rule:
    label: str
    limit: int
    unit: str
    measure: Callable[[str], int]
    note: str


RULES: dict[Platform, Rule] = {
    Platform.X: Rule("X", counting.X_LIMIT, "weighted characters", counting.x_length,
                     "X shortens every link to a t.co link of 23 characters; most Chinese, "
                     "Japanese and Korean characters and every emoji count 2."),
    Platform.MASTODON: Rule("Mastodon", counting.MASTODON_LIMIT, "characters",
                            counting.mastodon_length,
                            "Mastodon counts every link as 23 characters and a mention of "
                            "someone on another server by the user name only."),
    Platform.BLUESKY: Rule("Bluesky", counting.BLUESKY_LIMIT, "characters",
                           counting.bluesky_length,
                           "Bluesky counts characters as people see them: an emoji or a "
                           "letter with its accents is one."),
}
ORDER = (Platform.X, Platform.MASTODON, Platform.BLUESKY)


@dataclass(frozen=True)
class PlatformPreview:
    platform: str          # "x", "mastodon", "bluesky"
    label: str
    handles: tuple[str, ...]
    length: int
    limit: int
    unit: str
    fits: str              # the text up to the limit (all of it when it fits)
    overflow: str          # what is past the limit ("" when it fits)
    note: str

    @property
    def over(self) -> bool:
        return self.length > self.limit

    @property
    def remaining(self) -> int:
        return self.limit - self.length

    @property
    def message(self) -> str:
        if self.over:
            return (f"Too long for {self.label}: {self.length} of {self.limit} {self.unit}, "
                    f"{self.length - self.limit} over. {self.label} would refuse it; the part "
                    "past the limit is marked.")
        return f"{self.length} of {self.limit} {self.unit}; {self.remaining} left."


def split_at_limit(text: str, measure: Callable[[str], int], limit: int) -> tuple[str, str]:
    """``(fits, overflow)`` with ``fits + overflow == text``, split at a grapheme boundary,
    ``measure(fits) <= limit``, and ``overflow`` empty when the whole text fits."""
    if measure(text) <= limit:
        return text, ""
    bounds = [m.end() for m in _GRAPHEME.finditer(text)]
    low, high = 0, len(bounds) - 1      # bounds[high] is the whole text, already too long
    best = 0
    while low <= high:
        middle = (low + high) // 2
        if measure(text[:bounds[middle]]) <= limit:
            best, low = bounds[middle], middle + 1
        else:
            high = middle - 1
    return text[:best], text[best:]


def preview_text(text: str, platforms: dict[Platform, Iterable[str]]) -> list[PlatformPreview]:
    """The preview for each of ``platforms`` (platform -> its accounts' handles), in the order
    X, Mastodon, Bluesky; platforms without a rule (the local connector) are left out."""
    previews = []
    for platform in ORDER:
        if platform not in platforms:
            continue
        rule = RULES[platform]
        fits, overflow = split_at_limit(text, rule.measure, rule.limit)
        previews.append(PlatformPreview(
            platform=platform.value, label=rule.label, handles=tuple(platforms[platform]),
            length=rule.measure(text), limit=rule.limit, unit=rule.unit, fits=fits,
            overflow=overflow, note=rule.note))
    return previews


def preview_for_district(session: Session, district_id: int | None,
                         text: str) -> list[PlatformPreview]:
    """The preview for every platform a post of ``district_id`` goes to (its own accounts and
    the department's); a post of no district previews the department's accounts."""
    from .outbox import target_accounts  # the outbox decides where a post goes

    handles: dict[Platform, list[str]] = {}
    for account in target_accounts(session, district_id):
        handles.setdefault(Platform(account.platform), []).append(account.handle)
    return preview_text(text, handles)

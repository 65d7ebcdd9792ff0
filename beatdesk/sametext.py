"""One definition of "the same text", for redaction (the form, the preview and the release) and
anything else that must find a passage however it was typed.

Two texts are the same when they are equal after Unicode canonical equivalence and full case
folding (``NFD(casefold(NFD(x)))``, the Unicode standard's canonical caseless match): "Zoë" typed
with a combining diaeresis is the name written precomposed, "STRASSE" is "Straße", "İ" (dotted
capital I) is "i̇". Positions are code points of the original text, everywhere (the browser
counts code points too, see ``static/js/records.js``).

Folding changes lengths (ß becomes "ss", İ becomes "i" and a combining dot), so matching runs
on the folded text with a map back to the original: a match is widened to whole original
characters, and, for the canonical form, to whole clusters (a base character and the combining
marks after it), because canonical ordering may move marks within a cluster. Erring wide is the
safe side for a redaction. Each passage is also looked for as typed, NFC and NFD, character by
character, so a passage that begins or ends inside a cluster (a lone combining mark, marks out
of canonical order) is still found wherever its characters stand in the text.
"""
from __future__ import annotations

import unicodedata
from bisect import bisect_right
from functools import lru_cache

__all__ = ["fold", "spans", "occurs"]


@lru_cache(maxsize=4096)
def _char_key(char: str) -> str:
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", char).casefold())


def fold(text: str) -> str:
    """The canonical caseless form of ``text`` (what "the same text" compares)."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).casefold())


def _per_char(text: str) -> tuple[str, list[int]]:
    """Each character folded on its own; ``starts[i]`` is where character i begins."""
    parts, starts, position = [], [], 0
    for char in text:
        key = _char_key(char)
        starts.append(position)
        parts.append(key)
        position += len(key)
    starts.append(position)
    return "".join(parts), starts


def _clusters(text: str) -> list[tuple[int, int]]:
    """(start, end) of each base character with the combining marks that follow it."""
    bounds, start = [], 0
    for index in range(1, len(text)):
        if unicodedata.combining(text[index]) == 0:
            bounds.append((start, index))
            start = index
    if text:
        bounds.append((start, len(text)))
    return bounds


def _per_cluster(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """The text folded cluster by cluster, with (key start, original start, original end)."""
    parts, table, position = [], [], 0
    for start, end in _clusters(text):
        key = fold(text[start:end])
        table.append((position, start, end))
        parts.append(key)
        position += len(key)
    return "".join(parts), table


def _find_all(haystack: str, needle: str) -> list[int]:
    found, index = [], haystack.find(needle)
    while index >= 0:
        found.append(index)
        index = haystack.find(needle, index + 1)
    return found


def _widen(starts: list[int], a: int, b: int) -> tuple[int, int]:
    """Original characters covering folded positions [a, b) (``starts`` as in _per_char)."""
    first = bisect_right(starts, a) - 1
    last = bisect_right(starts, b - 1) - 1
    return first, last + 1


def spans(text: str, passage: str) -> list[tuple[int, int]]:
    """Every (start, end) in code points of ``text`` holding the same text as ``passage``,
    overlaps included, sorted. An empty (or all-ignorable) passage matches nowhere."""
    if not text or not passage:
        return []
    folded = fold(passage)
    if not any(unicodedata.combining(c) for c in folded):
        # Without combining marks in the passage, a match in either form below is a match of
        # ``folded`` in the folded text: look there first (one C-level pass), and stop when it
        # is not there. ASCII text folds character by character to its lower case, so its
        # matches are those of ``folded`` in ``text.lower()`` at the same positions.
        if folded not in fold(text):
            return []
        if text.isascii():
            return [(a, a + len(folded)) for a in _find_all(text.lower(), folded)]
    found: set[tuple[int, int]] = set()
    keyed, starts = _per_char(text)
    for variant in {passage, unicodedata.normalize("NFC", passage),
                    unicodedata.normalize("NFD", passage)}:
        needle = "".join(_char_key(c) for c in variant)
        if needle:
            for a in _find_all(keyed, needle):
                found.add(_widen(starts, a, a + len(needle)))
    needle = "".join(fold(passage[a:b]) for a, b in _clusters(passage))
    if needle:
        clustered, table = _per_cluster(text)
        key_starts = [entry[0] for entry in table] + [len(clustered)]
        for a in _find_all(clustered, needle):
            first, last = _widen(key_starts, a, a + len(needle))
            found.add((table[first][1], table[last - 1][2]))
    return sorted(found)


def occurs(text: str, passage: str) -> bool:
    """Whether ``passage`` occurs in ``text`` as the same text."""
    return bool(spans(text, passage))

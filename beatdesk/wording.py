"""How a label reads inside a sentence.

Labels are written for a heading or a badge, in sentence case: "Awaiting News Affairs",
"Released in part", "Office of News Affairs". Inside a message only the first letter of an
ordinary word drops its capital ("A post that is awaiting News Affairs ..."); proper names
("News Affairs", "X", "Mastodon"), abbreviations ("CST") and numbered names ("Request 12")
keep theirs wherever they stand.
"""
from __future__ import annotations

# First words that start a proper name: the label keeps its capital in a sentence.
PROPER_STARTS = frozenset({"News", "Office", "X", "Mastodon", "Bluesky", "Chicago", "Deerfield",
                           "Twitter", "Facebook", "Instagram"})


def in_sentence(label: str) -> str:
    """``label`` as it reads after the start of a sentence ("Awaiting News Affairs" ->
    "awaiting News Affairs"); only the first letter of an ordinary first word changes."""
    label = str(label or "")
    words = label.split(" ", 2)
    first = words[0]
    if not first or not first[0].isupper() or first in PROPER_STARTS:
        return label
    if any(c.isupper() or c.isdigit() for c in first[1:]):
        return label  # an abbreviation or a code: "CST", "PDF", "E2E"
    if len(words) > 1 and words[1][:1] in "#0123456789":
        return label  # a numbered name: "Request 12", "District 001"
    return first[0].lower() + label[1:]

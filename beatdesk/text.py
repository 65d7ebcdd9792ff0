"""Text a person may enter: the one normalisation every write applies.

Whatever a person types or pastes (a post, a district statement, a comment, an inquiry, a
records request, a field of any form, a CLI option, a JSON value) is stored in one shape:

- Unicode NFC, so the same words are the same code points in search, redaction and counting;
- line ends as LF (a browser sends CRLF, an old Mac export CR);
- no character that XML 1.0 forbids or that is not text at all: the C0 and C1 control
  characters except TAB, LF and CR, DEL, lone surrogates and the Unicode noncharacters
  (U+FFFE, U+FFFF, U+FDD0..U+FDEF and the last two code points of every plane). One of them
  in a post would make every Atom and RSS feed carrying it unreadable, and NUL is refused by
  PostgreSQL; they are refused with a message naming the character and its position.

Positions are 1-based and count code points (the app's one notion of "a position in a text").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from beatdesk.errors import ValidationFailed

# Names the Unicode database leaves out (control characters have none).
_CONTROL_NAMES = {
    0x00: "null", 0x01: "start of heading", 0x02: "start of text", 0x03: "end of text",
    0x04: "end of transmission", 0x05: "enquiry", 0x06: "acknowledge", 0x07: "bell",
    0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed", 0x0E: "shift out",
    0x0F: "shift in", 0x10: "data link escape", 0x11: "device control one",
    0x12: "device control two", 0x13: "device control three", 0x14: "device control four",
    0x15: "negative acknowledge", 0x16: "synchronous idle", 0x17: "end of transmission block",
    0x18: "cancel", 0x19: "end of medium", 0x1A: "substitute", 0x1B: "escape",
    0x1C: "file separator", 0x1D: "group separator", 0x1E: "record separator",
    0x1F: "unit separator", 0x7F: "delete", 0x85: "next line",
}

# Every character that may not be stored: controls other than TAB/LF/CR, surrogates and
# noncharacters. One pattern, so checking a long text is a single scan.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}"
              for plane in range(1, 17))
    + "]")
_LINE_ENDS = re.compile(r"\r\n?")
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class ForbiddenCharacter:
    """Where the first character that may not be stored sits in a text."""

    char: str
    position: int  # 1-based, in code points

    def describe(self) -> str:
        return f"{describe_character(self.char)} at position {self.position}"


class TextRefused(ValidationFailed):
    """Text holding a character that may not be stored; the message names it and where."""

    def __init__(self, found: ForbiddenCharacter, label: str | None = None,
                 field: str | None = None):
        where = f"{label} contains" if label else "The text contains"
        super().__init__(f"{where} {found.describe()}, which can't be stored. "
                         "Remove it (it is often invisible: retype the text around it) "
                         "and try again.", field=field)
        self.found = found


def describe_character(char: str) -> str:
    """``U+000B (vertical tab)``: the code point and a name a person can look up."""
    code = ord(char)
    name = _CONTROL_NAMES.get(code)
    if name is None:
        if 0xD800 <= code <= 0xDFFF:
            name = "lone surrogate"
        elif is_noncharacter(code):
            name = "noncharacter"
        else:
            name = unicodedata.name(char, "control character").lower()
    return f"U+{code:04X} ({name})"


def is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def find_forbidden(text: str) -> ForbiddenCharacter | None:
    """The first character of ``text`` that may not be stored, or None."""
    match = _FORBIDDEN.search(text)
    if match is None:
        return None
    return ForbiddenCharacter(match.group(), match.start() + 1)


def normalise(text: str, label: str | None = None, field: str | None = None) -> str:
    """``text`` in the stored shape: NFC, LF line ends.

    Raises TextRefused (a ValidationFailed, 400) when the text holds a character that may not
    be stored; ``label`` names the field in the message ("The post text contains ...").
    """
    found = find_forbidden(text)
    if found is not None:
        raise TextRefused(found, label, field)
    # Forbidden characters are checked first: NFC can't make or remove one, and a position in
    # what the person sent is the one they can find.
    return unicodedata.normalize("NFC", _LINE_ENDS.sub("\n", text))


def normalise_optional(text: str | None, label: str | None = None,
                       field: str | None = None) -> str | None:
    return None if text is None else normalise(text, label, field)


def scrub(text: str) -> str:
    """``text`` fit for any output (XML, CSV, PDF), whatever is stored.

    For rows written before the normalisation existed: each character that may not be stored
    becomes U+FFFD, so an old row can't break a feed or an export for everybody.
    """
    return _FORBIDDEN.sub(REPLACEMENT, text)


# --- Markdown a person wrote, as HTML fit to show ----------------------------------------------

MARKDOWN_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em",
                           "a", "blockquote", "code", "pre", "br", "hr"})
MARKDOWN_ATTRIBUTES = {"a": ["href", "title"], "ol": ["start"]}


def markdown_html(source: str) -> str:
    """CommonMark to HTML that may be shown as it is: raw HTML in the source is text, level-1
    headings become level 2 (the page's title is its only h1), and only an allowlist of tags
    and attributes is kept (links: http, https and mailto). Call it once, when the text is
    saved, and store the result."""
    import bleach
    from markdown_it import MarkdownIt

    markdown = MarkdownIt("commonmark", {"html": False, "typographer": False})
    tokens = markdown.parse(source)
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
    html = markdown.renderer.render(tokens, markdown.options, {})
    return bleach.clean(html, tags=MARKDOWN_TAGS, attributes=MARKDOWN_ATTRIBUTES,
                        protocols={"http", "https", "mailto"}, strip=True)

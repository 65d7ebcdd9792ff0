"""The release package's PDF: the records as readable pages, a volume at a time.

fpdf2 lays the pages out. Body text is set in Noto Sans (Debian: fonts-noto-core), with fallback
fonts for what it lacks: Noto Sans CJK (fonts-noto-cjk), Arabic and Hebrew (fonts-noto-core,
shaped and set right to left through HarfBuzz, the ``uharfbuzz`` package), Noto Color Emoji
(fonts-noto-color-emoji) and the symbol fonts. A machine without some of them still builds the
PDF: DejaVu Sans (fonts-dejavu-core) or the core font Helvetica stand in, and the cover says
which scripts could not be drawn (the text is complete in index.html and records.json).

Speed: most lines are plain Latin text, wrapped here with a table of character widths and
placed with ``text()``; only lines with other scripts go through fpdf2's ``multi_cell`` (font
fallback and shaping), which measures every character again for every candidate break.
"""
from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

NOTO = "/usr/share/fonts/truetype/noto/"
NOTO_OT = "/usr/share/fonts/opentype/noto/"
DEJAVU = "/usr/share/fonts/truetype/dejavu/"
BODY_FONTS = (  # (regular, bold), the first pair present is the body font
    (NOTO + "NotoSans-Regular.ttf", NOTO + "NotoSans-Bold.ttf"),
    (DEJAVU + "DejaVuSans.ttf", DEJAVU + "DejaVuSans-Bold.ttf"),
)
# (name, script, files tried in turn, Debian package)
FALLBACK_FONTS = (
    ("cjk", "Chinese, Japanese and Korean", (NOTO_OT + "NotoSansCJK-Regular.ttc",
                                             NOTO + "NotoSansCJK-Regular.ttc"), "fonts-noto-cjk"),
    ("arabic", "Arabic", (NOTO + "NotoSansArabic-Regular.ttf",
                          NOTO + "NotoNaskhArabic-Regular.ttf"), "fonts-noto-core"),
    ("hebrew", "Hebrew", (NOTO + "NotoSansHebrew-Regular.ttf",), "fonts-noto-core"),
    ("emoji", "emoji", (NOTO + "NotoColorEmoji.ttf",), "fonts-noto-color-emoji"),
    ("symbols", "symbols", (NOTO + "NotoSansSymbols2-Regular.ttf",), "fonts-noto-core"),
    ("symbols1", "symbols", (NOTO + "NotoSansSymbols-Regular.ttf",), "fonts-noto-core"),
    ("dejavu", "other scripts", (DEJAVU + "DejaVuSans.ttf",), "fonts-dejavu-core"),
)
# Text the body font draws on its own, left to right, with no shaping: Latin, Latin-1 and
# Latin Extended, general punctuation and the euro sign. Anything else takes the slow path.
PLAIN = re.compile(r"[^\u0020-\u007e\u00a0-\u024f\u2010-\u2027\u2030-\u205e\u20ac]")
MARGIN = 18.0
GREY = (85, 85, 85)


def available_fonts() -> tuple[tuple[str, str] | None, list[tuple[str, str]], list[str]]:
    """The body font pair, the fallback fonts present (name, file) and the scripts with no
    font on this machine (with the Debian package that has one)."""
    body = next((pair for pair in BODY_FONTS if all(os.path.isfile(p) for p in pair)), None)
    found, missing = [], []
    for name, script, paths, package in FALLBACK_FONTS:
        path = next((p for p in paths if os.path.isfile(p)), None)
        if path:
            found.append((name, path))
        elif name not in ("symbols1", "dejavu") and f"{script} ({package})" not in missing:
            missing.append(f"{script} ({package})")
    return body, found, missing


def _shaping_available() -> bool:
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


def right_to_left(text: str) -> bool:
    """Whether ``text``'s first letter with a direction is Arabic or Hebrew (the rule a
    browser applies to ``dir="auto"``)."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


@dataclass
class Block:
    """One thing a record shows: ``kind`` is heading, byline, text, image, history or note."""

    kind: str
    text: str = ""
    image: str | None = None  # a file path, for kind "image"


@dataclass
class RecordPage:
    anchor: str
    title: str
    blocks: list[Block] = field(default_factory=list)


class PdfVolume:
    """One PDF file of the package: optional cover letter, contents, then the records."""

    def __init__(self, title: str, footer: str, *, cover: Callable[["PdfVolume"], None] | None,
                 expected_records: int = 0, contents: bool = True):
        from fpdf import FPDF

        writer = self

        class _Document(FPDF):
            def _insert_table_of_contents(self):
                super()._insert_table_of_contents()
                writer._number_pages()

        self.title, self.footer_text = title, footer
        self.pdf = pdf = _Document(format="Letter")
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=16)
        pdf.set_title(title)
        pdf.set_lang("en")
        body, fallbacks, self.missing = available_fonts()
        self.unicode = body is not None
        if body:
            pdf.add_font("Body", fname=body[0])
            pdf.add_font("Body", style="B", fname=body[1])
            self.family = "Body"
            self.fallbacks = fallbacks  # loaded when a line first needs them
            if not _shaping_available():
                self.missing.append("right-to-left shaping (the uharfbuzz package)")
        else:
            self.family = "Helvetica"
            self.missing.insert(0, "every script but Latin (fonts-noto-core or fonts-dejavu-core)")
        self.fallbacks_loaded = not self.unicode
        pdf.set_font(self.family, size=10)
        self.widths: dict[tuple[str, float], dict[str, float]] = {}
        self.contents: list[tuple[str, int, int]] = []  # title, page, link
        self.cover = cover
        # The cover letter and the contents are drawn last, when every record's page is known,
        # on the first page and as many pages inserted after it as they need.
        pdf.add_page()
        pdf.set_page_label(label_style="D")
        # A letter (contents=False) is drawn from the top of its first page, with no contents.
        self.with_contents = contents
        if contents:
            pdf.insert_toc_placeholder(self._front, pages=1, allow_extra_pages=True,
                                       reset_page_indices=False)

    # --- text ------------------------------------------------------------------------------

    def _load_fallbacks(self) -> None:
        """Parsing a font costs a fraction of a second and a few megabytes: a volume of plain
        Latin text never loads the others."""
        self.fallbacks_loaded = True
        pdf = self.pdf
        for name, path in self.fallbacks:
            try:
                pdf.add_font(name, fname=path)
            except Exception:  # noqa: BLE001 - a font fpdf2 cannot read is one missing
                continue
        names = [name for name, _ in self.fallbacks if name in pdf.fonts]
        if names:
            pdf.set_fallback_fonts(names, exact_match=False)
        if _shaping_available():
            pdf.set_text_shaping(True)

    def safe(self, text: str) -> str:
        if self.unicode:
            return text
        plain = unicodedata.normalize("NFKD", text)
        plain = "".join(c for c in plain if not unicodedata.combining(c))
        return plain.encode("latin-1", "replace").decode("latin-1")

    def _width(self, text: str, style: str, size: float) -> float:
        table = self.widths.setdefault((style, size), {})
        total = 0.0
        for char in text:
            width = table.get(char)
            if width is None:
                width = table[char] = self.pdf.get_string_width(char)
            total += width
        return total

    def _wrap(self, paragraph: str, style: str, size: float, width: float) -> list[str]:
        rows, row, row_width = [], "", 0.0
        space = self._width(" ", style, size)
        for word in paragraph.split(" "):
            word_width = self._width(word, style, size)
            if row and row_width + space + word_width > width:
                rows.append(row)
                row, row_width = "", 0.0
            while word_width > width:  # a word longer than a line is cut
                cut = max(1, int(len(word) * width / word_width))
                rows.append(word[:cut])
                word = word[cut:]
                word_width = self._width(word, style, size)
            if row:
                row, row_width = f"{row} {word}", row_width + space + word_width
            else:
                row, row_width = word, word_width
        rows.append(row)
        return rows

    def line(self, text: str, *, size: float = 10, style: str = "", height: float | None = None,
             color: tuple[int, int, int] = (26, 26, 26), indent: float = 0.0,
             link: int | None = None) -> None:
        pdf = self.pdf
        height = height or size * 0.5
        pdf.set_font(self.family, style=style, size=size)
        pdf.set_text_color(*color)
        text = self.safe(text)
        for paragraph in text.splitlines() or [""]:
            if PLAIN.search(paragraph):
                # Other scripts: fpdf2 picks fallback fonts and shapes right-to-left text.
                if not self.fallbacks_loaded:
                    self._load_fallbacks()
                if pdf.y + height > pdf.page_break_trigger:
                    pdf.add_page()
                pdf.set_x(pdf.l_margin + indent)
                # Flush with the plain lines (no cell padding), ragged like them (fpdf2 would
                # justify, spreading a short line across the page), and a paragraph that starts
                # in Arabic or Hebrew set from the right edge, as it reads.
                padding, pdf.c_margin = pdf.c_margin, 0
                pdf.multi_cell(pdf.epw - indent, height, paragraph, new_x="LMARGIN",
                               new_y="NEXT", link=link or "",
                               align="R" if right_to_left(paragraph) else "L")
                pdf.c_margin = padding
                continue
            for row in self._wrap(paragraph, style, size, pdf.epw - indent):
                if pdf.y + height > pdf.page_break_trigger:
                    pdf.add_page()
                if row:
                    pdf.text(pdf.l_margin + indent, pdf.y + height * 0.75, row)
                    if link is not None:
                        pdf.link(pdf.l_margin + indent, pdf.y, pdf.epw - indent, height, link)
                pdf.y += height
        pdf.x = pdf.l_margin

    def gap(self, height: float = 2.0) -> None:
        self.pdf.y += height

    def rule(self) -> None:
        pdf = self.pdf
        if pdf.y + 8 > pdf.page_break_trigger:
            pdf.add_page()
            return
        pdf.set_draw_color(118, 118, 118)
        pdf.line(pdf.l_margin, pdf.y, pdf.w - pdf.r_margin, pdf.y)
        pdf.y += 3

    def image(self, path: str, alt: str) -> None:
        pdf = self.pdf
        try:
            if pdf.y + 45 > pdf.page_break_trigger:
                pdf.add_page()
            info = pdf.image(path, x=pdf.l_margin, y=pdf.y, h=40, keep_aspect_ratio=True,
                             alt_text=alt or None)
            pdf.y += (info.rendered_height if info else 40) + 2
        except Exception:  # noqa: BLE001 - an image fpdf2 cannot read stays a reference
            self.line(f"[image: {alt or os.path.basename(path)}]", size=9, color=GREY)

    # --- records ---------------------------------------------------------------------------

    def record(self, page: RecordPage) -> None:
        pdf = self.pdf
        if pdf.y + 30 > pdf.page_break_trigger:
            pdf.add_page()
        link = pdf.add_link()
        pdf.set_link(link, y=pdf.y)
        self.contents.append((page.title, pdf.page_no(), link))
        self.line(page.title, size=12, style="B", height=6.5)
        for block in page.blocks:
            if block.kind == "byline":
                self.line(block.text, size=8.5, color=GREY, height=4.4)
            elif block.kind == "heading":
                self.gap(1)
                self.line(block.text, size=9.5, style="B", height=5)
            elif block.kind == "image" and block.image:
                self.image(block.image, block.text)
            elif block.kind == "history":
                self.line(f"• {block.text}", size=9, indent=3, height=4.6)
            elif block.kind == "note":
                self.line(block.text, size=9, color=GREY, height=4.6)
            else:
                self.line(block.text, size=10.5, height=5.4)
        self.gap(2)
        self.rule()

    # --- front matter and footer -----------------------------------------------------------

    def _front(self, pdf, _outline) -> None:
        before = len(pdf.pages)
        if self.cover:
            self.cover(self)
            pdf.add_page()
        self.line(self.title, size=12, style="B", height=6.5)
        if self.missing:
            self.line("Note: this machine had no font for " + "; ".join(self.missing)
                      + ". Such characters may show as empty boxes here; index.html, "
                      "records.json and records.csv hold every record's text in full.",
                      size=9, color=GREY, height=4.6)
        self.gap(2)
        self.line("Contents", size=15, style="B", height=8)
        self.gap(2)
        # The records' pages move back by the pages the front inserts: count them first (one
        # row an entry unless it wraps; titles are plain text).
        inserted, y = len(pdf.pages) - before, pdf.y
        for title, _, _ in self.contents:
            rows = 1 if PLAIN.search(title) else len(
                self._wrap(f"{title}  ·  page 000000", "", 9.5, pdf.epw))
            for _ in range(rows):
                if y + 5 > pdf.page_break_trigger:
                    inserted += 1
                    y = pdf.t_margin
                y += 5
        for title, page, link in self.contents:
            self.line(f"{title}  ·  page {page + inserted}", size=9.5, height=5, link=link)

    def _number_pages(self) -> None:
        """Each page's footer, written once the front pages are in place (a footer written at
        each page break would keep the number the page had before they were inserted)."""
        pdf = self.pdf
        page, x, y = pdf.page, pdf.x, pdf.y
        total = len(pdf.pages)
        for number in range(1, total + 1):
            pdf.page = number
            pdf.font_family = ""  # set the font again on every page
            pdf.set_font("Helvetica", size=8)
            pdf.set_text_color(*GREY)
            text = f"{self.footer_text} · page {number} of {total}"
            text = text.encode("latin-1", "replace").decode("latin-1")
            pdf.text((pdf.w - pdf.get_string_width(text)) / 2, pdf.h - 8, text)
        pdf.page, pdf.x, pdf.y = page, x, y

    def output(self) -> bytes:
        if not self.with_contents:
            self._number_pages()  # with contents, numbered once the front is in place
        return bytes(self.pdf.output())


def draw_letterhead(volume: PdfVolume, name: str, lines: list[str]) -> None:
    """The department's letterhead: its name, address and contacts, and a rule under them
    (the release's cover letter and every letter to a requester)."""
    volume.line(name, size=17, style="B", height=8.5)
    for line in lines:
        volume.line(line, size=9, color=GREY, height=4.6)
    volume.rule()
    volume.gap(4)

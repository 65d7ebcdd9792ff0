"""A horizontal bar chart drawn as server-side SVG geometry (no script; the table beside it is
the accessible alternative)."""
from dataclasses import dataclass

LABEL_WIDTH = 260
BAR_AREA = 420
ROW_HEIGHT = 28
BAR_HEIGHT = 18


@dataclass(frozen=True)
class Bar:
    label: str
    removed: int
    hidden: int
    y: int
    removed_width: int
    hidden_width: int

    @property
    def total(self) -> int:
        return self.removed + self.hidden


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int


def bar_chart(rows) -> Chart:
    """Bars for report rows (``label``, ``removed``, ``hidden``), scaled to the largest total."""
    largest = max((row.removed + row.hidden for row in rows), default=0) or 1
    bars = []
    for index, row in enumerate(rows):
        removed_width = round(BAR_AREA * row.removed / largest)
        hidden_width = round(BAR_AREA * row.hidden / largest)
        bars.append(Bar(label=row.label if len(row.label) <= 40 else row.label[:39] + "…",
                        removed=row.removed, hidden=row.hidden, y=index * ROW_HEIGHT + 4,
                        removed_width=removed_width, hidden_width=hidden_width))
    return Chart(bars=bars, width=LABEL_WIDTH + BAR_AREA + 60,
                 height=max(1, len(bars)) * ROW_HEIGHT + 8, label_width=LABEL_WIDTH,
                 bar_height=BAR_HEIGHT)

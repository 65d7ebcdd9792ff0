"""Pure helpers of the benchmark: medians, ratios, targets, the stored-comment check, the table.

Nothing here starts a server or touches a database, so it is tested on its own.
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field


def median(values: list[float]) -> float | None:
    """The median of the values that were measured (``None`` entries are skipped)."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def ratio(value: float | None, reference: float | None) -> float | None:
    """``value / reference``, or ``None`` when either is missing or the reference is zero."""
    if value is None or not reference:
        return None
    return value / reference


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (``p`` between 0 and 1)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 1))  # ceil(n * p), at least the first
    return ordered[int(min(rank, len(ordered))) - 1]


def round_ratios(pairs: list[tuple[float, float]]) -> list[float | None]:
    """Ratios of (measured, reference) pairs taken in the same round."""
    return [ratio(a, b) for a, b in pairs]


@dataclass(frozen=True)
class Target:
    """A target: the checked value must be ``>=`` or ``<=`` (``op``) the ``limit``."""
    op: str
    limit: float
    text: str

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value >= self.limit if self.op == ">=" else value <= self.limit


def at_least(limit: float, text: str) -> Target:
    return Target(">=", limit, text)


def at_most(limit: float, text: str) -> Target:
    return Target("<=", limit, text)


@dataclass
class Row:
    """One line of the table. ``checked`` is the number the target is about (a ratio, a p95 in
    ms...); ``figure`` is the measured value in words (e.g. "412 req/s")."""
    scenario: str
    database: str
    figure: str
    ratio: str = ""
    target: Target | None = None
    checked: float | None = None
    note: str = ""
    extra_ok: list[bool] = field(default_factory=list)  # further conditions (e.g. 0 errors)

    @property
    def met(self) -> str:
        if self.target is None and not self.extra_ok:
            return "-"
        verdicts = ([self.target.met(self.checked)] if self.target else []) + list(self.extra_ok)
        if any(v is None for v in verdicts):
            return "n/a"
        return "yes" if all(verdicts) else "NO"


def check_stored(acknowledged: list[str], stored: list[str]) -> dict:
    """Compare the texts the server acknowledged with the texts found in its database.

    Returns the counts and the acknowledged texts that are missing (or stored fewer times than
    acknowledged); texts stored more often than acknowledged are counted as ``duplicates``.
    ``ok`` means something was acknowledged and nothing acknowledged is missing.
    """
    want, have = Counter(acknowledged), Counter(stored)
    missing = sorted((want - have).elements())
    duplicates = sum((have - want).values())
    return {"acknowledged": len(acknowledged), "stored": sum((have & want).values()),
            "missing": missing, "duplicates": duplicates,
            "ok": bool(acknowledged) and not missing}


def errors_text(errors: dict) -> str:
    """``{503: 2, "socket": 1}`` -> ``"503: 2, socket: 1"``; nothing -> ``"0 errors"``."""
    if not errors:
        return "0 errors"
    return ", ".join(f"{key}: {count}" for key, count in sorted(errors.items(), key=lambda item: str(item[0])))


def fmt_rate(value: float | None) -> str:
    return "failed" if value is None else f"{value:,.0f} req/s"


def fmt_ratio(value: float | None, suffix: str = "x") -> str:
    return "-" if value is None else f"{value:.2f}{suffix}"


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


HEADERS = ("scenario", "database", "figure", "ratio", "target", "met?")


def _cells(row: Row) -> tuple[str, ...]:
    figure = row.figure + (f" ({row.note})" if row.note else "")
    return (row.scenario, row.database, figure, row.ratio,
            row.target.text if row.target else "-", row.met)


def text_table(rows: list[Row]) -> str:
    """The table for the terminal, columns padded to their widest cell."""
    cells = [HEADERS] + [_cells(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(HEADERS))).rstrip()
             for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[Row]) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|")
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(esc(c) for c in _cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def markdown_report(rows: list[Row], *, title: str, machine: dict, notes: list[str]) -> str:
    head = [f"# {title}", ""]
    head += [f"- {key}: {value}" for key, value in machine.items()]
    body = ["", markdown_table(rows), ""]
    if notes:
        body += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(head + body)

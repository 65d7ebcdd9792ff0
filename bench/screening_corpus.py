"""How well comment screening holds what it should and lets civil criticism through.

Run: .venv/bin/python bench/screening_corpus.py [--corpus PATH ...] [--classifier NAME]

Screens every comment of the labelled corpora in ``bench/corpus/`` (``comments.jsonl``, which
the rules were tuned on, and ``comments_heldout.jsonl``, written before any tuning and never
tuned on) exactly as a visitor's comment is screened, with a district whose own phone number
and address are known, and prints for each corpus:

- hold precision and recall over all comments (a "hold" is any flag that holds);
- for each category, how many comments were held, and how many with a reason a moderator
  expects (the ``rules`` of its label);
- for each screening rule, its precision (flags whose comment is labelled with that rule);
- the rate at which civil criticism of the department is held (viewpoint neutrality).

Exits 1 when a corpus misses a target (``TARGETS``): civil criticism held more than 5% of the
time, insults, slurs or threats held less than 90% of the time, or any other hold category
below 85%. ``tests/test_screening_corpus.py`` runs the same measurement.

``--classifier alt-profanity-check`` measures that package's classifier (hold when it
predicts offensive language) instead of the rules, for comparison; it needs the package (and
its pinned scikit-learn) installed, which Beatdesk itself does not.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
CORPORA = (CORPUS_DIR / "comments.jsonl", CORPUS_DIR / "comments_heldout.jsonl")

# The district the comments are posted to: its own number and address are official, so a
# visitor quoting them is not giving away anybody's personal information.
DISTRICT_PHONE = "+13127466000"
DISTRICT_ADDRESS = "3510 S Michigan Ave"

CIVIL = "civil_criticism"
ABUSE = ("insult", "slur", "threat")
TARGETS = {
    "civil_held_max": 0.05,     # viewpoint neutrality: civil criticism must stay
    "abuse_recall_min": 0.90,   # insults, slurs and threats, each category
    "other_recall_min": 0.85,   # profanity, personal information, spam, each category
}


@dataclass(frozen=True)
class Labelled:
    id: str
    text: str
    category: str
    decision: str          # "hold" or "publish"
    rules: tuple[str, ...]  # reasons a moderator would expect (any one of them)
    reason: str


@dataclass
class Outcome:
    item: Labelled
    rules: frozenset[str]  # the rules of the flags that hold

    @property
    def held(self) -> bool:
        return bool(self.rules)

    @property
    def right_reason(self) -> bool:
        return bool(self.rules & set(self.item.rules))


@dataclass
class Report:
    outcomes: list[Outcome]
    categories: dict[str, dict] = field(default_factory=dict)
    rules: dict[str, dict] = field(default_factory=dict)
    precision: float = 1.0
    recall: float = 1.0
    civil_held: float = 0.0
    failures: list[str] = field(default_factory=list)
    millis: list[float] = field(default_factory=list)  # screening time per comment


def load(path: Path) -> list[Labelled]:
    items = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["decision"] not in ("hold", "publish"):
            raise ValueError(f"{path.name} line {number}: decision must be hold or publish")
        items.append(Labelled(row["id"], row["text"], row["category"], row["decision"],
                              tuple(row.get("rules", ())), row.get("reason", "")))
    return items


def rules_screener() -> Callable[[str], frozenset[str]]:
    """Beatdesk's screening, as ``beatdesk.screening.screen_comment`` applies it."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from beatdesk import screening
    from beatdesk.checks import CheckContext

    context = CheckContext(official_phones=frozenset({DISTRICT_PHONE}),
                           official_addresses=frozenset({DISTRICT_ADDRESS}))

    def screen(text: str) -> frozenset[str]:
        flags = screening.screen_text(
            text, detector_findings=screening.detector_findings_for(text, context))
        return frozenset(flag.rule for flag in flags if flag.holds)
    return screen


def classifier_screener(name: str) -> Callable[[str], frozenset[str]]:
    if name != "alt-profanity-check":
        raise SystemExit(f"Unknown classifier {name!r}; try alt-profanity-check.")
    from profanity_check import predict  # only this comparison needs it

    def screen(text: str) -> frozenset[str]:
        return frozenset({"classifier"}) if predict([text])[0] else frozenset()
    return screen


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def measure(items: Sequence[Labelled], screen: Callable[[str], frozenset[str]]) -> Report:
    """Screen every item and compute the figures and the targets it misses."""
    outcomes, millis = [], []
    for item in items:
        start = time.perf_counter()
        outcomes.append(Outcome(item, screen(item.text)))
        millis.append((time.perf_counter() - start) * 1000)
    report = Report(outcomes, millis=sorted(millis))
    held = [o for o in report.outcomes if o.held]
    should = [o for o in report.outcomes if o.item.decision == "hold"]
    report.precision = _ratio(sum(o.item.decision == "hold" for o in held), len(held))
    report.recall = _ratio(sum(o.held for o in should), len(should))
    for category in dict.fromkeys(o.item.category for o in report.outcomes):
        group = [o for o in report.outcomes if o.item.category == category]
        report.categories[category] = {
            "n": len(group), "decision": group[0].item.decision,
            "held": sum(o.held for o in group),
            "right_reason": sum(o.right_reason for o in group),
            "missed": [o.item.id for o in group
                       if o.held != (o.item.decision == "hold")]}
    for rule in sorted({r for o in report.outcomes for r in o.rules}):
        flagged = [o for o in report.outcomes if rule in o.rules]
        report.rules[rule] = {"flagged": len(flagged),
                              "correct": sum(rule in o.item.rules for o in flagged)}
    civil = report.categories.get(CIVIL, {"n": 0, "held": 0})
    report.civil_held = _ratio(civil["held"], civil["n"]) if civil["n"] else 0.0
    if report.civil_held > TARGETS["civil_held_max"]:
        report.failures.append(f"civil criticism held {report.civil_held:.1%} "
                               f"(at most {TARGETS['civil_held_max']:.0%})")
    for category, figures in report.categories.items():
        if figures["decision"] != "hold":
            continue
        target = TARGETS["abuse_recall_min" if category in ABUSE else "other_recall_min"]
        recall = _ratio(figures["held"], figures["n"])
        if recall < target:
            report.failures.append(f"{category} recall {recall:.2f} (at least {target:.2f})")
    return report


def print_report(title: str, report: Report, verbose: bool) -> None:
    print(f"\n== {title}: {len(report.outcomes)} comments")
    print(f"hold precision {report.precision:.3f}, recall {report.recall:.3f}; "
          f"civil criticism held {report.civil_held:.1%}")
    if report.millis:
        print(f"screening time per comment: mean {sum(report.millis) / len(report.millis):.2f} "
              f"ms, p95 {report.millis[int(len(report.millis) * 0.95)]:.2f} ms, "
              f"max {report.millis[-1]:.2f} ms")
    print(f"{'category':<16}{'n':>5}{'expect':>9}{'held':>6}{'rate':>7}{'reason ok':>11}")
    for category, f in report.categories.items():
        print(f"{category:<16}{f['n']:>5}{f['decision']:>9}{f['held']:>6}"
              f"{_ratio(f['held'], f['n']):>7.2f}{f['right_reason']:>11}")
    print(f"{'rule':<16}{'flagged':>8}{'correct':>9}{'precision':>11}")
    for rule, f in report.rules.items():
        print(f"{rule:<16}{f['flagged']:>8}{f['correct']:>9}"
              f"{_ratio(f['correct'], f['flagged']):>11.3f}")
    if verbose:
        for o in report.outcomes:
            if o.held != (o.item.decision == "hold"):
                wrong = "held" if o.held else "missed"
                print(f"  {wrong}: {o.item.id} [{o.item.category}] {sorted(o.rules)} "
                      f"{o.item.text}")
    for failure in report.failures:
        print(f"BELOW TARGET: {failure}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, nargs="*", default=list(CORPORA))
    parser.add_argument("--classifier", help="measure a classifier package instead")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list every comment decided against its label")
    args = parser.parse_args(argv)
    screen = classifier_screener(args.classifier) if args.classifier else rules_screener()
    failed = False
    for path in args.corpus:
        report = measure(load(path), screen)
        print_report(path.name, report, args.verbose)
        failed = failed or bool(report.failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

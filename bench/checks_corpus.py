"""How well the policy checks judge realistic posts: recall of blocking findings, false positives
on clean posts, and how well they spot notable incidents.

Run: .venv/bin/python bench/checks_corpus.py [--misses] [corpus.jsonl ...]

The corpora are JSON Lines, one labelled post a line:
    {"id": "p001", "kind": "routine|near_miss|notable|prohibited|warning", "category": "...",
     "blocking": ["victim_identity", ...], "notable": true, "text": "...",
     "warnings": ["tone"]}
``blocking`` lists every blocking rule the post must trigger; an empty list means the post is
clean and any blocking finding on it is a false positive. ``warnings`` (optional) lists the
measured warning rules (``MEASURED_WARNINGS``: insulting or mocking tone) the post must trigger;
a "warning" post draws such a warning and nothing blocking, and any measured warning on a post
that doesn't list it is a false warning. ``bench/corpus/posts.jsonl`` is the
development corpus the rules were tuned on; ``bench/corpus/posts_holdout.jsonl`` was written
before tuning and is reported separately, as the honest estimate.

Targets (on each corpus): recall of blocking findings >= 0.95, false-positive rate on clean
posts <= 0.05. The exit code is 1 when the development corpus misses a target.
"""
import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from beatdesk.checks import CheckContext, Severity, is_notable, run_checks  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "corpus"
DEVELOPMENT = CORPUS / "posts.jsonl"
HOLDOUT = CORPUS / "posts_holdout.jsonl"
RECALL_TARGET = 0.95
FALSE_POSITIVE_TARGET = 0.05
# Warnings that say something is wrong with the words (not facts to acknowledge, such as a
# street address or a court date), so a corpus can say where they belong.
MEASURED_WARNINGS = ("tone",)

# The department the sample posts are written for: its headquarters and district stations,
# its desk numbers and its e-mail domain (as context_for would gather them).
CONTEXT = CheckContext(
    official_phones=frozenset({"+13127466000", "+13127454290"}),
    official_email_domains=frozenset({"pd.example.gov"}),
    official_addresses=frozenset({
        "3510 S. Michigan Avenue", "1718 S. State Street", "3120 S. Halsted Street",
        "1438 W. 63rd Street", "1412 S. Blue Island Avenue"}),
)


@dataclass
class Measurement:
    name: str
    posts: int = 0
    expected: Counter = field(default_factory=Counter)     # rule -> posts that must trigger it
    found: Counter = field(default_factory=Counter)        # rule -> of those, posts that did
    clean: Counter = field(default_factory=Counter)        # kind -> clean posts
    false_positives: Counter = field(default_factory=Counter)  # kind -> clean posts blocked
    extra: Counter = field(default_factory=Counter)        # rule -> unexpected blocking findings
    notable_tp: int = 0
    notable_fp: int = 0
    notable_fn: int = 0
    warnings_expected: Counter = field(default_factory=Counter)  # rule -> posts that must warn
    warnings_found: Counter = field(default_factory=Counter)
    warnings_unexpected: Counter = field(default_factory=Counter)  # rule -> posts warned wrongly
    misses: list = field(default_factory=list)

    @property
    def recall(self) -> float:
        total = sum(self.expected.values())
        return sum(self.found.values()) / total if total else 1.0

    @property
    def false_positive_rate(self) -> float:
        total = sum(self.clean.values())
        return sum(self.false_positives.values()) / total if total else 0.0

    @property
    def notable_precision(self) -> float:
        flagged = self.notable_tp + self.notable_fp
        return self.notable_tp / flagged if flagged else 1.0

    @property
    def notable_recall(self) -> float:
        labelled = self.notable_tp + self.notable_fn
        return self.notable_tp / labelled if labelled else 1.0

    @property
    def warning_recall(self) -> float:
        total = sum(self.warnings_expected.values())
        return sum(self.warnings_found.values()) / total if total else 1.0

    @property
    def meets_targets(self) -> bool:
        return (self.recall >= RECALL_TARGET
                and self.false_positive_rate <= FALSE_POSITIVE_TARGET)


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def measure(posts: list[dict], name: str = "corpus",
            context: CheckContext = CONTEXT) -> Measurement:
    """Run the checks over labelled posts and count hits, misses and false alarms."""
    result = Measurement(name)
    for post in posts:
        result.posts += 1
        findings = run_checks(post["text"], context=context)
        blocking = {f.rule for f in findings if f.severity is Severity.BLOCKING}
        expected = set(post["blocking"])
        for rule in expected:
            result.expected[rule] += 1
            if rule in blocking:
                result.found[rule] += 1
            else:
                result.misses.append((post["id"], f"missed {rule}", post["text"]))
        for rule in blocking - expected:
            result.extra[rule] += 1
            quotes = [f.quote for f in findings if f.rule == rule]
            result.misses.append((post["id"], f"unexpected {rule} {quotes}", post["text"]))
        if not expected:
            result.clean[post["kind"]] += 1
            if blocking:
                result.false_positives[post["kind"]] += 1
        warned = {f.rule for f in findings if f.severity is Severity.WARNING
                  and f.rule in MEASURED_WARNINGS}
        expected_warnings = set(post.get("warnings", ()))
        for rule in expected_warnings:
            result.warnings_expected[rule] += 1
            if rule in warned:
                result.warnings_found[rule] += 1
            else:
                result.misses.append((post["id"], f"missed warning {rule}", post["text"]))
        for rule in warned - expected_warnings:
            result.warnings_unexpected[rule] += 1
            quotes = [f.quote for f in findings if f.rule == rule]
            result.misses.append((post["id"], f"unexpected warning {rule} {quotes}",
                                  post["text"]))
        flagged = is_notable(findings)
        if flagged and post["notable"]:
            result.notable_tp += 1
        elif flagged:
            result.notable_fp += 1
            result.misses.append((post["id"], "unexpected notable", post["text"]))
        elif post["notable"]:
            result.notable_fn += 1
            result.misses.append((post["id"], "missed notable", post["text"]))
    return result


def report(result: Measurement, show_misses: bool = False) -> str:
    lines = [f"== {result.name}: {result.posts} posts"]
    lines.append(f"recall of blocking findings: {result.recall:.3f} "
                 f"({sum(result.found.values())}/{sum(result.expected.values())}; "
                 f"target >= {RECALL_TARGET})")
    for rule in sorted(result.expected):
        lines.append(f"  {rule:<20} {result.found[rule]:>3}/{result.expected[rule]:<3} "
                     f"recall {result.found[rule] / result.expected[rule]:.3f}")
    lines.append(f"false positives on clean posts: {result.false_positive_rate:.3f} "
                 f"({sum(result.false_positives.values())}/{sum(result.clean.values())}; "
                 f"target <= {FALSE_POSITIVE_TARGET})")
    for kind in sorted(result.clean):
        lines.append(f"  {kind:<20} {result.false_positives[kind]:>3}/{result.clean[kind]:<3}")
    if result.extra:
        lines.append("unexpected blocking findings on labelled posts: "
                     + ", ".join(f"{rule} {count}" for rule, count in sorted(result.extra.items())))
    if result.warnings_expected or result.warnings_unexpected:
        lines.append(f"measured warnings: recall {result.warning_recall:.3f} "
                     f"({sum(result.warnings_found.values())}/"
                     f"{sum(result.warnings_expected.values())}), on posts that should not "
                     f"draw them: {sum(result.warnings_unexpected.values())}")
    lines.append(f"notable incidents: precision {result.notable_precision:.3f}, "
                 f"recall {result.notable_recall:.3f} (tp {result.notable_tp}, "
                 f"fp {result.notable_fp}, fn {result.notable_fn})")
    if show_misses:
        lines.extend(f"  {post_id}: {what}: {text}" for post_id, what, text in result.misses)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpora", nargs="*", type=Path, default=[DEVELOPMENT, HOLDOUT])
    parser.add_argument("--misses", action="store_true", help="list every miss and false alarm")
    args = parser.parse_args(argv)
    status = 0
    for path in args.corpora:
        result = measure(load(path), path.name)
        print(report(result, args.misses))
        if path == DEVELOPMENT and not result.meets_targets:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())

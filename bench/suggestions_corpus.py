"""How well suggested redactions find private persons' data, and only that.

Run: .venv/bin/python bench/suggestions_corpus.py [--corpus PATH] [--verbose]

Reads every text of the labelled corpus ``bench/corpus/redaction_suggestions.jsonl`` (each line:
``id``, ``text``, ``expected`` as [kind, passage] pairs, and a ``note``; about a third are near
misses such as case numbers, versions, times and official contact details) exactly as the
records of a request are read (:func:`beatdesk.private_passages.find_private_passages`), with
the department's own phone number, e-mail domain and address known, and prints:

- recall: expected passages suggested with their kind (a home and a street address count as
  the same kind: both cite 7(1)(b));
- precision: suggestions that are expected passages;
- each miss and each false suggestion.

Exits 1 when recall is below 0.95 or precision below 0.9 (``TARGETS``);
``tests/test_redaction_suggestions.py`` runs the same measurement.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from beatdesk.checks.findings import CheckContext  # noqa: E402
from beatdesk.private_passages import find_private_passages  # noqa: E402

CORPUS = ROOT / "bench" / "corpus" / "redaction_suggestions.jsonl"
TARGETS = {"recall_min": 0.95, "precision_min": 0.90}
# The department whose records these are: its own line, domain and address are official.
CONTEXT = CheckContext(official_phones=frozenset({"+13127466000"}),
                       official_email_domains=frozenset({"chicagopolice.org"}),
                       official_addresses=frozenset({"3510 S Michigan Ave"}))
SAME_KIND = {"street_address": "address", "home_address": "address"}


@dataclass(frozen=True)
class Labelled:
    id: str
    text: str
    expected: tuple[tuple[str, str], ...]
    note: str


@dataclass
class Score:
    expected: int = 0
    suggested: int = 0
    found: int = 0
    correct: int = 0
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.suggested if self.suggested else 1.0


def load(path: Path = CORPUS) -> list[Labelled]:
    items = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                raw = json.loads(line)
                items.append(Labelled(raw["id"], raw["text"],
                                      tuple((k, p) for k, p in raw["expected"]),
                                      raw.get("note", "")))
    return items


def _key(kind: str, passage: str) -> tuple[str, str]:
    return SAME_KIND.get(kind, kind), passage.strip()


def measure(items: list[Labelled], context: CheckContext = CONTEXT) -> Score:
    score = Score()
    for item in items:
        expected = {_key(k, p) for k, p in item.expected}
        suggested = {_key(p.kind, p.text) for p in find_private_passages(item.text, context)}
        score.expected += len(expected)
        score.suggested += len(suggested)
        score.found += len(expected & suggested)
        score.correct += len(suggested & expected)
        score.misses += [f"{item.id}: {k} {p!r}" for k, p in sorted(expected - suggested)]
        score.false_positives += [f"{item.id}: {k} {p!r}"
                                  for k, p in sorted(suggested - expected)]
    return score


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--verbose", action="store_true", help="print every text's result")
    args = parser.parse_args(argv)
    items = load(args.corpus)
    score = measure(items)
    near = sum(1 for item in items if not item.expected)
    print(f"{len(items)} texts ({near} near misses), {score.expected} private passages")
    print(f"recall    {score.recall:.3f} ({score.found}/{score.expected})")
    print(f"precision {score.precision:.3f} ({score.correct}/{score.suggested})")
    for line in score.misses:
        print("missed   ", line)
    for line in score.false_positives:
        print("false    ", line)
    if args.verbose:
        for item in items:
            found = [(p.kind, p.text) for p in find_private_passages(item.text, CONTEXT)]
            print(item.id, found, "|", item.note)
    ok = score.recall >= TARGETS["recall_min"] and score.precision >= TARGETS["precision_min"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

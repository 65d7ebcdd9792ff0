"""Screening measured on the labelled comment corpora (issue 9, acceptance 5).

``bench/screening_corpus.py`` prints the figures; this test runs the same measurement and holds
the rules to the targets: civil criticism of the department held at most 5% of the time
(viewpoint neutrality), insults, slurs and threats each held at least 90% of the time, the other
hold categories at least 85%. Before issue 9 the rules held 28% of the corpus's insults and 30%
of its threats.
"""
import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "screening_corpus.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("screening_corpus", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def screen(bench):
    return bench.rules_screener()


def test_corpora_are_labelled_and_large_enough(bench):
    main, heldout = (bench.load(path) for path in bench.CORPORA)
    assert len(main) >= 300 and len(heldout) >= 60
    ids = [item.id for item in main + heldout]
    assert len(ids) == len(set(ids))
    expected = {"civil_criticism", "ordinary", "profanity", "insult", "slur", "threat",
                "personal_info", "spam"}
    for items in (main, heldout):
        assert {item.category for item in items} == expected
        for item in items:
            assert item.reason and item.text.strip()
            assert (item.decision == "hold") == bool(item.rules), item.id


@pytest.mark.parametrize("corpus", ["comments.jsonl", "comments_heldout.jsonl"])
def test_screening_meets_its_targets(bench, screen, corpus):
    report = bench.measure(bench.load(bench.CORPUS_DIR / corpus), screen)
    assert report.failures == []
    assert report.civil_held <= 0.05
    for category in ("insult", "slur", "threat"):
        figures = report.categories[category]
        assert figures["held"] / figures["n"] >= 0.90, (category, figures["missed"])
    assert report.precision >= 0.95


def test_bench_exits_non_zero_below_target(bench, tmp_path):
    corpus = tmp_path / "civil.jsonl"
    corpus.write_text('{"id": "x1", "category": "civil_criticism", "decision": "publish", '
                      '"rules": [], "reason": "civil", "text": "Thanks, officers."}\n'
                      '{"id": "x2", "category": "threat", "decision": "hold", '
                      '"rules": ["threat"], "reason": "threat", "text": "Have a nice day."}\n',
                      "utf-8")
    assert bench.main(["--corpus", str(corpus)]) == 1

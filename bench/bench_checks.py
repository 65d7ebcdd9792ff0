"""How long the policy checks and the length counting take per post.

Run: .venv/bin/python bench/bench_checks.py [posts]
Prints the mean and 95th-percentile time per post for run_checks and count_all over generated
posts of realistic length (with and without findings, a few admin-added phrases).
"""
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from beatdesk.checks import CheckContext, ImageFacts, run_checks  # noqa: E402
from beatdesk.counting import count_all  # noqa: E402

SENTENCES = [
    "Road closure: Michigan Avenue between Randolph and Monroe is closed until 6 pm.",
    "Officers arrested two men after a burglary in the 1200 block of Main Street.",
    "Join us for coffee with a cop on Friday at 9 at the district station.",
    "Call the district desk at (312) 746-6000 with tips, or 911 in an emergency.",
    "Free flu shots at the station on Saturday; bring the kids for a K9 demo.",
    "Surveillance video shows the suspect leaving the store: https://pd.example.gov/v/123",
    "Lock your car and take your keys: thieves target unlocked vehicles. 🚓🚨",
    "A man was charged with aggravated battery; his next court date is December 4.",
    "The victim, a 34-year-old woman, was struck at 63rd and Halsted; Officer Jane Smith helped.",
    "Congratulations to Sgt. Kateryna Kovalenko on her promotion to lieutenant!",
]
CONTEXT = CheckContext(official_phones=frozenset({"+13127466000"}),
                       official_email_domains=frozenset({"pd.example.gov"}),
                       official_addresses=frozenset({"1718 S. State Street"}),
                       extra_terms={"confidential": ("operation nightfall", "bravo team"),
                                    "notable": ("pursuit",)})
IMAGES = [ImageFacts("a.jpg", "Officers at the parade", "Photo: PD", True)]


def timed(function, posts):
    times = []
    for post in posts:
        start = time.perf_counter()
        function(post)
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.mean(times) * 1000, times[int(len(times) * 0.95)] * 1000


def main(count: int) -> None:
    rng = random.Random(42)
    posts = [" ".join(rng.sample(SENTENCES, rng.randint(1, 4))) for _ in range(count)]
    for name, function in (("run_checks", lambda p: run_checks(p, IMAGES, CONTEXT)),
                           ("count_all", count_all)):
        mean, p95 = timed(function, posts)
        print(f"{name:>10}: mean {mean:.2f} ms, p95 {p95:.2f} ms per post ({count} posts)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)

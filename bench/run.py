"""One benchmark for Beatdesk's speed targets (issue 11), side by side with a bare Flask route
and the Isso 0.14 comment server, on SQLite and on PostgreSQL.

    .venv/bin/python bench/run.py            # full sizes: 10,000 posts, 1,000,000 rows, ...
    .venv/bin/python bench/run.py --quick    # small sizes, under 5 minutes

It starts everything it needs and stops all of it at the end (also on Ctrl+C or an error):
a bare Flask "hello" app and Beatdesk (page cache on, and a second server with
PUBLIC_CACHE_SECONDS=0) under gunicorn with 2 sync workers, on a throwaway SQLite file and on
the scratch PostgreSQL database ``beatdesk_bench_run`` (created and dropped; 127.0.0.1:5432,
user postgres, or --pg-admin-url), and Isso 0.14.0 from its own virtualenv
(``bench/.isso-venv``, created with pip on first use) under gunicorn with 2 workers.
Load comes from wrk (-t2 -c8) when installed, else from 8 keep-alive client processes.
Each scenario is measured alternately with its reference (the hello route, or Isso) in every
round, so each ratio comes from one round; the table shows the median of the rounds.
The table is printed and written to bench/results/latest.md (or --output).
The exit code is 0 even when targets are missed; it is non-zero only if the harness failed.
"""
from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import report  # noqa: E402
from bench.harness.report import Row, at_least, at_most  # noqa: E402

PG_DATABASE = "beatdesk_bench_run"


@dataclass(frozen=True)
class Sizes:
    posts: int
    small_thread: int
    big_thread: int
    queue_comments: int
    archive_records: int
    release_small: int
    release_big: int
    seconds: float
    rounds: int
    repeat: int  # page renders per moderation filter
    queries: int  # archive searches
    like_queries: int


FULL = Sizes(posts=10_000, small_thread=50, big_thread=2_600, queue_comments=1_000_000,
             archive_records=1_000_000, release_small=10_000, release_big=100_000,
             seconds=5, rounds=3, repeat=40, queries=300, like_queries=15)
QUICK = Sizes(posts=1_000, small_thread=50, big_thread=600, queue_comments=20_000,
              archive_records=20_000, release_small=200, release_big=2_000,
              seconds=1, rounds=3, repeat=15, queries=60, like_queries=5)


def _database_name(value: str) -> str:
    if not (value.isascii() and value.replace("_", "a").isalnum() and value[:1].isalpha()
            and len(value) <= 63):
        raise argparse.ArgumentTypeError("a database name is letters, digits and _ (up to 63), "
                                         "starting with a letter")
    return value


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and 1-second measurements (under 5 minutes)")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default both)")
    parser.add_argument("--only", default="",
                        help="comma-separated parts to run: http, comments, queue, search, "
                             "release (default all)")
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL server where the scratch database is created")
    parser.add_argument("--pg-database", default=PG_DATABASE, type=_database_name,
                        help="name of the scratch PostgreSQL database (created and dropped)")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "latest.md"))
    parser.add_argument("--rounds", type=int, help="rounds per scenario (default 3)")
    parser.add_argument("--seconds", type=float, help="seconds per measurement")
    parser.add_argument("--release-databases", default="sqlite",
                        help="databases the release package is built on (building 100,000 "
                             "records takes minutes; default sqlite)")
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from bench.harness.load import wrk_available
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{os.cpu_count()} CPUs (nproc {_nproc()}), {cpu}",
            "servers": "gunicorn, 2 sync workers each (hello, Beatdesk, Isso 0.14.0)",
            "load": ("wrk -t2 -c8" if wrk_available() else "8 keep-alive client processes")}


def _nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


# --- PostgreSQL scratch database ---------------------------------------------------------------

def create_pg(admin_url: str, name: str = PG_DATABASE) -> str:
    from sqlalchemy import create_engine, text
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_pg(admin_url: str, name: str = PG_DATABASE) -> None:
    from sqlalchemy import create_engine, text
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


# --- the run -----------------------------------------------------------------------------------

class Run:
    def __init__(self, args, sizes: Sizes, workdir: Path):
        from bench.harness.servers import Servers
        self.args, self.sizes, self.workdir = args, sizes, workdir
        self.servers = Servers()
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.hello_port: int | None = None
        self.isso_port: int | None = None
        self.isso_threads: dict[str, str] = {}
        from cryptography.fernet import Fernet
        self.keys = Fernet.generate_key().decode()

    def wanted(self, part: str) -> bool:
        only = [p.strip() for p in self.args.only.split(",") if p.strip()]
        return not only or part in only

    # servers

    def start_hello(self) -> None:
        from bench.harness import servers
        port = servers.free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.servers.start("hello", servers.gunicorn_argv(servers.venv_gunicorn(),
                                                          "bench.harness.hello_app:app", port),
                           env, "/hello", port, self.workdir / "hello.log")
        self.hello_port = port

    def start_isso(self) -> None:
        from bench.harness import seeding, servers
        log("Isso 0.14.0: virtualenv, server, threads")
        venv = servers.ensure_isso(self.workdir / "isso-install.log")
        port = servers.free_port()
        config = servers.isso_config(self.workdir, port)
        env = {**os.environ, "ISSO_SETTINGS": str(config)}
        env.pop("PYTHONPATH", None)
        self.servers.start("isso", servers.isso_argv(venv, port), env, "/info", port,
                           self.workdir / "isso-server.log")
        log(f"Isso: seeding threads of {self.sizes.small_thread} and "
            f"{self.sizes.big_thread:,} comments")
        self.isso_port = port
        self.isso_threads = {"small": "/bench/small", "big": "/bench/big", "write": "/bench/write"}
        seeding.seed_isso(port, {self.isso_threads["small"]: self.sizes.small_thread,
                                 self.isso_threads["big"]: self.sizes.big_thread,
                                 self.isso_threads["write"]: 1})

    def start_beatdesk(self, name: str, url: str,
                       cache_seconds: int | None) -> tuple[int, object]:
        """``cache_seconds``: PUBLIC_CACHE_SECONDS, or ``None`` for the application's default."""
        from bench.harness import servers
        port = servers.free_port()
        env = servers.beatdesk_env(url, self.workdir, cache_seconds, self.keys)
        process = self.servers.start(
            name, servers.gunicorn_argv(servers.venv_gunicorn(), "app:create_app()", port),
            env, "/healthz", port, self.workdir / f"{name}.log")
        return port, process

    # measuring

    def rounds(self, first, second) -> tuple[list, list]:
        """Alternate ``first`` and ``second`` (each a callable returning a result) per round."""
        a, b = [], []
        for _ in range(self.sizes.rounds):
            a.append(first())
            b.append(second())
        return a, b

    def get_vs_hello(self, port: int, path: str) -> dict:
        from bench.harness.load import measure_get
        seconds = self.sizes.seconds
        warm(port, path)
        scenario, hello = self.rounds(lambda: measure_get(port, path, seconds),
                                      lambda: measure_get(self.hello_port, "/hello", seconds))
        ratios = report.round_ratios([(s[0], h[0]) for s, h in zip(scenario, hello)])
        errors: dict = {}
        for rate, errs in scenario:
            for key, count in errs.items():
                errors[key] = errors.get(key, 0) + count
        return {"rate": report.median([s[0] for s in scenario]),
                "hello": report.median([h[0] for h in hello]),
                "ratio": report.median(ratios), "errors": errors}

    def get_vs_isso(self, port: int, path: str, isso_path: str) -> dict:
        from bench.harness.load import measure_get
        seconds = self.sizes.seconds
        warm(port, path)
        warm(self.isso_port, isso_path)
        ours, isso = self.rounds(lambda: measure_get(port, path, seconds),
                                 lambda: measure_get(self.isso_port, isso_path, seconds))
        ratios = report.round_ratios([(o[0], i[0]) for o, i in zip(ours, isso)])
        errors: dict = {}
        for _, errs in ours:
            for key, count in errs.items():
                errors[key] = errors.get(key, 0) + count
        return {"rate": report.median([o[0] for o in ours]),
                "isso": report.median([i[0] for i in isso]),
                "ratio": report.median(ratios), "errors": errors}

    def http_row(self, scenario, db, result, target=None, note=""):
        errors = result["errors"]
        note = "; ".join(x for x in (note, report.errors_text(errors) if errors else "") if x)
        self.rows.append(Row(scenario, db, report.fmt_rate(result["rate"]),
                             report.fmt_ratio(result["ratio"],
                                              " of Isso" if "isso" in result else " of hello"),
                             target, result["ratio"], note=note))

    # parts

    def http_scenarios(self, db: str, url: str) -> None:
        from bench import public_pages
        from bench.harness import seeding
        s = self.sizes
        log(f"{db}: seeding {s.posts:,} posts and comment threads")
        # PostgreSQL: the scratch database's schema is emptied; SQLite: a new file.
        url = public_pages.prepare_database(url if db == "postgresql" else None,
                                            self.workdir if db == "postgresql"
                                            else self._fresh_dir("pages"))
        slug = public_pages.seed(url, s.posts, 25)
        terms_version = seeding.install_terms(url)
        write_post, big_post, small_post = seeding.published_posts(url, 3)
        seeding.seed_comments(url, {small_post: s.small_thread, big_post: s.big_thread},
                              terms_version)
        cached, _ = self.start_beatdesk(f"beatdesk-{db}-cached", url, None)
        uncached, _ = self.start_beatdesk(f"beatdesk-{db}-uncached", url, 0)
        page_path = self.comment_page_path(cached, big_post)
        if self.wanted("http"):
            log(f"{db}: pages against the bare route")
            plan = [
                ("district page, anonymous, cached", cached, f"/districts/{slug}",
                 at_least(0.6, ">= 0.6 of hello")),
                ("district page, uncached", uncached, f"/districts/{slug}",
                 at_least(0.15, ">= 0.15 of hello")),
                ("district feed (Atom), cached", cached, f"/districts/{slug}/feed.atom", None),
                ("district feed (Atom), uncached", uncached, f"/districts/{slug}/feed.atom", None),
                ("department feed (RSS), cached", cached, "/feeds/department.rss", None),
                ("department feed (RSS), uncached", uncached, "/feeds/department.rss", None),
                (f"post page, {s.small_thread} comments, cached", cached, f"/posts/{small_post}",
                 at_least(0.5, ">= 0.5 of hello")),
                (f"post page, {s.small_thread} comments, uncached", uncached,
                 f"/posts/{small_post}", at_least(0.1, ">= 0.1 of hello")),
                (f"post page, {s.big_thread:,} comments, cached", cached, f"/posts/{big_post}",
                 None),
                (f"post page, {s.big_thread:,} comments, uncached", uncached,
                 f"/posts/{big_post}", None),
            ]
            if self.args.quick:  # the scenarios with a target, and one feed, only
                plan = [p for p in plan if p[3] is not None or p[0] in (
                    "district feed (Atom), cached",
                    f"post page, {s.big_thread:,} comments, uncached")]
            for scenario, port, path, target in plan:
                log(f"  {scenario}")
                self.http_row(scenario, db, self.get_vs_hello(port, path), target)
            log("  a page of 50 comments vs Isso's list")
            result = self.get_vs_isso(uncached, page_path,
                                      f"/?uri={self.isso_threads['big']}&limit=50")
            self.http_row(f"page of 50 comments of {s.big_thread:,} (uncached) vs Isso list "
                          f"(limit=50)", db, result, at_least(5, ">= 5x Isso"),
                          note=f"{page_path}; Isso {report.fmt_rate(result['isso'])}")
        if self.wanted("comments"):
            self.comment_writes(db, url, uncached, write_post)

    def _fresh_dir(self, name: str) -> Path:
        path = self.workdir / name
        path.mkdir(exist_ok=True)
        return path

    def comment_page_path(self, port: int, post_id: int) -> str:
        """The post's second page of comments when the page links to one, else the post page
        (whose first page of comments is then what is read)."""
        import http.client
        import re
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", f"/posts/{post_id}")
        html = conn.getresponse().read().decode("utf-8", "replace")
        conn.close()
        links = []
        for href in re.findall(r'href="([^"]*)"', html):
            href = href.replace("&amp;", "&").split("#", 1)[0]
            if href.startswith("?"):
                href = f"/posts/{post_id}{href}"
            href = re.sub(r"^https?://[^/]+", "", href)
            if href.startswith(f"/posts/{post_id}?") and "comment=" not in href:
                links.append(href)
        # a link to another page of the post's comments (page number or cursor)
        links.sort(key=lambda h: ("page" not in h, len(h)))
        if links:
            return links[0]
        self.notes.append(f"The post page linked to no further page of comments: the 'page "
                          f"of 50 comments' scenario read /posts/{post_id} as it is.")
        return f"/posts/{post_id}"

    def comment_writes(self, db: str, url: str, port: int, post_id: int) -> None:
        from bench.harness import load, seeding
        log(f"{db}: comment POST, 8 concurrent clients, against Isso's POST")
        tag = f"{db}-{int(time.time())}"
        before = seeding.count_comments(url, post_id)
        ours, isso = [], []
        for n in range(self.sizes.rounds):
            ours.append(load.write_comments("beatdesk", port, f"/posts/{post_id}",
                                            self.sizes.seconds, f"{tag}-r{n}"))
            isso.append(load.write_comments("isso", self.isso_port, self.isso_threads["write"],
                                            self.sizes.seconds, f"{tag}-r{n}"))
        ratios = report.round_ratios([(o["rate"], i["rate"]) for o, i in zip(ours, isso)])
        acknowledged = [t for o in ours for t in o["acknowledged"]]
        errors: dict = {}
        for o in ours:
            for key, count in o["errors"].items():
                errors[key] = errors.get(key, 0) + count
        isso_errors: dict = {}
        for i in isso:
            for key, count in i["errors"].items():
                isso_errors[key] = isso_errors.get(key, 0) + count
        stored = seeding.stored_bodies(url, post_id)
        check = report.check_stored(acknowledged, stored)
        new_rows = seeding.count_comments(url, post_id) - before
        rate, ratio = report.median([o["rate"] for o in ours]), report.median(ratios)
        self.rows.append(Row(
            "comment POST (screened, stored, archived) vs Isso POST", db,
            report.fmt_rate(rate), report.fmt_ratio(ratio, "x Isso"),
            at_least(1.5, ">= 1.5x Isso, 0 errors"), ratio,
            note=(f"Isso {report.fmt_rate(report.median([i['rate'] for i in isso]))} on SQLite; "
                  f"{report.errors_text(errors)}"
                  + (f" (Isso: {report.errors_text(isso_errors)})" if isso_errors else "")),
            extra_ok=[not errors]))
        self.rows.append(Row(
            "every acknowledged comment stored (count and text)", db,
            f"{check['stored']:,} of {check['acknowledged']:,} stored", "-",
            report.at_least(1, "all stored"), 1.0 if check["ok"] else 0.0,
            note=(f"{len(check['missing'])} missing, {check['duplicates']} extra; "
                  f"{new_rows:,} new rows")))

    def moderation_queue(self, db: str, url: str) -> None:
        from datetime import timedelta

        from bench import moderation_queue as mq
        s = self.sizes
        log(f"{db}: moderation queue, seeding {s.queue_comments:,} comments")
        if db == "postgresql":
            mq.prepare_database(url, self.workdir)
        else:
            url = mq.prepare_database(None, self._fresh_dir("queue"))
        users = mq.seed(url, s.queue_comments, 25, 2_000)
        from app import create_app
        app = create_app({"BEATDESK_ENV": "development", "SECRET_KEY": "bench-only-secret",
                          "DATABASE_URL": url, "RATELIMIT_ENABLED": False,
                          "ENCRYPTION_KEYS": self.keys})
        app.instance_path = str(self.workdir)
        week_ago = (datetime.now(UTC) - timedelta(days=7)).date()
        pages = [
            ("news_affairs", "/console/moderation/"),
            ("news_affairs", "/console/moderation/?state=all"),
            ("news_affairs", "/console/moderation/?state=all&flag=any"),
            ("news_affairs", "/console/moderation/?state=held&flag=attack"),
            ("news_affairs", f"/console/moderation/?state=all&since={week_ago}"),
            ("news_affairs", "/console/moderation/?state=removed&page=20"),
            ("sergeant", "/console/moderation/"),
            ("sergeant", "/console/moderation/?state=all&district=1"),
        ]
        worst, worst_path = None, ""
        for who, path in pages:
            times = mq.measure(mq.signed_in_client(app, users[who]), path, s.repeat)
            p95 = report.percentile(times, 0.95)
            if worst is None or p95 > worst:
                worst, worst_path = p95, path
        app.extensions["beatdesk.engine"].dispose()
        self.rows.append(Row(f"moderation queue, {s.queue_comments:,} comments, slowest filter",
                             db, f"p95 {report.fmt_ms(worst)}", "-", at_most(30, "p95 < 30 ms"),
                             worst, note=worst_path.replace("/console/moderation/", "") or "held"))

    def archive_search(self, db: str, url: str) -> None:
        from bench import archive_search as search
        s = self.sizes
        log(f"{db}: archive search, generating {s.archive_records:,} records")
        if db == "postgresql":
            search.reset_postgres(url)
        else:
            url = f"sqlite:///{self.workdir / 'archive.db'}"
        words = search.generate(url, s.archive_records)
        result = search.measure(url, words, s.queries, s.like_queries)
        speedup = report.ratio(result["like_p50"], result["p50"])
        self.rows.append(Row(f"archive search, {s.archive_records:,} records", db,
                             f"p95 {report.fmt_ms(result['p95'])}", "-",
                             at_most(50, "p95 < 50 ms"), result["p95"],
                             note=f"{result['queries']} queries"))
        self.rows.append(Row(f"archive search vs LIKE scan, {s.archive_records:,} records", db,
                             f"LIKE p50 {report.fmt_ms(result['like_p50'])}",
                             report.fmt_ratio(speedup, "x faster"),
                             at_least(100, ">= 100x LIKE"), speedup,
                             note=f"full-text p50 {report.fmt_ms(result['p50'])}"))

    def release(self, db: str, url: str) -> None:
        from bench import release_package
        s = self.sizes
        results = {}
        for size in (s.release_small, s.release_big):
            log(f"{db}: release package, {size:,} records")
            sub = self.workdir / f"release-{db}-{size}"
            sub.mkdir()
            db_url = url if db == "postgresql" else f"sqlite:///{sub / 'release.db'}"
            result = release_package.measure(db_url, size, sub)
            result["read_seconds"] = read_snapshot_seconds(db_url)
            results[size] = result
        big, small = results[s.release_big], results[s.release_small]
        time_ratio = report.ratio(big["seconds"], big["read_seconds"])
        memory_ratio = report.ratio(big["peak_python_bytes"], small["peak_python_bytes"])
        self.rows.append(Row(f"release package, {s.release_big:,} records: time", db,
                             f"{big['seconds']:.1f} s", report.fmt_ratio(time_ratio, "x reading"),
                             at_most(3, "<= 3x reading the rows"), time_ratio,
                             note=f"reading the same rows {big['read_seconds']:.2f} s"))
        self.rows.append(Row(
            f"release package peak memory, {s.release_small:,} -> {s.release_big:,} records",
            db, f"{small['peak_python_bytes'] / 1e6:.1f} -> {big['peak_python_bytes'] / 1e6:.1f}"
            " MB", report.fmt_ratio(memory_ratio, "x"), at_most(1.5, "flat (<= 1.5x for 10x)"),
            memory_ratio, note="Python allocations (tracemalloc)"))

    def execute(self) -> None:
        dbs = [d.strip() for d in self.args.databases.split(",") if d.strip()]
        pg_url = None
        try:
            self.start_hello()
            if self.wanted("http") or self.wanted("comments"):
                self.start_isso()
            for db in dbs:
                if db == "postgresql":
                    pg_url = create_pg(self.args.pg_admin_url, self.args.pg_database)
                url = pg_url if db == "postgresql" else f"sqlite:///{self.workdir / 'pages.db'}"
                if self.wanted("http") or self.wanted("comments"):
                    self.guarded(f"{db}: pages and comments", self.http_scenarios, db, url)
                    self.stop_beatdesk()
                if self.wanted("queue"):
                    self.guarded(f"{db}: moderation queue", self.moderation_queue, db, url)
                if self.wanted("search"):
                    self.guarded(f"{db}: archive search", self.archive_search, db, url)
                if self.wanted("release") and db in self.args.release_databases.split(","):
                    self.guarded(f"{db}: release package", self.release, db, url)
        finally:
            self.servers.stop_all()
            if pg_url:
                drop_pg(self.args.pg_admin_url, self.args.pg_database)

    def stop_beatdesk(self) -> None:
        for name, process in list(self.servers.processes):
            if name.startswith("beatdesk-"):
                self.servers.stop(process)

    def guarded(self, label: str, func, *args) -> None:
        """A part that fails is a harness failure: reported, the others still run."""
        try:
            func(*args)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - reported and turned into the exit code
            traceback.print_exc()
            self.failures.append(f"{label}: {type(exc).__name__}: {exc}")

    failures: list[str] = []


def warm(port: int, path: str, requests: int = 6) -> None:
    """A few requests first, so every worker has loaded its code (and filled its page cache)."""
    import http.client
    for _ in range(requests):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path)
        conn.getresponse().read()
        conn.close()


def read_snapshot_seconds(url: str) -> float:
    """Time to read every snapshot row of the release's request (the floor for building it)."""
    from sqlalchemy import select

    from beatdesk.db import make_engine
    from beatdesk.models import SnapshotItem
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=2000).execute(
            select(SnapshotItem).order_by(SnapshotItem.id))
        for _row in result:
            pass
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through every finally: the servers are stopped


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl+C, even if inherited ignored
    sizes = QUICK if args.quick else FULL
    if args.rounds or args.seconds:
        from dataclasses import replace
        sizes = replace(sizes, rounds=args.rounds or sizes.rounds,
                        seconds=args.seconds or sizes.seconds)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="beatdesk-bench-run-") as tmp:
        run = Run(args, sizes, Path(tmp))
        run.failures = []
        try:
            run.execute()
        except KeyboardInterrupt:
            print("\nInterrupted: every server started was stopped.", file=sys.stderr)
            return 130
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            run.failures.append("the harness stopped early (see above)")
    title = ("Beatdesk benchmark (QUICK: small sizes, not the targets' sizes)" if args.quick
             else "Beatdesk benchmark")
    info = machine()
    info["run"] = (f"{'quick' if args.quick else 'full'}: {sizes.posts:,} posts, "
                   f"{sizes.rounds} rounds of {sizes.seconds:g} s per measurement, median shown; "
                   f"{time.monotonic() - started:.0f} s in all")
    notes = list(dict.fromkeys(run.notes))
    if run.isso_port:
        notes.append("Isso stores comments only in SQLite: both databases' comment rows compare "
                     "with the same Isso server.")
    notes += [f"HARNESS FAILURE - {f}" for f in run.failures]
    print()
    print(title)
    for key, value in info.items():
        print(f"{key}: {value}")
    print(report.text_table(run.rows))
    for note in notes:
        print(f"- {note}")
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report.markdown_report(run.rows, title=title, machine=info, notes=notes))
    print(f"\nWritten to {output}")
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())

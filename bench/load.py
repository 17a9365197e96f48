"""Load and concurrency on the production set-up: gunicorn (deploy/start.sh) + PostgreSQL, loopback only.

    python bench/load.py                      # 50 clients for 60 s (the issue's figures)
    python bench/load.py --clients 20 --seconds 20

What it does, bounded in count and time:
1. starts a throwaway PostgreSQL (as tests/pg_server.py does) and gunicorn on free ports of 127.0.0.1;
2. imports LIAR claims (--claims, default 5,000) plus a few unrated "hot" claims, creates --editors accounts;
3. N client threads, each logged in as one of the editors, loop for T seconds over a mix of page reads (public
   home, public claim pages, editor claim workspace), searches (public search, API match) and verdict saves on
   the hot claims (open the form, then post it with a unique summary);
4. race rounds: K clients open the same verdict at the same version and post at the same instant;
5. checks in the database that every acknowledged save (302) is there exactly once (0 lost), that no two
   acknowledged saves started from the same version of a verdict (no silent overwrite), and that each race
   round had exactly one winner and conflicts (409) for everyone else.
Prints throughput, p50/p95 per kind, errors (5xx, refused connections, unexpected statuses) and the checks.
Rate limits are raised for the run: every client comes from 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_DATA, flask, percentile  # noqa: E402
from tests.pg_server import PostgresServer, find_bindir  # noqa: E402
from tests.helpers import csrf_token_in  # noqa: E402
from tests.serving import Client, Gunicorn  # noqa: E402

PASSWORD = "load test password 1"
VERSION = re.compile(r'id="version" name="version" type="hidden" value="(\d+)"')


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: Counter = Counter()
        self.errors: Counter = Counter()
        self.acks: list[tuple[int, int, str]] = []  # (claim id, version the form was opened at, summary)
        self.conflicts = 0

    def record(self, kind: str, seconds: float, status: int | str, expected: tuple[int, ...]) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            self.status[(kind, status)] += 1
            if status not in expected:
                self.errors[(kind, status)] += 1


def timed(stats: Stats, kind: str, expected: tuple[int, ...], call):
    start = time.perf_counter()
    try:
        status, body = call()
    except (OSError, http.client.HTTPException) as error:
        stats.record(kind, time.perf_counter() - start, type(error).__name__, expected)
        return None, ""
    stats.record(kind, time.perf_counter() - start, status, expected)
    return status, body


def save_verdict(client: Client, stats: Stats, claim_id: int, summary: str) -> None:
    status, page = timed(stats, "verdict-open", (200,), lambda: client.request("GET", f"/editor/claims/{claim_id}"))
    if status != 200:
        return
    version = int(VERSION.search(page).group(1))
    form = {"csrf_token": csrf_token_in(page), "version": str(version), "rating": random.choice(
        ["true", "mostly-true", "half-true", "mostly-false", "false"]), "summary": summary,
        "explanation": f"Written by the load test ({summary})."}
    status, _ = timed(stats, "verdict-save", (302, 409),
                      lambda: client.request("POST", f"/editor/claims/{claim_id}/verdict", form))
    with stats.lock:
        if status == 302:
            stats.acks.append((claim_id, version, summary))
        elif status == 409:
            stats.conflicts += 1


def client_loop(number: int, client: Client, stats: Stats, deadline: float, claim_ids: list[int],
                hot_ids: list[int], queries: list[str]) -> None:
    rng = random.Random(number)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        pick = rng.random()
        if pick < 0.5:
            which = rng.random()
            claim_id = rng.choice(claim_ids)
            if which < 0.3:
                timed(stats, "page", (200,), lambda: client.request("GET", "/"))
            elif which < 0.6:
                timed(stats, "page", (200, 301, 404), lambda claim_id=claim_id: client.request("GET", f"/claims/{claim_id}"))
            else:
                timed(stats, "page", (200,), lambda claim_id=claim_id: client.request("GET", f"/editor/claims/{claim_id}"))
        elif pick < 0.8:
            query = rng.choice(queries)
            if rng.random() < 0.5:
                timed(stats, "search", (200,), lambda query=query: client.request("GET", "/?" + urlencode({"q": query})))
            else:
                timed(stats, "search", (200,),
                      lambda query=query: client.request("GET", "/api/v1/match?" + urlencode({"text": query, "limit": 5})))
        else:
            save_verdict(client, stats, rng.choice(hot_ids), f"load-{number}-{n}")


def race(clients: list[Client], claim_id: int, round_number: int) -> Counter:
    """Every client opens the verdict at the same version, then all post at the same instant."""
    forms = []
    for i, client in enumerate(clients):
        status, page = client.request("GET", f"/editor/claims/{claim_id}")
        forms.append({"csrf_token": csrf_token_in(page), "version": VERSION.search(page).group(1),
                      "rating": "false", "summary": f"race-{round_number}-{i}"})
    assert len({f["version"] for f in forms}) == 1
    barrier = threading.Barrier(len(clients))
    outcomes: Counter = Counter()
    winners: list[str] = []
    lock = threading.Lock()

    def post(client: Client, form: dict) -> None:
        barrier.wait()
        try:
            status, _ = client.request("POST", f"/editor/claims/{claim_id}/verdict", form)
        except OSError as error:
            status = type(error).__name__
        with lock:
            outcomes[status] += 1
            if status == 302:
                winners.append(form["summary"])

    threads = [threading.Thread(target=post, args=(c, f)) for c, f in zip(clients, forms, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes["_winners"] = winners  # type: ignore[assignment]
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) * 2 + 1, help="gunicorn workers")
    parser.add_argument("--editors", type=int, default=5)
    parser.add_argument("--hot", type=int, default=10, help="claims whose verdicts everyone saves")
    parser.add_argument("--claims", type=int, default=5000, help="LIAR claims to import first")
    parser.add_argument("--race-rounds", type=int, default=10)
    parser.add_argument("--race-clients", type=int, default=8)
    args = parser.parse_args()
    if not 1 <= args.clients <= 500 or not 0 < args.seconds <= 600:
        raise SystemExit("keep it bounded: 1..500 clients, at most 600 s")

    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL binaries not found")
    work = Path(tempfile.mkdtemp(prefix="claimtrack-load-"))
    pg = PostgresServer(bindir)
    pg.start()
    server = None
    try:
        pg.execute("CREATE DATABASE claimtrack_load")
        url = pg.url("claimtrack_load")
        flask(["db", "upgrade"], url)
        data = work / "claims.jsonl"
        liar = DEFAULT_DATA / "liar" / "claims.jsonl"
        queries = []
        with open(data, "w", encoding="utf-8") as out:
            source = open(liar, encoding="utf-8") if liar.exists() else open(ROOT / "tests/fixtures/claims_sample.jsonl")
            with source:
                for i, line in enumerate(source):
                    if i >= args.claims:
                        break
                    row = json.loads(line)
                    row.pop("context", None)
                    out.write(json.dumps(row) + "\n")
                    if i % 10 == 0:
                        queries.append(" ".join(row["text"].split()[:12]))
            for i in range(args.hot):
                out.write(json.dumps({"id": f"hot-{i}", "text": f"Hot claim number {i} that every editor rates."}) + "\n")
        flask(["claims", "import", str(data)], url)
        for i in range(args.editors):
            flask(["users", "create", f"ed{i}", "--role", "editor", "--password-stdin"], url, input=PASSWORD + "\n")
        import psycopg

        dsn = f"host=127.0.0.1 port={pg.port} user=postgres dbname=claimtrack_load"
        with psycopg.connect(dsn) as conn:
            hot_ids = [r[0] for r in conn.execute("SELECT id FROM claims WHERE external_id LIKE 'hot-%' ORDER BY id")]
            claim_ids = [r[0] for r in conn.execute("SELECT id FROM claims ORDER BY random() LIMIT 2000")]

        server = Gunicorn(work / "gunicorn.log", workers=args.workers, DATABASE_URL=url,
                          SECRET_KEY="load-test-secret", LOGIN_RATE_LIMIT="1000000 per minute",
                          API_RATE_LIMIT="1000000 per minute", SEARCH_RATE_LIMIT="1000000 per minute")
        try:
            server.start()
        except RuntimeError as error:
            raise SystemExit(f"gunicorn did not start ({error}); see {work / 'gunicorn.log'}") from None
        port = server.port

        clients = [Client(port) for _ in range(args.clients)]
        for i, client in enumerate(clients):
            client.login(f"ed{i % args.editors}", PASSWORD)
        stats = Stats()
        print(f"{args.clients} clients x {args.seconds:.0f} s against gunicorn ({args.workers} workers) + PostgreSQL, "
              f"{len(claim_ids)} claims sampled of {args.claims + args.hot}, {args.hot} hot verdicts, "
              f"{args.editors} editors", flush=True)
        deadline = time.monotonic() + args.seconds
        started = time.perf_counter()
        threads = [threading.Thread(target=client_loop, args=(i, c, stats, deadline, claim_ids, hot_ids, queries))
                   for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started

        racers = min(args.race_clients, len(clients))  # no more racers than there are clients
        race_results = [race(clients[:racers], hot_ids[r % len(hot_ids)], r)
                        for r in range(args.race_rounds)]

        with psycopg.connect(dsn) as conn:
            summaries = Counter(r[0] for r in conn.execute("SELECT data->>'summary' FROM verdict_revisions"))
            final = dict(conn.execute("SELECT claim_id, summary FROM verdicts WHERE claim_id = ANY(%s)", [hot_ids]))
            last = dict(conn.execute(
                "SELECT DISTINCT ON (v.claim_id) v.claim_id, r.data->>'summary' FROM verdicts v "
                "JOIN verdict_revisions r ON r.verdict_id = v.id WHERE v.claim_id = ANY(%s) "
                "ORDER BY v.claim_id, r.number DESC", [hot_ids]))
            gaps = conn.execute(
                "SELECT count(*) FROM (SELECT verdict_id, count(*) AS n, max(number) AS m FROM verdict_revisions "
                "GROUP BY verdict_id) t WHERE n <> m").fetchone()[0]
    finally:
        if server is not None:
            server.stop()
        pg.stop()

    total = sum(len(v) for v in stats.latency.values())
    print(f"\nrequests: {total} in {elapsed:.1f} s = {total / elapsed:.1f} requests/s")
    every = [x for v in stats.latency.values() for x in v]
    print(f"{'kind':<14}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for kind in sorted(stats.latency) + ["all"]:
        values = every if kind == "all" else stats.latency[kind]
        print(f"{kind:<14}{len(values):>8}{percentile(values, 50) * 1000:>10.0f}{percentile(values, 95) * 1000:>10.0f}"
              f"{max(values) * 1000:>10.0f}")
    errors = sum(stats.errors.values())
    print(f"errors: {errors} {dict(stats.errors) if errors else ''}")
    print(f"statuses: {dict(sorted((f'{k}:{s}', n) for (k, s), n in stats.status.items()))}")

    lost = [a for a in stats.acks if summaries.get(a[2], 0) != 1]
    by_base = Counter((claim_id, version) for claim_id, version, _ in stats.acks)
    overwrites = sum(n - 1 for n in by_base.values() if n > 1)
    wrong_final = [c for c in hot_ids if c in last and final.get(c) != last[c]]
    print(f"verdict saves acknowledged: {len(stats.acks)}, conflicts (409): {stats.conflicts}")
    print(f"lost writes (acknowledged, not in the database exactly once): {len(lost)}")
    print(f"silent overwrites (two acknowledged saves from the same version): {overwrites}; "
          f"verdicts whose text is not their newest revision: {len(wrong_final)}; revision-number gaps: {gaps}")
    race_ok = 0
    for r, outcome in enumerate(race_results):
        winners = outcome.pop("_winners")
        good = outcome.get(302, 0) == 1 and outcome.get(409, 0) == racers - 1
        race_ok += good
        if not good or len(winners) != 1 or summaries.get(winners[0], 0) != 1:
            print(f"race round {r}: {dict(outcome)}")
    print(f"race rounds ({racers} simultaneous saves of one verdict): {race_ok}/{args.race_rounds} with "
          f"exactly one save and {racers - 1} conflicts (409)")
    failed = lost or overwrites or wrong_final or gaps or race_ok != args.race_rounds
    print(f"gunicorn log: {work / 'gunicorn.log'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

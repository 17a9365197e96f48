"""Match latency at scale: N claims (real texts widened by word swaps) on SQLite and PostgreSQL.

Imports N claims through the real `flask claims import`, then times `services.matching.match` (the
function behind `flask claims match` and the web pages) in-process over real queries
(the claim-retrieval train and dev queries), after a warm-up.  Prints p50/p95 per
query, and brute-force rapidfuzz over a 100K-claim sample in the same run as the
baseline.  PostgreSQL runs on a throwaway server this script starts on 127.0.0.1.

    python bench/match_speed.py --rows 100000 --rows 1000000 [--backend sqlite --backend postgresql]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import DEFAULT_DATA, ROOT, flask, load_rows, percentile, read_jsonl, widen

sys.path.insert(0, str(ROOT))


def queries_from(data: Path, limit: int) -> list[str]:
    texts = []
    for name in ("snopes-tweets", "politifact-debates"):
        for split in ("dev", "train"):
            texts.extend(q["text"] for q in read_jsonl(data / "claim-retrieval" / name / f"{split}.jsonl"))
    step = max(1, len(texts) // limit)
    return texts[::step][:limit]


def time_matches(url: str, queries: list[str]) -> list[float]:
    from claimtrack import create_app
    from claimtrack.db import db
    from claimtrack.services.matching import match

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url})
    with app.app_context():
        for q in queries[:20]:
            match(db.session, q)
        timings = []
        for q in queries:
            start = time.perf_counter()
            match(db.session, q)
            timings.append((time.perf_counter() - start) * 1000)
        db.session.rollback()
        db.engine.dispose()
    return timings


def brute_force(rows: list[dict], queries: list[str], sample: int = 100_000) -> list[float]:
    from rapidfuzz import fuzz, process

    texts = [r["text"] for r in (rows * (sample // len(rows) + 1))[:sample]]
    timings = []
    for q in queries[:30]:
        start = time.perf_counter()
        process.extract(q, texts, scorer=fuzz.token_set_ratio, limit=5)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def line(label: str, timings: list[float]) -> str:
    return (f"{label:<34} p50 {statistics.median(timings):8.1f} ms   p95 {percentile(timings, 95):8.1f} ms   "
            f"({len(timings)} queries)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    rows = load_rows(args.data)
    queries = queries_from(args.data, args.queries)
    print(line("brute-force rapidfuzz, 100K sample", brute_force(rows, queries)), flush=True)
    server = None
    try:
        for backend in args.backend or ("sqlite", "postgresql"):
            for n in args.rows or (100_000, 1_000_000):
                with tempfile.TemporaryDirectory() as tmp:
                    jsonl = Path(tmp) / "claims.jsonl"
                    widen(rows, n, jsonl)
                    if backend == "sqlite":
                        url = f"sqlite:///{Path(tmp) / 'speed.sqlite'}"
                    else:
                        if server is None:
                            from tests.pg_server import PostgresServer, find_bindir

                            server = PostgresServer(find_bindir())
                            server.start()
                        name = f"bench_{n}"
                        server.execute(f"DROP DATABASE IF EXISTS {name}")
                        server.execute(f"CREATE DATABASE {name}")
                        url = server.url(name)
                    flask(["db", "upgrade"], url)
                    start = time.perf_counter()
                    flask(["claims", "import", str(jsonl)], url)
                    imported = time.perf_counter() - start
                    timings = time_matches(url, queries)
                    print(line(f"claimtrack {backend}, {n:,} claims", timings)
                          + f"   import {imported:.0f} s", flush=True)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()

"""Memory per web worker with the semantic tier on: gunicorn (deploy/start.sh) serving /api/match, loopback only.

    python bench/semantic_workers.py --workdir DIR [--dataset snopes-tweets] [--workers 3] [--requests 300]

DIR is a `bench/match_quality.py --tier both --workdir DIR` folder: a database with the claims and their vectors
(`flask claims embed` ran) and the shared index file.  Three runs on the same database, each a fresh gunicorn:

1. lexical      SEMANTIC_ENABLED off: the baseline;
2. hybrid       SEMANTIC_ENABLED on, the model loaded in the master before the workers fork (the default,
                deploy/gunicorn.conf.py `when_ready`);
3. per-worker   SEMANTIC_ENABLED on, CLAIMTRACK_SEMANTIC_PRELOAD=false: each worker loads its own model.

Each run sends the dev and train queries of the split to POST /api/v1/match from as many client threads as there are
workers (so every worker serves), then reads /proc/<pid>/smaps_rollup of every worker: RSS (counts shared pages in
full), PSS (shared pages divided among the processes that map them: the sum over processes is the real total) and
USS (pages only this worker has).  Prints the per-worker means, the total PSS of master + workers, the request
latency p50/p95, and the differences against the lexical run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_DATA, percentile, read_jsonl  # noqa: E402
from tests.serving import Gunicorn  # noqa: E402


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS and USS of one process in MB, from /proc/<pid>/smaps_rollup."""
    fields: dict[str, float] = {}
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                fields[parts[0][:-1]] = int(parts[1]) / 1024
    return {"rss": fields.get("Rss", 0.0), "pss": fields.get("Pss", 0.0),
            "uss": fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0)}


def post(port: int, text: str) -> tuple[int, float]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/api/v1/match", body=json.dumps({"text": text, "limit": 5}),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status, (time.perf_counter() - start) * 1000
    finally:
        conn.close()


def run(label: str, database: Path, index_dir: Path, workers: int, queries: list[str], extra: dict) -> dict:
    server = Gunicorn(database.parent / f"gunicorn-{label}.log", workers=workers, DATABASE_URL=f"sqlite:///{database}",
                      SECRET_KEY="bench-secret", API_RATE_LIMIT="1000000 per minute", SEMANTIC_INDEX_DIR=index_dir,
                      LOG_REQUESTS="false", ACCESS_LOG="/dev/null", **extra)
    with server:
        timings: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        work = list(queries)

        def client() -> None:
            while True:
                with lock:
                    if not work:
                        return
                    text = work.pop()
                status, ms = post(server.port, text)
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    timings.append(ms)

        threads = [threading.Thread(target=client) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        per_worker = [memory(pid) for pid in server.workers()]
        master = memory(server.pid)
    return {
        "label": label, "statuses": statuses, "p50": statistics.median(timings), "p95": percentile(timings, 95),
        "rss": statistics.mean(m["rss"] for m in per_worker), "pss": statistics.mean(m["pss"] for m in per_worker),
        "uss": statistics.mean(m["uss"] for m in per_worker),
        "total_pss": master["pss"] + sum(m["pss"] for m in per_worker), "workers": len(per_worker),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--dataset", default="snopes-tweets")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    source = args.workdir / args.dataset
    queries = []
    for split in ("dev", "train"):
        queries += [q["text"] for q in read_jsonl(args.data / "claim-retrieval" / args.dataset / f"{split}.jsonl")]
    queries = queries[: args.requests]
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        database = Path(tmp) / "quality.sqlite"
        shutil.copy(source / "quality.sqlite", database)
        index_dir = Path(tmp) / "vector-index"
        shutil.copytree(source / "vector-index", index_dir)
        runs = [
            run("lexical", database, index_dir, args.workers, queries, {"SEMANTIC_ENABLED": "false"}),
            run("hybrid", database, index_dir, args.workers, queries, {"SEMANTIC_ENABLED": "true"}),
            run("per-worker", database, index_dir, args.workers, queries,
                {"SEMANTIC_ENABLED": "true", "SEMANTIC_PRELOAD": "false"}),
        ]
    print(f"{args.dataset}: gunicorn with {args.workers} workers, {len(queries)} POST /api/v1/match requests per run "
          f"from {args.workers} threads; memory per worker after the requests (MB, mean over workers)")
    print(f"{'run':<12} {'statuses':<14} {'p50 ms':>7} {'p95 ms':>7} {'RSS':>7} {'PSS':>7} {'USS':>7} "
          f"{'total PSS':>10}")
    for r in runs:
        print(f"{r['label']:<12} {json.dumps(r['statuses']):<14} {r['p50']:7.1f} {r['p95']:7.1f} {r['rss']:7.0f} "
              f"{r['pss']:7.0f} {r['uss']:7.0f} {r['total_pss']:10.0f}")
    base = runs[0]
    for r in runs[1:]:
        print(f"{r['label']} above lexical, per worker: RSS +{r['rss'] - base['rss']:.0f} MB, "
              f"PSS +{r['pss'] - base['pss']:.0f} MB, USS +{r['uss'] - base['uss']:.0f} MB; "
              f"all processes (PSS) +{r['total_pss'] - base['total_pss']:.0f} MB")


if __name__ == "__main__":
    main()

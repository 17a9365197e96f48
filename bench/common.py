"""Shared helpers of the benchmarks: running the real CLI, loading query splits, the measures."""

from __future__ import annotations

import json
import random
import math
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"


def flask(args: list[str], database_url: str, check: bool = True, extra_env: dict | None = None,
          **kwargs) -> subprocess.CompletedProcess:
    """Run `flask ...` of this repository against a database, as a user would."""
    env = {**os.environ, "CLAIMTRACK_DATABASE_URL": database_url, "FLASK_APP": str(ROOT / "wsgi.py"),
           **(extra_env or {})}
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, **kwargs)
    if check and done.returncode not in (0, 1):
        raise SystemExit(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def average_precision_at(ranked: list[str], gold: set[str], k: int = 5) -> float:
    """AP@k as CheckThat! computes it: precision at each gold hit in the top k, over min(|gold|, k)."""
    hits, total = 0, 0.0
    for i, item in enumerate(ranked[:k], start=1):
        if item in gold:
            hits += 1
            total += hits / i
    return total / min(len(gold), k) if gold else 0.0


def measures(runs: dict[str, list[str]], golds: dict[str, set[str]]) -> dict[str, float]:
    """MAP@5, MRR, Recall@1/5/20 over the queries of a split."""
    n = len(golds)
    out = {"MAP@5": 0.0, "MRR": 0.0, "R@1": 0.0, "R@5": 0.0, "R@20": 0.0}
    for qid, gold in golds.items():
        ranked = runs.get(qid, [])
        out["MAP@5"] += average_precision_at(ranked, gold, 5)
        rank = next((i for i, item in enumerate(ranked, start=1) if item in gold), None)
        out["MRR"] += 1 / rank if rank else 0.0
        for k in (1, 5, 20):
            out[f"R@{k}"] += len(set(ranked[:k]) & gold) / len(gold)
    return {k: v / n for k, v in out.items()}


_WORD = re.compile(r"\w+")


class PlainBM25:
    """Okapi BM25 (k1=1.2, b=0.75) over lower-cased word tokens: the baseline the matcher must beat."""

    def __init__(self, docs: list[str], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.tfs = [Counter(_WORD.findall(d.lower())) for d in docs]
        self.lengths = [sum(tf.values()) for tf in self.tfs]
        self.avg = sum(self.lengths) / max(len(docs), 1)
        df: Counter = Counter()
        self.postings: dict[str, list[int]] = {}
        for i, tf in enumerate(self.tfs):
            df.update(tf.keys())
            for term in tf:
                self.postings.setdefault(term, []).append(i)
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def search(self, query: str, k: int = 20) -> list[int]:
        scores: dict[int, float] = {}
        for term in set(_WORD.findall(query.lower())):
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i in self.postings[term]:
                tf = self.tfs[i][term]
                norm = tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg))
                scores[i] = scores.get(i, 0.0) + idf * norm
        return sorted(scores, key=scores.get, reverse=True)[:k]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


SOURCES = ("liar/claims.jsonl", "claim-retrieval/politifact-debates/claims.jsonl",
           "claim-retrieval/snopes-tweets/claims.jsonl")


def load_rows(data: Path) -> list[dict]:
    """Every claim of the LIAR and claim-retrieval sets, as import rows."""
    rows = []
    for name in SOURCES:
        with open(data / name, encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle)
    return rows


def widen(rows: list[dict], n: int, path: Path, seed: int = 7) -> None:
    """Write n rows: the real rows first, then copies with new ids and 20% of words swapped."""
    rng = random.Random(seed)
    vocabulary = [w for row in rows[:5000] for w in row["text"].split()]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            base = rows[i % len(rows)]
            row = dict(base)
            row.pop("context", None)
            if i >= len(rows):
                words = base["text"].split()
                for j in range(len(words)):
                    if rng.random() < 0.2:
                        words[j] = rng.choice(vocabulary)
                row["text"] = " ".join(words)
                row["id"] = f"{base['id']}~{i // len(rows)}"
            out.write(json.dumps(row, ensure_ascii=False) + "\n")



"""Report the check-worthiness labels (high / medium / low) an editor sees, with their precision on dev.

    python bench/checkworthiness_labels.py [--data ../shared/data/checkworthiness] [--seed 13]

The thresholds are chosen on train by bench/train_checkworthiness.py (out-of-fold scores of the ClaimBuster
train part). This script splits the data exactly as that one does (the same seeded 80/20 ClaimBuster shuffle and
the same 10 dev debates) and prints, for the shipped LABEL_THRESHOLDS, each label's share of sentences and
precision on the held-back ClaimBuster sentences and on the dev debates (1.1 % check-worthy). For comparison it
also prints the thresholds that the shipped model's own (in-sample) scores on the ClaimBuster train part would
give.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.train_checkworthiness import debate_split  # noqa: E402
from claimtrack.extraction.checkworthiness import LABEL_THRESHOLDS, label_of, score_sentences  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "checkworthiness"


def read(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def lowest_with_precision(scored: list[tuple[float, int]], target: float, min_support: int = 30) -> float:
    """The lowest threshold whose sentences at or above it reach ``target`` precision."""
    ranked = sorted(scored, key=lambda x: -x[0])
    best = ranked[0][0]
    hits = 0
    for n, (score, label) in enumerate(ranked, start=1):
        hits += label
        if n >= min_support and hits / n >= target:
            best = score
    return best


def report(name: str, scored: list[tuple[float, int]], thresholds: dict[str, float]) -> None:
    for label in ("high", "medium", "low"):
        rows = [y for s, y in scored if label_of(s, thresholds) == label]
        share = len(rows) / len(scored)
        precision = sum(rows) / len(rows) if rows else float("nan")
        print(f"  {name:28} {label:7} {share:6.1%} of sentences, {precision:6.1%} check-worthy ({len(rows)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--high-precision", type=float, default=0.75)
    ap.add_argument("--medium-precision", type=float, default=0.50)
    args = ap.parse_args()
    buster = read(args.data / "claimbuster-train.jsonl")
    random.Random(args.seed).shuffle(buster)
    cut = int(0.8 * len(buster))
    choose, held = buster[:cut], buster[cut:]
    scored_choose = list(zip(score_sentences([r["text"] for r in choose]), [r["label"] for r in choose], strict=True))
    scored_held = list(zip(score_sentences([r["text"] for r in held]), [r["label"] for r in held], strict=True))
    thresholds = {"high": round(lowest_with_precision(scored_choose, args.high_precision), 4),
                  "medium": round(lowest_with_precision(scored_choose, args.medium_precision), 4)}
    print(f"shipped: {LABEL_THRESHOLDS}   (from in-sample scores on the {len(choose)} ClaimBuster train "
          f"sentences: {thresholds})")
    report("ClaimBuster held back", scored_held, LABEL_THRESHOLDS)
    debates = read(args.data / "debates-train.jsonl")
    _, dev = debate_split(debates, args.seed)
    scored_debates = list(zip(score_sentences([r["text"] for r in dev]), [r["label"] for r in dev], strict=True))
    report("debates dev", scored_debates, LABEL_THRESHOLDS)


if __name__ == "__main__":
    main()

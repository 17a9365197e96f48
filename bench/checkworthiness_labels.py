"""Choose the check-worthiness labels (high / medium / low) an editor sees, and report their precision.

    python bench/checkworthiness_labels.py [--data ../shared/data/checkworthiness] [--seed 13]

The ClaimBuster sentences (1,994 of 7,976 check-worthy) are split by a seeded shuffle: 80 % to choose the
thresholds, 20 % held back. "high" is the lowest score whose precision on the choosing part reaches
--high-precision (0.75), "medium" the lowest reaching --medium-precision (0.50). Printed: the thresholds
(copy them into LABEL_THRESHOLDS in claimtrack/extraction/checkworthiness.py), then each label's share of
sentences and precision on the held-back ClaimBuster part and on the debates (1.1 % check-worthy; the shipped
model was fitted on those debates, so read their figures as in-sample).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
    scored_choose = list(zip(score_sentences([r["text"] for r in choose]), [r["label"] for r in choose]))
    scored_held = list(zip(score_sentences([r["text"] for r in held]), [r["label"] for r in held]))
    thresholds = {"high": round(lowest_with_precision(scored_choose, args.high_precision), 4),
                  "medium": round(lowest_with_precision(scored_choose, args.medium_precision), 4)}
    print(f"chosen on {len(choose)} ClaimBuster sentences: {thresholds}   (shipped: {LABEL_THRESHOLDS})")
    report("ClaimBuster held back", scored_held, thresholds)
    debates = read(args.data / "debates-train.jsonl")
    scored_debates = list(zip(score_sentences([r["text"] for r in debates]), [r["label"] for r in debates]))
    report("debates (in-sample)", scored_debates, thresholds)


if __name__ == "__main__":
    main()

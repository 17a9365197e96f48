"""Who said what, measured: PolNeAR dev scored by its own score.py, the hand-written rules beside the fitted ranker.

    python bench/attribution_quality.py [--data ../shared/data/attribution] [--split dev]

Prints, for each extractor, the share of gold attributions found (a candidate holds the start of the content)
and the share of those whose speaker is right, for direct quotes and reported speech apart; the share of
candidates that hold no attribution at all yet are credited to someone other than the outlet (the error the
scorer cannot see); then the time that
extraction with attribution takes per 1,000 words (median and p95 over the split's articles, the rules as the
baseline run in the same process). Fit on train with bench/train_attribution.py; this reads dev only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.train_attribution import DEFAULT, evaluate, load_scorer  # noqa: E402
from claimtrack.extraction.speakers import load_model  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT)
    ap.add_argument("--split", default="dev")
    args = ap.parse_args()
    gold = args.data / f"polnear-{args.split}.jsonl"
    with open(gold, encoding="utf-8") as handle:
        articles = [json.loads(line) for line in handle if line.strip()]
    model = load_model()
    if model is None:
        raise SystemExit("the shipped speaker model is missing: run bench/train_attribution.py --write")
    scorer = load_scorer(args.data)
    rows = []
    for name, which in (("hand-written rules (before)", False), ("fitted ranker (shipped)", model)):
        evaluate(articles[:5], gold, scorer, which)          # warm caches (pysbd, model load)
        times: list[float] = []
        res = evaluate(articles, gold, scorer, which, times)
        rows.append((name, res, times))
    print(f"PolNeAR {args.split}: {len(articles)} articles, "
          f"{rows[0][1]['quoted']['n']} quoted and {rows[0][1]['reported']['n']} reported attributions with a source")
    print(f"{'extractor':30} {'quotes found':>12} {'right|found':>11} {'reported found':>14} {'right|found':>11} "
          f"{'no source, credited':>19} {'ms/1k words p50':>15} {'p95':>6}")
    base = statistics.median(rows[0][2])
    for name, res, times in rows:
        q, r = res["quoted"], res["reported"]
        p50 = statistics.median(times)
        p95 = sorted(times)[int(0.95 * (len(times) - 1))]
        print(f"{name:30} {q['found_rate']:12.3f} {q['match_given_found']:11.3f} {r['found_rate']:14.3f} "
              f"{r['match_given_found']:11.3f} {res['over']:19.3f} {p50:15.1f} {p95:6.1f}")
    print(f"'no source, credited': of the {rows[0][1]['no_source_units']} candidates that hold no attribution, the "
          "share credited to someone other than the outlet (score.py cannot see these errors)")
    print(f"time ratio fitted / rules (median ms per 1k words): {statistics.median(rows[1][2]) / base:.2f}")


if __name__ == "__main__":
    main()

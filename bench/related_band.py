"""What the editor sees as "related": precision and recall of the shown matches, with and without hiding the
related matches that share only common words.

    python bench/related_band.py [--data ../shared/data] [--split dev] [--dataset snopes-tweets ...]

For every query of the split, the matcher's shown matches (bands same and related, up to 5) are compared with the
gold: precision = shown matches that are gold / shown matches; recall = gold claims shown / gold claims. Both
settings run in the same process on the same imported database (claimtrack.matching.ranker.COMMON_MIN_DOCS set
out of reach turns the filter off).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_DATA, flask, read_jsonl  # noqa: E402

DATASETS = ("snopes-tweets", "politifact-debates")


def measure(app, queries: list[dict], ids: dict[int, str]) -> dict:
    from claimtrack.db import db
    from claimtrack.services.matching import match

    shown = correct = gold_total = gold_shown = related = related_correct = 0
    with app.app_context():
        for q in queries:
            gold = set(q["gold"])
            result = match(db.session, q["text"], limit=5, include_unrelated=False)
            got = [(ids.get(m.claim_id), m.band) for m in result.matches]
            shown += len(got)
            correct += sum(1 for ext, _ in got if ext in gold)
            related += sum(1 for _, band in got if band == "related")
            related_correct += sum(1 for ext, band in got if band == "related" and ext in gold)
            gold_total += len(gold)
            gold_shown += len(gold & {ext for ext, _ in got})
    return {"shown": shown, "precision": correct / max(shown, 1), "recall": gold_shown / max(gold_total, 1),
            "related": related, "related_precision": related_correct / max(related, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--split", default="dev")
    ap.add_argument("--dataset", action="append", choices=DATASETS)
    args = ap.parse_args()
    from claimtrack import create_app
    from claimtrack.db import db
    from claimtrack.matching import ranker
    from claimtrack.models import Claim
    from sqlalchemy import select

    for name in args.dataset or DATASETS:
        folder = args.data / "claim-retrieval" / name
        queries = read_jsonl(folder / f"{args.split}.jsonl")
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/band.sqlite"
            flask(["db", "upgrade"], url)
            flask(["claims", "import", str(folder / "claims.jsonl")], url)
            app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
            with app.app_context():
                ids = dict(db.session.execute(select(Claim.id, Claim.external_id)).all())
            saved = ranker.COMMON_MIN_DOCS
            ranker.COMMON_MIN_DOCS = 10 ** 12
            before = measure(app, queries, ids)
            ranker.COMMON_MIN_DOCS = saved
            after = measure(app, queries, ids)
            with app.app_context():
                db.engine.dispose()
        print(f"{name} {args.split} ({len(queries)} queries): shown matches, precision, recall; related band alone")
        for label, r in (("every related match shown", before),
                         (f"common-only related hidden (>{ranker.COMMON_SHARE:.0%})", after)):
            print(f"  {label:38} {r['shown']:5} shown  precision {r['precision']:.3f}  recall {r['recall']:.3f}  "
                  f"| related {r['related']:4}  precision {r['related_precision']:.3f}")


if __name__ == "__main__":
    main()

"""Server-side latency of the public claim page and of search, in process (Flask test client).

Usage:
    .venv/bin/python bench/public_pages.py --database sqlite:////tmp/db1m.sqlite [--requests 200]

Data recipe: any migrated claimtrack database with published verdicts; the 1M-claim figure is taken on an
import of a million earlier claims (bench/import_speed.py makes one).  The database is only read.
Claim pages are fetched by canonical URL for random published claims; searches paste the first words of
random published claims, reworded (a few words dropped, order shuffled), as a reader pasting a rumour would.
Prints p50/p95 for each against the targets (claim page <= 30 ms, search <= 100 ms).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

TARGETS = {"claim page": 30.0, "search": 100.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite:////tmp/db1m.sqlite", help="SQLAlchemy URL (read only)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per kind")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from claimtrack import create_app
    from claimtrack.db import db
    from claimtrack.models import Claim, Speaker, Verdict, VerdictStatus
    from claimtrack.services.public import slugify

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": args.database, "RATELIMIT_ENABLED": False})
    rng = random.Random(args.seed)
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Claim))
        top = db.session.scalar(select(func.max(Claim.id))) or 0
        sample: list = []
        while len(sample) < args.requests + args.warmup and top:
            ids = [rng.randint(1, top) for _ in range(500)]
            sample += db.session.execute(
                select(Claim.id, Claim.text, Claim.speaker_id, Speaker.name).join(Verdict, Verdict.claim_id == Claim.id)
                .outerjoin(Speaker, Speaker.id == Claim.speaker_id)
                .where(Claim.id.in_(ids), Verdict.status == VerdictStatus.PUBLISHED, Claim.merged_into_id.is_(None))
            ).all()
        db.session.remove()
    if not sample:
        print("no published claims in this database")
        return 1
    sample = sample[: args.requests + args.warmup]
    print(f"database: {args.database} ({total:,} claims); {args.requests} timed requests per kind")

    def query_of(text: str) -> str:
        words = text.split()[:14]
        if len(words) > 5:
            words = [w for w in words if rng.random() > 0.2]
            rng.shuffle(words)
        return " ".join(words)

    client = app.test_client()
    kinds = {
        "claim page": [f"/claims/{cid}-{slugify(text)}" for cid, text, _, _ in sample],
        "search": ["/?" + urlencode({"q": query_of(text)}) for _, text, _, _ in sample],
        # Not in the targets; reported so that a slow one shows.
        "home": ["/"] * len(sample),
        "speaker": [f"/speakers/{sid}-{slugify(name)}" for _, _, sid, name in sample if sid],
        "filtered": ["/?" + urlencode({"verdict": "false", "page": 3})] * len(sample),
    }
    failed = False
    for kind, urls in kinds.items():
        timings = []
        for i, url in enumerate(urls):
            start = time.perf_counter()
            response = client.get(url)
            response.get_data()
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                print(f"  {kind}: {url[:80]} answered {response.status_code}")
                failed = True
            if i >= args.warmup:
                timings.append(elapsed)
        p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
        target = TARGETS.get(kind)
        note = "" if target is None else f"  (target <= {target:.0f} ms: {'ok' if p95 <= target else 'OVER'})"
        print(f"{kind:>10}: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  mean {statistics.mean(timings):6.1f} ms{note}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Ingest timing: the sample article against N earlier claims, end to end in-process.

Builds a SQLite database of N claims (real texts widened by word swaps, through the real
`flask claims import`) unless --database-url names an existing one, then times the whole
ingest of the article (extraction, attribution, check-worthiness, storing, and the
matches of every candidate) R times, rolling back after each run so every run ingests
anew.  Prints median and p95, with the share of each stage.

    python bench/ingest_speed.py --rows 1000000 [--runs 20] [--article PATH] [--database-url URL]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import DEFAULT_DATA, ROOT, flask, load_rows, percentile, widen

sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--article", type=Path, default=DEFAULT_DATA / "articles" / "zelensky-cnn-interview.txt")
    parser.add_argument("--database-url", help="an existing, imported database to use instead of building one")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url
        if url is None:
            jsonl = Path(tmp) / "claims.jsonl"
            widen(load_rows(args.data), args.rows, jsonl)
            url = f"sqlite:///{Path(tmp) / 'ingest.sqlite'}"
            flask(["db", "upgrade"], url)
            flask(["claims", "import", str(jsonl)], url)
        from dataclasses import replace

        from sqlalchemy import func, select

        from claimtrack import create_app
        from claimtrack.db import db
        from claimtrack.extraction import extract_candidates
        from claimtrack.extraction.checkworthiness import score_sentences
        from claimtrack.models import Claim
        from claimtrack.services.ingest import article_appearances, ingest_article, matches_for
        from claimtrack.webpage import article_from_text

        text = args.article.read_text(encoding="utf-8")
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url})
        with app.app_context():
            claims = db.session.scalar(select(func.count()).select_from(Claim))
            totals, extract_t, score_t, match_t = [], [], [], []
            candidates = 0
            for run in range(args.runs + 2):
                article_text = replace(article_from_text(text), publisher="CNN")
                t0 = time.perf_counter()
                found = extract_candidates(article_text.text, article_text.publisher)
                t1 = time.perf_counter()
                score_sentences([c.text for c in found])
                t2 = time.perf_counter()
                # End to end from here: ingest_article extracts, attributes and scores again itself.
                start = time.perf_counter()
                article, _ = ingest_article(db.session, article_text)
                appearances = article_appearances(db.session, article.id)
                t3 = time.perf_counter()
                matches_for(db.session, appearances, app.extensions["ingest_match_settings"])
                end = time.perf_counter()
                db.session.rollback()
                if run >= 2:  # two warm-up runs (model loading, caches)
                    totals.append((end - start) * 1000)
                    extract_t.append((t1 - t0) * 1000)
                    score_t.append((t2 - t1) * 1000)
                    match_t.append((end - t3) * 1000)
                    candidates = len(appearances)
            db.engine.dispose()
    postings = app.extensions["ingest_match_settings"].max_postings
    print(f"article: {args.article.name}, {candidates} candidates; earlier claims: {claims:,} (SQLite); "
          f"INGEST_MATCH_MAX_POSTINGS={postings}")
    print(f"ingest end to end   median {statistics.median(totals):7.1f} ms   p95 {percentile(totals, 95):7.1f} ms"
          f"   ({args.runs} runs)")
    print(f"  extraction        median {statistics.median(extract_t):7.1f} ms")
    print(f"  check-worthiness  median {statistics.median(score_t):7.1f} ms")
    print(f"  matches           median {statistics.median(match_t):7.1f} ms "
          f"({statistics.median(match_t) / max(candidates, 1):.1f} ms per candidate)")
    print("  (the stages are timed separately, outside the end-to-end figure, which includes them)")


if __name__ == "__main__":
    main()

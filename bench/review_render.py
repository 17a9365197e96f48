"""Article review page render time: a 2,000-sentence article, server-side, in-process.

Builds a SQLite database of N earlier claims (real texts widened by word swaps, through the real `flask claims
import`), glues real news articles (PolNeAR dev texts) into one article of at least --sentences sentences,
ingests it with the candidate cap lifted to the sentence count (the worst case; the default cap is 500) and
matches every candidate once as the ingest form does, then times GET of the review page's first, a middle and the last page through the Flask test client, logged in as an
editor, after a warm-up.  The baseline in the same process is the editor's article list, a small page.
Prints p50/p95 per page, bytes, SQL statements per request and the ratio to the baseline.

    python bench/review_render.py [--rows 10000] [--sentences 2000] [--requests 30] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import DEFAULT_DATA, ROOT, flask, load_rows, percentile, widen
from editor_pages import QueryCounter

sys.path.insert(0, str(ROOT))

PASSWORD = "bench password 123"
TARGET_MS = 1000.0


def long_article(data: Path, sentences: int) -> str:
    """Real articles glued together until the text has at least ``sentences`` sentences."""
    from claimtrack.extraction.sentences import split_sentences

    parts: list[str] = []
    count = 0
    with (data / "attribution" / "polnear-dev.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            text = json.loads(line)["text"]
            parts.append(text)
            count += len(split_sentences(text))
            if count >= sentences:
                break
    return "\n\n".join(parts)


def timed(client, counter: QueryCounter, url: str, requests: int) -> tuple[list[float], float, int]:
    """Milliseconds per GET of ``url``, SQL statements per request, and the page's size in bytes."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    timings = []
    counter.count = 0
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings, counter.count / requests, len(response.data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000, help="earlier claims in the index")
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="review-render-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        jsonl = Path(tmp) / "claims.jsonl"
        widen(load_rows(args.data), args.rows, jsonl)
        flask(["db", "upgrade"], url)
        flask(["claims", "import", str(jsonl)], url)

        from dataclasses import replace

        from claimtrack import create_app
        from claimtrack.db import db
        from claimtrack.extraction.sentences import split_sentences
        from claimtrack.services.accounts import create_user
        from claimtrack.services.ingest import article_appearances, ingest_article, matches_for
        from claimtrack.webpage import article_from_text

        text = long_article(args.data, args.sentences)
        sentences = len(split_sentences(text))
        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "ARTICLE_MAX_CANDIDATES": sentences,
                          "ARTICLE_MAX_BYTES": 10 * len(text.encode())})
        with app.app_context():
            create_user(db.session, "bench", PASSWORD, "editor")
            start = time.perf_counter()
            article, _ = ingest_article(db.session, replace(article_from_text(text), publisher="Bench"),
                                        max_candidates=sentences)
            ingest_s = time.perf_counter() - start
            article_id = article.id
            appearances = article_appearances(db.session, article_id)
            candidates = len(appearances)
            start = time.perf_counter()
            # as the ingest form does: every candidate is matched once, in the POST, and the matches kept
            matches_for(db.session, appearances, app.extensions["ingest_match_settings"],
                        app.config["INGEST_MATCHES_PER_CANDIDATE"])
            db.session.commit()
            match_s = time.perf_counter() - start
        print(f"{args.rows:,} claims; article of {len(text.split()):,} words, {sentences:,} sentences, "
              f"{candidates:,} candidates (extract + store {ingest_s:.1f} s, match and keep {match_s:.1f} s)")

        size = app.config["REVIEW_PAGE_SIZE"]
        last = max(1, -(-candidates // size))
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        client.post("/login", data={"csrf_token": token, "username": "bench", "password": PASSWORD})
        with app.app_context():
            counter = QueryCounter(db.engine)
        baseline, base_sql, base_bytes = timed(client, counter, "/editor/articles", args.requests)
        base_p50 = statistics.median(baseline)
        print(f"{'page':<34} {'p50 ms':>8} {'p95 ms':>8} {'x base':>7} {'KiB':>7} {'SQL/req':>8}")
        print(f"{'baseline: /editor/articles':<34} {base_p50:8.1f} {percentile(baseline, 95):8.1f} {1:7.1f} "
              f"{base_bytes / 1024:7.0f} {base_sql:8.1f}")
        worst = 0.0
        for label, page in (("review page 1", 1), (f"review page {max(1, last // 2)}", max(1, last // 2)),
                            (f"review page {last} (last)", last)):
            timings, sql, size_bytes = timed(client, counter, f"/editor/articles/{article_id}?page={page}",
                                             args.requests)
            p95 = percentile(timings, 95)
            worst = max(worst, p95)
            print(f"{label:<34} {statistics.median(timings):8.1f} {p95:8.1f} "
                  f"{statistics.median(timings) / base_p50:7.1f} {size_bytes / 1024:7.0f} {sql:8.1f}")
        print(f"target: every review page under {TARGET_MS:.0f} ms server-side: "
              f"{'met' if worst < TARGET_MS else 'NOT met'} (worst p95 {worst:.0f} ms)")


if __name__ == "__main__":
    main()

"""Reader requests at scale: the instant answer and the triage page, server-side, at 1M claims and 100K requests.

Usage:
    .venv/bin/python bench/requests_bench.py [--source /tmp/db1m.sqlite] [--requests 100000] [--timed 200]
                                             [--workdir DIR]

Data recipe: the 1M-claim SQLite database (bench/import_speed.py makes one) is COPIED into a temporary
directory (the original is never modified; ~1 GB, so free space is checked first), migrated to the newest
schema, and given --requests reader requests written in bulk the way the service stores them: rumours are
the texts of random claims with words dropped and shuffled, asked in groups of Zipf-like sizes (most asked
once, a few hundreds of times) over the last 90 days; 70% of the groups are open, 20% about a claim, 10%
dismissed; search terms and the grouping index (the first 20 requests of a group) as submit_request writes
them.  Then, in process through the Flask test client (CSRF and the rate limit off):

- instant answer: POST /ask with a rewording of a published claim or a new rumour (half each), timed whole
  (matching, the asked-again signal or the queued request with its grouping, commit, redirect); the service
  call alone (services.requests.instant_answer) is timed as well;
- triage: GET /editor/requests for each sort (24 h, 7 days, total, latest), logged in as an editor.

Prints p50/p95 against the targets (instant answer <= 100 ms p95, triage <= 100 ms p95).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import flask, percentile  # noqa: E402

TARGET_MS = 100.0


def reword(text: str, rng: random.Random) -> str:
    """A reader's version: a few words dropped, a neighbouring pair swapped."""
    words = text.split()
    if len(words) > 6:
        for _ in range(max(1, len(words) // 8)):
            words.pop(rng.randrange(len(words)))
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def fill(app, n: int, rng: random.Random) -> None:
    """Write n reader requests in bulk, grouped, over the last 90 days."""
    from sqlalchemy import func, insert, select

    from claimtrack.db import db
    from claimtrack.matching import tokens
    from claimtrack.models import CheckRequest, Claim, RequestGroup, RequestTerm
    from claimtrack.services.requests import INDEXED_PER_GROUP, hash_token, wording_key
    from collections import Counter

    with app.app_context():
        session = db.session
        top = session.scalar(select(func.max(Claim.id)))
        now = datetime.now(timezone.utc)
        made = 0
        group_id = (session.scalar(select(func.max(RequestGroup.id))) or 0)
        request_id = (session.scalar(select(func.max(CheckRequest.id))) or 0)
        groups, requests, terms = [], [], []
        while made < n:
            size = min(n - made, max(1, int(rng.paretovariate(1.2))))
            claim_id = rng.randint(1, top)
            text = session.scalar(select(Claim.text).where(Claim.id >= claim_id).order_by(Claim.id).limit(1)) or \
                "Something readers keep asking about"
            group_id += 1
            roll = rng.random()
            status = "open" if roll < 0.7 else "claim" if roll < 0.9 else "dismissed"
            times = sorted(now - timedelta(seconds=rng.uniform(0, 90 * 86400)) for _ in range(size))
            texts = [reword(text, rng)[:2000] for _ in times]
            keys = [wording_key(t) for t in texts]
            common, common_n = Counter(keys).most_common(1)[0]
            groups.append({"id": group_id, "status": status, "claim_id": claim_id if status == "claim" else None,
                           "request_count": size, "first_asked_at": times[0], "last_asked_at": times[-1],
                           "wording": texts[keys.index(common)], "wording_count": common_n,
                           "dismiss_reason": "opinion" if status == "dismissed" else None, "created_at": times[0]})
            for k, at in enumerate(times):
                request_id += 1
                asked = texts[k]
                search_terms = " ".join(tokens(asked)) or None
                requests.append({"id": request_id, "group_id": group_id, "text": asked, "wording_key": keys[k],
                                 "search_terms": search_terms,
                                 "seen_where": rng.choice([None, "https://social.example/p/%d" % rng.randrange(10**6),
                                                           "a WhatsApp group"]),
                                 "email": None, "token_hash": hash_token("bench-%d" % request_id),
                                 "answered_at_once": False, "match_score": None, "created_at": at})
                if k < INDEXED_PER_GROUP and search_terms:
                    terms.extend({"term": t, "request_id": request_id}
                                 for t in sorted(set(search_terms.split())) if len(t) <= 100)
            made += size
            if len(requests) >= 20_000 or made >= n:
                session.execute(insert(RequestGroup), groups)
                session.execute(insert(CheckRequest), requests)
                session.execute(insert(RequestTerm), terms)
                session.commit()
                groups, requests, terms = [], [], []
                print(f"  {made:,} requests written", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("/tmp/db1m.sqlite"), help="the 1M-claim database (copied)")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--timed", type=int, default=200, help="timed requests per kind")
    parser.add_argument("--workdir", type=Path, help="keep the copy here (default: a temporary directory, removed)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    tmp = None
    workdir = args.workdir
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="requests-bench-", dir=str(args.source.parent))
        workdir = Path(tmp.name)
    workdir.mkdir(parents=True, exist_ok=True)
    copy = workdir / "requests1m.sqlite"
    try:
        if not copy.exists():
            need = args.source.stat().st_size * 1.5
            if shutil.disk_usage(workdir).free < need:
                raise SystemExit(f"not enough free space in {workdir} for a copy of {args.source}")
            print(f"copying {args.source} -> {copy}", flush=True)
            shutil.copyfile(args.source, copy)
            url = f"sqlite:///{copy}"
            flask(["db", "upgrade"], url)
        url = f"sqlite:///{copy}"
        return run(url, args, rng)
    finally:
        if tmp is not None:
            tmp.cleanup()


def run(url: str, args, rng: random.Random) -> int:
    from sqlalchemy import func, select

    from claimtrack import create_app
    from claimtrack.db import db
    from claimtrack.models import CheckRequest, Claim, User, Verdict, VerdictStatus
    from claimtrack.services import requests as requests_service
    from claimtrack.services.accounts import create_user

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False, "LOG_REQUESTS": False})
    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(CheckRequest))
        claims = db.session.scalar(select(func.max(Claim.id)))
        if not db.session.scalar(select(func.count()).select_from(User)):
            create_user(db.session, "bench", "correct horse battery", "editor")
            db.session.commit()
    if have < args.requests:
        print(f"writing {args.requests - have:,} reader requests", flush=True)
        start = time.perf_counter()
        fill(app, args.requests - have, rng)
        print(f"  in {time.perf_counter() - start:.0f} s")

    with app.app_context():
        published = []
        while len(published) < args.timed:
            cid = rng.randint(1, claims)
            row = db.session.execute(select(Claim.text).join(Verdict, Verdict.claim_id == Claim.id).where(
                Claim.id == cid, Verdict.status == VerdictStatus.PUBLISHED)).first()
            if row:
                published.append(reword(row[0], rng))
        total = db.session.scalar(select(func.count()).select_from(CheckRequest))
        print(f"database: {claims:,} claims, {total:,} reader requests")
    nonsense = ["zorblax", "quintrel", "mavrodi", "plenthor", "wexford", "gastrion", "ollomere", "trivask"]
    rumours = [f"The {rng.choice(nonsense)} {rng.choice(nonsense)} festival in town {i} was cancelled by the mayor "
               f"because of {rng.choice(nonsense)} poisoning" for i in range(args.timed)]
    asks = [t for pair in zip(published, rumours, strict=False) for t in pair][:args.timed]

    client = app.test_client()
    settings = app.extensions["match_settings"]
    service_ms, ask_ms, outcomes = [], [], {"answered": 0, "related": 0, "queued": 0}
    by_outcome: dict[str, list[float]] = {"answered": [], "related": [], "queued": []}
    for text in asks[:20]:  # warm-up
        client.post("/ask", data={"text": text, "confirm": "yes"})
    for text in asks:
        with app.app_context():
            start = time.perf_counter()
            requests_service.instant_answer(db.session, text, settings)
            service_ms.append((time.perf_counter() - start) * 1000)
            db.session.rollback()
        start = time.perf_counter()
        response = client.post("/ask", data={"text": text, "confirm": "yes"})
        ask_ms.append((time.perf_counter() - start) * 1000)
        location = response.headers.get("Location", "")
        outcome = "answered" if "/answered/" in location else "queued" if "/track/" in location else "related"
        outcomes[outcome] += 1
        by_outcome[outcome].append(ask_ms[-1])
    client.post("/login", data={"username": "bench", "password": "correct horse battery"})
    triage_ms: dict[str, list[float]] = {}
    for sort in ("24h", "7d", "total", "latest"):
        client.get(f"/editor/requests?sort={sort}")
        times = []
        for i in range(max(20, args.timed // 4)):
            page = 1 + (i % 3)
            start = time.perf_counter()
            response = client.get(f"/editor/requests?sort={sort}&page={page}")
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        triage_ms[sort] = times
    everything = [t for times in triage_ms.values() for t in times]

    def line(name: str, values: list[float]) -> str:
        p95 = percentile(values, 95)
        verdict = "ok" if p95 <= TARGET_MS else "OVER TARGET"
        return f"{name:38s} p50 {percentile(values, 50):7.1f} ms   p95 {p95:7.1f} ms   (target {TARGET_MS:.0f} ms: {verdict})"

    print(f"instant answers: {outcomes}")
    print(line("instant answer (service)", service_ms))
    print(line("POST /ask (whole request)", ask_ms))
    for outcome, values in by_outcome.items():
        if values:
            print(line(f"  POST /ask, {outcome}", values))
    for sort, times in triage_ms.items():
        print(line(f"GET /editor/requests?sort={sort}", times))
    print(line("triage page (all sorts)", everything))
    ok = percentile(ask_ms, 95) <= TARGET_MS and percentile(everything, 95) <= TARGET_MS
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Editor page speed: the dashboard (/editor/), the claim list (/editor/claims: search, filters, sorts) and the
claim workspace (/editor/claims/<id>) at N claims.

Server-side time of each request through the Flask test client, in-process, logged in, after a
warm-up; prints p50/p95 and SQL statements per request (a constant count shows there is no N+1).

The database is either built here (N rows widened from ../shared/data as bench/import_speed.py does,
through the real `flask claims import`, into a fresh SQLite file in a temporary directory), or an
existing one given with --database-url.  An existing SQLite file is COPIED to a temporary directory
first and the copy is measured and deleted: the workflow state this bench writes (a few thousand
verdicts assigned, put in review, re-published; appearances linked after publication, so that the
resurfaced list is non-empty) never touches the original.  Other databases (PostgreSQL) are only
written to with --in-place, and then keep that state.

    python bench/editor_pages.py                                   # builds 1,000,000 claims (slow)
    python bench/editor_pages.py --database-url sqlite:////tmp/db1m.sqlite
    python bench/editor_pages.py --rows 100000 --requests 100
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common import DEFAULT_DATA, ROOT, flask, load_rows, percentile, widen

sys.path.insert(0, str(ROOT))

PASSWORD = "bench password 123"
TARGET_P95_MS = 50.0


def build(rows: int, data: Path, directory: Path) -> str:
    """A fresh SQLite database with ``rows`` claims imported through the real CLI."""
    url = f"sqlite:///{directory / 'bench.sqlite'}"
    jsonl = directory / "claims.jsonl"
    widen(load_rows(data), rows, jsonl)
    flask(["db", "upgrade"], url)
    start = time.perf_counter()
    flask(["claims", "import", str(jsonl)], url)
    print(f"imported {rows:,} claims in {time.perf_counter() - start:.0f} s", flush=True)
    jsonl.unlink()
    return url


def make_workflow_state(size: int, seed: int = 3) -> dict:
    """Users and a newsroom's worth of work in progress, written in bulk and committed."""
    from sqlalchemy import bindparam, func, insert, select, update

    from claimtrack.db import db
    from claimtrack.models import Appearance, Article, Claim, User, Verdict, VerdictStatus
    from claimtrack.services.accounts import create_user

    rng = random.Random(seed)
    session = db.session
    users = {}
    for name, role in (("bench-editor", "editor"), ("bench-reviewer", "reviewer"), ("bench-editor-2", "editor")):
        user = session.scalar(select(User).where(User.username == name))
        users[name] = user.id if user else create_user(session, name, PASSWORD, role).id
    session.flush()
    max_verdict = session.scalar(select(func.max(Verdict.id))) or 0
    max_claim = session.scalar(select(func.max(Claim.id))) or 0
    if max_verdict < size * 4:
        raise SystemExit(f"the database has {max_verdict} verdicts; --workflow {size} needs at least {size * 4}")
    now = datetime.now(timezone.utc)
    picked = rng.sample(range(1, max_verdict + 1), size * 3)
    editor, reviewer, other = users["bench-editor"], users["bench-editor-2"], users["bench-reviewer"]
    plan = []
    for i, verdict_id in enumerate(picked):
        if i < size // 3:
            values = {"status": VerdictStatus.RESEARCHING.value, "assignee_id": editor, "author_id": editor}
        elif i < size // 3 * 2:
            values = {"status": VerdictStatus.NEW.value, "assignee_id": None, "author_id": None}
        elif i < size:
            values = {"status": VerdictStatus.IN_REVIEW.value, "assignee_id": reviewer, "author_id": reviewer}
        elif i < size * 2:
            # re-published recently: these lead the "recently published" list
            values = {"status": VerdictStatus.PUBLISHED.value, "assignee_id": other, "author_id": other,
                      "published_at": now - timedelta(minutes=i)}
        else:
            continue
        plan.append({"verdict_pk": verdict_id, "updated_at": now - timedelta(seconds=i), **values})
    for keys in ({"status", "assignee_id", "author_id", "updated_at"},
                 {"status", "assignee_id", "author_id", "updated_at", "published_at"}):
        batch = [row for row in plan if set(row) - {"verdict_pk"} == keys]
        if batch:
            session.execute(update(Verdict.__table__).where(Verdict.__table__.c.id == bindparam("verdict_pk"))
                            .values({key: bindparam(key) for key in keys}), batch)
    # Appearances: repeats of published claims, some after publication (resurfaced), most before it.
    published = [r[0] for r in session.execute(
        select(Verdict.claim_id).where(Verdict.id.in_(picked[size * 2:]))
    )]
    article = Article(text="Bench article.", content_hash=f"bench-{now.timestamp()}", title="Bench article")
    session.add(article)
    session.flush()
    rows = []
    for i, claim_id in enumerate(published):
        for k in range(rng.randint(1, 3)):
            rows.append({"claim_id": claim_id, "article_id": article.id, "sentence": "Repeated.", "position": k,
                         "status": "linked", "is_quote": False,
                         "created_at": now + timedelta(seconds=i * 3 + k)})
    for _ in range(size * 5):
        rows.append({"claim_id": rng.randint(1, max_claim), "article_id": article.id, "sentence": "Earlier.",
                     "position": 0, "status": "linked", "is_quote": False,
                     "created_at": now - timedelta(days=rng.randint(400, 900))})
    for start in range(0, len(rows), 5000):
        session.execute(insert(Appearance.__table__), rows[start:start + 5000])
    session.commit()
    speaker = session.execute(select(Claim.speaker_id, func.count()).where(Claim.speaker_id.is_not(None))
                              .group_by(Claim.speaker_id).order_by(func.count().desc()).limit(1)).first()
    return {"users": users, "appearances": len(rows), "claim_ids": rng.sample(range(1, max_claim + 1), 200),
            "busy_speaker_id": speaker[0] if speaker else None}


class QueryCounter:
    """Counts SQL statements sent by the app's engine."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1


def time_pages(client, counter: QueryCounter, urls: list[str], requests: int, warmup: int = 10) -> tuple[list, float]:
    """Milliseconds per request over ``requests`` requests cycling through ``urls``; statements per request."""
    for url in urls[:warmup] + urls[:1] * warmup:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    timings = []
    counter.count = 0
    for i in range(requests):
        url = urls[i % len(urls)]
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code not in (200, 301):
            raise SystemExit(f"{url} answered {response.status_code}")
    return timings, counter.count / requests


def line(label: str, timings: list[float], per_request: float) -> str:
    p95 = percentile(timings, 95)
    flag = "ok" if p95 <= TARGET_P95_MS else f"OVER {TARGET_P95_MS:.0f} ms"
    return (f"{label:<44} p50 {statistics.median(timings):7.1f} ms   p95 {p95:7.1f} ms   "
            f"{per_request:5.1f} SQL/req   {flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="claims to build when no --database-url")
    parser.add_argument("--database-url", help="an existing imported database (SQLite files are copied first)")
    parser.add_argument("--in-place", action="store_true", help="allow writing workflow state to a non-SQLite URL")
    parser.add_argument("--workflow", type=int, default=3000, help="verdicts put in each workflow state")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="editor-pages-") as tmp:
        directory = Path(tmp)
        if args.database_url is None:
            url = build(args.rows, args.data, directory)
        elif args.database_url.startswith("sqlite:///"):
            source = Path(args.database_url[len("sqlite:///"):])
            copy = directory / "copy.sqlite"
            start = time.perf_counter()
            shutil.copyfile(source, copy)
            print(f"measuring a copy of {source} ({time.perf_counter() - start:.0f} s to copy)", flush=True)
            url = f"sqlite:///{copy}"
        elif args.in_place:
            url = args.database_url
        else:
            raise SystemExit("only SQLite files are copied; pass --in-place to write workflow state to this database")
        flask(["db", "upgrade"], url)

        from sqlalchemy import func, select

        from claimtrack import create_app
        from claimtrack.db import db
        from claimtrack.models import Claim, Speaker

        app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            claims = db.session.scalar(select(func.max(Claim.id)))
            start = time.perf_counter()
            state = make_workflow_state(args.workflow)
            speaker = db.session.get(Speaker, state["busy_speaker_id"]) if state["busy_speaker_id"] else None
            speaker_part = speaker.name.split()[-1] if speaker else "smith"
            print(f"{claims:,} claims; workflow state: {args.workflow:,} verdicts each assigned / new / in review / "
                  f"re-published, {state['appearances']:,} appearances ({time.perf_counter() - start:.0f} s)",
                  flush=True)
            counter = QueryCounter(db.engine)
        has_workspace = any(rule.endpoint == "editor.claim" for rule in app.url_map.iter_rules())
        results = []
        for username in ("bench-editor", "bench-reviewer"):
            client = app.test_client()
            login_page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
            response = client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
            assert response.status_code == 302, f"login failed for {username}"
            pages = [(f"dashboard as {username.split('-')[1]}", ["/editor/"])]
            if username == "bench-editor":
                pages += [
                    (f"dashboard, speaker filter '{speaker_part}'", [f"/editor/?speaker={speaker_part}"]),
                    ("dashboard, topic filter (31K and 22 claims)", ["/editor/?topic=economy", "/editor/?topic=fires"]),
                    ("dashboard, page 50 of published", ["/editor/?page_published=50"]),
                ]
                if has_workspace:
                    pages.append(("claim workspace /editor/claims/<id>",
                                  [f"/editor/claims/{i}" for i in state["claim_ids"]]))
                pages += [
                    ("claim list, newest first", ["/editor/claims"]),
                    ("claim list, page 50", ["/editor/claims?page=50"]),
                    ("claim list, status in review", ["/editor/claims?status=in_review"]),
                    ("claim list, not rated, unassigned", ["/editor/claims?verdict=unrated&assignee=none"]),
                    (f"claim list, speaker '{speaker_part}'", [f"/editor/claims?speaker={speaker_part}"]),
                    ("claim list, updated this year", [f"/editor/claims?since={datetime.now().year}-01-01"]),
                    ("claim list, sorted by speaker", ["/editor/claims?sort=speaker"]),
                    ("claim list, sorted by last updated", ["/editor/claims?sort=updated"]),
                    ("claim list, search", ["/editor/claims?q=obama+health+care+law+cuts+medicare",
                                            "/editor/claims?q=unemployment+rate+fell"]),
                    ("claim list, search + status published", ["/editor/claims?q=unemployment+rate+fell"
                                                               "&status=published"]),
                ]
            for label, urls in pages:
                timings, per_request = time_pages(client, counter, urls, args.requests)
                results.append(line(label, timings, per_request))
                print(results[-1], flush=True)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()

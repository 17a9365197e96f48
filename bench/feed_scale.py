"""Monitoring at scale: 200 feeds of 50 items on 127.0.0.1, a tracker holding N claims, the real worker.

A news site runs in a child process (an http.server thread on 127.0.0.1): 200 RSS feeds, each listing up to 50
article pages made from the PolNeAR articles in DATA/attribution (every page its own, with a dateline, so none is
a copy of another).  Items appear in their feeds at a steady rate (--rate a minute, spread over the feeds in turn)
for --minutes; one item in --plant-every repeats a published claim of the database (a LIAR claim quoted with its
speaker), so alerts are raised.  The tracker is a SQLite database of N claims imported with the real
`flask claims import` (bench/common.widen, as bench/ingest_speed.py and bench/public_load.py build theirs), made
once into /tmp/feed_scale_<N>.sqlite and reused; each run works on a copy, so the cache stays clean.

The sources are added through the service (monitoring.create_feed, interval --interval minutes; 5 is the shortest
an editor may set) with their first polls spread over one interval, as sources added over time would be; the
worker is the real `worker.run_due` (the `flask worker` round) with FETCH_ALLOWED_NETWORKS=127.0.0.0/8 (as the
tests allow the local site) and robots.txt, conditional GETs and the size and time caps as configured.  The
per-host delay (FEED_HOST_DELAY_SECONDS, 1 s) is set to --host-delay (default 0): here 200 feeds share one host,
where real feeds are 200 sites, each asked at most once a second; a 1 s delay on one host would measure the
politeness rule (60 requests a minute in all), not the worker.

After the arrivals stop the worker runs on until every item that appeared is handled (or --drain minutes pass).
Printed: items that appeared and were ingested; articles ingested per minute over the busy time of the worker
(its capacity) and over the wall-clock run; the p50/p95 from an item's appearance in its feed to its article, and
to its alert; alerts raised for the planted items.

    python bench/feed_scale.py [DATA] [--claims 1000000] [--rate 120] [--minutes 10] [--interval 5]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common import DEFAULT_DATA, ROOT, flask, load_rows, percentile, widen

sys.path.insert(0, str(ROOT))

FEEDS, ITEMS = 200, 50


# --- the news site ------------------------------------------------------------------------------------------------


def build_items(data: Path, feeds: int, items: int, plant_every: int, seed: int = 7) -> list[dict]:
    """Every item of every feed, in the order they appear: item k is feed k % feeds's (k // feeds)-th; one in
    ``plant_every`` quotes a published LIAR claim (with a digit in it: the kind check-worthiness keeps)."""
    rng = random.Random(seed)
    articles = [json.loads(line) for line in open(data / "attribution" / "polnear-train.jsonl", encoding="utf-8")]
    claims = [json.loads(line) for line in open(data / "liar" / "claims.jsonl", encoding="utf-8")]
    quotable = [c for c in claims if c.get("speaker") and c.get("verdict") and any(ch.isdigit() for ch in c["text"])
                and 10 <= len(c["text"].split()) <= 30 and not c["text"].lower().startswith("says")]
    rng.shuffle(articles)
    rng.shuffle(quotable)
    out = []
    for k in range(feeds * items):
        article = articles[k % len(articles)]
        paragraphs = [p for p in article["text"].split("\n\n") if p.strip()]
        title, body = paragraphs[0], paragraphs[1:]
        dateline = f"WIRE {k // feeds + 1}-{k % feeds + 1} -- From the desk of feed {k % feeds + 1}, item {k}."
        planted = None
        if k % plant_every == plant_every - 1:
            planted = quotable[(k // plant_every) % len(quotable)]
            speaker = " ".join(w.capitalize() for w in planted["speaker"].split())
            quote = f'"{planted["text"].rstrip(".")}," {speaker} said at a campaign event on Monday.'
            body = body[:1] + [quote] + body[1:]
        out.append({"k": k, "feed": k % feeds, "path": f"/f{k % feeds}/a{k // feeds}.html", "title": title[:200],
                    "paragraphs": [dateline, *body], "planted": planted["id"] if planted else None})
    return out


def serve(items: list[dict], start: float, rate: float, ready, port_out) -> None:
    """The site (run in a child process): item k is listed from ``start + k * 60 / rate`` (wall clock)."""
    pages = {}
    for item in items:
        html = "".join(f"<p>{escape(p)}</p>" for p in item["paragraphs"])
        pages[item["path"]] = (f"<!doctype html><html><head><title>{escape(item['title'])}</title></head><body>"
                               f"<article><h1>{escape(item['title'])}</h1>{html}</article></body></html>").encode()
    by_feed: dict[int, list[dict]] = {}
    for item in items:
        by_feed.setdefault(item["feed"], []).append(item)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            path = self.path.split("?")[0]
            if path.startswith("/feed/") and path.endswith(".xml"):
                feed = int(path[6:-4])
                host = f"http://127.0.0.1:{self.server.server_port}"
                shown = int(max(0.0, time.time() - start) * rate / 60.0) + 1   # items 0 .. shown-1 have appeared
                listed = [i for i in by_feed.get(feed, []) if i["k"] < shown][::-1]   # newest first
                entries = "".join(f"<item><title>{escape(i['title'])}</title><link>{host}{i['path']}</link>"
                                  f"<guid>{host}{i['path']}</guid></item>" for i in listed)
                body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {feed}'
                        f"</title><link>{host}/</link><description>bench</description>{entries}</channel></rss>"
                        ).encode()
                self._send(body, "application/rss+xml")
            elif path in pages:
                self._send(pages[path], "text/html; charset=utf-8")
            else:
                self._send(b"<html><body>Not found</body></html>", "text/html", 404)

        def _send(self, body: bytes, content_type: str, status: int = 200):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.value = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.set()
    while True:
        time.sleep(3600)


# --- the tracker ----------------------------------------------------------------------------------------------


def prepare(database: str | None, claims: int, data: Path) -> Path:
    """A SQLite file holding ``claims`` imported claims (made once and reused)."""
    path = Path(database) if database else Path(f"/tmp/feed_scale_{claims}.sqlite")
    url = f"sqlite:///{path}"
    flask(["db", "upgrade"], url)
    with sqlite3.connect(path) as conn:
        have = conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    if have < claims:
        with tempfile.TemporaryDirectory() as folder:
            jsonl = Path(folder) / "claims.jsonl"
            widen(load_rows(data), claims, jsonl)
            print(f"importing {claims:,} claims into {path} (once; later runs reuse it) ...", flush=True)
            started = time.perf_counter()
            flask(["claims", "import", str(jsonl)], url)
            print(f"  imported in {time.perf_counter() - started:.0f} s", flush=True)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--database", help="a SQLite file to use (and fill once) instead of /tmp/feed_scale_N")
    parser.add_argument("--feeds", type=int, default=FEEDS)
    parser.add_argument("--items", type=int, default=ITEMS)
    parser.add_argument("--rate", type=float, default=120.0, help="items appearing a minute, over all feeds")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long items keep appearing")
    parser.add_argument("--interval", type=int, default=5, help="each source's polling interval, in minutes")
    parser.add_argument("--plant-every", type=int, default=10, help="one item in this many repeats a claim")
    parser.add_argument("--host-delay", type=float, default=0.0, help="FEED_HOST_DELAY_SECONDS (see above)")
    parser.add_argument("--drain", type=float, default=15.0, help="at most this many minutes after the arrivals")
    args = parser.parse_args()

    total = min(args.feeds * args.items, int(args.rate * args.minutes))
    items = build_items(args.data, args.feeds, args.items, args.plant_every)[:total]
    cached = prepare(args.database, args.claims, args.data)
    work = Path(tempfile.mkdtemp(prefix="feed_scale_")) / "run.sqlite"
    shutil.copyfile(cached, work)

    from sqlalchemy import func, select

    from claimtrack import create_app
    from claimtrack.db import db
    from claimtrack.models import Alert, Appearance, Article, Claim, FeedItem, MonitoredFeed
    from claimtrack.services import accounts, monitoring
    from claimtrack.worker import run_due

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{work}",
                      "FETCH_ALLOWED_NETWORKS": ["127.0.0.0/8"], "FEED_HOST_DELAY_SECONDS": args.host_delay})
    context = multiprocessing.get_context("fork")
    ready, port = context.Event(), context.Value("i", 0)
    start = time.time() + 5.0 + (len(items) / 4000)     # the site starts listing once the sources are added
    site = context.Process(target=serve, args=(items, start, args.rate, ready, port), daemon=True)
    site.start()
    ready.wait(60)
    base = f"http://127.0.0.1:{port.value}"
    try:
        with app.app_context():
            session = db.session
            claims = session.scalar(select(func.count()).select_from(Claim))
            editor = accounts.create_user(session, "bench-editor", "a long bench password", "editor", by=None)
            session.flush()
            feed_ids = []
            for f in range(args.feeds):
                feed = monitoring.create_feed(session, monitoring.FeedInput(
                    name=f"Feed {f}", kind="feed", url=f"{base}/feed/{f}.xml", interval_minutes=max(args.interval, 5)),
                    editor)
                feed.interval_minutes = args.interval
                feed_ids.append(feed.id)
            session.commit()
            t0 = datetime.fromtimestamp(start, timezone.utc)
            # first polls spread over one interval in a shuffled order, as sources added over time would be (in
            # feed order, each feed's item would appear just after its poll and always wait a whole interval)
            random.Random(11).shuffle(feed_ids)
            for i, feed_id in enumerate(feed_ids):
                session.get(MonitoredFeed, feed_id).next_run_at = t0 + timedelta(
                    seconds=args.interval * 60 * i / len(feed_ids))
            session.commit()
            while time.time() < start:
                time.sleep(0.05)
            print(f"{claims:,} claims (SQLite); {args.feeds} feeds on {base}; {len(items)} items appearing at "
                  f"{args.rate:g} a minute for {len(items) / args.rate:.1f} min; polled every {args.interval} min; "
                  f"FEED_HOST_DELAY_SECONDS={args.host_delay:g}", flush=True)
            arrivals_end = start + len(items) * 60.0 / args.rate
            deadline = arrivals_end + args.drain * 60
            busy = cpu = 0.0
            rounds = 0
            handled = 0
            last_print = time.time()
            while time.time() < deadline:
                began, began_cpu = time.perf_counter(), time.process_time()
                reports = run_due(app, session, limit=10)     # a `flask worker` round, ten sources at a time
                if reports:
                    busy += time.perf_counter() - began
                    cpu += time.process_time() - began_cpu
                    rounds += len(reports)
                    handled += sum(r.ingested + r.known + r.failed for r in reports)
                elif time.time() > arrivals_end:
                    appeared = len(items)
                    if handled >= appeared:
                        break
                    time.sleep(0.5)
                else:
                    time.sleep(0.5)
                if time.time() - last_print > 60:
                    last_print = time.time()
                    print(f"  {time.time() - start:6.0f} s: {handled} items handled, {rounds} source runs", flush=True)
            wall = time.time() - start
            seen_at = {}
            for url, article_created in session.execute(
                    select(FeedItem.url, Article.created_at).join(Article, Article.id == FeedItem.article_id)):
                seen_at[url] = article_created
            alerts = session.execute(select(Article.url, Alert.created_at).join(
                Appearance, Appearance.id == Alert.appearance_id).join(Article, Article.id == Appearance.article_id)
            ).all()
            failed = session.scalar(select(func.count()).select_from(FeedItem).where(FeedItem.error.is_not(None)))
            db.engine.dispose()
    finally:
        site.kill()
        shutil.rmtree(work.parent, ignore_errors=True)

    def appeared(path: str) -> float:
        k = next_k[path]
        return start + k * 60.0 / args.rate

    def stamp(value: datetime) -> float:
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()

    next_k = {item["path"]: item["k"] for item in items}
    to_article = [stamp(at) - appeared(url[len(base):]) for url, at in seen_at.items() if url[len(base):] in next_k]
    first_alert: dict[str, float] = {}
    for url, at in alerts:
        path = url[len(base):]
        if path in next_k:
            first_alert[path] = min(first_alert.get(path, float("inf")), stamp(at) - appeared(path))
    planted = [item["path"] for item in items if item["planted"]]
    ingested = len(to_article)
    print(f"items appeared {len(items)}, ingested {ingested}, failed fetches {failed}; source runs {rounds}; "
          f"worker busy {busy / 60:.1f} of {wall / 60:.1f} min")
    print(f"articles ingested per minute: {ingested / (busy / 60):.0f} while the worker works (its capacity), "
          f"{ingested / (wall / 60):.0f} over the whole run (bounded by --rate {args.rate:g}); the worker's CPU "
          f"{cpu / max(ingested, 1):.2f} s an article, {ingested / (cpu / 60):.0f} articles per CPU-minute "
          f"(load average during the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    if to_article:
        print(f"appearance in its feed -> article stored: p50 {statistics.median(to_article):.0f} s, "
              f"p95 {percentile(to_article, 95):.0f} s (includes the wait for the next poll, up to {args.interval} min)")
    alerted = [first_alert[p] for p in planted if p in first_alert]
    print(f"planted repeats {len(planted)}, with an alert {len(alerted)}; alerts in all {len(alerts)} "
          f"(on {len(first_alert)} items)")
    if alerted:
        print(f"appearance in its feed -> alert: p50 {statistics.median(alerted):.0f} s, "
              f"p95 {percentile(alerted, 95):.0f} s")


if __name__ == "__main__":
    main()

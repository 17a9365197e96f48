"""Monitored sources, the worker and alerts (issue 19), with real parts: a news site on 127.0.0.1 serving an RSS
feed, a sitemap and article pages written here, the real fetcher, the `flask worker` command, both databases,
and on PostgreSQL two real connections taking sources side by side and a worker process killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claimtrack.db import db
from claimtrack.models import (
    Alert,
    AlertStatus,
    AppearanceStatus,
    Article,
    AuditEvent,
    FeedItem,
    MonitoredFeed,
    Stance,
    User,
)
from claimtrack.services import monitoring

from .helpers import make_user
from .http_fixture import FeedServer

ROOT = Path(__file__).resolve().parent.parent
CLAIM_TEXT = "The state cut school funding by 30 percent in 2021."
REPEAT = [
    "Governor Pat Example spoke to reporters on Monday about the coming budget and the schools.",
    "The state cut school funding by 30 percent in 2021, Pat Example said at the rally in the capital.",
    "The budget will be debated by the assembly in the spring, when the committee reports.",
]
UNRELATED = [
    "The county fair opened on Saturday with a parade of tractors and a brass band from the valley.",
    "Organisers said the fair drew visitors from three neighbouring counties this year.",
]
OTHER = [
    "The harbour authority said that ferry traffic doubled between 2015 and 2020 on the northern routes.",
    "The authority will publish its yearly report in June, with figures for every port.",
]


def publish_claim(app) -> int:
    """A published claim with its verdict, through the workflow services (an editor writes, a reviewer approves)."""
    from claimtrack.services import verdicts as workflow
    from claimtrack.services.claims import open_claim

    editor_id = make_user(app, "editor", "editor")
    reviewer_id = make_user(app, "rita", "reviewer")
    with app.app_context():
        session = db.session
        editor, rita = session.get(User, editor_id), session.get(User, reviewer_id)
        claim = open_claim(session, CLAIM_TEXT, "Pat Example")
        workflow.save_verdict(session, claim.verdict, workflow.VerdictInput(
            rating="false", summary="Funding rose by 4 percent.", explanation="The budget grew.",
            sources=[workflow.SourceInput(url="https://example.org/budget", title="The budget")]),
            editor, None, app.extensions["verdict_scale"])
        workflow.change_status(session, claim.verdict, "submit", editor, None)
        workflow.change_status(session, claim.verdict, "approve", rita, None)
        session.commit()
        return claim.id


def add_feed(app, kind: str, url: str | None = None, urls: str | None = None, name: str = "Test news") -> int:
    with app.app_context():
        editor = db.session.scalar(select(User).where(User.username == "editor"))
        feed = monitoring.create_feed(db.session, monitoring.FeedInput(name=name, kind=kind, url=url, urls=urls,
                                                                       interval_minutes=30), editor)
        db.session.commit()
        return feed.id


def make_due(app, feed_id: int) -> None:
    """The source's interval has passed (as the clock would have it after 30 minutes)."""
    with app.app_context():
        feed = db.session.get(MonitoredFeed, feed_id)
        feed.next_run_at = feed.next_run_at - timedelta(minutes=31)
        db.session.commit()


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def news(app):
    """The app allowed to fetch from 127.0.0.1, a published claim, and a news site serving two articles."""
    app.config.update(FETCH_ALLOWED_NETWORKS=["127.0.0.0/8"], FEED_HOST_DELAY_SECONDS=0.01)
    claim_id = publish_claim(app)
    with FeedServer() as server:
        server.article("/news/budget.html", "Governor on school budget", REPEAT)
        server.article("/news/fair.html", "County fair opens", UNRELATED)
        server.rss("/feed.xml", ["/news/budget.html", "/news/fair.html"])
        yield app, server, claim_id


def test_worker_ingests_a_feed_raises_an_alert_and_asks_again_conditionally(news, runner):
    app, server, claim_id = news
    feed_id = add_feed(app, "feed", server.url("/feed.xml"))

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert f"source #{feed_id}: 2 listed, 2 new article(s)" in result.output and "1 alert(s)" in result.output
    assert count(app, Article) == 2 and count(app, FeedItem, FeedItem.article_id.is_not(None)) == 2
    with app.app_context():
        alert = db.session.scalars(select(Alert)).one()
        assert alert.claim_id == claim_id and alert.status == AlertStatus.OPEN and alert.feed_id == feed_id
        assert "30 percent" in alert.appearance.sentence
        assert alert.appearance.article.url == server.url("/news/budget.html")
        feed = db.session.get(MonitoredFeed, feed_id)
        assert (feed.items_seen, feed.articles_ingested, feed.alerts_raised, feed.last_error) == (2, 2, 1, None)
        assert feed.etag and feed.lease_until is None and feed.last_success_at is not None
        # the matches are kept at ingest, as when an editor pastes the article
        assert alert.appearance.match_score is not None

    # Not due yet: nothing is fetched.
    hits = dict(server.hits)
    assert runner.invoke(args=["worker", "--once"]).output == ""
    assert server.hits == hits

    # Due again, feed unchanged: a conditional GET answered 304, no article fetched again.
    make_due(app, feed_id)
    result = runner.invoke(args=["worker", "--once"])
    assert "unchanged (304)" in result.output
    assert server.last_headers["/feed.xml"].get("If-None-Match")
    assert server.hits["/news/budget.html"] == 1 and count(app, Article) == 2

    # A new item: the feed's ETag changes, only the new article is fetched.
    server.article("/news/ferries.html", "Ferries", OTHER)
    server.rss("/feed.xml", ["/news/ferries.html", "/news/budget.html", "/news/fair.html"])
    make_due(app, feed_id)
    result = runner.invoke(args=["worker", "--once"])
    assert "3 listed, 1 new article(s)" in result.output
    assert server.hits["/news/budget.html"] == 1 and server.hits["/news/ferries.html"] == 1
    assert count(app, Article) == 3 and count(app, Alert) == 1


def test_an_article_seen_before_is_not_ingested_twice(news, runner):
    """Already stored by URL (another source) or by content (the same text at another address): no new article,
    no second alert."""
    app, server, _ = news
    server.pages["/copy/budget.html"] = server.pages["/news/budget.html"]
    add_feed(app, "feed", server.url("/feed.xml"))
    runner.invoke(args=["worker", "--once"])
    add_feed(app, "urls", urls=f"{server.url('/news/budget.html')}\n{server.url('/copy/budget.html')}",
             name="Copies")
    result = runner.invoke(args=["worker", "--once"])
    assert "0 new article(s), 2 known" in result.output, result.output
    assert server.hits["/news/budget.html"] == 1   # known by its URL: not fetched again
    assert count(app, Article) == 2 and count(app, Alert) == 1


def test_a_failed_item_is_kept_with_its_reason_and_tried_again(news, runner):
    app, server, _ = news
    del server.pages["/news/fair.html"]
    feed_id = add_feed(app, "feed", server.url("/feed.xml"))
    result = runner.invoke(args=["worker", "--once"])
    assert "1 new article(s)" in result.output and "1 failed" in result.output
    with app.app_context():
        feed = db.session.get(MonitoredFeed, feed_id)
        assert "could not be fetched" in feed.last_error and feed.item_errors == 1
        assert "/news/fair.html: The page answered with an error (HTTP 404)" in feed.last_error
        assert feed.etag is None   # the next poll must list the failed item again
        item = db.session.scalar(select(FeedItem).where(FeedItem.url.like("%fair%")))
        assert "HTTP 404" in item.error and item.article_id is None
    server.article("/news/fair.html", "County fair opens", UNRELATED)
    make_due(app, feed_id)
    result = runner.invoke(args=["worker", "--once"])
    assert "1 new article(s)" in result.output and "0 failed" in result.output
    with app.app_context():
        assert db.session.get(MonitoredFeed, feed_id).last_error is None
    assert count(app, Article) == 2


def test_private_addresses_stay_refused_for_sources(news, runner):
    """The worker fetches through the SSRF-safe fetcher: without the allowance 127.0.0.1 is refused, the source
    keeps the reason, and nothing crashes."""
    app, server, _ = news
    app.config["FETCH_ALLOWED_NETWORKS"] = []
    feed_id = add_feed(app, "feed", server.url("/feed.xml"))
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "private or local" in result.output
    with app.app_context():
        feed = db.session.get(MonitoredFeed, feed_id)
        assert "private or local" in feed.last_error and feed.lease_until is None
    assert count(app, Article) == 0 and not server.hits


def test_a_sitemap_and_a_page_that_is_no_feed(news, runner):
    app, server, _ = news
    server.sitemap("/sitemap.xml", ["/news/fair.html"])
    add_feed(app, "sitemap", server.url("/sitemap.xml"), name="Sitemap")
    bad = add_feed(app, "feed", server.url("/news/budget.html"), name="Not a feed")
    result = runner.invoke(args=["worker", "--once"])
    assert "1 listed, 1 new article(s)" in result.output
    with app.app_context():
        assert "not a news feed or sitemap" in db.session.get(MonitoredFeed, bad).last_error


def test_a_sitemap_index_is_followed_to_its_newest_child_sitemaps(news, runner):
    """A news sitemap source whose address gives a <sitemapindex>: the worker fetches its child sitemaps (the
    newest <lastmod> first, at most MAX_CHILD_SITEMAPS, one level only) through the same fetcher, ingests what
    they list, and says which child could not be fetched."""
    app, server, claim_id = news
    server.article("/news/other.html", "Harbour report", OTHER)
    server.sitemap("/sitemaps/today.xml", ["/news/budget.html"])
    server.sitemap("/sitemaps/yesterday.xml", ["/news/fair.html", "/news/budget.html"])
    server.sitemap("/sitemaps/undated.xml", ["/news/other.html"])
    server.sitemap_index("/sitemaps/deeper.xml", [("/sitemaps/today.xml", None)])
    server.sitemap_index("/sitemap-index.xml", [
        ("/sitemaps/yesterday.xml", "2026-12-02"), ("/sitemaps/undated.xml", None),
        ("/sitemaps/today.xml", "2026-12-03T06:00:00+00:00"), ("/sitemaps/missing.xml", "2026-12-01"),
        ("/sitemaps/deeper.xml", "2026-11-30")])
    feed_id = add_feed(app, "sitemap", server.url("/sitemap-index.xml"), name="Index")

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "3 listed, 3 new article(s)" in result.output and "1 alert(s)" in result.output
    # each child asked once (the 404 too); the index inside the index is read but not followed
    assert {child: server.hits.get(f"/sitemaps/{child}.xml") for child in
            ("today", "yesterday", "undated", "missing", "deeper")} == dict.fromkeys(
        ("today", "yesterday", "undated", "missing", "deeper"), 1)
    with app.app_context():
        feed = db.session.get(MonitoredFeed, feed_id)
        assert "1 sitemap(s) of the index could not be fetched" in feed.last_error
        assert "/sitemaps/missing.xml" in feed.last_error and feed.etag is None
        urls = set(db.session.scalars(select(FeedItem.url).where(FeedItem.feed_id == feed_id)))
        assert urls == {server.url(p) for p in ("/news/budget.html", "/news/fair.html", "/news/other.html")}
        alert = db.session.scalars(select(Alert)).one()
        assert alert.claim_id == claim_id and alert.feed_id == feed_id
    # the next poll asks for the index in full again (its children change while it does not)
    make_due(app, feed_id)
    runner.invoke(args=["worker", "--once"])
    assert "If-None-Match" not in server.last_headers["/sitemap-index.xml"]
    assert server.hits["/sitemaps/today.xml"] == 2


def test_child_sitemaps_newest_first_and_bounded():
    from claimtrack.models import FeedKind
    from claimtrack.webpage import Page

    feed = MonitoredFeed(kind=FeedKind.SITEMAP, url="https://news.example.org/sitemap-index.xml")
    entries = "".join(f"<sitemap><loc>/day-{day:02d}.xml</loc><lastmod>2026-11-{day:02d}</lastmod></sitemap>"
                      for day in range(1, 31))
    xml = (f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           f"<sitemap><loc>/undated.xml</loc></sitemap>{entries}</sitemapindex>")
    page = Page(url=feed.url, content_type="application/xml", body=xml.encode())
    children = monitoring.child_sitemaps(feed, page)
    assert len(children) == monitoring.MAX_CHILD_SITEMAPS == 10
    assert children[:2] == ["https://news.example.org/day-30.xml", "https://news.example.org/day-29.xml"]
    assert monitoring.child_sitemaps(feed, page, limit=31)[-1] == "https://news.example.org/undated.xml"
    urlset = Page(url=feed.url, content_type="application/xml",
                  body=b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/a</loc></url></urlset>')
    assert monitoring.child_sitemaps(feed, urlset) == []
    assert monitoring.item_addresses(feed, urlset) == ["https://news.example.org/a"]


def test_robots_txt_is_respected(news, runner):
    app, server, _ = news
    server.pages["/robots.txt"] = (b"User-agent: *\nDisallow: /private/\n", "text/plain")
    server.article("/private/memo.html", "Memo", OTHER)
    feed_id = add_feed(app, "urls", urls=f"{server.url('/private/memo.html')}\n{server.url('/news/fair.html')}")
    result = runner.invoke(args=["worker", "--once"])
    assert "1 new article(s)" in result.output and "1 failed" in result.output
    assert "/private/memo.html" not in server.hits and server.hits["/robots.txt"] == 1
    with app.app_context():
        item = db.session.scalar(select(FeedItem).where(FeedItem.feed_id == feed_id, FeedItem.url.like("%memo%")))
        assert "robots.txt does not allow" in item.error


# --- alerts: confirm and dismiss ---------------------------------------------------------------------------


def _alerts(news, runner):
    app, server, claim_id = news
    server.article("/news/budget2.html", "Budget again",
                   ["Pat Example told the radio station on Tuesday about the schools and their money.",
                    "The state cut school funding by 30 percent in 2021, Pat Example said again on the radio.",
                    "The station will host a debate on the budget next week with both candidates."])
    server.rss("/feed.xml", ["/news/budget.html", "/news/budget2.html", "/news/fair.html"])
    add_feed(app, "feed", server.url("/feed.xml"))
    runner.invoke(args=["worker", "--once"])
    with app.app_context():
        return [a.id for a in db.session.scalars(select(Alert).order_by(Alert.id))]


def test_alerts_page_confirm_links_the_appearance_and_dismiss_closes(news, runner, client, auth):
    app, _, claim_id = news
    first, second = _alerts(news, runner)
    auth.login("editor")
    page = client.get("/editor/alerts")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "30 percent" in html and "Test news" in html and html.count('action="/editor/alerts/') == 4
    dashboard = client.get("/editor/").get_data(as_text=True)
    assert "Alerts (2)" in dashboard

    token = auth.csrf_token("/editor/alerts")
    response = client.post(f"/editor/alerts/{first}/confirm", data={"csrf_token": token})
    assert response.status_code == 302
    response = client.post(f"/editor/alerts/{second}/dismiss", data={"csrf_token": token})
    assert response.status_code == 302
    # deciding twice: a clear message, nothing changed
    again = client.post(f"/editor/alerts/{second}/confirm", data={"csrf_token": token}, follow_redirects=True)
    assert again.status_code == 200 and "already dismissed" in again.get_data(as_text=True)
    with app.app_context():
        confirmed, dismissed = db.session.get(Alert, first), db.session.get(Alert, second)
        assert confirmed.status == AlertStatus.CONFIRMED and dismissed.status == AlertStatus.DISMISSED
        assert confirmed.appearance.claim_id == claim_id and confirmed.appearance.stance == Stance.REPEATS
        assert confirmed.appearance.status == AppearanceStatus.LINKED
        assert dismissed.appearance.status == AppearanceStatus.PENDING   # still on its article's review screen
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"alert.confirm", "alert.dismiss", "appearance.link"} <= actions
    assert "No alert waits" in client.get("/editor/alerts").get_data(as_text=True)


def test_reviewers_see_alerts_but_cannot_decide(news, runner, client, auth):
    first, _ = _alerts(news, runner)
    auth.login("rita")
    assert client.get("/editor/alerts").status_code == 200
    token = auth.csrf_token("/editor/alerts")
    assert client.post(f"/editor/alerts/{first}/confirm", data={"csrf_token": token}).status_code == 403
    assert client.post("/editor/alerts/999999/dismiss", data={"csrf_token": token}).status_code == 403


# --- the sources pages -----------------------------------------------------------------------------------------


def test_editor_adds_edits_and_pauses_a_source(app, client, auth):
    make_user(app, "editor", "editor")
    auth.login("editor")
    assert client.get("/editor/feeds").status_code == 200
    token = auth.csrf_token("/editor/feeds/new")
    bad = client.post("/editor/feeds/new", data={"csrf_token": token, "name": "Wire", "kind": "feed",
                                                  "url": "ftp://example.org/feed", "interval_minutes": "30"})
    assert bad.status_code == 422
    assert "http" in bad.get_data(as_text=True) and 'value="Wire"' in bad.get_data(as_text=True)
    tiny = client.post("/editor/feeds/new", data={"csrf_token": token, "name": "Wire", "kind": "feed",
                                                   "url": "https://example.org/feed.xml", "interval_minutes": "1"})
    assert tiny.status_code == 422
    response = client.post("/editor/feeds/new", data={
        "csrf_token": token, "name": "Wire <b>news</b>", "kind": "feed", "url": "https://example.org/feed.xml",
        "interval_minutes": "15", "publisher": "Wire"})
    assert response.status_code == 302
    with app.app_context():
        feed = db.session.scalars(select(MonitoredFeed)).one()
        feed_id = feed.id
        assert (feed.interval_minutes, feed.publisher, feed.paused) == (15, "Wire", False)
    listing = client.get("/editor/feeds").get_data(as_text=True)
    assert "Wire &lt;b&gt;news&lt;/b&gt;" in listing and "Never fetched" in listing

    response = client.post(f"/editor/feeds/{feed_id}/edit", data={
        "csrf_token": token, "name": "Wire", "kind": "urls", "urls": "https://example.org/a\nhttps://example.org/b",
        "interval_minutes": "60"})
    assert response.status_code == 302
    response = client.post(f"/editor/feeds/{feed_id}/pause", data={"csrf_token": token, "paused": "yes"})
    assert response.status_code == 302
    with app.app_context():
        feed = db.session.get(MonitoredFeed, feed_id)
        assert (feed.kind.value, feed.url, feed.paused) == ("urls", None, True)
        assert feed.urls.splitlines() == ["https://example.org/a", "https://example.org/b"]
        assert monitoring.claim_due_feed(db.session, 60) is None   # paused: the worker passes over it
        db.session.rollback()
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "feed")))
        assert actions == ["feed.create", "feed.update", "feed.pause"]
    assert "Paused" in client.get("/editor/feeds").get_data(as_text=True)
    bad_list = client.post(f"/editor/feeds/{feed_id}/edit", data={
        "csrf_token": token, "name": "Wire", "kind": "urls", "urls": "not an address", "interval_minutes": "60"})
    assert bad_list.status_code == 422 and "not an http" in bad_list.get_data(as_text=True)


# --- several workers on PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture
def pg_app(app, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("several workers share sources on PostgreSQL only")
    return app


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_workers_never_take_one_source(pg_app):
    """Two real connections take due sources at once: the row one holds is skipped by the other (no waiting),
    and once its lease is committed the other passes over it until the lease runs out."""
    app = pg_app
    make_user(app, "editor", "editor")
    first_id = add_feed(app, "urls", urls="https://example.org/a", name="A")
    second_id = add_feed(app, "urls", urls="https://example.org/b", name="B")
    with app.app_context():
        engine = db.engine
        with Session(engine) as one, Session(engine) as two:
            taken_one = monitoring.claim_due_feed(one, 600)          # row locked, not committed yet
            taken_two = monitoring.claim_due_feed(two, 600)          # SKIP LOCKED: the other source
            assert {taken_one.id, taken_two.id} == {first_id, second_id}
            with Session(engine) as three:
                assert monitoring.claim_due_feed(three, 600) is None  # both rows locked: skipped, no wait
            one.commit()
            two.commit()
            with Session(engine) as three:
                assert monitoring.claim_due_feed(three, 600) is None  # both leased
                later = taken_one.lease_until + timedelta(seconds=1)
                again = monitoring.claim_due_feed(three, 600, now=later)   # a lease that ran out: taken again
                assert again is not None
                three.rollback()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_worker_killed_mid_run_loses_nothing(pg_app, db_url, tmp_path):
    """A `flask worker` process is killed while it fetches a source's second item (a page that never finishes);
    when its lease runs out another worker takes the source again and ingests what was left, the first item once."""
    app = pg_app
    app.config.update(FETCH_ALLOWED_NETWORKS=["127.0.0.0/8"], FEED_HOST_DELAY_SECONDS=0.01)
    make_user(app, "editor", "editor")
    with FeedServer() as server:
        server.article("/one.html", "One", OTHER)
        server.article("/two.html", "Two", REPEAT)
        server.article("/three.html", "Three", UNRELATED)
        server.slow_paths.add("/two.html")    # trickles for minutes: the worker is inside its fetch when killed
        feed_id = add_feed(app, "urls", urls="\n".join(server.url(p) for p in ("/one.html", "/two.html",
                                                                                  "/three.html")))
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")}
        env.update(FLASK_APP="wsgi:app", CLAIMTRACK_DATABASE_URL=db_url, CLAIMTRACK_SECRET_KEY="x",
                   CLAIMTRACK_FETCH_ALLOWED_NETWORKS='["127.0.0.0/8"]', CLAIMTRACK_FEED_LEASE_SECONDS="2",
                   CLAIMTRACK_FEED_HOST_DELAY_SECONDS="0.01", CLAIMTRACK_FETCH_TIMEOUT_SECONDS="60")
        worker = subprocess.Popen([sys.executable, "-m", "flask", "worker", "--once"], cwd=tmp_path, env={
            **env, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            for _ in range(600):
                if server.hits.get("/two.html"):
                    break
                time.sleep(0.1)
            assert server.hits.get("/two.html"), "the worker never reached the second item"
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert count(app, Article) == 1       # the first item was committed before the kill
        with app.app_context():
            assert db.session.get(MonitoredFeed, feed_id).lease_until is not None   # still held by the dead worker
        time.sleep(2.5)                        # the dead worker's lease runs out
        server.slow_paths.clear()
        from claimtrack.worker import run_due

        with app.app_context():
            reports = run_due(app, db.session)
            assert [(r.feed_id, r.ingested, r.known) for r in reports] == [(feed_id, 2, 0)]
        assert server.hits["/one.html"] == 1 and count(app, Article) == 3


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_workers_share_the_due_sources(pg_app):
    """Two workers run at the same time, each on its own connection, over six due sources (two of them list the
    same article): every source is run by exactly one of them, and every article is stored once."""
    import threading

    from claimtrack.worker import run_due

    app = pg_app
    app.config.update(FETCH_ALLOWED_NETWORKS=["127.0.0.0/8"], FEED_HOST_DELAY_SECONDS=0.01)
    make_user(app, "editor", "editor")
    with FeedServer() as server:
        paths = []
        for number in range(6):
            path = f"/news/{number}.html"
            server.article(path, f"Story {number}", [f"Story number {number} is about the harbour and its "
                                                     f"{number + 2} ferries, the authority said on Monday.",
                                                     *OTHER])
            paths.append(path)
        feeds = [add_feed(app, "urls", urls=server.url(path), name=f"Source {number}")
                 for number, path in enumerate(paths)]
        feeds.append(add_feed(app, "urls", urls=server.url(paths[0]), name="Same story elsewhere"))
        results: dict[str, list] = {}

        def work(name: str) -> None:
            with app.app_context():
                results[name] = run_due(app, db.session)
                db.session.remove()

        workers = [threading.Thread(target=work, args=(name,)) for name in ("a", "b")]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=300)
    ran = [report.feed_id for reports in results.values() for report in reports]
    assert sorted(ran) == sorted(feeds), results
    assert all(report.error is None for reports in results.values() for report in reports)
    with app.app_context():
        assert set(db.session.scalars(select(MonitoredFeed.runs))) == {1}
    assert count(app, Article) == 6 and count(app, FeedItem, FeedItem.article_id.is_not(None)) == 7

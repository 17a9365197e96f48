"""HTTP caching of the public side: headers, 304 before rendering, the page cache, invalidation, statements per page.

Runs on SQLite and PostgreSQL with the newsroom of test_public (published, corrected, unpublished, merged claims).
"""
# ruff: noqa: F811  (the newsroom fixture is imported from test_public and taken as an argument)

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from claimtrack.db import db
from claimtrack.models import Claim

from .helpers import AuthActions
from .test_public import _claim, _user, canonical, newsroom  # noqa: F401  (the fixture)

HTML_PAGES = ["/", "/speakers", "/topics", "/?q=moon+landing+studio"]
OTHER = ["/feed.atom", "/sitemap.xml", "/sitemaps/pages.xml", "/sitemaps/claims-0.xml", "/claimreview.json",
         "/api/v1/claims", "/api/v1/topics", "/api/v1/speakers"]


@contextmanager
def statements(app):
    """Count the SQL statements the block sends to the database."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def public_pages(client, ids) -> list[str]:
    speaker = client.get(f"/speakers/{ids['moon_speaker']}").headers["Location"]
    topic = client.get(f"/topics/{ids['health']}").headers["Location"]
    return [canonical(client, ids["w1"]), canonical(client, ids["p1"]), speaker, topic,
            f"/ask/answered/{ids['p1']}", *HTML_PAGES]


def test_public_answers_carry_cache_headers_and_validators(app, client, newsroom):
    app.config.update(PUBLIC_MAX_AGE=61, PUBLIC_STALE_WHILE_REVALIDATE=601, FEED_MAX_AGE=301, API_MAX_AGE=62)
    for path in public_pages(client, newsroom):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "public, max-age=61, stale-while-revalidate=601", path
        assert response.headers["ETag"] and response.headers["Last-Modified"], path
        assert "Cookie" in response.headers["Vary"], path  # the header shows who is logged in
    for path in OTHER:
        response = client.get(path)
        assert response.status_code == 200, path
        age = 62 if path.startswith("/api/") else 301
        assert response.headers["Cache-Control"] == f"public, max-age={age}, stale-while-revalidate=601", path
        assert response.headers["ETag"] and response.headers["Last-Modified"], path
        assert "Cookie" not in response.headers.get("Vary", ""), path  # the same for everyone


def test_conditional_requests_get_304_before_rendering(app, client, newsroom):
    path = canonical(client, newsroom["w1"])
    first = client.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    with statements(app) as seen:
        again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"].startswith("public, max-age=")
    assert len(seen) == 1, seen  # the public state's version, nothing else
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    assert client.get(path, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}).status_code == 200
    for other in OTHER:
        tag = client.get(other).headers["ETag"]
        assert client.get(other, headers={"If-None-Match": tag}).status_code == 304, other


def test_page_cache_serves_a_rendered_page_until_a_public_change(app, client, newsroom):
    path = canonical(client, newsroom["p1"])
    assert client.get(path).headers["X-Page-Cache"] == "miss"
    with statements(app) as seen:
        hit = client.get(path)
    assert hit.headers["X-Page-Cache"] == "hit" and len(seen) == 1
    assert "staged in a film studio" in hit.get_data(as_text=True)
    with app.app_context():
        db.session.get(Claim, newsroom["p1"]).verdict.summary = "Twelve astronauts walked on the moon."
        db.session.commit()
    fresh = client.get(path)
    assert fresh.status_code == 200 and fresh.headers["X-Page-Cache"] == "miss"
    assert "Twelve astronauts" in fresh.get_data(as_text=True)


def _validators(client, paths):
    return {p: client.get(p).headers.get("ETag") for p in paths}


def test_publishing_correcting_unpublishing_and_merging_change_every_validator(app, client, newsroom):
    from claimtrack.services import verdicts as wf
    from claimtrack.services.merge import merge_claims

    paths = public_pages(client, newsroom) + OTHER
    scale = app.extensions["verdict_scale"]

    def step(action) -> None:
        before = _validators(client, paths)
        with app.app_context():
            action()
            db.session.commit()
        after = _validators(client, paths)
        changed = [p for p in paths if after[p] != before[p]]
        assert changed == paths, f"{action.__name__}: unchanged {set(paths) - set(changed)}"

    def publish():
        verdict = _claim("r1").verdict
        wf.change_status(db.session, verdict, "approve", _user("rita_secretname"), None)

    def correct():
        verdict = _claim("p2").verdict
        wf.save_verdict(db.session, verdict, wf.VerdictInput(
            rating="false", summary="Eight glasses are not needed.", explanation="See the evidence.",
            sources=[wf.SourceInput(url="https://example.org/water", title="Water")],
            correction_note="The rating was too kind."), _user("edwina_secretname"), None, scale)
        if verdict.pending_correction:
            wf.change_status(db.session, verdict, "approve_correction", _user("rita_secretname"), None)

    def unpublish():
        wf.change_status(db.session, _claim("p3").verdict, "unpublish", _user("rita_secretname"), None,
                         note="Pulled for a recheck.")

    def merge():
        merge_claims(db.session, _claim("x1"), _claim("p2"), _user("admin_secretname"), "Two pages for one check: merged.")

    for action in (publish, correct, unpublish, merge):
        step(action)


def test_a_comment_changes_nothing_public(app, client, newsroom):
    from claimtrack.services import verdicts as wf

    paths = [canonical(client, newsroom["w1"]), "/"]
    before = _validators(client, paths)
    with app.app_context():
        wf.add_comment(db.session, _claim("w1"), "an editor's note", _user("edwina_secretname"))
        db.session.commit()
    assert _validators(client, paths) == before


def test_logged_in_copies_are_private_and_editor_pages_no_store(app, client, newsroom):
    path = canonical(client, newsroom["w1"])
    public = client.get(path)
    AuthActions(client).login("edwina_secretname")
    mine = client.get(path)
    assert mine.status_code == 200 and "Log out" in mine.get_data(as_text=True)
    assert mine.headers["Cache-Control"] == "private, no-cache" and "ETag" not in mine.headers
    assert "X-Page-Cache" not in mine.headers
    # the visitor's copy in the page cache is never handed to the editor, nor the editor's to a visitor
    assert client.get(path, headers={"If-None-Match": public.headers["ETag"]}).status_code == 200
    assert client.get("/editor/").headers["Cache-Control"] == "no-store"
    assert app.test_client().get("/ask").headers["Cache-Control"] == "no-store"  # a form with a CSRF token
    visitor = app.test_client()
    assert "Log out" not in visitor.get(path).get_data(as_text=True)


def test_a_full_page_cache_frees_a_quarter_of_its_room_at_once(app, client, newsroom, tmp_path):
    # Every public change leaves the old pages behind, so the store is full on any busy day. cachelib's own
    # pruning then freed one place per stored page, reading every file each time (at 20,000 entries, seconds of
    # a worker per cache miss); a prune must free room for many pages.
    folder = tmp_path / "pages"
    app.config.update(PUBLIC_PAGE_CACHE_DIR=str(folder), PUBLIC_PAGE_CACHE_MAX_ENTRIES=8)
    app.extensions.pop("public_page_cache", None)
    paths = [f"/?q=moon+{i}" for i in range(10)]
    for path in paths:
        assert client.get(path).headers["X-Page-Cache"] == "miss", path
    entries = len(list(folder.iterdir())) - 1  # cachelib's count of entries is a file of its own
    assert entries <= 7, entries  # 9 stored, over 8: the 10th store removed the oldest until 6 were left
    assert client.get(paths[-1]).headers["X-Page-Cache"] == "hit"  # the newest pages stay
    assert client.get(paths[0]).headers["X-Page-Cache"] == "miss"  # the oldest went first

@pytest.mark.parametrize("page,limit", [("claim", 6), ("home", 4), ("speaker", 6), ("topic", 5), ("search", 6)])
def test_statements_per_page_are_bounded(app, newsroom, page, limit):
    app.config["PUBLIC_PAGE_CACHE"] = "off"
    app.extensions.pop("public_page_cache", None)
    client = app.test_client()
    path = {"claim": canonical(client, newsroom["w1"]), "home": "/", "search": "/?q=moon+landing+studio",
            "speaker": client.get(f"/speakers/{newsroom['moon_speaker']}").headers["Location"],
            "topic": client.get(f"/topics/{newsroom['health']}").headers["Location"]}[page]
    client.get(path)
    with statements(app) as seen:
        assert client.get(path).status_code == 200
    assert len(seen) <= limit, f"{page}: {len(seen)} statements\n" + "\n".join(seen)

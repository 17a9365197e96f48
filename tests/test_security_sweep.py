"""Security sweep (issue 7, item 3): who may open every route, stored XSS, injection in every search box and
filter, sessions across login and logout, and SSRF through the ingest form.

The route matrix is built from ``app.url_map`` when the test runs: a route added later without an entry in
ROUTES fails ``test_every_route_has_an_access_decision`` with the rule's name.  Data is made through the real
services and forms, ids are real, and the database is compared row by row around every refused POST.

Most of these tests are about the web layer, not the database, and run on SQLite only (``sqlite_url``);
the injection sweep runs on both backends because SQLite FTS5 and PostgreSQL tsquery parse differently.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from urllib.parse import quote_plus
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from claimtrack import create_app
from claimtrack.db import db
from claimtrack.models import Alert, Appearance, AppearanceStatus, Article, Claim, RequestGroup, User

from .helpers import PASSWORD, AuthActions, config_for, csrf_token, make_user
from .http_fixture import ArticleServer

# --- the access table -----------------------------------------------------------------------------------------

PUBLIC = "public"          # anyone, logged in or not
LOGIN_PAGE = "login page"  # anyone; a logged-in user is sent on to the dashboard
NEWSROOM = "newsroom"      # any account (admin, editor, reviewer); anonymous users are sent to the login page
WRITERS = "writers"        # admins and editors; reviewers get 403
ADMINS = "admins"          # admins only; editors and reviewers get 403

ROLES = ("admin", "editor", "reviewer")
ALLOWED = {PUBLIC: set(ROLES), LOGIN_PAGE: set(ROLES), NEWSROOM: set(ROLES), WRITERS: {"admin", "editor"},
           ADMINS: {"admin"}}
API_OTHER = {"GET": PUBLIC, "POST": PUBLIC, "PUT": PUBLIC, "PATCH": PUBLIC, "DELETE": PUBLIC}

# Every rule of the app, every method it takes (HEAD and OPTIONS aside): who may use it.
ROUTES: dict[str, dict[str, str]] = {
    "/": {"GET": PUBLIC},
    "/healthz": {"GET": PUBLIC},
    "/login": {"GET": LOGIN_PAGE, "POST": LOGIN_PAGE},
    "/logout": {"POST": NEWSROOM},
    "/account": {"GET": NEWSROOM, "POST": NEWSROOM},
    "/account/subscriptions": {"POST": NEWSROOM},
    "/claims/<int(max=2147483647):claim_id>": {"GET": PUBLIC},
    "/claims/<int(max=2147483647):claim_id>-<slug>": {"GET": PUBLIC},
    "/speakers": {"GET": PUBLIC},
    "/speakers/<int(max=2147483647):speaker_id>": {"GET": PUBLIC},
    "/speakers/<int(max=2147483647):speaker_id>-<slug>": {"GET": PUBLIC},
    "/topics": {"GET": PUBLIC},
    "/topics/<int(max=2147483647):topic_id>": {"GET": PUBLIC},
    "/topics/<int(max=2147483647):topic_id>-<slug>": {"GET": PUBLIC},
    "/feed.atom": {"GET": PUBLIC},
    "/sitemap.xml": {"GET": PUBLIC},
    "/sitemaps/pages.xml": {"GET": PUBLIC},
    "/sitemaps/claims-<int(max=100000):block>.xml": {"GET": PUBLIC},
    "/claimreview.json": {"GET": PUBLIC},
    "/ask": {"GET": PUBLIC, "POST": PUBLIC},
    "/ask/answered/<int(max=2147483647):claim_id>": {"GET": PUBLIC},
    "/ask/track/<token>": {"GET": PUBLIC},
    "/api/v1/claims": {"GET": PUBLIC},
    "/api/v1/claims/<int:claim_id>": {"GET": PUBLIC},
    "/api/v1/speakers": {"GET": PUBLIC},
    "/api/v1/speakers/<int:speaker_id>": {"GET": PUBLIC},
    "/api/v1/topics": {"GET": PUBLIC},
    "/api/v1/match": {"GET": PUBLIC, "POST": PUBLIC},
    "/api/v1/openapi.json": {"GET": PUBLIC},
    "/api/v1/": API_OTHER,
    "/api/v1/<path:rest>": API_OTHER,
    "/editor/": {"GET": NEWSROOM},
    "/editor/claims": {"GET": NEWSROOM},
    "/editor/claims/new": {"GET": WRITERS, "POST": WRITERS},
    "/editor/claims/<int:claim_id>": {"GET": NEWSROOM},
    "/editor/claims/<int:claim_id>/history": {"GET": NEWSROOM},
    "/editor/claims/<int:claim_id>/verdict": {"POST": WRITERS},
    "/editor/claims/<int:claim_id>/edit": {"POST": WRITERS},
    "/editor/claims/<int:claim_id>/merge": {"POST": WRITERS},
    # an editor's merge of a published check, decided by a reviewer or an admin (its proposer may withdraw it):
    # the route lets the newsroom in, services/merge.py decides who (the POST case approves as the proposer: 403)
    "/editor/claims/<int:claim_id>/merge-proposal": {"POST": NEWSROOM},
    # The route lets the whole newsroom in; the workflow then decides per action (submit: writers only,
    # approve: reviewers and admins), so the POST case below submits and expects a reviewer's 403.
    "/editor/claims/<int:claim_id>/status": {"POST": NEWSROOM},
    # Anyone in the newsroom may assign a verdict to an editor and comment (services/verdicts.py).
    "/editor/claims/<int:claim_id>/assign": {"POST": NEWSROOM},
    "/editor/claims/<int:claim_id>/comments": {"POST": NEWSROOM},
    "/editor/articles": {"GET": NEWSROOM},
    "/editor/articles/new": {"GET": WRITERS, "POST": WRITERS},
    "/editor/articles/<int:article_id>": {"GET": NEWSROOM},
    "/editor/articles/<int:article_id>/decisions": {"POST": WRITERS},
    "/editor/articles/<int:article_id>/accept-suggestions": {"POST": WRITERS},
    "/editor/articles/<int:article_id>/match-again": {"POST": WRITERS},
    "/editor/requests": {"GET": NEWSROOM},
    "/editor/feeds": {"GET": NEWSROOM},
    "/editor/feeds/new": {"GET": WRITERS, "POST": WRITERS},
    "/editor/feeds/<int:feed_id>/edit": {"GET": WRITERS, "POST": WRITERS},
    "/editor/feeds/<int:feed_id>/pause": {"POST": WRITERS},
    "/editor/alerts": {"GET": NEWSROOM},
    "/editor/alerts/<int:alert_id>/confirm": {"POST": WRITERS},
    "/editor/alerts/<int:alert_id>/dismiss": {"POST": WRITERS},
    "/editor/requests/<int:group_id>": {"GET": NEWSROOM},
    "/editor/requests/<int:group_id>/claim": {"POST": WRITERS},
    "/editor/requests/<int:group_id>/attach": {"POST": WRITERS},
    "/editor/requests/<int:group_id>/dismiss": {"POST": WRITERS},
    "/admin/audit": {"GET": ADMINS},
    "/admin/accounts": {"GET": ADMINS, "POST": ADMINS},
    "/admin/accounts/<int:user_id>/role": {"POST": ADMINS},
    "/admin/accounts/<int:user_id>/active": {"POST": ADMINS},
    "/admin/accounts/<int:user_id>/end-sessions": {"POST": ADMINS},
    "/admin/jobs": {"GET": ADMINS},
    "/admin/jobs/feeds/<int:feed_id>/run": {"POST": ADMINS},
    "/admin/jobs/outbox/<int:message_id>/retry": {"POST": ADMINS},
}

# Public GETs that do not answer 200 with real ids, by design.
PUBLIC_GET_STATUS = {
    "/claims/<int(max=2147483647):claim_id>": 301,  # to the canonical address with its slug
    "/speakers/<int(max=2147483647):speaker_id>": 301,
    "/topics/<int(max=2147483647):topic_id>": 301,
    "/api/v1/": 404,  # a JSON 404 pointing at the OpenAPI document
    "/api/v1/<path:rest>": 404,
}

# Arguments a GET needs to be a real request rather than a 400 for a missing argument.
GET_QUERY = {"/api/v1/match": "?text=school+funding+cut"}

METHODS_IGNORED = {"HEAD", "OPTIONS"}


def app_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


# --- fixtures and helpers -------------------------------------------------------------------------------------


@pytest.fixture
def sapp(sqlite_url, tmp_path):
    """The app on a fresh SQLite database (these tests are about the web layer, not the backend)."""
    application = create_app({**config_for(sqlite_url), "API_RATE_LIMIT": "100000 per minute",
                              "REQUESTS_RATE_LIMIT": "100000 per minute"})
    application.instance_path = str(tmp_path / "instance")
    yield application
    with application.app_context():
        db.engine.dispose()


def logged_in(app, username: str | None):
    client = app.test_client()
    if username:
        response = AuthActions(client).login(username)
        assert response.status_code == 302, f"{username} could not log in"
    return client


def fingerprint(app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order: what "nothing changed" is compared with."""
    with app.app_context():
        out = {}
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(row) for row in rows]
        db.session.rollback()
    return out


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


USERS = {"boss": "admin", "editor": "editor", "ed2": "editor", "rita": "reviewer"}
ROLE_USER = {"admin": "boss", "editor": "editor", "reviewer": "rita"}

ARTICLE_TEXT = (
    "City budget story\n\n"
    "The mayor said that the city cut the school budget by 30 percent in 2021. "
    "Council member Dana Reyes claimed that crime rose by 12 percent last year across the whole county.\n\n"
    "Officials also said unemployment fell to 3 percent in March, the lowest rate since 1970.\n\n"
    "Pat Example repeated that the new stadium created ten thousand permanent jobs."
)


def _suggestions(app, article_id: int) -> int:
    """How many undecided candidates of the article the review page offers to link (best kept match is same-claim)."""
    from claimtrack.models import AppearanceMatch

    with app.app_context():
        same = app.extensions["match_settings"].thresholds.same_claim
        return db.session.scalar(select(func.count()).select_from(AppearanceMatch).join(Appearance).where(
            Appearance.article_id == article_id, Appearance.status == AppearanceStatus.PENDING,
            AppearanceMatch.rank == 0, AppearanceMatch.score >= same))


def build_newsroom(app) -> dict:
    """Accounts, a published claim, claims for each POST route, an article with pending candidates,
    reader-request groups and a tracking token, all through the services; returns their ids."""
    from claimtrack.services import ingest as ingest_service
    from claimtrack.services import merge as merge_service
    from claimtrack.services import monitoring, notifications
    from claimtrack.services import requests as requests_service
    from claimtrack.services import verdicts as workflow
    from claimtrack.services.claims import open_claim
    from claimtrack.webpage import article_from_text

    ids = {name: make_user(app, name, role) for name, role in USERS.items()}
    with app.app_context():
        session = db.session
        scale = app.extensions["verdict_scale"]
        editor, rita = session.get(User, ids["editor"]), session.get(User, ids["rita"])

        def claim(key: str, text: str, speaker: str, topics=()) -> Claim:
            made = open_claim(session, text, speaker)
            if topics:
                workflow.update_claim(session, made, text, speaker, list(topics), editor)
            ids[key] = made.id
            return made

        published = claim("published", "The state cut school funding by 30 percent in 2021.", "Pat Example",
                          ["Education"])
        workflow.save_verdict(session, published.verdict, workflow.VerdictInput(
            rating="false", summary="Funding rose by 4 percent.", explanation="The budget **grew**.",
            sources=[workflow.SourceInput(url="https://example.org/budget", title="The budget")]),
            editor, None, scale)
        workflow.change_status(session, published.verdict, "submit", editor, None)
        workflow.change_status(session, published.verdict, "approve", rita, None)
        drafted = claim("draft", "Bridges in the county rust twice as fast as elsewhere.", "Lee Sample")
        workflow.save_verdict(session, drafted.verdict, workflow.VerdictInput(
            rating="mostly-false", summary="They rust at the same rate.", explanation="Inspections agree.",
            sources=[workflow.SourceInput(url="https://example.org/inspections", title="Inspections")]),
            editor, None, scale)
        claim("verdict", "The harbour tunnel carries a million cars every single day.", "Lee Sample")
        claim("edit", "Every household pays four hundred dollars in water fees a year.", "Pat Example")
        claim("assign", "The new stadium created ten thousand permanent jobs.", "Pat Example")
        claim("merge_from", "The stadium made ten thousand jobs that last.", "Pat Example")
        # a second published check, which the editor proposes to merge into the first: it waits for a reviewer
        twice = claim("proposed", "School funding in the state fell by thirty percent in 2021.", "Pat Example")
        workflow.save_verdict(session, twice.verdict, workflow.VerdictInput(
            rating="false", summary="Funding rose.", explanation="The budget grew.",
            sources=[workflow.SourceInput(url="https://example.org/budget", title="The budget")]),
            editor, None, scale)
        workflow.change_status(session, twice.verdict, "submit", editor, None)
        workflow.change_status(session, twice.verdict, "approve", rita, None)
        ids["proposal"] = merge_service.propose_merge(session, twice, published, editor,
                                                      "One claim, checked twice: one page now.").id
        claim("merge_into", "The new stadium created 10,000 permanent jobs in the region.", "Pat Example")
        article, _ = ingest_service.ingest_article(
            session, article_from_text(ARTICLE_TEXT, title="City budget story"), editor)
        ids["article"] = article.id
        # as the ingest form does: the matches are found and kept at ingest, the review page reads them
        appearances = ingest_service.article_appearances(session, article.id)
        matches = ingest_service.matches_for(session, appearances, app.extensions["ingest_match_settings"], 3)
        # a monitored source, and the alerts its article would raise (as the worker raises them)
        feed = monitoring.create_feed(session, monitoring.FeedInput(
            name="City wire", kind="feed", url="https://example.org/feed.xml"), editor)
        ids["feed"] = feed.id
        same = app.extensions["ingest_match_settings"].thresholds.same_claim
        monitoring.raise_alerts(session, appearances, matches, feed, same)
        wired, _ = ingest_service.ingest_article(session, article_from_text(
            "Wire copy\n\nThe state cut school funding by 30 percent in 2021, Pat Example told the rally.",
            title="Wire copy"), None)
        wired_appearances = ingest_service.article_appearances(session, wired.id)
        monitoring.raise_alerts(session, wired_appearances, ingest_service.matches_for(
            session, wired_appearances, app.extensions["ingest_match_settings"], 3), feed, same)
        # the worker's jobs: a source that waits for its next run, and an e-mail that failed and waits to be retried
        waiting = monitoring.create_feed(session, monitoring.FeedInput(
            name="County wire", kind="feed", url="https://example.org/county.xml"), editor)
        waiting.next_run_at = datetime.now(timezone.utc) + timedelta(hours=1)
        ids["job_feed"] = waiting.id
        failed = notifications.enqueue(session, "ed2@example.org", "Review requested", "Body", "review_requested")
        failed.attempts, failed.last_error = 1, "ConnectionRefusedError: [Errno 111] Connection refused"
        failed.next_attempt_at = datetime.now(timezone.utc) + timedelta(hours=1)
        session.flush()
        ids["message"] = failed.id
        alerts = list(session.scalars(select(Alert.id).order_by(Alert.id)))
        assert len(alerts) >= 2, f"the article raised {len(alerts)} alert(s)"
        ids["alert"], ids["alert_confirm"], ids["alert_dismiss"] = alerts[0], alerts[0], alerts[1]
        ids["appearance"] = session.scalar(select(Appearance.id).where(
            Appearance.article_id == article.id, Appearance.status == AppearanceStatus.PENDING)
            .order_by(Appearance.id))
        assert ids["appearance"] is not None, "the article gave no candidate"
        settings = app.extensions["match_settings"]
        for key, text in (("group_claim", "Is it true that penguins live at the North Pole in the wild?"),
                          ("group_attach", "Somebody wrote that volcanoes on Mars erupted in 2019 again."),
                          ("group_dismiss", "My neighbour insists that cats can read human thoughts easily.")):
            request, token = requests_service.submit_request(session, requests_service.clean_request(text),
                                                             settings)
            session.flush()
            ids[key] = request.group_id
            ids.setdefault("token", token)
        ids["speaker"] = published.speaker_id
        ids["topic"] = published.topics[0].id
        session.commit()
    assert len({ids["group_claim"], ids["group_attach"], ids["group_dismiss"]}) == 3, "requests were grouped"
    return ids


@pytest.fixture
def newsroom(sapp):
    return build_newsroom(sapp)


def _slugs(app, ids) -> dict[str, str]:
    """The canonical slugs of the published claim, its speaker and topic, read from the redirects."""
    client = app.test_client()
    out = {}
    for kind, key in (("claims", "published"), ("speakers", "speaker"), ("topics", "topic")):
        location = client.get(f"/{kind}/{ids[key]}").headers["Location"]
        out[kind] = re.search(rf"/{kind}/\d+-([^/?]+)", location).group(1)
    return out


def concrete_url(rule: str, ids: dict, slugs: dict) -> str:
    """The rule with real ids (and the right slug) in place of its parameters."""
    kind = rule.split("/")[1]
    values = {
        "claim_id": ids["published"], "speaker_id": ids["speaker"], "topic_id": ids["topic"],
        "article_id": ids["article"], "group_id": ids["group_claim"], "block": 0, "token": ids["token"],
        "rest": "no-such-endpoint", "slug": slugs.get(kind, ""), "user_id": ids["ed2"],
        "feed_id": ids["feed"], "alert_id": ids["alert"], "message_id": ids["message"],
    }

    def value(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        assert name in values, f"no value for the parameter {name!r} of {rule}: add one to concrete_url"
        return str(values[name])

    return re.sub(r"<([^>]+)>", value, rule)


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


# --- 1. the role x route matrix -------------------------------------------------------------------------------


def test_every_route_has_an_access_decision(sapp):
    missing, stale = [], set(ROUTES)
    for rule in app_rules(sapp):
        stale.discard(rule.rule)
        for method in sorted(rule.methods - METHODS_IGNORED):
            if method not in ROUTES.get(rule.rule, {}):
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, ("routes without an access decision; add them to ROUTES in tests/test_security_sweep.py "
                         "(and to POST_CASES for a state-changing route): " + ", ".join(missing))
    assert not stale, f"ROUTES names rules the app no longer has: {sorted(stale)}"


def test_every_get_route_for_every_role(sapp, newsroom):
    slugs = _slugs(sapp, newsroom)
    clients = {None: logged_in(sapp, None), **{role: logged_in(sapp, ROLE_USER[role]) for role in ROLES}}
    checked = 0
    problems = []
    for rule in app_rules(sapp):
        if "GET" not in rule.methods:
            continue
        access = ROUTES[rule.rule]["GET"]
        url = concrete_url(rule.rule, newsroom, slugs) + GET_QUERY.get(rule.rule, "")
        for role, client in clients.items():
            response = client.get(url)
            response.get_data()  # read streamed bodies (the ClaimReview feed) to the end
            response.close()
            code = response.status_code
            checked += 1
            if access == PUBLIC:
                ok = code == PUBLIC_GET_STATUS.get(rule.rule, 200)
            elif access == LOGIN_PAGE:
                ok = code == 200 if role is None else (code == 302 and response.headers["Location"].endswith("/editor/"))
            elif role is None:
                ok = is_login_redirect(response)
            elif role in ALLOWED[access]:
                ok = code == 200
            else:
                ok = code == 403 and "not allowed" in response.get_data(as_text=True)
            if not ok:
                problems.append(f"GET {url} as {role or 'anonymous'} ({access}): {code}")
    assert not problems, "\n".join(problems)
    assert checked >= 4 * 35  # the url_map really was walked


def _version(app, claim_id: int) -> str:
    with app.app_context():
        return str(db.session.get(Claim, claim_id).verdict.version)


# rule -> (roles allowed to do this very POST, the form data given the ids)
POST_CASES = {
    "/logout": (set(ROLES), lambda app, ids: {}),
    "/account": (set(ROLES), lambda app, ids: {"email": "someone@example.org", "notify": "y",
                                               "webhook_url": "https://hooks.example.org/T1/B2"}),
    "/account/subscriptions": (set(ROLES), lambda app, ids: {"field": "verdict", "value": "false"}),
    "/editor/articles/new": ({"admin", "editor"}, lambda app, ids: {
        "text": "The governor said the new bridge cost 2 billion dollars, twice the estimate from 2019.",
        "title": "Bridge costs"}),
    "/editor/articles/<int:article_id>/decisions": ({"admin", "editor"}, lambda app, ids: {
        "candidates-0-appearance_id": str(ids["appearance"]), "candidates-0-action": "dismiss",
        "candidates-0-reason": "opinion"}),
    "/editor/articles/<int:article_id>/accept-suggestions": ({"admin", "editor"}, lambda app, ids: {
        "expected": str(_suggestions(app, ids["article"]))}),
    "/editor/articles/<int:article_id>/match-again": ({"admin", "editor"}, lambda app, ids: {}),
    "/editor/claims/new": ({"admin", "editor"}, lambda app, ids: {
        "text": "The county's ferries carry twice as many people as its buses.", "speaker": "Lee Sample",
        "topics": "Transport"}),
    "/editor/claims/<int:claim_id>/verdict": ({"admin", "editor"}, lambda app, ids: {
        "version": _version(app, ids["verdict"]), "rating": "false", "summary": "It carries 80,000 cars.",
        "explanation": "Traffic counts say so."}),
    "/editor/claims/<int:claim_id>/edit": ({"admin", "editor"}, lambda app, ids: {
        "text": "Every household pays 400 dollars in water fees each year.", "speaker": "Pat Example",
        "topics": "Water"}),
    "/editor/claims/<int:claim_id>/merge": ({"admin", "editor"}, lambda app, ids: {
        "target": str(ids["merge_into"])}),
    "/editor/claims/<int:claim_id>/status": ({"admin", "editor"}, lambda app, ids: {
        "version": _version(app, ids["draft"]), "action": "submit"}),
    "/editor/claims/<int:claim_id>/merge-proposal": ({"admin", "reviewer"}, lambda app, ids: {
        "proposal": str(ids["proposal"]), "approve": "1"}),
    "/editor/claims/<int:claim_id>/assign": (set(ROLES), lambda app, ids: {"assignee": str(ids["ed2"])}),
    "/editor/claims/<int:claim_id>/comments": (set(ROLES), lambda app, ids: {"body": "Checked the figures."}),
    "/editor/requests/<int:group_id>/claim": ({"admin", "editor"}, lambda app, ids: {
        "text": "Penguins live at the North Pole in the wild.", "speaker": ""}),
    "/editor/requests/<int:group_id>/attach": ({"admin", "editor"}, lambda app, ids: {
        "claim_id": str(ids["published"])}),
    "/editor/requests/<int:group_id>/dismiss": ({"admin", "editor"}, lambda app, ids: {
        "reason": "Not a factual claim."}),
    # the account routes act on ed2 (concrete_url's user_id)
    "/admin/accounts": ({"admin"}, lambda app, ids: {
        "username": "newcomer", "role": "editor", "password": "a long enough password",
        "confirm": "a long enough password"}),
    "/admin/accounts/<int:user_id>/role": ({"admin"}, lambda app, ids: {"role": "reviewer"}),
    "/admin/accounts/<int:user_id>/active": ({"admin"}, lambda app, ids: {"active": "no"}),
    "/admin/accounts/<int:user_id>/end-sessions": ({"admin"}, lambda app, ids: {}),
    "/editor/feeds/new": ({"admin", "editor"}, lambda app, ids: {
        "name": "County wire", "kind": "urls", "urls": "https://example.org/news/1", "interval_minutes": "30"}),
    "/editor/feeds/<int:feed_id>/edit": ({"admin", "editor"}, lambda app, ids: {
        "name": "City wire", "kind": "feed", "url": "https://example.org/other-feed.xml", "interval_minutes": "60"}),
    "/editor/feeds/<int:feed_id>/pause": ({"admin", "editor"}, lambda app, ids: {"paused": "yes"}),
    "/editor/alerts/<int:alert_id>/confirm": ({"admin", "editor"}, lambda app, ids: {}),
    "/editor/alerts/<int:alert_id>/dismiss": ({"admin", "editor"}, lambda app, ids: {}),
    "/admin/jobs/feeds/<int:feed_id>/run": ({"admin"}, lambda app, ids: {"back": "/admin/jobs"}),
    "/admin/jobs/outbox/<int:message_id>/retry": ({"admin"}, lambda app, ids: {"back": "/admin/jobs"}),
}

# Which object each POST route acts on (the claim or group key in the newsroom's ids).
POST_TARGET = {
    "/editor/claims/<int:claim_id>/verdict": "verdict", "/editor/claims/<int:claim_id>/edit": "edit",
    "/editor/claims/<int:claim_id>/merge": "merge_from", "/editor/claims/<int:claim_id>/status": "draft",
    "/editor/claims/<int:claim_id>/merge-proposal": "proposed",
    "/editor/claims/<int:claim_id>/assign": "assign", "/editor/claims/<int:claim_id>/comments": "assign",
    "/editor/requests/<int:group_id>/claim": "group_claim", "/editor/requests/<int:group_id>/attach": "group_attach",
    "/editor/requests/<int:group_id>/dismiss": "group_dismiss",
    "/editor/alerts/<int:alert_id>/confirm": "alert_confirm", "/editor/alerts/<int:alert_id>/dismiss": "alert_dismiss",
}
# The feed a POST route acts on, where it is not the newsroom's "feed" (paused and edited by the routes above).
FEED_TARGET = {"/admin/jobs/feeds/<int:feed_id>/run": "job_feed"}


def test_post_routes_refuse_anonymous_and_underprivileged_users_and_change_nothing(sapp, newsroom):
    """Each state-changing route, with a valid CSRF token and a form that would succeed: refused (login page or
    403) with the database unchanged row for row, then accepted for a role that may (so the refusal is real)."""
    not_public = sorted(rule.rule for rule in app_rules(sapp)
                        if any(ROUTES[rule.rule].get(m) in (NEWSROOM, WRITERS, ADMINS) for m in rule.methods - {"GET"}))
    assert sorted(POST_CASES) == not_public, "every state-changing route needs a case in POST_CASES"
    slugs = _slugs(sapp, newsroom)
    clients = {None: logged_in(sapp, None), **{role: logged_in(sapp, ROLE_USER[role]) for role in ROLES}}
    tokens = {role: csrf_token(client, "/ask") for role, client in clients.items()}
    refused = 0
    for rule, (allowed, data_for) in POST_CASES.items():
        ids = dict(newsroom)
        if rule in POST_TARGET:
            key = POST_TARGET[rule]
            ids["published"] = ids["group_claim"] = ids["alert"] = newsroom[key]  # what concrete_url fills in
        if rule in FEED_TARGET:
            ids["feed"] = newsroom[FEED_TARGET[rule]]
        url = concrete_url(rule, ids, slugs)
        for role in (None, *ROLES):
            if role in allowed:
                continue
            before = fingerprint(sapp)
            response = clients[role].post(url, data={"csrf_token": tokens[role], **data_for(sapp, newsroom)})
            after = fingerprint(sapp)
            who = role or "anonymous"
            if role is None:
                assert is_login_redirect(response), f"POST {url} as anonymous: {response.status_code}"
            else:
                assert response.status_code == 403, f"POST {url} as {who}: {response.status_code}"
            assert not changed_tables(before, after), f"POST {url} as {who} changed {changed_tables(before, after)}"
            refused += 1
        # The same request from a role that may: it goes through and changes the database.
        role = "editor" if "editor" in allowed else sorted(allowed)[0]
        client = logged_in(sapp, ROLE_USER[role])
        before = fingerprint(sapp)
        response = client.post(url, data={"csrf_token": csrf_token(client, "/ask"), **data_for(sapp, newsroom)})
        assert response.status_code in (302, 303), f"POST {url} as {role}: {response.status_code}"
        assert not is_login_redirect(response) or rule == "/logout"
        assert changed_tables(before, fingerprint(sapp)), f"POST {url} as {role} changed nothing"
        if rule == "/logout":  # a logout ends every session of that account: the refused roles log in again
            clients = {None: logged_in(sapp, None), **{r: logged_in(sapp, ROLE_USER[r]) for r in ROLES}}
            tokens = {r: csrf_token(c, "/ask") for r, c in clients.items()}
    assert refused >= len(POST_CASES)  # every route refused at least its anonymous POST


# --- 4. sessions: fixation, logout, deactivation --------------------------------------------------------------


def _cookie(client, name: str = "session") -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def _client_with(app, **cookies):
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def test_a_session_cookie_planted_before_login_does_not_become_a_logged_in_one(sapp):
    make_user(sapp, "editor", "editor")
    victim = sapp.test_client()
    victim.get("/login")
    planted = _cookie(victim)
    assert planted, "the login page sets a session cookie (it carries the CSRF token)"
    assert AuthActions(victim).login().status_code == 302
    after = _cookie(victim)
    assert after and after != planted, "the session cookie must be reissued at login"
    # An attacker who planted (and kept) the pre-login cookie is not logged in with it.
    attacker = _client_with(sapp, session=planted)
    assert is_login_redirect(attacker.get("/editor/"))
    # The victim's own new cookie is what carries the login.
    assert _client_with(sapp, session=after).get("/editor/").status_code == 200


def test_logout_ends_the_session_even_for_a_copied_cookie(sapp):
    make_user(sapp, "editor", "editor")
    client = sapp.test_client()
    AuthActions(client).login()
    stolen = _cookie(client)
    assert _client_with(sapp, session=stolen).get("/editor/").status_code == 200  # the copy works while logged in
    assert AuthActions(client).logout().status_code == 302
    assert is_login_redirect(client.get("/editor/"))
    assert is_login_redirect(_client_with(sapp, session=stolen).get("/editor/")), "a copied cookie outlived logout"


def test_logout_ends_a_remember_me_cookie_too(sapp):
    make_user(sapp, "editor", "editor")
    client = sapp.test_client()
    token = AuthActions(client).csrf_token("/login")
    client.post("/login", data={"csrf_token": token, "username": "editor", "password": PASSWORD, "remember": "y"})
    remembered = _cookie(client, "remember_token")
    assert remembered, "remember me sets its cookie"
    assert _client_with(sapp, remember_token=remembered).get("/editor/").status_code == 200
    AuthActions(client).logout()
    assert is_login_redirect(_client_with(sapp, remember_token=remembered).get("/editor/"))


def test_session_cookies_are_httponly_and_samesite(sapp):
    make_user(sapp, "editor", "editor")
    client = sapp.test_client()
    response = AuthActions(client).login()
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert headers and all("HttpOnly" in h and "SameSite=Lax" in h for h in headers)


def test_a_deactivated_account_loses_its_sessions(sapp):
    user_id = make_user(sapp, "editor", "editor")
    client = sapp.test_client()
    AuthActions(client).login()
    assert client.get("/editor/").status_code == 200
    with sapp.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert is_login_redirect(client.get("/editor/"))


# --- 2. stored (and reflected) XSS ----------------------------------------------------------------------------

ATTACK = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"


def payload(marker: str) -> str:
    """What an attacker types into one field; the marker says which field it came from."""
    return f"{marker} {ATTACK} end"


MARKDOWN_ATTACKS = ("\n\n[click me](javascript:alert(1)) <a href=\"javascript:alert(2)\">x</a> "
                    "![img](x\" onerror=\"alert(3)) <iframe src=//evil.example></iframe>")


class HtmlAudit(HTMLParser):
    """Parse a page like a browser would and note what would run: script elements other than JSON-LD data,
    event-handler attributes, script URLs, an <img src=x>; collect the text a reader sees (and form values)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.problems: list[str] = []
        self._script: str | None = None
        self.jsonld: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("type") != "application/ld+json" or "src" in attributes:
                self.problems.append(f"a <script {attributes}> element")
            self._script = ""
        if tag in ("iframe", "object", "embed", "base"):
            self.problems.append(f"a <{tag}> element")
        if tag == "img" and attributes.get("src") == "x":
            self.problems.append("the payload's <img src=x>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"an event handler {name}= on <{tag}>")
            if name in ("href", "src", "action", "formaction", "content") and value and re.match(
                    r"\s*(javascript|vbscript|data):", value, re.I):
                self.problems.append(f"a script URL in {name}= on <{tag}>: {value[:40]}")
            if value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.jsonld.append(self._script)
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script += data
        else:
            self.texts.append(data)


def audit_html(body: str) -> tuple[str, list[str]]:
    """The text a reader sees, and what in the page would run."""
    parser = HtmlAudit()
    parser.feed(body)
    parser.close()
    problems = list(parser.problems)
    if "<script>alert(1)" in body or re.search(r"<img src=x onerror", body, re.I):
        problems.append("the raw payload")
    for block in parser.jsonld:
        if "<" in block:
            problems.append("'<' inside the JSON-LD block (it could end the element)")
        try:
            json.loads(block)
        except ValueError:
            problems.append("JSON-LD that is not JSON")
    return "\n".join(parser.texts), problems


def audit_json(value) -> tuple[str, list[str]]:
    """JSON is data: every string is collected as text; any HTML it carries (explanation_html) is audited."""
    texts, problems = [], []

    def walk(item, key=""):
        if isinstance(item, dict):
            for k, v in item.items():
                walk(v, k)
        elif isinstance(item, list):
            for v in item:
                walk(v, key)
        elif isinstance(item, str):
            if key.endswith("_html"):
                text, found = audit_html(item)
                texts.append(text)
                problems.extend(f"{key}: {p}" for p in found)
            else:
                texts.append(item)

    walk(value)
    return "\n".join(texts), problems


def audit_atom(body: str) -> tuple[str, list[str]]:
    """The feed must be well-formed XML and carry the payload as text (an html-typed element is audited)."""
    root = ElementTree.fromstring(body)
    texts, problems = [], []
    for element in root.iter():
        if element.text:
            if element.get("type") in ("html", "xhtml"):
                text, found = audit_html(element.text)
                texts.append(text)
                problems.extend(found)
            else:
                texts.append(element.text)
        texts.extend(element.attrib.values())
    return "\n".join(texts), problems


def _ids(app, ingest_location: str) -> dict:
    article_id = int(re.search(r"/editor/articles/(\d+)", ingest_location).group(1))
    with app.app_context():
        appearances = db.session.scalars(select(Appearance).where(Appearance.article_id == article_id)
                                         .order_by(Appearance.id)).all()
        return {"article": article_id, "appearances": [a.id for a in appearances]}


def _form_post(client, url: str, data: dict, expect=(302, 303)) -> str:
    response = client.post(url, data={"csrf_token": csrf_token(client, "/ask"), **data})
    assert response.status_code in expect, f"POST {url}: {response.status_code} {response.get_data(as_text=True)[:3000]}"
    return response.headers.get("Location", "")


XSS_ARTICLE = (
    "Council member Dana Reyes said that crime rose by 12 percent last year across the whole county "
    f"{payload('SENTENCE')}.\n\n"
    "The mayor claimed that the city cut the school budget by 30 percent in 2021, the deepest cut since 1970."
)


@pytest.fixture
def stored_payloads(sapp):
    """Every user-editable text field filled with the payload through the real forms; the ids and token."""
    make_user(sapp, "editor", "editor")
    make_user(sapp, "rita", "reviewer")
    make_user(sapp, "boss", "admin")
    editor = logged_in(sapp, "editor")
    location = _form_post(editor, "/editor/articles/new", {
        "text": XSS_ARTICLE, "title": payload("ARTTITLE"), "publisher": payload("OUTLET")})
    ids = _ids(sapp, location)
    assert len(ids["appearances"]) >= 2, "the article should give two candidates"
    first, second = ids["appearances"][:2]
    _form_post(editor, f"/editor/articles/{ids['article']}/decisions", {
        "candidates-0-appearance_id": str(first), "candidates-0-action": "new",
        "candidates-0-text": f"Crime rose by 12 percent {payload('CLAIMTEXT')}",
        "candidates-0-speaker": payload("SPEAKER"),
        "candidates-1-appearance_id": str(second), "candidates-1-action": "dismiss",
        "candidates-1-reason": payload("DISMISS")})
    with sapp.app_context():
        claim_id = db.session.get(Appearance, first).claim_id
    assert claim_id, "the new claim was not made"
    ids["claim"] = claim_id
    _form_post(editor, f"/editor/claims/{claim_id}/edit", {
        "text": f"Crime rose by 12 percent {payload('CLAIMTEXT')}", "speaker": payload("SPEAKER"),
        "topics": f"{payload('TOPIC')}, Crime"})
    verdict = {
        "rating": "false", "summary": payload("SUMMARY"), "explanation": payload("EXPLAIN") + MARKDOWN_ATTACKS,
        "sources-0-url": "https://example.org/report?a=1&b=2", "sources-0-title": payload("SRCTITLE"),
        "sources-0-publisher": payload("SRCPUB")}
    _form_post(editor, f"/editor/claims/{claim_id}/verdict", {"version": _version(sapp, claim_id), **verdict})
    _form_post(editor, f"/editor/claims/{claim_id}/comments", {"body": payload("COMMENT")})
    # Readers ask before the verdict is published: queued (not answered at once), with a tracking page.
    reader = sapp.test_client()
    location = _form_post(reader, "/ask", {
        "text": f"Fluoride in tap water lowers the IQ of children {payload('REQUEST')}",
        "seen_where": payload("SEEN"), "email": "", "website": "", "confirm": "yes"})
    ids["token"] = location.rsplit("/", 1)[1]
    _form_post(reader, "/ask", {
        "text": "Somebody said the moon is made of green cheese and tastes of cheddar",
        "seen_where": "", "email": "", "website": "", "confirm": "yes"})
    _form_post(editor, f"/editor/claims/{claim_id}/status", {"version": _version(sapp, claim_id), "action": "submit"})
    reviewer = logged_in(sapp, "rita")
    _form_post(reviewer, f"/editor/claims/{claim_id}/status",
               {"version": _version(sapp, claim_id), "action": "approve"})
    _form_post(editor, f"/editor/claims/{claim_id}/verdict", {
        "version": _version(sapp, claim_id), **verdict, "summary": payload("SUMMARY") + " (corrected)",
        "correction_note": payload("CORRECTION")})
    _form_post(reviewer, f"/editor/claims/{claim_id}/status",
               {"version": _version(sapp, claim_id), "action": "approve_correction"})
    with sapp.app_context():
        groups = db.session.scalars(select(RequestGroup.id).order_by(RequestGroup.id)).all()
        with_claim = db.session.get(Claim, claim_id)
        ids["speaker"], ids["topic"] = with_claim.speaker_id, with_claim.topics[0].id
    assert len(groups) == 2
    ids["group"], ids["dismissed_group"] = groups
    _form_post(editor, f"/editor/requests/{groups[1]}/dismiss", {"reason": payload("GROUPREASON")})
    return ids


def _canonical(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 301, f"{url}: {response.status_code}"
    return response.headers["Location"]


PUBLISHED = ("CLAIMTEXT", "SPEAKER", "SUMMARY")  # what every list of published claims shows
CLAIM_PAGE = ("SENTENCE", "ARTTITLE", "OUTLET", *PUBLISHED, "TOPIC", "EXPLAIN", "SRCTITLE", "SRCPUB", "CORRECTION")


def xss_pages(app, ids) -> list[tuple[str | None, str, str, int, tuple[str, ...]]]:
    """(who looks, url, kind, status, the fields whose payload the page must show as text) for every page that
    shows what was typed, and a few that echo what is in the address."""
    anon = app.test_client()
    claim = _canonical(anon, f"/claims/{ids['claim']}")
    speaker = _canonical(anon, f"/speakers/{ids['speaker']}")
    topic = _canonical(anon, f"/topics/{ids['topic']}")
    echo = quote_plus(payload("REFLECTED"))
    return [
        (None, claim, "html", 200, CLAIM_PAGE),
        (None, "/", "html", 200, (*PUBLISHED, "TOPIC")),
        (None, "/?q=crime+rose+percent", "html", 200, (*PUBLISHED, "TOPIC")),
        (None, f"/?q={echo}", "html", 200, ("REFLECTED",)),
        (None, f"/?speaker={echo}", "html", 200, ("REFLECTED",)),
        (None, "/speakers", "html", 200, ("SPEAKER",)),
        (None, speaker, "html", 200, PUBLISHED),
        (None, "/topics", "html", 200, ("TOPIC",)),
        (None, topic, "html", 200, PUBLISHED),
        (None, f"/ask/answered/{ids['claim']}", "html", 200, PUBLISHED),
        (None, f"/ask/track/{ids['token']}", "html", 200, ("REQUEST", "CLAIMTEXT", "SUMMARY")),
        (None, "/feed.atom", "atom", 200, PUBLISHED),
        (None, "/sitemaps/pages.xml", "atom", 200, ()),
        (None, "/claimreview.json", "json", 200, ("CLAIMTEXT", "SPEAKER", "TOPIC")),
        (None, f"/api/v1/claims/{ids['claim']}", "json", 200, CLAIM_PAGE),
        (None, "/api/v1/claims", "json", 200, PUBLISHED),
        (None, "/api/v1/match?text=crime+rose+12+percent", "json", 200, PUBLISHED),
        (None, f"/api/v1/claims?speaker={echo}", "json", 404, ()),
        (None, "/api/v1/speakers", "json", 200, ("SPEAKER",)),
        (None, "/api/v1/topics", "json", 200, ("TOPIC",)),
        ("editor", "/editor/", "html", 200, ("CLAIMTEXT", "SPEAKER", "TOPIC")),
        ("editor", f"/editor/?speaker={echo}&topic={echo}", "html", 200, ("REFLECTED",)),
        ("editor", "/editor/claims", "html", 200, ("CLAIMTEXT", "SPEAKER", "TOPIC")),
        ("editor", f"/editor/claims?q={echo}&speaker={echo}", "html", 200, ("REFLECTED",)),
        ("editor", "/editor/claims?q=crime+rose+percent", "html", 200, ("CLAIMTEXT", "SPEAKER")),
        ("editor", f"/editor/claims/{ids['claim']}", "html", 200,
         ("SENTENCE", "ARTTITLE", *PUBLISHED, "TOPIC", "EXPLAIN", "SRCTITLE", "SRCPUB", "COMMENT", "CORRECTION")),
        ("rita", f"/editor/claims/{ids['claim']}", "html", 200, ("CLAIMTEXT", "SPEAKER", "EXPLAIN", "COMMENT")),
        ("editor", f"/editor/claims/{ids['claim']}/history", "html", 200, ("CLAIMTEXT", "SUMMARY", "CORRECTION")),
        ("editor", "/editor/articles", "html", 200, ("ARTTITLE", "OUTLET")),
        ("editor", f"/editor/articles/{ids['article']}", "html", 200,
         ("SENTENCE", "ARTTITLE", "OUTLET", "CLAIMTEXT", "DISMISS")),
        ("rita", f"/editor/articles/{ids['article']}", "html", 200, ("SENTENCE", "ARTTITLE", "DISMISS")),
        ("editor", "/editor/requests?status=claim", "html", 200, ("REQUEST",)),
        ("editor", "/editor/requests?status=dismissed", "html", 200, ("GROUPREASON",)),
        ("boss", f"/editor/requests/{ids['group']}", "html", 200, ("CLAIMTEXT", "REQUEST", "SEEN")),
        ("editor", f"/editor/requests/{ids['dismissed_group']}", "html", 200, ("GROUPREASON",)),
        ("boss", "/admin/audit", "html", 200, ("SUMMARY", "DISMISS")),
        ("boss", "/admin/accounts", "html", 200, ()),
    ]


MARKERS = ("SENTENCE", "ARTTITLE", "OUTLET", "CLAIMTEXT", "SPEAKER", "DISMISS", "TOPIC", "SUMMARY", "EXPLAIN",
           "SRCTITLE", "SRCPUB", "COMMENT", "CORRECTION", "REQUEST", "SEEN", "GROUPREASON", "REFLECTED")


def test_stored_payloads_are_shown_as_text_on_every_page(sapp, stored_payloads):
    """Every page that shows a typed field shows the payload as text (escaped in the HTML), and nothing in any
    page would run: no script element but JSON-LD data, no event handler, no script URL."""
    clients = {None: sapp.test_client(), **{u: logged_in(sapp, u) for u in ("editor", "rita", "boss")}}
    pairs = 0
    problems = []
    for who, url, kind, status, expected in xss_pages(sapp, stored_payloads):
        response = clients[who].get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == status, f"GET {url} as {who or 'anonymous'}: {response.status_code}"
        if kind == "html":
            assert response.mimetype == "text/html"
            text, found = audit_html(body)
        elif kind == "atom":
            assert response.mimetype.endswith("xml")
            text, found = audit_atom(body)
        else:
            assert response.mimetype in ("application/json", "application/ld+json")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            text, found = audit_json(json.loads(body))
        problems += [f"{url}: {problem}" for problem in found]
        for marker in expected:
            pairs += 1
            if payload(marker) not in text:
                problems.append(f"{url} does not show the {marker} field as text")
    assert not problems, "\n".join(problems)
    assert pairs >= 90


def test_claim_page_jsonld_carries_the_payload_as_data(sapp, stored_payloads):
    client = sapp.test_client()
    body = client.get(_canonical(client, f"/claims/{stored_payloads['claim']}")).get_data(as_text=True)
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.S | re.I)
    assert len(blocks) == 1 and "</" not in blocks[0] and "<!--" not in blocks[0]
    review = json.loads(blocks[0])
    assert payload("CLAIMTEXT") in review["claimReviewed"]
    assert payload("SPEAKER") == review["itemReviewed"]["author"]["name"]


def test_markdown_explanation_is_sanitised(sapp, stored_payloads):
    """A Markdown link to javascript:, raw <a>, an image with a quote in its address and an iframe in the
    explanation all come out as text, on the workspace and the public page alike."""
    client = logged_in(sapp, "editor")
    for url in (f"/editor/claims/{stored_payloads['claim']}", _canonical(client, f"/claims/{stored_payloads['claim']}")):
        body = client.get(url).get_data(as_text=True)
        text, problems = audit_html(body)
        assert not problems, (url, problems)
        assert not re.search(r"<(a|img|iframe)\b[^>]*(javascript:|\bonerror\s*=|evil\.example)", body, re.I), url
        assert "[click me](javascript:alert(1))" in text and '<a href="javascript:alert(2)">x</a>' in text, url


def test_imported_addresses_that_are_not_web_addresses_are_never_links(sapp, tmp_path):
    """An imported claim (a ClaimReview feed from elsewhere, say) with a javascript: address: the public
    page shows the address as text, never as a link a reader could click."""
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps({"id": "js1", "text": "The river flooded the old town twice in one week.",
                                "verdict": "false", "speaker": "Flood Watcher",
                                "url": "javascript:alert(document.cookie)"}) + "\n")
    result = sapp.test_cli_runner().invoke(args=["claims", "import", str(path)])
    assert result.exit_code == 0, result.output
    with sapp.app_context():
        claim_id = db.session.scalar(select(Claim.id).where(Claim.external_id == "js1"))
    client = sapp.test_client()
    response = client.get(_canonical(client, f"/claims/{claim_id}"))
    assert response.status_code == 200
    text, problems = audit_html(response.get_data(as_text=True))
    assert not problems, problems
    assert "javascript:alert(document.cookie)" in text  # kept, as text


# --- 3. injection strings in every search box and filter --------------------------------------------------------

INJECTIONS = [
    "' OR 1=1 --", '"; DROP TABLE claims; --', "%", "_", "\\", "%' OR '%'='", "NEAR(", 'NEAR(a b, 2)', '"unterminated',
    "*", "AND OR NOT", "col:term", "text:climate", "a & b | !c", "!:*", "&|!:*", "climate:* & !tax", "()", "'",
    "'';!--\"<XSS>=&{()}", "\x00", "1e309", "-1", "9" * 30,
]

# Each search box and filter, as (path, argument).  The speaker filters take names, the others ids or words.
FILTERS = [
    ("/", "q"), ("/", "speaker"), ("/", "verdict"), ("/", "topic"), ("/", "since"), ("/", "until"), ("/", "page"),
    ("/speakers", "page"),
    ("/api/v1/claims", "speaker"), ("/api/v1/claims", "verdict"), ("/api/v1/claims", "topic"),
    ("/api/v1/claims", "since"), ("/api/v1/claims", "cursor"), ("/api/v1/claims", "limit"),
    ("/api/v1/match", "text"), ("/api/v1/speakers", "cursor"), ("/api/v1/speakers", "limit"),
    ("/editor/", "speaker"), ("/editor/", "topic"), ("/editor/", "page_mine"), ("/editor/claims", "page"),
    ("/editor/claims", "q"), ("/editor/claims", "status"), ("/editor/claims", "verdict"),
    ("/editor/claims", "speaker"), ("/editor/claims", "topic"), ("/editor/claims", "assignee"),
    ("/editor/claims", "date_field"), ("/editor/claims", "since"), ("/editor/claims", "until"),
    ("/editor/claims", "sort"), ("/editor/claims", "order"),
    ("/editor/requests", "status"), ("/editor/requests", "sort"), ("/editor/requests", "page"),
    ("/admin/audit", "person"), ("/admin/audit", "action"), ("/admin/audit", "claim"), ("/admin/audit", "since"),
    ("/admin/audit", "until"), ("/admin/audit", "page"),
]


def _claims_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Claim))


@pytest.mark.slow
def test_injection_strings_in_every_search_box_and_filter(app, runner):
    """Never a 500, the claims table untouched, and answers that make sense: only published claims, and no
    claim at all for a string with no word in it (a wildcard must not match everything)."""
    from claimtrack.matching import tokens

    app.config["API_RATE_LIMIT"] = "100000 per minute"
    result = runner.invoke(args=["claims", "import", "tests/fixtures/claims_sample.jsonl"])
    assert result.exit_code == 0, result.output
    make_user(app, "editor", "editor")
    make_user(app, "boss", "admin")
    anonymous, editor, admin = app.test_client(), logged_in(app, "editor"), logged_in(app, "boss")
    published = {c["id"] for c in anonymous.get("/api/v1/claims?limit=100").get_json()["claims"]}
    assert published, "the sample claims are published"
    count = _claims_count(app)
    problems = []
    for path, name in FILTERS:
        client = admin if path.startswith("/admin") else editor if path.startswith("/editor") else anonymous
        for value in INJECTIONS:
            blank = not value.replace("\x00", " ").strip()  # the same as leaving the box empty: no filter
            response = client.get(path, query_string={name: value})
            where = f"GET {path}?{name}={value!r}"
            if response.status_code not in (200, 400, 404):
                problems.append(f"{where}: {response.status_code}")
                continue
            if path.startswith("/api/") and response.status_code == 200:
                found = {c["id"] for c in response.get_json().get("claims", response.get_json().get("matches", []))
                         if "verdict" in c}
                if not found <= published:
                    problems.append(f"{where}: unpublished claims {found - published}")
                if name in ("text", "speaker") and not tokens(value) and not blank and found:
                    problems.append(f"{where}: {len(found)} claims for a string with no word")
            if path == "/" and name == "q" and response.status_code == 200 and not tokens(value) and not blank:
                if 'class="claim-card' in response.get_data(as_text=True):
                    problems.append(f"{where}: results for a string with no word")
    for value in INJECTIONS:
        response = anonymous.post("/api/v1/match", json={"text": value})
        if response.status_code not in (200, 400):
            problems.append(f"POST /api/v1/match {value!r}: {response.status_code}")
        response = anonymous.get("/ask/track/" + quote_plus(value))
        if response.status_code != 404:
            problems.append(f"GET /ask/track/{value!r}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert _claims_count(app) == count
    # The search still works after all that.
    response = anonymous.get("/api/v1/match", query_string={"text": "Annies List third-trimester abortions"})
    assert response.status_code == 200 and response.get_json()["matches"]


def test_a_nul_character_in_a_form_or_filter_is_no_crash(app, runner):
    """PostgreSQL refuses NUL in text: the login form, the claim form, the reader's form and the dashboard
    filters take it as a space (like the search does), never a 500, and no NUL is stored."""
    runner.invoke(args=["claims", "import", "tests/fixtures/claims_sample.jsonl"])
    make_user(app, "editor", "editor")
    anonymous = app.test_client()
    token = AuthActions(anonymous).csrf_token("/login")
    response = anonymous.post("/login", data={"csrf_token": token, "username": "edi\x00tor", "password": PASSWORD})
    assert response.status_code == 401
    response = anonymous.post("/ask", data={"csrf_token": csrf_token(anonymous, "/ask"), "website": "", "confirm": "yes",
                                            "text": "Taxes rose\x00 by 40 percent in the county last year",
                                            "seen_where": "a\x00 flyer", "email": ""})
    assert response.status_code == 302
    editor = logged_in(app, "editor")
    assert editor.get("/editor/", query_string={"topic": "\x00", "speaker": "bo\x00hac"}).status_code == 200
    # claim 1 is published: its wording changes with a public note, and at once only for an admin (recorded)
    make_user(app, "boss", "admin")
    admin = logged_in(app, "boss")
    response = admin.post("/editor/claims/1/edit", data={"csrf_token": csrf_token(admin, "/ask"), "text": "Taxes\x00 rose a lot",
                                                         "speaker": "Dwayne\x00 Bohac", "topics": "tax\x00es",
                                                         "correction_note": "Reworded\x00."})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Claim, 1).text == "Taxes rose a lot"
        stored = fingerprint(app)
    assert not any("\x00" in value for rows in stored.values() for row in rows for value in row
                   if isinstance(value, str))


# --- 5. SSRF through the ingest form --------------------------------------------------------------------------

REFUSALS = ("private or local", "Give a full http(s):// address.", "user name or password", "not a valid web address",
            "Only http:// and https://")

SSRF_URLS = [
    "http://127.0.0.1/", "http://localhost/", "http://0.0.0.0/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/", "http://2130706433/", "http://0177.0.0.1/", "http://0x7f000001/",
    "http://127.1/", "http://example.com@127.0.0.1/", "http://user:pw@example.org/", "http://[::1/",
    "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a9fe:a9fe::1]/", "http://10.0.0.1:8080/admin",
    "file:///etc/passwd", "gopher://127.0.0.1:25/", "http://intranet.example/",
]


def _articles(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Article))


def test_ingest_form_refuses_private_addresses_with_a_clear_4xx(sapp, monkeypatch):
    import socket

    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):  # a company name that points inside the network
        if host == "intranet.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    make_user(sapp, "editor", "editor")
    editor = logged_in(sapp, "editor")
    token = csrf_token(editor, "/ask")
    problems = []
    for url in SSRF_URLS:
        response = editor.post("/editor/articles/new", data={"csrf_token": token, "url": url})
        page = response.get_data(as_text=True)
        if response.status_code != 422 or not any(message in page for message in REFUSALS):
            problems.append(f"{url}: {response.status_code}")
        elif f'value="{url}"' not in page.replace("&amp;", "&"):
            problems.append(f"{url}: what was typed is lost")
    assert not problems, "\n".join(problems)
    assert _articles(sapp) == 0


@pytest.fixture(scope="module")
def article_server():
    with ArticleServer() as running:
        yield running


@pytest.mark.parametrize("path,message", [
    ("/to-decimal-metadata", "private or local"), ("/to-nat64-metadata", "private or local"),
    ("/to-metadata", "private or local"), ("/to-userinfo", "user name or password"), ("/to-broken-url", "not valid"),
])
def test_ingest_form_refuses_redirects_to_private_or_broken_addresses(sqlite_url, article_server,
                                                                      path, message):
    app = create_app({**config_for(sqlite_url), "FETCH_ALLOWED_NETWORKS": ["127.0.0.0/8"],
                      "FETCH_TIMEOUT_SECONDS": 5.0})
    try:
        make_user(app, "editor", "editor")
        editor = logged_in(app, "editor")
        # The same path works for a page that stays on the allowed server...
        if path == "/to-metadata":
            ok = editor.post("/editor/articles/new", data={"csrf_token": csrf_token(editor, "/ask"),
                                                            "url": article_server.url("/moved")})
            assert ok.status_code == 302 and _articles(app) == 1
        # ...and a redirect away from it is refused on the form, with nothing stored.
        before = _articles(app)
        response = editor.post("/editor/articles/new", data={"csrf_token": csrf_token(editor, "/ask"),
                                                              "url": article_server.url(path)})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
        assert _articles(app) == before
    finally:
        with app.app_context():
            db.engine.dispose()

"""Every form field fuzzed with hypothesis on both databases (issue 21, item 5): not one response of 500.

Every POST route of the app (the url_map is walked: a new POST route without an entry in FORM_FIELDS fails
``test_every_post_route_is_fuzzed``) is sent by a user of a role allowed to use it, with a valid CSRF token,
hypothesis-generated values for each of its fields -- hidden ones too (versions, ids, the wording an edit
started from, counts) -- and a generated id in the path.  Values mix the form's valid one with edge cases:
huge and negative integers, digits of other scripts, unicode, NUL bytes, empty, whitespace, very long strings,
and a field left out.

Checked after each request: status < 500; a refused request (4xx) changed none of the counts readers depend on
(published verdicts, claims, revisions, corrections, merges).  At the end: the match index equals a rebuild
(check_index), no claim is merged into itself or into a cycle.

The budget is CLAIMTRACK_FUZZ_EXAMPLES generated requests per database (default 300, shared out over the
routes); the counts are printed.  Run alone: ``python -m pytest -m fuzz -s tests/test_form_fuzz.py``.
"""

from __future__ import annotations

import os
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from claimtrack.db import db
from claimtrack.models import Claim, Correction, Verdict, VerdictRevision, VerdictStatus
from claimtrack.search_index import check_index

from .test_security_sweep import ADMINS, POST_TARGET, ROLE_USER, ROUTES, WRITERS, NEWSROOM, app_rules, build_newsroom, \
    logged_in
from .helpers import csrf_token

pytestmark = pytest.mark.fuzz


def csrf(client) -> str:
    """A valid CSRF token for this client's session, logged in or not (the "Ask us" page has a form for everyone)."""
    return csrf_token(client, "/ask")

EXAMPLES = int(os.environ.get("CLAIMTRACK_FUZZ_EXAMPLES", "300"))
SEEN: Counter = Counter()

OMIT = object()   # the field is left out of the form

EDGE_INTS = ["0", "-1", "1", "2147483647", "2147483648", "-2147483649", "9223372036854775807",
             "9223372036854775808", "18446744073709551616", "9" * 12, "9" * 40, "1e309", "NaN", "inf", "0x10", "+5",
             " 7 ", "#3", "٣", "１２", "²", "1_000", "3.5", "-0"]
EDGE_TEXT = ["", " ", "\x00", "a\x00b", "\t\n\r", "\ud7ff", "\U0001f600" * 3, "##", "<script>alert(1)</script>",
             "' OR 1=1 --", "%s%s%n", "\u202e\u0301", "NULL", "None", "true", "[]", "{}"]
LONG = [ch * n for ch in ("a", "\u00e9", "\x00", "9") for n in (201, 2_001, 12_001, 100_001)]


def values(valid: list[str] | None = None) -> st.SearchStrategy:
    """What one field gets: a valid value now and then, an edge case, generated text or integers, or nothing."""
    parts = [
        st.sampled_from(EDGE_INTS), st.sampled_from(EDGE_TEXT), st.sampled_from(LONG),
        st.integers(min_value=-(2 ** 80), max_value=2 ** 80).map(str),
        st.text(max_size=60), st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=300),
        st.just(OMIT),
    ]
    if valid:
        parts = [st.sampled_from(valid)] * 3 + parts
    return st.one_of(*parts)


@st.composite
def forms(draw, fields: dict[str, list[str]]) -> dict:
    """A form where one to three fields get generated values and the others their valid ones (so the requests
    reach past the first check); a field with no valid value is always generated."""
    if not fields:   # a form of nothing but the CSRF token: the path's id and the token are what is fuzzed
        return {}
    fuzzed = draw(st.sets(st.sampled_from(sorted(fields)), min_size=1, max_size=min(3, len(fields))))
    return {name: draw(values(valid) if name in fuzzed or not valid else st.sampled_from(valid))
            for name, valid in fields.items()}


# rule -> {field: the valid values the field may also get}; "{...}" is filled in from the newsroom's ids
FORM_FIELDS: dict[str, dict[str, list[str]]] = {
    "/login": {"username": ["editor", "boss"], "password": ["correct horse battery"], "remember": ["y", ""]},
    "/logout": {},
    "/account": {"email": ["someone@example.org", "", "not an address"], "notify": ["y", ""],
                 "webhook_url": ["https://hooks.example.org/T1/B2", "", "ftp://x", "http://[::1"],
                 "ui_language": ["es", "ar", "", "xx"]},
    "/account/subscriptions": {"field": ["speaker", "topic", "verdict", "source"],
                               "value": ["Talk radio host", "false", "Health", ""], "remove": ["1", ""]},
    "/ask": {"text": ["Is it true that the harbour tunnel carries a million cars a day?"],
             "seen_where": ["https://example.org/post", "a flyer"], "email": ["reader@example.org"],
             "website": [""], "confirm": ["yes", ""]},
    "/editor/articles/new": {"text": ["The mayor said the city cut the school budget by 30 percent in 2021."],
                             "url": ["https://example.invalid/story"], "title": ["Budget"],
                             "publisher": ["The Daily"], "lang": ["es", "pt-BR", ""]},
    "/editor/articles/<int:article_id>/decisions": {
        "candidates-0-appearance_id": ["{appearance}"], "candidates-0-action": ["link", "new", "dismiss", ""],
        "candidates-0-claim_id": ["{published}", "{draft}"], "candidates-0-stance": ["repeats", "disputes"],
        "candidates-0-text": ["The city cut the school budget by 30 percent."], "candidates-0-speaker": ["Mayor"],
        "candidates-0-reason": ["opinion"], "candidates-1-appearance_id": ["{appearance}"],
        "candidates-1-action": ["dismiss"], "candidates-99999999999-action": ["new"]},
    "/editor/articles/<int:article_id>/accept-suggestions": {"expected": ["0", "1"]},
    "/editor/articles/<int:article_id>/match-again": {},
    "/editor/claims/new": {"text": ["The county's ferries carry twice as many people as its buses."],
                           "speaker": ["Lee Sample", ""], "topics": ["Transport, Tax", ""],
                           "claim_date": ["2024-02-29", ""], "url": ["https://example.org/said", ""]},
    "/admin/accounts": {"username": ["newcomer", "ed2"], "role": ["editor", "reviewer", "admin"],
                        "password": ["a long enough password"], "confirm": ["a long enough password"]},
    "/admin/accounts/<int:user_id>/role": {"role": ["reviewer", "editor", "admin"]},
    "/admin/accounts/<int:user_id>/active": {"active": ["no", "yes"]},
    "/admin/accounts/<int:user_id>/end-sessions": {},
    "/editor/feeds/new": {"name": ["City hall news"], "kind": ["feed", "sitemap", "urls"],
                          "url": ["https://example.invalid/feed.xml", ""],
                          "urls": ["https://example.invalid/a\nhttps://example.invalid/b", ""],
                          "publisher": ["City Hall", ""], "interval_minutes": ["30", "5"]},
    "/editor/feeds/<int:feed_id>/edit": {"name": ["City hall news"], "kind": ["feed", "sitemap", "urls"],
                                         "url": ["https://example.invalid/feed.xml", ""],
                                         "urls": ["https://example.invalid/a", ""], "publisher": [""],
                                         "interval_minutes": ["60"]},
    "/editor/feeds/<int:feed_id>/pause": {"paused": ["yes", "no"]},
    "/editor/alerts/<int:alert_id>/confirm": {},
    "/admin/jobs/feeds/<int:feed_id>/run": {"back": ["/admin/jobs?sources=2", "https://evil.example/", "//x", ""]},
    "/admin/jobs/outbox/<int:message_id>/retry": {"back": ["/admin/jobs", "/admin/jobs?outbox=99999999999999"]},
    "/editor/alerts/<int:alert_id>/dismiss": {},
    "/editor/claims/<int:claim_id>/verdict": {
        "version": ["{version}"], "rating": ["false", "true", "mostly-false"], "summary": ["It is not so."],
        "explanation": ["The **data** says otherwise."], "sources-0-url": ["https://example.org/data"],
        "sources-0-title": ["Data"], "sources-0-publisher": ["Office"], "sources-0-accessed_on": ["2024-02-29"],
        "sources-31-url": ["https://example.org/x"], "correction_note": ["Fixed a figure."]},
    "/editor/claims/<int:claim_id>/edit": {
        "text": ["Every household pays 400 dollars in water fees each year."], "speaker": ["Pat Example", ""],
        "topics": ["Water, Tax", ""], "original": ["{text}"], "correction_note": ["Reworded."]},
    "/editor/claims/<int:claim_id>/merge": {"target": ["{merge_into}", "{published}", "{draft}"],
                                            "correction_note": ["Checked twice; one page now.", ""]},
    "/editor/claims/<int:claim_id>/status": {
        "version": ["{version}"], "action": ["submit", "approve", "send_back", "unpublish", "research",
                                             "approve_correction", "reject_correction"], "note": ["Withdrawn."],
        "claim_version": ["{claim_version}"]},
    "/editor/claims/<int:claim_id>/assign": {"assignee": ["{ed2}", "{editor}", ""]},
    "/editor/claims/<int:claim_id>/merge-proposal": {"proposal": ["{proposal}", "1"], "note": ["Not one claim.", ""],
                                                     "approve": ["Approve the merge", ""], "decline": ["Decline", ""]},
    "/editor/claims/<int:claim_id>/comments": {"body": ["Checked the figures."]},
    "/editor/requests/<int:group_id>/claim": {"text": ["Penguins live at the North Pole."], "speaker": ["", "Tom"]},
    "/editor/requests/<int:group_id>/attach": {"claim_id": ["{published}", "{draft}"]},
    "/editor/requests/<int:group_id>/dismiss": {"reason": ["Not a factual claim."]},
}

# The API's POST is fuzzed from its OpenAPI document by tests/test_schemathesis.py.
NOT_FORMS = {"/api/v1/match", "/api/v1/", "/api/v1/<path:rest>"}
SWEEP = ["9" * 12, "2147483648", "-1", "\x00", "a" * 100_001, "\u0663", ""]
EDGE_IDS = ["0", "1", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808", "9" * 30, "-1",
            "01", "%00", "1.0"]


def post_rules(app) -> list[str]:
    return sorted(r.rule for r in app_rules(app) if "POST" in r.methods and r.rule not in NOT_FORMS)


def test_every_post_route_is_fuzzed(app):
    assert post_rules(app) == sorted(FORM_FIELDS), "a POST route needs its fields in FORM_FIELDS"


def _counts(app) -> tuple:
    """What a refused request must leave as it was."""
    with app.app_context():
        session = db.session
        out = (
            session.scalar(select(func.count()).select_from(Claim)),
            session.scalar(select(func.count()).select_from(Claim).where(Claim.merged_into_id.is_not(None))),
            session.scalar(select(func.count()).select_from(Verdict).where(Verdict.status == VerdictStatus.PUBLISHED)),
            session.scalar(select(func.count()).select_from(VerdictRevision)),
            session.scalar(select(func.count()).select_from(Correction)),
        )
        session.rollback()
    return out


def _fill(value: str, app, ids: dict, claim_id: int | None) -> str:
    def one(match: re.Match) -> str:
        key = match.group(1)
        if key in ("version", "text", "claim_version"):
            with app.app_context():
                claim = db.session.get(Claim, claim_id) if claim_id and 0 < claim_id < 2 ** 31 else None
                if claim is None:
                    return "1"
                if key == "text":
                    return claim.text
                if key == "claim_version":
                    return str(getattr(claim, "version", 1))
                return str(claim.verdict.version if claim.verdict else 1)
        return str(ids[key])
    return re.sub(r"\{(\w+)\}", one, value)


def _roles(rule: str) -> list[str | None]:
    access = ROUTES[rule]["POST"]
    if access == WRITERS:
        return ["editor", "admin"]
    if access == NEWSROOM:
        return ["editor", "admin", "reviewer"]
    if access == ADMINS:
        return ["admin"]
    return [None, "editor"]


@pytest.mark.parametrize("rule", sorted(FORM_FIELDS))
def test_no_form_field_value_gives_a_500(app, rule):
    """One route at a time, so a 500 names its route; EXAMPLES are shared out over the routes."""
    if rule == "/logout":
        pytest.skip("no field but the CSRF token, fuzzed on every other route")
    app.config.update(REQUESTS_RATE_LIMIT="100000 per minute", LOGIN_RATE_LIMIT="100000 per minute",
                      FETCH_TIMEOUT_SECONDS=1.0)
    ids = build_newsroom(app)
    clients = {role: logged_in(app, ROLE_USER[role] if role else None) for role in ("editor", "admin", "reviewer",
                                                                                      None)}
    tokens = {role: csrf(client) for role, client in clients.items()}
    fields = FORM_FIELDS[rule]
    target = POST_TARGET.get(rule)
    id_param = re.search(r"<int:(\w+)>", rule)
    real_ids = [str(ids[k]) for k in ("published", "draft", "edit", "merge_from", "verdict", "article",
                                      "group_claim", "group_attach", "group_dismiss")]
    failures: list[str] = []
    refused_changed: list[str] = []
    per_route = max(10, EXAMPLES // (len(FORM_FIELDS) - 1))
    sweep = SWEEP
    if rule == "/login":  # each refused login verifies an argon2 hash (~0.3 s): fewer of them
        per_route, sweep = max(5, per_route // 3), ["\x00", "a" * 100_001]

    form = forms(fields)
    if "<int:user_id>" in rule:   # the account routes act on ed2; the other accounts are ids to try too
        target = "ed2"
        real_ids = [str(ids[k]) for k in ("ed2", "editor", "rita")]
    if "<int:feed_id>" in rule:
        target = "job_feed" if rule.startswith("/admin/jobs") else "feed"
    if "<int:message_id>" in rule:
        target = "message"
    path_id = st.one_of(st.just(str(ids[target] if target else ids["article"])), st.sampled_from(real_ids),
                        st.sampled_from(EDGE_IDS))
    token = st.sampled_from(["valid"] * 12 + ["", "x", "\x00", "a" * 5000])

    @settings(max_examples=per_route, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=form, where=path_id, role=st.sampled_from(_roles(rule)), csrf_token=token)
    def check(data, where, role, csrf_token):
        send(data, where, role, csrf_token)

    def send(data, where, role, csrf_token):
        url = re.sub(r"<int:\w+>", where, rule) if id_param else rule
        try:
            claim_id = int(where) if id_param and id_param.group(1) == "claim_id" else None
        except ValueError:
            claim_id = None
        sent = {name: _fill(value, app, ids, claim_id) for name, value in data.items() if value is not OMIT}
        sent["csrf_token"] = tokens[role] if csrf_token == "valid" else csrf_token
        before = _counts(app)
        client = clients[role]
        response = client.post(url, data=sent)
        response.get_data()
        SEEN[f"{response.status_code // 100}xx"] += 1
        if response.status_code >= 500:
            failures.append(f"POST {url} as {role}: {response.status_code} with {sent!r:.600}")
        elif response.status_code >= 400 and _counts(app) != before:
            refused_changed.append(f"POST {url} as {role}: {response.status_code} but {before} -> {_counts(app)}")
        if rule == "/login" and response.status_code == 302:
            clients[None] = logged_in(app, None)   # that client is logged in now: a fresh anonymous one
            tokens[None] = csrf(clients[None])

    # and, before the random cases, every field once with each of the worst values, the others valid
    for name in fields:
        for worst in sweep:
            data = {other: valid[0] if valid else "" for other, valid in fields.items()}
            data[name] = worst
            send(data, str(ids[target] if target else ids["article"]), _roles(rule)[0], "valid")
    check()
    assert not failures, f"{len(failures)} request(s) answered 5xx:\n" + "\n".join(failures[:5])
    assert not refused_changed, "\n".join(refused_changed[:5])
    with app.app_context():
        result = check_index(db.session, recompute=True)
        assert result.ok, result.problems
        merged = dict(db.session.execute(select(Claim.id, Claim.merged_into_id)
                                         .where(Claim.merged_into_id.is_not(None))).all())
        for start in merged:
            seen, at = {start}, merged[start]
            while at in merged:
                assert at not in seen, f"a cycle of merges through claim {start}"
                seen.add(at)
                at = merged[at]
            assert at != start
        db.session.rollback()


def test_fuzzed_requests_were_counted(capsys):
    total = sum(SEEN.values())
    with capsys.disabled():
        print(f"\nform fuzz: {total} generated requests, by status class {dict(sorted(SEEN.items()))}, "
              f"5xx: {SEEN.get('5xx', 0)}")
    if total:
        assert SEEN.get("5xx", 0) == 0

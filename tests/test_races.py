"""The red team's races, reproduced with real concurrent requests against gunicorn on both databases (issue 21).

gunicorn (deploy/start.sh, 4 sync workers, loopback) serves a real SQLite file or a database on the test
PostgreSQL; two editors, each with their own login and cookies, send their requests from two threads released
by one barrier, so both are in the server at once.  Every race is run CLAIMTRACK_RACE_ROUNDS times (default 5):

- opposite merges, A into B and B into A: exactly one passes, the other is a clear 4xx; never a claim merged
  into itself, never a cycle;
- two edits of one claim from the same wording: one is saved, the other gets the 409 conflict screen with its
  own text kept; one wording, one audit event, no lost write; the public search for the words still answers;
- two editors turning one reader-request group into a claim: one claim, the other editor is told.

After every round ``flask claims reindex --check --thorough`` is clean (term statistics equal a rebuild).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from html import unescape

import pytest
from sqlalchemy import func, select

from claimtrack import create_app
from claimtrack.db import db
from claimtrack.models import AuditEvent, Claim, RequestGroup, RequestGroupStatus, User

from .helpers import PASSWORD, config_for, csrf_token_in, make_user
from .serving import Client, Gunicorn

pytestmark = pytest.mark.races

ROUNDS = int(os.environ.get("CLAIMTRACK_RACE_ROUNDS", "5"))
WAIT = 300  # seconds: a bound against hangs, never a speed requirement
RESULTS: dict[str, int] = {}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory):
    """gunicorn with 4 workers on a fresh migrated database; yields (app for setup and checks, port)."""
    base = tmp_path_factory.mktemp(f"races-{request.param}")
    if request.param == "sqlite":
        path = base / "claimtrack.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        server = request.getfixturevalue("pg_server")
        name = "claimtrack_races"
        server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        server.execute(f"CREATE DATABASE {name} TEMPLATE claimtrack_template")
        url = server.url(name)
    app = create_app(config_for(url))
    app.instance_path = str(base / "instance")
    for name, role in (("ed1", "editor"), ("ed2", "editor"), ("boss", "admin"), ("rita", "reviewer")):
        make_user(app, name, role)
    gunicorn = Gunicorn(base / "gunicorn.log", workers=4, DATABASE_URL=url, SECRET_KEY="race-test-secret",
                        LOGIN_RATE_LIMIT="100000 per minute", REQUESTS_RATE_LIMIT="100000 per minute")
    with gunicorn:
        yield app, gunicorn
    log = gunicorn.log_tail(1_000_000)
    assert "Traceback" not in log and " 500 " not in log, log[-3000:]
    with app.app_context():
        db.engine.dispose()


def editors(port: int) -> tuple[Client, Client]:
    out = []
    for name in ("ed1", "ed2"):
        client = Client(port)
        client.login(name, PASSWORD)
        out.append(client)
    return out[0], out[1]


def token(client: Client, path: str = "/editor/") -> str:
    status, page = client.request("GET", path)
    assert status == 200, (path, status)
    return csrf_token_in(page)


def at_once(*calls):
    """Run the calls in threads released together; their (status, page) in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    return results


def index_is_clean(app) -> None:
    result = app.test_cli_runner().invoke(args=["claims", "reindex", "--check", "--thorough"])
    assert result.exit_code == 0, result.output


def errors_on(page: str) -> str:
    """The messages on an error or form page, as text."""
    return unescape(re.sub(r"<[^>]+>", " ", page))


SUBJECTS = ["harbour tunnel", "river ferry", "airport runway", "county hospital", "tram network", "wind farm",
            "grain silo", "border bridge", "coal plant", "city library", "ice rink", "fish market"]


def open_claims(app, texts: list[str], publish: bool = False) -> list[int]:
    from claimtrack.services import verdicts as workflow
    from claimtrack.services.claims import open_claim

    with app.app_context():
        session = db.session
        made = [open_claim(session, text, "Pat Example") for text in texts]
        if publish:
            ed1 = session.scalar(select(User).where(User.username == "ed1"))
            rita = session.scalar(select(User).where(User.username == "rita"))
            verdict = made[0].verdict
            workflow.save_verdict(session, verdict, workflow.VerdictInput(
                rating="false", summary="It does not.", explanation="Counts say so.",
                sources=[workflow.SourceInput(url="https://example.org/counts")]), ed1, None,
                app.extensions["verdict_scale"])
            workflow.change_status(session, verdict, "submit", ed1, None)
            workflow.change_status(session, verdict, "approve", rita, None)
        session.commit()
        return [c.id for c in made]


def test_opposite_merges_at_once(served):
    app, server = served
    one, two = editors(server.port)
    outcomes = []
    for round_ in range(ROUNDS):
        subject = SUBJECTS[round_ % len(SUBJECTS)]
        a, b = open_claims(app, [f"The {subject} cost twice its budget in round {round_}.",
                                 f"The {subject} cost double what was planned, round {round_}."],
                           publish=False)
        t1, t2 = token(one, f"/editor/claims/{a}"), token(two, f"/editor/claims/{b}")
        (s1, p1), (s2, p2) = at_once(
            lambda: one.request("POST", f"/editor/claims/{a}/merge", {"csrf_token": t1, "target": str(b)}),
            lambda: two.request("POST", f"/editor/claims/{b}/merge", {"csrf_token": t2, "target": str(a)}))
        outcomes.append((s1, s2))
        assert sorted((s1 == 302, s2 == 302)) == [False, True], (round_, s1, s2)
        refused = p2 if s1 == 302 else p1
        assert (s2 if s1 == 302 else s1) in (409, 422), (s1, s2)
        if (s2 if s1 == 302 else s1) == 422:
            assert "merged into claim" in errors_on(refused), errors_on(refused)[:2000]
        with app.app_context():
            ca, cb = db.session.get(Claim, a), db.session.get(Claim, b)
            pairs = {(ca.id, ca.merged_into_id), (cb.id, cb.merged_into_id)}
            assert (a, b) in pairs or (b, a) in pairs
            assert ca.merged_into_id != a and cb.merged_into_id != b, "a claim merged into itself"
            assert ca.merged_into_id is None or cb.merged_into_id is None, "a cycle of merges"
            db.session.rollback()
        index_is_clean(app)
    RESULTS[f"merges-{db_name(app)}"] = len(outcomes)


def db_name(app) -> str:
    return "postgresql" if app.config["DATABASE_URL"].startswith("postgresql") else "sqlite"


def original_of(page: str) -> str:
    found = re.search(r'name="original" type="hidden" value="([^"]*)"', page) or \
        re.search(r'name="original" value="([^"]*)"', page)
    assert found, "the claim form carries the wording it was opened with"
    return unescape(found.group(1))


def test_two_edits_of_one_claim_at_once(served):
    app, server = served
    one, two = editors(server.port)
    (claim_id,) = open_claims(app, ["The harbour tunnel carries a million cars every single day."])
    for round_ in range(ROUNDS):
        _, page1 = one.request("GET", f"/editor/claims/{claim_id}")
        _, page2 = two.request("GET", f"/editor/claims/{claim_id}")
        start = original_of(page1)
        assert original_of(page2) == start
        mine = f"The harbour tunnel carries {round_ + 2} million lorries a week, says the port {round_}."
        theirs = f"The harbour tunnel carries {round_ + 3} thousand buses a month, says the city {round_}."
        with app.app_context():
            edits_before = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "claim.edit", AuditEvent.object_id == claim_id))
            db.session.rollback()
        (s1, p1), (s2, p2) = at_once(
            lambda: one.request("POST", f"/editor/claims/{claim_id}/edit", {
                "csrf_token": csrf_token_in(page1), "text": mine, "speaker": "Pat Example",
                "topics": "Transport", "original": start}),
            lambda: two.request("POST", f"/editor/claims/{claim_id}/edit", {
                "csrf_token": csrf_token_in(page2), "text": theirs, "speaker": "Port Authority",
                "topics": "Traffic", "original": start}))
        assert sorted((s1, s2)) == [302, 409], (round_, s1, s2)
        saved, conflict, kept = (mine, p2, theirs) if s1 == 302 else (theirs, p1, mine)
        assert "changed by someone else" in errors_on(conflict)
        assert kept in unescape(conflict), "the conflict screen keeps what the editor typed"
        assert original_of(conflict) == saved, "the conflict screen is based on the newest wording"
        with app.app_context():
            claim = db.session.get(Claim, claim_id)
            assert claim.text == saved
            edits = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "claim.edit", AuditEvent.object_id == claim_id))
            assert edits == edits_before + 1
            db.session.rollback()
        index_is_clean(app)
        # the words of both wordings are searchable without an error (df never goes below 0)
        for word in ("lorries", "buses", "harbour"):
            status, _ = Client(server.port).request("GET", f"/?q={word}")
            assert status == 200, (word, status)
    RESULTS[f"edits-{db_name(app)}"] = ROUNDS


REQUEST_TEXTS = [
    "Is it true that penguins live at the North Pole in the wild?",
    "Somebody wrote that volcanoes on Mars erupted in 2019 again.",
    "My neighbour insists that cats can read human thoughts easily.",
    "A post says the moon landing footage was filmed in a desert studio.",
    "They claim drinking seawater cures the common cold within hours.",
    "I heard the national debt was paid off completely last Tuesday.",
    "Someone said goldfish remember nothing for more than three seconds.",
    "A flyer says the old lighthouse will become a casino next spring.",
]


def test_two_editors_make_a_claim_from_one_request_group(served):
    from claimtrack.services import requests as requests_service

    app, server = served
    one, two = editors(server.port)
    for round_ in range(ROUNDS):
        text = REQUEST_TEXTS[round_ % len(REQUEST_TEXTS)] + f" (asked {db_name(app)} {round_})"
        with app.app_context():
            request, _ = requests_service.submit_request(db.session, requests_service.clean_request(text),
                                                         app.extensions["match_settings"])
            db.session.flush()
            group_id = request.group_id
            db.session.commit()
        t1, t2 = token(one, f"/editor/requests/{group_id}"), token(two, f"/editor/requests/{group_id}")
        wording = f"Claim from group {group_id}: " + text
        (s1, p1), (s2, p2) = at_once(
            lambda: one.request("POST", f"/editor/requests/{group_id}/claim",
                                {"csrf_token": t1, "text": wording, "speaker": ""}),
            lambda: two.request("POST", f"/editor/requests/{group_id}/claim",
                                {"csrf_token": t2, "text": wording, "speaker": ""}))
        assert sorted((s1, s2)) == [302, 422], (round_, s1, s2)
        refused = p2 if s1 == 302 else p1
        assert "decided" in errors_on(refused)
        with app.app_context():
            made = db.session.scalars(select(Claim.id).where(Claim.text == " ".join(wording.split()))).all()
            assert len(made) == 1, f"{len(made)} claims from one group"
            group = db.session.get(RequestGroup, group_id)
            assert group.status == RequestGroupStatus.CLAIM and group.claim_id == made[0]
            db.session.rollback()
        index_is_clean(app)
    RESULTS[f"groups-{db_name(app)}"] = ROUNDS


def test_races_were_run(capsys):
    with capsys.disabled():
        print(f"\nraces run against gunicorn (rounds each): {RESULTS}")

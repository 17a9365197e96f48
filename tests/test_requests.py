"""Reader requests: the "Ask us to check" form, instant answers, tracking links, triage, privacy and purging."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from claimtrack.db import db
from claimtrack.models import (
    CheckRequest,
    Claim,
    RequestGroup,
    RequestGroupStatus,
    RequestTerm,
    User,
    VerdictStatus,
)
from claimtrack.services import requests as requests_service

from .helpers import AuthActions, csrf_token, csrf_token_in, make_user

GREAT_WALL = "You can see the Great Wall of China from space with your naked eye"
LEMON = [
    "Drinking hot lemon water every morning cures a coronavirus infection.",
    "Hot lemon water every morning cures coronavirus infection, my aunt says",
    "Every morning, drinking hot lemon water will cure the coronavirus infection!",
]
SCRIPT = '<script>alert("x")</script><b>bold</b>'


@pytest.fixture
def demo(app):
    """The demo claims, imported as published."""
    with app.app_context():
        from claimtrack.services.demo import load_demo

        load_demo(db.session, app.extensions["verdict_scale"], article=False)
        db.session.commit()


def ask(client, text: str, confirm: str = "", **fields):
    data = {"csrf_token": csrf_token(client, "/ask"), "text": text, "seen_where": "", "email": "", "website": "",
            "confirm": confirm, **fields}
    return client.post("/ask", data=data)


def queue(client, text: str, **fields) -> str:
    """Ask and follow to the tracking page; the token."""
    response = ask(client, text, confirm="yes", **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert "/ask/track/" in location
    return location.rsplit("/", 1)[1]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_form_works_without_javascript_and_is_linked(client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/ask"' in home and "Ask us to check" in home
    page = client.get("/ask").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert re.search(r'<div hidden aria-hidden="true">\s*<label for="website">', page)
    assert "<script" not in page


def test_published_check_answers_at_once_and_is_recorded(app, client, demo):
    response = ask(client, GREAT_WALL)
    assert response.status_code == 302 and "/ask/answered/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We checked this already" in page
    assert "The Great Wall of China is visible from space with the naked eye." in page
    assert "Read the fact-check" in page
    with app.app_context():
        request = db.session.scalar(select(CheckRequest))
        assert request.answered_at_once and request.token_hash is None and request.email is None
        claim = db.session.scalar(select(Claim).where(Claim.text.like("The Great Wall%")))
        assert request.group.claim_id == claim.id and request.group.status == RequestGroupStatus.CLAIM
    # Asked again: the same group counts it.
    ask(client, "Is the Great Wall of China visible from space with the naked eye?")
    with app.app_context():
        assert db.session.scalar(select(RequestGroup.request_count)) == 2


def test_unpublished_claims_never_show(app, client, demo):
    with app.app_context():
        claim = db.session.scalar(select(Claim).where(Claim.text.like("The Great Wall%")))
        claim.verdict.status = VerdictStatus.DRAFT
        claim.verdict.summary = "SECRET DRAFT SUMMARY"
        db.session.commit()
        claim_id = claim.id
    response = ask(client, GREAT_WALL)
    # Not published: no instant answer, no related list; queued and tracked.
    assert response.status_code == 302 and "/ask/track/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "SECRET DRAFT SUMMARY" not in page and "Read the fact-check" not in page
    # It said the same as a claim the newsroom has: grouped with it, "being checked".
    assert "Status: being checked" in page
    assert client.get(f"/ask/answered/{claim_id}").status_code == 404


def test_related_band_shows_candidates_then_queues(app, client, demo):
    response = ask(client, "Crimea voted to join Russia in a referendum")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Is it one of these?" in page
    assert "Russia annexed the Crimean peninsula from Ukraine in 2014." in page
    assert 'name="confirm" type="hidden" value="yes"' in page
    assert "Crimea voted to join Russia in a referendum" in page  # nothing the reader typed is lost
    assert count(app, CheckRequest) == 0
    response = ask(client, "Crimea voted to join Russia in a referendum", confirm="yes")
    assert response.status_code == 302 and "/ask/track/" in response.headers["Location"]
    assert count(app, CheckRequest) == 1


def test_rewordings_group_together_and_tracking_links_are_secret(app, client):
    tokens = [queue(client, text, seen_where="https://example.org/post/1", email="reader@example.org")
              for text in LEMON]
    assert len(set(tokens)) == 3 and all(len(t) == 32 for t in tokens)
    with app.app_context():
        groups = db.session.scalars(select(RequestGroup)).all()
        assert len(groups) == 1 and groups[0].request_count == 3 and groups[0].status == RequestGroupStatus.OPEN
        stored = db.session.scalars(select(CheckRequest.token_hash)).all()
        assert sorted(stored) == sorted(requests_service.hash_token(t) for t in tokens)
        assert not set(stored) & set(tokens)
        assert db.session.scalar(select(func.count()).select_from(RequestTerm)) > 0
    page = client.get(f"/ask/track/{tokens[0]}")
    assert page.status_code == 200 and "Status: received" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "reader@example.org" not in page.get_data(as_text=True)
    forged = tokens[0][:-1] + ("A" if tokens[0][-1] != "A" else "B")
    for bad in (forged, "1", "x" * 32, "%3Cscript%3E", "a" * 500):
        response = client.get(f"/ask/track/{bad}")
        assert response.status_code == 404, bad
        assert "Check that you copied the whole link" in response.get_data(as_text=True)
    assert client.get("/ask/track/../../etc/passwd").status_code == 404


def _publish(app, claim_id: int) -> None:
    from claimtrack.services import verdicts as workflow

    with app.app_context():
        editor = db.session.scalar(select(User).where(User.username == "editor"))
        reviewer = db.session.scalar(select(User).where(User.username == "rita"))
        claim = db.session.get(Claim, claim_id)
        verdict = workflow.get_or_open_verdict(db.session, claim)
        workflow.save_verdict(db.session, verdict, workflow.VerdictInput(
            rating="false", summary="Lemon water cures no infection.", explanation="No trial shows it.",
            sources=[workflow.SourceInput(url="https://example.org/trials", title="Trials")]),
            editor, None, app.extensions["verdict_scale"])
        workflow.change_status(db.session, verdict, "submit", editor, None)
        workflow.change_status(db.session, verdict, "approve", reviewer, None)
        db.session.commit()


def test_turn_group_into_claim_then_tracking_shows_the_answer(app, client):
    make_user(app, "editor", "editor")
    make_user(app, "rita", "reviewer")
    tokens = [queue(client, text) for text in LEMON]
    auth = AuthActions(client)
    auth.login()
    triage = client.get("/editor/requests").get_data(as_text=True)
    assert triage.count('class="request-group"') == 1
    assert re.search(r'class="request-count">3<', triage)
    with app.app_context():
        group_id = db.session.scalar(select(RequestGroup.id))
    page = client.get(f"/editor/requests/{group_id}").get_data(as_text=True)
    assert LEMON[0] in page  # prefilled with the most common (here: the first) wording
    token = csrf_token_in(page)
    response = client.post(f"/editor/requests/{group_id}/claim",
                           data={"csrf_token": token, "text": "Hot lemon water cures COVID-19.", "speaker": ""})
    assert response.status_code == 302 and "/editor/claims/" in response.headers["Location"]
    with app.app_context():
        claim = db.session.scalar(select(Claim).where(Claim.text == "Hot lemon water cures COVID-19."))
        assert claim.external_id == f"claimtrack-{claim.id}" and claim.verdict.status == VerdictStatus.NEW
        assert db.session.get(RequestGroup, group_id).claim_id == claim.id
        claim_id = claim.id
    assert "Status: being checked" in client.get(f"/ask/track/{tokens[1]}").get_data(as_text=True)
    _publish(app, claim_id)
    for t in tokens:
        page = client.get(f"/ask/track/{t}").get_data(as_text=True)
        assert "Status: answered" in page and "Lemon water cures no infection." in page
        assert f"/claims/{claim_id}-" in page
    # A fourth asker now gets the check at once.
    response = ask(client, "Drinking hot lemon water cures COVID-19.")
    assert response.status_code == 302


def test_attach_and_dismiss(app, client, demo):
    make_user(app, "editor", "editor")
    make_user(app, "rita", "reviewer")
    first = queue(client, "The moon landing in 1969 was filmed in a studio in Nevada by Stanley Kubrick")
    second = queue(client, "Eating carrots lets pilots see in complete darkness at night")
    with app.app_context():
        g1, g2 = db.session.scalars(select(RequestGroup.id).order_by(RequestGroup.id)).all()
        claim_id = db.session.scalar(select(Claim.id).where(Claim.text.like("The Great Wall%")))
    auth = AuthActions(client)
    auth.login("rita")
    token = auth.csrf_token(f"/editor/requests/{g1}")
    assert client.post(f"/editor/requests/{g1}/dismiss", data={"csrf_token": token, "reason": "x"}).status_code == 403
    auth.logout()
    auth.login()
    token = auth.csrf_token(f"/editor/requests/{g1}")
    response = client.post(f"/editor/requests/{g1}/attach", data={"csrf_token": token, "claim_id": "999999"})
    assert response.status_code == 422 and "There is no claim 999999." in response.get_data(as_text=True)
    response = client.post(f"/editor/requests/{g1}/attach", data={"csrf_token": token, "claim_id": str(claim_id)})
    assert response.status_code == 302
    assert "Status: answered" in client.get(f"/ask/track/{first}").get_data(as_text=True)
    response = client.post(f"/editor/requests/{g2}/dismiss", data={"csrf_token": token, "reason": " "})
    assert response.status_code == 422 and "Say why" in response.get_data(as_text=True)
    response = client.post(f"/editor/requests/{g2}/dismiss",
                           data={"csrf_token": token, "reason": "A wartime myth, nothing to verify today"})
    assert response.status_code == 302
    page = client.get(f"/ask/track/{second}").get_data(as_text=True)
    assert "Status: not checkable" in page and "wartime myth" not in page
    # A decided group is not decided twice.
    response = client.post(f"/editor/requests/{g2}/dismiss", data={"csrf_token": token, "reason": "again"})
    assert response.status_code == 422
    listing = client.get("/editor/requests?status=dismissed&sort=latest").get_data(as_text=True)
    assert "wartime myth" in listing
    assert client.get("/editor/requests?sort=bogus").status_code == 400


@pytest.mark.parametrize("fields, message", [
    ({"text": ""}, "Type the claim you want us to check."),
    ({"text": "   \x00  "}, "Type the claim you want us to check."),
    ({"text": "word " * 10_000}, "the limit is 2,000"),
    ({"text": "hi"}, "Write the claim in a few words"),
    ({"seen_where": "javascript:alert(1)"}, "starting with http:// or https://"),
    ({"seen_where": "x" * 600}, "at most 500 characters"),
    ({"email": "not-an-address"}, "does not look right"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_stored(app, client, fields, message):
    data = {"text": "Vaccines contain microchips that track your location", **fields}
    response = ask(client, confirm="yes", **data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, CheckRequest) == 0 and count(app, RequestGroup) == 0


def test_honeypot_and_missing_csrf_store_nothing(app, client):
    response = ask(client, "Vaccines contain microchips that track your location", website="http://spam.example")
    assert response.status_code == 400 and "could not be accepted" in response.get_data(as_text=True)
    response = client.post("/ask", data={"text": "Vaccines contain microchips that track your location"})
    assert response.status_code == 400
    assert count(app, CheckRequest) == 0


def test_html_is_escaped_everywhere_and_private_addresses_are_kept_as_text(app, client):
    make_user(app, "boss", "admin")
    token = queue(client, f"Vaccines contain microchips {SCRIPT} that track you",
                  seen_where="http://169.254.169.254/latest/meta-data", email="a@example.org")
    page = client.get(f"/ask/track/{token}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    AuthActions(client).login("boss")
    listing = client.get("/editor/requests").get_data(as_text=True)
    assert "<script>alert" not in listing and "169.254.169.254" in listing
    with app.app_context():
        group_id = db.session.scalar(select(RequestGroup.id))
    group = client.get(f"/editor/requests/{group_id}").get_data(as_text=True)
    assert "<script>alert" not in group and "<b>bold</b>" not in group


def test_rate_limit(app, client):
    app.config["REQUESTS_RATE_LIMIT"] = "10 per minute"
    codes = [ask(client, f"Claim number {i} about the tides of the moon and sea").status_code for i in range(15)]
    assert codes.count(429) >= 4 and all(c in (302, 200, 429) for c in codes)
    assert count(app, CheckRequest) <= 10


def test_email_only_for_permitted_editors_and_never_public(app, client, demo):
    make_user(app, "editor", "editor")
    make_user(app, "boss", "admin")
    token = queue(client, "Vaccines contain microchips that track your location", email="reader@example.org")
    with app.app_context():
        group_id = db.session.scalar(select(RequestGroup.id))
    for path in ("/", "/feed.atom", "/claimreview.json", "/api/v1/claims", f"/ask/track/{token}", "/sitemap.xml"):
        assert "reader@example.org" not in client.get(path).get_data(as_text=True), path
    auth = AuthActions(client)
    auth.login("editor")
    assert "reader@example.org" not in client.get(f"/editor/requests/{group_id}").get_data(as_text=True)
    auth.logout()
    auth.login("boss")
    assert "reader@example.org" in client.get(f"/editor/requests/{group_id}").get_data(as_text=True)


def test_purge_command(app, client, runner):
    old = queue(client, "Vaccines contain microchips that track your location", email="old@example.org")
    queue(client, "Vaccines have microchips in them which track your location")
    queue(client, "The moon landing in 1969 was filmed in a studio by Stanley Kubrick")
    with app.app_context():
        first = db.session.scalar(select(CheckRequest).order_by(CheckRequest.id))
        first.created_at = datetime.now(timezone.utc) - timedelta(days=120)
        moon = db.session.scalar(select(CheckRequest).order_by(CheckRequest.id.desc()))
        moon.created_at = datetime.now(timezone.utc) - timedelta(days=100)
        db.session.commit()
    result = runner.invoke(args=["requests", "purge", "--older-than", "90d"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 request(s)" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckRequest)) == 1
        groups = db.session.scalars(select(RequestGroup)).all()
        assert len(groups) == 1 and groups[0].request_count == 1
        assert db.session.scalar(select(func.count()).select_from(CheckRequest).where(
            CheckRequest.email.is_not(None))) == 0
    assert client.get(f"/ask/track/{old}").status_code == 404
    bad = runner.invoke(args=["requests", "purge", "--older-than", "soon"])
    assert bad.exit_code == 2 and "like 90d" in bad.output


def test_dashboard_most_asked_this_week(app, client):
    make_user(app, "editor", "editor")
    for text in LEMON:
        queue(client, text)
    queue(client, "The moon landing in 1969 was filmed in a studio by Stanley Kubrick")
    AuthActions(client).login()
    html = client.get("/editor/").get_data(as_text=True)
    section = html[html.index('id="most-asked"'):]
    section = section[:section.index("</section>")]
    assert "Most asked this week" in section
    assert section.index("lemon water") < section.index("moon landing")
    assert ">3</td>" in section


def test_triage_sorts_and_pages(app, client):
    make_user(app, "rita", "reviewer")
    queue(client, "The moon landing in 1969 was filmed in a studio by Stanley Kubrick")
    for text in LEMON:
        queue(client, text)
    AuthActions(client).login("rita")
    for sort in ("24h", "7d", "total", "latest"):
        page = client.get(f"/editor/requests?sort={sort}").get_data(as_text=True)
        assert page.count('class="request-group"') == 2, sort
    first = client.get("/editor/requests?sort=total").get_data(as_text=True)
    assert first.index("lemon water") < first.index("moon landing")
    latest = client.get("/editor/requests?sort=latest").get_data(as_text=True)
    assert latest.index("lemon water") < latest.index("moon landing")
    # Reviewers see the triage but have no decision forms.
    with app.app_context():
        group_id = db.session.scalar(select(RequestGroup.id).order_by(RequestGroup.id))
    assert "Create the claim" not in client.get(f"/editor/requests/{group_id}").get_data(as_text=True)


def test_two_editors_cannot_make_two_claims_from_one_group(app):
    """Editor 2 read the group while it was open; editor 1 turned it into a claim and committed first. Editor 2's
    decision, on a second real connection, is refused: one group, one claim."""
    from sqlalchemy.orm import Session as PlainSession

    from claimtrack.models import Claim, RequestGroup, RequestGroupStatus, User
    from claimtrack.services.matching import DEFAULT_SETTINGS

    make_user(app, "ann", "editor")
    make_user(app, "bob", "editor")
    with app.app_context():
        request, _ = requests_service.submit_request(db.session, requests_service.RequestInput(
            text="Is it true that the county closed eleven public libraries in one year?"), DEFAULT_SETTINGS)
        db.session.commit()
        group_id = request.group_id
        stale = db.session.get(RequestGroup, group_id)
        bob = db.session.scalar(select(User).where(User.username == "bob"))
        assert stale.status == RequestGroupStatus.OPEN
        with PlainSession(db.engine) as other:
            ann = other.scalar(select(User).where(User.username == "ann"))
            requests_service.turn_into_claim(other, other.get(RequestGroup, group_id),
                                             "The county closed eleven libraries in a year.", None, ann)
            other.commit()
        claims_before = db.session.scalar(select(func.count()).select_from(Claim))
        with pytest.raises(requests_service.RequestError, match="decided"):
            requests_service.turn_into_claim(db.session, stale, "Eleven libraries closed.", None, bob)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Claim)) == claims_before
        assert db.session.get(RequestGroup, group_id).claim_id is not None

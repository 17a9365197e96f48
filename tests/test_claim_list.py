"""The editor's claim list (issue 16, point 5): search through the matcher, filters by status, verdict, speaker,
topic, assignee and date, whitelisted sortable columns, paging, bad input, and the "New claim" form; on SQLite
and PostgreSQL.  Data is made through the real services."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event, func, select, update

from claimtrack.db import db
from claimtrack.models import AuditEvent, Claim, Speaker, Topic, User, Verdict, VerdictStatus
from claimtrack.search_index import check_index
from claimtrack.services.matching import match

from .helpers import AuthActions, make_user

OLD = datetime(2020, 3, 15, 12, 0, tzinfo=timezone.utc)

TEXTS = {
    "funding": "The state cut school funding by 30 percent in 2021.",
    "bridges": "Bridges in the county rust twice as fast as elsewhere.",
    "tunnel": "The harbour tunnel carries a million cars every single day.",
    "lunches": "School lunches cost families 400 dollars a year in the county.",
}


@pytest.fixture
def newsroom(app):
    """Four claims in four workflow states, two speakers, two topics, two assignees; the tunnel claim dates from
    2020.  Returns the ids."""
    from claimtrack.services import verdicts as workflow
    from claimtrack.services.claims import open_claim

    ids = {name: make_user(app, name, role) for name, role in
           (("boss", "admin"), ("editor", "editor"), ("ed2", "editor"), ("rita", "reviewer"))}
    with app.app_context():
        session = db.session
        scale = app.extensions["verdict_scale"]
        editor, ed2, rita = (session.get(User, ids[n]) for n in ("editor", "ed2", "rita"))

        def claim(key, speaker, topics=()):
            made = open_claim(session, TEXTS[key], speaker)
            if topics:
                workflow.update_claim(session, made, TEXTS[key], speaker, list(topics), editor)
            ids[key] = made.id
            return made

        def verdict(made, rating):
            workflow.save_verdict(session, made.verdict, workflow.VerdictInput(
                rating=rating, summary="Checked.", explanation="The figures say otherwise.",
                sources=[workflow.SourceInput(url="https://example.org/figures")]), editor, None, scale)

        funding = claim("funding", "Pat Example", ["Education"])
        verdict(funding, "false")
        workflow.change_status(session, funding.verdict, "submit", editor, None)
        workflow.change_status(session, funding.verdict, "approve", rita, None)
        bridges = claim("bridges", "Lee Sample")
        verdict(bridges, "mostly-false")
        workflow.assign(session, bridges.verdict, ed2, editor)
        claim("tunnel", "Lee Sample", ["Transport"])
        lunches = claim("lunches", "Pat Example", ["Education"])
        workflow.change_status(session, lunches.verdict, "research", editor, None)
        workflow.assign(session, lunches.verdict, editor, editor)
        session.flush()
        session.execute(update(Claim).where(Claim.id == ids["tunnel"]).values(created_at=OLD, updated_at=OLD))
        session.execute(update(Verdict).where(Verdict.claim_id == ids["tunnel"]).values(updated_at=OLD))
        ids["education"] = session.scalar(select(Topic.id).where(Topic.name == "Education"))
        session.commit()
    return ids


def login(app, username="editor"):
    client = app.test_client()
    assert AuthActions(client).login(username).status_code == 302
    return client


def listed(client, expect=200, **params) -> list[int]:
    """The claim ids the list shows, in order."""
    response = client.get("/editor/claims", query_string=params)
    html = response.get_data(as_text=True)
    assert response.status_code == expect, (response.status_code, html[:2000])
    body = html.split("<tbody>", 1)[1] if "<tbody>" in html else ""
    return [int(i) for i in re.findall(r'<td class="claim-cell"><a href="/editor/claims/(\d+)"', body)]


def test_the_list_shows_status_and_assignee_newest_first(app, newsroom):
    client = login(app)
    html = client.get("/editor/claims").get_data(as_text=True)
    assert listed(client) == [newsroom[k] for k in ("lunches", "tunnel", "bridges", "funding")]
    for word in ("Published", "Draft", "Researching", "New", "ed2", "Assigned to", "Status"):
        assert word in html
    assert 'href="/editor/claims/new"' in html  # an editor sees "New claim"


@pytest.mark.parametrize("params, expected", [
    ({"status": "draft"}, ["bridges"]),
    ({"status": "new"}, ["tunnel"]),
    ({"status": "published"}, ["funding"]),
    ({"verdict": "false"}, ["funding"]),
    ({"verdict": "unrated"}, ["lunches", "tunnel"]),
    ({"speaker": "lee"}, ["tunnel", "bridges"]),
    ({"speaker": "PAT EXAMPLE"}, ["lunches", "funding"]),
    ({"speaker": "nobody-called-this"}, []),
    ({"topic": "education"}, ["lunches", "funding"]),
    ({"assignee": "ed2"}, ["bridges"]),
    ({"assignee": "none"}, ["tunnel", "funding"]),
    ({"date_field": "created", "since": "2020-01-01", "until": "2020-12-31"}, ["tunnel"]),
    ({"date_field": "updated", "until": "2020-03-15"}, ["tunnel"]),
    ({"since": "2021-01-01"}, ["lunches", "bridges", "funding"]),
    ({"since": "0001-01-01", "until": "9999-12-31"}, ["lunches", "tunnel", "bridges", "funding"]),
    ({"speaker": "pat", "status": "researching"}, ["lunches"]),
    ({"topic": "education", "verdict": "false", "assignee": "none"}, ["funding"]),
])
def test_each_filter_narrows_the_list(app, newsroom, params, expected):
    client = login(app)
    params = dict(params)
    if params.get("topic") == "education":
        params["topic"] = str(newsroom["education"])
    if params.get("assignee") == "ed2":
        params["assignee"] = str(newsroom["ed2"])
    assert listed(client, **params) == [newsroom[k] for k in expected]


def test_search_goes_through_the_matcher_and_ranks_the_claim_first(app, newsroom):
    client = login(app)
    query = "harbour tunnel carries a million cars each day"
    shown = listed(client, q=query)
    assert shown[0] == newsroom["tunnel"]
    with app.app_context():
        best = match(db.session, query, limit=5, settings=app.extensions["match_settings"]).matches
    assert shown == [m.claim_id for m in best]  # the same claims in the same order as the matcher's
    html = client.get("/editor/claims", query_string={"q": query}).get_data(as_text=True)
    label = {"same": "same claim", "related": "related"}[best[0].band]
    assert '<span class="tag' in html and label in html and f">{best[0].score:.0f} <" in html
    # combined with filters: the search narrows to the claims that also pass them
    assert listed(client, q="school county", speaker="pat") == [newsroom["lunches"], newsroom["funding"]] or \
        listed(client, q="school county", speaker="pat") == [newsroom["funding"], newsroom["lunches"]]
    assert newsroom["funding"] not in listed(client, q="school county", status="researching")
    assert listed(client, q="zebra xylophone quasar") == []


def test_search_and_list_page_through_their_results(app, newsroom):
    app.config["CLAIMS_PER_PAGE"] = 2
    client = login(app)
    first, second = listed(client), listed(client, page=2)
    assert len(first) == 2 and len(second) == 2 and not set(first) & set(second)
    html = client.get("/editor/claims", query_string={"speaker": "e", "page": 1}).get_data(as_text=True)
    assert 'rel="next" href="/editor/claims?speaker=e&amp;page=2"' in html
    scores = listed(client, q="county school funding cars bridges")
    more = listed(client, q="county school funding cars bridges", page=2)
    assert scores and not set(scores) & set(more)
    assert listed(client, expect=404, page=9) == []


def test_sort_keys_are_a_whitelist(app, newsroom):
    client = login(app)
    alphabetical = sorted(("funding", "bridges", "tunnel", "lunches"), key=lambda k: TEXTS[k])
    assert listed(client, sort="claim") == [newsroom[k] for k in alphabetical]
    assert listed(client, sort="claim", order="desc") == [newsroom[k] for k in reversed(alphabetical)]
    html = client.get("/editor/claims", query_string={"sort": "claim", "speaker": "e"}).get_data(as_text=True)
    assert 'aria-sort="ascending"' in html  # the current column says so, and its header turns the order round
    assert 'href="/editor/claims?speaker=e&amp;sort=claim&amp;order=desc"' in html
    assert 'href="/editor/claims?speaker=e&amp;sort=updated"' in html
    # by the scale (mostly false above false), unrated last
    assert listed(client, sort="verdict")[:2] == [newsroom["bridges"], newsroom["funding"]]
    assert listed(client, sort="status") == [newsroom[k] for k in ("tunnel", "lunches", "bridges", "funding")]
    assert listed(client, sort="assignee")[:2] == [newsroom["bridges"], newsroom["lunches"]]  # ed2, editor
    assert listed(client, sort="updated")[-1] == newsroom["tunnel"]
    assert set(listed(client, sort="speaker")[:2]) == {newsroom["bridges"], newsroom["tunnel"]}  # Lee before Pat
    for bad in ("id; DROP TABLE claims", "text", "password_hash", "Claim.id.desc()"):
        response = client.get("/editor/claims", query_string={"sort": bad})
        assert response.status_code == 400
        assert "is not a column the list sorts by" in response.get_data(as_text=True)
    response = client.get("/editor/claims", query_string={"sort": "claim", "order": "sideways"})
    assert response.status_code == 400 and "is not an order" in response.get_data(as_text=True)


@pytest.mark.parametrize("params, status, message", [
    ({"status": "closed"}, 400, "is not a workflow status"),
    ({"verdict": "Misleading"}, 400, "is not a verdict on our scale"),
    ({"topic": "abc"}, 400, "is not a topic we have"),
    ({"topic": "99999"}, 400, "is not a topic we have"),
    ({"assignee": "1.5"}, 400, "is not someone verdicts are assigned to"),
    ({"since": "2021-02-30"}, 400, "is not a date"),
    ({"until": "yesterday"}, 400, "is not a date"),
    ({"since": "2022-01-01", "until": "2021-01-01"}, 400, "The second date is before the first."),
    ({"date_field": "published"}, 400, "is not a date the list filters by"),
    ({"page": "abc"}, 400, "The page must be a whole number"),
    ({"page": "0"}, 400, "The page must be a whole number"),
    ({"page": "9" * 30}, 400, "The page must be a whole number"),
    ({"page": "100000"}, 400, "the list stops at page 500"),
    ({"page": "400"}, 404, "There is no page 400 of this list"),
    ({"q": "x" * 5000}, 400, "the limit is 2,000"),
])
def test_bad_values_get_a_clear_message_never_a_500(app, newsroom, params, status, message):
    client = login(app)
    response = client.get("/editor/claims", query_string=params)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_a_page_is_a_fixed_number_of_statements_and_reads_only(app, newsroom):
    """No N+1: the list's statements do not grow with the rows it shows; and a GET writes nothing."""
    from claimtrack.services.claims import open_claim

    client = login(app)

    def statements(**params) -> list[str]:
        seen: list[str] = []
        with app.app_context():
            engine = db.engine

        def record(_conn, _cursor, statement, *_rest):  # a before_cursor_execute listener
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get("/editor/claims", query_string=params).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return seen

    few = statements()
    with app.app_context():
        for n in range(12):
            open_claim(db.session, f"Claim number {n} about ferries and trams in the harbour", f"Speaker {n}")
        db.session.commit()
    many = statements()
    assert len(many) == len(few)
    assert len(statements(q="ferries trams harbour")) <= len(many) + 4  # the matcher's own look-ups
    writes = [s for s in many + few if s.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert not writes


def test_new_claim_is_created_indexed_and_searchable(app, newsroom):
    client = login(app)
    token = AuthActions(client).csrf_token("/editor/claims/new")
    with app.app_context():
        speakers = db.session.scalar(select(func.count()).select_from(Speaker))
    response = client.post("/editor/claims/new", data={
        "csrf_token": token, "text": "  The ferry to the islands  costs more than a flight to Paris. ",
        "speaker": "pat example", "topics": "Transport, Prices, transport", "claim_date": "2024-05-31",
        "url": "https://example.org/debate"})
    assert response.status_code == 302
    claim_id = int(re.search(r"/editor/claims/(\d+)$", response.headers["Location"]).group(1))
    with app.app_context():
        claim = db.session.get(Claim, claim_id)
        assert claim.text == "The ferry to the islands costs more than a flight to Paris."
        assert claim.speaker.name == "Pat Example"  # the existing speaker, found by name
        assert db.session.scalar(select(func.count()).select_from(Speaker)) == speakers
        assert sorted(t.name for t in claim.topics) == ["Prices", "Transport"]
        assert claim.claim_date == date(2024, 5, 31) and claim.url == "https://example.org/debate"
        assert claim.verdict.status == VerdictStatus.NEW and claim.external_id == f"claimtrack-{claim_id}"
        event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "claim.create",
                                                            AuditEvent.object_id == claim_id))
        assert event_ is not None and event_.user_id == newsroom["editor"]
        assert check_index(db.session).ok, check_index(db.session).problems
        best = match(db.session, "ferry to the islands costs more than a flight",
                          settings=app.extensions["match_settings"]).matches
        assert best[0].claim_id == claim_id
    assert client.get(response.headers["Location"]).status_code == 200
    assert listed(client, q="ferry islands flight Paris")[0] == claim_id
    assert listed(client, status="new", speaker="pat")[0] == claim_id


def test_new_claim_with_a_new_speaker_says_so(app, newsroom):
    client = login(app, "boss")  # admins may too
    token = AuthActions(client).csrf_token("/editor/claims/new")
    response = client.post("/editor/claims/new", data={"csrf_token": token, "speaker": "Dana Reyes",
                                                       "text": "Crime rose by 12 percent last year in the county."},
                           follow_redirects=True)
    assert response.status_code == 200 and "Speaker Dana Reyes was added." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Speaker).where(Speaker.name == "Dana Reyes")) is not None


@pytest.mark.parametrize("data, message", [
    ({"text": ""}, "A new claim needs its wording."),
    ({"text": "   "}, "A new claim needs its wording."),
    ({"text": "x" * 2001}, "between 3 and 2000 characters"),
    ({"text": "Taxes rose.", "url": "javascript:alert(1)"}, "Give a full http(s):// address."),
    ({"text": "Taxes rose.", "claim_date": "2021-02-30"}, "Not a valid date value."),
])
def test_bad_new_claim_input_is_refused_with_the_text_kept(app, newsroom, data, message):
    client = login(app)
    token = AuthActions(client).csrf_token("/editor/claims/new")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Claim))
    response = client.post("/editor/claims/new", data={"csrf_token": token, **data})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    if data.get("url"):
        assert "Taxes rose." in html  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Claim)) == before


def test_reviewers_cannot_create_claims_and_see_no_button(app, newsroom):
    reviewer = login(app, "rita")
    assert reviewer.get("/editor/claims").status_code == 200
    assert 'href="/editor/claims/new"' not in reviewer.get("/editor/claims").get_data(as_text=True)
    assert reviewer.get("/editor/claims/new").status_code == 403
    token = AuthActions(reviewer).csrf_token("/editor/")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Claim))
    response = reviewer.post("/editor/claims/new", data={"csrf_token": token, "text": "Taxes rose by 40 percent."})
    assert response.status_code == 403
    anonymous = app.test_client()
    response = anonymous.post("/editor/claims/new", data={"text": "Taxes rose by 40 percent."})
    assert response.status_code in (302, 400)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Claim)) == before


def test_new_claim_without_a_csrf_token_is_refused(app, newsroom):
    client = login(app)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Claim))
    response = client.post("/editor/claims/new", data={"text": "Taxes rose by 40 percent last year."})
    assert response.status_code == 400 and "The form expired" in response.get_data(as_text=True)
    response = client.post("/editor/claims/new", data={"csrf_token": "forged", "text": "Taxes rose by 40 percent."})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Claim)) == before


def test_new_claim_takes_its_language_from_the_form_or_detects_it(app, newsroom):
    client = login(app)
    token = AuthActions(client).csrf_token("/editor/claims/new")
    given = client.post("/editor/claims/new", data={"csrf_token": token, "lang": "es-AR",
                                                    "text": "El gobierno subió los impuestos a la gasolina."})
    detected = client.post("/editor/claims/new", data={"csrf_token": token,
                                                       "text": "Вакцина от коронавируса содержит микрочип, который следит за людьми"})
    bad = client.post("/editor/claims/new", data={"csrf_token": token, "lang": "Spanish!!",
                                                  "text": "El gobierno subió los impuestos."})
    assert given.status_code == detected.status_code == 302
    assert bad.status_code == 422 and "Give a language code such as en, es or pt-BR" in bad.get_data(as_text=True)
    with app.app_context():
        spanish = db.session.get(Claim, int(given.headers["Location"].rsplit("/", 1)[1]))
        russian = db.session.get(Claim, int(detected.headers["Location"].rsplit("/", 1)[1]))
        assert spanish.lang == "es" and "gobiern" in spanish.search_terms.split()
        assert russian.lang == "ru" and "микрочип" in russian.search_terms.split()
        assert check_index(db.session).ok

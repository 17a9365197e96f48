"""The read-only JSON API v1: claims with filters and cursors, claim detail, speakers, match, rate limit, OpenAPI.

Runs on SQLite and PostgreSQL with the newsroom of test_public (published claims beside drafts, verdicts in
review, an unpublished verdict, a merged claim, comments and candidates).
"""

from __future__ import annotations

import pytest

from . import test_public
from .test_public import CARS, MOON, MOON_PARAPHRASE, WATER, assert_private

# test_public's newsroom fixture, shared: a name pytest finds in this module (an import of it would be "unused")
newsroom = test_public.newsroom

PUBLISHED = ("p1", "p2", "p3", "x1", "w1")


def walk(client, path: str) -> list[dict]:
    """Every item of a cursor-paginated list."""
    items, seen_cursors = [], set()
    url = path
    while True:
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        data = response.get_json()
        key = "claims" if "claims" in data else "speakers"
        items += data[key]
        if not data["next_cursor"]:
            return items
        assert data["next_cursor"] not in seen_cursors
        seen_cursors.add(data["next_cursor"])
        url = f"{path}{'&' if '?' in path else '?'}cursor={data['next_cursor']}"


def test_claims_list_with_cursor_pagination(client, newsroom):
    claims = walk(client, "/api/v1/claims?limit=2")
    ids = [c["id"] for c in claims]
    assert ids == sorted({newsroom[k] for k in PUBLISHED}, reverse=True)  # newest first, no repeats, all there
    cars = next(c for c in claims if c["id"] == newsroom["w1"])
    assert cars["text"] == CARS
    assert cars["url"].startswith(f"http://localhost/claims/{newsroom['w1']}-electric-cars")
    assert cars["api_url"] == f"http://localhost/api/v1/claims/{newsroom['w1']}"
    assert cars["speaker"]["name"] == "Car Columnist"
    assert cars["verdict"] == {
        "rating": "false", "label": "False", "rating_value": 2, "best_rating": 6, "worst_rating": 1,
        "summary": "Over their lifetime electric cars emit less than petrol cars.",
        "published_at": cars["verdict"]["published_at"],
    }
    one_page = client.get("/api/v1/claims").get_json()
    assert len(one_page["claims"]) == 5 and one_page["next_cursor"] is None


def test_claims_list_filters(client, newsroom):
    def texts(query: str) -> set[str]:
        response = client.get("/api/v1/claims?" + query)
        assert response.status_code == 200, response.get_json()
        return {c["text"] for c in response.get_json()["claims"]}

    assert texts("verdict=mostly-false") == {WATER}
    assert MOON in texts("speaker=Moon+Skeptic") and WATER not in texts("speaker=Moon+Skeptic")
    assert texts(f"speaker={newsroom['moon_speaker']}") == texts("speaker=moon%20skeptic")
    assert WATER in texts(f"topic={newsroom['health']}") and MOON not in texts(f"topic={newsroom['health']}")
    assert texts("since=2020-01-01&until=2020-12-31") == {"Eating carrots lets people see in complete darkness."}
    assert client.get("/api/v1/claims?speaker=Hidden+Speakerperson").status_code == 404


def test_claim_detail(client, newsroom):
    response = client.get(f"/api/v1/claims/{newsroom['w1']}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["text"] == CARS
    assert data["verdict"]["label"] == "False"
    assert "<strong>lower</strong>" in data["verdict"]["explanation_html"]
    assert data["verdict"]["sources"][0]["url"] == "https://science.example/lca"
    assert data["verdict"]["corrections"][0]["note"] == "Corrected the battery figure in the second paragraph."
    assert set(data["verdict"]["corrections"][0]) == {"note", "date"}  # never who wrote it
    assert data["appearances"][0]["url"] == "https://news.example/cars"
    assert data["claim_review"]["@type"] == "ClaimReview"
    assert data["topics"] == [{"id": data["topics"][0]["id"], "name": "Energy"}]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_claim_detail_for_merged_unpublished_and_unknown(client, newsroom):
    merged = client.get(f"/api/v1/claims/{newsroom['m1']}")
    assert merged.status_code == 301
    assert merged.headers["Location"] == f"http://localhost/api/v1/claims/{newsroom['p1']}"
    for key in ("d1", "r1", "u1"):
        response = client.get(f"/api/v1/claims/{newsroom[key]}")
        assert response.status_code == 404
        assert response.get_json() == {"error": f"There is no published fact-check with id {newsroom[key]}.",
                                       "status": 404}
    assert client.get("/api/v1/claims/424242").status_code == 404
    huge = client.get("/api/v1/claims/" + "9" * 30)
    assert huge.status_code == 404 and huge.is_json


def test_speakers(client, newsroom):
    speakers = walk(client, "/api/v1/speakers?limit=1")
    names = {s["name"] for s in speakers}
    assert names == {"Moon Skeptic", "Wellness Blogger", "Markup Tester", "Car Columnist"}
    detail = client.get(f"/api/v1/speakers/{newsroom['moon_speaker']}").get_json()
    assert detail["scorecard"]["total"] == 2
    counts = {row["label"]: row["count"] for row in detail["scorecard"]["verdicts"]}
    assert counts["Pants on fire"] == 1 and counts["False"] == 1 and counts["True"] == 0
    for key in ("hidden_speaker", "review_speaker"):
        assert client.get(f"/api/v1/speakers/{newsroom[key]}").status_code == 404


def test_match_finds_published_claims_only(client, newsroom):
    response = client.get("/api/v1/match", query_string={"text": MOON_PARAPHRASE})
    assert response.status_code == 200
    matches = response.get_json()["matches"]
    assert matches[0]["id"] == newsroom["p1"] and 0 < matches[0]["score"] <= 100
    posted = client.post("/api/v1/match", json={"text": MOON_PARAPHRASE, "limit": 1})
    assert posted.status_code == 200 and [m["id"] for m in posted.get_json()["matches"]] == [newsroom["p1"]]
    for text in ("SECRETDRAFT wind turbines cause cancer in nearby residents",
                 "SECRETREVIEW the city budget tripled in one single year"):
        body = client.post("/api/v1/match", json={"text": text}).get_json()
        assert body["matches"] == []


@pytest.mark.parametrize("method, path, kwargs, code, message", [
    ("get", "/api/v1/match", {}, 400, "Send the text to match in the 'text' field."),
    ("get", "/api/v1/match?text=%00%01%02", {}, 400, "only control characters"),
    ("get", "/api/v1/match?text=" + "x" * 10_240, {}, 400, "the limit is 2,000"),
    ("post", "/api/v1/match", {"data": "not json", "content_type": "application/json"}, 400, "Send a JSON object"),
    ("post", "/api/v1/match", {"json": ["a list"]}, 400, "Send a JSON object"),
    ("post", "/api/v1/match", {"json": {"text": 5}}, 400, "'text' field"),
    ("post", "/api/v1/match", {"json": {"text": "moon", "limit": 0}}, 400, "limit must be"),
    ("post", "/api/v1/match", {"json": {"text": "\x00" * 10_240}}, 400, "only control characters"),
    ("get", "/api/v1/claims?limit=abc", {}, 400, "limit must be a whole number from 1 to 100."),
    ("get", "/api/v1/claims?limit=1000", {}, 400, "limit must be"),
    ("get", "/api/v1/claims?cursor=garbage!!", {}, 400, "The cursor is not one this API gave out"),
    ("get", "/api/v1/claims?cursor=djI6MTA", {}, 400, "The cursor is not one this API gave out"),
    ("get", "/api/v1/claims?verdict=nonsense", {}, 400, "verdict:"),
    ("get", "/api/v1/claims?since=2020-02-30", {}, 400, "since:"),
    ("get", "/api/v1/claims?topic=-3", {}, 400, "topic:"),
    ("get", "/api/v1/speakers/" + "9" * 30, {}, 404, "There is no page at this address"),   # beyond any id
    ("get", "/api/v1/speakers?cursor=%ff%fe", {}, 400, "The cursor"),
    ("get", "/api/v1/nothing-here", {}, 404, "There is no such API endpoint"),
    ("delete", "/api/v1/claims/1", {}, 404, "There is no such API endpoint"),
])
def test_bad_input_gets_json_4xx(client, newsroom, method, path, kwargs, code, message):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == code
    body = response.get_json()
    assert body["status"] == code and message in body["error"], body


def test_rate_limit(app, client, newsroom):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert client.get("/api/v1/claims?limit=1").status_code == 200
    response = client.get("/api/v1/claims?limit=1")
    assert response.status_code == 429
    assert response.get_json() == {
        "error": "Too many requests: this API allows 3 per 1 minute per client. Wait and try again.", "status": 429,
    }
    assert client.post("/api/v1/match", json={"text": "moon"}).status_code == 429
    assert client.get("/").status_code == 200  # the pages are not the API


def test_openapi_document_describes_every_endpoint(app, client, newsroom):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.") and doc["servers"] == [{"url": "http://localhost/api/v1"}]
    assert app.config["API_RATE_LIMIT"] in doc["info"]["description"]  # the configured limit, not a constant
    routes = {
        (rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace(">", "}"), method.lower())
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.") and rule.endpoint != "api.unknown"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert routes - documented == set()
    for item in doc["paths"].values():
        for operation in item.values():
            assert operation["responses"] and operation["summary"]
    assert_private(response.get_data(as_text=True), "openapi")

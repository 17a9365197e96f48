"""The public side: claim pages with ClaimReview JSON-LD, search, speakers, topics, feeds, sitemaps, and privacy.

Every test runs on SQLite and PostgreSQL.  The newsroom fixture builds, through the real import and the
real workflow services, published claims next to a draft, a verdict in review, an unpublished verdict,
a merged claim, comments, an assigned editor and dismissed and pending candidates: the tests check that
only the published ones are ever shown.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date

import feedparser
import pytest
from sqlalchemy import func, select

from claimtrack.db import db
from claimtrack.interchange import claimreview_feed
from claimtrack.models import (
    Stance,
    Appearance,
    AppearanceStatus,
    Claim,
    Speaker,
    Topic,
    User,
    Verdict,
    VerdictStatus,
)

from .helpers import AuthActions, make_user

# Strings that exist only in non-public places: none may ever be served.
SECRETS = (
    "SECRETDRAFT", "SECRETREVIEW", "SECRETUNPUB", "SECRETCOMMENT", "SECRETDISMISSED", "SECRETPENDING", "SECRETDISPUTES",
    "SECRETNOTE", "edwina_secretname", "rita_secretname", "admin_secretname", "Hidden Speakerperson",
    "Reviewonly Personname", "SECRETINREVIEWSUMMARY", "SECRETDRAFTSUMMARY",
)

MOON = "The moon landing in 1969 was staged in a film studio."
MOON_PARAPHRASE = "they faked the 1969 moon landing in a studio"
CARS = "Electric cars produce more lifetime emissions than petrol cars."
WATER = "Drinking eight glasses of water a day is required for good health."

EARLIER = [
    {"id": "p1", "text": MOON, "speaker": "Moon Skeptic", "verdict": "pants-fire", "topics": ["Space"],
     "date": "2019-05-01", "url": "https://archive.example/moon"},
    {"id": "p2", "text": WATER, "speaker": "Wellness Blogger", "verdict": "mostly-false", "topics": ["Health"],
     "date": "stated on March 3, 2021 in a video:"},
    {"id": "p3", "text": "Eating carrots lets people see in complete darkness.", "speaker": "Moon Skeptic",
     "verdict": "false", "topics": ["Health"], "date": "2020-02-02"},
    {"id": "m1", "text": "Nobody ever landed on the moon in 1969; it was filmed in a studio.",
     "speaker": "Moon Skeptic", "verdict": "false"},
    {"id": "x1", "text": "A speech said </script><script>alert('x')</script> & more <b>bold</b>.",
     "speaker": "Markup Tester", "verdict": "half-true"},
    {"id": "d1", "text": "SECRETDRAFT wind turbines cause cancer in nearby residents.",
     "speaker": "Hidden Speakerperson", "topics": ["SECRETDRAFT topic"]},
    {"id": "r1", "text": "SECRETREVIEW the city budget tripled in one single year.",
     "speaker": "Reviewonly Personname"},
    {"id": "u1", "text": "SECRETUNPUB bridges rust faster in winter than in summer.", "speaker": "Hidden Speakerperson"},
    {"id": "w1", "text": CARS, "speaker": "Car Columnist", "topics": ["Energy"]},
]


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _claim(external_id: str) -> Claim:
    return db.session.scalar(select(Claim).where(Claim.external_id == external_id))


@pytest.fixture
def newsroom(app, runner, tmp_path):
    """Published, draft, in-review, unpublished and merged claims with comments and candidates; ids by key."""
    from claimtrack.services import verdicts as wf
    from claimtrack.services.articles import store_article
    from claimtrack.services.merge import merge_claims

    path = tmp_path / "earlier.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in EARLIER))
    result = runner.invoke(args=["claims", "import", str(path)])
    assert result.exit_code == 0, result.output
    make_user(app, "edwina_secretname", "editor")
    make_user(app, "rita_secretname", "reviewer")
    make_user(app, "admin_secretname", "admin")
    with app.app_context():
        scale = app.extensions["verdict_scale"]
        editor, reviewer, admin = _user("edwina_secretname"), _user("rita_secretname"), _user("admin_secretname")

        def write(key: str, rating: str, summary: str, explanation: str | None = None, **extra) -> Verdict:
            verdict = wf.get_or_open_verdict(db.session, _claim(key))
            extra.setdefault("sources", [wf.SourceInput(url="https://example.org/evidence", title="The evidence")])
            data = wf.VerdictInput(rating=rating, summary=summary, explanation=explanation or "See the evidence.",
                                   **extra)
            wf.save_verdict(db.session, verdict, data,
                            editor, None, scale)
            return verdict

        # A draft with a comment and an assigned editor.
        draft = write("d1", "false", "SECRETDRAFTSUMMARY turbines do not cause cancer.")
        wf.assign(db.session, draft, editor, editor)
        wf.add_comment(db.session, _claim("d1"), "SECRETCOMMENT check the turbine study", editor)
        # A verdict waiting for review.
        review = write("r1", "mostly-false", "SECRETINREVIEWSUMMARY the budget grew by a third.")
        wf.change_status(db.session, review, "submit", editor, None)
        # Published, then unpublished with a note.
        gone = write("u1", "true", "Bridges do rust faster in winter.")
        wf.change_status(db.session, gone, "submit", editor, None)
        wf.change_status(db.session, gone, "approve", reviewer, None)
        wf.change_status(db.session, gone, "unpublish", reviewer, None, note="SECRETNOTE pulled for a recheck")
        # Published through the workflow, then corrected; with sources, a comment and candidates.
        cars = write(
            "w1", "false", "Over their lifetime electric cars emit less than petrol cars.",
            explanation="Studies find **lower** lifetime emissions. <script>alert(1)</script>",
            sources=[wf.SourceInput(url="https://science.example/lca", title="Life-cycle study",
                                    publisher="Science Org", accessed_on=date(2024, 1, 5))],
        )
        wf.change_status(db.session, cars, "submit", editor, None)
        wf.change_status(db.session, cars, "approve", reviewer, None)
        write("w1", "false", "Over their lifetime electric cars emit less than petrol cars.",
              explanation="Studies find **lower** lifetime emissions.",
              sources=[wf.SourceInput(url="https://science.example/lca", title="Life-cycle study")],
              correction_note="Corrected the battery figure in the second paragraph.")
        wf.change_status(db.session, cars, "approve_correction", reviewer, None)   # four eyes on the correction
        wf.add_comment(db.session, _claim("w1"), "SECRETCOMMENT on a published claim", editor)
        article, _ = store_article(
            db.session, "A columnist wrote that electric cars pollute more. SECRETDISMISSED. SECRETPENDING.",
            title="Are electric cars cleaner?", url="https://news.example/cars", publisher="Daily Example",
            published_on=date(2023, 6, 1),
        )
        db.session.flush()
        db.session.add_all([
            Appearance(claim_id=_claim("w1").id, article_id=article.id, position=0, status=AppearanceStatus.LINKED,
                       stance=Stance.REPEATS, sentence="Electric cars pollute more than petrol cars over their life."),
            # a rebuttal linked to the claim it disputes: never "where it was said"
            Appearance(claim_id=_claim("w1").id, article_id=article.id, position=3, status=AppearanceStatus.LINKED,
                       stance=Stance.DISPUTES, sentence="SECRETDISPUTES electric cars do not pollute more."),
            Appearance(claim_id=None, article_id=article.id, position=1, status=AppearanceStatus.DISMISSED,
                       sentence="SECRETDISMISSED the columnist also said the sky is green."),
            Appearance(claim_id=None, article_id=article.id, position=2, status=AppearanceStatus.PENDING,
                       sentence="SECRETPENDING a sentence nobody decided on."),
        ])
        merge_claims(db.session, _claim("m1"), _claim("p1"), admin, "Checked twice; one page now.")
        db.session.commit()
        ids = {key: _claim(key).id for key in ("p1", "p2", "p3", "m1", "x1", "d1", "r1", "u1", "w1")}
        ids["hidden_speaker"] = _claim("d1").speaker_id
        ids["review_speaker"] = _claim("r1").speaker_id
        ids["moon_speaker"] = _claim("p1").speaker_id
        ids["secret_topic"] = db.session.scalar(select(Topic.id).where(Topic.name == "SECRETDRAFT topic"))
        ids["health"] = db.session.scalar(select(Topic.id).where(Topic.name == "Health"))
        return ids


def canonical(client, claim_id: int) -> str:
    response = client.get(f"/claims/{claim_id}")
    assert response.status_code == 301
    return response.headers["Location"]


def jsonld(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def text_of(response) -> str:
    return response.get_data(as_text=True)


def assert_private(body: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in body, f"{secret!r} leaked in {where}"


# --- claim page -----------------------------------------------------------------------------------------------


def test_claim_page_shows_the_verdict_with_claimreview_jsonld(app, client, newsroom):
    location = canonical(client, newsroom["w1"])
    assert re.fullmatch(rf"/claims/{newsroom['w1']}-electric-cars-produce-more-lifetime-emissions[a-z-]*", location)
    response = client.get(location)
    assert response.status_code == 200
    html = text_of(response)
    assert CARS in html
    assert '<span class="badge v-false">False</span>' in html  # the label in words, not colour alone
    assert "Over their lifetime electric cars emit less than petrol cars." in html
    assert "<strong>lower</strong>" in html and "<script>alert(1)</script>" not in html
    assert "Life-cycle study" in html and "https://science.example/lca" in html
    assert "Corrected the battery figure in the second paragraph." in html
    assert "Published <time" in html and "Updated <time" in html
    assert "https://news.example/cars" in html and "Daily Example" in html
    assert 'property="og:title"' in html and 'property="og:url"' in html and 'property="og:description"' in html
    assert '<link rel="canonical" href="http://localhost' + location + '">' in html

    review = jsonld(html)
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["claimReviewed"] == CARS
    assert review["url"] == "http://localhost" + location
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", review["datePublished"])
    assert review["author"] == {"@type": "Organization", "name": app.config["PUBLISHER_NAME"],
                                "url": app.config["PUBLISHER_URL"]}
    rating = review["reviewRating"]
    assert rating == {"@type": "Rating", "alternateName": "False", "ratingValue": 2, "bestRating": 6, "worstRating": 1}
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["author"] == {"@type": "Person", "name": "Car Columnist"}
    assert item["datePublished"] == "2023-06-01"  # first appearance, as the claim has no date of its own
    assert item["appearance"][0]["url"] == "https://news.example/cars"
    assert "dateModified" in review


def test_imported_claim_page_and_jsonld(client, newsroom):
    html = text_of(client.get(canonical(client, newsroom["p2"])))
    review = jsonld(html)
    assert review["claimReviewed"] == WATER
    assert review["reviewRating"]["alternateName"] == "Mostly false"
    assert review["reviewRating"]["ratingValue"] == 3
    assert review["itemReviewed"]["datePublished"] == "2021-03-03"
    assert review["itemReviewed"]["author"]["name"] == "Wellness Blogger"
    assert "stated on March 3, 2021" not in html or "2021" in html
    assert '<span class="badge v-mostly-false">Mostly false</span>' in html


def test_jsonld_cannot_break_out_of_its_script(client, newsroom):
    html = text_of(client.get(canonical(client, newsroom["x1"])))
    assert "</script><script>alert" not in html
    review = jsonld(html)
    assert review["claimReviewed"] == "A speech said </script><script>alert('x')</script> & more <b>bold</b>."


def test_slugs_and_merges_redirect_to_the_canonical_url(client, newsroom):
    good = canonical(client, newsroom["p1"])
    for path in (f"/claims/{newsroom['p1']}", f"/claims/{newsroom['p1']}-old-wording",
                 f"/claims/{newsroom['p1']}-the-moon-landing%20x"):
        response = client.get(path)
        assert response.status_code == 301 and response.headers["Location"] == good
    merged = client.get(f"/claims/{newsroom['m1']}-nobody-ever-landed")
    assert merged.status_code == 301 and merged.headers["Location"] == good
    assert client.get(good).status_code == 200


@pytest.mark.parametrize("key", ["d1", "r1", "u1"])
def test_unpublished_claims_have_no_page(client, newsroom, key):
    for path in (f"/claims/{newsroom[key]}", f"/claims/{newsroom[key]}-anything"):
        response = client.get(path)
        assert response.status_code == 404
        assert "There is no published fact-check at this address." in text_of(response)
        assert_private(text_of(response), path)


# --- home and search ------------------------------------------------------------------------------------------


def test_home_lists_latest_published_verdicts(client, newsroom):
    response = client.get("/")
    assert response.status_code == 200
    html = text_of(response)
    assert "Latest fact-checks" in html
    for text in (CARS, WATER):
        assert text in html
    assert "Nobody ever landed on the moon" not in html  # merged away
    assert_private(html, "/")
    assert 'role="search"' in html and 'name="q"' in html
    assert "<script" not in html.replace('<script type="application/ld+json">', "")


def test_search_finds_a_paraphrase_of_a_published_claim(client, newsroom):
    html = text_of(client.get("/", query_string={"q": MOON_PARAPHRASE}))
    assert "Fact-checks that match your search" in html
    assert MOON in html
    first = re.search(r'<h3 class="claim-card-text"><a href="([^"]+)">', html).group(1)
    assert first == canonical(client, newsroom["p1"])


def test_search_never_shows_unpublished_claims(client, newsroom):
    for text in ("SECRETDRAFT wind turbines cause cancer in nearby residents",
                 "SECRETREVIEW the city budget tripled in one single year",
                 "SECRETUNPUB bridges rust faster in winter than in summer"):
        html = text_of(client.get("/", query_string={"q": text}))
        assert "We found no published fact-check" in html
        assert_private(html.replace(text, ""), f"search for {text}")


def test_filters_by_verdict_speaker_topic_and_date(client, newsroom):
    def listed(**args) -> str:
        response = client.get("/", query_string=args)
        assert response.status_code == 200
        return text_of(response)

    html = listed(verdict="mostly-false")
    assert WATER in html and CARS not in html
    html = listed(speaker="moon skeptic")
    assert MOON in html and "carrots" in html and WATER not in html
    html = listed(speaker=str(newsroom["moon_speaker"]))
    assert MOON in html and WATER not in html
    html = listed(topic=str(newsroom["health"]))
    assert WATER in html and "carrots" in html and MOON not in html
    html = listed(since="2020-01-01", until="2020-12-31")
    assert "carrots" in html and MOON not in html and WATER not in html
    html = listed(q=MOON_PARAPHRASE, verdict="false")
    assert MOON not in html
    html = listed(speaker="Hidden Speakerperson")
    assert "No speaker found" in html


def test_pagination(app, client, newsroom):
    app.config["PUBLIC_PAGE_SIZE"] = 2
    first = text_of(client.get("/"))
    assert 'rel="next" href="/?page=2"' in first and 'rel="prev"' not in first
    second = client.get("/?page=2")
    assert second.status_code == 200 and 'rel="prev" href="/?page=1"' in text_of(second)
    third = text_of(client.get("/?page=3"))  # five published claims: 2 + 2 + 1
    assert 'rel="next"' not in third
    assert client.get("/?page=4").status_code == 404
    filtered = text_of(client.get("/?topic=%d" % newsroom["health"]))
    assert 'rel="next"' not in filtered and "carrots" in filtered


# --- speakers and topics --------------------------------------------------------------------------------------


def test_speaker_page_with_accessible_scorecard(client, newsroom):
    listing = text_of(client.get("/speakers"))
    assert "Moon Skeptic" in listing and "Car Columnist" in listing
    assert_private(listing, "/speakers")
    redirect = client.get(f"/speakers/{newsroom['moon_speaker']}")
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == f"/speakers/{newsroom['moon_speaker']}-moon-skeptic"
    html = text_of(client.get(redirect.headers["Location"]))
    assert MOON in html and "carrots" in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "Moon Skeptic: 2 published verdicts." in svg
    assert ">Pants on fire</text>" in svg and ">False</text>" in svg and ">True</text>" in svg
    assert ">1 (50%)</text>" in svg and ">0 (0%)</text>" in svg  # numbers as text, not colour alone


@pytest.mark.parametrize("key", ["hidden_speaker", "review_speaker"])
def test_speakers_with_only_unpublished_claims_have_no_page(client, newsroom, key):
    response = client.get(f"/speakers/{newsroom[key]}-x")
    assert response.status_code == 404
    assert_private(text_of(response), "speaker 404")


def test_topic_pages(client, newsroom):
    html = text_of(client.get("/topics"))
    assert "Health" in html and "Space" in html and "Energy" in html
    assert_private(html, "/topics")
    health = text_of(client.get(f"/topics/{newsroom['health']}-health"))
    assert WATER in health and "carrots" in health and CARS not in health
    assert client.get(f"/topics/{newsroom['health']}").status_code == 301
    assert client.get(f"/topics/{newsroom['secret_topic']}-x").status_code == 404


# --- feeds ----------------------------------------------------------------------------------------------------


def test_atom_feed_parses(client, newsroom):
    response = client.get("/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    titles = [entry.title for entry in feed.entries]
    assert f"False: {CARS}" in titles and f"Mostly false: {WATER}" in titles
    cars = next(e for e in feed.entries if e.title == f"False: {CARS}")
    assert cars.link == "http://localhost" + canonical(client, newsroom["w1"])
    assert len(titles) == 5  # p1, p2, p3, x1, w1
    assert_private(text_of(response), "/feed.atom")


def test_sitemaps_list_published_claims_only(client, newsroom):
    index = text_of(client.get("/sitemap.xml"))
    assert "http://localhost/sitemaps/pages.xml" in index and "http://localhost/sitemaps/claims-0.xml" in index
    pages = text_of(client.get("/sitemaps/pages.xml"))
    assert f"/speakers/{newsroom['moon_speaker']}-moon-skeptic" in pages
    assert f"/speakers/{newsroom['hidden_speaker']}-" not in pages
    claims = text_of(client.get("/sitemaps/claims-0.xml"))
    for key in ("p1", "p2", "p3", "x1", "w1"):
        assert "http://localhost" + canonical(client, newsroom[key]) in claims
    for key in ("d1", "r1", "u1", "m1"):
        assert f"/claims/{newsroom[key]}-" not in claims
    assert client.get("/sitemaps/claims-7.xml").status_code == 404
    assert_private(index + pages + claims, "sitemaps")


def test_claimreview_data_feed_imports_back(app, client, runner, newsroom, tmp_path, sqlite_template):
    response = client.get("/claimreview.json")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert_private(body, "/claimreview.json")
    feed = json.loads(body)
    assert feed["@type"] == "DataFeed"
    # The streamed feed is the very document interchange.claimreview_feed builds from the same elements.
    assert json.loads(claimreview_feed(feed["dataFeedElement"])) == feed
    elements = {e["claimReviewed"]: e for e in feed["dataFeedElement"]}
    assert set(elements) == {MOON, WATER, CARS, "Eating carrots lets people see in complete darkness.",
                             EARLIER[4]["text"]}
    assert elements[CARS]["reviewRating"]["alternateName"] == "False"
    assert elements[MOON]["identifier"] == "p1" and elements[MOON]["keywords"] == "Space"

    path = tmp_path / "claimreview.json"
    path.write_text(body)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Claim))
    result = runner.invoke(args=["claims", "import", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Claim)) == before  # same ids: updated
        assert db.session.scalar(select(Verdict.status).join(Claim).where(Claim.external_id == "d1")) \
            == VerdictStatus.DRAFT

    from claimtrack import create_app

    from .helpers import config_for

    fresh = tmp_path / "fresh.sqlite"
    shutil.copy(sqlite_template, fresh)
    other = create_app(config_for(f"sqlite:///{fresh}"))
    result = other.test_cli_runner().invoke(args=["claims", "import", str(path)])
    assert result.exit_code == 0, result.output
    with other.app_context():
        rows = db.session.execute(select(Claim.text, Verdict.rating, Speaker.name).join(Verdict)
                                  .outerjoin(Speaker, Speaker.id == Claim.speaker_id)).all()
        assert {(r.text, r.rating, r.name) for r in rows} >= {(CARS, "false", "Car Columnist"),
                                                              (MOON, "pants-fire", "Moon Skeptic")}
        assert len(rows) == 5
        db.engine.dispose()


# --- privacy across everything public -------------------------------------------------------------------------


def test_nothing_private_leaks_anywhere(client, newsroom):
    paths = ["/", "/speakers", "/topics", "/feed.atom", "/sitemap.xml", "/sitemaps/pages.xml",
             "/sitemaps/claims-0.xml", "/claimreview.json", "/api/v1/claims?limit=100", "/api/v1/speakers?limit=100",
             "/api/v1/topics", "/api/v1/openapi.json", "/?q=wind+turbines+cause+cancer",
             "/?q=city+budget+tripled", "/api/v1/match?text=wind+turbines+cause+cancer+nearby",
             "/api/v1/match?text=city+budget+tripled+in+one+year", "/api/v1/match?text=bridges+rust+faster+winter"]
    for key in ("p1", "p2", "p3", "x1", "w1"):
        paths += [canonical(client, newsroom[key]), f"/api/v1/claims/{newsroom[key]}"]
    for key in ("d1", "r1", "u1"):
        paths += [f"/claims/{newsroom[key]}", f"/api/v1/claims/{newsroom[key]}"]
    speakers = client.get("/api/v1/speakers?limit=100").get_json()["speakers"]
    for speaker in speakers:
        paths += [speaker["api_url"].removeprefix("http://localhost"), speaker["url"].removeprefix("http://localhost")]
    for topic in client.get("/api/v1/topics").get_json()["topics"]:
        paths += [topic["url"].removeprefix("http://localhost"), topic["claims_url"].removeprefix("http://localhost")]
    paths += [f"/speakers/{newsroom['hidden_speaker']}", f"/api/v1/speakers/{newsroom['hidden_speaker']}",
              f"/api/v1/claims?speaker={newsroom['hidden_speaker']}"]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        body = text_of(response)
        assert_private(body, path)
    posted = client.post("/api/v1/match", json={"text": "SECRETDRAFT wind turbines cause cancer"})
    assert posted.status_code == 200 and posted.get_json()["matches"] == []


# --- bad input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path, code, message", [
    ("/claims/999999", 404, "There is no published fact-check at this address."),
    ("/claims/99999999999999999999999999", 404, "There is no page at this address."),
    ("/claims/abc", 404, "There is no page at this address."),
    ("/claims/-1", 404, "There is no page at this address."),
    ("/speakers/999999-nobody", 404, "There is no speaker"),
    ("/topics/999999", 404, "There is no topic"),
    ("/?page=abc", 400, "The page must be a whole number"),
    ("/?page=0", 400, "The page must be a whole number"),
    ("/?page=" + "9" * 40, 400, "The page must be a whole number"),
    ("/?page=123456789", 404, "lists stop at page 500"),
    ("/?page=50", 404, "There is no page 50 of this list."),
    ("/speakers?page=x", 400, "The page must be a whole number"),
    ("/speakers?page=400", 404, "There is no page 400 of speakers."),
    ("/?verdict=bogus", 400, "is not a verdict on our scale"),
    ("/?topic=abc", 400, "There is no such topic"),
    ("/?topic=99999", 400, "There is no such topic"),
    ("/?since=2020-13-45", 400, "is not a date: use the form 2024-05-31"),
    ("/?since=yesterday", 400, "is not a date"),
    ("/?since=2021-01-01&until=2020-01-01", 400, "The second date is before the first."),
    ("/?q=%00%01%02%1b%7f", 400, "Type some words to search for."),
    ("/?q=%ff%fe%fd", 200, "Fact-checks that match your search"),
    ("/?q=moon%00landing%01studio", 200, "Fact-checks that match your search"),
    ("/?q=" + "moon+" * 2100, 400, "the limit is 2,000"),
    ("/?q=a&q=b&page=1&page=x", 200, "Fact-checks that match your search"),
    ("/?%zz=%%%&q=%", 200, "Fact-checks"),
    ("/sitemaps/claims-99999999999.xml", 404, "There is no page at this address."),
])
def test_bad_input_gets_a_clear_4xx(client, newsroom, path, code, message):
    response = client.get(path)
    assert response.status_code == code, text_of(response)[:500]
    assert message in text_of(response)
    assert 'class="brand"' in text_of(response)  # error pages wear the site's look


def test_ten_kilobytes_of_control_characters(client, newsroom):
    response = client.get("/", query_string={"q": "\x01\x02\x7f" * 3500})
    assert response.status_code == 400
    assert "Type some words to search for." in text_of(response) or "the limit is" in text_of(response)
    long_words = client.get("/", query_string={"q": "wind " * 2048})
    assert long_words.status_code == 400 and "the limit is 2,000" in text_of(long_words)
    assert 'value="wind wind' in text_of(long_words)  # what the reader typed is kept in the box


def test_json_clients_get_json_errors(client, newsroom):
    response = client.get("/claims/999999", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "There is no published fact-check at this address.", "status": 404}


# --- the header ---------------------------------------------------------------------------------------------


def test_header_public_for_visitors_and_editor_links_for_staff(client, newsroom):
    html = text_of(client.get("/"))
    assert '<a class="brand" href="/">' in html
    for link in ('href="/speakers"', 'href="/topics"', 'href="/login"'):
        assert link in html
    assert 'href="/editor/"' not in html
    auth = AuthActions(client)
    assert auth.login("edwina_secretname").status_code == 302
    html = text_of(client.get("/editor/"))
    for link in ('href="/editor/"', 'href="/editor/claims"', 'href="/editor/articles"', "Log out"):
        assert link in html


def test_searches_are_rate_limited_browsing_is_not(app, client, newsroom):
    app.config["SEARCH_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert client.get("/", query_string={"q": MOON_PARAPHRASE}).status_code == 200
    refused = client.get("/", query_string={"q": MOON_PARAPHRASE})
    assert refused.status_code == 429
    assert "Please wait a minute" in text_of(refused)
    # Reading the latest verdicts and filtering without a search stays open.
    for _ in range(5):
        assert client.get("/").status_code == 200

"""Other fact-checkers' ClaimReviews in, our own out: provenance kept, ratings put on the scale, every shape
fact-checkers publish, re-imports that never rewrite history (issue 17).  Material: tests/fixtures/claimreview."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from claimtrack.db import db
from claimtrack.interchange import Reader, claimreview_elements, claimreview_to_object, detect_format, to_record
from claimtrack.models import AuditEvent, Claim, Correction, ReviewProvenance, Verdict, VerdictRevision
from claimtrack.verdicts import RatingMapper, VerdictScale

from .helpers import FIXTURES
from .http_fixture import ArticleServer, Handler, _send

CR = FIXTURES / "claimreview"
AFP = CR / "afp_factual.json"
AFP_URL = ("https://factual.afp.com/los-motociclistas-pedian-que-cese-la-violencia-contra-granjeros-en-sudafrica-"
           "no-por-donald-trump")


def records(path, fmt: str | None = None):
    rows = list(Reader(str(path), fmt or detect_format(str(path))))
    assert [problem for _, _, problem in rows if problem] == []
    return [to_record(obj) for _, obj, _ in rows]


# --- reading: every shape, without a database -------------------------------------------------------------------


@pytest.mark.parametrize("name,fmt,count", [
    ("afp_factual.json", "claimreview", 1),
    ("reviews.jsonl", "jsonl", 3),           # one review a line, a schema:ClaimReview among them
    ("datacommons.txt", "html", 2),          # one <script> element a line: the Data Commons feed
    ("lemonde_page.html", "html", 2),        # NewsArticle, WebPage and Organization beside two reviews
    ("factcheck_api.json", "claimreview", 2),
    ("claimreview.csv", "csv", 1),
])
def test_every_shape_is_read(name, fmt, count):
    path = CR / name
    assert detect_format(str(path)) == fmt
    found = records(path)
    assert len(found) == count
    assert all(r.review is not None and r.review.url for r in found)


def test_data_commons_lines_also_read_as_jsonl():
    assert len(records(CR / "datacommons.txt", "jsonl")) == 2


def test_provenance_as_given():
    (afp,) = records(AFP)
    assert afp.text == "Motociclistas se arrodillaron y oraron por la salud de Donald Trump"
    assert afp.verdict == "Falso" and afp.speaker == "Fuentes Varias" and afp.claim_date == date(2020, 10, 4)
    review = afp.review
    assert (review.publisher_name, review.publisher_url) == ("Factual", "https://factual.afp.com/")
    assert (review.date_published, review.url) == ("2020-10-07 20:05", AFP_URL)
    assert (review.rating_value, review.best_rating, review.worst_rating) == ("5", "1", "5")
    assert review.item_type == "CreativeWork" and review.item_author_type == "Person"
    (csv_afp,) = records(CR / "claimreview.csv")
    assert csv_afp.external_id == afp.external_id  # the same review, however it came
    assert csv_afp.review.in_language == "es" and csv_afp.review.rating_value == "5"


def test_graph_page_several_claims_one_article_and_headline_fallback():
    first, second = records(CR / "lemonde_page.html")
    assert first.review.url == second.review.url and first.external_id != second.external_id
    assert first.review.publisher_name == "Le Monde"  # the author given by @id, found in the graph
    assert second.text == "L’agression du prêtre date de 2013"
    assert second.notes == ("no claimReviewed: the review's headline stands for the claim",)
    assert first.review.appearance_urls == ("https://www.facebook.com/CorentinFNJ/posts/250959068694828",)


def test_factcheck_tools_api_answer():
    dpa, lead = records(CR / "factcheck_api.json")
    assert dpa.review.publisher_name == "dpa-factchecking.com"
    assert dpa.review.publisher_url == "https://dpa-factchecking.com"
    assert (dpa.verdict, dpa.review.in_language) == ("Die Bilder stammen nicht aus Deutschland.", "de")
    assert dpa.speaker == "Facebook-Nutzer" and dpa.claim_date == date(2020, 6, 25)
    assert lead.review.publisher_name == "Lead Stories" and lead.verdict == "Bad Info"


@pytest.mark.parametrize("kind", ["ClaimReview", "schema:ClaimReview", "http://schema.org/ClaimReview",
                                  "https://schema.org/ClaimReview", ["CreativeWork", "ClaimReview"]])
def test_type_spellings_in_a_list_and_a_feed(kind):
    review = {"@type": kind, "url": "https://example.org/fc", "claimReviewed": "A claim.",
              "reviewRating": {"alternateName": "Faux"}}
    assert claimreview_to_object(review)["text"] == "A claim."
    feed = {"@type": "DataFeed", "dataFeedElement": [{"@type": "DataFeedItem", "item": [review]}, review]}
    assert len(claimreview_elements(feed)) == 2 and len(claimreview_elements([review, review])) == 2


def test_long_urls_and_several_claims_keep_apart():
    url = "https://misbar.ist/ar/fact-check/" + "%D8%AE%D8%A8%D8%B1-" * 30  # percent-encoded Arabic, 600+ chars
    assert len(url) > 200
    ids = {claimreview_to_object({"@type": "ClaimReview", "url": url, "claimReviewed": text})["id"]
           for text in ("ادعاء أول", "ادعاء ثان")}
    assert len(ids) == 2 and all(len(i) <= 200 for i in ids)
    assert to_record(claimreview_to_object({"@type": "ClaimReview", "url": url, "claimReviewed": "x"})).review.url == url


# --- ratings onto the scale -------------------------------------------------------------------------------------

SCALE = VerdictScale.from_config(None)
MAPPER = RatingMapper(SCALE)


@pytest.mark.parametrize("value,best,worst,key", [
    ("5", "1", "5", "pants-fire"),       # AFP Factual's inverted scale: 5 is the worst
    ("3", "5", "1", "half-true"),        # AFP's "Mixto": the middle
    ("1", "2", "0", "half-true"),        # Le Monde's "C'est plus compliqué"
    (0, 2, 0, "pants-fire"),             # Le Monde's "FAUX"
    (1, 6, None, "pants-fire"),          # numbers only, worstRating left to schema.org's default (1)
    (6, 6, 1, "true"),
    ("-1", "-1", "-1", None),            # PolitiFact's article markup: the numbers say nothing
    ("1", None, None, None),             # a value without its scale
    ("high", "5", "1", None),
])
def test_rating_by_numbers(value, best, worst, key):
    level = MAPPER.by_numbers(value, best, worst)
    assert (level.key if level else None) == key


@pytest.mark.parametrize("words,key", [
    *[(w, "false") for w in ("False", "Falso", "FAUX", "Falsch", "Falsk", "Onwaar", "falsa")],
    *[(w, "mostly-false") for w in ("Misleading", "Engañoso", "Enganoso", "Trompeur", "Irreführend", "irrefuhrend")],
    *[(w, "true") for w in ("True", "Verdadeiro", "Verdadero", "Vrai", "Wahr")],
    *[(w, "half-true") for w in ("Mixto", "C’est plus compliqué", "Half true")],
    ("Pants on Fire!", "pants-fire"),
    ("Die Bilder stammen nicht aus Deutschland.", None),
    ("Bad Info", None),
])
def test_rating_by_words(words, key):
    level = MAPPER.level(words)
    assert (level.key if level else None) == key


def test_alias_table_extends_in_config():
    mapper = RatingMapper(SCALE, {"Bad Info": "false", "Sem contexto": "half-true"})
    assert mapper.level("bad info").key == "false" and mapper.level("SEM CONTEXTO").key == "half-true"
    with pytest.raises(ValueError, match="not on the verdict scale"):
        RatingMapper(SCALE, {"Dubious": "dubious"})


# --- through the command line, on both databases ----------------------------------------------------------------


def _provenance(app, external_id):
    with app.app_context():
        return db.session.execute(
            select(Verdict, ReviewProvenance).join(Claim, Claim.id == Verdict.claim_id)
            .join(ReviewProvenance, ReviewProvenance.verdict_id == Verdict.id, isouter=True)
            .where(Claim.external_id == external_id)
        ).one()


def _public_page(client, app, external_id) -> str:
    with app.app_context():
        claim_id = db.session.scalar(select(Claim.id).where(Claim.external_id == external_id))
    response = client.get(f"/claims/{claim_id}", follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_imported_review_stays_its_publishers(app, runner, client, tmp_path):
    result = runner.invoke(args=["claims", "import", str(AFP)])
    assert result.exit_code == 0, result.output
    (afp,) = records(AFP)
    verdict, provenance = _provenance(app, afp.external_id)
    assert (verdict.rating, verdict.rating_text) == ("pants-fire", "Falso")   # by its numbers; its words kept
    assert verdict.published_at.date() == date(2020, 10, 7)                    # not the day of the import
    assert (provenance.publisher_name, provenance.date_published, provenance.url) == (
        "Factual", "2020-10-07 20:05", AFP_URL)
    page = _public_page(client, app, afp.external_id)
    assert re.search(r"Checked by <a href=\"" + re.escape(AFP_URL) + r"\"[^>]*>Factual</a> on "
                     r"<time datetime=\"2020-10-07\">7 October 2020</time>: Falso", page), page
    assert "Our verdict" not in page
    assert 'href="https://www.facebook.com/zoilocnieto/posts/3638208249543989"' in page  # where it was said
    jsonld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1])
    assert jsonld["author"]["name"] == "Factual" and jsonld["datePublished"] == "2020-10-07 20:05"
    assert jsonld["url"] == AFP_URL and jsonld["reviewRating"]["alternateName"] == "Falso"
    with app.app_context():
        claim_id = db.session.scalar(select(Claim.id).where(Claim.external_id == afp.external_id))
    api = client.get(f"/api/v1/claims/{claim_id}").get_json()
    assert api["checked_by"] == {"name": "Factual", "url": "https://factual.afp.com/", "review_url": AFP_URL,
                                 "date_published": "2020-10-07 20:05", "date_modified": None, "language": None}
    # the newsroom's own claim keeps "Our verdict" and the newsroom's name
    own = tmp_path / "own.jsonl"
    own.write_text(json.dumps({"id": "own-1", "text": "Our own checked claim.", "verdict": "False"}) + "\n")
    assert runner.invoke(args=["claims", "import", str(own)]).exit_code == 0
    page = _public_page(client, app, "own-1")
    assert "Our verdict" in page and "Checked by" not in page
    assert _provenance(app, "own-1")[1] is None
    with app.app_context():
        own_id = db.session.scalar(select(Claim.id).where(Claim.external_id == "own-1"))
    assert client.get(f"/api/v1/claims/{own_id}").get_json()["checked_by"] is None


def test_every_fixture_through_the_cli(app, runner, tmp_path):
    outputs = {}
    for name in ("afp_factual.json", "reviews.jsonl", "datacommons.txt", "lemonde_page.html", "factcheck_api.json",
                 "claimreview.csv"):
        result = runner.invoke(args=["claims", "import", str(CR / name)])
        assert result.exit_code == 0, (name, result.output)
        outputs[name] = result.output
    assert "no claimReviewed: the review's headline stands for the claim (1 review(s), first at element 2)" in \
        outputs["lemonde_page.html"]
    assert "rating 'Die Bilder stammen nicht aus Deutschland.' is on no verdict scale" in outputs["factcheck_api.json"]
    assert "(1 new, 0 updated, 1 unchanged)" in outputs["datacommons.txt"]  # AFP's review was imported already
    with app.app_context():
        # 1 + 3 + 1 (Le Monde's FAUX) + 2 + 2; the CSV is AFP's review again
        assert db.session.scalar(select(func.count()).select_from(Claim)) == 9
        assert db.session.scalar(select(func.count()).select_from(ReviewProvenance)) == 9
    # an unknown rating is reported once, whatever its case
    odd = tmp_path / "odd.jsonl"
    odd.write_text("".join(json.dumps({"@type": "ClaimReview", "url": f"https://x.example/{i}",
                                       "claimReviewed": f"Claim {i}.", "reviewRating": {"alternateName": words}})
                           + "\n" for i, words in enumerate(["Not really", "NOT REALLY", "not really"])))
    result = runner.invoke(args=["claims", "import", str(odd)])
    assert result.output.count("is on no verdict scale") == 1 and "(3 claim(s))" in result.output


def test_reimport_never_rewrites_history(app, runner, client, tmp_path):
    assert runner.invoke(args=["claims", "import", str(AFP)]).exit_code == 0
    (afp,) = records(AFP)
    again = runner.invoke(args=["claims", "import", str(AFP)])
    assert "(0 new, 0 updated, 1 unchanged)" in again.output
    verdict, _ = _provenance(app, afp.external_id)
    version = verdict.version
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VerdictRevision)) == 0

    changed = json.loads(AFP.read_text())
    changed["reviewRating"] = {"@type": "Rating", "ratingValue": "1", "bestRating": "1", "worstRating": "5",
                               "alternateName": "Verdadero"}
    changed["dateModified"] = "2020-10-09"
    path = tmp_path / "afp-changed.json"
    path.write_text(json.dumps(changed))
    result = runner.invoke(args=["claims", "import", str(path)])
    assert result.exit_code == 0 and "1 published rating(s) changed by their publisher" in result.output
    verdict, provenance = _provenance(app, afp.external_id)
    assert (verdict.rating, verdict.rating_text, verdict.version) == ("true", "Verdadero", version + 1)
    assert provenance.date_modified == "2020-10-09" and provenance.rating_changed_at is not None
    note = "Updated by Factual on 9 October 2020: the rating changed from “Falso” to “Verdadero”."
    with app.app_context():
        revisions = db.session.scalars(select(VerdictRevision).where(VerdictRevision.verdict_id == verdict.id)
                                       .order_by(VerdictRevision.number)).all()
        assert [(r.number, r.data["rating_text"]) for r in revisions] == [(1, "Falso"), (2, "Verdadero")]
        assert db.session.scalar(select(Correction.note).where(Correction.verdict_id == verdict.id)) == note
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "verdict.reimport"))
        assert event.object_id == verdict.id and event.details["from"] == "Falso" and event.details["by"] == "Factual"
    page = _public_page(client, app, afp.external_id)
    assert "Updated by Factual on <time datetime=\"2020-10-09\">9 October 2020</time>" in page and note in page
    assert "(0 new, 0 updated, 1 unchanged)" in runner.invoke(args=["claims", "import", str(path)]).output


def _empty(app):
    with app.app_context():
        for table in ("review_provenance", "corrections", "verdict_revisions", "audit_events", "claim_topics",
                      "verdicts", "claims", "speakers", "topics"):
            db.session.execute(db.text(f"DELETE FROM {table}"))
        db.session.commit()


def test_export_import_export_of_foreign_and_own_reviews_is_identical(app, runner, tmp_path):
    for path in (AFP, CR / "lemonde_page.html", CR / "factcheck_api.json", CR / "reviews.jsonl",
                 FIXTURES / "claims_sample.jsonl"):
        assert runner.invoke(args=["claims", "import", str(path)]).exit_code == 0
    for fmt, suffix in (("claimreview", "json"), ("jsonl", "jsonl")):
        first, second = tmp_path / f"first.{suffix}", tmp_path / f"second.{suffix}"
        assert runner.invoke(args=["claims", "export", "--format", fmt, str(first)]).exit_code == 0
        _empty(app)
        result = runner.invoke(args=["claims", "import", str(first)])
        assert result.exit_code == 0, result.output
        assert runner.invoke(args=["claims", "export", "--format", fmt, str(second)]).exit_code == 0
        assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")

    reviews = json.loads((tmp_path / "first.json").read_text())["dataFeedElement"]
    ours = app.config["PUBLISHER_NAME"]
    for review in reviews:  # Google's ClaimReview: required, then recommended
        assert review["claimReviewed"] and review["url"] and review["reviewRating"]["alternateName"], review
        assert review["author"].get("name") or review["author"].get("url"), review
        assert review["itemReviewed"]["@type"]
    by_url = {r["url"]: r for r in reviews}
    afp = by_url[AFP_URL]
    assert afp["author"]["name"] == "Factual" and afp["datePublished"] == "2020-10-07 20:05"
    assert afp["reviewRating"] == {"@type": "Rating", "alternateName": "Falso", "ratingValue": 5, "bestRating": 1,
                                   "worstRating": 5}
    assert afp["itemReviewed"] == {"@type": "CreativeWork", "author": {"@type": "Person", "name": "Fuentes Varias"},
                                   "datePublished": "2020-10-04", "appearance": [
                                       {"@type": "CreativeWork",
                                        "url": "https://www.facebook.com/zoilocnieto/posts/3638208249543989"}]}
    own = [r for r in reviews if r["author"].get("name") == ours]
    foreign = [r for r in reviews if r["author"].get("name") != ours]
    assert len(foreign) == 8 and len(own) == len(reviews) - 8 > 0
    # ours carry the scale's numbers (where the rating is on it) and the address of our page
    assert all(r["reviewRating"].get("bestRating") in (6, None) for r in own)
    assert any(r["reviewRating"].get("bestRating") == 6 for r in own)
    assert all(r["url"].startswith(app.config["PUBLISHER_URL"]) or r["url"].startswith("http") for r in own)
    assert not any(r["author"].get("name") == ours for r in foreign)


def test_public_feed_keeps_provenance(runner, client):
    assert runner.invoke(args=["claims", "import", str(AFP)]).exit_code == 0
    feed = client.get("/claimreview.json").get_json(force=True)
    (review,) = feed["dataFeedElement"]
    assert review["author"] == {"@type": "Organization", "name": "Factual", "url": "https://factual.afp.com/"}
    assert review["url"] == AFP_URL and review["datePublished"] == "2020-10-07 20:05"


def test_import_url_and_pull_partner_feeds(app, runner):
    app.config["FETCH_ALLOWED_NETWORKS"] = ["127.0.0.0/8"]
    with ArticleServer() as server:
        Handler.routes["/factchecks.json"] = lambda h: _send(h, (CR / "factcheck_api.json").read_bytes(),
                                                             "application/json")
        Handler.routes["/fact-check.html"] = lambda h: _send(h, (CR / "lemonde_page.html").read_bytes(),
                                                             "text/html; charset=utf-8")
        Handler.routes["/image.png"] = lambda h: _send(h, b"\x89PNG", "image/png")
        result = runner.invoke(args=["claims", "import", server.url("/fact-check.html")])
        assert result.exit_code == 0 and "(2 new, 0 updated, 0 unchanged)" in result.output, result.output
        refused = runner.invoke(args=["claims", "import", server.url("/to-metadata")])
        assert refused.exit_code == 2 and "private or local" in refused.output
        app.config["CLAIMREVIEW_FEEDS"] = [server.url("/factchecks.json"), server.url("/fact-check.html"),
                                           server.url("/image.png")]
        pulled = runner.invoke(args=["claims", "pull"])
        again = runner.invoke(args=["claims", "pull"])
    assert pulled.exit_code == 1  # the image is no feed
    assert f"{server.url('/factchecks.json')}: 2 new, 0 updated, 0 unchanged, 0 skipped" in pulled.output
    assert f"{server.url('/fact-check.html')}: 0 new, 0 updated, 2 unchanged, 0 skipped" in pulled.output
    assert "image/png" in pulled.output
    assert f"{server.url('/factchecks.json')}: 0 new, 0 updated, 2 unchanged, 0 skipped" in again.output


def test_a_review_imported_under_its_url_alone_is_not_duplicated(app, runner, tmp_path):
    """Before reviews were keyed by url and claim, a ClaimReview's id was its url: a re-import finds that claim."""
    (afp,) = records(AFP)
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text(json.dumps({"id": AFP_URL[:200], "text": afp.text, "verdict": "Falso"}) + "\n")
    assert len(AFP_URL) <= 200
    assert runner.invoke(args=["claims", "import", str(earlier)]).exit_code == 0
    result = runner.invoke(args=["claims", "import", str(AFP)])
    assert "(0 new, 1 updated, 0 unchanged)" in result.output, result.output
    verdict, provenance = _provenance(app, AFP_URL)
    assert provenance.publisher_name == "Factual" and verdict.rating_text == "Falso"
    assert verdict.rating == "pants-fire"  # its numbers place it now; the words did not change: no public note
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Correction)) == 0
    assert "(0 new, 0 updated, 1 unchanged)" in runner.invoke(args=["claims", "import", str(AFP)]).output

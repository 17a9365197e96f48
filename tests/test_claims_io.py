"""`flask claims import` / `export` on SQLite and PostgreSQL, through the real command line."""

import json

from sqlalchemy import func, select

from claimtrack.db import db
from claimtrack.models import Claim, Speaker, Topic, Verdict, claim_topics

from .helpers import FIXTURES

SAMPLE = FIXTURES / "claims_sample.jsonl"


def count(app, model_or_table) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model_or_table))


def test_import_is_idempotent_and_links_speakers_verdicts_topics(app, runner):
    result = runner.invoke(args=["claims", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "Imported 32 claim(s) (32 new, 0 updated, 0 unchanged)" in result.output
    assert "unknown field 'context' ignored" in result.output
    assert "rating 'full-flop' is on no verdict scale" in result.output
    again = runner.invoke(args=["claims", "import", str(SAMPLE)])
    assert again.exit_code == 0 and "(0 new, 0 updated, 32 unchanged)" in again.output
    assert count(app, Claim) == 32
    with app.app_context():
        claim = db.session.scalar(select(Claim).where(Claim.external_id == "liar-2635"))
        assert claim.speaker.name == "dwayne bohac"
        assert claim.verdict.rating == "false" and claim.verdict.status.value == "published"
        assert [t.name for t in claim.topics] == ["abortion"]
        barely = db.session.scalar(select(Verdict).where(Verdict.rating_text == "barely-true"))
        assert barely is None or barely.rating == "mostly-false"
        flop = db.session.scalar(select(Verdict).where(Verdict.rating_text == "full-flop"))
        assert flop.rating is None  # kept as the publisher's own rating
        dated = db.session.scalar(select(Claim).where(Claim.date_text.like("stated on%")).limit(1))
        assert dated.claim_date is not None
    assert count(app, claim_topics) == count(app, claim_topics)  # no duplicates after re-import
    assert count(app, Speaker) == len({json.loads(l).get("speaker") for l in SAMPLE.open() if json.loads(l).get("speaker")})


def test_reimport_updates_in_place(app, runner, tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "x1", "text": "Old words.", "verdict": "True", "topics": ["a", "b"]}) + "\n")
    runner.invoke(args=["claims", "import", str(path)])
    path.write_text(json.dumps({"id": "x1", "text": "New words.", "verdict": "barely-true", "topics": ["c"]}) + "\n")
    result = runner.invoke(args=["claims", "import", str(path)])
    assert result.exit_code == 0
    with app.app_context():
        claim = db.session.scalar(select(Claim).where(Claim.external_id == "x1"))
        assert claim.text == "New words."
        assert claim.verdict.rating == "mostly-false" and claim.verdict.version == 2
        assert [t.name for t in claim.topics] == ["c"]
    assert count(app, Claim) == 1 and count(app, Topic) == 3


def test_bad_lines_are_reported_with_numbers_and_skipped(app, runner, tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"id": "ok1", "text": "A fine claim."}\n'
        b"not json at all\n"
        b'{"id": "nt"}\n'
        b'{"id": "enc", "text": "caf\xe9"}\n'
        b'{"id": "ok2", "text": "Another fine claim.", "date": "no date here"}\n'
    )
    result = runner.invoke(args=["claims", "import", str(path)])
    assert result.exit_code == 1
    assert "line 2: not valid JSON" in result.output
    assert "line 3: no 'text'; skipped" in result.output
    assert "line 4: not UTF-8 text" in result.output
    assert "Imported 2 claim(s)" in result.output
    assert count(app, Claim) == 2


def test_strict_rolls_back_the_whole_file(app, runner, tmp_path):
    runner.invoke(args=["claims", "import", str(SAMPLE)])
    path = tmp_path / "strict.jsonl"
    path.write_text('{"id": "liar-2635", "text": "Changed."}\n{"id": "new", "text": "New."}\n[1]\n')
    result = runner.invoke(args=["claims", "import", "--strict", str(path)])
    assert result.exit_code == 2
    assert "line 3: expected a JSON object" in result.output
    assert count(app, Claim) == 32
    with app.app_context():
        assert db.session.scalar(select(Claim.text).where(Claim.external_id == "liar-2635")).startswith("Says the")


def test_unreadable_and_empty_files_exit_2(runner, tmp_path):
    missing = runner.invoke(args=["claims", "import", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    result = runner.invoke(args=["claims", "import", "--format", "claimreview", str(broken)])
    assert result.exit_code == 2 and "not valid JSON" in result.output
    allbad = tmp_path / "allbad.jsonl"
    allbad.write_text("1\n2\n")
    assert runner.invoke(args=["claims", "import", str(allbad)]).exit_code == 2


def test_overlong_line_is_skipped(app, runner, tmp_path):
    app.config["IMPORT_MAX_LINE_BYTES"] = 10_000
    path = tmp_path / "long.jsonl"
    path.write_text('{"id": "a", "text": "' + "word " * 20_000 + '"}\n{"id": "b", "text": "short"}\n')
    result = runner.invoke(args=["claims", "import", str(path)])
    assert result.exit_code == 1 and "line 1: longer than 10,000 bytes" in result.output
    assert count(app, Claim) == 1


def test_export_import_export_is_byte_identical(app, runner, tmp_path):
    assert runner.invoke(args=["claims", "import", str(SAMPLE)]).exit_code == 0
    first = tmp_path / "first.jsonl"
    assert runner.invoke(args=["claims", "export", str(first)]).exit_code == 0
    lines = first.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 32
    # Into an empty database (a new schema built by the same migrations).
    with app.app_context():
        db.session.execute(db.text("DELETE FROM claim_topics"))
        db.session.execute(db.text("DELETE FROM verdicts"))
        db.session.execute(db.text("DELETE FROM claims"))
        db.session.execute(db.text("DELETE FROM speakers"))
        db.session.execute(db.text("DELETE FROM topics"))
        db.session.commit()
    assert runner.invoke(args=["claims", "import", str(first)]).exit_code == 0
    second = tmp_path / "second.jsonl"
    assert runner.invoke(args=["claims", "export", str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_claimreview_export_reads_back(app, runner, tmp_path):
    runner.invoke(args=["claims", "import", str(SAMPLE)])
    feed = tmp_path / "feed.json"
    result = runner.invoke(args=["claims", "export", "--format", "claimreview", str(feed)])
    assert result.exit_code == 0
    data = json.loads(feed.read_text())
    assert data["@type"] == "DataFeed"
    reviews = data["dataFeedElement"]
    rated = [r for r in reviews if r["identifier"] == "liar-2635"][0]
    assert rated["reviewRating"] == {"@type": "Rating", "alternateName": "false", "ratingValue": 2,
                                     "bestRating": 6, "worstRating": 1}
    assert rated["itemReviewed"]["author"]["name"] == "dwayne bohac"
    before = count(app, Claim)
    again = runner.invoke(args=["claims", "import", str(feed)])
    assert again.exit_code == 0, again.output
    assert count(app, Claim) == before


def test_csv_import(app, runner, tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text("id,text,verdict,speaker,date,topics\n"
                    "c1,Crime is at a record high.,Mostly False,A Mayor,\"stated on May 2, 2019 in a speech:\",crime;cities\n"
                    "c2,,True,,,\n", encoding="utf-8")
    result = runner.invoke(args=["claims", "import", str(path)])
    assert result.exit_code == 1 and "line 3: no 'text'" in result.output
    with app.app_context():
        claim = db.session.scalar(select(Claim).where(Claim.external_id == "c1"))
        assert claim.verdict.rating == "mostly-false"
        assert [t.name for t in claim.topics] == ["cities", "crime"]
        assert claim.claim_date.isoformat() == "2019-05-02"

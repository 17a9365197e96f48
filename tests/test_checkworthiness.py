"""The check-worthiness scorer: valid scores, order, a sane ranking, robustness to odd input."""

from __future__ import annotations

import math

import pytest

from claimtrack.extraction import checkworthiness as cw

CLAIM = "Unemployment fell to 3.5 percent last year, the lowest rate in 50 years."
CHITCHAT = "Thank you very much, it's great to be here."

ODD_INPUTS = [
    "",
    " ",
    "\x00\x01\x02\x1b[31m\x7f",
    "x" * 1_000_000,
    "The deficit doubled to $1.2 trillion. " * 30_000,  # about 1 MB of sentence-like text
    "😀🔥🇺🇸 " * 50,
    "失业率去年降至3.5%，为50年来最低。",
    "Безработица снизилась до 3,5 процента.",
    "البطالة انخفضت إلى 3.5 بالمئة",
    "\ud800 lone surrogate",
    "\n\t\r",
    "?" * 10,
    "1" * 5000,
]


def _valid(score: float) -> bool:
    return isinstance(score, float) and math.isfinite(score) and 0.0 <= score <= 1.0


def test_scores_are_in_unit_interval():
    scores = cw.score_sentences([CLAIM, CHITCHAT, "We will win.", "Thank you."])
    assert len(scores) == 4
    assert all(_valid(s) for s in scores)


def test_order_is_preserved():
    sentences = [CHITCHAT, CLAIM, "Hello.", "Crime rose 40 percent in Chicago since 2015."]
    batch = cw.score_sentences(sentences)
    assert batch == [cw.score_sentence(s) for s in sentences]
    assert cw.score_sentences(sentences[::-1]) == batch[::-1]


def test_empty_batch():
    assert cw.score_sentences([]) == []


def test_check_worthy_claim_beats_chitchat():
    assert cw.score_sentence(CLAIM) > cw.score_sentence(CHITCHAT)


@pytest.mark.parametrize("claim, chatter", [
    ("Unemployment fell to 3.5 percent last year, the lowest rate in 50 years.", "Thank you."),
    ("We lost 70,000 factories since China entered the World Trade Organization in 2001.",
     "Good evening, everybody."),
    ("Hillary Clinton wants to raise taxes by $1.3 trillion.", "Let me ask you a question."),
])
def test_claims_outrank_chatter(claim, chatter):
    assert cw.score_sentence(claim) > cw.score_sentence(chatter)


def test_numbers_raise_the_score():
    # The same sentence with a concrete statistic should look more check-worthy.
    assert cw.score_sentence("Crime went up 40 percent in 2016.") > cw.score_sentence("Crime went up.")


@pytest.mark.parametrize("text", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_odd_inputs_do_not_crash(text):
    assert _valid(cw.score_sentence(text))


def test_odd_inputs_in_one_batch():
    scores = cw.score_sentences(ODD_INPUTS)
    assert len(scores) == len(ODD_INPUTS) and all(_valid(s) for s in scores)


def test_non_string_items_do_not_crash():
    assert all(_valid(s) for s in cw.score_sentences([None, 42, b"bytes"]))  # type: ignore[list-item]


def test_featurize_is_deterministic_and_unique():
    feats = cw.featurize(CLAIM)
    assert len(feats) == len(set(feats))
    assert set(feats) == set(cw.featurize(CLAIM))
    assert "c:has_percent" in feats and "c:superlative" in feats


def test_model_info():
    info = cw.model_info()
    for key in ("name", "trained_on", "heldout_map", "features"):
        assert key in info
    assert 0.0 < info["heldout_map"] <= 1.0
    assert cw.MODEL_INFO == info


def test_model_file_is_small():
    assert cw.MODEL_PATH.stat().st_size < 3 * 1024 * 1024


def test_explain_lists_weighted_features():
    explained = cw.explain(CLAIM)
    assert explained and all(isinstance(f, str) and isinstance(w, float) for f, w in explained)


def test_module_does_not_import_sklearn_or_frameworks():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(cw.__file__).read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    assert not names & {"sklearn", "scipy", "flask", "sqlalchemy", "werkzeug", "torch"}

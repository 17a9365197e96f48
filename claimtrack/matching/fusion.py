"""Hybrid ranking: the lexical ranker's evidence and the sentence model's cosine similarity, fused into one score.

Pure like the rest of ``matching``: the caller hands in the candidates (lexical and dense, deduplicated) and the
cosine similarity of the query to each candidate that has a current vector.  A candidate without one (not
embedded yet, or edited since) keeps its lexical score, so the lexical tier still finds it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from claimtrack.matching.ranker import (
    Candidate,
    CorpusStats,
    Match,
    Thresholds,
    _sigmoid,
    adjust_score,
    band_of,
    feature_rows,
    lexical_logit,
    to_matches,
)

HYBRID_FEATURES = ("lexical_logit", "cosine", "cosine_gap", "lexical_gap")
# A candidate the lexical pre-filter skipped (low BM25, no full features) counts as this lexical log-odds.
LEXICAL_FLOOR = -12.0
# Below this the lexical log-odds only says "no words in common": a paraphrase without shared words is left to
# the cosine instead of being pushed under every candidate that shares one common word.
LEXICAL_CLIP = -8.0
# Fitted with a listwise softmax loss on the union of lexical (200) and dense (50) candidates of the
# snopes-tweets and politifact-debates *train* queries (all-MiniLM-L6-v2, claim text + title), then
# Platt-scaled so 100*sigmoid(z) estimates P(the top match is the same claim).  Refit with
# `python bench/semantic_quality.py fit` after changing a feature, the model or the embedded text.
HYBRID_WEIGHTS = (0.5026, 7.8962, 5.5232, 0.2653)
HYBRID_BIAS = -3.5337
# Chosen on train (top match >= 80: precision 0.973 / recall 0.679 on snopes-tweets, 0.822 / 0.333 on
# politifact-debates; >= 30: 0.910 / 0.854 and 0.654 / 0.489), checked on dev (README "Semantic tier").
HYBRID_THRESHOLDS = Thresholds(same_claim=80.0, related=30.0)


@dataclass(frozen=True)
class Fusion:
    """One model's fusion: its weights and bias (its cosines have their own scale) and its score bands."""

    weights: tuple[float, ...] = HYBRID_WEIGHTS
    bias: float = HYBRID_BIAS
    thresholds: Thresholds = HYBRID_THRESHOLDS
    # For a claim in another language than the query (no word can be shared, so the lexical evidence says
    # nothing): the same fit with the lexical features left out. None: the model is not meant to cross languages.
    across: tuple[tuple[float, ...], float, Thresholds] | None = None


# SEMANTIC_MODEL -> its fusion, fitted the same way on the same train queries with that model's vectors
# (`python bench/semantic_quality.py fit` with CLAIMTRACK_SEMANTIC_MODEL set). A model not listed (a folder of
# one's own) takes all-MiniLM-L6-v2's.
MODEL_FUSION: dict[str, Fusion] = {
    "all-MiniLM-L6-v2": Fusion(),
    # multilingual-e5-small's cosines sit higher (unrelated claims near 0.75): with the English model's fusion every
    # top match scored >= 80. Fitted on the same train queries (2026-12-03); bands chosen on train for about the
    # English model's precision: >= 80 precision 0.970 / 0.848 (snopes / politifact train), >= 50 0.874 / 0.723.
    # Across languages (lexical features left out, same train queries), its own bands: top match >= 30 precision
    # 0.791 / 0.453 (recall 0.791 / 0.453), >= 80 1.000 / 1.000 (recall 0.024 / 0.034): a claim in another
    # language is mostly "related", "same" only when the model is very sure.
    "multilingual-e5-small": Fusion(weights=(0.6709, 7.2703, 4.9823, 0.4421), bias=-5.9489,
                                    thresholds=Thresholds(same_claim=80.0, related=50.0),
                                    across=((0.0, 13.3923, 11.5239, 0.0), -11.2503,
                                            Thresholds(same_claim=80.0, related=30.0))),
}


def fusion_of(model: str) -> Fusion:
    """The fusion fitted for ``model`` (SEMANTIC_MODEL), else all-MiniLM-L6-v2's."""
    return MODEL_FUSION.get(model, MODEL_FUSION["all-MiniLM-L6-v2"])


def hybrid_rows(lexical: Sequence[float], cosines: Sequence[float | None]) -> list[list[float] | None]:
    """The fusion features of each candidate (None for those without a vector)."""
    known = [c for c in cosines if c is not None]
    best_cos = max(known, default=0.0)
    lexical = [max(z, LEXICAL_CLIP) for z in lexical]
    best_lex = max(lexical, default=0.0)
    return [None if c is None else [z, c, c - best_cos, z - best_lex] for z, c in zip(lexical, cosines, strict=True)]


def hybrid_logit(row: Sequence[float], weights: Sequence[float] = HYBRID_WEIGHTS,
                 bias: float = HYBRID_BIAS) -> float:
    """The fused log-odds of one candidate."""
    return bias + sum(w * x for w, x in zip(weights, row, strict=True))


def rank_hybrid(query: str, candidates: Sequence[Candidate], stats: CorpusStats,
                cosines: Mapping[int, float], nearest: Collection[int], limit: int = 10,
                thresholds: Thresholds = HYBRID_THRESHOLDS,
                weights: Sequence[float] = HYBRID_WEIGHTS, bias: float = HYBRID_BIAS,
                foreign: Collection[int] = (),
                across: tuple[Sequence[float], float, Thresholds] | None = None) -> list[Match]:
    """Score candidates by lexical evidence fused with cosine similarity; best `limit` first, with their band.

    ``nearest`` are the dense side's nearest claims: they get the full lexical features whatever their BM25, like
    the best lexical candidates; the rest keep their cosine and the lexical floor (at 1M claims, features for
    every candidate with a vector cost 11 ms of a hybrid match, for no change in dev MAP@5). ``foreign`` claims
    (another language than the query's) are scored by ``across``, the fusion without lexical features, when given.
    """
    if not candidates or limit <= 0:
        return []
    rows, shared_sets, q = feature_rows(query, candidates, stats, always=frozenset(nearest))
    lexical = [lexical_logit(r) if r is not None else LEXICAL_FLOOR for r in rows]
    fused = hybrid_rows(lexical, [cosines.get(c.claim_id) for c in candidates])
    scored = []
    for cand, zl, row, shared in zip(candidates, lexical, fused, shared_sets, strict=True):
        if row is not None and across is not None and cand.claim_id in foreign:
            z = hybrid_logit(row, across[0], across[1])
        else:
            z = hybrid_logit(row, weights, bias) if row is not None else zl
        score = adjust_score(round(100.0 * _sigmoid(z), 1), q, cand) if z > LEXICAL_FLOOR else 0.0
        scored.append((score, cosines.get(cand.claim_id, -1.0), cand, shared))
    matches = to_matches(q, scored, limit, thresholds)
    if across is None or not foreign:
        return matches
    return [replace(m, band=band_of(m.score, across[2])) if m.claim_id in foreign else m for m in matches]


def fusion_dump_row(query: str, candidates: Sequence[Candidate], stats: CorpusStats,
                    cosines: Mapping[int, float], nearest: Collection[int]
                    ) -> list[tuple[int, list[float] | None, float]]:
    """(claim id, fusion features or None, lexical log-odds) per candidate: what the fit reads."""
    rows, _, _ = feature_rows(query, candidates, stats, always=frozenset(nearest))
    lexical = [lexical_logit(r) if r is not None else LEXICAL_FLOOR for r in rows]
    fused = hybrid_rows(lexical, [cosines.get(c.claim_id) for c in candidates])
    return [(c.claim_id, f, z) for c, f, z in zip(candidates, fused, lexical, strict=True)]


__all__ = ["HYBRID_FEATURES", "HYBRID_THRESHOLDS", "HYBRID_WEIGHTS", "MODEL_FUSION", "Fusion", "fusion_dump_row",
           "fusion_of", "hybrid_logit", "rank_hybrid"]

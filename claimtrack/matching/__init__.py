"""Pure claim matching: text normalisation, index terms, query planning and candidate ranking."""

from claimtrack.matching.ranker import (
    DEFAULT_THRESHOLDS,
    Candidate,
    CorpusStats,
    Match,
    QueryPlan,
    Thresholds,
    plan_query,
    rank,
)
from claimtrack.matching.fusion import HYBRID_THRESHOLDS, fusion_of, rank_hybrid
from claimtrack.matching.text import index_terms, normalise, tokens

__all__ = [
    "DEFAULT_THRESHOLDS",
    "HYBRID_THRESHOLDS",
    "Candidate",
    "CorpusStats",
    "Match",
    "QueryPlan",
    "Thresholds",
    "fusion_of",
    "index_terms",
    "normalise",
    "plan_query",
    "rank",
    "rank_hybrid",
    "tokens",
]

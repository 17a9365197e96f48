"""The one way to match: ``match()`` finds the earlier claims that say what a text says, best first.

Every caller uses it: public search, the "Ask us to check" instant answer, ingest, the claim workspace, the
API, the CLI (``flask claims match`` / ``match-file``), the editor's claim list and the benchmarks.  It runs the
lexical tier (plan the query from the term statistics, fetch candidates from the full-text index, re-rank) and,
when ``SEMANTIC_ENABLED`` is on and can answer, the semantic tier beside it (the query is embedded on a
background thread while the lexical candidates are fetched; the two are fused).  ``MatchSettings`` is built
from the app config alone (``MatchSettings.from_config``); its defaults are ``config.py``'s.

The database side (candidate SQL, term statistics, integrity) stays in ``search_index``; the ranking is pure
(``matching``); the dense side's storage is ``semantic``.  Read-only: ``match()`` never writes.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlalchemy.orm import Session

from .. import config as defaults
from ..matching import (
    DEFAULT_THRESHOLDS,
    HYBRID_THRESHOLDS,
    Candidate,
    CorpusStats,
    Match,
    QueryPlan,
    Thresholds,
    plan_query,
    fusion_of,
    rank,
    rank_hybrid,
    tokens,
)
from ..matching.ranker import MAX_QUERY_CHARS
from ..search_index import corpus_stats, fetch_candidates
from ..semantic.service import (
    PendingQuery,
    SemanticSettings,
    SemanticUnavailable,
    finish_query,
    hybrid_pool,
    start_query,
)

log = logging.getLogger(__name__)

# Measured on the train splits: 16 planned terms put the gold claim among the candidates more often than 8
# (snopes-tweets pool recall 0.945 -> 0.985) at little cost, since the rarest terms have short postings.
MAX_PLANNED_TERMS = 16


@dataclass(frozen=True)
class MatchSettings:
    """How matching runs: the score bands, candidates per query, and the postings bound of a plan.

    The defaults are config.py's (MATCH_CANDIDATES, MATCH_MAX_POSTINGS, SEMANTIC_MAX_POSTINGS, ...); an app's
    settings come from ``from_config``.
    """

    thresholds: Thresholds = DEFAULT_THRESHOLDS
    candidates: int = defaults.MATCH_CANDIDATES
    # The summed document frequency of the planned terms bounds the database's work (FTS5 and ts_rank score
    # every posting): a constant bound keeps latency flat as the index grows; the rarest terms are the telling ones.
    max_postings: int = defaults.MATCH_MAX_POSTINGS
    # The optional semantic tier (off by default) and its own score bands.
    semantic: SemanticSettings = field(default_factory=SemanticSettings)
    hybrid_thresholds: Thresholds = HYBRID_THRESHOLDS
    # The postings bound while the semantic tier answers (never above max_postings).
    hybrid_max_postings: int = min(defaults.MATCH_MAX_POSTINGS, defaults.SEMANTIC_MAX_POSTINGS)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "MatchSettings":
        """Settings from the app config (MATCH_SAME_CLAIM, MATCH_RELATED, MATCH_CANDIDATES, MATCH_MAX_POSTINGS,
        SEMANTIC_ENABLED, SEMANTIC_MODEL, SEMANTIC_INDEX_DIR, SEMANTIC_CANDIDATES, SEMANTIC_MAX_POSTINGS,
        SEMANTIC_SAME_CLAIM, SEMANTIC_RELATED); a setting missing or empty takes config.py's default."""
        max_postings = int(config.get("MATCH_MAX_POSTINGS") or defaults.MATCH_MAX_POSTINGS)
        same, related = config.get("MATCH_SAME_CLAIM"), config.get("MATCH_RELATED")
        h_same, h_related = config.get("SEMANTIC_SAME_CLAIM"), config.get("SEMANTIC_RELATED")
        model = config.get("SEMANTIC_MODEL") or defaults.SEMANTIC_MODEL
        bands = fusion_of(model).thresholds
        return cls(
            thresholds=Thresholds(
                same_claim=DEFAULT_THRESHOLDS.same_claim if same is None else float(same),
                related=DEFAULT_THRESHOLDS.related if related is None else float(related),
            ),
            candidates=int(config.get("MATCH_CANDIDATES") or defaults.MATCH_CANDIDATES),
            max_postings=max_postings,
            hybrid_max_postings=min(max_postings,
                                    int(config.get("SEMANTIC_MAX_POSTINGS") or defaults.SEMANTIC_MAX_POSTINGS)),
            semantic=SemanticSettings(
                enabled=bool(config.get("SEMANTIC_ENABLED")),
                model=model,
                index_dir=config.get("SEMANTIC_INDEX_DIR") or "",
                candidates=int(config.get("SEMANTIC_CANDIDATES") or defaults.SEMANTIC_CANDIDATES),
            ),
            hybrid_thresholds=Thresholds(
                same_claim=bands.same_claim if h_same is None else float(h_same),
                related=bands.related if h_related is None else float(h_related),
            ),
        )


DEFAULT_SETTINGS = MatchSettings()


@dataclass(frozen=True)
class MatchResult:
    """The matches for one text, with the plan and how long it took.

    ``stats`` and ``candidates`` are what the lexical tier read (the query terms' statistics and the claims the
    full-text index offered for the final plan): the reader requests' grouping ranks requests among them.
    """

    matches: list[Match]
    plan: QueryPlan
    elapsed_ms: float
    stats: CorpusStats
    candidates: list[Candidate]
    # "lexical", or "hybrid" when the semantic tier took part (enabled, installed, and vectors exist).
    tier: str = "lexical"


def semantic_index_dir(settings: MatchSettings) -> str:
    """SEMANTIC_INDEX_DIR, or ``<instance folder>/vector-index`` when it is not set."""
    if settings.semantic.index_dir:
        return settings.semantic.index_dir
    from flask import current_app, has_app_context

    base = current_app.instance_path if has_app_context() else os.getcwd()
    return os.path.join(base, "vector-index")


def _hybrid(session: Session, query: str, found: list[Candidate], stats: CorpusStats, limit: int,
            settings: MatchSettings, pending: PendingQuery, index_dir: str) -> list[Match] | None:
    """The fused matches, or None when the semantic tier cannot answer (then the lexical ranking stands)."""
    try:
        dense = finish_query(session, pending, settings.semantic, index_dir)
    except (SemanticUnavailable, RuntimeError, ValueError, OSError) as error:
        log.warning("semantic tier failed, matching lexically: %s", error)
        return None
    if dense is None:
        return None
    pool, cosines = hybrid_pool(session, found, dense)
    fusion = fusion_of(settings.semantic.model)
    return rank_hybrid(query, pool, stats, cosines, nearest=dense.nearest, limit=limit,
                       thresholds=settings.hybrid_thresholds, weights=fusion.weights, bias=fusion.bias,
                       foreign=_foreign(session, query, cosines) if fusion.across else (), across=fusion.across)


def _foreign(session: Session, query: str, cosines: Mapping[int, float]) -> set[int]:
    """The candidates with a vector whose stored language is not the query's (one indexed read)."""
    from sqlalchemy import select

    from ..matching.language import detect_language
    from ..models import Claim

    if not cosines:
        return set()
    lang = detect_language(query)
    rows = session.execute(select(Claim.id, Claim.lang).where(Claim.id.in_(list(cosines)))).all()
    return {claim_id for claim_id, claim_lang in rows if claim_lang and claim_lang != lang}


def match(
    session: Session,
    query: str,
    limit: int = 5,
    settings: MatchSettings = DEFAULT_SETTINGS,
    include_unrelated: bool = True,
) -> MatchResult:
    """The best earlier claims for one text, best first (read-only)."""
    start = time.perf_counter()
    query = (query or "")[:MAX_QUERY_CHARS]
    # The semantic tier embeds the query on a background thread while the lexical candidates are fetched.
    index_dir = semantic_index_dir(settings) if settings.semantic.enabled else ""
    pending = start_query(session, query, settings.semantic, index_dir) if settings.semantic.enabled else None
    query_tokens = set(tokens(query))
    stats = corpus_stats(session, query_tokens)
    bound = settings.hybrid_max_postings if pending is not None else settings.max_postings
    plan = plan_query(query, stats.doc_freq, stats.total_docs, max_terms=MAX_PLANNED_TERMS, max_postings=bound)
    found = fetch_candidates(session, plan, settings.candidates)
    tier = "lexical"
    matches = _hybrid(session, query, found, stats, limit, settings, pending, index_dir) if pending is not None else None
    if matches is not None:
        tier = "hybrid"
    else:
        if bound != settings.max_postings:  # the model failed after all: the lexical tier's own plan
            plan = plan_query(query, stats.doc_freq, stats.total_docs, max_terms=MAX_PLANNED_TERMS,
                              max_postings=settings.max_postings)
            found = fetch_candidates(session, plan, settings.candidates)
        # The ranker reads the frequencies of the query's terms only (fetched above): no second look-up.
        matches = rank(query, found, stats, limit=limit, thresholds=settings.thresholds) if found else []
    if not include_unrelated:
        matches = [m for m in matches if m.band != "none"]
    return MatchResult(matches=matches, plan=plan, elapsed_ms=(time.perf_counter() - start) * 1000, tier=tier,
                       stats=stats, candidates=found)

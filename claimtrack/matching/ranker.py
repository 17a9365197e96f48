"""Query planning and re-ranking of database candidates into scored matches."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from claimtrack.matching.language import detect_language
from claimtrack.matching.text import stem_function, surface_words

# Longer inputs are not claims; cutting them keeps planning and ranking bounded for a pasted 1 MB page.
MAX_QUERY_CHARS = 20_000
K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class QueryPlan:
    """The query terms used for the database OR-query (rarest first), their IDF weights, all distinct query terms."""

    terms: list[str]
    all_terms: list[str]
    weights: list[float]


@dataclass(frozen=True)
class Candidate:
    """One claim returned by the database's full-text search, with its stored index terms."""

    claim_id: int
    external_id: str | None
    text: str
    title: str | None
    speaker: str | None
    terms: str


@dataclass(frozen=True)
class CorpusStats:
    """Corpus statistics needed to compute BM25 over candidates."""

    total_docs: int
    avg_doc_len: float
    doc_freq: Mapping[str, int]


@dataclass(frozen=True)
class Match:
    """A ranked candidate with its 0..100 score, shared words and band."""

    claim_id: int
    external_id: str | None
    score: float
    shared: tuple[str, ...]
    band: str


@dataclass(frozen=True)
class Thresholds:
    """Score cut-offs for the "same" and "related" bands."""

    same_claim: float
    related: float


# Chosen on the train splits (top-1 of each query): score >= 80 had precision 0.952 / recall 0.581 on
# snopes-tweets and 0.859 / 0.167 on politifact-debates; >= 20 keeps the gold in the "related" band for
# 0.84 / 0.48 of queries. Dev figures are in the matching report.
DEFAULT_THRESHOLDS = Thresholds(same_claim=80.0, related=20.0)
# Claims with fewer than three content words ("The", "On abortion") share all their words with many texts;
# unless the query is that same short text, their score is capped well below "same".
SHORT_CLAIM_WORDS = 3
SHORT_CLAIM_CAP = 50.0
# A near-verbatim repeat (same content words, at most a word or two apart) is the same claim whatever the
# corpus statistics say: on a young, small index the BM25 features are weak, but the words are not.
NEAR_VERBATIM_RATIO = 90.0
NEAR_VERBATIM_MIN_WORDS = 5
NEAR_VERBATIM_SCORE = 90.0


def _distinct(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def plan_query(text: str, doc_freq: Mapping[str, int], total_docs: int, max_terms: int = 8,
               max_postings: int = 50_000) -> QueryPlan:
    """Choose the rarest query terms for the database OR-query, bounded by term count and summed postings."""
    text = text[:MAX_QUERY_CHARS]
    # The query is stemmed in its own language; claims in another language meet it only through the dense tier.
    lang = detect_language(text)
    stem = stem_function(lang)
    all_terms = _distinct([t for t in (stem(w) for w in surface_words(text, lang)) if t])
    known = [t for t in all_terms if doc_freq.get(t, 0) > 0]
    # Stable sort keeps query order among equal df, so plans are deterministic.
    known.sort(key=lambda t: doc_freq[t])
    chosen: list[str] = []
    postings = 0
    for term in known:
        if len(chosen) >= max_terms:
            break
        df = doc_freq[term]
        if chosen and postings + df > max_postings:
            break
        chosen.append(term)
        postings += df
    return QueryPlan(terms=chosen, all_terms=all_terms,
                     weights=[_idf(doc_freq[t], max(total_docs, 1)) for t in chosen])


def _idf(df: int, total: int) -> float:
    return math.log(1.0 + (total - df + 0.5) / (df + 0.5))


@dataclass
class _Query:
    surface: dict[str, str]       # stem -> first surface form, for readable "shared"
    stems: list[str]
    counts: dict[str, int]
    idf: dict[str, float]
    idf_sum: float
    bigrams: set[tuple[str, str]]
    numbers: set[str]
    joined: str
    lang: str = "en"


def _prepare_query(text: str, stats: CorpusStats) -> _Query:
    text = text[:MAX_QUERY_CHARS]
    lang = detect_language(text)
    stem = stem_function(lang)
    words = surface_words(text, lang)
    stems = [stem(w) for w in words]
    surface: dict[str, str] = {}
    counts: dict[str, int] = {}
    for w, s in zip(words, stems, strict=True):
        surface.setdefault(s, w)
        counts[s] = counts.get(s, 0) + 1
    total = max(stats.total_docs, 1)
    # Terms unseen in the corpus cannot match any candidate; they still dilute coverage like a rare term would.
    idf = {s: _idf(stats.doc_freq.get(s, 0), total) for s in counts}
    return _Query(surface=surface, stems=stems, counts=counts, idf=idf, idf_sum=sum(idf.values()) or 1.0,
                  bigrams=set(zip(stems, stems[1:], strict=False)), numbers={s for s in counts if s[0].isdigit()},
                  joined=" ".join(stems), lang=lang)


@lru_cache(maxsize=100_000)
def _claim_tokens(text: str, lang: str = "en") -> tuple[str, ...]:
    # A candidate is read in the query's language: only a claim in that language shares its stems.
    stem = stem_function(lang)
    return tuple(t for t in (stem(w) for w in surface_words(text, lang)) if t)


FEATURES = ("bm25_abs", "bm25_rel", "qcov", "ccov", "ccov_title", "bigram", "fuzz_set", "fuzz_partial",
            "numbers", "short", "bm25_text", "bm25_title", "max_idf", "n_shared", "fuzz_title")
# Typical field lengths in tokens, for the per-field BM25 length normalisation.
TEXT_LEN = 14.0
TITLE_LEN = 8.0


def _field_bm25(q: _Query, toks: Sequence[str], avg: float) -> float:
    tf: dict[str, int] = {}
    for t in toks:
        if t in q.idf:
            tf[t] = tf.get(t, 0) + 1
    norm = K1 * (1 - B + B * len(toks) / avg)
    return sum(q.idf[t] * f * (K1 + 1) / (f + norm) for t, f in tf.items())


def _features(q: _Query, cand: Candidate, stats: CorpusStats) -> tuple[list[float], set[str]]:
    terms = cand.terms.split()
    dl = len(terms) or 1
    tf: dict[str, int] = {}
    for t in terms:
        if t in q.idf:
            tf[t] = tf.get(t, 0) + 1
    avg = stats.avg_doc_len or 1.0
    norm = K1 * (1 - B + B * dl / avg)
    bm25 = 0.0
    qcov = 0.0
    max_idf = 0.0
    for s, f in tf.items():
        idf = q.idf[s]
        bm25 += idf * f * (K1 + 1) / (f + norm)
        qcov += idf
        max_idf = max(max_idf, idf)
    shared = set(tf)
    text_toks = _claim_tokens(cand.text, q.lang)
    text_set = set(text_toks)
    ccov = len(text_set & shared) / len(text_set) if text_set else 0.0
    title_toks = _claim_tokens(cand.title, q.lang) if cand.title else ()
    title_set = set(title_toks)
    ccov_title = len(title_set & shared) / len(title_set) if title_set else ccov
    cbigrams = set(zip(text_toks, text_toks[1:], strict=False))
    bigram = len(cbigrams & q.bigrams) / len(cbigrams) if cbigrams else 0.0
    joined = " ".join(text_toks)
    fuzz_set = fuzz.token_set_ratio(q.joined, joined) / 100.0
    fuzz_partial = fuzz.partial_ratio(joined, q.joined) / 100.0
    fuzz_title = fuzz.partial_ratio(" ".join(title_toks), q.joined) / 100.0 if title_toks else fuzz_partial
    numbers = float(len(q.numbers & shared))
    # Claims of one or two content words ("The", "On abortion") match anything that contains them.
    short = 1.0 if len(text_set) < 3 else 0.0
    raw = [bm25, 0.0, qcov / q.idf_sum, ccov, ccov_title, bigram, fuzz_set, fuzz_partial, min(numbers, 3.0), short,
           _field_bm25(q, text_toks, TEXT_LEN), _field_bm25(q, title_toks, TITLE_LEN), max_idf,
           math.log1p(len(shared)), fuzz_title]
    return raw, shared


# Linear weights over FEATURES, fitted with a listwise softmax loss on the top-200 pools of the snopes-tweets
# and politifact-debates *train* splits, then Platt-scaled so 100*sigmoid(score) estimates P(top-1 is the
# same claim). Refit with `python bench/fit_ranker.py dump|fit` after changing any feature.
WEIGHTS = (-0.2356, 8.3642, -3.3626, 1.0161, -0.5433, -1.8128, 1.2155, 5.0995, 0.0785, -0.7193, -0.0094, 0.0627,
           0.5285, 2.0906, 2.0698)
BIAS = -19.3461


# Only the best candidates by BM25 get the expensive features (tokenising text and title, three rapidfuzz
# calls); on train, the gold claim sits beyond BM25 rank 60 of the pool in under 1% of queries, and this
# keeps rank() of 200 candidates at a few milliseconds.
FULL_FEATURES_TOP = 60


def _bm25_terms(q: _Query, terms: str, avg: float) -> float:
    tf: dict[str, int] = {}
    toks = terms.split()
    for t in toks:
        if t in q.idf:
            tf[t] = tf.get(t, 0) + 1
    norm = K1 * (1 - B + B * (len(toks) or 1) / avg)
    return sum(q.idf[t] * f * (K1 + 1) / (f + norm) for t, f in tf.items())


def feature_rows(query: str, candidates: Sequence[Candidate], stats: CorpusStats,
                 always: frozenset[int] = frozenset()) -> tuple[list[list[float] | None], list[set[str]], _Query]:
    """Return a feature vector per candidate (None for those cut by the BM25 pre-filter) for rank() and fitting.

    Candidates whose claim id is in ``always`` (the dense tier's nearest claims) get their features whatever
    their BM25.
    """
    q = _prepare_query(query, stats)
    avg = stats.avg_doc_len or 1.0
    pre = [_bm25_terms(q, c.terms, avg) for c in candidates]
    keep = set(sorted(range(len(candidates)), key=lambda i: -pre[i])[:FULL_FEATURES_TOP])
    keep.update(i for i, c in enumerate(candidates) if c.claim_id in always)
    rows: list[list[float] | None] = []
    shared_sets: list[set[str]] = []
    for i, cand in enumerate(candidates):
        if i in keep:
            raw, shared = _features(q, cand, stats)
        else:
            raw, shared = None, set()
        rows.append(raw)
        shared_sets.append(shared)
    best = max(pre, default=0.0) or 1.0
    for r in rows:
        if r is not None:
            bm25 = r[0]
            r[0] = bm25 / (q.idf_sum * (K1 + 1) / 2)
            r[1] = bm25 / best
    return rows, shared_sets, q


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -50 else 0.0


def lexical_logit(row: Sequence[float]) -> float:
    """The lexical ranker's log-odds that a candidate is the same claim (100*sigmoid of it is its score)."""
    return BIAS + sum(w * x for w, x in zip(WEIGHTS, row, strict=True))


def adjust_score(score: float, q: _Query, cand: Candidate) -> float:
    """The rules on top of the learned score: junk-short claims capped, near-verbatim repeats lifted."""
    claim_tokens = _claim_tokens(cand.text, q.lang)
    claim_set = set(claim_tokens)
    if len(claim_set) < SHORT_CLAIM_WORDS and claim_set != set(q.counts):
        return min(score, SHORT_CLAIM_CAP)
    if (len(claim_set) >= NEAR_VERBATIM_MIN_WORDS
            and fuzz.token_sort_ratio(q.joined, " ".join(claim_tokens)) >= NEAR_VERBATIM_RATIO):
        return max(score, NEAR_VERBATIM_SCORE)
    return score


def band_of(score: float, thresholds: Thresholds) -> str:
    """"same", "related" or "none" for a 0-100 score."""
    return "same" if score >= thresholds.same_claim else "related" if score >= thresholds.related else "none"


# A "related" match whose every shared word is this common in the index (in more than this share of its claims,
# once it holds at least COMMON_MIN_DOCS) shares nothing that makes it related: "country", "great", "use".
COMMON_SHARE = 0.01
COMMON_MIN_DOCS = 500


def common_stems(stems, stats: CorpusStats) -> frozenset[str]:
    """The query's stems that are too common in the index to make a match related on their own."""
    if stats.total_docs < COMMON_MIN_DOCS:
        return frozenset()
    cut = COMMON_SHARE * stats.total_docs
    return frozenset(s for s in stems if stats.doc_freq.get(s, 0) > cut)


def to_matches(q: _Query, scored: list[tuple[float, float, Candidate, set[str]]], limit: int,
               thresholds: Thresholds, common: frozenset[str] = frozenset()) -> list[Match]:
    """Sort (score, tie-break, candidate, shared stems) best first and turn the best ``limit`` into matches;
    a related one that shares only ``common`` stems is not shown (band "none")."""
    # Ties on the rounded score fall back to the tie-break (BM25), then to claim id, so the order is deterministic.
    scored.sort(key=lambda s: (-s[0], -s[1], s[2].claim_id))
    out = []
    for score, _, cand, shared in scored[:limit]:
        words = tuple(q.surface[s] for s in q.stems if s in shared)
        band = band_of(score, thresholds)
        if band == "related" and common and shared and set(shared) <= common:
            band = "none"
        out.append(Match(claim_id=cand.claim_id, external_id=cand.external_id, score=score,
                         shared=tuple(dict.fromkeys(words)), band=band))
    return out


def rank(query: str, candidates: Sequence[Candidate], stats: CorpusStats, limit: int = 10,
         thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Match]:
    """Score candidates against a query and return the best `limit` matches, best first, with their band."""
    if not candidates or limit <= 0:
        return []
    rows, shared_sets, q = feature_rows(query, candidates, stats)
    scored = []
    for cand, row, shared in zip(candidates, rows, shared_sets, strict=True):
        if row is None:
            scored.append((0.0, 0.0, cand, shared))
            continue
        score = adjust_score(round(100.0 * _sigmoid(lexical_logit(row)), 1), q, cand)
        scored.append((score, row[0], cand, shared))
    return to_matches(q, scored, limit, thresholds, common_stems(q.stems, stats))

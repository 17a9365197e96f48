"""The database side of matching: the full-text index, term statistics, and the one candidate query.

SQLite uses an external-content FTS5 table kept in sync by triggers; PostgreSQL a
generated tsvector column with a GIN index.  Both index ``claims.search_terms``, the
matcher's own tokens, so the two backends see the same words.  Term document
frequencies live in ``term_stats`` so a query can be planned (rarest terms first,
bounded postings) and latency stays flat as the corpus grows.  Services keep the
statistics in step whenever they change a claim's ``search_terms``; ``reindex``
rebuilds everything from the claims.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .db import one_of
from .matching import Candidate, CorpusStats, QueryPlan, index_terms
from .matching.language import detect_language
from .models import Claim, SearchCorpus, Speaker, TermStat

# Full-text objects created by migration 0002 outside the models.
_INDEX_TABLE_PREFIX = "claims_fts"
_INDEX_COLUMNS = {"search_vector"}
_INDEX_INDEXES = {"ix_claims_search_vector"}
# IDF is computed as if the index held at least this many claims.  On a young index (a newsroom's first
# hundred claims) every word looks common and a plain repeat would score as unrelated; with the floor, a
# word seen in one claim of a hundred weighs what it would in a full archive.  No effect on the dev
# splits (14K and 19K claims).
MIN_CORPUS_DOCS = 10_000


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ARG001 (Alembic's hook signature)
    """Alembic filter: the full-text index objects are not schema drift."""
    if type_ == "table" and name and name.startswith(_INDEX_TABLE_PREFIX):
        return False
    if type_ == "column" and name in _INDEX_COLUMNS:
        return False
    if type_ == "index" and name in _INDEX_INDEXES:
        return False
    return True


def claim_terms(text_: str, title: str | None, speaker: str | None, lang: str | None = None) -> str:
    """The stored search terms of a claim, stemmed in its language (None: detected from its text)."""
    return index_terms(text_, title, speaker, lang)


def _distinct(terms: str | None) -> set[str]:
    return set(terms.split()) if terms else set()


class TermDeltas:
    """Changes to document frequencies and corpus size, gathered in memory and written in one statement."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.docs = 0
        self.length = 0

    def add(self, terms: str | None) -> None:
        """Count a claim's search terms in."""
        if terms:
            self.counts.update(_distinct(terms))
            self.docs += 1
            self.length += len(terms.split())

    def remove(self, terms: str | None) -> None:
        """Count a claim's old search terms out."""
        if terms:
            self.counts.subtract(_distinct(terms))
            self.docs -= 1
            self.length -= len(terms.split())

    def apply(self, session: Session) -> None:
        """Write the gathered changes (an upsert per term, sorted so concurrent writers lock in one order)."""
        rows = sorted(({"term": t, "df": c} for t, c in self.counts.items() if c), key=lambda row: row["term"])
        if rows:
            insert_ = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
            stmt = insert_(TermStat.__table__)
            stmt = stmt.on_conflict_do_update(
                index_elements=["term"], set_={"df": TermStat.__table__.c.df + stmt.excluded.df}
            )
            for start in range(0, len(rows), 5000):
                session.execute(stmt, rows[start:start + 5000])
        if self.docs or self.length:
            session.execute(
                update(SearchCorpus)
                .where(SearchCorpus.id == 1)
                .values(doc_count=SearchCorpus.doc_count + self.docs, term_count=SearchCorpus.term_count + self.length)
            )
        self.counts.clear()
        self.docs = self.length = 0


def apply_term_changes(session: Session, added: Iterable[str | None], removed: Iterable[str | None]) -> None:
    """Update document frequencies and corpus size for claims whose search terms were added or removed."""
    deltas = TermDeltas()
    for terms in added:
        deltas.add(terms)
    for terms in removed:
        deltas.remove(terms)
    deltas.apply(session)


def set_claim_terms(session: Session, claim: Claim) -> None:
    """Recompute one claim's search terms after an edit (or clear them if it was merged); flush."""
    old = claim.search_terms
    if claim.lang is None:
        claim.lang = detect_language(claim.text)
    new = None if claim.merged_into_id else claim_terms(claim.text, claim.title,
                                                         claim.speaker.name if claim.speaker else None, claim.lang)
    if old != new:
        claim.search_terms = new
        apply_term_changes(session, [new], [old])
    session.flush()


def remove_claims(session: Session, claim_ids: Sequence[int]) -> None:
    """Take claims out of the term statistics before they are deleted (the FTS side follows by trigger)."""
    old = session.scalars(select(Claim.search_terms).where(Claim.id.in_(claim_ids))).all()
    apply_term_changes(session, [], old)


def corpus_stats(session: Session, terms: Iterable[str]) -> CorpusStats:
    """Index size and the document frequencies of ``terms``."""
    corpus = session.get(SearchCorpus, 1)
    wanted = sorted(set(terms))
    doc_freq = (
        dict(session.execute(select(TermStat.term, TermStat.df).where(one_of(session, TermStat.term, wanted))).all())
        if wanted else {}
    )
    docs = corpus.doc_count if corpus else 0
    avg = (corpus.term_count / docs) if corpus and docs > 0 else 1.0
    return CorpusStats(total_docs=max(docs, MIN_CORPUS_DOCS), avg_doc_len=avg, doc_freq=doc_freq)


def fetch_candidates(session: Session, plan: QueryPlan, limit: int) -> list[Candidate]:
    """The claims that contain any planned term, best by the database's own ranking, at most ``limit``."""
    if not plan.terms:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        query = " OR ".join(f'"{term}"' for term in plan.terms)
        hits = text(
            "SELECT rowid AS id FROM claims_fts WHERE claims_fts MATCH :q ORDER BY rank LIMIT :k"
        ).columns(id=Claim.id.type).subquery("hits")
        stmt = (
            select(Claim.id, Claim.external_id, Claim.text, Claim.title, Speaker.name, Claim.search_terms)
            .join(hits, hits.c.id == Claim.id)
            .outerjoin(Speaker, Speaker.id == Claim.speaker_id)
        )
        rows = session.execute(stmt, {"q": query, "k": limit}).all()
    elif dialect == "postgresql":
        # ts_rank weighs every term alike, so claims full of the plan's commoner words crowd out the one that shares
        # its rarest: order by the summed IDF of the planned terms a claim contains instead (at 1M claims,
        # snopes-tweets dev MAP@5 0.726 -> 0.762; SQLite's FTS5 ranks by BM25 already).  The per-term queries are
        # built once in the CTE: written inline with bound values, PostgreSQL parsed them again for every row
        # (p95 85 -> 170 ms at 1M); from the CTE the ordering costs what ts_rank did.
        params: dict[str, object] = {"q": " | ".join(plan.terms), "k": limit}
        columns, score = ["to_tsquery('simple', :q) AS q"], []
        for i, (term, weight) in enumerate(zip(plan.terms, plan.weights, strict=True)):
            params[f"t{i}"], params[f"w{i}"] = term, float(weight)
            columns.append(f"to_tsquery('simple', :t{i}) AS q{i}, CAST(:w{i} AS double precision) AS w{i}")
            score.append(f"CASE WHEN c.search_vector @@ p.q{i} THEN p.w{i} ELSE 0.0 END")
        # Only ids and the ordering are carried through the sort; the wide columns and the speaker are read for
        # the chosen rows alone (at 1M claims the join before the LIMIT hashed every speaker per query).
        rows = session.execute(
            text(
                f"WITH p AS MATERIALIZED (SELECT {', '.join(columns)}), "
                f"top AS (SELECT c.id, {' + '.join(score)} AS score, length(c.search_vector) AS size "
                "FROM claims c, p WHERE c.search_vector @@ p.q ORDER BY 2 DESC, 3, 1 LIMIT :k) "
                "SELECT c.id, c.external_id, c.text, c.title, s.name, c.search_terms "
                "FROM top JOIN claims c ON c.id = top.id LEFT JOIN speakers s ON s.id = c.speaker_id "
                "ORDER BY top.score DESC, top.size, top.id"
            ),
            params,
        ).all()
    else:
        raise RuntimeError(f"no match index for the {dialect} database")
    return [
        Candidate(claim_id=r[0], external_id=r[1], text=r[2], title=r[3], speaker=r[4], terms=r[5] or "")
        for r in rows
    ]


def candidates_by_id(session: Session, claim_ids: Sequence[int]) -> list[Candidate]:
    """The matchable (indexed, unmerged) claims among ``claim_ids`` as candidates."""
    if not claim_ids:
        return []
    rows = session.execute(
        select(Claim.id, Claim.external_id, Claim.text, Claim.title, Speaker.name, Claim.search_terms)
        .outerjoin(Speaker, Speaker.id == Claim.speaker_id)
        .where(one_of(session, Claim.id, claim_ids), Claim.merged_into_id.is_(None), Claim.search_terms.is_not(None))
    ).all()
    return [Candidate(claim_id=r[0], external_id=r[1], text=r[2], title=r[3], speaker=r[4], terms=r[5] or "")
            for r in rows]


def reindex(session: Session, batch: int = 5000) -> Iterator[int]:
    """Recompute every claim's search terms and rebuild the statistics; yields claims done after each batch."""
    session.execute(delete(TermStat))
    session.execute(update(SearchCorpus).where(SearchCorpus.id == 1).values(doc_count=0, term_count=0))
    last = 0
    done = 0
    while True:
        rows = session.execute(
            select(Claim.id, Claim.text, Claim.title, Speaker.name, Claim.merged_into_id, Claim.lang)
            .outerjoin(Speaker, Speaker.id == Claim.speaker_id)
            .where(Claim.id > last)
            .order_by(Claim.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        values = [
            {"claim_pk": r.id,
             "search_terms": None if r.merged_into_id else claim_terms(r.text, r.title, r.name, r.lang)}
            for r in rows
        ]
        # A rebuild changes no claim: updated_at keeps its value (the column's onupdate would stamp every claim).
        session.execute(
            update(Claim.__table__)
            .where(Claim.__table__.c.id == bindparam("claim_pk"))
            .values(updated_at=Claim.__table__.c.updated_at),
            values,
        )
        apply_term_changes(session, [v["search_terms"] for v in values], [])
        last = rows[-1].id
        done += len(rows)
        session.flush()
        yield done
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO claims_fts(claims_fts) VALUES ('rebuild')"))
    session.flush()
    yield done



@dataclass
class IndexCheck:
    """What check_index found: the claims it read and every way the index differs from a rebuild."""

    claims: int = 0
    indexed: int = 0
    terms: int = 0
    problems: list[str] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check_index(session: Session, batch: int = 20_000, recompute: bool = False) -> IndexCheck:
    """Compare the match index with what ``reindex`` would build from the claims, reading only.

    Checks: every live claim has search terms and no merged claim has any; term_stats and search_corpus equal
    the counts recomputed from the stored terms; the full-text index agrees with the claims (FTS5's own
    integrity-check on SQLite, the generated tsvector on PostgreSQL).  With ``recompute``, each claim's stored
    terms are also compared with its text run through the tokenizer again (slower: about a minute at 1M).
    """
    result = IndexCheck(problems=[])
    problems = result.problems
    counts: Counter = Counter()
    docs = length = 0
    missing = stray = stale = 0
    examples: list[int] = []
    last = 0
    columns = [Claim.id, Claim.search_terms, Claim.merged_into_id]
    if recompute:
        columns += [Claim.text, Claim.title, Speaker.name, Claim.lang]
    while True:
        stmt = select(*columns).where(Claim.id > last).order_by(Claim.id).limit(batch)
        if recompute:
            stmt = stmt.outerjoin(Speaker, Speaker.id == Claim.speaker_id)
        rows = session.execute(stmt).all()
        if not rows:
            break
        for row in rows:
            terms = row.search_terms
            if row.merged_into_id is None and terms is None:
                missing += 1
                if len(examples) < 5:
                    examples.append(row.id)
            elif row.merged_into_id is not None and terms is not None:
                stray += 1
            elif recompute and row.merged_into_id is None and terms != claim_terms(row.text, row.title, row.name,
                                                                                           row.lang):
                stale += 1
            if terms:
                words = terms.split()
                counts.update(set(words))
                docs += 1
                length += len(words)
        result.claims += len(rows)
        last = rows[-1].id
    result.indexed, result.terms = docs, len(counts)
    if missing:
        problems.append(f"{missing} claim(s) without search terms (for example #{', #'.join(map(str, examples))})")
    if stray:
        problems.append(f"{stray} merged claim(s) still carry search terms")
    if stale:
        problems.append(f"{stale} claim(s) whose search terms differ from their text")

    stored = dict(session.execute(select(TermStat.term, TermStat.df).where(TermStat.df != 0)).all())
    wrong = [t for t in counts.keys() | stored.keys() if counts.get(t, 0) != stored.get(t, 0)]
    if wrong:
        sample = ", ".join(f"{t!r} {stored.get(t, 0)} (should be {counts.get(t, 0)})" for t in sorted(wrong)[:5])
        problems.append(f"{len(wrong)} term(s) with a wrong document frequency in term_stats: {sample}")
    corpus = session.get(SearchCorpus, 1)
    have = (corpus.doc_count, corpus.term_count) if corpus else None
    if have != (docs, length):
        problems.append(f"search_corpus says {have} (claims, terms), the claims give {(docs, length)}")

    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.exc import DatabaseError

        try:
            # rank=1 compares the index with the content table (the claims), not only with itself.
            with session.begin_nested():
                session.execute(text("INSERT INTO claims_fts(claims_fts, rank) VALUES ('integrity-check', 1)"))
        except DatabaseError as error:
            problems.append(f"the FTS5 index disagrees with the claims: {getattr(error, 'orig', error)}")
    elif dialect == "postgresql":
        off = session.scalar(text(
            "SELECT count(*) FROM claims WHERE search_vector IS DISTINCT FROM "
            "to_tsvector('simple', coalesce(search_terms, ''))"))
        if off:
            problems.append(f"{off} claim(s) whose tsvector differs from their search terms")
    return result

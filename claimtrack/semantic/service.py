"""Use cases of the semantic tier: embed what has no current vector, and the dense side of a match.

Like the other services these flush and never commit, except ``embed_pending``, which is a long batch job and
yields after each batch so its caller (``flask claims embed``) commits per batch: a killed run keeps every
finished batch, and the next run picks up what is still missing (claims without a current-model vector whose
text hash matches).
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import config as defaults
from ..db import one_of
from ..matching import Candidate
from ..models import Claim
from ..search_index import candidates_by_id
from .embedder import Embedder, load_query_embedder, loaded_embedder, model_identity, query_input
from .index import dense_search, vectors_from_blobs
from .store import SemanticUnavailable, claim_vectors, embed_input, text_hash

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SemanticSettings:
    """Whether the tier is on, which model, where the shared index file lives, and how many dense candidates."""

    enabled: bool = defaults.SEMANTIC_ENABLED
    model: str = defaults.SEMANTIC_MODEL
    index_dir: str = defaults.SEMANTIC_INDEX_DIR
    candidates: int = defaults.SEMANTIC_CANDIDATES


def pending_claim_ids(session: Session, model: str, page: int = 20_000) -> list[int]:
    """Unmerged claims with no vector of ``model`` for their current text (new, edited, or another model's)."""
    pending: list[int] = []
    last = 0
    while True:
        rows = session.execute(
            select(Claim.id, Claim.text, Claim.title, claim_vectors.c.model, claim_vectors.c.text_hash,
                   claim_vectors.c.dim, func.length(claim_vectors.c.vector))
            .outerjoin(claim_vectors, claim_vectors.c.claim_id == Claim.id)
            .where(Claim.id > last, Claim.merged_into_id.is_(None))
            .order_by(Claim.id).limit(page)
        ).all()
        if not rows:
            return pending
        for claim_id, text, title, vmodel, vhash, dim, size in rows:
            # A vector of the wrong size (a damaged row) is never used, and is replaced here.
            if vmodel != model or vhash != text_hash(embed_input(text, title)) or size != 4 * (dim or 0):
                pending.append(claim_id)
        last = rows[-1][0]


def write_vectors(session: Session, embedder: Embedder, claims: Sequence[tuple[int, str]],
                  vectors: np.ndarray) -> int:
    """Store the vectors of (claim id, embedded text) pairs whose claim still reads that text; returns how many."""
    if vectors.shape != (len(claims), embedder.dim):
        raise SemanticUnavailable(f"{vectors.shape[0]} vectors of size {vectors.shape[-1]} for {len(claims)} "
                                  f"claims, expected size {embedder.dim}")
    ids = [c for c, _ in claims]
    # Read the texts again: a claim edited while the model was busy keeps no vector of its old words.
    now = {r[0]: text_hash(embed_input(r[1], r[2])) for r in session.execute(
        select(Claim.id, Claim.text, Claim.title).where(Claim.id.in_(ids), Claim.merged_into_id.is_(None)))}
    rows = []
    for (claim_id, embedded), vector in zip(claims, vectors, strict=True):
        digest = text_hash(embedded)
        if now.get(claim_id) == digest:
            rows.append({"claim_id": claim_id, "model": embedder.identity, "text_hash": digest,
                         "dim": embedder.dim, "vector": np.ascontiguousarray(vector, dtype="<f4").tobytes()})
    session.execute(delete(claim_vectors).where(claim_vectors.c.claim_id.in_(ids)))
    if rows:
        session.execute(claim_vectors.insert(), rows)
    session.flush()
    return len(rows)


def embed_pending(session: Session, embedder: Embedder, claim_ids: Sequence[int], batch: int = 256
                  ) -> Iterator[tuple[int, int]]:
    """Embed the given claims in batches; yields (claims done, vectors written) after each batch (commit then)."""
    done = written = 0
    for start in range(0, len(claim_ids), batch):
        chunk = list(claim_ids[start:start + batch])
        rows = session.execute(
            select(Claim.id, Claim.text, Claim.title).where(Claim.id.in_(chunk), Claim.merged_into_id.is_(None))
        ).all()
        claims = [(r[0], embed_input(r[1], r[2])) for r in rows]
        vectors = embedder.embed([t for _, t in claims]) if claims else np.zeros((0, embedder.dim), np.float32)
        written += write_vectors(session, embedder, claims, vectors)
        done += len(chunk)
        yield done, written


def stored_similarities(session: Session, model: str, query_vector: np.ndarray,
                        claims: dict[int, str]) -> dict[int, float]:
    """Cosine similarity of the query to each claim whose stored vector is of ``model`` and of its current text."""
    if not claims:
        return {}
    # By claim id only, the model checked here: with `model = ?` in the WHERE clause SQLite chose the model index
    # (one model: every row) over the claim-id key and read a million rows per query (750 ms at 1M claims).
    rows = session.execute(
        select(claim_vectors.c.claim_id, claim_vectors.c.text_hash, claim_vectors.c.vector, claim_vectors.c.model)
        .where(one_of(session, claim_vectors.c.claim_id, claims))
    ).all()
    rows = [r for r in rows if r[3] == model and r[1] == text_hash(claims[r[0]])]
    matrix, ok = vectors_from_blobs([r[2] for r in rows], query_vector.shape[0])
    ids = [r[0] for r, good in zip(rows, ok, strict=True) if good]
    sims = matrix @ query_vector.astype(np.float32) if ids else []
    return {claim_id: float(s) for claim_id, s in zip(ids, sims, strict=True)}


@dataclass
class DenseSide:
    """The dense half of a hybrid match: the query vector and the nearest claims (id -> cosine)."""

    model: str
    vector: np.ndarray
    nearest: dict[int, float]


@dataclass
class PendingQuery:
    """A query being embedded on a background thread while the lexical side queries the database."""

    model: str
    future: Future


# Per process (a forked web worker starts its own, never inheriting the master's threads).  Torch and the
# database drivers release the GIL, so the query's embedding and the lexical candidate query overlap: on the
# 1M-claim database a hybrid match waited for both, one after the other (p50 embedding 20 ms + lexical 12-31 ms).
_executor: tuple[int, ThreadPoolExecutor] | None = None
_executor_lock = threading.Lock()


def _background() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None or _executor[0] != os.getpid():
            _executor = (os.getpid(), ThreadPoolExecutor(max_workers=2, thread_name_prefix="claimtrack-embed"))
        return _executor[1]


def _embed_query(model: str, index_dir: str, text: str) -> np.ndarray:
    return load_query_embedder(model, index_dir).embed([text])[0]


def _identity(model: str, index_dir: str) -> str:
    # The loaded model's identity: model_identity() of a model folder hashes 1 MB of its weights.
    loaded = loaded_embedder(model, index_dir)
    return loaded.identity if loaded is not None else model_identity(model)


def start_query(session: Session, query: str, settings: SemanticSettings, index_dir: str) -> PendingQuery | None:
    """Start embedding ``query`` in the background; None when the tier is off or cannot answer (no model, no
    vectors of the model, nothing for the model to read), so the caller plans a lexical-only match at once."""
    if not settings.enabled:
        return None
    text = query_input(query)
    if not text:
        return None
    try:
        identity = _identity(settings.model, index_dir)
    except SemanticUnavailable as error:
        _warn_once(str(error))
        return None
    if session.scalar(select(claim_vectors.c.id).where(claim_vectors.c.model == identity).limit(1)) is None:
        return None
    return PendingQuery(model=identity, future=_background().submit(_embed_query, settings.model, index_dir, text))


def finish_query(session: Session, pending: PendingQuery, settings: SemanticSettings,
                 index_dir: str) -> DenseSide | None:
    """Wait for the query's vector and find its nearest claims; None (logged once) when the model failed."""
    try:
        vector = pending.future.result()
    except SemanticUnavailable as error:
        _warn_once(str(error))
        return None
    return DenseSide(model=pending.model, vector=vector,
                     nearest=dense_search(session, vector, pending.model, index_dir, settings.candidates))


def dense_side(session: Session, query: str, settings: SemanticSettings, index_dir: str) -> DenseSide | None:
    """Embed the query and find its nearest claims; None when the tier is off, unavailable or has no vectors."""
    pending = start_query(session, query, settings, index_dir)
    return finish_query(session, pending, settings, index_dir) if pending is not None else None


def hybrid_pool(session: Session, found: list[Candidate], dense: DenseSide) -> tuple[list[Candidate],
                                                                                    dict[int, float]]:
    """The lexical candidates plus the dense side's nearest claims, and the cosine of each that has a vector."""
    have = {c.claim_id for c in found}
    pool = found + candidates_by_id(session, [i for i in dense.nearest if i not in have])
    cosines = stored_similarities(session, dense.model, dense.vector,
                                  {c.claim_id: embed_input(c.text, c.title) for c in pool})
    return pool, cosines


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning("semantic tier unavailable, matching lexically: %s", message)


def preload(settings: SemanticSettings, index_dir: str) -> bool:
    """Load the model now, in a server's master process, so forked web workers share its memory.

    gunicorn (deploy/gunicorn.conf.py) calls this once before it forks: the query model (the ONNX export that
    `flask claims embed` writes, or else the torch model: ~90 MB of weights and ~400 MB of torch and its
    libraries) is then mapped once and shared copy-on-write by every worker, instead of each worker loading its
    own copy on its first match (bench/semantic_workers.py measures both).  One short text is embedded here too,
    so the lazy first-call set-up is shared as well; either runtime runs on one thread, so no thread pool exists
    for a fork to leave behind.  Returns whether the model is loaded; a missing or broken package is logged, and
    workers match lexically.
    """
    if not settings.enabled:
        return False
    try:
        load_query_embedder(settings.model, index_dir).embed([query_input("warm up")])
    except SemanticUnavailable as error:
        _warn_once(str(error))
        return False
    log.info("semantic tier: model %s loaded before the workers fork", settings.model)
    return True

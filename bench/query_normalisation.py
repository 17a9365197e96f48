"""Query-side normalisation measured per tier: what helps BM25 may hurt the sentence model, and the other way round.

    python bench/query_normalisation.py --workdir DIR [--dataset snopes-tweets] [--split train --split dev]

DIR is a `bench/match_quality.py --tier both --workdir DIR` folder (claims imported, `flask claims embed` done).
Each query is rewritten by each variant below, then ranked three ways over the same claims, and MAP@5 printed:

- lexical   the lexical tier (claimtrack.services.matching.match, semantic off) on the rewritten text;
- dense     the sentence model alone: cosine between the rewritten text's embedding and every stored claim
            vector (exact, numpy), no other normalisation (this bypasses the tier's own query_input);
- hybrid    the hybrid tier on the rewritten text (its own query_input still drops URLs for the model).

The tiers' own normalisation is what the first column of the winner table should confirm: the lexical tier splits
handles and hashtags and drops the signature's date but keeps the name; the model's input drops URLs only.
Choices are made on train; dev is reported beside it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_DATA, average_precision_at, read_jsonl  # noqa: E402

_URL = re.compile(r"(?:https?://|www\.)\S*|pic\.twitter\.com/\S*", re.IGNORECASE)
# "— Name (@handle) January 21, 2017" at the end of a tweet.
_SIGNATURE = re.compile(r"\s*[—–-]+\s*[^—–]*?\(@\w+\)\s*[A-Z][a-z]+ \d{1,2}, \d{4}\s*$")
_SIGNATURE_DATE = re.compile(r"(\(@\w+\))\s*[A-Z][a-z]+ \d{1,2}, \d{4}\s*$")
_TAG = re.compile(r"[#@](\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def no_urls(text: str) -> str:
    return re.sub(r"\s+", " ", _URL.sub(" ", text)).strip()


VARIANTS = {
    "as typed": lambda t: t,
    "URLs dropped": no_urls,
    "URLs + signature dropped": lambda t: _SIGNATURE.sub("", no_urls(t)),
    "URLs + signature date dropped": lambda t: _SIGNATURE_DATE.sub(r"\1", no_urls(t)),
    "URLs dropped, #/@ tags split": lambda t: _TAG.sub(lambda m: _CAMEL.sub(" ", m.group(1)), no_urls(t)),
}


def mean_ap(runs: list[list[str]], golds: list[set[str]]) -> float:
    return sum(average_precision_at(r, g) for r, g in zip(runs, golds, strict=True)) / max(len(golds), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--dataset", action="append")
    parser.add_argument("--split", action="append")
    parser.add_argument("--hybrid-split", default="dev", help="the hybrid tier is slow: run it on this split only")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()

    from claimtrack import create_app
    from claimtrack.db import db
    from claimtrack.services.matching import match
    from claimtrack.semantic.embedder import load_embedder
    from claimtrack.semantic.store import claim_vectors
    from claimtrack.models import Claim
    from sqlalchemy import select

    embedder = load_embedder(threads=2)
    for name in args.dataset or ("snopes-tweets", "politifact-debates"):
        url = f"sqlite:///{args.workdir / name / 'quality.sqlite'}"
        index_dir = str(args.workdir / name / "vector-index")
        lexical_app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url})
        hybrid_app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url, "SEMANTIC_ENABLED": True,
                                 "SEMANTIC_INDEX_DIR": index_dir})
        with lexical_app.app_context():
            rows = db.session.execute(
                select(Claim.external_id, claim_vectors.c.vector)
                .join(claim_vectors, claim_vectors.c.claim_id == Claim.id)
                .where(claim_vectors.c.model == embedder.identity)
            ).all()
        ids = [r[0] for r in rows]
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), -1)
        print(f"\n{name}: {len(ids):,} claim vectors; MAP@5 per query variant", flush=True)
        print(f"  {'variant':<32}" + "".join(f"{f'{tier} {split}':>15}" for split in (args.split or ["train", "dev"])
                                            for tier in ("lexical", "dense"))
              + f"{'hybrid ' + args.hybrid_split:>15}")
        for label, rewrite in VARIANTS.items():
            cells = []
            for split in args.split or ["train", "dev"]:
                queries = read_jsonl(args.data / "claim-retrieval" / name / f"{split}.jsonl")
                texts = [rewrite(q["text"]) for q in queries]
                golds = [set(q["gold"]) for q in queries]
                with lexical_app.app_context():
                    settings = lexical_app.extensions["match_settings"]
                    lexical = [[m.external_id for m in match(db.session, t, limit=5, settings=settings).matches]
                               for t in texts]
                vectors = embedder.embed(texts)
                top = np.argsort(-(vectors @ matrix.T), axis=1)[:, :5]
                dense = [[ids[i] for i in row] for row in top]
                cells += [mean_ap(lexical, golds), mean_ap(dense, golds)]
            queries = read_jsonl(args.data / "claim-retrieval" / name / f"{args.hybrid_split}.jsonl")
            with hybrid_app.app_context():
                settings = hybrid_app.extensions["match_settings"]
                hybrid = [[m.external_id for m in match(db.session, rewrite(q["text"]), limit=5,
                                                             settings=settings).matches] for q in queries]
            cells.append(mean_ap(hybrid, [set(q["gold"]) for q in queries]))
            print(f"  {label:<32}" + "".join(f"{c:15.3f}" for c in cells), flush=True)
        for application in (lexical_app, hybrid_app):
            with application.app_context():
                db.engine.dispose()


if __name__ == "__main__":
    main()

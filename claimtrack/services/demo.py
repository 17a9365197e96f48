"""The demo set `make run` loads into an empty database: a few earlier claims and one ingested article."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from ..interchange import Reader
from ..verdicts import VerdictScale
from ..webpage import article_from_text
from .claims_io import ClaimImporter

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"


def load_demo(session: Session, scale: VerdictScale, article: bool = True) -> str:
    """Import the demo claims and ingest the demo article (CNN, March 2022); flush, never commit."""
    from dataclasses import replace

    from .ingest import ingest_article

    importer = ClaimImporter(session, scale)
    for _ in importer.run(Reader(str(DEMO_DIR / "claims.jsonl"), "jsonl")):
        pass
    summary = f"{importer.report.created} claims"
    if article:
        text = (DEMO_DIR / "zelensky-cnn-interview.txt").read_text(encoding="utf-8")
        ingest_article(session, replace(article_from_text(text), publisher="CNN"))
        summary += ", 1 article"
    return summary

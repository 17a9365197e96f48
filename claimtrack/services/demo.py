"""The demo set `make run` loads into an empty database: a few earlier claims and one ingested article."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from ..interchange import Reader
from .matching import MatchSettings
from ..verdicts import VerdictScale
from ..webpage import article_from_text
from .claims_io import ClaimImporter

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"


def load_demo(session: Session, scale: VerdictScale, article: bool = True, settings: MatchSettings | None = None) -> str:
    """Import the demo claims and ingest the demo article (CNN, March 2022), its candidates matched and their
    matches kept as the ingest form does (with ``settings``, the app's ingest match settings); flush, never commit."""
    from dataclasses import replace

    from .ingest import article_appearances, ingest_article, matches_for

    importer = ClaimImporter(session, scale)
    for _ in importer.run(Reader(str(DEMO_DIR / "claims.jsonl"), "jsonl")):
        pass
    summary = f"{importer.report.created} claims"
    if article:
        text = (DEMO_DIR / "zelensky-cnn-interview.txt").read_text(encoding="utf-8")
        found, _ = ingest_article(session, replace(article_from_text(text), publisher="CNN"))
        matches_for(session, article_appearances(session, found.id), *(() if settings is None else (settings,)))
        summary += ", 1 article"
    return summary

"""The demo set `make run` loads into an empty database: a few earlier claims and one article."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from ..interchange import Reader
from ..verdicts import VerdictScale
from .articles import store_article
from .claims_io import ClaimImporter

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"


def load_demo(session: Session, scale: VerdictScale) -> str:
    """Import the demo claims and store the demo article; flush, never commit."""
    importer = ClaimImporter(session, scale)
    for _ in importer.run(Reader(str(DEMO_DIR / "claims.jsonl"), "jsonl")):
        pass
    text = (DEMO_DIR / "zelensky-cnn-interview.txt").read_text(encoding="utf-8")
    title = text.strip().splitlines()[0].strip()
    store_article(session, text, title=title, publisher="CNN")
    return f"{importer.report.created} claims, 1 article"

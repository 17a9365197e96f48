"""Articles: storing an ingested text once, recognised again by its URL or content hash."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import Article


def content_hash(text: str) -> str:
    """SHA-256 of the text with whitespace folded, so re-wrapped copies count as the same article."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def store_article(
    session: Session,
    text: str,
    *,
    title: str | None = None,
    url: str | None = None,
    byline: str | None = None,
    publisher: str | None = None,
    published_on: date | None = None,
) -> tuple[Article, bool]:
    """The stored article for this text or URL, and whether it was new."""
    digest = content_hash(text)
    condition = Article.content_hash == digest
    if url:
        condition = or_(condition, Article.url == url)
    found = session.scalar(select(Article).where(condition).limit(1))
    if found is not None:
        return found, False
    article = Article(
        text=text, title=title, url=url, byline=byline, publisher=publisher,
        published_on=published_on, content_hash=digest,
    )
    session.add(article)
    session.flush()
    return article, True

"""ClaimReview for the public: a published claim as schema.org ClaimReview, the verdict in words, the DataFeed.

What is public is decided by services.public: a claim's ClaimReview is built from its public page, and the
feed reads claims through its card query (published, unmerged), adding only their topics and the provenance
of an imported review.  The record format and the JSON-LD elements are ``interchange``'s.  Read-only: nothing
here writes.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..interchange import Review, claimreview_element
from ..models import Claim, ReviewProvenance, Topic, Verdict, claim_topics
from ..verdicts import VerdictScale
from .claims_io import _review_of
from .public import ClaimCard, ClaimPage, _card, _cards


def rating_words(scale: VerdictScale, rating: str | None, rating_text: str | None) -> str | None:
    """The verdict in words: the scale's label, or the publisher's own rating text."""
    level = scale.get(rating)
    return level.label if level else rating_text


def claim_record(page: ClaimPage | ClaimCard, scale: VerdictScale, url: str, topics: Sequence[str] = (),
                 external_id: str | None = None, review: Review | None = None) -> dict[str, Any]:
    """A claim in the import/export record format that ``interchange.claimreview_element`` reads."""
    return {
        "id": external_id or f"claimtrack-{page.id}",
        "text": page.text,
        "title": getattr(page, "title", None),
        # another organisation's review says its own words; ours says the scale's label
        "verdict": (page.rating_text if review and page.rating_text else
                    rating_words(scale, page.rating, page.rating_text)),
        "speaker": page.speaker_name,
        "url": url,
        "topics": list(topics),
        "review": review.as_json() if review else None,
        "_claim_date": page.claim_date.isoformat() if page.claim_date else None,
    }


def claim_review(page: ClaimPage, scale: VerdictScale, url: str, publisher: dict[str, str]) -> dict[str, Any]:
    """The schema.org ClaimReview of a published claim, as Google's fact-check guidelines ask for it."""
    level = scale.get(page.rating)
    record = claim_record(page, scale, url, [name for _, name, _ in page.topics], page.external_id, page.review)
    review = claimreview_element(
        record, level.rating_value if level else None, scale.best, scale.worst,
        page.published_at.date().isoformat() if page.published_at else None, publisher,
        level.label if level else None,
    )
    if page.review is not None:
        return review  # another organisation's review: its own dates, author and item reviewed, as published
    if page.updated_at:
        review["dateModified"] = page.updated_at.date().isoformat()
    item = review["itemReviewed"]
    if page.lang:
        review.setdefault("inLanguage", page.lang)
        item.setdefault("inLanguage", page.lang)
    first_seen = min((a.published_on for a in page.appearances if a.published_on), default=None)
    if "datePublished" not in item and first_seen:
        item["datePublished"] = first_seen.isoformat()
    appearance = [
        {k: v for k, v in {"@type": "CreativeWork", "url": a.url, "headline": a.title,
                           "datePublished": a.published_on.isoformat() if a.published_on else None,
                           "publisher": {"@type": "Organization", "name": a.publisher} if a.publisher else None,
                           }.items() if v is not None}
        for a in page.appearances if a.url
    ]
    if appearance:
        item["appearance"] = appearance
        item["firstAppearance"] = appearance[0]
    return review


def json_for_script(data: Any) -> str:
    """JSON safe inside <script type="application/ld+json">: no "<", ">" or "&" can end the element."""
    return (json.dumps(data, ensure_ascii=False, indent=1)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def claimreview_records(session: Session, chunk: int = 5000) -> Iterator[dict[str, Any]]:
    """Every published claim in the record format, by id, for the ClaimReview data feed."""
    last = 0
    while True:
        rows = session.execute(
            _cards().add_columns(Claim.external_id, Claim.title).where(Claim.id > last).order_by(Claim.id)
            .limit(chunk)
        ).all()
        if not rows:
            return
        ids = [r[0] for r in rows]
        topics: dict[int, list[str]] = {}
        for claim_id, name in session.execute(
            select(claim_topics.c.claim_id, Topic.name).join(Topic, Topic.id == claim_topics.c.topic_id)
            .where(claim_topics.c.claim_id.in_(ids)).order_by(claim_topics.c.claim_id, Topic.name)
        ):
            topics.setdefault(claim_id, []).append(name)
        reviews = {claim_id: _review_of(provenance) for claim_id, provenance in session.execute(
            select(Verdict.claim_id, ReviewProvenance).join(ReviewProvenance, ReviewProvenance.verdict_id == Verdict.id)
            .where(Verdict.claim_id.in_(ids)))}
        for row in rows:
            card = _card(row)
            yield {"card": card, "external_id": row[11], "title": row[12], "topics": topics.get(card.id, []),
                   "review": reviews.get(card.id)}
        last = ids[-1]


def claimreview_feed_chunks(session: Session, scale: VerdictScale, publisher: dict[str, str],
                            claim_url: Callable[[int, str], str]) -> Iterator[str]:
    """The schema.org DataFeed of every published claim, written a piece at a time.

    The same document ``interchange.claimreview_feed`` builds (a test checks it), streamed so that a
    million claims never sit in memory at once; ``flask claims import`` reads it back.
    """
    yield '{\n "@context": "https://schema.org",\n "@type": "DataFeed",\n "dataFeedElement": ['
    separator = "\n"
    for item in claimreview_records(session):
        card = item["card"]
        record = claim_record(card, scale, claim_url(card.id, card.slug), item["topics"], item["external_id"],
                              item["review"])
        record["title"] = item["title"]
        level = scale.get(card.rating)
        element = claimreview_element(
            record, level.rating_value if level else None, scale.best, scale.worst,
            card.published_at.date().isoformat() if card.published_at else None, publisher,
            level.label if level else None,
        )
        yield separator + json.dumps(element, ensure_ascii=False)
        separator = ",\n"
    yield "\n ]\n}\n"

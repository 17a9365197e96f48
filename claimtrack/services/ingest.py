"""Ingesting an article: store it once, pull out its candidate claims with speakers and scores,
find the earlier claims each one repeats, and record the editor's decisions on them.

Every function takes a Session, flushes and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Sequence

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session, selectinload

from .. import config as defaults
from ..extraction import article_language, extract_candidates
from ..extraction.checkworthiness import score_sentences
from ..extraction.matchable import matchable_text
from ..matching.language import detect_language
from ..models import (
    Stance,
    Appearance,
    AppearanceMatch,
    AppearanceStatus,
    Article,
    Claim,
    Speaker,
    User,
    Verdict,
)
from ..webpage import ArticleText
from . import audit
from .articles import store_article
from .claims import ClaimInputError, open_claim
from .matching import DEFAULT_SETTINGS, MatchSettings, match
from .speakers import resolve_speaker
from ..translatable import Text as _l, message


class DecisionError(ValueError):
    """A decision that cannot be applied (the message is for the editor)."""


@dataclass(frozen=True)
class MatchView:
    """An earlier claim offered for a candidate, with what an editor needs to judge it."""

    claim_id: int
    external_id: str | None
    text: str
    score: float
    band: str
    shared: tuple[str, ...]
    rating: str | None
    rating_text: str | None
    status: str | None



def ingest_article(session: Session, article_text: ArticleText, user: User | None = None,
                   max_candidates: int | None = None) -> tuple[Article, bool]:
    """Store an article once (by URL or content hash) with its candidate claims; return it and whether it was new.

    The article is read in ``article_text.lang`` when given, else in the language detected from its text (stored).

    ``max_candidates``: keep only that many, the most check-worthy (the rest are counted in the audit event)."""
    article, created = store_article(
        session, article_text.text, title=article_text.title, url=article_text.url, byline=article_text.byline,
        publisher=article_text.publisher, published_on=article_text.published_on,
    )
    if not created:
        return article, False
    article.created_by_id = user.id if user else None
    article.lang = article_text.lang or article_language(article_text.text)
    candidates = extract_candidates(article_text.text, article_text.publisher, lang=article.lang)
    scores = score_sentences([c.text for c in candidates])
    dropped = 0
    if max_candidates is not None and len(candidates) > max_candidates:
        keep = sorted(sorted(range(len(candidates)), key=lambda i: (-scores[i], i))[:max_candidates])
        dropped = len(candidates) - len(keep)
        candidates, scores = [candidates[i] for i in keep], [scores[i] for i in keep]
    speakers: dict[str, Speaker | None] = {}
    for candidate, score in zip(candidates, scores, strict=True):
        if candidate.speaker and candidate.speaker not in speakers:
            speakers[candidate.speaker] = resolve_speaker(session, candidate.speaker)
        speaker = speakers.get(candidate.speaker) if candidate.speaker else None
        session.add(Appearance(
            article_id=article.id,
            sentence=candidate.text,
            position=candidate.position,
            paragraph=candidate.paragraph,
            is_quote=candidate.is_quote,
            speaker_text=(candidate.speaker or None) and candidate.speaker[:200],
            speaker_kind=candidate.speaker_kind,
            speaker_id=speaker.id if speaker else None,
            checkworthiness=round(float(score), 4),
        ))
    session.flush()
    audit.record(session, user, "article.ingest", "article", article.id, candidates=len(candidates),
                 **({"dropped_low_candidates": dropped} if dropped else {}))
    session.flush()
    return article, True


def article_appearances(session: Session, article_id: int, offset: int = 0,
                        limit: int | None = None) -> list[Appearance]:
    """The article's candidates, most check-worthy first (one page of them with ``offset`` and ``limit``)."""
    return list(session.scalars(
        select(Appearance)
        .where(Appearance.article_id == article_id)
        .options(selectinload(Appearance.claim).selectinload(Claim.verdict), selectinload(Appearance.decided_by),
                 selectinload(Appearance.speaker))
        .order_by(Appearance.checkworthiness.desc().nulls_last(), Appearance.position, Appearance.id)
        .offset(offset).limit(limit)
    ))


def count_appearances(session: Session, article_id: int) -> int:
    """How many candidates the article has."""
    return session.scalar(select(func.count()).select_from(Appearance).where(Appearance.article_id == article_id))


def paragraphs_of(article: Article) -> list[str]:
    """The article's non-empty lines: what an appearance's ``paragraph`` index points into."""
    return [line.strip() for line in article.text.split("\n") if line.strip()]


def matches_for(
    session: Session, appearances: Sequence[Appearance], settings: MatchSettings = DEFAULT_SETTINGS,
    limit: int = defaults.INGEST_MATCHES_PER_CANDIDATE,
) -> dict[int, list[MatchView]]:
    """Match each appearance against the earlier claims and keep what was found (its rows in appearance_matches
    and its top score), replacing what an earlier match kept; the shown bands only, with their verdicts. A write:
    it belongs to ingest and to an editor's "match again", never to a page that only shows."""
    ids = [appearance.id for appearance in appearances]
    if ids:
        session.execute(delete(AppearanceMatch).where(AppearanceMatch.appearance_id.in_(ids)))
    for appearance in appearances:
        result = match(session, matchable_text(appearance.sentence, appearance.is_quote), limit=limit + 1,
                            settings=settings, include_unrelated=False)
        found = [m for m in result.matches if m.claim_id != appearance.claim_id][:limit]
        appearance.match_score = found[0].score if found else None
        session.add_all(
            AppearanceMatch(appearance_id=appearance.id, claim_id=m.claim_id, rank=rank, score=m.score, band=m.band,
                            shared=list(m.shared))
            for rank, m in enumerate(found)
        )
    session.flush()
    return stored_matches(session, appearances, limit)


def stored_matches(session: Session, appearances: Sequence[Appearance],
                   limit: int = defaults.INGEST_MATCHES_PER_CANDIDATE) -> dict[int, list[MatchView]]:
    """The matches kept for each appearance, best first, with the claims' current wording and verdicts, in one
    query; reads only."""
    by_id = {appearance.id: appearance for appearance in appearances}
    views: dict[int, list[MatchView]] = {appearance_id: [] for appearance_id in by_id}
    if not by_id:
        return views
    rows = session.execute(
        select(AppearanceMatch.appearance_id, AppearanceMatch.score, AppearanceMatch.band, AppearanceMatch.shared,
               Claim.id, Claim.external_id, Claim.text, Verdict.rating, Verdict.rating_text, Verdict.status)
        .join(Claim, Claim.id == AppearanceMatch.claim_id)
        .outerjoin(Verdict, Verdict.claim_id == Claim.id)
        .where(AppearanceMatch.appearance_id.in_(list(by_id)))
        .order_by(AppearanceMatch.appearance_id, AppearanceMatch.rank)
    )
    for appearance_id, score, band, shared, claim_id, external_id, text, rating, rating_text, status in rows:
        shown = views[appearance_id]
        # a claim made from this very sentence is not a match for it
        if claim_id == by_id[appearance_id].claim_id or len(shown) >= limit:
            continue
        shown.append(MatchView(claim_id=claim_id, external_id=external_id, text=text, score=score, band=band,
                               shared=tuple(shared or ()), rating=rating, rating_text=rating_text,
                               status=status.value if status else None))
    return views


EDITING_ROLES = ("admin", "editor")


def require_editor(user: User | None) -> None:
    """Only editors and admins decide on candidates and ingest articles; raise PermissionError otherwise."""
    if user is None or getattr(user.role, "value", user.role) not in EDITING_ROLES:
        raise PermissionError(_l("Only editors and admins can do this."))


def _decide(appearance: Appearance, user: User, status: AppearanceStatus) -> None:
    require_editor(user)
    appearance.status = status
    appearance.decided_by_id = user.id
    appearance.decided_at = datetime.now(timezone.utc)


def link_appearance(session: Session, appearance: Appearance, claim_id: int, user: User,
                    stance: Stance = Stance.REPEATS) -> Claim:
    """Record the appearance as an occurrence of an existing claim (following merges), with its stance toward it."""
    claim = session.get(Claim, claim_id)
    seen = set()
    while claim is not None and claim.merged_into_id is not None and claim.id not in seen:
        seen.add(claim.id)
        claim = session.get(Claim, claim.merged_into_id)
    if claim is None:
        raise DecisionError(_l("Claim #%(id)s does not exist.", id=claim_id))
    appearance.claim_id = claim.id
    appearance.dismiss_reason = None
    appearance.stance = Stance(stance)
    _decide(appearance, user, AppearanceStatus.LINKED)
    audit.record(session, user, "appearance.link", "appearance", appearance.id, claim_id=claim.id,
                 stance=appearance.stance.value)
    session.flush()
    return claim


def create_claim_from_appearance(
    session: Session, appearance: Appearance, text: str, speaker_name: str | None, user: User,
    stance: Stance = Stance.REPEATS,
) -> Claim:
    """Open a new claim in the editor's canonical words, with its speaker, and link the appearance to it."""
    require_editor(user)
    try:
        claim = open_claim(session, text, speaker_name, appearance.article.published_on,
                           lang=_wording_language(text, appearance.article))
    except ClaimInputError as error:
        raise DecisionError(message(error)) from None
    speaker = claim.speaker
    appearance.claim_id = claim.id
    if speaker is not None and appearance.speaker_id is None:
        appearance.speaker_id = speaker.id
    appearance.stance = Stance(stance)
    _decide(appearance, user, AppearanceStatus.LINKED)
    audit.record(session, user, "claim.create", "claim", claim.id, from_appearance=appearance.id)
    session.flush()
    return claim


def _wording_language(text: str, article: Article) -> str | None:
    """The language of canonical words written from an article's sentence: detected from the words themselves (an
    editor may word a Spanish quote in English), the article's language when they are too short to tell."""
    if not article.lang:
        return None
    return detect_language(text, default=article.lang)


def dismiss_appearance(session: Session, appearance: Appearance, user: User, reason: str | None = None) -> None:
    """Mark a candidate as not worth a claim, with an optional reason."""
    appearance.claim_id = None
    appearance.stance = None
    appearance.dismiss_reason = (reason or "").strip()[:200] or None
    _decide(appearance, user, AppearanceStatus.DISMISSED)
    audit.record(session, user, "appearance.dismiss", "appearance", appearance.id, reason=appearance.dismiss_reason)
    session.flush()


def recent_articles(limit: int = 50):
    """Select the latest ingested articles with their candidate and pending counts."""
    pending = func.coalesce(func.sum(case((Appearance.status == AppearanceStatus.PENDING, 1), else_=0)), 0)
    return (
        select(Article, func.count(Appearance.id), pending)
        .outerjoin(Appearance, Appearance.article_id == Article.id)
        .group_by(Article.id)
        .order_by(Article.id.desc())
        .limit(limit)
    )



"""What the public sees: published verdicts only, merged claims folded into the claim they joined.

Every query here starts from ``_published_status()``: a claim is public when its verdict's status is
``published`` and it was not merged into another claim.  Drafts, verdicts in review, unpublished
verdicts, dismissed or pending candidates, comments and the names of the newsroom's users never leave
this module (nothing here reads Comment or User).  Lists select plain columns, not ORM objects, so a
page costs a few index look-ups whatever the size of the archive.  Read-only: nothing here writes.

Built on these queries: the ClaimReview of a claim and the ClaimReview feed (services/claimreview.py) and
a speaker's scorecard (services/scorecard.py).
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from typing import Any, Iterator

from sqlalchemy import Select, String, and_, cast, exists, func, select
from sqlalchemy.orm import Session

from ..interchange import Review, parse_date
from ..models import (
    Stance,
    Appearance,
    AppearanceStatus,
    Article,
    Claim,
    Correction,
    ReviewProvenance,
    Source,
    Speaker,
    SpeakerAlias,
    Topic,
    Verdict,
    VerdictStatus,
    claim_topics,
)
from .claims_io import _review_of
from .matching import MatchSettings, match
from .merge import resolve_claim
from .speakers import name_key

PAGE_SIZE = 20
# Offset pages walk the list from its top; past this a reader should narrow the filters instead.
MAX_PAGE = 500
# Search shows at most this many published matches (the matcher's best, filtered).
SEARCH_RESULTS = 50
# What a reader may paste into the search box: a claim or a paragraph, not an article.
MAX_SEARCH_CHARS = 2000
SPEAKERS_PER_PAGE = 50
# A sitemap file holds at most 50,000 URLs: one file per block of claim ids of this size.
SITEMAP_BLOCK = 50_000
FEED_ENTRIES = 50
API_MAX_LIMIT = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


class PublicInputError(ValueError):
    """Input a reader or API client got wrong; the message says how to fix it."""


# --- small pure helpers ---------------------------------------------------------------------------------------


def slugify(text: str | None, max_length: int = 60) -> str:
    """The URL words of a claim or name: ASCII, lower case, hyphens, at most ``max_length`` characters."""
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", folded)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    return slug or (words[0][:max_length] if words else "claim")


def clean_text(value: str | None) -> str:
    """Text as typed minus control characters (NUL and friends), whitespace folded."""
    return " ".join(_CONTROL.sub(" ", value or "").split())


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored timestamp as timezone-aware UTC (SQLite hands them back naive)."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def encode_cursor(claim_id: int) -> str:
    """An opaque API cursor for keyset pagination after ``claim_id``."""
    return base64.urlsafe_b64encode(f"v1:{claim_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The claim id inside an API cursor; raise PublicInputError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise PublicInputError("The cursor is not one this API gave out: use next_cursor as returned.") from None
    kind, _, number = raw.partition(":")
    if kind != "v1" or not number.isdecimal() or len(number) > 18:
        raise PublicInputError("The cursor is not one this API gave out: use next_cursor as returned.")
    return int(number)


# --- filters --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicFilters:
    """What a reader narrowed the claims to: a rating, a speaker, a topic, a range of claim dates."""

    rating: str | None = None
    speaker_id: int | None = None
    topic_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.rating, self.speaker_id, self.topic_id, self.date_from, self.date_to))


def _published_status(by_claim: bool = False):
    """The condition "the verdict is published".

    With ``by_claim`` the comparison goes through CAST, which hides the (status, published_at) index from
    the planner: a look-up that starts from claims (by id, speaker or topic) must probe each claim's
    verdict, not walk the 700K published verdicts of an archive in date order looking for them.
    """
    if by_claim:
        return cast(Verdict.status, String(16)) == VerdictStatus.PUBLISHED.value
    return Verdict.status == VerdictStatus.PUBLISHED


def _apply(stmt: Select, filters: PublicFilters) -> Select:
    if filters.rating is not None:
        stmt = stmt.where(Verdict.rating == filters.rating)
    if filters.speaker_id is not None:
        stmt = stmt.where(Claim.speaker_id == filters.speaker_id)
    if filters.topic_id is not None:
        stmt = stmt.where(
            exists().where(claim_topics.c.claim_id == Claim.id, claim_topics.c.topic_id == filters.topic_id)
        )
    if filters.date_from is not None:
        stmt = stmt.where(Claim.claim_date >= filters.date_from)
    if filters.date_to is not None:
        stmt = stmt.where(Claim.claim_date <= filters.date_to)
    return stmt


def find_speaker(session: Session, name: str) -> Speaker | None:
    """The speaker a reader typed (name or alias, any case), if they have a published claim."""
    key = name_key(clean_text(name))[:200]
    if not key:
        return None
    speaker_id = session.scalar(select(Speaker.id).where(Speaker.name_key == key)) or session.scalar(
        select(SpeakerAlias.speaker_id).where(SpeakerAlias.alias_key == key)
    )
    return public_speaker(session, speaker_id) if speaker_id else None


# --- claim cards (lists) --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimCard:
    """A published claim as lists show it (the attributes the verdict badge macro reads included)."""

    id: int
    text: str
    slug: str
    speaker_id: int | None
    speaker_name: str | None
    rating: str | None
    rating_text: str | None
    summary: str | None
    published_at: datetime | None
    claim_date: date | None
    date_text: str | None
    score: float | None = None
    # The claim's language (ISO 639-1), declared on its text in the page.
    lang: str | None = None

    @property
    def speaker_slug(self) -> str:
        return slugify(self.speaker_name)


def _cards(by_claim: bool = False) -> Select:
    return (
        select(
            Claim.id, Claim.text, Claim.speaker_id, Speaker.name, Verdict.rating, Verdict.rating_text,
            Verdict.summary, Verdict.published_at, Claim.claim_date, Claim.date_text, Claim.lang,
        )
        .select_from(Claim)
        .join(Verdict, Verdict.claim_id == Claim.id)
        .outerjoin(Speaker, Speaker.id == Claim.speaker_id)
        .where(_published_status(by_claim), Claim.merged_into_id.is_(None))
    )


def _card(row: Any) -> ClaimCard:
    return ClaimCard(
        id=row[0], text=row[1], slug=slugify(row[1]), speaker_id=row[2], speaker_name=row[3], rating=row[4],
        rating_text=row[5], summary=row[6], published_at=as_utc(row[7]), claim_date=row[8], date_text=row[9],
        lang=row[10],
    )


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, its number, whether another follows."""

    rows: list[ClaimCard]
    page: int
    has_next: bool


def latest(session: Session, filters: PublicFilters = PublicFilters(), page: int = 1,
           per_page: int = PAGE_SIZE) -> Page:
    """Published verdicts, newest first, one page (offset pages up to MAX_PAGE)."""
    # A speaker or topic leaves far fewer claims than the archive: start from them, then sort.
    selective = filters.speaker_id is not None or filters.topic_id is not None
    stmt = _apply(_cards(selective), filters).order_by(Verdict.published_at.desc(), Verdict.id.desc())
    rows = session.execute(stmt.limit(per_page + 1).offset((page - 1) * per_page)).all()
    return Page(rows=[_card(r) for r in rows[:per_page]], page=page, has_next=len(rows) > per_page)


def search(session: Session, text: str, filters: PublicFilters, settings: MatchSettings,
           limit: int = SEARCH_RESULTS) -> list[ClaimCard]:
    """Published claims that say what ``text`` says, best first, with their 0-100 scores."""
    result = match(session, text, limit=max(limit, settings.candidates), settings=settings,
                   include_unrelated=False)
    return scored_cards(session, {m.claim_id: m.score for m in result.matches}, filters, limit)


def scored_cards(session: Session, scores: dict[int, float], filters: PublicFilters = PublicFilters(),
                 limit: int = SEARCH_RESULTS) -> list[ClaimCard]:
    """The published, unmerged claims among ``scores`` (claim id -> match score) as cards, best score first.

    What is public is decided here, by the card query: the search and the "Ask us to check" answer read
    matches through it, so nothing unpublished can leak.
    """
    if not scores:
        return []
    rows = session.execute(_apply(_cards(by_claim=True), filters).where(Claim.id.in_(list(scores)))).all()
    cards = [replace(_card(r), score=round(scores[r[0]], 1)) for r in rows]
    cards.sort(key=lambda c: (-(c.score or 0), -c.id))
    return cards[:limit]


def api_claims(session: Session, filters: PublicFilters, before_id: int | None, limit: int) -> tuple[list[ClaimCard], int | None]:
    """Published claims by descending id after a keyset cursor; the next cursor's id or None."""
    stmt = _apply(_cards(), filters)
    if before_id is not None:
        stmt = stmt.where(Claim.id < before_id)
    rows = session.execute(stmt.order_by(Claim.id.desc()).limit(limit + 1)).all()
    cards = [_card(r) for r in rows[:limit]]
    return cards, (cards[-1].id if len(rows) > limit else None)


# --- one claim ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppearanceView:
    """Where the claim was made: an article (only appearances an editor linked)."""

    url: str | None
    title: str | None
    publisher: str | None
    published_on: date | None
    sentence: str


@dataclass(frozen=True)
class CorrectionView:
    """A public correction note with its date (never its author)."""

    note: str
    created_at: datetime | None


@dataclass(frozen=True)
class ClaimPage:
    """Everything the public page of one claim shows."""

    id: int
    text: str
    slug: str
    title: str | None
    external_id: str | None
    speaker_id: int | None
    speaker_name: str | None
    claim_date: date | None
    date_text: str | None
    url: str | None
    rating: str | None
    rating_text: str | None
    summary: str | None
    explanation: str | None
    published_at: datetime | None
    updated_at: datetime | None
    topics: list[tuple[int, str, str]] = field(default_factory=list)
    sources: list[tuple[str, str | None, str | None, date | None]] = field(default_factory=list)
    corrections: list[CorrectionView] = field(default_factory=list)
    appearances: list[AppearanceView] = field(default_factory=list)
    # Another organisation's review, imported with its provenance; None when the verdict is the newsroom's own.
    review: Review | None = None
    # The day that organisation last changed its rating, as its review says (or as a re-import found it).
    review_updated_on: date | None = None
    # The claim's language (ISO 639-1): the page declares it on the claim, ClaimReview as inLanguage.
    lang: str | None = None

    @property
    def speaker_slug(self) -> str:
        return slugify(self.speaker_name)

    @property
    def review_published_on(self) -> date | None:
        """The day the other organisation published its review."""
        return parse_date(self.review.date_published) if self.review else None

    @property
    def review_appearances(self) -> list[str]:
        """Where the other organisation found the claim: its first appearance first."""
        if not self.review:
            return []
        urls = [self.review.first_appearance_url] if self.review.first_appearance_url else []
        return urls + [u for u in self.review.appearance_urls if u not in urls]

    @property
    def review_link(self) -> str | None:
        """Where the other organisation's review can be read."""
        return self.review.url if self.review else None


def _claim_row(session: Session, claim_id: int) -> Any:
    """The claim, its published verdict (or None), its speaker's id and name and the review's provenance: one query."""
    return session.execute(
        select(Claim, Verdict, Speaker.id, Speaker.name, ReviewProvenance)
        .outerjoin(Verdict, and_(Verdict.claim_id == Claim.id, _published_status(by_claim=True)))
        .outerjoin(Speaker, Speaker.id == Claim.speaker_id)
        .outerjoin(ReviewProvenance, ReviewProvenance.verdict_id == Verdict.id)
        .where(Claim.id == claim_id)
    ).first()


def public_claim(session: Session, claim_id: int) -> tuple[ClaimPage | None, bool]:
    """The public page of a claim, following merges, and whether a merge was followed.

    (None, False) when there is nothing public at that id: unknown, or its final claim is not published.
    """
    row, followed = _claim_row(session, claim_id), False
    if row is not None and row[0].merged_into_id is not None:
        final, followed = resolve_claim(session, claim_id)
        row = _claim_row(session, final.id) if final is not None and final.merged_into_id is None else None
    if row is None or row[1] is None:
        return None, False
    claim, verdict, speaker_id, speaker_name, provenance = row
    topics = session.execute(
        select(Topic.id, Topic.name).join(claim_topics, claim_topics.c.topic_id == Topic.id)
        .where(claim_topics.c.claim_id == claim.id).order_by(Topic.name)
    ).all()
    sources = session.execute(
        select(Source.url, Source.title, Source.publisher, Source.accessed_on)
        .where(Source.verdict_id == verdict.id).order_by(Source.position, Source.id)
    ).all()
    corrections = [
        CorrectionView(note=note, created_at=as_utc(at))
        for note, at in session.execute(
            select(Correction.note, Correction.created_at).where(Correction.verdict_id == verdict.id)
            .order_by(Correction.id)
        )
    ]
    appearances = [
        AppearanceView(url=r[0], title=r[1], publisher=r[2], published_on=r[3], sentence=r[4])
        for r in session.execute(
            select(Article.url, Article.title, Article.publisher, Article.published_on, Appearance.sentence)
            .join(Article, Article.id == Appearance.article_id)
            .where(Appearance.claim_id == claim.id, Appearance.status == AppearanceStatus.LINKED,
                   Appearance.stance == Stance.REPEATS)
            .order_by(Article.published_on, Appearance.id)
            .limit(100)
        )
    ]
    updated = max((c.created_at for c in corrections if c.created_at), default=None)
    review = _review_of(provenance) if provenance else None
    review_updated = None
    if provenance is not None and provenance.rating_changed_at is not None:
        review_updated = parse_date(provenance.date_modified) or as_utc(provenance.rating_changed_at).date()
    page = ClaimPage(
        id=claim.id, text=claim.text, slug=slugify(claim.text), title=claim.title, external_id=claim.external_id,
        speaker_id=speaker_id, speaker_name=speaker_name,
        claim_date=claim.claim_date, date_text=claim.date_text, url=claim.url, rating=verdict.rating,
        rating_text=verdict.rating_text, summary=verdict.summary, explanation=verdict.explanation,
        published_at=as_utc(verdict.published_at), updated_at=updated,
        topics=[(tid, name, slugify(name)) for tid, name in topics],
        sources=[tuple(s) for s in sources], corrections=corrections, appearances=appearances,
        review=review, review_updated_on=review_updated, lang=claim.lang,
    )
    return page, followed


# --- speakers and topics --------------------------------------------------------------------------------------


def _has_public_claim(column) -> Any:
    return (
        select(Claim.id)
        .join(Verdict, Verdict.claim_id == Claim.id)
        .where(column, _published_status(by_claim=True), Claim.merged_into_id.is_(None))
        .exists()
    )


def public_speaker(session: Session, speaker_id: int) -> Speaker | None:
    """The speaker, if at least one of their claims is published."""
    return session.scalar(
        select(Speaker).where(Speaker.id == speaker_id, _has_public_claim(Claim.speaker_id == Speaker.id))
    )


def public_speakers(session: Session, page: int = 1, per_page: int = SPEAKERS_PER_PAGE,
                    after_id: int | None = None) -> tuple[list[tuple[int, str]], bool]:
    """Speakers with a published claim: by name a page at a time, or by id after ``after_id`` (the API)."""
    stmt = select(Speaker.id, Speaker.name).where(_has_public_claim(Claim.speaker_id == Speaker.id))
    if after_id is not None:
        stmt = stmt.where(Speaker.id > after_id).order_by(Speaker.id).limit(per_page + 1)
    else:
        stmt = stmt.order_by(Speaker.name_key, Speaker.id).limit(per_page + 1).offset((page - 1) * per_page)
    rows = [tuple(r) for r in session.execute(stmt).all()]
    return rows[:per_page], len(rows) > per_page


def public_topic(session: Session, topic_id: int) -> Topic | None:
    """The topic, if at least one of its claims is published."""
    linked = and_(claim_topics.c.topic_id == Topic.id, claim_topics.c.claim_id == Claim.id)
    return session.scalar(
        select(Topic).where(
            Topic.id == topic_id,
            select(claim_topics.c.claim_id).join(Claim, Claim.id == claim_topics.c.claim_id)
            .join(Verdict, Verdict.claim_id == Claim.id)
            .where(linked, _published_status(by_claim=True), Claim.merged_into_id.is_(None)).exists(),
        )
    )


def public_topics(session: Session) -> list[tuple[int, str]]:
    """Topics with at least one published claim, by name."""
    has_claim = (
        select(claim_topics.c.claim_id).join(Claim, Claim.id == claim_topics.c.claim_id)
        .join(Verdict, Verdict.claim_id == Claim.id)
        .where(claim_topics.c.topic_id == Topic.id, _published_status(by_claim=True),
               Claim.merged_into_id.is_(None))
        .exists()
    )
    return [tuple(r) for r in session.execute(select(Topic.id, Topic.name).where(has_claim).order_by(Topic.name))]


# --- feeds ----------------------------------------------------------------------------------------------------


def feed_cards(session: Session, limit: int = FEED_ENTRIES) -> list[ClaimCard]:
    """The latest published verdicts for the Atom feed."""
    return latest(session, PublicFilters(), 1, limit).rows


def sitemap_blocks(session: Session) -> int:
    """How many sitemap files of claims there are (by blocks of claim ids)."""
    top = session.scalar(select(func.max(Claim.id))) or 0
    return top // SITEMAP_BLOCK + 1


def sitemap_claims(session: Session, block: int) -> Iterator[tuple[int, str, datetime | None]]:
    """(id, slug, last change) of the published claims in one block of ids."""
    low, high = block * SITEMAP_BLOCK, (block + 1) * SITEMAP_BLOCK
    stmt = (
        select(Claim.id, Claim.text, Verdict.published_at, Verdict.updated_at)
        .join(Verdict, Verdict.claim_id == Claim.id)
        .where(_published_status(by_claim=True), Claim.merged_into_id.is_(None), Claim.id > low, Claim.id <= high)
        .order_by(Claim.id)
    )
    for claim_id, text, published_at, _ in session.execute(stmt.execution_options(yield_per=5000)):
        yield claim_id, slugify(text), as_utc(published_at)

"""Opening a claim in the newsroom: the one place that checks a claim's wording and gives a new claim its
external id, its (new) verdict and its place in the match index; an editor's "New claim" form; a claim's
topics.  Flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Claim, Role, Topic, User, Verdict, VerdictStatus
from ..search_index import set_claim_terms
from . import audit
from .speakers import get_or_create_speaker, resolve_speaker
from ..translatable import Text as _l


class ClaimInputError(ValueError):
    """A claim's wording the newsroom cannot use (the message is for the editor)."""


def clean_wording(text: str | None) -> str:
    """A claim's canonical words with white space folded; raise ClaimInputError when empty or too long."""
    text = " ".join((text or "").split())
    if len(text) < 3:
        raise ClaimInputError(_l("A new claim needs its wording."))
    if len(text) > 2000:
        raise ClaimInputError(_l("A claim's wording is at most 2,000 characters."))
    return text


def open_claim(session: Session, text: str, speaker_name: str | None, claim_date: date | None = None,
               lang: str | None = None) -> Claim:
    """A new claim with its speaker (found or created), a verdict with status new, and its search terms in its
    language (``lang``, or detected from the wording)."""
    text = clean_wording(text)
    speaker = get_or_create_speaker(session, speaker_name) if speaker_name and speaker_name.strip() else None
    claim = Claim(text=text, speaker=speaker, claim_date=claim_date, lang=lang)
    session.add(claim)
    session.flush()
    # An id of its own from the start, so an export imported back into this tracker updates, never duplicates.
    claim.external_id = f"claimtrack-{claim.id}"
    session.add(Verdict(claim_id=claim.id, status=VerdictStatus.NEW))
    set_claim_terms(session, claim)
    return claim


def lock_claims(session: Session, claim_ids: list[int]) -> None:
    """Take the two claims for this transaction and re-read them, so the checks below see what is committed now:
    two opposite merges at once (A into B, B into A) cannot both pass them. PostgreSQL locks the rows (in id
    order, so opposite merges cannot deadlock); SQLite has one writer, taken here by a no-op write."""
    ids = sorted(set(claim_ids))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Claim.id).where(Claim.id.in_(ids)).order_by(Claim.id).with_for_update())
    else:
        session.execute(update(Claim).where(Claim.id.in_(ids))
                        .values(merged_into_id=Claim.merged_into_id, updated_at=Claim.updated_at)
                        .execution_options(synchronize_session=False))
    for claim_id in ids:
        claim = session.get(Claim, claim_id)
        if claim is not None:
            session.refresh(claim)


def set_topics(session: Session, claim: Claim, topics: Sequence[str]) -> None:
    """File the claim under these topic names (found by exact name, created when new); blank and repeated names
    are dropped."""
    wanted: list[Topic] = []
    for name in topics:
        name = " ".join(name.split())[:100]
        if name and name.casefold() not in {t.name.casefold() for t in wanted}:
            topic = session.scalar(select(Topic).where(Topic.name == name))
            if topic is None:
                topic = Topic(name=name)
                session.add(topic)
            wanted.append(topic)
    claim.topics = wanted


@dataclass(frozen=True)
class NewClaim:
    """What the editor's "New claim" form gives."""

    text: str
    speaker: str | None = None
    topics: tuple[str, ...] = ()
    claim_date: date | None = None
    url: str | None = None
    lang: str | None = None


def create_claim(session: Session, data: NewClaim, user: User | None) -> tuple[Claim, bool]:
    """Open a claim an editor typed in (not found in an article): its speaker found by name or alias or created,
    its topics, a verdict with status new, its place in the match index, and an audit event.  Returns the claim
    and whether its speaker is new.  Editors and admins only (PermissionError); bad input raises
    ClaimInputError."""

    if user is None or user.role not in (Role.ADMIN, Role.EDITOR):
        raise PermissionError(_l("Only editors and admins can open claims."))
    url = (data.url or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2048:
            raise ClaimInputError(_l("Where it was said must be an http(s) address."))
    speaker_name = " ".join((data.speaker or "").split())[:200] or None
    new_speaker = speaker_name is not None and resolve_speaker(session, speaker_name) is None
    claim = open_claim(session, data.text, speaker_name, data.claim_date, data.lang)
    claim.url = url
    set_topics(session, claim, data.topics)
    audit.record(session, user, "claim.create", "claim", claim.id, by_hand=True, speaker=speaker_name,
                 new_speaker=new_speaker)
    session.flush()
    return claim, new_speaker

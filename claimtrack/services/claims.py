"""Opening a claim in the newsroom: the one place that checks a claim's wording and gives a new claim its
external id, its (new) verdict and its place in the match index.  Flushes, never commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ..models import Claim, Verdict, VerdictStatus
from ..search_index import set_claim_terms


class ClaimInputError(ValueError):
    """A claim's wording the newsroom cannot use (the message is for the editor)."""


def clean_wording(text: str | None) -> str:
    """A claim's canonical words with white space folded; raise ClaimInputError when empty or too long."""
    text = " ".join((text or "").split())
    if len(text) < 3:
        raise ClaimInputError("A new claim needs its wording.")
    if len(text) > 2000:
        raise ClaimInputError("A claim's wording is at most 2,000 characters.")
    return text


def open_claim(session: Session, text: str, speaker_name: str | None, claim_date: date | None = None) -> Claim:
    """A new claim with its speaker (found or created), a verdict with status new, and its search terms."""
    from .ingest import get_or_create_speaker

    text = clean_wording(text)
    speaker = get_or_create_speaker(session, speaker_name) if speaker_name and speaker_name.strip() else None
    claim = Claim(text=text, speaker=speaker, claim_date=claim_date)
    session.add(claim)
    session.flush()
    # An id of its own from the start, so an export imported back into this tracker updates, never duplicates.
    claim.external_id = f"claimtrack-{claim.id}"
    session.add(Verdict(claim_id=claim.id, status=VerdictStatus.NEW))
    set_claim_terms(session, claim)
    return claim

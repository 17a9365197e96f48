"""Speakers: the one key a person's (or topic's) name is looked up by, and finding or creating a speaker.

Ingest, the claim forms, the verdict workflow, imports and the public pages all name speakers; they share these
functions so that one name always finds one speaker.  Every function takes a Session, flushes and never commits.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..extraction import match_speaker
from ..models import Speaker, SpeakerAlias


def name_key(name: str) -> str:
    """Fold a person's or topic's name for lookup: case, accents kept, punctuation and spacing folded."""
    folded = " ".join(re.sub(r"[^\w]+", " ", name.casefold()).split())
    if not folded:
        # a name of symbols only ("##", an emoji) keeps them, so two such names never share the empty key
        folded = " ".join(name.casefold().split())
    return folded


def resolve_speaker(session: Session, name: str | None, threshold: float = 88.0) -> Speaker | None:
    """The existing speaker (by name or alias, fuzzily) that ``name`` refers to, or None."""
    if not name:
        return None
    key = name_key(name)
    if not key:
        return None
    exact = session.scalar(select(Speaker).where(Speaker.name_key == key))
    if exact is not None:
        return exact
    alias = session.scalar(select(SpeakerAlias).where(SpeakerAlias.alias_key == key))
    if alias is not None:
        return alias.speaker
    # Fuzzy: only speakers sharing the surname-like last word are compared, so this stays an index-sized look-up.
    last = key.split()[-1]
    if len(last) < 3:
        return None
    pattern = f"%{last[:-1]}%" if len(last) > 4 else f"%{last}%"
    known: dict[int, list[str]] = {}
    for speaker_id, speaker_name in session.execute(
        select(Speaker.id, Speaker.name).where(Speaker.name_key.like(pattern)).limit(200)
    ):
        known.setdefault(speaker_id, []).append(speaker_name)
    for speaker_id, alias_name in session.execute(
        select(SpeakerAlias.speaker_id, SpeakerAlias.alias).where(SpeakerAlias.alias_key.like(pattern)).limit(200)
    ):
        known.setdefault(speaker_id, []).append(alias_name)
    found = match_speaker(name, known, threshold=threshold) if known else None
    return session.get(Speaker, found) if found is not None else None


def get_or_create_speaker(session: Session, name: str) -> Speaker:
    """The speaker ``name`` refers to, created when there is none."""
    speaker = resolve_speaker(session, name)
    if speaker is None:
        speaker = Speaker(name=" ".join(name.split())[:200], name_key=name_key(name)[:200])
        session.add(speaker)
        session.flush()
    return speaker

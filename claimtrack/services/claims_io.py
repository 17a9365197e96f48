"""Bulk import and export of earlier claims: batched writes, idempotent by external id.

One batch costs a handful of statements whatever its size (look up existing ids,
insert new claims with RETURNING, update the rest, then verdicts and topics), so a
million rows go through without a round trip per row.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from ..interchange import ClaimRecord, RecordError, to_record
from ..search_index import TermDeltas, claim_terms
from ..models import Claim, Speaker, SpeakerAlias, Topic, Verdict, VerdictStatus, claim_topics
from ..verdicts import VerdictScale

CLAIMS = Claim.__table__
VERDICTS = Verdict.__table__
SPEAKERS = Speaker.__table__
TOPICS = Topic.__table__


def name_key(name: str) -> str:
    """Fold a person's or topic's name for lookup: case, accents kept, punctuation and spacing folded."""
    folded = " ".join(re.sub(r"[^\w]+", " ", name.casefold()).split())
    if not folded:
        # a name of symbols only ("##", an emoji) keeps them, so two such names never share the empty key
        folded = " ".join(name.casefold().split())
    return folded


@dataclass
class ImportReport:
    """What an import did and what it had to say about the file."""

    lines: int = 0
    created: int = 0
    updated: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    unknown_fields: Counter = field(default_factory=Counter)
    unknown_ratings: Counter = field(default_factory=Counter)
    first_unknown_field_at: dict[str, str] = field(default_factory=dict)

    @property
    def imported(self) -> int:
        return self.created + self.updated


class ClaimImporter:
    """Writes checked records to the database in batches; never commits."""

    def __init__(self, session: Session, scale: VerdictScale, batch_size: int = 5000, commit_rows: int = 50_000):
        self.session = session
        self.scale = scale
        self.batch_size = batch_size
        self.commit_rows = max(commit_rows, batch_size)
        # Term statistics are gathered over several batches: one upsert per term per commit, not per batch.
        self.term_deltas = TermDeltas()
        self.report = ImportReport()
        self._speakers: dict[str, int] = {}
        self._topics: dict[str, int] = {}
        self._loaded = False

    def _load_caches(self) -> None:
        for key, speaker_id in self.session.execute(select(Speaker.name_key, Speaker.id)):
            self._speakers[key] = speaker_id
        for key, speaker_id in self.session.execute(select(SpeakerAlias.alias_key, SpeakerAlias.speaker_id)):
            self._speakers.setdefault(key, speaker_id)
        for name, topic_id in self.session.execute(select(Topic.name, Topic.id)):
            self._topics[name.casefold()] = topic_id
        self._loaded = True

    def run(self, rows: Iterable[tuple[str, Any, str | None]]) -> Iterator[ImportReport]:
        """Import rows as the readers of interchange yield them; yield the report at each point the caller may commit."""
        if not self._loaded:
            self._load_caches()
        batch: dict[str, tuple[str, ClaimRecord]] = {}
        since_yield = 0
        for location, obj, problem in rows:
            self.report.lines += 1
            if problem is None:
                try:
                    record = to_record(obj)
                except RecordError as error:
                    problem = str(error)
            if problem is not None:
                self.report.skipped.append((location, problem))
                continue
            for name in record.unknown_fields:
                if name not in self.report.unknown_fields:
                    self.report.first_unknown_field_at[name] = location
                self.report.unknown_fields[name] += 1
            if record.verdict and self.scale.resolve(record.verdict) is None:
                self.report.unknown_ratings[record.verdict] += 1
            batch.pop(record.external_id, None)  # the last line with an id wins
            batch[record.external_id] = (location, record)
            if len(batch) >= self.batch_size:
                self._write(list(batch.values()))
                since_yield += len(batch)
                batch.clear()
                if since_yield >= self.commit_rows:
                    self._finish_step()
                    since_yield = 0
                    yield self.report
        if batch:
            self._write(list(batch.values()))
        self._finish_step()
        yield self.report

    def _finish_step(self) -> None:
        self.term_deltas.apply(self.session)
        self.session.flush()

    def _speaker_ids(self, records: list[ClaimRecord]) -> None:
        missing: dict[str, str] = {}
        for record in records:
            if record.speaker:
                key = name_key(record.speaker)
                if key and key not in self._speakers:
                    missing.setdefault(key, record.speaker)
        if missing:
            now = datetime.now(timezone.utc)
            rows = [{"name": name, "name_key": key, "created_at": now} for key, name in missing.items()]
            ids = self.session.execute(
                insert(SPEAKERS).returning(SPEAKERS.c.id, sort_by_parameter_order=True), rows
            ).scalars().all()
            self._speakers.update(zip(missing.keys(), ids))

    def _topic_ids(self, records: list[ClaimRecord]) -> None:
        missing: dict[str, str] = {}
        for record in records:
            for topic in record.topics:
                if topic.casefold() not in self._topics:
                    missing.setdefault(topic.casefold(), topic)
        if missing:
            ids = self.session.execute(
                insert(TOPICS).returning(TOPICS.c.id, sort_by_parameter_order=True),
                [{"name": name} for name in missing.values()],
            ).scalars().all()
            self._topics.update(zip(missing.keys(), ids))

    def _write(self, items: list[tuple[str, ClaimRecord]]) -> None:
        records = [record for _, record in items]
        self._speaker_ids(records)
        self._topic_ids(records)
        existing: dict[str, int] = {}
        merged: set[str] = set()
        old_terms: list[str | None] = []
        for external_id, claim_id, terms, merged_into in self.session.execute(
            select(Claim.external_id, Claim.id, Claim.search_terms, Claim.merged_into_id).where(
                Claim.external_id.in_([r.external_id for r in records])
            )
        ):
            existing[external_id] = claim_id
            old_terms.append(terms)
            if merged_into is not None:
                merged.add(external_id)  # a merged claim stays out of the match index
        now = datetime.now(timezone.utc)

        def claim_row(record: ClaimRecord) -> dict[str, Any]:
            return {
                "text": record.text,
                "title": record.title,
                "speaker_id": self._speakers.get(name_key(record.speaker)) if record.speaker else None,
                "claim_date": record.claim_date,
                "date_text": record.date_text,
                "url": record.url,
                "search_terms": None if record.external_id in merged
                else claim_terms(record.text, record.title, record.speaker),
                "updated_at": now,
            }

        new = [r for r in records if r.external_id not in existing]
        old = [r for r in records if r.external_id in existing]
        claim_ids: dict[str, int] = dict(existing)
        new_rows = [{**claim_row(r), "external_id": r.external_id, "created_at": now} for r in new]
        old_rows = [{**claim_row(r), "claim_pk": existing[r.external_id]} for r in old]
        if new_rows:
            ids = self.session.execute(
                insert(CLAIMS).returning(CLAIMS.c.id, sort_by_parameter_order=True), new_rows
            ).scalars().all()
            claim_ids.update(zip((r.external_id for r in new), ids))
        if old_rows:
            self.session.execute(update(CLAIMS).where(CLAIMS.c.id == bindparam("claim_pk")), old_rows)
        for row in new_rows + old_rows:
            self.term_deltas.add(row["search_terms"])
        for terms in old_terms:
            self.term_deltas.remove(terms)
        self._write_verdicts(records, claim_ids, existing, now)
        self._write_topics(records, claim_ids, existing)
        self.report.created += len(new)
        self.report.updated += len(old)

    def _write_verdicts(self, records, claim_ids, existing, now) -> None:
        rated = [r for r in records if r.verdict]
        if not rated:
            return
        with_verdict = set()
        old_ids = [existing[r.external_id] for r in rated if r.external_id in existing]
        if old_ids:
            with_verdict = set(
                self.session.execute(select(Verdict.claim_id).where(Verdict.claim_id.in_(old_ids))).scalars()
            )
        inserts, updates = [], []
        for record in rated:
            level = self.scale.resolve(record.verdict)
            values = {"rating": level.key if level else None, "rating_text": record.verdict, "updated_at": now}
            claim_id = claim_ids[record.external_id]
            if claim_id in with_verdict:
                updates.append({**values, "verdict_claim": claim_id})
            else:
                inserts.append(
                    {
                        **values,
                        "claim_id": claim_id,
                        "status": VerdictStatus.PUBLISHED.value,
                        "version": 1,
                        "published_at": now,
                        "created_at": now,
                    }
                )
        if inserts:
            self.session.execute(insert(VERDICTS), inserts)
        if updates:
            self.session.execute(
                update(VERDICTS)
                .where(VERDICTS.c.claim_id == bindparam("verdict_claim"))
                .values(version=VERDICTS.c.version + 1),
                updates,
            )

    def _write_topics(self, records, claim_ids, existing) -> None:
        old_ids = [existing[r.external_id] for r in records if r.external_id in existing]
        if old_ids:
            self.session.execute(delete(claim_topics).where(claim_topics.c.claim_id.in_(old_ids)))
        links = [
            {"claim_id": claim_ids[r.external_id], "topic_id": self._topics[t.casefold()]}
            for r in records
            for t in r.topics
        ]
        if links:
            self.session.execute(insert(claim_topics), links)


def export_records(session: Session, scale: VerdictScale, chunk: int = 5000) -> Iterator[dict[str, Any]]:
    """Every live claim in import format, in claim id order; verdicts only when published."""
    last_id = 0
    while True:
        rows = session.execute(
            select(
                Claim.id,
                Claim.external_id,
                Claim.text,
                Claim.title,
                Speaker.name,
                Claim.date_text,
                Claim.claim_date,
                Claim.url,
                Verdict.rating,
                Verdict.rating_text,
                Verdict.status,
                Verdict.published_at,
            )
            .outerjoin(Speaker, Speaker.id == Claim.speaker_id)
            .outerjoin(Verdict, Verdict.claim_id == Claim.id)
            .where(Claim.id > last_id, Claim.merged_into_id.is_(None))
            .order_by(Claim.id)
            .limit(chunk)
        ).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        topics: dict[int, list[str]] = {}
        for claim_id, topic in session.execute(
            select(claim_topics.c.claim_id, Topic.name)
            .join(Topic, Topic.id == claim_topics.c.topic_id)
            .where(claim_topics.c.claim_id.in_(ids))
            .order_by(claim_topics.c.claim_id, Topic.name)
        ):
            topics.setdefault(claim_id, []).append(topic)
        for row in rows:
            verdict = None
            if row.status == VerdictStatus.PUBLISHED:
                level = scale.get(row.rating)
                verdict = row.rating_text or (level.label if level else None)
            yield {
                "id": row.external_id or f"claimtrack-{row.id}",
                "text": row.text,
                "title": row.title,
                "verdict": verdict,
                "speaker": row.name,
                "date": row.date_text or (row.claim_date.isoformat() if row.claim_date else None),
                "url": row.url,
                "topics": topics.get(row.id, []),
                "_rating": scale.get(row.rating) if verdict else None,
                "_published": row.published_at.date().isoformat() if row.published_at else None,
                "_claim_date": row.claim_date.isoformat() if row.claim_date else None,
            }
        last_id = ids[-1]

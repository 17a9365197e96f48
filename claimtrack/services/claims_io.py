"""Bulk import and export of earlier claims: batched writes, idempotent by external id.

One batch costs a handful of statements whatever its size (look up existing ids,
insert new claims with RETURNING, update the rest, then verdicts and topics), so a
million rows go through without a round trip per row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from typing import Any, Iterable, Iterator, Mapping

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from ..interchange import REVIEW_FIELDS, ClaimRecord, RecordError, Review, parse_date, to_record
from ..matching.language import detect_language
from ..search_index import TermDeltas, claim_terms
from ..models import (
    Claim,
    Correction,
    ReviewProvenance,
    Speaker,
    SpeakerAlias,
    Topic,
    Verdict,
    VerdictRevision,
    VerdictStatus,
    claim_topics,
)
from ..verdicts import Level, RatingMapper, VerdictScale
from . import audit
from .speakers import name_key

CLAIMS = Claim.__table__
VERDICTS = Verdict.__table__
REVIEWS = ReviewProvenance.__table__
SPEAKERS = Speaker.__table__
TOPICS = Topic.__table__


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
    # a re-imported claim and review exactly as stored: nothing was written
    unchanged: int = 0
    # published verdicts whose rating the publisher changed: each a new revision with a public note
    rating_changes: int = 0
    notes: Counter = field(default_factory=Counter)
    first_note_at: dict[str, str] = field(default_factory=dict)
    # an unknown rating is counted once whatever its case ("FAUX", "Faux"); shown as first written
    rating_spelling: dict[str, str] = field(default_factory=dict)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    def note_rating(self, text: str) -> None:
        """Count a rating that is on no scale, once per label whatever its case."""
        key = text.casefold()
        self.rating_spelling.setdefault(key, text)
        self.unknown_ratings[self.rating_spelling[key]] += 1


class ClaimImporter:
    """Writes checked records to the database in batches; never commits."""

    def __init__(self, session: Session, scale: VerdictScale, batch_size: int = 5000, commit_rows: int = 50_000,
                 mapper: RatingMapper | None = None, own_publisher: Mapping[str, str] | None = None):
        self.session = session
        self.scale = scale
        self.mapper = mapper or RatingMapper(scale)
        # A review signed with the newsroom's own name or site is the newsroom's own, not another's.
        own = own_publisher or {}
        self._own_names = {own["name"].casefold()} if own.get("name") else set()
        self._own_urls = {_url_key(own["url"])} if own.get("url") else set()
        self._own_name = own.get("name") or "the newsroom"
        self._levels: dict[str, Level | None] = {}
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
            for note in record.notes:
                self.report.first_note_at.setdefault(note, location)
                self.report.notes[note] += 1
            review = record.review
            record.published_on = parse_date(review.date_published) if review else None
            level = (self.mapper.level(record.verdict, review.rating_value, review.best_rating, review.worst_rating)
                     if review else self.mapper.level(record.verdict))
            if review is not None and self._is_own(review):
                record.review = None
            self._levels[record.external_id] = level
            if record.verdict and level is None:
                self.report.note_rating(record.verdict)
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

    def _is_own(self, review: Review) -> bool:
        names = {n.casefold() for n in (review.publisher_name, review.author_name) if n}
        urls = {_url_key(u) for u in (review.publisher_url, review.author_url) if u}
        return bool(names & self._own_names or urls & self._own_urls)

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
            self._speakers.update(zip(missing.keys(), ids, strict=True))

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
            self._topics.update(zip(missing.keys(), ids, strict=True))

    def _adopt_earlier_keys(self, records: list[ClaimRecord]) -> None:
        """A review imported before reviews were keyed by url and claim was keyed by its url alone: the claim
        with that url as its id and the same wording is the same review, not a new one."""
        by_url = {r.review.url: r for r in records
                  if r.external_id.startswith("cr-") and r.review and r.review.url and len(r.review.url) <= 200}
        if not by_url:
            return
        for external_id, text in self.session.execute(
                select(Claim.external_id, Claim.text).where(Claim.external_id.in_(list(by_url)))):
            record = by_url[external_id]
            if " ".join(text.split()) == " ".join(record.text.split()):
                self._levels[external_id] = self._levels.pop(record.external_id, None)
                record.external_id = external_id

    def _write(self, items: list[tuple[str, ClaimRecord]]) -> None:
        records = [record for _, record in items]
        self._adopt_earlier_keys(records)
        self._speaker_ids(records)
        self._topic_ids(records)
        existing: dict[str, int] = {}
        stored: dict[str, tuple] = {}
        merged: set[str] = set()
        old_terms: dict[str, str | None] = {}
        for row in self.session.execute(
            select(Claim.external_id, Claim.id, Claim.search_terms, Claim.merged_into_id, Claim.text, Claim.title,
                   Claim.speaker_id, Claim.claim_date, Claim.date_text, Claim.url).where(
                Claim.external_id.in_([r.external_id for r in records])
            )
        ):
            existing[row.external_id] = row.id
            old_terms[row.external_id] = row.search_terms
            stored[row.external_id] = (row.text, row.title, row.speaker_id, row.claim_date, row.date_text, row.url)
            if row.merged_into_id is not None:
                merged.add(row.external_id)  # a merged claim stays out of the match index
        old_topics: dict[int, set[int]] = {}
        old_verdicts: dict[int, Any] = {}
        old_reviews: dict[int, dict[str, Any]] = {}
        if existing:
            ids = list(existing.values())
            for claim_id, topic_id in self.session.execute(
                select(claim_topics.c.claim_id, claim_topics.c.topic_id).where(claim_topics.c.claim_id.in_(ids))
            ):
                old_topics.setdefault(claim_id, set()).add(topic_id)
            for row in self.session.execute(
                select(Verdict.id, Verdict.claim_id, Verdict.status, Verdict.rating, Verdict.rating_text)
                .where(Verdict.claim_id.in_(ids))
            ):
                old_verdicts[row.claim_id] = row
            verdict_ids = {row.id: claim_id for claim_id, row in old_verdicts.items()}
            if verdict_ids:
                for provenance in self.session.execute(
                    select(ReviewProvenance).where(ReviewProvenance.verdict_id.in_(list(verdict_ids)))
                ).scalars():
                    old_reviews[verdict_ids[provenance.verdict_id]] = {
                        "review": _review_of(provenance), "rating_changed_at": provenance.rating_changed_at}
        now = datetime.now(timezone.utc)

        def claim_row(record: ClaimRecord) -> dict[str, Any]:
            lang = record.lang or detect_language(record.text)
            return {
                "text": record.text,
                "title": record.title,
                "speaker_id": self._speakers.get(name_key(record.speaker)) if record.speaker else None,
                "claim_date": record.claim_date,
                "date_text": record.date_text,
                "url": record.url,
                "search_terms": None if record.external_id in merged
                else claim_terms(record.text, record.title, record.speaker, lang),
                "lang": lang,
                "updated_at": now,
            }

        def topic_ids(record: ClaimRecord) -> set[int]:
            return {self._topics[t.casefold()] for t in record.topics}

        def unchanged(record: ClaimRecord, row: dict[str, Any]) -> bool:
            claim_id = existing[record.external_id]
            fields = (row["text"], row["title"], row["speaker_id"], row["claim_date"], row["date_text"], row["url"])
            if fields != stored[record.external_id] or topic_ids(record) != old_topics.get(claim_id, set()):
                return False
            level = self._levels.get(record.external_id)
            if record.verdict or level:
                verdict = old_verdicts.get(claim_id)
                if verdict is None or (verdict.rating, verdict.rating_text) != (level.key if level else None,
                                                                                 record.verdict):
                    return False
            if record.review is not None:
                old = old_reviews.get(claim_id)
                if old is None or old["review"] != record.review:
                    return False
            return True

        new = [r for r in records if r.external_id not in existing]
        old, same = [], []
        for record in records:
            if record.external_id in existing:
                row = claim_row(record)
                (same if unchanged(record, row) else old).append((record, row))
        claim_ids: dict[str, int] = dict(existing)
        new_rows = [{**claim_row(r), "external_id": r.external_id, "created_at": now} for r in new]
        old_rows = [{**row, "claim_pk": existing[r.external_id]} for r, row in old]
        if new_rows:
            ids = self.session.execute(
                insert(CLAIMS).returning(CLAIMS.c.id, sort_by_parameter_order=True), new_rows
            ).scalars().all()
            claim_ids.update(zip((r.external_id for r in new), ids, strict=True))
        if old_rows:
            self.session.execute(update(CLAIMS).where(CLAIMS.c.id == bindparam("claim_pk")), old_rows)
        for row in new_rows + old_rows:
            self.term_deltas.add(row["search_terms"])
        for record, _ in old:
            self.term_deltas.remove(old_terms[record.external_id])
        changed = new + [r for r, _ in old]
        self._write_verdicts(changed, claim_ids, old_verdicts, old_reviews, now)
        self._write_topics(changed, claim_ids, existing)
        self.report.created += len(new)
        self.report.updated += len(old)
        self.report.unchanged += len(same)

    def _write_verdicts(self, records, claim_ids, old_verdicts, old_reviews, now) -> None:
        inserts, inserted_reviews, updates, reviews = [], [], [], {}
        for record in records:
            level = self._levels.get(record.external_id)
            claim_id = claim_ids[record.external_id]
            if not (record.verdict or level):
                if record.review is not None and claim_id in old_verdicts:
                    reviews[old_verdicts[claim_id].id] = (record.review, old_reviews.get(claim_id))
                continue
            values = {"rating": level.key if level else None, "rating_text": record.verdict, "updated_at": now}
            verdict = old_verdicts.get(claim_id)
            if verdict is None:
                published = (datetime.combine(record.published_on, time(), tzinfo=timezone.utc)
                             if record.published_on else now)
                inserts.append({**values, "claim_id": claim_id, "status": VerdictStatus.PUBLISHED.value,
                                "version": 1, "published_at": published, "created_at": now})
                inserted_reviews.append(record.review)
                continue
            old = old_reviews.get(claim_id)
            if record.review is not None or old is not None:
                reviews[verdict.id] = (record.review or old["review"], old)
            if (verdict.rating, verdict.rating_text) == (values["rating"], values["rating_text"]):
                continue
            same_words = verdict.rating_text is not None and verdict.rating_text == values["rating_text"]
            # the publisher's words are the same and only their place on our scale moved (numbers now given, an
            # alias added): not the publisher's change, so no public note
            if verdict.status == VerdictStatus.PUBLISHED and not same_words:
                self._revise_published(verdict.id, values, record.review or (old["review"] if old else None), now)
                if verdict.id in reviews:
                    reviews[verdict.id] = (reviews[verdict.id][0], {**(old or {}), "rating_changed_at": now})
            else:
                updates.append({**values, "verdict_claim": claim_id})
        if inserts:
            ids = self.session.execute(
                insert(VERDICTS).returning(VERDICTS.c.id, sort_by_parameter_order=True), inserts
            ).scalars().all()
            for verdict_id, review in zip(ids, inserted_reviews, strict=True):
                if review is not None:
                    reviews[verdict_id] = (review, None)
        if updates:
            self.session.execute(
                update(VERDICTS)
                .where(VERDICTS.c.claim_id == bindparam("verdict_claim"))
                .values(version=VERDICTS.c.version + 1),
                updates,
            )
        if reviews:
            self.session.execute(delete(REVIEWS).where(REVIEWS.c.verdict_id.in_(list(reviews))))
            self.session.execute(insert(REVIEWS), [
                {**{name: getattr(review, name) for name in REVIEW_FIELDS},
                 "appearance_urls": list(review.appearance_urls) or None,
                 "verdict_id": verdict_id, "rating_changed_at": (old or {}).get("rating_changed_at"),
                 "created_at": now, "updated_at": now}
                for verdict_id, (review, old) in reviews.items()
            ])

    def _revise_published(self, verdict_id: int, values: dict[str, Any], review: Review | None,
                          now: datetime) -> None:
        """A published verdict whose rating the publisher changed: a new revision, a public note, an audit event."""
        from .verdicts import snapshot

        verdict = self.session.get(Verdict, verdict_id)
        before = self.scale.get(verdict.rating)
        before_words = verdict.rating_text or (before.label if before else None)
        number = self.session.scalar(
            select(func.max(VerdictRevision.number)).where(VerdictRevision.verdict_id == verdict_id)) or 0
        if number == 0:  # an imported verdict has no history yet: keep the rating it had as the first revision
            number = 1
            self.session.add(VerdictRevision(verdict_id=verdict_id, number=number, data=snapshot(verdict)))
        verdict.rating = values["rating"]
        verdict.rating_text = values["rating_text"]
        after = self.scale.get(verdict.rating)
        after_words = verdict.rating_text or (after.label if after else None)
        who = (review.checked_by if review else None) or self._own_name
        on = (parse_date(review.date_modified) if review else None) or now.date()
        note = (f"Updated by {who} on {on.day} {on:%B %Y}: the rating changed from "
                f"“{before_words or 'not rated'}” to “{after_words or 'not rated'}”.")
        self.session.flush()  # the version counter moves on: an editor's open form now sees a conflict
        data = snapshot(verdict)
        data["correction_note"] = note
        self.session.add(VerdictRevision(verdict_id=verdict_id, number=number + 1, data=data))
        self.session.add(Correction(verdict_id=verdict_id, revision_number=number + 1, note=note))
        audit.record(self.session, None, "verdict.reimport", "verdict", verdict_id,
                     **{"claim_id": verdict.claim_id, "from": before_words, "to": after_words, "by": who})
        self.report.rating_changes += 1

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


def _url_key(url: str) -> str:
    return url.strip().rstrip("/").casefold().replace("http://", "https://", 1)


def _review_of(provenance: ReviewProvenance) -> Review:
    """The stored provenance as the interchange's Review (the same value an import of it produces)."""
    values = {name: getattr(provenance, name) for name in REVIEW_FIELDS}
    values["appearance_urls"] = tuple(provenance.appearance_urls or ())
    return Review(**values)


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
                Verdict.id.label("verdict_id"),
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
        published_ids = [row.verdict_id for row in rows if row.status == VerdictStatus.PUBLISHED]
        reviews = {p.verdict_id: _review_of(p) for p in session.execute(
            select(ReviewProvenance).where(ReviewProvenance.verdict_id.in_(published_ids))).scalars()
        } if published_ids else {}
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
                "review": reviews[row.verdict_id].as_json() if row.verdict_id in reviews else None,
                "_claim_id": row.id,
                "_rating": scale.get(row.rating) if verdict else None,
                "_published": row.published_at.date().isoformat() if row.published_at else None,
                "_claim_date": row.claim_date.isoformat() if row.claim_date else None,
            }
        last_id = ids[-1]

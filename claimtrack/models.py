"""SQLAlchemy 2 declarative models of the newsroom's words: claims, appearances, verdicts, speakers.

Queries that views need live here as functions returning ``select()`` objects,
so that callers decide how to page and execute them.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timezone
from typing import Any, Optional

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


class Role(str, enum.Enum):
    """What a user may do in the editor area."""

    ADMIN = "admin"
    EDITOR = "editor"
    REVIEWER = "reviewer"


class VerdictStatus(str, enum.Enum):
    """Where a verdict stands in the newsroom workflow."""

    NEW = "new"
    RESEARCHING = "researching"
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


class AppearanceStatus(str, enum.Enum):
    """Whether an appearance was linked to a claim, is waiting, or was dismissed."""

    PENDING = "pending"
    LINKED = "linked"
    DISMISSED = "dismissed"


class Stance(str, enum.Enum):
    """What an appearance does with the claim it is linked to; only a repeat counts as the claim said again."""

    REPEATS = "repeats"
    DISPUTES = "disputes"
    MENTIONS = "mentions"


def _enum_values(enum_cls: type[enum.Enum]) -> list[str]:
    return [member.value for member in enum_cls]


class User(UserMixin, db.Model):
    """A newsroom account: admin, editor or reviewer."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        db.Enum(Role, native_enum=False, length=16, values_callable=_enum_values, validate_strings=True)
    )
    active: Mapped[bool] = mapped_column(default=True)
    # Changing this token logs the user out everywhere (it is part of the session id).
    session_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Where the newsroom's notifications go (services/notifications.py), and whether this person wants them.
    email: Mapped[Optional[str]] = mapped_column(String(254))
    notify: Mapped[bool] = mapped_column(default=True)
    # A Slack-compatible incoming webhook this person's alert digests are also posted to (JSON {"text": ...}).
    webhook_url: Mapped[Optional[str]] = mapped_column(String(2048))
    # The interface language this person chose (a code of LANGUAGES); NULL: the browser's. Also their e-mails'.
    ui_language: Mapped[Optional[str]] = mapped_column(String(16))

    def get_id(self) -> str:
        """Flask-Login's session id: the user id and the current session token."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active


class Speaker(db.Model):
    """A person or organisation that makes claims."""

    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The folded name the import and the matcher look speakers up by.
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    aliases: Mapped[list["SpeakerAlias"]] = relationship(
        back_populates="speaker", cascade="all, delete-orphan"
    )


class SpeakerAlias(db.Model):
    """Another name a speaker goes by."""

    __tablename__ = "speaker_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(200))
    alias_key: Mapped[str] = mapped_column(String(200), unique=True)

    speaker: Mapped[Speaker] = relationship(back_populates="aliases")


class Topic(db.Model):
    """A subject claims are filed under (health, elections...)."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


claim_topics = Table(
    "claim_topics",
    db.metadata,
    Column("claim_id", ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Article(db.Model):
    """A text that was ingested: a news article, a transcript, pasted text."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[Optional[str]] = mapped_column(String(2048), unique=True)
    title: Mapped[Optional[str]] = mapped_column(String(500))
    byline: Mapped[Optional[str]] = mapped_column(String(500))
    publisher: Mapped[Optional[str]] = mapped_column(String(200))
    published_on: Mapped[Optional[date]] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    # The language the article was read in (ISO 639-1), given by the editor or detected from its text; NULL for
    # articles ingested before migration 0018.
    lang: Mapped[Optional[str]] = mapped_column(String(8))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    appearances: Mapped[list["Appearance"]] = relationship(back_populates="article")


class Claim(db.Model):
    """One checkable statement in canonical words, with its speaker; checked once."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id the claim was imported with; shown back in every match.
    external_id: Mapped[Optional[str]] = mapped_column(String(200), unique=True)
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[Optional[str]] = mapped_column(String(500))
    speaker_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("speakers.id", ondelete="SET NULL"), index=True
    )
    claim_date: Mapped[Optional[date]] = mapped_column(Date)
    # The date as the source wrote it ("stated on October 7, 2016 in a debate:").
    date_text: Mapped[Optional[str]] = mapped_column(String(200))
    url: Mapped[Optional[str]] = mapped_column(String(2048))
    merged_into_id: Mapped[Optional[int]] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    # The matcher's tokens of text, title and speaker (claimtrack.matching.index_terms), indexed by the
    # database's full-text search (search_index.py); empty for merged claims, which are never matched.
    search_terms: Mapped[Optional[str]] = mapped_column(Text)
    # Raised by every change of what readers see of the claim (wording, speaker, topics): a review is requested
    # for one version, and an approval of another is refused (services/verdicts.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The claim's language (ISO 639-1: "en", "es", "ar"), given at import or detected from the text; its search
    # terms are stemmed in it. None on claims from before it was stored (read as detected from the text).
    lang: Mapped[Optional[str]] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    speaker: Mapped[Optional[Speaker]] = relationship()
    topics: Mapped[list[Topic]] = relationship(secondary=claim_topics, order_by=Topic.name)
    verdict: Mapped[Optional["Verdict"]] = relationship(back_populates="claim", uselist=False)
    appearances: Mapped[list["Appearance"]] = relationship(back_populates="claim")
    comments: Mapped[list["Comment"]] = relationship(order_by="Comment.id", cascade="all, delete-orphan")


class TermStat(db.Model):
    """How many indexed claims contain a term (document frequency), for planning match queries."""

    __tablename__ = "term_stats"

    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    df: Mapped[int] = mapped_column(Integer, default=0)


class SearchCorpus(db.Model):
    """The size of the match index: claims indexed and their total number of terms (one row, id 1)."""

    __tablename__ = "search_corpus"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_count: Mapped[int] = mapped_column(Integer, default=0)
    term_count: Mapped[int] = mapped_column(Integer, default=0)


class Appearance(db.Model):
    """A claim as it occurred in one article; pending until linked to a claim."""

    __tablename__ = "appearances"
    __table_args__ = (Index("ix_appearances_claim_id_created_at", "claim_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[Optional[int]] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    sentence: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    speaker_id: Mapped[Optional[int]] = mapped_column(ForeignKey("speakers.id", ondelete="SET NULL"))
    speaker_text: Mapped[Optional[str]] = mapped_column(String(200))
    # "person", "organisation" or "outlet" (an unattributed statement belongs to the article's outlet).
    speaker_kind: Mapped[Optional[str]] = mapped_column(String(16))
    paragraph: Mapped[Optional[int]] = mapped_column(Integer)
    is_quote: Mapped[bool] = mapped_column(default=False)
    checkworthiness: Mapped[Optional[float]] = mapped_column(Float)
    match_score: Mapped[Optional[float]] = mapped_column(Float)
    status: Mapped[AppearanceStatus] = mapped_column(
        db.Enum(AppearanceStatus, native_enum=False, length=16, values_callable=_enum_values),
        default=AppearanceStatus.PENDING,
    )
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    dismiss_reason: Mapped[Optional[str]] = mapped_column(String(200))
    # set with the link; public "where it was said", ClaimReview appearance and resurfaced claims read repeats only
    stance: Mapped[Optional[Stance]] = mapped_column(
        db.Enum(Stance, native_enum=False, length=16, values_callable=_enum_values, create_constraint=False))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    claim: Mapped[Optional[Claim]] = relationship(back_populates="appearances")
    article: Mapped[Article] = relationship(back_populates="appearances")
    speaker: Mapped[Optional[Speaker]] = relationship()
    decided_by: Mapped[Optional[User]] = relationship()


class AppearanceMatch(db.Model):
    """An earlier claim found for an appearance when its article was ingested (or matched again on request): the
    review screen reads these, so showing it never runs the matcher."""

    __tablename__ = "appearance_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    appearance_id: Mapped[int] = mapped_column(ForeignKey("appearances.id", ondelete="CASCADE"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(16))
    shared: Mapped[list] = mapped_column(JSON, default=list)
    matched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Verdict(db.Model):
    """The rating of a claim (a ClaimReview) with its workflow status; every save is a revision."""

    __tablename__ = "verdicts"
    __table_args__ = (
        # "latest published first" walks this index backwards: with the id the order is complete, no sort
        Index("ix_verdicts_status_published_at_id", "status", "published_at", "id"),
        Index("ix_verdicts_assignee_id_status", "assignee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), unique=True)
    status: Mapped[VerdictStatus] = mapped_column(
        db.Enum(VerdictStatus, native_enum=False, length=16, values_callable=_enum_values),
        default=VerdictStatus.NEW,
    )
    # The key of a level on the verdict scale, or None when the rating is on no scale.
    rating: Mapped[Optional[str]] = mapped_column(String(32))
    # The rating as its publisher wrote it ("barely-true", "Misleading"), kept verbatim.
    rating_text: Mapped[Optional[str]] = mapped_column(String(100))
    summary: Mapped[Optional[str]] = mapped_column(String(500))
    explanation: Mapped[Optional[str]] = mapped_column(Text)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assignee_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who saved last and when: shown to an editor whose save conflicts.
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Optimistic lock: a save that started from an older version is refused, never silently applied.
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # An editor's correction to the published verdict, as the public would see it once a reviewer approves it
    # (rating, rating_text, summary, explanation, sources, correction_note, proposed_by, proposed_at); the public
    # keeps seeing the published fields until then.
    pending_correction: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    # The claim's version when review was requested: the approval publishes exactly that wording and speaker.
    reviewed_claim_version: Mapped[Optional[int]] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="verdict")
    sources: Mapped[list["Source"]] = relationship(
        back_populates="verdict", cascade="all, delete-orphan", order_by="Source.position"
    )
    revisions: Mapped[list["VerdictRevision"]] = relationship(
        back_populates="verdict", cascade="all, delete-orphan", order_by="VerdictRevision.number"
    )
    corrections: Mapped[list["Correction"]] = relationship(
        back_populates="verdict", cascade="all, delete-orphan", order_by="Correction.id"
    )
    # Set when the verdict is another organisation's imported review; None for the newsroom's own.
    provenance: Mapped[Optional["ReviewProvenance"]] = relationship(
        uselist=False, cascade="all, delete-orphan"
    )
    author: Mapped[Optional[User]] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[Optional[User]] = relationship(foreign_keys=[reviewer_id])
    assignee: Mapped[Optional[User]] = relationship(foreign_keys=[assignee_id])
    updated_by: Mapped[Optional[User]] = relationship(foreign_keys=[updated_by_id])

    __mapper_args__ = {"version_id_col": version}


class VerdictRevision(db.Model):
    """A frozen copy of a verdict as one save left it."""

    __tablename__ = "verdict_revisions"
    __table_args__ = (UniqueConstraint("verdict_id", "number", name="uq_verdict_revisions_verdict_id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    verdict_id: Mapped[int] = mapped_column(ForeignKey("verdicts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    verdict: Mapped[Verdict] = relationship(back_populates="revisions")
    author: Mapped[Optional[User]] = relationship()


class ReviewProvenance(db.Model):
    """Who checked an imported verdict: another organisation's ClaimReview, kept as its publisher gave it.

    A verdict without one is the newsroom's own.  Dates and numbers are kept as written (a ClaimReview says
    "2020-10-07 20:05" or ratingValue "5" of bestRating "1"), so that an export gives them back unchanged.
    """

    __tablename__ = "review_provenance"

    id: Mapped[int] = mapped_column(primary_key=True)
    verdict_id: Mapped[int] = mapped_column(ForeignKey("verdicts.id", ondelete="CASCADE"), unique=True)
    publisher_name: Mapped[Optional[str]] = mapped_column(String(200))
    publisher_url: Mapped[Optional[str]] = mapped_column(Text)
    author_name: Mapped[Optional[str]] = mapped_column(String(200))
    author_type: Mapped[Optional[str]] = mapped_column(String(64))
    author_url: Mapped[Optional[str]] = mapped_column(Text)
    date_published: Mapped[Optional[str]] = mapped_column(String(64))
    date_modified: Mapped[Optional[str]] = mapped_column(String(64))
    # The review's own address (Text: a percent-encoded Arabic URL runs past any short limit).
    url: Mapped[Optional[str]] = mapped_column(Text)
    headline: Mapped[Optional[str]] = mapped_column(Text)
    review_body: Mapped[Optional[str]] = mapped_column(Text)
    in_language: Mapped[Optional[str]] = mapped_column(String(35))
    # The rating as given; its words are the verdict's rating_text.
    rating_value: Mapped[Optional[str]] = mapped_column(String(32))
    best_rating: Mapped[Optional[str]] = mapped_column(String(32))
    worst_rating: Mapped[Optional[str]] = mapped_column(String(32))
    item_type: Mapped[Optional[str]] = mapped_column(String(64))
    item_author_name: Mapped[Optional[str]] = mapped_column(String(200))
    item_author_type: Mapped[Optional[str]] = mapped_column(String(64))
    item_date: Mapped[Optional[str]] = mapped_column(String(64))
    appearance_urls: Mapped[Optional[list[str]]] = mapped_column(JSON)
    first_appearance_url: Mapped[Optional[str]] = mapped_column(Text)
    # When a re-import found the publisher had changed its rating (the public "Updated by ..." line).
    rating_changed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Source(db.Model):
    """A source a verdict cites: a URL with its title and publisher."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    verdict_id: Mapped[int] = mapped_column(ForeignKey("verdicts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[Optional[str]] = mapped_column(String(500))
    publisher: Mapped[Optional[str]] = mapped_column(String(200))
    accessed_on: Mapped[Optional[date]] = mapped_column(Date)

    verdict: Mapped[Verdict] = relationship(back_populates="sources")


class Correction(db.Model):
    """A public note on a change to a published verdict."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    verdict_id: Mapped[int] = mapped_column(ForeignKey("verdicts.id", ondelete="CASCADE"), index=True)
    revision_number: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    verdict: Mapped[Verdict] = relationship(back_populates="corrections")


class MergeProposal(db.Model):
    """An editor's merge of a claim whose check is published, waiting for a second person: a reviewer or an admin
    who did not propose it approves it (the merge is then done, with the public note) or declines it. Until then
    readers see both checks as they were."""

    __tablename__ = "merge_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text)                    # the public correction note
    # the source claim's version when proposed: a claim changed since must be proposed again
    source_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)   # waiting/approved/declined
    proposed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[Optional[str]] = mapped_column(Text)

    source: Mapped[Claim] = relationship(foreign_keys=[source_id])
    target: Mapped[Claim] = relationship(foreign_keys=[target_id])
    proposed_by: Mapped[Optional[User]] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[Optional[User]] = relationship(foreign_keys=[decided_by_id])


class Comment(db.Model):
    """An editor's note on a claim, for the newsroom only (never public)."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[Optional[User]] = relationship()


class AuditEvent(db.Model):
    """Who did what, when: one row per action that changed something."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[Optional[str]] = mapped_column(String(32))
    object_id: Mapped[Optional[int]] = mapped_column(Integer)
    details: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)


# --- reader requests ("Ask us to check") ------------------------------------------------------------------------


class RequestGroupStatus(str, enum.Enum):
    """Where a group of reader requests stands: waiting for the newsroom, about a claim, or dismissed."""

    OPEN = "open"
    CLAIM = "claim"
    DISMISSED = "dismissed"


class RequestGroup(db.Model):
    """Reader requests that ask about the same thing: one rumour, shown to the newsroom once."""

    __tablename__ = "request_groups"
    __table_args__ = (
        Index("ix_request_groups_status_last_asked_at", "status", "last_asked_at"),
        Index("ix_request_groups_status_request_count", "status", "request_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[RequestGroupStatus] = mapped_column(
        db.Enum(RequestGroupStatus, native_enum=False, length=16, values_callable=_enum_values),
        default=RequestGroupStatus.OPEN,
    )
    # The claim the requests are about: matched at once, turned into, or attached by an editor.
    claim_id: Mapped[Optional[int]] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"), index=True)
    request_count: Mapped[int] = mapped_column(Integer, default=0)
    first_asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The most common wording of the group's requests (case and spacing folded), kept up to date on each request
    # so triage lists need not read every request of a large group; and how many requests used it.
    wording: Mapped[Optional[str]] = mapped_column(Text)
    wording_count: Mapped[int] = mapped_column(Integer, default=0)
    dismiss_reason: Mapped[Optional[str]] = mapped_column(String(200))
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    claim: Mapped[Optional[Claim]] = relationship()
    decided_by: Mapped[Optional[User]] = relationship()


class CheckRequest(db.Model):
    """One reader's "ask us to check": the text, where it was seen, an optional e-mail, a hashed tracking token."""

    __tablename__ = "check_requests"
    __table_args__ = (Index("ix_check_requests_created_at_group_id", "created_at", "group_id"),
                      Index("ix_check_requests_group_id_created_at", "group_id", "created_at"),
                      Index("ix_check_requests_group_id_wording_key", "group_id", "wording_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("request_groups.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    # sha1 of the text with case and spacing folded: requests worded alike, for the group's most common wording.
    wording_key: Mapped[Optional[str]] = mapped_column(String(40))
    # The matcher's tokens of the text (claimtrack.matching.index_terms), for grouping.
    search_terms: Mapped[Optional[str]] = mapped_column(Text)
    # A URL or a few words ("a WhatsApp group"), kept as text and never fetched.
    seen_where: Mapped[Optional[str]] = mapped_column(String(2048))
    # Only when the reader gave one; shown to editors with the permission only (REQUESTS_EMAIL_ROLES).
    email: Mapped[Optional[str]] = mapped_column(String(254))
    # sha256 of the tracking token: a database leak does not reveal the links.
    token_hash: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    # For a request with an e-mail: the token is HMAC(SECRET_KEY, nonce), so the "answered" message can carry the
    # tracking link while the database alone still does not reveal it.
    token_nonce: Mapped[Optional[str]] = mapped_column(String(64))
    # True when a published check answered the request at once ("asked again").
    answered_at_once: Mapped[bool] = mapped_column(default=False)
    # The interface language the reader asked in: the "answered" e-mail is written in it.
    ui_language: Mapped[Optional[str]] = mapped_column(String(16))
    match_score: Mapped[Optional[float]] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    group: Mapped[RequestGroup] = relationship()


class RequestTerm(db.Model):
    """A search term of a grouped request: the inverted index new requests are grouped through."""

    __tablename__ = "request_terms"

    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("check_requests.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)


class FeedKind(str, enum.Enum):
    """What a monitored source is: an RSS or Atom feed, a (news) sitemap, or a list of article addresses."""

    FEED = "feed"
    SITEMAP = "sitemap"
    URLS = "urls"


class MonitoredFeed(db.Model):
    """A news source the worker polls for new articles (not a verdict's cited ``Source``)."""

    __tablename__ = "monitored_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[FeedKind] = mapped_column(
        db.Enum(FeedKind, native_enum=False, length=16, values_callable=_enum_values, validate_strings=True)
    )
    # The feed or sitemap address; empty for a list of URLs.
    url: Mapped[Optional[str]] = mapped_column(String(2048))
    # A list of article addresses, one a line (kind "urls").
    urls: Mapped[Optional[str]] = mapped_column(Text)
    # Articles from this source are credited to it (unattributed statements go to the outlet).
    publisher: Mapped[Optional[str]] = mapped_column(String(200))
    interval_minutes: Mapped[int] = mapped_column(Integer, default=30)
    paused: Mapped[bool] = mapped_column(default=False)
    # When the next poll is due, and until when a worker that took the source holds it (a killed worker's
    # lease runs out and another takes the source again).
    next_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    lease_until: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # What the last answer said, for the next conditional GET.
    etag: Mapped[Optional[str]] = mapped_column(String(500))
    last_modified: Mapped[Optional[str]] = mapped_column(String(100))
    last_fetch_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    runs: Mapped[int] = mapped_column(Integer, default=0)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    articles_ingested: Mapped[int] = mapped_column(Integer, default=0)
    item_errors: Mapped[int] = mapped_column(Integer, default=0)
    alerts_raised: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class FeedItem(db.Model):
    """An address a monitored source listed, once: ingested (with its article) or failed (with the reason)."""

    __tablename__ = "feed_items"
    __table_args__ = (UniqueConstraint("feed_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("monitored_feeds.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    article_id: Mapped[Optional[int]] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    error: Mapped[Optional[str]] = mapped_column(Text)
    # Failed fetches are tried again on later polls, up to a bound (monitoring.MAX_ITEM_ATTEMPTS).
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AlertStatus(str, enum.Enum):
    """Whether an alert waits for an editor, was confirmed (the appearance linked) or dismissed."""

    OPEN = "open"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class Alert(db.Model):
    """A monitored article's candidate that the matcher puts in the same-claim band of a published claim."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("appearance_id", "claim_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appearance_id: Mapped[int] = mapped_column(ForeignKey("appearances.id", ondelete="CASCADE"))
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    feed_id: Mapped[Optional[int]] = mapped_column(ForeignKey("monitored_feeds.id", ondelete="SET NULL"),
                                                   index=True)
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[AlertStatus] = mapped_column(
        db.Enum(AlertStatus, native_enum=False, length=16, values_callable=_enum_values, validate_strings=True),
        default=AlertStatus.OPEN, index=True,
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # When the alert went into the newsroom's e-mail digests (NULL: not yet).
    digested_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    appearance: Mapped["Appearance"] = relationship()
    claim: Mapped[Claim] = relationship()
    feed: Mapped[Optional[MonitoredFeed]] = relationship()
    decided_by: Mapped[Optional[User]] = relationship()


class PublicState(db.Model):
    """One row: how many times what the public sees has changed, and when it last did.

    Every public page, feed and API answer takes its ETag and Last-Modified from here (services/public_changes.py
    bumps it in the same transaction as the change), so a conditional request costs one primary-key read.
    """

    __tablename__ = "public_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxMessage(db.Model):
    """An e-mail waiting to be sent (or sent): written in the transaction of the change it tells about, so a
    rolled-back change sends nothing, and delivered by the worker with back-off until the SMTP server takes it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_sent_at_next_attempt_at", "sent_at", "next_attempt_at"),
                      Index("ix_outbox_related", "related_type", "related_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    # The account it is for (NULL for a reader's request): its off switch is read again before sending.
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # review_requested | sent_back | assigned | request_answered | alert_digest
    kind: Mapped[str] = mapped_column(String(32))
    related_type: Mapped[Optional[str]] = mapped_column(String(32))
    related_id: Mapped[Optional[int]] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[Optional[str]] = mapped_column(Text)


class AlertSubscription(db.Model):
    """A person's interest in alerts by speaker, topic, verdict or monitored source: their digest (and webhook)
    lists only the alerts that match one of theirs."""

    __tablename__ = "alert_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "field", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # speaker | topic | verdict | source
    field: Mapped[str] = mapped_column(String(16))
    # The speaker's, topic's or monitored source's id, or the verdict's rating key.
    value: Mapped[str] = mapped_column(String(100))
    # What the person sees ("Talk radio host"), kept as it was when they subscribed.
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

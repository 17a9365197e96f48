"""The editor's dashboard lists: my assignments, unassigned new claims, waiting for review, recently
published, and resurfaced claims (a published fact-check whose claim is being repeated again).

Each list is a ``select()`` built here and paged by ``fetch_page`` with LIMIT n+1 (never a COUNT over
the big tables), so a page costs about the same at a thousand claims as at a million.  Every statement
starts from an index: verdicts by (assignee_id, status) or (status, published_at), appearances by
(claim_id, created_at), claims by speaker_id.  Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Sequence

from sqlalchemy import Select, exists, false, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from ..models import Appearance, Claim, Role, Speaker, Topic, User, Verdict, VerdictStatus, claim_topics
from .claims_io import name_key

PAGE_SIZE = 20
# Deep pages of a million-row list cost an OFFSET scan; nobody reads past this one.
MAX_PAGE = 500
LISTS = ("mine", "unassigned", "review", "published", "resurfaced")
OPEN_STATUSES = (VerdictStatus.NEW, VerdictStatus.RESEARCHING)
# A filter that leaves at most this many claims is applied as a list of claim ids, so the database starts
# from those claims instead of walking a million published verdicts looking for the few that match.
SELECTIVE_CLAIMS = 2000
# A speaker filter matching more speakers than this is applied as a subquery instead of a list of ids.
MAX_SPEAKER_IDS = 1000
# Resurfaced claims are those repeated within this many days: the dashboard is about what is back now.
RESURFACED_DAYS = 90


@dataclass(frozen=True)
class Filters:
    """What the editor narrowed the lists to, resolved by ``resolve_filters`` (empty: no filter).

    ``speaker_ids`` are the speakers whose name contains the typed text (None: any speaker);
    ``claim_ids`` is set when the filters leave few claims: exactly those claims.
    """

    speaker: str | None = None
    topic_id: int | None = None
    speaker_ids: tuple[int, ...] | None = None
    claim_ids: tuple[int, ...] | None = None

    @property
    def active(self) -> bool:
        return bool(self.speaker) or self.topic_id is not None


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, its number, and whether another page follows."""

    rows: list[Any]
    page: int
    has_next: bool


@dataclass(frozen=True)
class Resurfaced:
    """A claim with a published verdict that appeared again after publication."""

    claim: Claim
    new_appearances: int
    latest: datetime


def _speaker_match(speaker: str):
    # Folded like the stored name keys ("o'hara" finds "Jane O'Hara"); LIKE wildcards are taken literally.
    key = name_key(speaker)
    return select(Speaker.id).where(Speaker.name_key.contains(key, autoescape=True)) if key else None


def resolve_filters(session: Session, speaker: str | None = None, topic: Topic | None = None,
                    selective_claims: int = SELECTIVE_CLAIMS) -> Filters:
    """Turn a part of a speaker's name and a topic into Filters, finding out whether they leave few claims."""
    speaker = (speaker or "").strip() or None
    if speaker is None and topic is None:
        return Filters()
    topic_id = topic.id if topic else None
    speaker_ids: tuple[int, ...] | None = None
    if speaker is not None:
        match = _speaker_match(speaker)
        if match is None:
            return Filters(speaker=speaker, topic_id=topic_id, speaker_ids=(), claim_ids=())
        found = tuple(session.scalars(match.limit(MAX_SPEAKER_IDS + 1)))
        speaker_ids = found if len(found) <= MAX_SPEAKER_IDS else None
    filters = Filters(speaker=speaker, topic_id=topic_id, speaker_ids=speaker_ids)
    if speaker is not None:
        few = _claim_filters(select(Claim.id), filters, live_only=False)
    else:
        few = select(claim_topics.c.claim_id).where(claim_topics.c.topic_id == topic_id)
    ids = session.scalars(few.limit(selective_claims + 1)).all()
    if len(ids) <= selective_claims:
        return replace(filters, claim_ids=tuple(ids))
    return filters


def _claim_filters(stmt: Select, filters: Filters, live_only: bool = True, claim_column=None) -> Select:
    """Keep (live) claims matching the filters; ``claim_column`` is the claim id the statement is about."""
    claim_column = Claim.id if claim_column is None else claim_column
    if live_only:
        stmt = stmt.where(Claim.merged_into_id.is_(None))
    if filters.claim_ids is not None:
        return stmt.where(claim_column.in_(filters.claim_ids) if filters.claim_ids else false())
    if filters.speaker:
        speakers = filters.speaker_ids if filters.speaker_ids is not None else _speaker_match(filters.speaker)
        stmt = stmt.where(Claim.speaker_id.in_(speakers))
    if filters.topic_id is not None:
        stmt = stmt.where(exists().where(claim_topics.c.claim_id == claim_column,
                                         claim_topics.c.topic_id == filters.topic_id))
    return stmt


def _verdicts(filters: Filters, *conditions, order_by) -> Select:
    """Verdicts meeting ``conditions`` with their claim, speaker and people loaded in the same query."""
    stmt = select(Verdict).join(Verdict.claim).where(*conditions)
    if filters.claim_ids:
        # Start from the few claims (verdicts.claim_id is unique) rather than from the status indexes.
        stmt = stmt.where(Verdict.claim_id.in_(filters.claim_ids))
    return (
        _claim_filters(stmt, filters, claim_column=Verdict.claim_id)
        .options(
            contains_eager(Verdict.claim).joinedload(Claim.speaker),
            joinedload(Verdict.assignee),
            joinedload(Verdict.author),
        )
        .order_by(*order_by)
    )


def my_assignments(user: User, filters: Filters = Filters()) -> Select:
    """Select the verdicts assigned to ``user`` that are not published yet, last touched first."""
    return _verdicts(filters, Verdict.assignee_id == user.id, Verdict.status != VerdictStatus.PUBLISHED,
                     order_by=(Verdict.updated_at.desc(), Verdict.id.desc()))


def unassigned_new(filters: Filters = Filters()) -> Select:
    """Select the new and researching verdicts nobody is assigned to, newest first."""
    return _verdicts(filters, Verdict.assignee_id.is_(None), Verdict.status.in_(OPEN_STATUSES),
                     order_by=(Verdict.id.desc(),))


def waiting_for_review(user: User, filters: Filters = Filters()) -> Select:
    """Select the verdicts in review, longest waiting first; a reviewer or admin does not see their own."""
    conditions = [Verdict.status == VerdictStatus.IN_REVIEW]
    if user.role in (Role.REVIEWER, Role.ADMIN):
        conditions.append(or_(Verdict.author_id.is_(None), Verdict.author_id != user.id))
    return _verdicts(filters, *conditions, order_by=(Verdict.updated_at, Verdict.id))


def recently_published(filters: Filters = Filters()) -> Select:
    """Select the published verdicts, newest publication first."""
    published = Verdict.status == VerdictStatus.PUBLISHED
    if filters.claim_ids:
        # A few claims: compared through lower() the status index is out of the planner's reach, so SQLite
        # starts from the claims' verdicts instead of walking every published verdict for the few that match.
        published = func.lower(Verdict.status) == VerdictStatus.PUBLISHED.value
    return _verdicts(filters, published, order_by=(Verdict.published_at.desc(), Verdict.id.desc()))


def resurfaced(filters: Filters = Filters(), since: datetime | None = None) -> Select:
    """Select (claim id, latest appearance) of every claim that appeared since ``since``, latest first.

    These are the candidates for the resurfaced list; ``fetch_resurfaced`` keeps those whose verdict was
    published before that latest appearance.  The grouping reads the covering index on
    (claim_id, created_at) and only the recent appearances are grouped and sorted, so the work follows
    the appearances, not the million claims or verdicts.
    """
    latest = func.max(Appearance.created_at)
    stmt = select(Appearance.claim_id, latest.label("latest")).where(Appearance.claim_id.is_not(None))
    if since is not None:
        stmt = stmt.where(Appearance.created_at >= since)
    if filters.claim_ids is not None:
        stmt = stmt.where(Appearance.claim_id.in_(filters.claim_ids) if filters.claim_ids else false())
    return stmt.group_by(Appearance.claim_id).order_by(latest.desc(), Appearance.claim_id.desc())


def _published_before(session: Session, latest: dict[int, datetime], filters: Filters) -> list[int]:
    """Of these claims, the live ones matching the filters whose verdict was published before their latest appearance."""
    stmt = (
        select(Verdict.claim_id, Verdict.published_at)
        .join(Claim, Claim.id == Verdict.claim_id)
        .where(Verdict.claim_id.in_(list(latest)), Verdict.status == VerdictStatus.PUBLISHED)
    )
    published = dict(session.execute(_claim_filters(stmt, filters, claim_column=Verdict.claim_id)).all())
    return [claim_id for claim_id, at in latest.items()
            if published.get(claim_id) is not None and at > published[claim_id]]


def new_appearances(session: Session, claim_ids: Sequence[int]) -> dict[int, int]:
    """How many appearances each claim had after its verdict was published."""
    if not claim_ids:
        return {}
    return dict(session.execute(
        select(Appearance.claim_id, func.count())
        .join(Verdict, Verdict.claim_id == Appearance.claim_id)
        .where(Appearance.claim_id.in_(claim_ids), Appearance.created_at > Verdict.published_at)
        .group_by(Appearance.claim_id)
    ).all())


def fetch_resurfaced(session: Session, filters: Filters = Filters(), since: datetime | None = None,
                     page: int = 1, page_size: int = PAGE_SIZE, batch: int = 200) -> Page:
    """One page of resurfaced claims (a published claim that appeared again after publication), latest first,
    each with its count of new appearances and the latest one's time.

    The recent claims are walked latest first and checked against their verdicts ``batch`` at a time, so
    a page stops as soon as it is full instead of joining every recent claim to its verdict.
    """
    page = max(1, min(page, MAX_PAGE))
    wanted = page * page_size + 1
    found: list[tuple[int, datetime]] = []
    for rows in session.execute(resurfaced(filters, since)).partitions(batch):
        latest = {claim_id: at for claim_id, at in rows}
        found.extend((claim_id, latest[claim_id]) for claim_id in _published_before(session, latest, filters))
        if len(found) >= wanted:
            break
    on_page = found[(page - 1) * page_size:page * page_size]
    ids = [claim_id for claim_id, _ in on_page]
    claims = {claim.id: claim for claim in session.scalars(
        select(Claim).where(Claim.id.in_(ids)).options(selectinload(Claim.speaker), selectinload(Claim.verdict))
    )} if ids else {}
    counts = new_appearances(session, ids)
    rows = [Resurfaced(claim=claims[claim_id], new_appearances=counts.get(claim_id, 0), latest=at)
            for claim_id, at in on_page]
    return Page(rows=rows, page=page, has_next=len(found) > page * page_size)


def fetch_page(session: Session, stmt: Select, page: int = 1, page_size: int = PAGE_SIZE,
               make_row: Callable[[Any], Any] | None = None) -> Page:
    """Run one page of a list statement, asking for one row more to know whether a next page exists.

    Rows are the statement's entities, or ``make_row(row)`` for statements of several columns.
    """
    page = max(1, min(page, MAX_PAGE))
    result = session.execute(stmt.limit(page_size + 1).offset((page - 1) * page_size))
    rows = list(result.scalars().unique()) if make_row is None else [make_row(row) for row in result]
    return Page(rows=rows[:page_size], page=page, has_next=len(rows) > page_size)


def find_topic(session: Session, name: str | None) -> Topic | None:
    """The topic with this name (case and spacing folded), or None."""
    if not name or not name.strip():
        return None
    return session.scalar(select(Topic).where(func.lower(Topic.name) == " ".join(name.split()).lower()))


def topic_names(session: Session, limit: int = 1000) -> Sequence[str]:
    """Topic names for the filter's choices, alphabetical."""
    return session.scalars(select(Topic.name).order_by(Topic.name).limit(limit)).all()


def dashboard(session: Session, user: User, filters: Filters, pages: dict[str, int],
              resurfaced_days: int = RESURFACED_DAYS) -> dict[str, Page]:
    """Every dashboard list's requested page, keyed by list name (see LISTS)."""
    statements = {
        "mine": my_assignments(user, filters),
        "unassigned": unassigned_new(filters),
        "review": waiting_for_review(user, filters),
        "published": recently_published(filters),
    }
    lists = {name: fetch_page(session, stmt, pages.get(name, 1)) for name, stmt in statements.items()}
    since = datetime.now(timezone.utc) - timedelta(days=resurfaced_days)
    lists["resurfaced"] = fetch_resurfaced(session, filters, since, pages.get("resurfaced", 1))
    return {name: lists[name] for name in LISTS}

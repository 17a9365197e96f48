"""The editor's dashboard lists: my assignments, unassigned new claims, waiting for review, recently
published, and resurfaced claims (a published fact-check whose claim is being repeated again).

Each list is a ``select()`` built here and paged by ``fetch_page`` with LIMIT n+1 (never a COUNT over
the big tables), so a page costs the same at a thousand claims as at a million.  Every statement
starts from an index: verdicts by (assignee_id, status) or (status, published_at), appearances by
(claim_id, created_at).  Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Sequence

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from ..models import Appearance, Claim, Role, Speaker, Topic, User, Verdict, VerdictStatus, claim_topics
from .claims_io import name_key

PAGE_SIZE = 20
# Deep pages of a million-row list cost an OFFSET scan; nobody reads past this one.
MAX_PAGE = 500
LISTS = ("mine", "unassigned", "review", "published", "resurfaced")
OPEN_STATUSES = (VerdictStatus.NEW, VerdictStatus.RESEARCHING)


@dataclass(frozen=True)
class Filters:
    """What the editor narrowed the lists to: a part of the speaker's name, a topic's id."""

    speaker: str | None = None
    topic_id: int | None = None

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


def _claim_filters(stmt: Select, filters: Filters) -> Select:
    """Keep live claims matching the filters (``stmt`` must already join Claim)."""
    stmt = stmt.where(Claim.merged_into_id.is_(None))
    if filters.speaker:
        # Folded like the stored name keys ("O'Hara" finds "Jane O'Hara"); only punctuation folds to nothing.
        key = name_key(filters.speaker)
        # Speakers are few (thousands): the matching ids are found first, then claims by claims.speaker_id.
        speakers = select(Speaker.id).where(Speaker.name_key.contains(key, autoescape=True) if key else false())
        stmt = stmt.where(Claim.speaker_id.in_(speakers))
    if filters.topic_id is not None:
        stmt = stmt.where(Claim.id.in_(
            select(claim_topics.c.claim_id).where(claim_topics.c.topic_id == filters.topic_id)
        ))
    return stmt


def _verdicts(filters: Filters) -> Select:
    """Verdicts with their claim, speaker and people loaded in the same query."""
    stmt = (
        select(Verdict)
        .join(Claim, Claim.id == Verdict.claim_id)
        .options(
            contains_eager(Verdict.claim).joinedload(Claim.speaker),
            joinedload(Verdict.assignee),
            joinedload(Verdict.author),
        )
    )
    return _claim_filters(stmt, filters)


def my_assignments(user: User, filters: Filters = Filters()) -> Select:
    """Select the verdicts assigned to ``user`` that are not published yet, last touched first."""
    return (
        _verdicts(filters)
        .where(Verdict.assignee_id == user.id, Verdict.status != VerdictStatus.PUBLISHED)
        .order_by(Verdict.updated_at.desc(), Verdict.id.desc())
    )


def unassigned_new(filters: Filters = Filters()) -> Select:
    """Select the new and researching verdicts nobody is assigned to, newest first."""
    return (
        _verdicts(filters)
        .where(Verdict.assignee_id.is_(None), Verdict.status.in_(OPEN_STATUSES))
        .order_by(Verdict.id.desc())
    )


def waiting_for_review(user: User, filters: Filters = Filters()) -> Select:
    """Select the verdicts in review, longest waiting first; a reviewer or admin does not see their own."""
    stmt = _verdicts(filters).where(Verdict.status == VerdictStatus.IN_REVIEW)
    if user.role in (Role.REVIEWER, Role.ADMIN):
        stmt = stmt.where(or_(Verdict.author_id.is_(None), Verdict.author_id != user.id))
    return stmt.order_by(Verdict.updated_at, Verdict.id)


def recently_published(filters: Filters = Filters()) -> Select:
    """Select the published verdicts, newest publication first."""
    return (
        _verdicts(filters)
        .where(Verdict.status == VerdictStatus.PUBLISHED)
        .order_by(Verdict.published_at.desc(), Verdict.id.desc())
    )


def resurfaced(filters: Filters = Filters()) -> Select:
    """Select (claim, new appearances, latest) for published claims repeated after publication, latest first.

    The work is bounded by the linked appearances (read from the covering index on
    (claim_id, created_at)), not by the number of claims or verdicts.
    """
    # The verdict is looked up per appearance (a correlated subquery on the unique verdicts.claim_id) so that
    # the database walks the appearances, not the million published verdicts.
    published_at = (
        select(Verdict.published_at)
        .where(Verdict.claim_id == Appearance.claim_id, Verdict.status == VerdictStatus.PUBLISHED)
        .scalar_subquery()
    )
    again = (
        select(
            Appearance.claim_id.label("claim_id"),
            func.count().label("new_appearances"),
            func.max(Appearance.created_at).label("latest"),
        )
        .where(Appearance.claim_id.is_not(None), Appearance.created_at > published_at)
        .group_by(Appearance.claim_id)
        .subquery("again")
    )
    stmt = (
        select(Claim, again.c.new_appearances, again.c.latest)
        .join(again, again.c.claim_id == Claim.id)
        .options(selectinload(Claim.speaker), selectinload(Claim.verdict))
        .order_by(again.c.latest.desc(), Claim.id.desc())
    )
    return _claim_filters(stmt, filters)


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


def dashboard(session: Session, user: User, filters: Filters, pages: dict[str, int]) -> dict[str, Page]:
    """Every dashboard list's requested page, keyed by list name (see LISTS)."""
    statements = {
        "mine": my_assignments(user, filters),
        "unassigned": unassigned_new(filters),
        "review": waiting_for_review(user, filters),
        "published": recently_published(filters),
        "resurfaced": resurfaced(filters),
    }
    makers = {"resurfaced": lambda row: Resurfaced(claim=row[0], new_appearances=row[1], latest=row[2])}
    return {name: fetch_page(session, stmt, pages.get(name, 1), make_row=makers.get(name))
            for name, stmt in statements.items()}

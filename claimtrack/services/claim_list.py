"""The editor's claim list: every live claim, searched through the matcher, filtered by workflow status,
verdict, speaker, topic, assignee and date, sorted by a whitelisted column, a page at a time.

One statement loads a page with its speaker, verdict and assignee (no N+1).  A search asks
``services.matching.match`` (the one matcher) for its best candidates, so it is bounded by the matcher's
candidate count and ranked by the match score.  Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Select, case, exists, select
from sqlalchemy.orm import Session, aliased

from ..models import Claim, Speaker, Topic, User, Verdict, VerdictStatus, claim_topics
from ..verdicts import VerdictScale
from .matching import MatchSettings, match
from .speakers import name_key

PAGE_SIZE = 50
# Offset pages walk the list from its top; past this an editor should narrow the filters instead.
MAX_PAGE = 500
# The verdict filter's value for claims with no rating yet.
UNRATED = "unrated"
# The assignee filter's value for claims nobody is assigned to.
NOBODY = "none"
# The sort keys a request may name (anything else is refused by the form): column -> default direction.
SORTS: dict[str, str] = {"newest": "desc", "score": "desc", "claim": "asc", "speaker": "asc", "status": "asc",
                         "verdict": "desc", "assignee": "asc", "updated": "desc"}
DATE_FIELDS = ("updated", "created")
STATUS_ORDER = tuple(VerdictStatus)

Assignee = aliased(User, name="assignee")


@dataclass(frozen=True)
class ClaimFilters:
    """What the editor narrowed the list to (None: no filter)."""

    text: str | None = None
    status: VerdictStatus | None = None
    rating: str | None = None          # a key of the scale, or UNRATED
    speaker: str | None = None         # part of a speaker's name or alias-free name, folded like name keys
    topic_id: int | None = None
    assignee: int | str | None = None  # a user id, or NOBODY
    date_field: str = "updated"        # one of DATE_FIELDS
    since: date | None = None
    until: date | None = None

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.status, self.rating, self.speaker, self.topic_id, self.assignee,
                                            self.since, self.until))


@dataclass(frozen=True)
class ClaimRow:
    """A claim as the list shows it (the attributes the verdict badge macro reads included)."""

    id: int
    text: str
    external_id: str | None
    speaker_name: str | None
    status: VerdictStatus
    rating: str | None
    rating_text: str | None
    assignee_name: str | None
    updated_at: datetime | None
    created_at: datetime | None
    score: float | None = None
    band: str | None = None


@dataclass(frozen=True)
class ClaimPage:
    """One page of the list, whether another follows, and (searching) how many claims matched."""

    rows: list[ClaimRow]
    page: int
    has_next: bool
    matched: int | None = None


def _updated_at():
    """When the claim or its verdict last changed, whichever is later (a verdict's save does not touch the
    claim's own updated_at)."""
    return case((Verdict.updated_at > Claim.updated_at, Verdict.updated_at), else_=Claim.updated_at)


def _status():
    """The workflow status; a claim whose verdict was never opened is new."""
    return case((Verdict.id.is_(None), VerdictStatus.NEW.value), else_=Verdict.status)


def _base() -> Select:
    return (
        select(Claim.id, Claim.text, Claim.external_id, Speaker.name, Verdict.status, Verdict.rating,
               Verdict.rating_text, Assignee.username, _updated_at().label("updated"), Claim.created_at)
        .select_from(Claim)
        .outerjoin(Verdict, Verdict.claim_id == Claim.id)
        .outerjoin(Speaker, Speaker.id == Claim.speaker_id)
        .outerjoin(Assignee, Assignee.id == Verdict.assignee_id)
        .where(Claim.merged_into_id.is_(None))
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _apply(stmt: Select, filters: ClaimFilters) -> Select:
    if filters.status is not None:
        if filters.status == VerdictStatus.NEW:
            stmt = stmt.where((Verdict.status == VerdictStatus.NEW) | Verdict.id.is_(None))
        else:
            stmt = stmt.where(Verdict.status == filters.status)
    if filters.rating == UNRATED:
        stmt = stmt.where(Verdict.rating.is_(None))
    elif filters.rating is not None:
        stmt = stmt.where(Verdict.rating == filters.rating)
    if filters.speaker is not None:
        key = name_key(filters.speaker)
        stmt = stmt.where(Claim.speaker_id.in_(select(Speaker.id).where(Speaker.name_key.contains(key, autoescape=True))))
    if filters.topic_id is not None:
        stmt = stmt.where(exists().where(claim_topics.c.claim_id == Claim.id,
                                         claim_topics.c.topic_id == filters.topic_id))
    if filters.assignee == NOBODY:
        stmt = stmt.where(Verdict.assignee_id.is_(None))
    elif filters.assignee is not None:
        stmt = stmt.where(Verdict.assignee_id == filters.assignee)
    column = Claim.created_at if filters.date_field == "created" else _updated_at()
    if filters.since is not None:
        stmt = stmt.where(column >= _day_start(filters.since))
    if filters.until is not None and filters.until < date.max:  # the last day there is bounds nothing
        stmt = stmt.where(column < _day_start(filters.until + timedelta(days=1)))
    return stmt


def _order(sort: str, descending: bool, scale: VerdictScale) -> list[Any]:
    """ORDER BY for a whitelisted sort key, ties broken by the newest claim first."""
    if sort == "claim":
        key = Claim.text
    elif sort == "speaker":
        key = Speaker.name
    elif sort == "status":
        key = case({s.value: i for i, s in enumerate(STATUS_ORDER)}, value=_status(), else_=0)
    elif sort == "verdict":
        # by the scale's rating value (6 best .. 1 worst), not alphabetically; unrated below the worst
        key = case({lv.key: lv.rating_value for lv in scale}, value=Verdict.rating, else_=0)
    elif sort == "assignee":
        key = Assignee.username
    elif sort == "updated":
        key = _updated_at()
    else:  # "newest" (and "score", which is applied after the query)
        return [Claim.id.desc() if descending else Claim.id.asc()]
    # empty values (no speaker, nobody assigned) last whichever way the column is sorted
    return [case((key.is_(None), 1), else_=0), key.desc() if descending else key.asc(), Claim.id.desc()]


def _row(r: Any, score: float | None = None, band: str | None = None) -> ClaimRow:
    return ClaimRow(id=r[0], text=r[1], external_id=r[2], speaker_name=r[3],
                    status=VerdictStatus(r[4]) if r[4] is not None else VerdictStatus.NEW,
                    rating=r[5], rating_text=r[6], assignee_name=r[7], updated_at=r[8], created_at=r[9],
                    score=score, band=band)


def list_claims(session: Session, filters: ClaimFilters, sort: str, descending: bool, page: int, per_page: int,
                scale: VerdictScale, settings: MatchSettings) -> ClaimPage:
    """One page of the editor's list.  ``sort`` must be a key of SORTS ("score" only means something when
    searching); ``page`` at most MAX_PAGE (the caller refuses more)."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort key {sort!r}")
    stmt = _apply(_base(), filters)
    if not filters.text:
        stmt = stmt.order_by(*_order(sort, descending, scale))
        rows = session.execute(stmt.limit(per_page + 1).offset((page - 1) * per_page)).all()
        return ClaimPage(rows=[_row(r) for r in rows[:per_page]], page=page, has_next=len(rows) > per_page)
    # Searching: the matcher's best candidates (bounded by its candidate count), narrowed by the filters.
    result = match(session, filters.text, limit=settings.candidates, settings=settings)
    found = {m.claim_id: m for m in result.matches if m.score > 0}
    if not found:
        return ClaimPage(rows=[], page=page, has_next=False, matched=0)
    stmt = stmt.where(Claim.id.in_(list(found)))
    if sort != "score":
        stmt = stmt.order_by(*_order(sort, descending, scale))
    rows = [_row(r, round(found[r[0]].score, 1), found[r[0]].band) for r in session.execute(stmt).all()]
    if sort == "score":
        rows.sort(key=lambda row: (row.score or 0, row.id), reverse=descending)
    start = (page - 1) * per_page
    return ClaimPage(rows=rows[start:start + per_page], page=page, has_next=len(rows) > start + per_page,
                     matched=len(rows))


def topic_choices(session: Session, limit: int = 1000) -> list[tuple[int, str]]:
    """(id, name) of the topics for the filter, alphabetical."""
    return [(r[0], r[1]) for r in session.execute(select(Topic.id, Topic.name).order_by(Topic.name).limit(limit))]


def assignee_choices(session: Session) -> list[tuple[int, str]]:
    """(id, username) of everyone a verdict can be assigned to (editors and admins), and anyone who still has
    verdicts though their role changed, alphabetical."""
    from ..models import Role

    assigned = select(Verdict.assignee_id).where(Verdict.assignee_id.is_not(None)).distinct()
    return [(r[0], r[1]) for r in session.execute(
        select(User.id, User.username).where(User.role.in_([Role.ADMIN, Role.EDITOR]) | User.id.in_(assigned))
        .order_by(User.username))]

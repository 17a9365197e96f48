"""The editor's dashboard lists: my assignments, unassigned new claims, waiting for review, recently
published, and resurfaced claims (a published fact-check whose claim is being repeated again).

Each list is a ``select()`` of ids in list order, built here from one index: verdicts by
(assignee_id, status) or (status, published_at), appearances by (claim_id, created_at).  ``fetch_*``
walk it a batch at a time, keep the rows whose claim is live and matches the filters (looked up by
primary key for that batch), and stop as soon as the page and one more row are found: no COUNT, no join
of a million-row list to the claims, and the same few statements per page whatever the size of the
archive.  Then the page's rows are loaded with what the page shows (no N+1).  Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import Select, exists, false, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..models import (
    Stance,
    Appearance,
    CheckRequest,
    Claim,
    RequestGroup,
    RequestGroupStatus,
    Role,
    Speaker,
    Topic,
    User,
    Verdict,
    VerdictStatus,
    claim_topics,
)
from .speakers import name_key

PAGE_SIZE = 20
# Deep pages walk the list from the top; nobody reads past this one.
MAX_PAGE = 500
# The most rows read from a list between two look-ups of their claims.
MAX_BATCH = 2000
LISTS = ("mine", "unassigned", "review", "published", "resurfaced")
OPEN_STATUSES = (VerdictStatus.NEW, VerdictStatus.RESEARCHING)
# A filter that leaves at most this many claims is applied as a list of claim ids, so the database starts
# from those claims instead of walking a million published verdicts looking for the few that match.
SELECTIVE_CLAIMS = 5000
# A speaker filter matching more speakers than this is applied in SQL as a subquery, not as a list of ids.
MAX_SPEAKER_IDS = 1000
# Resurfaced claims are those repeated within this many days: the dashboard is about what is back now.
RESURFACED_DAYS = 90
# "Most asked this week": reader requests of the last MOST_ASKED_DAYS days, the top MOST_ASKED_SHOWN groups.
MOST_ASKED_DAYS = 7
MOST_ASKED_SHOWN = 10


@dataclass(frozen=True)
class Filters:
    """What the editor narrowed the lists to, resolved by ``resolve_filters`` (the default: no filter).

    ``speaker_ids`` are the speakers whose name contains the typed text (None: any speaker);
    ``claim_ids`` is set when the filters leave few claims: exactly those claims.
    """

    speaker: str | None = None
    topic_id: int | None = None
    speaker_ids: frozenset[int] | None = None
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


def _speaker_match(speaker: str) -> Select | None:
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
    speaker_ids = None
    few = select(claim_topics.c.claim_id).where(claim_topics.c.topic_id == topic_id)
    if speaker is not None:
        match = _speaker_match(speaker)
        if match is None:
            return Filters(speaker=speaker, topic_id=topic_id, speaker_ids=frozenset(), claim_ids=())
        speaker_ids = frozenset(session.scalars(match))
        few = select(Claim.id).where(Claim.speaker_id.in_(
            _speakers_clause(Filters(speaker=speaker, speaker_ids=speaker_ids))))
        if topic_id is not None:
            few = few.where(exists().where(claim_topics.c.claim_id == Claim.id, claim_topics.c.topic_id == topic_id))
    filters = Filters(speaker=speaker, topic_id=topic_id, speaker_ids=speaker_ids)
    ids = session.scalars(few.limit(selective_claims + 1)).all()
    if len(ids) <= selective_claims:
        return replace(filters, claim_ids=tuple(ids))
    return filters


def _speakers_clause(filters: Filters):
    ids = filters.speaker_ids or frozenset()
    return sorted(ids) if len(ids) <= MAX_SPEAKER_IDS else _speaker_match(filters.speaker or "")


def _in_sql(filters: Filters) -> bool:
    """Whether the filters are applied in SQL (broad filters) rather than to each batch's claims."""
    return filters.active and filters.claim_ids is None


def _filtered(stmt: Select, column, filters: Filters) -> Select:
    """Restrict a list statement about claim ``column`` to the filters.

    Few claims: to those claim ids.  Broad filters: joined to the claims and filtered in SQL, which keeps
    walking the list's own index (a filter that keeps many rows finds a page's worth soon).
    """
    if filters.claim_ids is not None:
        return stmt.where(column.in_(filters.claim_ids) if filters.claim_ids else false())
    if not filters.active:
        return stmt
    stmt = stmt.join(Claim, Claim.id == column).where(Claim.merged_into_id.is_(None))
    if filters.speaker:
        stmt = stmt.where(Claim.speaker_id.in_(_speakers_clause(filters)))
    if filters.topic_id is not None:
        stmt = stmt.where(exists().where(claim_topics.c.claim_id == column,
                                         claim_topics.c.topic_id == filters.topic_id))
    return stmt


def live_matching(session: Session, claim_ids: Iterable[int], filters: Filters) -> set[int]:
    """Of these claims, the ones not merged away that match the filters (looked up by primary key)."""
    ids = sorted(set(claim_ids))
    if not ids:
        return set()
    # Compared here rather than in SQL, so the database has only the primary key to go by.
    keep = {
        claim_id
        for claim_id, merged_into, speaker_id in session.connection().execute(
            select(Claim.id, Claim.merged_into_id, Claim.speaker_id).where(Claim.id.in_(ids))
        )
        if merged_into is None and (filters.speaker_ids is None or speaker_id in filters.speaker_ids)
    }
    if filters.topic_id is not None and keep:
        keep &= set(session.connection().scalars(
            select(claim_topics.c.claim_id)
            .where(claim_topics.c.claim_id.in_(sorted(keep)), claim_topics.c.topic_id == filters.topic_id)
        ))
    return keep


def walk(session: Session, stmt: Select, keep: Callable[[list], list], page: int = 1,
         page_size: int = PAGE_SIZE, first_batch: int | None = None) -> tuple[list, bool]:
    """Rows of ``page`` of a list statement, read in growing LIMIT batches and kept when ``keep`` keeps them.

    Returns the page's rows and whether another page follows; stops reading once both are known.  The
    first batch is what an unfiltered page needs (page and one more row, twice over) unless ``first_batch``
    says more; a filter that keeps few rows reads larger ones.
    """
    page = max(1, min(page, MAX_PAGE))
    wanted = page * page_size + 1
    found: list = []
    read = 0
    size = max(2 * wanted, first_batch or 0)
    while len(found) < wanted:
        # Core rows (plain tuples): the ids need none of the ORM's bookkeeping.
        rows = session.connection().execute(stmt.limit(size).offset(read)).all()
        read += len(rows)
        found.extend(keep(rows))
        if len(rows) < size:
            break
        size = min(size * 4, MAX_BATCH)
    return found[(page - 1) * page_size:page * page_size], len(found) > page * page_size


def _verdict_ids(*conditions, order_by, filters: Filters) -> Select:
    stmt = select(Verdict.id, Verdict.claim_id).where(*conditions)
    return _filtered(stmt, Verdict.claim_id, filters).order_by(*order_by)


def my_assignments(user: User, filters: Filters = Filters()) -> Select:
    """Select (verdict id, claim id) of the verdicts assigned to ``user`` not published yet, last touched first."""
    return _verdict_ids(Verdict.assignee_id == user.id, Verdict.status != VerdictStatus.PUBLISHED,
                        order_by=(Verdict.updated_at.desc(), Verdict.id.desc()), filters=filters)


def unassigned_new(filters: Filters = Filters()) -> Select:
    """Select (verdict id, claim id) of new and researching verdicts nobody is assigned to, newest first."""
    return _verdict_ids(Verdict.assignee_id.is_(None), Verdict.status.in_(OPEN_STATUSES),
                        order_by=(Verdict.id.desc(),), filters=filters)


def waiting_for_review(user: User, filters: Filters = Filters()) -> Select:
    """Select (verdict id, claim id) of verdicts in review, longest waiting first; reviewers skip their own."""
    conditions = [Verdict.status == VerdictStatus.IN_REVIEW]
    if user.role in (Role.REVIEWER, Role.ADMIN):
        conditions.append(or_(Verdict.author_id.is_(None), Verdict.author_id != user.id))
    return _verdict_ids(*conditions, order_by=(Verdict.updated_at, Verdict.id), filters=filters)


def recently_published(filters: Filters = Filters()) -> Select:
    """Select (verdict id, claim id) of published verdicts, newest publication first."""
    published = Verdict.status == VerdictStatus.PUBLISHED
    if filters.claim_ids:
        # A few claims: compared through lower() the status index is out of the planner's reach, so SQLite
        # starts from those claims' verdicts instead of walking every published verdict for the few that match.
        published = func.lower(Verdict.status) == VerdictStatus.PUBLISHED.value
    return _verdict_ids(published, order_by=(Verdict.published_at.desc(), Verdict.id.desc()), filters=filters)


def fetch_verdicts(session: Session, stmt: Select, filters: Filters = Filters(), page: int = 1,
                   page_size: int = PAGE_SIZE) -> Page:
    """One page of a verdict list (a statement of verdict id, claim id), with claims, speakers and people."""

    def keep(rows: list) -> list:
        if _in_sql(filters):
            return [verdict_id for verdict_id, _ in rows]
        live = live_matching(session, (claim_id for _, claim_id in rows), filters)
        return [verdict_id for verdict_id, claim_id in rows if claim_id in live]

    ids, has_next = walk(session, stmt, keep, page, page_size)
    loaded = {verdict.id: verdict for verdict in session.scalars(
        select(Verdict).where(Verdict.id.in_(ids)).options(
            joinedload(Verdict.claim).joinedload(Claim.speaker),
            joinedload(Verdict.assignee),
            joinedload(Verdict.author),
        )
    )} if ids else {}
    return Page(rows=[loaded[i] for i in ids if i in loaded], page=max(1, min(page, MAX_PAGE)), has_next=has_next)


def resurfaced(filters: Filters = Filters(), since: datetime | None = None) -> Select:
    """Select (claim id, latest appearance) of every claim that appeared since ``since``, latest first.

    These are the candidates for the resurfaced list; ``fetch_resurfaced`` keeps those whose verdict was
    published before that latest appearance.  The grouping reads the covering index on
    (claim_id, created_at) and only the recent appearances are grouped and sorted, so the work follows
    the appearances, not the million claims or verdicts.
    """
    latest = func.max(Appearance.created_at)
    stmt = select(Appearance.claim_id, latest.label("latest")).where(Appearance.claim_id.is_not(None),
                                                                      Appearance.stance == Stance.REPEATS)
    if since is not None:
        stmt = stmt.where(Appearance.created_at >= since)
    if filters.claim_ids is not None:
        stmt = _filtered(stmt, Appearance.claim_id, filters)
    # Broad filters are checked on each batch's claims (fetch_resurfaced): joined here, SQLite would start
    # from the speaker's or topic's every claim.
    return stmt.group_by(Appearance.claim_id).order_by(latest.desc(), Appearance.claim_id.desc())


def new_appearances(session: Session, claim_ids: Sequence[int]) -> dict[int, int]:
    """How many appearances each claim had after its verdict was published."""
    if not claim_ids:
        return {}
    return dict(session.execute(
        select(Appearance.claim_id, func.count())
        .join(Verdict, Verdict.claim_id == Appearance.claim_id)
        .where(Appearance.claim_id.in_(claim_ids), Appearance.created_at > Verdict.published_at,
               Appearance.stance == Stance.REPEATS)
        .group_by(Appearance.claim_id)
    ).all())


def fetch_resurfaced(session: Session, filters: Filters = Filters(), since: datetime | None = None,
                     page: int = 1, page_size: int = PAGE_SIZE) -> Page:
    """One page of resurfaced claims (published, then repeated after publication), latest first, each with
    its count of new appearances and the latest one's time."""

    def keep(rows: list) -> list:
        live = live_matching(session, (claim_id for claim_id, _ in rows), filters)
        # The status is compared here, not in SQL: given "status = 'published'" SQLite would rather walk
        # the status index (every published verdict) than look up these few claims' verdicts.
        verdicts = select(Verdict.claim_id, Verdict.status, Verdict.published_at).where(
            Verdict.claim_id.in_(sorted(live)))
        published = {
            claim_id: at
            for claim_id, status, at in session.connection().execute(verdicts)
            if status == VerdictStatus.PUBLISHED and at is not None
        } if live else {}
        return [(claim_id, at) for claim_id, at in rows if claim_id in published and at > published[claim_id]]

    # Broad filters keep few of the recent claims: read them in one batch rather than regroup for each.
    first_batch = MAX_BATCH if _in_sql(filters) else None
    found, has_next = walk(session, resurfaced(filters, since), keep, page, page_size, first_batch)
    ids = [claim_id for claim_id, _ in found]
    claims = {claim.id: claim for claim in session.scalars(
        select(Claim).where(Claim.id.in_(ids)).options(selectinload(Claim.speaker), selectinload(Claim.verdict))
    )} if ids else {}
    counts = new_appearances(session, ids)
    rows = [Resurfaced(claim=claims[claim_id], new_appearances=counts.get(claim_id, 0), latest=at)
            for claim_id, at in found if claim_id in claims]
    return Page(rows=rows, page=max(1, min(page, MAX_PAGE)), has_next=has_next)


@dataclass(frozen=True)
class MostAsked:
    """A group of reader requests with how often it was asked in the period: the claim's words or the most common
    wording of the requests."""

    group_id: int
    asked: int
    latest: datetime
    claim_id: int | None
    text: str


def most_asked(session: Session, since: datetime, limit: int = MOST_ASKED_SHOWN) -> list[MostAsked]:
    """The request groups asked most since ``since`` (dismissed ones left out), most first.

    Reads the (created_at, group_id) index of the period's requests only, whatever the size of the archive.
    """
    asked = func.count().label("asked")
    latest = func.max(CheckRequest.created_at)
    rows = session.execute(
        select(CheckRequest.group_id, asked, latest)
        .join(RequestGroup, RequestGroup.id == CheckRequest.group_id)
        .where(CheckRequest.created_at >= since, RequestGroup.status != RequestGroupStatus.DISMISSED)
        .group_by(CheckRequest.group_id).order_by(asked.desc(), latest.desc(), CheckRequest.group_id.desc())
        .limit(limit)
    ).all()
    ids = [r[0] for r in rows]
    if not ids:
        return []
    groups = {gid: (claim_id, wording) for gid, claim_id, wording in session.execute(
        select(RequestGroup.id, RequestGroup.claim_id, RequestGroup.wording).where(RequestGroup.id.in_(ids)))}
    claim_ids = sorted({claim_id for claim_id, _ in groups.values() if claim_id})
    claim_texts = dict(session.execute(select(Claim.id, Claim.text).where(Claim.id.in_(claim_ids))).all()) \
        if claim_ids else {}
    return [
        MostAsked(group_id=gid, asked=n, latest=at, claim_id=groups[gid][0],
                  text=claim_texts.get(groups[gid][0]) or groups[gid][1] or "")
        for gid, n, at in rows if gid in groups
    ]


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
    lists = {name: fetch_verdicts(session, stmt, filters, pages.get(name, 1)) for name, stmt in statements.items()}
    since = datetime.now(timezone.utc) - timedelta(days=resurfaced_days)
    lists["resurfaced"] = fetch_resurfaced(session, filters, since, pages.get("resurfaced", 1))
    out = {name: lists[name] for name in LISTS}
    # Not filtered by speaker or topic: reader requests have neither until an editor makes them a claim.
    week = datetime.now(timezone.utc) - timedelta(days=MOST_ASKED_DAYS)
    out["most_asked"] = Page(rows=most_asked(session, week), page=1, has_next=False)
    return out

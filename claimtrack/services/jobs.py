"""The worker's jobs as an admin reads them: every monitored source (when it runs next, whether a worker holds
it, its last error and counts) and the outbox (messages waiting, failing with their attempts, next try and last
error), the newest errors first, a page at a time; and the two safe actions, "run now" and "retry now".

Every function takes a Session; the actions flush and never commit (the admin view commits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ..models import MonitoredFeed, OutboxMessage, User
from . import audit

# What an outbox message that the person withdrew says (notifications.deliver_due writes it with sent_at).
WITHDRAWN_PREFIX = "not sent:"


class JobActionError(ValueError):
    """An action that cannot be done now: ``reason`` is a key the view says in the admin's language (paused,
    running, due, sent, not_failed), the message is its English."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


@dataclass(frozen=True)
class FeedJob:
    """A monitored source as a job: the row, and its state at ``now`` (paused, held by a worker, due, waiting)."""

    feed: MonitoredFeed
    state: str              # paused | running | due | waiting
    held_until: datetime | None
    next_run_at: datetime | None
    last_fetch_at: datetime | None
    last_success_at: datetime | None

    @property
    def may_run_now(self) -> bool:
        """Whether "run now" means something: not paused, not held, not due already."""
        return self.state == "waiting"


@dataclass(frozen=True)
class MessageJob:
    """An outbox message not sent yet: the row, and whether it is due at ``now`` or failing."""

    message: OutboxMessage
    due: bool
    next_attempt_at: datetime | None
    created_at: datetime | None

    @property
    def failing(self) -> bool:
        return self.message.last_error is not None

    @property
    def may_retry_now(self) -> bool:
        """Whether "retry now" means something: it failed and waits for its next try."""
        return self.failing and not self.due


@dataclass(frozen=True)
class JobCounts:
    """The summary line: sources (with an error, paused, held now) and the outbox (waiting, due, failing,
    withdrawn, sent)."""

    feeds: int
    feeds_failing: int
    feeds_paused: int
    feeds_running: int
    waiting: int
    due: int
    failing: int
    withdrawn: int
    sent: int


def _feed_state(feed: MonitoredFeed, now: datetime) -> FeedJob:
    held = _aware(feed.lease_until)
    next_run = _aware(feed.next_run_at)
    if feed.paused:
        state = "paused"
    elif held is not None and held > now:
        state = "running"
    elif next_run is None or next_run <= now:
        state = "due"
    else:
        state = "waiting"
    return FeedJob(feed=feed, state=state, held_until=held if state == "running" else None, next_run_at=next_run,
                   last_fetch_at=_aware(feed.last_fetch_at), last_success_at=_aware(feed.last_success_at))


def feed_jobs(session: Session, page: int, per_page: int, now: datetime | None = None) -> tuple[list[FeedJob], bool]:
    """One page of the monitored sources: those with an error first, the most recently fetched first (a source's
    error is from its last fetch), then the others by when they run next; and whether there is a next page."""
    now = now or _now()
    query = (select(MonitoredFeed)
             .order_by(case((MonitoredFeed.last_error.is_(None), 1), else_=0),
                       case((MonitoredFeed.last_error.is_(None), None), else_=MonitoredFeed.last_fetch_at).desc(),
                       MonitoredFeed.next_run_at, MonitoredFeed.id)
             .offset((page - 1) * per_page).limit(per_page + 1))
    rows = list(session.scalars(query))
    return [_feed_state(feed, now) for feed in rows[:per_page]], len(rows) > per_page


def outbox_jobs(session: Session, page: int, per_page: int,
                now: datetime | None = None) -> tuple[list[MessageJob], bool]:
    """One page of the messages not sent yet: the failing ones first, the latest to fail first (a failure moves
    the next try on by a back-off that only grows, so the later next try is the newer error), then the waiting
    ones, oldest first; and whether there is a next page."""
    now = now or _now()
    failing_first = case((OutboxMessage.last_error.is_(None), 1), else_=0)
    query = (select(OutboxMessage)
             .where(OutboxMessage.sent_at.is_(None))
             .order_by(failing_first,
                       case((OutboxMessage.last_error.is_(None), None), else_=OutboxMessage.next_attempt_at).desc(),
                       OutboxMessage.next_attempt_at, OutboxMessage.id)
             .offset((page - 1) * per_page).limit(per_page + 1))
    rows = list(session.scalars(query))
    jobs = [MessageJob(message=m, due=(_aware(m.next_attempt_at) or now) <= now,
                       next_attempt_at=_aware(m.next_attempt_at), created_at=_aware(m.created_at))
            for m in rows[:per_page]]
    return jobs, len(rows) > per_page


def job_counts(session: Session, now: datetime | None = None) -> JobCounts:
    """How many sources and messages are in each state (four counting queries)."""
    now = now or _now()
    feeds, failing_feeds, paused, running = session.execute(select(
        func.count(),
        func.count(MonitoredFeed.last_error),
        func.count(case((MonitoredFeed.paused.is_(True), 1))),
        func.count(case((MonitoredFeed.lease_until > now, 1))),
    ).select_from(MonitoredFeed)).one()
    waiting, due, failing = session.execute(select(
        func.count(),
        func.count(case((OutboxMessage.next_attempt_at <= now, 1))),
        func.count(OutboxMessage.last_error),
    ).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).one()
    sent, withdrawn = session.execute(select(
        func.count(),
        func.count(case((OutboxMessage.last_error.like(WITHDRAWN_PREFIX + "%"), 1))),
    ).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_not(None))).one()
    return JobCounts(feeds=int(feeds), feeds_failing=int(failing_feeds), feeds_paused=int(paused),
                     feeds_running=int(running), waiting=int(waiting), due=int(due), failing=int(failing),
                     withdrawn=int(withdrawn), sent=int(sent) - int(withdrawn))


def run_feed_now(session: Session, feed: MonitoredFeed, user: User, now: datetime | None = None) -> None:
    """Make a source due now (the worker takes it on its next round); refused while paused or held by a worker."""
    now = now or _now()
    job = _feed_state(feed, now)
    if job.state == "paused":
        raise JobActionError("paused", "This source is paused: resume it on the Sources page.")
    if job.state == "running":
        raise JobActionError("running", "A worker is running this source now.")
    if job.state == "due":
        raise JobActionError("due", "This source is due already: the worker takes it on its next round.")
    before = job.next_run_at
    feed.next_run_at = now
    audit.record(session, user, "feed.run_now", "feed", feed.id, name=feed.name,
                 before={"next_run_at": before.isoformat() if before else None},
                 after={"next_run_at": now.isoformat()})
    session.flush()


def retry_message_now(session: Session, message: OutboxMessage, user: User, now: datetime | None = None) -> None:
    """Make a failed message due now (its attempts and last error stay); refused when it was sent or is due."""
    now = now or _now()
    if message.sent_at is not None:
        raise JobActionError("sent", "This message was sent already.")
    if message.last_error is None:
        raise JobActionError("not_failed", "This message has not failed: it waits for its turn.")
    before = _aware(message.next_attempt_at)
    if before is not None and before <= now:
        raise JobActionError("due", "This message is due already: the worker sends it on its next round.")
    message.next_attempt_at = now
    audit.record(session, user, "outbox.retry_now", "outbox", message.id, recipient=message.recipient,
                 kind=message.kind, attempts=message.attempts,
                 before={"next_attempt_at": before.isoformat() if before else None},
                 after={"next_attempt_at": now.isoformat()})
    session.flush()

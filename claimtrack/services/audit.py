"""The audit log: the one function that writes an event (``record``), and the log as an admin reads it:
filtered, newest first, a page at a time, each event tied to its claim."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..models import Appearance, AuditEvent, Claim, RequestGroup, User, Verdict

# The longest text one detail shows; a whole verdict snapshot is summarised, not dumped.
MAX_VALUE_CHARS = 300


def record(session: Session, user: User | None, action: str, object_type: str | None, object_id: int | None,
           /, **details: Any) -> AuditEvent:
    """Add one event to the log: who (None for the system: an import, a command), what (``family.verb``), on
    which object, and the details (none stored as NULL).  Added to the session; the caller's flush writes it
    with the change it records, and the caller's commit keeps both or neither."""
    event = AuditEvent(user_id=user.id if user is not None else None, action=action, object_type=object_type,
                       object_id=object_id, details=details or None)
    session.add(event)
    return event


@dataclass(frozen=True)
class AuditFilters:
    """Validated filters: who did it, which action (``verdict.*`` for a family), about which claim, when."""

    user_id: int | None = None
    action: str | None = None
    claim_id: int | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Detail:
    """One line of an event's details: a name and a value, or a change from ``before`` to ``after``."""

    name: str
    value: str | None = None
    before: str | None = None
    after: str | None = None

    @property
    def is_change(self) -> bool:
        return self.before is not None or self.after is not None


@dataclass(frozen=True)
class AuditRow:
    """An event with the names an admin reads: who, the claim it concerns (if any), its details."""

    event: AuditEvent
    username: str | None
    claim_id: int | None
    subject: str | None
    details: list[Detail]


def action_choices(session: Session) -> list[str]:
    """Every action the log holds, and each family as ``family.*`` (for the filter's list)."""
    actions = sorted(session.scalars(select(AuditEvent.action).distinct()))
    families = sorted({a.split(".", 1)[0] + ".*" for a in actions if "." in a})
    return sorted(actions + families)


def _about_claim(claim_id: int):
    """Events about the claim: on the claim, its verdict, its appearances, reader requests turned into it, and
    the merge that folded it into another claim."""
    merged_into = select(Claim.merged_into_id).where(Claim.id == claim_id).scalar_subquery()
    return or_(
        and_(AuditEvent.object_type == "claim", AuditEvent.object_id == claim_id),
        and_(AuditEvent.object_type == "verdict",
             AuditEvent.object_id.in_(select(Verdict.id).where(Verdict.claim_id == claim_id))),
        and_(AuditEvent.object_type == "appearance",
             AuditEvent.object_id.in_(select(Appearance.id).where(Appearance.claim_id == claim_id))),
        and_(AuditEvent.object_type == "request_group",
             AuditEvent.object_id.in_(select(RequestGroup.id).where(RequestGroup.claim_id == claim_id))),
        and_(AuditEvent.action == "claim.merge", AuditEvent.object_id == merged_into),
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def events_query(filters: AuditFilters):
    """Select the events the filters keep, newest first (dates are whole UTC days, both ends included)."""
    query = select(AuditEvent)
    if filters.user_id is not None:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.action:
        if filters.action.endswith(".*"):
            query = query.where(AuditEvent.action.startswith(filters.action[:-1], autoescape=True))
        else:
            query = query.where(AuditEvent.action == filters.action)
    if filters.claim_id is not None:
        query = query.where(_about_claim(filters.claim_id))
    if filters.since is not None:
        query = query.where(AuditEvent.at >= _start_of(filters.since))
    if filters.until is not None:
        query = query.where(AuditEvent.at < _start_of(filters.until + timedelta(days=1)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _text(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "\u2026"


def describe(details: dict[str, Any] | None) -> list[Detail]:
    """The details as lines to read: ``before``/``after`` become one line per field that changed."""
    if not details:
        return []
    out: list[Detail] = []
    before, after = details.get("before"), details.get("after")
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {}
        for name in [*before, *(k for k in after if k not in before)]:
            if before.get(name) != after.get(name):
                out.append(Detail(name.replace("_", " "), before=_text(before.get(name)),
                                  after=_text(after.get(name))))
    for name, value in details.items():
        if name in ("before", "after") and (isinstance(before, dict) or isinstance(after, dict)):
            continue
        out.append(Detail(name.replace("_", " "), value=_text(value)))
    return out


def _claims_of(session: Session, model, ids: set[int]) -> dict[int, int | None]:
    if not ids:
        return {}
    return dict(session.execute(select(model.id, model.claim_id).where(model.id.in_(ids))).all())


def audit_page(session: Session, filters: AuditFilters, page: int, per_page: int) -> tuple[list[AuditRow], bool]:
    """One page of events with their people and claims resolved in a few queries; and whether a next page exists."""
    events = list(session.scalars(events_query(filters).limit(per_page + 1).offset((page - 1) * per_page)))
    has_next = len(events) > per_page
    events = events[:per_page]
    wanted_users = {e.user_id for e in events if e.user_id is not None}
    wanted_users |= {e.object_id for e in events if e.object_type == "user" and e.object_id is not None}
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(wanted_users))).all()) \
        if wanted_users else {}
    by_type: dict[str, set[int]] = {}
    for e in events:
        if e.object_id is not None:
            by_type.setdefault(e.object_type or "", set()).add(e.object_id)
    of_verdict = _claims_of(session, Verdict, by_type.get("verdict", set()))
    of_appearance = _claims_of(session, Appearance, by_type.get("appearance", set()))
    of_group = _claims_of(session, RequestGroup, by_type.get("request_group", set()))
    rows = []
    for e in events:
        details = e.details if isinstance(e.details, dict) else {}
        claim_id = subject = None
        if e.object_type == "claim":
            claim_id = e.object_id
        elif e.object_type == "verdict":
            claim_id = of_verdict.get(e.object_id)
        elif e.object_type == "appearance":
            claim_id = details.get("claim_id") or of_appearance.get(e.object_id)
            subject = f"appearance #{e.object_id}"
        elif e.object_type == "request_group":
            claim_id = details.get("claim_id") or of_group.get(e.object_id)
            subject = f"reader request group #{e.object_id}"
        elif e.object_type == "user":
            subject = "account " + (names.get(e.object_id) or details.get("username") or f"#{e.object_id}")
        elif e.object_type:
            subject = f"{e.object_type.replace('_', ' ')} #{e.object_id}"
        rows.append(AuditRow(event=e, username=names.get(e.user_id) if e.user_id is not None else None,
                             claim_id=claim_id if isinstance(claim_id, int) else None, subject=subject,
                             details=describe(e.details if isinstance(e.details, dict) else None)))
    return rows, has_next


def user_by_name(session: Session, username: str) -> User | None:
    """The account with this name (any case), or None."""
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def claim_exists(session: Session, claim_id: int) -> bool:
    """True when the claim id names a claim (merged ones too: their history stays readable)."""
    return session.get(Claim, claim_id) is not None

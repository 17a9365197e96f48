"""The public state's version: bumped in the same transaction as any change to what the public can see.

Public pages, feeds and the API take their ETag and Last-Modified from one row (models.PublicState), and the
server-side page cache keys rendered pages by it, so publishing, a correction, unpublishing, a merge, a linked
appearance, a renamed speaker or an import changes the validators of every page at once.  Coarse on purpose:
a page that did not change is re-validated (one cheap 304) after any public change, but no write path can be
forgotten, because the bump hangs on the session, not on each service.

Two session events cover every write the app makes: ``before_flush`` sees ORM objects (the editor forms,
merges, ingest), ``do_orm_execute`` sees bulk INSERT/UPDATE/DELETE statements (imports, pulls, purges).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.orm import Session

from ..models import (
    Appearance,
    AppearanceStatus,
    Claim,
    Correction,
    ReviewProvenance,
    Source,
    Speaker,
    SpeakerAlias,
    Topic,
    Verdict,
)

# What a public page, feed or API answer shows comes from these tables and nothing else.
PUBLIC_TABLES = frozenset({
    "claims", "verdicts", "sources", "corrections", "speakers", "speaker_aliases", "topics", "claim_topics",
    "appearances", "articles", "review_provenance",
})
_PUBLIC_CLASSES = (Claim, Verdict, Source, Correction, Speaker, SpeakerAlias, Topic, ReviewProvenance)
_BUMP = text("UPDATE public_state SET generation = generation + 1, changed_at = :now WHERE id = 1")
_READ = text("SELECT generation, changed_at FROM public_state WHERE id = 1")
_FLAG = "public_state_bumped"


@dataclass(frozen=True)
class PublicVersion:
    """How many public changes there were and when the last one was (UTC, whole seconds for HTTP dates)."""

    generation: int
    changed_at: datetime


def current(connection: Connection | Session) -> PublicVersion | None:
    """The public state's version; None when the table has no row (a database not made by the migrations)."""
    row = connection.execute(_READ).first()
    if row is None:
        return None
    moment = row[1]
    if isinstance(moment, str):  # SQLite through text(): ISO text
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return PublicVersion(generation=int(row[0]), changed_at=moment.replace(microsecond=0))


def _touches_public(obj: object) -> bool:
    if isinstance(obj, _PUBLIC_CLASSES):
        return True
    if isinstance(obj, Appearance):
        # pending and dismissed appearances are the editors' business; a linked one is on the claim page
        return obj.status == AppearanceStatus.LINKED or AppearanceStatus.LINKED in (
            inspect(obj).attrs.status.history.deleted or ())
    return False


def bump(session: Session) -> None:
    """Count one public change in the session's transaction (once per transaction)."""
    if session.info.get(_FLAG):
        return
    session.info[_FLAG] = True
    session.execute(_BUMP, {"now": datetime.now(UTC)})


def _before_flush(session: Session, flush_context, instances) -> None:  # noqa: ARG001 (the event's signature)
    if session.info.get(_FLAG):
        return
    for obj in (*session.new, *session.deleted, *session.dirty):
        if _touches_public(obj):
            bump(session)
            return


def _do_orm_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete) or state.session.info.get(_FLAG):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in PUBLIC_TABLES:
        bump(state.session)


def _transaction_over(session: Session, *args) -> None:  # noqa: ARG001 (the event's signature)
    session.info.pop(_FLAG, None)


def install() -> None:
    """Listen on every Session (idempotent): the web app, the CLI and the worker all write through one."""
    for name, fn in (("before_flush", _before_flush), ("do_orm_execute", _do_orm_execute),
                     ("after_commit", _transaction_over), ("after_rollback", _transaction_over),
                     ("after_soft_rollback", _transaction_over)):
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)

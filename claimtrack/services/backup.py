"""Backup and restore of the whole database as one versioned JSON-lines stream.

A backup is a header line, then one record a line in dependency order (users, speakers and their aliases,
topics, articles, claims, claim topics, appearances and their kept matches, verdicts, imported verdicts'
provenance, verdict revisions, sources, corrections, comments, reader request groups, requests and their terms,
monitored sources, alerts, the e-mail outbox, alert subscriptions, audit events), then an end line with the
number of records of each type, so a backup cut off at a line boundary is told from a complete one::

    {"format": "claimtrack-backup", "version": 1, "schema": "0006", "created_at": "...", ...}
    {"type": "user", "id": 1, "username": "alice", "role": "admin", ...}
    ...
    {"type": "end", "counts": {"user": 3, "speaker": 12, ...}}

A record holds its table's columns by name, primary keys included: a restore keeps every id, so links,
audit events and public URLs (``/claims/<id>``) stay right.  Derived data is not written but rebuilt on
restore: the match index (claims' search terms, term statistics, the full-text index), and the semantic
tier's vectors (``flask claims embed`` makes them again).  Password hashes and session tokens are written only
when asked for.

Both directions stream: the export reads each table with a server-side cursor, the restore inserts in
batches inside one transaction, each batch in a savepoint so a row the database refuses (a duplicate, a
dangling reference) is named by its line.  The caller commits the restore, or rolls it back on BackupError:
nothing is ever half-restored.
"""

from __future__ import annotations

import enum
import json
import math
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Iterator, TextIO

from sqlalchemy import JSON, Boolean, Date, DateTime, Enum, Float, Integer, String, Table, bindparam, func
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..models import (
    Alert,
    AlertSubscription,
    Appearance,
    AppearanceMatch,
    Article,
    AuditEvent,
    CheckRequest,
    Claim,
    Comment,
    Correction,
    FeedItem,
    MergeProposal,
    MonitoredFeed,
    OutboxMessage,
    RequestGroup,
    RequestTerm,
    ReviewProvenance,
    Source,
    Speaker,
    SpeakerAlias,
    Topic,
    User,
    Verdict,
    VerdictRevision,
    claim_topics,
)
from ..search_index import TermDeltas, claim_terms

FORMAT = "claimtrack-backup"
VERSION = 1
BATCH_SIZE = 5000
# Stored instead of a password hash when a backup carries none: no password verifies against it (it is not an
# argon2 hash), so the account cannot log in until `flask users set-password` gives it one.
NO_PASSWORD = "!restored-without-password"
CREDENTIALS = ("password_hash", "session_token")


@dataclass(frozen=True)
class Section:
    """One record type of a backup: the table it comes from and the columns left out as derived."""

    kind: str
    table: Table
    derived: frozenset[str] = frozenset()

    def columns(self, with_credentials: bool) -> list[str]:
        """The columns a record of this type holds, in the table's order."""
        skip = set(self.derived) | (set() if with_credentials or self.kind != "user" else set(CREDENTIALS))
        return [c.name for c in self.table.columns if c.name not in skip]


# Dependency order: every record refers only to records above it, except a claim's merged_into_id (a claim may
# be merged into a later one), which a restore sets once all claims are in.
SECTIONS: tuple[Section, ...] = (
    Section("user", User.__table__),
    Section("speaker", Speaker.__table__),
    Section("speaker_alias", SpeakerAlias.__table__),
    Section("topic", Topic.__table__),
    Section("article", Article.__table__),
    Section("claim", Claim.__table__, frozenset({"search_terms"})),
    Section("claim_topic", claim_topics),
    Section("appearance", Appearance.__table__),
    Section("appearance_match", AppearanceMatch.__table__),
    Section("verdict", Verdict.__table__),
    Section("review_provenance", ReviewProvenance.__table__),
    Section("verdict_revision", VerdictRevision.__table__),
    Section("source", Source.__table__),
    Section("correction", Correction.__table__),
    Section("comment", Comment.__table__),
    Section("merge_proposal", MergeProposal.__table__),
    Section("request_group", RequestGroup.__table__),
    Section("check_request", CheckRequest.__table__),
    Section("request_term", RequestTerm.__table__),
    Section("monitored_feed", MonitoredFeed.__table__),
    Section("feed_item", FeedItem.__table__),
    Section("alert", Alert.__table__),
    Section("outbox_message", OutboxMessage.__table__),
    Section("alert_subscription", AlertSubscription.__table__),
    Section("audit_event", AuditEvent.__table__),
)
SECTION_BY_KIND = {section.kind: section for section in SECTIONS}
ORDER = {section.kind: position for position, section in enumerate(SECTIONS)}
# Tables a backup does not hold, and why: the match index is rebuilt from the claims on restore; the semantic
# tier's vectors are re-made by `flask claims embed` (they are large and tied to a model and an index file).
NOT_BACKED_UP = {
    "term_stats": "rebuilt from the claims",
    "search_corpus": "rebuilt from the claims",
    "claim_vectors": "re-made by `flask claims embed`",
    "vector_index_state": "re-made by `flask claims embed`",
    "public_state": "the public pages' change counter: a restore is a public change, so it moves on by itself",
}


class BackupError(Exception):
    """A backup that cannot be written or restored; the message is for the user and names the line."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line is not None else message)
        self.line = line


# --- schema --------------------------------------------------------------------------------------------------


def schema_revision(session: Session) -> str | None:
    """The Alembic revision the database is at, or None when it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(session.connection()).get_current_revision()


def code_revision() -> str | None:
    """The newest migration this code ships (the schema its models describe)."""
    from alembic.script import ScriptDirectory

    from ..db import MIGRATIONS_DIR

    return ScriptDirectory(MIGRATIONS_DIR).get_current_head()


def _require_current_schema(session: Session) -> str:
    current, head = schema_revision(session), code_revision()
    if current is None:
        raise BackupError("the database has no schema yet: run `flask db upgrade` first")
    if current != head:
        raise BackupError(f"the database is at schema {current} but this claimtrack's is {head}: "
                          "run `flask db upgrade` first")
    return current


# --- values --------------------------------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    # SQLite gives back the naive UTC time it was given; PostgreSQL an aware one in the session's time zone.
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


class RecordError(ValueError):
    """A record value that does not fit its column."""


def _decoder(column) -> Callable[[Any], Any]:
    """A function that checks a JSON value for ``column`` and returns what to insert; raise RecordError."""
    kind = column.type
    name = column.name

    def typed(check: Callable[[Any], Any], what: str) -> Callable[[Any], Any]:
        def decode(value: Any) -> Any:
            if value is None:
                if not column.nullable:
                    raise RecordError(f"'{name}' may not be null")
                return None
            try:
                return check(value)
            except (TypeError, ValueError, OverflowError):
                raise RecordError(f"'{name}' must be {what}, not {json.dumps(value, ensure_ascii=False)[:60]}") from None
        return decode

    def need(value: Any, *types: type) -> Any:
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            raise TypeError
        return value

    if isinstance(kind, Enum):
        members = {member.value: member for member in kind.enum_class}

        def enum_value(value: Any) -> Any:
            if not isinstance(value, str) or value not in members:
                raise ValueError
            return members[value]
        return typed(enum_value, "one of " + ", ".join(members))
    if isinstance(kind, DateTime):
        def moment(value: Any) -> datetime:
            parsed = datetime.fromisoformat(need(value, str))
            if parsed.tzinfo is None:
                raise ValueError
            return parsed.astimezone(timezone.utc)
        return typed(moment, "an ISO 8601 time with its UTC offset")
    if isinstance(kind, Date):
        return typed(lambda value: date.fromisoformat(need(value, str)), "an ISO 8601 date")
    if isinstance(kind, Boolean):
        return typed(lambda value: need(value, bool), "true or false")
    if isinstance(kind, Integer):
        return typed(lambda value: need(value, int), "an integer")
    if isinstance(kind, Float):
        def number(value: Any) -> float:
            if not math.isfinite(need(value, int, float)):
                raise ValueError
            return value
        return typed(number, "a number")
    if isinstance(kind, String):
        limit = kind.length

        def string(value: Any) -> str:
            need(value, str)
            if limit is not None and len(value) > limit:
                raise ValueError
            return value
        return typed(string, f"a string of at most {limit} characters" if limit else "a string")
    if isinstance(kind, JSON):
        return typed(lambda value: value, "JSON")
    raise TypeError(f"no backup codec for column {column} of type {kind!r}")  # a new column type: teach us


# --- export --------------------------------------------------------------------------------------------------


def begin_snapshot(session: Session) -> None:
    """Start a read transaction that sees one moment of the database, so the tables of a backup agree.

    Call before anything else runs in the session.  PostgreSQL: REPEATABLE READ.  SQLite (WAL): an explicit
    BEGIN, because the driver starts no transaction for reads and each SELECT would see the latest commit.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        connection = session.connection()
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN")


def backup_size(session: Session) -> int:
    """How many records a backup of the database holds (for a progress bar)."""
    return sum(session.scalar(select(func.count()).select_from(section.table)) or 0 for section in SECTIONS)


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


def write_backup(session: Session, out: TextIO, with_password_hashes: bool = False,
                 progress: Callable[[int], None] | None = None, chunk: int = 2000) -> dict[str, int]:
    """Write the whole database to ``out`` (header, records, end line); return the count of each record type."""
    schema = _require_current_schema(session)
    out.write(_line({
        "format": FORMAT, "version": VERSION, "schema": schema,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "database": session.get_bind().dialect.name, "password_hashes": with_password_hashes,
    }))
    counts: dict[str, int] = {}
    connection = session.connection()
    for section in SECTIONS:
        names = section.columns(with_password_hashes)
        columns = [section.table.c[name] for name in names]
        stmt = select(*columns).order_by(*section.table.primary_key.columns).execution_options(yield_per=chunk)
        count = 0
        for row in connection.execute(stmt):
            record = {"type": section.kind}
            for name, value in zip(names, row, strict=True):
                record[name] = _encode(value)
            out.write(_line(record))
            count += 1
            if progress and count % chunk == 0:
                progress(chunk)
        if progress and count % chunk:
            progress(count % chunk)
        counts[section.kind] = count
    out.write(_line({"type": "end", "counts": counts}))
    return counts


# --- restore -------------------------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    """What a restore put in: records of each type, and the accounts that have no password yet."""

    counts: Counter = field(default_factory=Counter)
    users_without_password: list[str] = field(default_factory=list)
    schema: str = ""
    created_at: str = ""


def _lock_for_restore(session: Session) -> None:
    # SQLite: take the write lock now (no writer can slip in between the emptiness check and the inserts) and
    # open the transaction explicitly, since the driver would otherwise start it only at the first INSERT and
    # the first batch's SAVEPOINT would run outside it (and its RELEASE would commit).
    if session.get_bind().dialect.name == "sqlite":
        connection = session.connection()
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def non_empty_tables(session: Session) -> list[str]:
    """The tables a restore would write to (or that derive from them) that already hold rows."""
    from ..semantic.store import claim_vectors

    tables = [section.table for section in SECTIONS] + [claim_vectors]
    return [table.name for table in tables if session.scalar(select(table.c[list(table.c.keys())[0]]).limit(1))
            is not None]


def _decode_line(raw: bytes, number: int, last: bool) -> dict[str, Any]:
    if not raw.endswith(b"\n") and last:
        cut = " (the line is cut off: the backup is truncated)"
    else:
        cut = ""
    try:
        text_ = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BackupError("not UTF-8 text" + cut, number) from None
    if not text_.strip():
        raise BackupError("an empty line" + cut, number)
    try:
        obj = json.loads(text_)
    except ValueError as error:
        raise BackupError(f"not valid JSON ({error.msg} at column {error.colno}){cut}", number) from None
    if not isinstance(obj, dict):
        raise BackupError("expected a JSON object", number)
    return obj


def _lookahead(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes, is it the last line)."""
    previous = None
    number = 0
    for raw in lines:
        if previous is not None:
            yield number, previous, False
        number += 1
        previous = raw
    if previous is not None:
        yield number, previous, True


class Restorer:
    """Reads a backup into an empty database in one transaction; never commits."""

    def __init__(self, session: Session, batch_size: int = BATCH_SIZE):
        self.session = session
        self.batch_size = batch_size
        self.report = RestoreReport()
        self.with_credentials = False
        self.term_deltas = TermDeltas()
        self._speaker_names: dict[int, str] = {}
        self._merges: list[tuple[int, dict[str, Any]]] = []
        self._decoders: dict[str, list[tuple[str, Callable[[Any], Any]]]] = {}

    def run(self, lines: Iterable[bytes]) -> RestoreReport:
        """Restore the backup whose lines (bytes, newline included) are given; raise BackupError at a bad one."""
        _lock_for_restore(self.session)
        stream = _lookahead(lines)
        first = next(stream, None)
        if first is None:
            raise BackupError("the file is empty: it is not a claimtrack backup")
        number, raw, last = first
        self._header(_decode_line(raw, number, last), number)
        current = -1
        batch: list[tuple[int, dict[str, Any]]] = []
        ended_at = None
        for number, raw, last in stream:
            obj = _decode_line(raw, number, last)
            if ended_at is not None:
                raise BackupError(f"a record after the end line (line {ended_at})", number)
            kind = obj.get("type")
            if kind == "end":
                self._flush(SECTIONS[current].kind, batch)
                batch = []
                self._end(obj, number)
                ended_at = number
                continue
            if kind not in SECTION_BY_KIND:
                raise BackupError(f"unknown record type {kind!r}", number)
            position = ORDER[kind]
            if position < current:
                raise BackupError(f"a {kind!r} record after {SECTIONS[current].kind!r} records: a backup lists "
                                  "its records in order", number)
            if position > current:
                self._flush(SECTIONS[current].kind, batch)
                batch = []
                if current <= ORDER["claim"] < position:
                    self._apply_merges()
                current = position
            batch.append((number, self._row(SECTION_BY_KIND[kind], obj, number)))
            if len(batch) >= self.batch_size:
                self._flush(kind, batch)
                batch = []
        if ended_at is None:
            last_line = number
            raise BackupError(f"no end line after line {last_line}: the backup is truncated (or still being "
                              "written)")
        self._finish()
        return self.report

    def _header(self, obj: dict[str, Any], number: int) -> None:
        if obj.get("format") != FORMAT:
            raise BackupError(f"not a claimtrack backup (the first line has no \"format\": \"{FORMAT}\")", number)
        if obj.get("version") != VERSION:
            raise BackupError(f"backup format version {obj.get('version')!r}: this claimtrack reads version "
                              f"{VERSION}", number)
        if not isinstance(obj.get("password_hashes"), bool):
            raise BackupError("the header's \"password_hashes\" must be true or false", number)
        schema, head = obj.get("schema"), code_revision()
        if schema != head:
            raise BackupError(
                f"the backup is of database schema {schema!r}, this claimtrack's is {head!r}: restore it with the "
                f"claimtrack release whose newest migration is {schema!r}, then upgrade (`flask db upgrade`)",
                number)
        target = schema_revision(self.session)
        if target != head:
            raise BackupError(f"the database is at schema {target!r}, not {head!r}: run `flask db upgrade` on the "
                              "empty database first")
        full = non_empty_tables(self.session)
        if full:
            raise BackupError(f"the database is not empty ({', '.join(full)} hold rows): restore only into a new "
                              "database made with `flask db upgrade`")
        self.with_credentials = obj["password_hashes"]
        self.report.schema = schema
        self.report.created_at = str(obj.get("created_at") or "")
        for section in SECTIONS:
            self._decoders[section.kind] = [
                (name, _decoder(section.table.c[name])) for name in section.columns(self.with_credentials)
            ]

    def _row(self, section: Section, obj: dict[str, Any], number: int) -> dict[str, Any]:
        decoders = self._decoders[section.kind]
        extra = set(obj) - {"type"} - {name for name, _ in decoders}
        if extra:
            name = sorted(extra)[0]
            if section.kind == "user" and name in CREDENTIALS:
                raise BackupError(f"'{name}' in a backup whose header says it has no password hashes", number)
            raise BackupError(f"unknown field {name!r} in a {section.kind!r} record", number)
        row: dict[str, Any] = {}
        for name, decode in decoders:
            if name not in obj:
                raise BackupError(f"a {section.kind!r} record without {name!r}", number)
            try:
                row[name] = decode(obj[name])
            except RecordError as error:
                raise BackupError(f"{section.kind}: {error}", number) from None
        if section.kind == "user" and not self.with_credentials:
            row["password_hash"] = NO_PASSWORD
            row["session_token"] = secrets.token_hex(16)
            self.report.users_without_password.append(row["username"])
        elif section.kind == "speaker":
            self._speaker_names[row["id"]] = row["name"]
        elif section.kind == "claim":
            target = row.pop("merged_into_id")
            row["merged_into_id"] = None
            if target is not None:
                self._merges.append((number, {"claim_pk": row["id"], "target": target,
                                              "kept_updated_at": row["updated_at"]}))
                row["search_terms"] = None  # a merged claim is never matched
            else:
                speaker = self._speaker_names.get(row["speaker_id"]) if row["speaker_id"] is not None else None
                row["search_terms"] = claim_terms(row["text"], row["title"], speaker, row.get("lang"))
        return row

    def _execute_batch(self, statement, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Run ``statement`` for the rows in a savepoint; if the database refuses, find and name the line."""
        try:
            with self.session.begin_nested():
                self.session.execute(statement, [row for _, row in rows])
        except DBAPIError:
            for number, row in rows:
                try:
                    with self.session.begin_nested():
                        self.session.execute(statement, [row])
                except DBAPIError as error:
                    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
                    raise BackupError(f"the database refused it: {reason}", number) from None
            raise

    def _flush(self, kind: str, batch: list[tuple[int, dict[str, Any]]]) -> None:
        if not batch:
            return
        self._execute_batch(insert(SECTION_BY_KIND[kind].table), batch)
        if kind == "claim":
            for _, row in batch:
                self.term_deltas.add(row["search_terms"])
        self.report.counts[kind] += len(batch)

    def _apply_merges(self) -> None:
        """Point merged claims at the claims they were merged into, now that every claim is in."""
        claims = Claim.__table__
        statement = (update(claims).where(claims.c.id == bindparam("claim_pk"))
                     # Setting updated_at to the backup's keeps it (the column's onupdate would stamp now).
                     .values(merged_into_id=bindparam("target"), updated_at=bindparam("kept_updated_at")))
        for start in range(0, len(self._merges), self.batch_size):
            self._execute_batch(statement, self._merges[start:start + self.batch_size])
        self._merges = []

    def _end(self, obj: dict[str, Any], number: int) -> None:
        if self._merges:
            self._apply_merges()
        counts = obj.get("counts")
        if not isinstance(counts, dict):
            raise BackupError("the end line has no \"counts\"", number)
        for section in SECTIONS:
            expected, found = counts.get(section.kind, 0), self.report.counts[section.kind]
            if expected != found:
                raise BackupError(f"the end line counts {expected} {section.kind!r} record(s), the backup holds "
                                  f"{found}: it is incomplete or was edited", number)

    def _finish(self) -> None:
        self.term_deltas.apply(self.session)
        if self.session.get_bind().dialect.name == "postgresql":
            # Rows came in with their ids: move each id sequence past the highest, or the next insert collides.
            for section in SECTIONS:
                pk = list(section.table.primary_key.columns)
                if len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement in (True, "auto"):
                    self.session.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{section.table.name}', '{pk[0].name}'), "
                        f"coalesce(max({pk[0].name}), 0) + 1, false) FROM {section.table.name}"
                    ))
        self.session.flush()

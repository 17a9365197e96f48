"""`flask backup export` / `restore`: a rich database round-trips into an empty one, on SQLite and PostgreSQL."""

import gzip
import json
import shutil
from datetime import date

import pytest
from sqlalchemy import func, select

from claimtrack import create_app
from claimtrack.db import db
from claimtrack.models import (
    Appearance,
    AppearanceStatus,
    AuditEvent,
    CheckRequest,
    Claim,
    RequestGroup,
    SearchCorpus,
    Speaker,
    SpeakerAlias,
    TermStat,
    User,
    VerdictStatus,
)
from claimtrack.search_index import reindex
from claimtrack.services.matching import match
from claimtrack.services.backup import NOT_BACKED_UP, SECTIONS
from claimtrack.services.speakers import name_key
from claimtrack.services.ingest import article_appearances, create_claim_from_appearance, dismiss_appearance, \
    link_appearance
from claimtrack.services.merge import merge_claims, propose_merge
from claimtrack.services.requests import RequestInput, submit_request
from claimtrack.services.verdicts import (
    SourceInput,
    VerdictInput,
    add_comment,
    assign,
    change_status,
    get_or_open_verdict,
    save_verdict,
)

from .helpers import FIXTURES, PASSWORD, AuthActions, config_for, make_user

ARTICLE = FIXTURES / "zelensky-cnn-interview.txt"
NEW_CLAIM = "Ukraine has asked for a no-fly zone over its territory since the first week of the war."
CLAIMS = [
    {"id": "A", "text": "The city council cut the library budget by forty percent last winter.",
     "speaker": "Mayor Jane Doe", "topics": ["budget"], "date": "stated on March 3, 2024 in a speech:"},
    {"id": "B", "text": "Councillors slashed funding for public libraries by 40 percent this winter.",
     "speaker": "Local Paper", "verdict": "False", "topics": ["libraries", "budget"]},
    {"id": "C", "text": "Library opening hours were halved after the council's forty percent budget cut.",
     "verdict": "Mostly false", "topics": ["libraries"], "url": "https://example.org/c"},
    {"id": "D", "text": "A new tramway line will open downtown before the mayoral election in spring.",
     "verdict": "full-flop"},
]


@pytest.fixture
def empty_url(request, db_url, tmp_path):
    """A second fresh, migrated, empty database of the same kind as ``db_url`` (the restore target)."""
    if db_url.startswith("sqlite"):
        path = tmp_path / "restored.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("pg_server")
    name = db_url.rsplit("/", 1)[1] + "_restored"
    server.execute(f"CREATE DATABASE {name} TEMPLATE claimtrack_template")
    yield server.url(name)
    server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def target(empty_url, tmp_path):
    """The app on the empty restore target."""
    application = create_app(config_for(empty_url))
    application.instance_path = str(tmp_path / "instance-restored")
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def rich(app, runner, tmp_path):
    """A database built through the services: every kind of record a newsroom makes."""
    users = {role: make_user(app, role, role) for role in ("admin", "editor", "reviewer")}
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in CLAIMS))
    assert runner.invoke(args=["claims", "import", str(path)]).exit_code == 0
    # another organisation's review, with its provenance
    assert runner.invoke(args=["claims", "import", str(FIXTURES / "claimreview" / "afp_factual.json")]).exit_code == 0
    ingest = runner.invoke(args=["claims", "ingest", str(ARTICLE), "--publisher", "CNN"])
    assert ingest.exit_code == 0, ingest.output
    with app.app_context():
        s = db.session
        admin, editor, reviewer = (s.get(User, users[r]) for r in ("admin", "editor", "reviewer"))
        ids = dict(s.execute(select(Claim.external_id, Claim.id)).all())
        mayor = s.scalar(select(Speaker).where(Speaker.name == "Mayor Jane Doe"))
        # No service adds aliases yet: the model is the way in.
        s.add_all([SpeakerAlias(speaker=mayor, alias="J. Doe", alias_key=name_key("J. Doe")),
                   SpeakerAlias(speaker=mayor, alias="Mayor Doe", alias_key=name_key("Mayor Doe"))])
        article_id = s.scalar(select(func.min(Appearance.article_id)))
        appearances = article_appearances(s, article_id)
        assert len(appearances) >= 3
        link_appearance(s, appearances[0], ids["A"], editor)
        claim = create_claim_from_appearance(s, appearances[1], NEW_CLAIM, "Volodymyr Zelensky", editor)
        dismiss_appearance(s, appearances[2], editor, "an opinion")
        scale = app.extensions["verdict_scale"]
        verdict = get_or_open_verdict(s, claim)
        data = VerdictInput("mostly-true", "Asked from day one.", "Kyiv asked on **day two**.",
                            [SourceInput("https://example.org/speech", "The speech", "Office", date(2024, 3, 2)),
                             SourceInput("https://example.org/minutes")])
        save_verdict(s, verdict, data, editor, verdict.version, scale)
        data.summary = "Asked from the first days."
        save_verdict(s, verdict, data, editor, verdict.version, scale)
        change_status(s, verdict, "submit", editor, verdict.version)
        change_status(s, verdict, "approve", reviewer, verdict.version)
        data.explanation, data.correction_note = "Kyiv asked on **day three**.", "Corrected the day."
        save_verdict(s, verdict, data, editor, verdict.version, scale)
        change_status(s, verdict, "approve_correction", reviewer, verdict.version)
        assign(s, verdict, editor, admin)
        add_comment(s, claim, "Check the interview transcript.", editor)
        # an editor's merge of a published check waits for a reviewer (a proposal, backed up); an admin's is done
        propose_merge(s, s.get(Claim, ids["B"]), s.get(Claim, ids["C"]), editor, "Checked twice; one page now.")
        merge_claims(s, s.get(Claim, ids["B"]), s.get(Claim, ids["C"]), admin, "Checked twice; one page now.")
        propose_merge(s, s.get(Claim, ids["A"]), s.get(Claim, ids["C"]), editor, "Three pages for one claim.")
        submit_request(s, RequestInput(text="Is it true the council cut the library budget by forty percent?",
                                       seen_where="a WhatsApp group", email="reader@example.org"),
                       app.extensions["match_settings"])
        submit_request(s, RequestInput(text="Did the moon landing happen on a film set in Nevada?"),
                       app.extensions["match_settings"])
        s.commit()
        return {"users": users, "claim": claim.id, "ids": ids}


def export(application, path, *options):
    result = application.test_cli_runner().invoke(args=["backup", "export", *options, str(path)])
    assert result.exit_code == 0, result.output
    return path


def restore(application, path):
    return application.test_cli_runner().invoke(args=["backup", "restore", str(path)])


def body(path):
    """A backup without its header (which says when and from which database it was made)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as file:
        header, *rest = file.read().splitlines()
    return json.loads(header), rest


def match_index(application):
    with application.app_context():
        terms = dict(db.session.execute(select(TermStat.term, TermStat.df).where(TermStat.df != 0)).all())
        corpus = db.session.get(SearchCorpus, 1)
        return terms, (corpus.doc_count, corpus.term_count), dict(
            db.session.execute(select(Claim.id, Claim.search_terms)).all())


def count(application, model) -> int:
    with application.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def login_status(application, username):
    return AuthActions(application.test_client()).login(username, PASSWORD).status_code


def test_every_table_is_backed_up_or_rebuilt():
    tables = {section.table.name for section in SECTIONS}
    assert tables.isdisjoint(NOT_BACKED_UP)
    assert tables | set(NOT_BACKED_UP) == set(db.metadata.tables)


def test_round_trip_reproduces_the_database(app, rich, target, tmp_path):
    first = export(app, tmp_path / "first.jsonl")
    header, records = body(first)
    assert header["format"] == "claimtrack-backup" and header["version"] == 1 and header["schema"]
    assert header["password_hashes"] is False
    assert not any("password_hash" in line or "session_token" in line for line in records)
    kinds = {json.loads(line)["type"] for line in records}
    assert kinds >= {"user", "speaker", "speaker_alias", "topic", "article", "claim", "claim_topic", "appearance",
                     "verdict", "review_provenance", "verdict_revision", "source", "correction", "comment",
                     "request_group",
                     "check_request", "request_term", "audit_event", "end"}

    result = restore(target, first)
    assert result.exit_code == 0, result.output
    assert "3 account(s) (admin, editor, reviewer) cannot log in until a password is set" in result.output
    second = export(target, tmp_path / "second.jsonl")
    assert body(second)[1] == records  # every record, id and timestamp the same

    with target.app_context():
        s = db.session
        claim = s.get(Claim, rich["claim"])
        verdict = claim.verdict
        assert verdict.status == VerdictStatus.PUBLISHED and verdict.version >= 5
        assert [r.number for r in verdict.revisions] == [1, 2, 3, 4]
        assert [r.data["summary"] for r in verdict.revisions][:2] == ["Asked from day one.", "Asked from the first days."]
        assert "day three" in verdict.revisions[-1].data["explanation"]
        assert [c.note for c in verdict.corrections] == ["Corrected the day."]
        assert [src.url for src in verdict.sources] == ["https://example.org/speech", "https://example.org/minutes"]
        assert verdict.sources[0].accessed_on == date(2024, 3, 2)
        assert verdict.assignee.username == "editor" and verdict.reviewer.username == "reviewer"
        assert [c.body for c in claim.comments] == ["Check the interview transcript."]
        mayor = s.scalar(select(Speaker).where(Speaker.name == "Mayor Jane Doe"))
        assert sorted(a.alias for a in mayor.aliases) == ["J. Doe", "Mayor Doe"]
        merged = s.get(Claim, rich["ids"]["B"])
        assert merged.merged_into_id == rich["ids"]["C"] and merged.search_terms is None
        assert [t.name for t in s.get(Claim, rich["ids"]["C"]).topics] == ["budget", "libraries"]
        statuses = {a.status for a in s.scalars(select(Appearance))}
        assert statuses == {AppearanceStatus.LINKED, AppearanceStatus.DISMISSED, AppearanceStatus.PENDING}
        assert s.scalar(select(CheckRequest.email).where(CheckRequest.email.is_not(None))) == "reader@example.org"
        assert s.scalar(select(func.count()).select_from(RequestGroup)) >= 1
        assert s.scalar(select(func.count()).select_from(AuditEvent)) > 10
        assert {u.password_hash for u in s.scalars(select(User))} == {"!restored-without-password"}
        # Matching finds restored claims, and not the merged one.
        best = match(s, "Library hours were cut in half after a 40% budget cut by the council").matches
        assert best[0].external_id == "C"
        assert match(s, NEW_CLAIM).matches[0].claim_id == rich["claim"]
    # The match index is the source's, and what a rebuild from scratch gives.
    assert match_index(target) == match_index(app)
    with target.app_context():
        for _ in reindex(db.session):
            pass
        db.session.commit()
    assert match_index(target)[:2] == match_index(app)[:2]

    # Accounts restored without hashes cannot log in until a password is set.
    assert login_status(target, "editor") == 401
    runner = target.test_cli_runner()
    assert runner.invoke(args=["users", "set-password", "editor", "--password-stdin"],
                         input=PASSWORD + "\n").exit_code == 0
    assert login_status(target, "editor") == 302
    assert login_status(target, "reviewer") == 401
    # New rows get fresh ids after the restored ones (PostgreSQL's sequences were moved on).
    new_id = make_user(target, "newcomer", "editor")
    assert new_id > max(rich["users"].values())
    with target.app_context():
        db.session.add(Claim(text="A claim written after the restore."))
        db.session.commit()
        assert db.session.scalar(select(func.max(Claim.id))) > max(rich["ids"].values())


def test_with_password_hashes_users_log_in_and_gzip(app, rich, target, tmp_path):
    first = export(app, tmp_path / "first.jsonl.gz", "--with-password-hashes")
    header, records = body(first)
    assert header["password_hashes"] is True and any("password_hash" in line for line in records)
    result = restore(target, first)
    assert result.exit_code == 0, result.output
    assert "cannot log in" not in result.output
    assert body(export(target, tmp_path / "second.jsonl.gz", "--with-password-hashes"))[1] == records
    for role in ("admin", "editor", "reviewer"):
        assert login_status(target, role) == 302


def test_refuses_a_database_that_is_not_empty(app, rich, tmp_path):
    backup = export(app, tmp_path / "backup.jsonl")
    before = count(app, Claim)
    result = restore(app, backup)
    assert result.exit_code == 2
    assert "the database is not empty" in result.output and "Nothing was restored" in result.output
    assert count(app, Claim) == before


def test_a_bad_line_stops_the_restore_with_its_number(app, rich, target, tmp_path):
    backup = export(app, tmp_path / "backup.jsonl")
    lines = backup.read_text(encoding="utf-8").splitlines(keepends=True)
    claim_line = next(n for n, line in enumerate(lines, 1) if line.startswith('{"type":"claim"'))

    cut = tmp_path / "cut.jsonl"  # cut off in the middle of a line, as a full disk leaves it
    cut.write_text("".join(lines[:claim_line]) + lines[claim_line][:25], encoding="utf-8")
    result = restore(target, cut)
    assert result.exit_code == 2
    assert f"line {claim_line + 1}: not valid JSON" in result.output and "truncated" in result.output

    short = tmp_path / "short.jsonl"  # cut at a line boundary: only the end line tells
    short.write_text("".join(lines[:-3]), encoding="utf-8")
    result = restore(target, short)
    assert result.exit_code == 2 and "no end line" in result.output and "truncated" in result.output

    record = json.loads(lines[claim_line - 1])
    for change, message in [({"id": "seven"}, "'id' must be an integer"),
                            ({"created_at": "yesterday"}, "'created_at' must be an ISO 8601 time"),
                            ({"colour": "red"}, "unknown field 'colour'"),
                            ({"speaker_id": 99999}, "the database refused it")]:
        bad = tmp_path / "bad.jsonl"
        lines_bad = list(lines)
        lines_bad[claim_line - 1] = json.dumps({**record, **change}) + "\n"
        bad.write_text("".join(lines_bad), encoding="utf-8")
        result = restore(target, bad)
        assert result.exit_code == 2, result.output
        assert f"line {claim_line}: " in result.output and message in result.output, result.output

    duplicate = tmp_path / "duplicate.jsonl"  # the database's own checks are named by line too
    duplicate.write_text("".join(lines[:claim_line] + [lines[claim_line - 1]] + lines[claim_line:]), encoding="utf-8")
    result = restore(target, duplicate)
    assert result.exit_code == 2 and f"line {claim_line + 1}: the database refused it" in result.output

    other = tmp_path / "other.jsonl"
    header = json.loads(lines[0])
    other.write_text(json.dumps({**header, "schema": "0001"}) + "\n" + "".join(lines[1:]), encoding="utf-8")
    result = restore(target, other)
    assert result.exit_code == 2 and "schema '0001'" in result.output

    not_backup = tmp_path / "claims.jsonl"
    not_backup.write_text(json.dumps(CLAIMS[0]) + "\n")
    result = restore(target, not_backup)
    assert result.exit_code == 2 and "line 1: not a claimtrack backup" in result.output

    for model in (User, Claim, AuditEvent, Speaker, TermStat):
        assert count(target, model) == 0
    assert restore(target, backup).exit_code == 0  # and the untouched target still takes the good backup


def test_restores_across_databases(app, rich, db_url, request, tmp_path):
    """SQLite to PostgreSQL and back: the values are written the same from both."""
    server = request.getfixturevalue("pg_server")
    if db_url.startswith("sqlite"):
        name = f"claimtrack_cross_{tmp_path.name[-20:].lower().replace('-', '_')}"
        server.execute(f"CREATE DATABASE {name} TEMPLATE claimtrack_template")
        url = server.url(name)
    else:
        name = None
        path = tmp_path / "cross.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    other = create_app(config_for(url))
    other.instance_path = str(tmp_path / "instance-other")
    try:
        records = body(export(app, tmp_path / "first.jsonl", "--with-password-hashes"))[1]
        result = restore(other, tmp_path / "first.jsonl")
        assert result.exit_code == 0, result.output
        assert body(export(other, tmp_path / "second.jsonl", "--with-password-hashes"))[1] == records
        assert login_status(other, "admin") == 302
    finally:
        with other.app_context():
            db.engine.dispose()
        if name:
            server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

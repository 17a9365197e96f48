"""Faults on real parts: an import killed with SIGKILL halfway, PostgreSQL really restarted while the app serves,
and a gunicorn worker killed with SIGKILL in the middle of verdict saves.

After each: the database opens and is consistent (the match index equals what a rebuild computes, no verdict
without its revision or the reverse), nothing that was acknowledged is lost, and the app carries on without being
restarted.  `bench/faults.py` runs the same faults at full scale and prints the figures.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from claimtrack import create_app
from claimtrack.db import db
from claimtrack.models import Claim
from claimtrack.search_index import check_index

from .helpers import PASSWORD, AuthActions, config_for, csrf_token_in, make_user, migrated_postgres
from .serving import VERDICT_CHECKS, Client, Gunicorn, children

ROOT = Path(__file__).resolve().parent.parent
WAIT = 300  # seconds: a bound against hangs, never a speed requirement

WORDS = ("tax budget school crime border health jobs vaccine energy climate wage police senate governor "
         "election deficit housing water pension tariff refugee oil coal wind solar drug abortion gun loan "
         "inflation farm rail bridge army veteran union court prison fraud census").split()
RATINGS = ["true", "mostly-true", "half-true", "mostly-false", "false", "pants-fire", None]


def write_claims(path: Path, n: int, seed: int = 3, rated: bool = True) -> None:
    """n import lines with distinct ids, varied words, speakers, verdicts (unless not ``rated``) and topics."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            words = rng.choices(WORDS, k=rng.randint(6, 16)) + [f"w{rng.randint(0, 50_000)}"]
            row = {"id": f"fault-{i}", "text": " ".join(words).capitalize() + ".",
                   "speaker": f"speaker {rng.randint(0, 400)}", "topics": rng.sample(WORDS, 2)}
            rating = rng.choice(RATINGS)
            if rating and rated:
                row["verdict"] = rating
            out.write(json.dumps(row) + "\n")


def _env(url: str, **settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")}
    env.update({"CLAIMTRACK_DATABASE_URL": url, "CLAIMTRACK_SECRET_KEY": "fault-test-secret", "FLASK_APP": "wsgi.py"})
    env.update({f"CLAIMTRACK_{k}": str(v) for k, v in settings.items()})
    return env


def _index_problems(url: str) -> list[str]:
    app = create_app(config_for(url))
    with app.app_context():
        result = check_index(db.session, recompute=True)
        db.session.rollback()
        db.engine.dispose()
    return result.problems


# --- kill -9 of `flask claims import` halfway --------------------------------------------------------------------


@pytest.mark.slow
def test_import_killed_halfway_is_consistent_and_a_rerun_completes_it(db_url, tmp_path):
    rows, kill_at = 60_000, 20_000
    path = tmp_path / "claims.jsonl"
    write_claims(path, rows)
    # Small steps, so several commits happen before the kill and the kill lands inside a transaction.
    env = _env(db_url, IMPORT_BATCH_SIZE=1000, IMPORT_COMMIT_ROWS=5000)
    command = [sys.executable, "-m", "flask", "claims", "import", str(path)]
    engine = create_engine(db_url, poolclass=NullPool)

    def count() -> int:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Claim.__table__))

    importer = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + WAIT
    try:
        while count() < kill_at:
            assert importer.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        importer.kill()  # SIGKILL: no cleanup, no rollback from our side
        importer.wait(timeout=60)
    assert importer.returncode == -signal.SIGKILL
    at_kill = count()
    assert kill_at <= at_kill < rows

    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert _index_problems(db_url) == []
    # The operator's view of the same check.
    check = subprocess.run([sys.executable, "-m", "flask", "claims", "reindex", "--check"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=WAIT)
    assert check.returncode == 0 and "Match index consistent" in check.stdout, check.stderr

    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=WAIT)
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"({rows - at_kill} new, 0 updated, {at_kill} unchanged)" in again.stdout  # committed rows stay as they are
    with engine.connect() as conn:
        assert conn.scalar(select(func.count(func.distinct(Claim.external_id)))) == rows
        unrated = sum(1 for line in open(path) if '"verdict"' not in line)
        assert conn.scalar(text("SELECT count(*) FROM verdicts")) == rows - unrated
    assert count() == rows
    assert _index_problems(db_url) == []
    engine.dispose()


def test_check_finds_a_damaged_index_and_reindex_repairs_it(app, runner, tmp_path):
    path = tmp_path / "claims.jsonl"
    write_claims(path, 300)
    assert runner.invoke(args=["claims", "import", str(path)]).exit_code == 0
    assert runner.invoke(args=["claims", "reindex", "--check", "--thorough"]).exit_code == 0
    with app.app_context():
        db.session.execute(text("UPDATE term_stats SET df = df + 1 WHERE term = 'tax'"))
        db.session.execute(text("UPDATE claims SET search_terms = NULL WHERE id = 7"))
        db.session.commit()
    damaged = runner.invoke(args=["claims", "reindex", "--check"])
    assert damaged.exit_code == 1
    assert "wrong document frequency" in damaged.output and "without search terms (for example #7)" in damaged.output
    assert runner.invoke(args=["claims", "reindex"]).exit_code == 0
    assert runner.invoke(args=["claims", "reindex", "--check", "--thorough"]).exit_code == 0


def test_check_finds_an_fts5_index_out_of_step(sqlite_url, tmp_path):
    app = create_app(config_for(sqlite_url))
    path = tmp_path / "claims.jsonl"
    write_claims(path, 50)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["claims", "import", str(path)]).exit_code == 0
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:  # the index loses claim 3, the claims do not
        conn.execute("INSERT INTO claims_fts(claims_fts, rowid, search_terms) "
                     "SELECT 'delete', id, search_terms FROM claims WHERE id = 3")
    damaged = runner.invoke(args=["claims", "reindex", "--check"])
    assert damaged.exit_code == 1 and "FTS5 index disagrees" in damaged.output
    assert runner.invoke(args=["claims", "reindex"]).exit_code == 0
    assert runner.invoke(args=["claims", "reindex", "--check"]).exit_code == 0
    with app.app_context():
        db.engine.dispose()


# --- PostgreSQL really restarted while the app serves ---------------------------------------------------------


@pytest.fixture
def own_pg():
    """A PostgreSQL server of this test alone, so restarting it leaves the session's server alone."""
    with migrated_postgres("claimtrack") as server:
        yield server


def _form(page: str, summary: str) -> dict[str, str]:
    return {"csrf_token": csrf_token_in(page),
            "version": re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1),
            "rating": "false", "summary": summary}


@pytest.mark.slow
def test_postgresql_restart_is_503_during_and_200_after_without_restarting_the_app(own_pg, tmp_path, caplog):
    # The production default engine options (pool_pre_ping), not the hardening test's explicit ones.
    app = create_app(config_for(own_pg.url("claimtrack")))
    app.instance_path = str(tmp_path / "instance")
    make_user(app, "ed", "editor")
    path = tmp_path / "claims.jsonl"
    write_claims(path, 20, rated=False)
    assert app.test_cli_runner().invoke(args=["claims", "import", str(path)]).exit_code == 0
    editor, reader = app.test_client(), app.test_client()
    AuthActions(editor).login("ed")
    assert reader.get("/").status_code == 200 and editor.get("/editor/").status_code == 200

    # A request that has read its data when the server shuts down: the server's "terminating connection" is
    # only read by the session's closing ROLLBACK.  That error once escaped the app after the response was built
    # (gunicorn then answered 500); now it is logged and the response stands.
    with app.test_request_context("/"):
        assert db.session.execute(text("SELECT count(*) FROM claims")).scalar() == 20
        own_pg.restart("fast")
    assert "database connection lost while ending the session" in caplog.text

    # Readers keep asking while the server restarts under them: the usual answer or 503, nothing else.
    paths = ("/", "/claims/2", "/api/v1/claims", "/healthz")
    usual = {reader.get(p).status_code for p in paths}  # 200s, and 404 for a claim with no published verdict
    statuses: Counter = Counter()
    stop = threading.Event()

    def read(n: int) -> None:
        client = app.test_client()
        for i in range(10_000):
            if stop.is_set():
                return
            path_ = paths[(n + i) % 4]
            try:
                statuses[client.get(path_).status_code] += 1
            except Exception as error:  # an exception out of the app is what gunicorn turns into a 500
                statuses[f"{type(error).__name__}: {error}"[:200]] += 1

    threads = [threading.Thread(target=read, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.3)
        own_pg.restart("fast")  # pg_ctl restart -m fast: every connection dropped, the port closed, then open
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=WAIT)
    assert set(statuses) <= usual | {503}, statuses
    assert reader.get("/").status_code == 200  # pooled connections were dead: the pool noticed and reconnected

    # The same, held open: stopped means 503 with Retry-After everywhere, started again means served again.
    page = editor.get("/editor/claims/1").get_data(as_text=True)
    form = _form(page, "Saved after the restart.")
    own_pg.stop_server("fast")
    try:
        for client, path_ in ((reader, "/"), (reader, "/claims/1"), (reader, "/api/v1/claims"),
                              (reader, "/healthz"), (editor, "/editor/")):
            response = client.get(path_)
            assert response.status_code == 503, path_
            assert path_ == "/healthz" or response.headers["Retry-After"].isdigit()
        response = editor.post("/editor/claims/1/verdict", data=form)
        assert response.status_code == 503 and "go back and send it again" in response.get_data(as_text=True)
    finally:
        own_pg.start_server()
    assert reader.get("/healthz").status_code == 200
    assert reader.get("/").status_code == 200 and editor.get("/editor/").status_code == 200
    assert editor.post("/editor/claims/1/verdict", data=form).status_code == 302  # the same form, sent again
    assert "unhandled error" not in caplog.text
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM verdict_revisions")) == 1
        db.engine.dispose()


# --- kill -9 of a gunicorn worker in the middle of verdict saves ---------------------------------------------




@pytest.mark.slow
def test_gunicorn_worker_killed_during_saves_loses_no_acknowledged_write(pg_server, tmp_path):
    name = f"claimtrack_faults_{os.getpid()}"
    pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg_server.execute(f"CREATE DATABASE {name} TEMPLATE claimtrack_template")
    url = pg_server.url(name)
    clients = 4
    app = create_app(config_for(url))
    for i in range(clients):
        make_user(app, f"ed{i}", "editor")
    path = tmp_path / "claims.jsonl"
    write_claims(path, 20, rated=False)  # drafts: a published verdict would need a correction note per save
    assert app.test_cli_runner().invoke(args=["claims", "import", str(path)]).exit_code == 0
    with app.app_context():
        db.engine.dispose()

    server = Gunicorn(tmp_path / "gunicorn.log", workers=2, DATABASE_URL=url, SECRET_KEY="fault-test-secret",
                      LOGIN_RATE_LIMIT="100000 per minute")
    port = server.port
    acked: list[str] = []
    outcomes: Counter = Counter()
    lock = threading.Lock()
    stop = threading.Event()
    threads: list[threading.Thread] = []
    server.start(timeout=WAIT)
    try:
        deadline = time.monotonic() + WAIT
        editors = []
        for i in range(clients):
            editor = Client(port)
            editor.login(f"ed{i}", PASSWORD)  # RuntimeError unless the login form accepts it
            editors.append(editor)

        def save_loop(number: int, editor: Client) -> None:
            claim_id = number + 1  # one claim per editor: every save that arrives is applied (no 409)
            n = 0
            while not stop.is_set():
                n += 1
                summary = f"save-{number}-{n}"
                try:
                    status, page = editor.request("GET", f"/editor/claims/{claim_id}")
                    if status == 200:
                        status, _ = editor.request("POST", f"/editor/claims/{claim_id}/verdict",
                                                   _form(page, summary))
                except (OSError, http.client.HTTPException) as error:
                    status = type(error).__name__  # the worker died with the request in flight
                with lock:
                    outcomes[status] += 1
                    if status == 302:
                        acked.append(summary)

        threads += [threading.Thread(target=save_loop, args=(i, e)) for i, e in enumerate(editors)]
        for thread in threads:
            thread.start()

        def wait_for_acks(more: int) -> None:
            target = len(acked) + more
            while len(acked) < target:
                assert time.monotonic() < deadline and server.process.poll() is None, server.log_tail()
                time.sleep(0.01)

        killed = []
        for _ in range(3):
            wait_for_acks(5)
            victim = children(server.pid)[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            while True:  # the master notices and forks a replacement
                workers = children(server.pid)
                if len(workers) == 2 and victim not in workers:
                    break
                assert time.monotonic() < deadline, server.log_tail()
                time.sleep(0.05)
        wait_for_acks(10)  # saves go on after the last kill, on the replacement workers
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=WAIT)
        server.stop()

    assert set(outcomes) - {302, 503, "RemoteDisconnected", "ConnectionResetError", "BrokenPipeError",
                            "ConnectionRefusedError", "IncompleteRead"} == set(), outcomes
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        summaries = Counter(r[0] for r in conn.execute(text("SELECT data->>'summary' FROM verdict_revisions")))
        lost = [s for s in acked if summaries[s] != 1]
        assert lost == []
        for what, sql in VERDICT_CHECKS.items():
            assert conn.scalar(text(sql)) == 0, what
    engine.dispose()
    log_text = server.log_tail(1_000_000)
    assert log_text.count("was sent SIGKILL") == len(killed), log_text[-3000:]  # the master saw each death
    assert "Traceback" not in log_text
    pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- a PostgreSQL that accepts connections and never answers ---------------------------------------------------


@pytest.mark.slow
def test_a_server_that_never_answers_is_a_503_not_a_hang(tmp_path):
    """A frozen server (or a half-open network path): the TCP connection opens, the startup reply never comes.
    Without a connect timeout every request waited until gunicorn killed its worker."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel completes the handshakes; nobody ever reads or writes
    url = f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/claimtrack"
    app = create_app({**config_for(url), "DATABASE_CONNECT_TIMEOUT_SECONDS": 1})
    app.instance_path = str(tmp_path / "instance")
    result: dict = {}

    def ask() -> None:
        client = app.test_client()
        result["page"] = client.get("/")
        result["health"] = client.get("/healthz")

    asker = threading.Thread(target=ask, daemon=True)
    asker.start()
    asker.join(timeout=60)  # a guard against the hang itself, not a speed requirement
    try:
        assert not asker.is_alive(), "the request still waits for a server that never answers"
        assert result["page"].status_code == 503 and result["page"].headers["Retry-After"].isdigit()
        assert result["health"].status_code == 503
    finally:
        silent.close()
        with app.app_context():
            db.engine.dispose()

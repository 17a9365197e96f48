"""Faults at full scale, on the real set-up (gunicorn + PostgreSQL, `flask claims import` on SQLite and PostgreSQL),
loopback only and bounded in time.  Prints figures; tests/test_faults.py checks the same at small scale.

    python bench/faults.py                                  # the three scenarios with their defaults
    python bench/faults.py --scenario worker-kill --clients 8 --kills 6
    python bench/faults.py --scenario import-kill --jsonl /tmp/claims1m.jsonl --import-backend sqlite \\
                           --import-backend postgresql
    python bench/faults.py --scenario pg-restart --clients 8 --restarts 3 --down-seconds 5

Scenarios:
  worker-kill  editors save verdicts from several threads against gunicorn; the bench SIGKILLs gunicorn workers
               (one, then all of them, in turns) while requests are in flight, and waits for the master to fork
               replacements.  Afterwards: every acknowledged save (302) is in the database exactly once, no
               verdict differs from its newest revision, no revision lacks its audit event or the reverse, no
               revision-number gaps.
  import-kill  `flask claims import` of N rows (--jsonl, or rows built from --data as bench/import_speed.py does)
               is SIGKILLed once --kill-at of them are committed.  Then: the database opens, PRAGMA
               integrity_check (SQLite), `flask claims reindex --check` (FTS5 integrity-check, term_stats and
               search_corpus against a recount, no live claim without search terms); the same import run again
               must end with exactly N claims and a consistent index.
  pg-restart   bench-style clients (pages, searches, verdict saves) against gunicorn while PostgreSQL is really
               restarted (`pg_ctl restart -m fast`, --restarts times) and then stopped for --down-seconds and
               started.  Counts 200/3xx, 503, other 5xx and connection errors; the slowest answer during an outage;
               the time from the server being back to the first page served, without restarting gunicorn.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_DATA, flask, load_rows, widen  # noqa: E402
from bench.load import PASSWORD, VERSION  # noqa: E402
from tests.pg_server import PostgresServer, find_bindir  # noqa: E402
from tests.helpers import csrf_token_in  # noqa: E402
from tests.serving import VERDICT_CHECKS, Client, Gunicorn, children  # noqa: E402

CONNECTION_ERRORS = ("RemoteDisconnected", "ConnectionResetError", "BrokenPipeError", "ConnectionRefusedError",
                     "IncompleteRead", "TimeoutError", "timeout")



class Site:
    """A throwaway PostgreSQL with one migrated database of LIAR claims, editors, and gunicorn in front."""

    def __init__(self, work: Path, editors: int, claims: int, own_claims: int, workers: int):
        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("PostgreSQL binaries not found")
        self.work = work
        self.pg = PostgresServer(bindir)
        self.pg.start()
        self.pg.execute("CREATE DATABASE claimtrack_faults")
        self.url = self.pg.url("claimtrack_faults")
        self.dsn = f"host=127.0.0.1 port={self.pg.port} user=postgres dbname=claimtrack_faults"
        self.server: Gunicorn | None = None
        self.workers = workers
        flask(["db", "upgrade"], self.url)
        data = work / "site.jsonl"
        liar = DEFAULT_DATA / "liar" / "claims.jsonl"
        self.queries: list[str] = []
        with open(data, "w", encoding="utf-8") as out:
            source = liar if liar.exists() else ROOT / "tests/fixtures/claims_sample.jsonl"
            with open(source, encoding="utf-8") as lines:
                for i, line in enumerate(lines):
                    if i >= claims:
                        break
                    row = json.loads(line)
                    row.pop("context", None)
                    out.write(json.dumps(row) + "\n")
                    if i % 10 == 0:
                        self.queries.append(" ".join(row["text"].split()[:12]))
            for i in range(own_claims):  # unrated, so every save is a draft (no correction note needed)
                out.write(json.dumps({"id": f"own-{i}", "text": f"Claim number {i} that one editor keeps rating."})
                          + "\n")
        flask(["claims", "import", str(data)], self.url)
        for i in range(editors):
            flask(["users", "create", f"ed{i}", "--role", "editor", "--password-stdin"], self.url,
                  input=PASSWORD + "\n")
        import psycopg

        with psycopg.connect(self.dsn) as conn:
            self.own_ids = [r[0] for r in conn.execute(
                "SELECT id FROM claims WHERE external_id LIKE 'own-%' ORDER BY id")]
            self.claim_ids = [r[0] for r in conn.execute("SELECT id FROM claims ORDER BY random() LIMIT 2000")]

    def start_gunicorn(self) -> int:
        self.log_path = self.work / "gunicorn.log"
        self.server = Gunicorn(self.log_path, workers=self.workers, DATABASE_URL=self.url,
                               SECRET_KEY="faults-bench-secret", LOGIN_RATE_LIMIT="1000000 per minute",
                               API_RATE_LIMIT="1000000 per minute")
        try:
            self.server.start()
        except RuntimeError as error:
            raise SystemExit(f"gunicorn did not start ({error}); see {self.log_path}") from None
        return self.server.port

    def logged_in(self, port: int, number: int, editors: int) -> Client:
        client = Client(port)
        client.login(f"ed{number % editors}", PASSWORD)
        return client

    def verdict_checks(self) -> tuple[Counter, dict[str, int]]:
        import psycopg

        with psycopg.connect(self.dsn) as conn:
            summaries = Counter(r[0] for r in conn.execute("SELECT data->>'summary' FROM verdict_revisions"))
            return summaries, {what: conn.execute(sql).fetchone()[0] for what, sql in VERDICT_CHECKS.items()}

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.pg.stop()


def attempt(call) -> tuple[int | str, str]:
    """A request's status, or the name of the connection error that ended it."""
    try:
        return call()
    except Exception as error:  # noqa: BLE001  (every failure is a figure here)
        return type(error).__name__, ""


def save_once(client: Client, claim_id: int, summary: str) -> tuple[int | str, bool]:
    """Open the verdict form and post it; (status of the post or of the failed step, whether it was posted)."""
    status, page = attempt(lambda: client.request("GET", f"/editor/claims/{claim_id}"))
    if status != 200:
        return status, False
    form = {"csrf_token": csrf_token_in(page), "version": VERSION.search(page).group(1),
            "rating": random.choice(["true", "mostly-true", "half-true", "mostly-false", "false"]),
            "summary": summary}
    status, _ = attempt(lambda: client.request("POST", f"/editor/claims/{claim_id}/verdict", form))
    return status, True


# --- a. kill -9 of gunicorn workers during verdict saves -----------------------------------------------------


def worker_kill(args, work: Path) -> bool:
    site = Site(work / "worker-kill", args.editors, args.claims, args.clients, args.workers)
    try:
        port = site.start_gunicorn()
        clients = [site.logged_in(port, i, args.editors) for i in range(args.clients)]
        stop = threading.Event()
        lock = threading.Lock()
        acked: list[str] = []
        posted: list[str] = []
        outcomes: Counter = Counter()

        def loop(number: int, client: Client) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                summary = f"kill-{number}-{n}"
                status, was_posted = save_once(client, site.own_ids[number], summary)
                with lock:
                    outcomes[status] += 1
                    if was_posted:
                        posted.append(summary)
                    if status == 302:
                        acked.append(summary)

        threads = [threading.Thread(target=loop, args=(i, c), daemon=True) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        rng = random.Random(11)
        respawn: list[float] = []
        killed = 0
        acks_before_kill = []
        for round_ in range(args.kills):
            time.sleep(rng.uniform(0.5, 1.5))
            workers = children(site.server.pid)
            victims = workers if round_ % 2 else [rng.choice(workers)]
            acks_before_kill.append(len(acked))
            start = time.monotonic()
            for pid in victims:
                os.kill(pid, signal.SIGKILL)
            killed += len(victims)
            while True:
                now = children(site.server.pid)
                if len(now) == args.workers and not set(victims) & set(now):
                    break
                if time.monotonic() - start > 60:
                    raise SystemExit("gunicorn did not replace its killed workers within 60 s")
                time.sleep(0.01)
            respawn.append(time.monotonic() - start)
        after_last = len(acked)
        time.sleep(args.after_seconds)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        summaries, checks = site.verdict_checks()
    finally:
        site.close()

    lost = [s for s in acked if summaries.get(s, 0) != 1]
    applied_unacked = [s for s in posted if s not in set(acked) and summaries.get(s, 0) == 1]
    failed = sum(n for s, n in outcomes.items() if s in CONNECTION_ERRORS)
    other = {str(s): n for s, n in outcomes.items() if s not in CONNECTION_ERRORS and s not in (302,)}
    print(f"\n== a. kill -9 of gunicorn workers during verdict saves ({args.clients} clients, {args.workers} workers, "
          f"PostgreSQL) ==")
    print(f"{'kill rounds':<52}{args.kills:>10}  (one worker, then all {args.workers}, in turns)")
    print(f"{'workers killed':<52}{killed:>10}")
    print(f"{'master respawn, max s':<52}{max(respawn):>10.2f}  (each: {', '.join(f'{r:.2f}' for r in respawn)})")
    print(f"{'saves acknowledged (302)':<52}{len(acked):>10}")
    print(f"{'saves after the last kill (acknowledged)':<52}{len(acked) - after_last:>10}")
    print(f"{'requests failed: connection reset/closed':<52}{failed:>10}  "
          f"{ {s: n for s, n in outcomes.items() if s in CONNECTION_ERRORS} }")
    print(f"{'other answers':<52}{sum(other.values()):>10}  {other if other else ''}")
    print(f"{'posted, not acknowledged, but saved':<52}{len(applied_unacked):>10}  (the worker died after COMMIT)")
    print(f"{'lost writes (acknowledged, not saved once)':<52}{len(lost):>10}  (must be 0)")
    for what, n in checks.items():
        print(f"{'inconsistencies: ' + what:<52}{n:>10}  (must be 0)")
    return not lost and not any(checks.values()) and len(acked) > after_last


# --- b. kill -9 of `flask claims import` ---------------------------------------------------------------------


def count_claims(backend: str, target) -> int:
    if backend == "sqlite":
        with sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=30) as conn:
            return conn.execute("SELECT count(*) FROM claims").fetchone()[0]
    import psycopg

    with psycopg.connect(target) as conn:
        return conn.execute("SELECT count(*) FROM claims").fetchone()[0]


def import_kill(args, work: Path) -> bool:
    jsonl = args.jsonl
    if jsonl is None:
        jsonl = work / "claims.jsonl"
        started = time.perf_counter()
        widen(load_rows(args.data), args.rows, jsonl)
        print(f"\nbuilt {args.rows:,} rows from {args.data} in {time.perf_counter() - started:.0f} s: {jsonl}")
    ids = set()
    with open(jsonl, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                ids.add(json.loads(line)["id"])
    expected = len(ids)
    del ids
    kill_at = int(expected * args.kill_at)
    ok = True
    results = []
    for backend in args.import_backend:
        pg = None
        if backend == "sqlite":
            path = work / "import-kill.sqlite"
            url, target = f"sqlite:///{path}", path
        else:
            pg = PostgresServer(find_bindir())
            pg.start()
            pg.execute("CREATE DATABASE claimtrack_import")
            url = pg.url("claimtrack_import")
            target = f"host=127.0.0.1 port={pg.port} user=postgres dbname=claimtrack_import"
        try:
            flask(["db", "upgrade"], url)
            env = {**os.environ, "CLAIMTRACK_DATABASE_URL": url, "FLASK_APP": str(ROOT / "wsgi.py")}
            command = [sys.executable, "-m", "flask", "claims", "import", str(jsonl)]
            start = time.perf_counter()
            importer = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + args.max_import_seconds
            while count_claims(backend, target) < kill_at:
                if importer.poll() is not None:
                    raise SystemExit(f"{backend}: the import ended (status {importer.returncode}) before the kill")
                if time.monotonic() > deadline:
                    importer.kill()
                    raise SystemExit(f"{backend}: {kill_at:,} rows not committed within {args.max_import_seconds} s")
                time.sleep(0.2)
            # Land the kill inside the next batch's transaction, not on a commit boundary.
            time.sleep(args.kill_delay)
            importer.send_signal(signal.SIGKILL)
            importer.wait(timeout=60)
            killed_after = time.perf_counter() - start
            at_kill = count_claims(backend, target)

            start = time.perf_counter()
            integrity = "n/a"
            if backend == "sqlite":
                with sqlite3.connect(path) as conn:
                    integrity = ",".join(r[0] for r in conn.execute("PRAGMA integrity_check").fetchall())
            integrity_s = time.perf_counter() - start
            start = time.perf_counter()
            check = flask(["claims", "reindex", "--check"], url, check=False)
            check_s = time.perf_counter() - start
            start = time.perf_counter()
            again = flask(["claims", "import", str(jsonl)], url, check=False)
            finish_s = time.perf_counter() - start
            final = count_claims(backend, target)
            start = time.perf_counter()
            final_check = flask(["claims", "reindex", "--check"], url, check=False)
            final_check_s = time.perf_counter() - start
        finally:
            if pg is not None:
                pg.stop()
        good = (importer.returncode == -signal.SIGKILL and integrity in ("ok", "n/a") and check.returncode == 0
                and again.returncode in (0, 1) and final == expected and final_check.returncode == 0)
        ok = ok and good
        results.append((backend, killed_after, at_kill, integrity, integrity_s, check, check_s, again, finish_s,
                        final, final_check, final_check_s))

    print(f"\n== b. kill -9 of `flask claims import` at {args.kill_at:.0%} of {expected:,} rows "
          f"({jsonl}) ==")
    for (backend, killed_after, at_kill, integrity, integrity_s, check, check_s, again, finish_s, final,
         final_check, final_check_s) in results:
        print(f"[{backend}]")
        print(f"  {'killed after':<40}{killed_after:>10.1f} s")
        print(f"  {'claims committed at the kill':<40}{at_kill:>10,}")
        print(f"  {'PRAGMA integrity_check':<40}{integrity:>10}  ({integrity_s:.1f} s)")
        print(f"  {'reindex --check after the kill':<40}{'ok' if check.returncode == 0 else 'FAILED':>10}  "
              f"({check_s:.1f} s) {(check.stdout + check.stderr).strip().splitlines()[-1:]}")
        print(f"  {'re-run: time to finish':<40}{finish_s:>10.1f} s  {again.stdout.strip().splitlines()[-1:]}")
        print(f"  {'final claims':<40}{final:>10,}  (expected {expected:,})")
        print(f"  {'reindex --check after the re-run':<40}{'ok' if final_check.returncode == 0 else 'FAILED':>10}  "
              f"({final_check_s:.1f} s) {(final_check.stdout + final_check.stderr).strip().splitlines()[-1:]}")
    return ok


# --- c. PostgreSQL restarted under load ----------------------------------------------------------------------


def pg_restart(args, work: Path) -> bool:
    site = Site(work / "pg-restart", args.editors, args.claims, args.clients, args.workers)
    try:
        port = site.start_gunicorn()
        clients = [site.logged_in(port, i, args.editors) for i in range(args.clients)]
        stop = threading.Event()
        lock = threading.Lock()
        log: list[tuple[float, float, int | str]] = []  # (start, end, status)
        acked: list[str] = []

        def loop(number: int, client: Client) -> None:
            rng = random.Random(number)
            n = 0
            while not stop.is_set():
                n += 1
                pick = rng.random()
                start = time.monotonic()
                if pick < 0.25:
                    status, _ = attempt(lambda: client.request("GET", "/"))
                elif pick < 0.45:
                    status, _ = attempt(lambda: client.request("GET", f"/claims/{rng.choice(site.claim_ids)}"))
                elif pick < 0.6:
                    status, _ = attempt(lambda: client.request("GET", f"/editor/claims/{rng.choice(site.claim_ids)}"))
                elif pick < 0.8:
                    query = urlencode({"text": rng.choice(site.queries), "limit": 5})
                    status, _ = attempt(lambda query=query: client.request("GET", f"/api/v1/match?{query}"))
                else:
                    status, _ = save_once(client, site.own_ids[number], f"restart-{number}-{n}")
                    if status == 302:
                        with lock:
                            acked.append(f"restart-{number}-{n}")
                with lock:
                    log.append((start, time.monotonic(), status))
                if status == 503:
                    time.sleep(0.05)  # a client that honours Retry-After a little

        threads = [threading.Thread(target=loop, args=(i, c), daemon=True) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        outages: list[tuple[str, float, float]] = []  # (kind, down from, back at)
        time.sleep(args.warmup)
        for _ in range(args.restarts):
            began = time.monotonic()
            site.pg.restart("fast")
            outages.append(("pg_ctl restart -m fast", began, time.monotonic()))
            time.sleep(args.between)
        if args.down_seconds > 0:
            began = time.monotonic()
            site.pg.stop_server("fast")
            time.sleep(args.down_seconds)
            site.pg.start_server()
            outages.append((f"stop -m fast, {args.down_seconds:.0f} s down, start", began, time.monotonic()))
            time.sleep(args.between)
        stop.set()
        for t in threads:
            t.join(timeout=120)
        summaries, checks = site.verdict_checks()
        gunicorn_pid = site.server.pid
        gunicorn_alive = site.server.process.poll() is None
    finally:
        site.close()

    def kind(status) -> str:
        if isinstance(status, int):
            if status < 400:
                return "200/3xx"
            if status == 503:
                return "503"
            if status >= 500:
                return "5xx other"
            return f"{status}"
        return "connection error" if status in CONNECTION_ERRORS else status

    print(f"\n== c. PostgreSQL restarted under load ({args.clients} clients, {args.workers} gunicorn workers) ==")
    total = Counter(kind(s) for _, _, s in log)
    print(f"requests: {len(log)}; " + ", ".join(f"{k}: {n}" for k, n in sorted(total.items())))
    print(f"{'outage':<44}{'down s':>8}{'200':>7}{'503':>7}{'5xx':>6}{'conn':>6}{'max ms':>8}{'recover s':>11}")
    ok = True
    for name, began, back in outages:
        during = [(s, e, st) for s, e, st in log if e >= began and s <= back]
        kinds = Counter(kind(st) for _, _, st in during)
        slowest = max((e - s for s, e, _ in during), default=0.0)
        served = [e for s, e, st in log if s >= back and kind(st) == "200/3xx"]
        recover = (min(served) - back) if served else float("nan")
        print(f"{name:<44}{back - began:>8.2f}{kinds['200/3xx']:>7}{kinds['503']:>7}{kinds['5xx other']:>6}"
              f"{kinds['connection error']:>6}{slowest * 1000:>8.0f}{recover:>11.3f}")
        ok = ok and bool(served)
    lost = [s for s in acked if summaries.get(s, 0) != 1]
    print(f"recover s: from pg_ctl returning to the first page served; gunicorn master {gunicorn_pid} "
          f"{'never restarted' if gunicorn_alive else 'DIED'}")
    print(f"verdict saves acknowledged: {len(acked)}, lost: {len(lost)} (must be 0); "
          + ", ".join(f"{what}: {n}" for what, n in checks.items()))
    log_text = (work / "pg-restart" / "gunicorn.log").read_text()
    print(f"gunicorn log: {log_text.count('Traceback')} traceback(s), "
          f"{log_text.count('unhandled error')} unhandled error(s), "
          f"{log_text.count('database connection lost while ending the session')} session(s) ended on a lost "
          f"connection")
    bad = total["5xx other"] + total["connection error"]
    return ok and not bad and not lost and not any(checks.values()) and gunicorn_alive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", action="append", choices=("worker-kill", "import-kill", "pg-restart"))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--workdir", type=Path, help="where databases and logs go (default: a temporary folder)")
    # a and c
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--editors", type=int, default=4)
    parser.add_argument("--claims", type=int, default=2000, help="LIAR claims behind the site")
    parser.add_argument("--kills", type=int, default=6, help="a: kill rounds")
    parser.add_argument("--after-seconds", type=float, default=3.0, help="a: saves go on this long after the last kill")
    parser.add_argument("--restarts", type=int, default=3, help="c: pg_ctl restart -m fast rounds")
    parser.add_argument("--down-seconds", type=float, default=5.0, help="c: then stopped this long (0: skip)")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--between", type=float, default=3.0, help="c: seconds of load after each outage")
    # b
    parser.add_argument("--jsonl", type=Path, help="b: the import file (default: --rows built from --data)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="b: rows to build when --jsonl is not given")
    parser.add_argument("--kill-at", type=float, default=0.4, help="b: kill once this share of rows is committed")
    parser.add_argument("--kill-delay", type=float, default=1.5,
                        help="b: seconds after that, so the kill lands inside a batch's transaction")
    parser.add_argument("--import-backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--max-import-seconds", type=float, default=1800)
    args = parser.parse_args()
    args.import_backend = args.import_backend or ["sqlite"]
    if not 1 <= args.clients <= 100 or not 1 <= args.workers <= 16 or args.kills > 50 or args.restarts > 20:
        raise SystemExit("keep it bounded: 1..100 clients, 1..16 workers, at most 50 kills and 20 restarts")
    if args.editors > args.clients:
        args.editors = args.clients
    work = args.workdir or Path(tempfile.mkdtemp(prefix="claimtrack-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    for sub in ("worker-kill", "pg-restart"):
        (work / sub).mkdir(exist_ok=True)
    results = {}
    for scenario in args.scenario or ["worker-kill", "import-kill", "pg-restart"]:
        started = time.perf_counter()
        results[scenario] = {"worker-kill": worker_kill, "import-kill": import_kill,
                             "pg-restart": pg_restart}[scenario](args, work)
        print(f"({scenario}: {time.perf_counter() - started:.0f} s)", flush=True)
    print("\n" + ", ".join(f"{name}: {'ok' if good else 'FAILED'}" for name, good in results.items())
          + f"   (logs in {work})")
    sys.exit(0 if all(results.values()) else 1)


if __name__ == "__main__":
    main()

"""Backup and restore speed: N claims imported through `flask claims import`, then `flask backup export` and
`flask backup restore` into a fresh database, each timed with its peak memory and the file's size.

Rows are the import benchmark's (real claims from ../shared/data, widened with fresh ids).  SQLite by default;
--pg runs the same on a throwaway PostgreSQL server (the tests' one, tests/pg_server.py).

    python bench/backup_speed.py --rows 100000 [--pg] [--gzip] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import load_rows, widen

ROOT = Path(__file__).resolve().parent.parent


def timed_flask(args: list[str], url: str) -> tuple[float, float, str]:
    """Run `flask ...`; seconds, the command's peak memory (MB), and its last line of output."""
    env = {**os.environ, "CLAIMTRACK_DATABASE_URL": url, "FLASK_APP": str(ROOT / "wsgi.py")}
    peak_kb = 0
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, stdout=out, stderr=err)
        # VmHWM of the running command: wait4's ru_maxrss would count this process's memory at fork time.
        while child.poll() is None:
            peak_kb = max(peak_kb, _hwm_kb(child.pid))
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read()
    if child.returncode not in (0, 1):
        raise SystemExit(f"flask {' '.join(args)} failed ({child.returncode}):\n{errors[-3000:]}")
    lines = (output or errors).strip().splitlines()
    return elapsed, peak_kb / 1024, lines[-1] if lines else ""


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="claims in the database (repeatable)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (a throwaway server) instead of SQLite")
    parser.add_argument("--gzip", action="store_true", help="write the backup compressed (.jsonl.gz)")
    args = parser.parse_args()
    rows = load_rows(args.data)
    server = None
    if args.pg:
        sys.path.insert(0, str(ROOT))
        from tests.pg_server import PostgresServer, find_bindir

        server = PostgresServer(find_bindir() or sys.exit("PostgreSQL binaries not found"))
        server.start()
    print(f"{'claims':>10} {'db':>6} {'step':>8} {'seconds':>8} {'claims/s':>9} {'peak MB':>8}  result")
    try:
        for n in args.rows or [100_000]:
            with tempfile.TemporaryDirectory() as tmp:
                tmp = Path(tmp)
                if server:
                    for name in ("bench_source", "bench_target"):
                        server.execute(f"DROP DATABASE IF EXISTS {name}")
                        server.execute(f"CREATE DATABASE {name}")
                    source, target = server.url("bench_source"), server.url("bench_target")
                else:
                    source, target = f"sqlite:///{tmp / 'source.sqlite'}", f"sqlite:///{tmp / 'target.sqlite'}"
                for url in (source, target):
                    timed_flask(["db", "upgrade"], url)
                jsonl = tmp / "claims.jsonl"
                widen(rows, n, jsonl)
                backup = tmp / ("backup.jsonl.gz" if args.gzip else "backup.jsonl")
                steps = [("import", ["claims", "import", str(jsonl)], source),
                         ("export", ["backup", "export", str(backup)], source),
                         ("restore", ["backup", "restore", str(backup)], target)]
                kind = "pg" if server else "sqlite"
                for step, command, url in steps:
                    elapsed, peak, result = timed_flask(command, url)
                    print(f"{n:>10,} {kind:>6} {step:>8} {elapsed:>8.1f} {n / elapsed:>9,.0f} {peak:>8.0f}  "
                          f"{result[:90]}", flush=True)
                print(f"{'':>10} {'':>6} {'file':>8} {backup.stat().st_size / 2**20:>8.1f} MB", flush=True)
    finally:
        if server:
            server.stop()


if __name__ == "__main__":
    main()

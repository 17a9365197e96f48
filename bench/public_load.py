"""Public pages under load: gunicorn (2 sync workers) and wrk, beside a bare Flask page in the same run.

Usage:
    .venv/bin/python bench/public_load.py [--claims 10000] [--seconds 15] [--connections 20]
                                          [--database postgresql+psycopg://...] [--page-cache filesystem|off]
                                          [--publishers 2]
    .venv/bin/python bench/public_load.py --connections 50 --seconds 60 --publishers 2   # the issue's busy day

Data recipe: --claims rows of ../shared/data (LIAR and the claim-retrieval sets, widened by bench/common.widen)
imported with the real `flask claims import` into /tmp/public_load_<N>.sqlite (made once, then reused), or
into the --database given (imported when it holds no claims).  One gunicorn serves both claimtrack and a bare
Flask app that renders a small Jinja template (mounted at /bare with werkzeug's DispatcherMiddleware), so both
meet the same workers, machine load and client.  wrk (Debian's package) drives each path in turn (and the workers
finish what wrk left queued before the next one starts):

  bare Flask template page  /bare/
  claim page (one)          the same claim page again and again: a viral debunk
  claim pages (1,000)       a thousand different claim pages, in turn (a Lua script)
  home                      /
  search                    200 different searches (first words of published claims), in turn
  304 path                  a claim page with the If-None-Match its ETag gave

Prints requests/s, p50 and p99 latency, errors (non-2xx/3xx and socket errors) and the share of bare Flask, with
the targets of issue 20 (claim page >= 50%, home >= 30%, 304 >= 80%).  Nothing in front of gunicorn: no proxy
cache; the server-side page cache is on unless --page-cache off.

--publishers N: N desks publish all along the run through the real editor pages (see Publisher: an editor and a
reviewer each, logged in through the login form, every form with its CSRF token): corrections of claims wrk
reads, and verdicts unpublished, rewritten, submitted and approved again.  Every publication gives every page a
new ETag, so the 304 path then revalidates with the newest ETag it was given and counts its 304s.  Printed besides:
publications done, their p50 / p95 (every step of one, under the load), publisher errors, and how many times a
reader without cookies saw the new summary on the claim page, with the delay after the publication's answer.
The database is the same file or database as without publishers: their publications stay in it.  Exit status 1
on any error or a publication never seen.
"""

from __future__ import annotations

import argparse
import http.client
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
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DEFAULT_DATA, ROOT, flask, load_rows, percentile, widen

sys.path.insert(0, str(ROOT))
from tests.helpers import csrf_token_in  # noqa: E402
from tests.serving import Client  # noqa: E402

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
        path = Path(tempfile.gettempdir()) / f"public_load_{claims}.jsonl"  # made once, reused by every database
        if not path.exists():
            partial = path.with_suffix(".partial")
            widen(load_rows(data), claims, partial)
            partial.rename(path)
        print(f"importing {claims:,} claims into {url} ...", flush=True)
        started = time.perf_counter()
        flask(["claims", "import", str(path)], url)
        print(f"imported in {time.perf_counter() - started:.0f} s", flush=True)
    engine.dispose()
    return url


def sample(url: str, seed: int = 7) -> tuple[list[str], list[str], list[tuple[int, str]]]:
    """1,000 canonical claim paths and 200 search paths of published claims, and up to 400 other published
    claims (id, path) that the publishers may unpublish for a moment (wrk never asks for them)."""
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
    taken = {cid for cid, _ in picked}
    spare = [(cid, f"/claims/{cid}-{slugify(body)}") for cid, body in rows[-400:] if cid not in taken]
    return claims, searches, spare


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
    found = {"rps": rps, "p50": latency("50"), "p99": latency("99"), "errors": errors}
    revalidated = re.search(r"REVALIDATED (\d+) (\d+)", out)
    if revalidated:
        found["n304"], found["n200"] = int(revalidated.group(1)), int(revalidated.group(2))
    return found


PASSWORD = "public load bench password 1"
VERSION = re.compile(r'id="version" name="version" type="hidden" value="(\d+)"')
CLAIM_VERSION = re.compile(r'id="claim_version" name="claim_version" type="hidden" value="(\d*)"')


def accounts(url: str, publishers: int) -> None:
    """An editor and a reviewer per publisher (made once; the password set again on every run)."""
    for i in range(publishers):
        for role in ("editor", "reviewer"):
            name = f"bench-{role}-{i}"
            flask(["users", "create", name, "--role", role, "--password-stdin"], url, input=PASSWORD + "\n")
            flask(["users", "set-password", name, "--password-stdin"], url, input=PASSWORD + "\n")


class Publisher(threading.Thread):
    """One newsroom desk publishing continuously through the real editor pages: an editor writes, a reviewer
    approves (four eyes), each logged in through the login form with its CSRF token.

    In turn: a correction of a claim that wrk reads (the editor proposes it with a public note, the reviewer
    approves it), and a republication of a claim wrk never asks for (the reviewer unpublishes it, the editor
    rewrites the verdict and submits it, the reviewer approves and publishes it).  After each publication a
    reader without cookies asks for the claim page until it shows the new summary (10 s at most)."""

    def __init__(self, number: int, base_port: int, corrected: list[str], republished: list[tuple[int, str]],
                 stop: threading.Event):
        super().__init__(daemon=True)
        self.number, self.port, self.stop = number, base_port, stop
        self.corrected, self.republished = corrected, republished
        self.editor, self.reviewer, self.reader = Client(base_port), Client(base_port), Client(base_port)
        self.publish_seconds: list[float] = []
        self.kinds: Counter = Counter()
        self.errors: Counter = Counter()
        self.delays: list[float | None] = []  # seconds from the publish's answer to the page showing it; None: never
        self.first_time = 0  # checks whose first request already showed the new summary
        self.ids: dict[str, int] = {}

    def _ok(self, step: str, status: int | str, expected: int = 302) -> bool:
        if status != expected:
            self.errors[(step, status)] += 1
            return False
        return True

    def _call(self, client: Client, method: str, path: str, form: dict | None = None) -> tuple[int | str, str]:
        try:
            return client.request(method, path, form)
        except (OSError, http.client.HTTPException) as error:
            return type(error).__name__, ""

    def _open(self, client: Client, claim_id: int) -> tuple[dict, str] | None:
        status, page = self._call(client, "GET", f"/editor/claims/{claim_id}")
        if not self._ok("open", status, 200):
            return None
        claim_version = CLAIM_VERSION.search(page)
        return {"csrf_token": csrf_token_in(page), "version": VERSION.search(page).group(1),
                "claim_version": claim_version.group(1) if claim_version else ""}, page

    def _save(self, claim_id: int, summary: str, note: str) -> bool:
        opened = self._open(self.editor, claim_id)
        if opened is None:
            return False
        form = {"csrf_token": opened[0]["csrf_token"], "version": opened[0]["version"],
                "rating": random.choice(["false", "mostly-false", "half-true"]), "summary": summary,
                "explanation": f"Checked again by the public load bench ({summary}).",
                "sources-0-url": "https://example.org/bench-source", "sources-0-title": "A source",
                "sources-0-publisher": "Bench", "sources-0-accessed_on": "", "correction_note": note}
        status, _ = self._call(self.editor, "POST", f"/editor/claims/{claim_id}/verdict", form)
        return self._ok("save", status)

    def _step(self, client: Client, claim_id: int, action: str, note: str = "") -> bool:
        opened = self._open(client, claim_id)
        if opened is None:
            return False
        status, _ = self._call(client, "POST", f"/editor/claims/{claim_id}/status",
                               {**opened[0], "action": action, "note": note})
        return self._ok(action, status)

    def _claim_id(self, path: str) -> int:
        return int(path.split("/")[2].split("-")[0])

    def _visible(self, path: str, summary: str, since: float) -> None:
        tries = 0
        while True:
            tries += 1
            status, page = self._call(self.reader, "GET", path)
            if status == 200 and summary in page:
                self.delays.append(time.perf_counter() - since)
                self.first_time += tries == 1
                return
            if time.perf_counter() - since > 10:
                self.delays.append(None)
                return
            time.sleep(0.05)

    def login(self) -> None:
        self.editor.login(f"bench-editor-{self.number}", PASSWORD)
        self.reviewer.login(f"bench-reviewer-{self.number}", PASSWORD)

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            summary = f"Bench publication {self.number}-{n}-{random.randrange(10**9)}"
            started = time.perf_counter()
            if n % 2:
                path = self.corrected[(n // 2) % len(self.corrected)]
                claim_id = self._claim_id(path)
                done = (self._save(claim_id, summary, f"Correction {n} by the bench.")
                        and self._step(self.reviewer, claim_id, "approve_correction"))
                kind = "correction"
            else:
                claim_id, path = self.republished[(n // 2) % len(self.republished)]
                done = (self._step(self.reviewer, claim_id, "unpublish", f"Rechecking ({n}).")
                        and self._save(claim_id, summary, "")
                        and self._step(self.editor, claim_id, "submit")
                        and self._step(self.reviewer, claim_id, "approve"))
                kind = "republication"
            if not done:
                time.sleep(0.5)  # an error is counted; do not spin on it
                continue
            finished = time.perf_counter()
            self.publish_seconds.append(finished - started)
            self.kinds[kind] += 1
            self._visible(path, summary, finished)


def lua_revalidate(path: str, etag: str, folder: Path) -> Path:
    """A client (or CDN) that revalidates with the newest ETag it was given, and counts 304s and 200s."""
    script = folder / "revalidate.lua"
    script.write_text(
        f"local path, first = {json.dumps(path)}, {json.dumps(etag)}\nlocal threads = {{}}\n"
        "function setup(thread) table.insert(threads, thread) end\n"
        "function init(args) etag = first; n304 = 0; n200 = 0 end\n"
        "request = function() return wrk.format('GET', path, {['If-None-Match'] = etag}) end\n"
        "response = function(status, headers, body)\n"
        "  if status == 304 then n304 = n304 + 1\n"
        "  elseif status == 200 then n200 = n200 + 1; etag = headers['ETag'] or headers['Etag'] or etag end\n"
        "end\n"
        "done = function(summary, latency, requests)\n"
        "  local a, b = 0, 0\n"
        "  for _, t in ipairs(threads) do a = a + t:get('n304'); b = b + t:get('n200') end\n"
        "  io.write(string.format('REVALIDATED %d %d\\n', a, b))\n"
        "end\n"
    )
    return script


def drain(base: str) -> None:
    """Wait until the workers are done with what wrk left queued: sync workers answer every request accepted,
    even when wrk has gone, so slow searches would otherwise take the next page's seconds."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            urllib.request.urlopen(base + "/bare/", timeout=300).read()
        except OSError:
            time.sleep(0.5)
            continue
        if time.perf_counter() - started < 0.2:
            return


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
    parser.add_argument("--publishers", type=int, default=0,
                        help="desks (an editor and a reviewer each) publishing through the editor pages all along")
    args = parser.parse_args()
    if not subprocess.run(["which", "wrk"], capture_output=True).returncode == 0:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    url = prepare(args.database, args.claims, args.data)
    claims, searches, spare = sample(url)
    if args.publishers:
        accounts(url, args.publishers)
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
        # With publishers every publication changes every page's ETag: the 304 path is then a client (or a CDN)
        # that revalidates with the newest ETag it was given, as a real one does, and counts its 304s.
        revalidate = (("304 path", claims[0], lua_revalidate(claims[0], etag, folder), None) if args.publishers
                      else ("304 path", claims[0], None, {"If-None-Match": etag}))
        cases = [
            ("bare Flask template page", "/bare/", None, None),
            ("claim page (one)", claims[0], None, None),
            ("claim pages (1,000)", "/", lua_paths(claims, folder, "claims"), None),
            ("home", "/", None, None),
            ("search", "/", lua_paths(searches, folder, "searches"), None),
            revalidate,
        ]
        stop = threading.Event()
        # the corrected claims are read by wrk (the viral page first); the republished ones never are (they are
        # off the public site for a moment between unpublishing and approval)
        desks_n = max(1, args.publishers)
        half = max(1, len(spare) // desks_n)
        desks = [Publisher(i, port, claims[i::desks_n][:50], spare[i * half:(i + 1) * half], stop)
                 for i in range(args.publishers)]
        for desk in desks:
            desk.login()  # argon2 hashing: done before anything is measured
        started = time.perf_counter()
        for desk in desks:
            desk.start()
        for _name, path, script, headers in cases:
            run_wrk(base, path, 2, args.connections, script, headers)  # warm-up: caches, connections
            drain(base)
        # Rounds, each case in turn: a machine shared with other work changes speed over a minute, and a case
        # is compared with the bare page of its own round.
        rounds: list[dict] = []
        for _ in range(args.rounds):
            found = {}
            for name, path, script, headers in cases:
                found[name] = run_wrk(base, path, max(1, args.seconds // args.rounds), args.connections, script,
                                      headers)
                drain(base)
            rounds.append(found)
        stop.set()
        for desk in desks:
            desk.join(timeout=60)
        elapsed = time.perf_counter() - started
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
        share = statistics.median(100 * r[name]["rps"] / max(0.01, r["bare Flask template page"]["rps"])
                                  for r in rounds)
        target = f">= {TARGETS[name]}%" if name in TARGETS else ""
        print(f"| {name} | {rps:,.0f} | {statistics.median(r['p50'] for r in runs):.1f} | "
              f"{statistics.median(r['p99'] for r in runs):.1f} | {sum(r['errors'] for r in runs)} | {share:.0f}% "
              f"| {target} |")
    failed = sum(r[name]["errors"] for r in rounds for name in r)
    revalidations = [r["304 path"] for r in rounds if "n304" in r["304 path"]]
    if revalidations:
        n304, n200 = sum(r["n304"] for r in revalidations), sum(r["n200"] for r in revalidations)
        print(f"\n304 path, revalidating with the newest ETag: {n304:,} answered 304, {n200:,} answered 200 "
              f"(a new page after a publication) = {100 * n304 / max(1, n304 + n200):.1f}% 304")
    if desks:
        seconds = [x for d in desks for x in d.publish_seconds]
        kinds = sum((d.kinds for d in desks), Counter())
        errors = sum((d.errors for d in desks), Counter())
        delays = [x for d in desks for x in d.delays]
        seen = [x for x in delays if x is not None]
        print(f"\n{len(desks)} publishers (an editor and a reviewer each, logged in through the form) over "
              f"{elapsed:.0f} s: {len(seconds)} publications ({kinds['correction']} corrections approved, "
              f"{kinds['republication']} verdicts unpublished, rewritten, submitted and approved) = "
              f"{len(seconds) / elapsed * 60:.0f} a minute; one publication (every step, under the load) "
              f"p50 {percentile(seconds, 50) * 1000:.0f} ms, p95 {percentile(seconds, 95) * 1000:.0f} ms")
        print(f"publisher errors: {sum(errors.values())} {dict(errors) if errors else ''}")
        print(f"visible on the claim page to a reader without cookies: {len(seen)} of {len(delays)} checks "
              f"({sum(d.first_time for d in desks)} at the first request); "
              f"delay after the publication's answer p50 {percentile(seen, 50) * 1000:.0f} ms, "
              f"max {max(seen, default=float('nan')) * 1000:.0f} ms")
        failed += sum(errors.values()) + len(delays) - len(seen)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

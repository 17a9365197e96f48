"""The app served for real, for tests and benchmarks: gunicorn through deploy/start.sh on a loopback port, its
worker processes, and the invariants every verdict save keeps (checked after faults and load)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from .helpers import csrf_token_in

ROOT = Path(__file__).resolve().parent.parent

# Rows that break one invariant of a verdict save, per check (all must count 0); PostgreSQL SQL.
VERDICT_CHECKS = {
    "revision-number gaps":
        "SELECT count(*) FROM (SELECT verdict_id, count(*) AS n, max(number) AS m FROM verdict_revisions "
        "GROUP BY verdict_id) t WHERE n <> m",
    "verdicts unlike their newest revision":
        "SELECT count(*) FROM verdicts v JOIN verdict_revisions r ON r.verdict_id = v.id AND r.number = "
        "(SELECT max(number) FROM verdict_revisions WHERE verdict_id = v.id) "
        "WHERE v.summary IS DISTINCT FROM r.data->>'summary' OR v.rating IS DISTINCT FROM r.data->>'rating'",
    "revisions without their audit event":
        "SELECT count(*) FROM verdict_revisions r WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE "
        "a.action = 'verdict.save' AND a.object_id = r.verdict_id AND (a.details->>'revision')::int = r.number)",
    "save events without their revision":
        "SELECT count(*) FROM audit_events a WHERE a.action = 'verdict.save' AND NOT EXISTS (SELECT 1 FROM "
        "verdict_revisions r WHERE r.verdict_id = a.object_id AND r.number = (a.details->>'revision')::int)",
}


class Client:
    """One browser against a served app: its own cookies, a new connection per request (gunicorn's sync workers
    close them)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            conn.close()

    def login(self, username: str, password: str) -> None:
        """Log in through the real form; RuntimeError when the app does not accept it."""
        _, page = self.request("GET", "/login")
        status, _ = self.request("POST", "/login", {"csrf_token": csrf_token_in(page), "username": username,
                                                    "password": password})
        if status != 302:
            raise RuntimeError(f"login of {username} failed: {status}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


class Gunicorn:
    """deploy/start.sh on a free loopback port, in its own process group, with ``CLAIMTRACK_*`` settings.

    ``settings`` are given without the prefix (``DATABASE_URL=...``); the caller's own ``CLAIMTRACK_*`` variables
    are left out.  ``with Gunicorn(...) as server:`` returns once /healthz answers 200 and every worker is up,
    and stops the whole group on the way out.
    """

    def __init__(self, log_path: Path, workers: int = 2, migrate: bool = False, **settings: object):
        self.port = free_port()
        self.log_path = log_path
        self.wanted_workers = workers
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")}
        env.update({f"CLAIMTRACK_{key}": str(value) for key, value in settings.items()})
        env.setdefault("CLAIMTRACK_PUBLISHER_URL", "https://factcheck.example.org/")  # production requires one
        env.update({
            "CLAIMTRACK_BIN": str(Path(sys.executable).parent),
            "CLAIMTRACK_BIND": f"127.0.0.1:{self.port}",
            "CLAIMTRACK_MIGRATE_ON_START": "true" if migrate else "false",
            "WEB_CONCURRENCY": str(workers),
            "FLASK_APP": "wsgi.py",
        })
        self.env = env
        self.process: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def start(self, timeout: float = 120.0) -> "Gunicorn":
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen([str(ROOT / "deploy" / "start.sh")], cwd=ROOT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                healthy = conn.getresponse().status == 200
                conn.close()
            except OSError:
                healthy = False
            # The first worker may answer before the master has forked the others (a loaded machine).
            if healthy and len(self.workers()) >= self.wanted_workers:
                return self
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn was not ready within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.2)

    def workers(self) -> list[int]:
        return children(self.pid)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> "Gunicorn":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

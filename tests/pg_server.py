"""A throwaway PostgreSQL server for the test session: initdb + pg_ctl on 127.0.0.1, stopped at the end.

PostgreSQL refuses to run as root, and tests run as root in CI: the data directory
then belongs to the ``postgres`` user and the binaries run through ``runuser``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

CANDIDATE_BINDIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")


def find_bindir() -> str | None:
    """The folder with initdb and pg_ctl, or None when PostgreSQL is not installed."""
    env = os.environ.get("CLAIMTRACK_PG_BINDIR")
    for candidate in ([env] if env else []) + list(CANDIDATE_BINDIRS):
        if candidate and Path(candidate, "pg_ctl").exists() and Path(candidate, "initdb").exists():
            return candidate
    found = shutil.which("pg_ctl")
    return str(Path(found).parent) if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """Start with ``start()``, connect with ``url(dbname)``, end with ``stop()``."""

    def __init__(self, bindir: str):
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="claimtrack-pg-"))
        self.data = self.base / "data"
        self.port = _free_port()

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True)

    def start(self) -> None:
        """initdb a fresh cluster and start it on a free loopback port."""
        if self.as_root:
            os.chmod(self.base, 0o755)
            shutil.chown(self.base, "postgres", "postgres")
        self._run(
            f"{self.bindir}/initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8", "--locale=C",
        )
        self.start_server()

    @property
    def _options(self) -> str:
        return (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )

    def start_server(self) -> None:
        """Start the (initialised) server again, on the same port; waits until it accepts connections."""
        self._run(
            f"{self.bindir}/pg_ctl", "-D", str(self.data), "-o", self._options, "-l", str(self.base / "log"),
            "-w", "start"
        )

    def stop_server(self, mode: str = "fast") -> None:
        """Stop the server but keep its files (``fast``: roll back open transactions, drop every connection)."""
        self._run(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast") -> None:
        """A real restart of the server (pg_ctl restart): every connection is dropped, the port closes, then opens."""
        self._run(
            f"{self.bindir}/pg_ctl", "-D", str(self.data), "-o", self._options, "-l", str(self.base / "log"),
            "-m", mode, "-w", "restart"
        )

    def url(self, dbname: str = "postgres") -> str:
        """A SQLAlchemy URL for one database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(sql)

    def stop(self) -> None:
        """Stop the server and delete its files."""
        try:
            self._run(f"{self.bindir}/pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.base, ignore_errors=True)

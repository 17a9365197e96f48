"""deploy/nginx.conf for real: Debian's nginx on 127.0.0.1 in front of gunicorn (deploy/start.sh) on SQLite.

Shows a cache hit, a 304 for a reader's conditional request, and a published change visible through the cache.
Skips when nginx is not installed (`apt-get install -y nginx`; .ci/run installs it).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from claimtrack import create_app
from claimtrack.db import db
from claimtrack.models import Claim

from .helpers import config_for
from .serving import ROOT, Gunicorn, free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install -y nginx)")


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        conn.close()


def start_nginx(tmp_path: Path, app_port: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = (site.replace("listen 80;", f"listen 127.0.0.1:{port};")
            .replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
            .replace("/var/cache/nginx/claimtrack", str(tmp_path / "cache")))
    (tmp_path / "site.conf").write_text(site)
    for folder in ("logs", "temp"):
        (tmp_path / folder).mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n access_log off;\n client_body_temp_path {tmp_path}/temp/body;\n"
        f" proxy_temp_path {tmp_path}/temp/proxy;\n fastcgi_temp_path {tmp_path}/temp/fastcgi;\n"
        f" uwsgi_temp_path {tmp_path}/temp/uwsgi;\n scgi_temp_path {tmp_path}/temp/scgi;\n"
        f" include {tmp_path}/site.conf;\n}}\n"
    )
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {process.stderr.read().decode()}")
        try:
            get(port, "/healthz")
            return process, port
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("nginx did not answer")


def test_nginx_caches_public_pages_answers_304_and_shows_a_publish(tmp_path, sqlite_url):
    app = create_app(config_for(sqlite_url))
    claims = tmp_path / "claims.jsonl"
    claims.write_text(json.dumps({"id": "n1", "text": "The moon landing in 1969 was staged in a film studio.",
                                  "speaker": "Moon Skeptic", "verdict": "pants-fire"}) + "\n")
    assert app.test_cli_runner().invoke(args=["claims", "import", str(claims)]).exit_code == 0
    with app.app_context():
        claim_id = db.session.scalar(select(Claim.id))
    with Gunicorn(tmp_path / "gunicorn.log", workers=2, DATABASE_URL=sqlite_url, SECRET_KEY="nginx-test-secret",
                  PUBLIC_PAGE_CACHE_DIR=str(tmp_path / "page-cache")) as server:
        nginx, port = start_nginx(tmp_path, server.port)
        try:
            status, headers, _ = get(port, f"/claims/{claim_id}")
            assert status == 301
            path = headers["location"].replace("http://127.0.0.1", "").split(f":{port}", 1)[-1]
            status, headers, body = get(port, path)
            assert status == 200 and headers["x-cache-status"] in ("MISS", "EXPIRED")
            assert "staged in a film studio" in body
            etag = headers["etag"]
            # the next requests come from nginx's copy (HIT), or, past its second, the app's 304 (REVALIDATED)
            seen = {get(port, path)[1]["x-cache-status"] for _ in range(5)}
            assert "HIT" in seen, seen
            assert seen <= {"HIT", "REVALIDATED", "UPDATING", "STALE"}, seen
            status, headers, body = get(port, path, {"If-None-Match": etag})
            assert status == 304 and body == ""

            with app.app_context():
                db.session.get(Claim, claim_id).verdict.summary = "Twelve astronauts walked on the moon."
                db.session.commit()
            for _ in range(100):  # nginx keeps a page one second, then asks the app again
                status, headers, body = get(port, path)
                if "Twelve astronauts" in body:
                    break
                time.sleep(0.2)
            assert "Twelve astronauts" in body and headers["etag"] != etag
            assert get(port, path, {"If-None-Match": etag})[0] == 200  # the old validator no longer holds
        finally:
            nginx.terminate()
            nginx.wait(timeout=30)
    with app.app_context():
        db.engine.dispose()

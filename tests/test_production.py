"""The production set-up: deploy/start.sh (migrations, then gunicorn with 2 workers) against PostgreSQL, and the
settings it relies on (secure cookies, ProxyFix, request logs that name the user)."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from claimtrack import create_app
from claimtrack.db import db

from .helpers import PASSWORD, AuthActions, config_for, csrf_token_in, make_user
from .serving import ROOT, Gunicorn



class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):  # a redirect is an answer to check, not to follow
        return None


class Browser:
    """Plain HTTP with its own cookie handling (a Secure cookie must still flow through the https proxy)."""

    def __init__(self, base: str, headers: dict[str, str] | None = None):
        self.base = base
        self.headers = headers or {}
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(self, path: str, data: dict[str, str] | None = None):
        from urllib.parse import urlencode

        body = urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=dict(self.headers))
        if data is not None:  # Flask-WTF checks the Referer of https form posts, as browsers send it
            req.add_header("Referer", f"https://{self.base.split('://', 1)[1]}{path}")
        if self.cookies:
            req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            response = self.opener.open(req, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            self.set_cookie_headers.append(header)
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, dict(response.headers), response.read().decode("utf-8", "replace")


@pytest.fixture
def pg_database(pg_server):
    name = f"claimtrack_prod_{os.getpid()}_{int(time.time() * 1000) % 100000}"
    pg_server.execute(f"CREATE DATABASE {name} TEMPLATE claimtrack_template")
    yield pg_server.url(name)
    pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.slow
def test_gunicorn_two_workers_on_postgresql(pg_database, tmp_path):
    server = Gunicorn(tmp_path / "gunicorn.log", workers=2, migrate=True, DATABASE_URL=pg_database,
                      SECRET_KEY="production-test-secret", SESSION_COOKIE_SECURE="true", PROXY_FIX_X_FOR="1",
                      PROXY_FIX_X_PROTO="1")
    created = subprocess.run([sys.executable, "-m", "flask", "users", "create", "ed", "--role", "editor",
                              "--password-stdin"], input=PASSWORD + "\n", cwd=ROOT, env=server.env,
                             capture_output=True, text=True, timeout=120)
    assert created.returncode == 0, created.stderr
    with server:
        # Behind a TLS-terminating proxy on this machine: it says https and who the client is.
        browser = Browser(f"http://127.0.0.1:{server.port}",
                          {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})
        status, headers, body = browser.request("/healthz")
        assert status == 200 and '"ok"' in body
        assert len(server.workers()) == 2, "gunicorn should run 2 workers"

        status, headers, page = browser.request("/login")
        assert status == 200
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        csrf = csrf_token_in(page)
        status, headers, _ = browser.request("/login", {"csrf_token": csrf, "username": "ed", "password": PASSWORD})
        assert status == 302, headers
        session_cookies = [h for h in browser.set_cookie_headers if h.startswith("session=")]
        assert session_cookies and all("Secure" in h and "HttpOnly" in h and "SameSite=Lax" in h
                                       for h in session_cookies)
        # Several requests, so both workers serve the logged-in user (the SECRET_KEY is shared).
        for _ in range(6):
            status, _, page = browser.request("/editor/")
            assert status == 200 and "ed (editor)" in page
        status, _, _ = browser.request("/")
        assert status == 200
    log_text = server.log_tail(1_000_000)
    assert "Running upgrade" in log_text or "Context impl PostgresqlImpl" in log_text  # migrations ran first
    assert re.search(r"GET /editor/ 200 \d+ms user=ed\(\d+\) ip=203\.0\.113\.7", log_text), log_text[-3000:]
    assert re.search(r"POST /login 302 \d+ms user=ed\(\d+\)", log_text), log_text[-3000:]
    assert "Traceback" not in log_text


@pytest.fixture
def prod_app(sqlite_url):
    application = create_app({**config_for(sqlite_url), "SESSION_COOKIE_SECURE": True, "PROXY_FIX_X_FOR": 1,
                              "PROXY_FIX_X_PROTO": 1})
    yield application
    with application.app_context():
        db.engine.dispose()


def test_secure_cookies_and_proxy_headers(prod_app, caplog):
    make_user(prod_app, "ed", "editor")
    client = prod_app.test_client()
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4",
               "Referer": "https://localhost/login"}
    page = client.get("/login", headers=proxied, base_url="https://localhost").get_data(as_text=True)
    csrf = csrf_token_in(page)
    with caplog.at_level(logging.INFO, logger="claimtrack.requests"):
        response = client.post("/login", headers=proxied, base_url="https://localhost",
                               data={"csrf_token": csrf, "username": "ed", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("session=") and "Secure" in c and "HttpOnly" in c for c in cookies), cookies
    assert any(c.startswith("remember_token=") and "Secure" in c and "HttpOnly" in c for c in cookies), cookies
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    lines = [r.getMessage() for r in caplog.records if r.name == "claimtrack.requests"]
    assert any(re.match(r"POST /login 302 \d+ms user=ed\(\d+\) ip=198\.51\.100\.4", line) for line in lines), lines


def test_proxy_headers_ignored_unless_configured(app, caplog):
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="claimtrack.requests"):
        response = client.get("/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4"})
    assert "Strict-Transport-Security" not in response.headers
    assert not any("Secure" in c for c in response.headers.getlist("Set-Cookie"))
    lines = [r.getMessage() for r in caplog.records if r.name == "claimtrack.requests"]
    assert lines and "198.51.100.4" not in lines[-1] and "user=-" in lines[-1]


def test_request_log_can_be_turned_off(sqlite_url, caplog):
    application = create_app({**config_for(sqlite_url), "LOG_REQUESTS": False})
    with caplog.at_level(logging.DEBUG, logger="claimtrack.requests"):
        application.test_client().get("/login")
    assert not [r for r in caplog.records if r.name == "claimtrack.requests"]
    with application.app_context():
        db.engine.dispose()


def test_logged_in_requests_name_the_user(app, client, caplog):
    make_user(app, "rita", "reviewer")
    AuthActions(client).login("rita")
    with caplog.at_level(logging.INFO, logger="claimtrack.requests"):
        assert client.get("/editor/").status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "claimtrack.requests"]
    assert any(line.startswith("GET /editor/ 200") and "user=rita(" in line for line in lines), lines


@pytest.mark.parametrize("url", [None, "", "http://127.0.0.1:5000/", "http://localhost:8000/", "factcheck.example.org"])
def test_production_needs_the_public_publisher_url(sqlite_url, url):
    config = {**config_for(sqlite_url), "PRODUCTION": True, "PUBLISHER_URL": url}
    with pytest.raises(RuntimeError, match="PUBLISHER_URL .* in production it must be the newsroom's public site"):
        create_app(config)
    application = create_app({**config, "PUBLISHER_URL": "https://factcheck.example.org/"})
    with application.app_context():
        db.engine.dispose()
    create_app({**config, "PRODUCTION": False})  # a developer's machine keeps the local default


@pytest.mark.slow
def test_start_script_stops_without_publisher_url(tmp_path):
    """deploy/start.sh is production: without CLAIMTRACK_PUBLISHER_URL it stops before serving, saying why."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMTRACK_")}
    env.update({"CLAIMTRACK_SECRET_KEY": "production-test-secret", "CLAIMTRACK_BIN": os.path.dirname(sys.executable),
                "CLAIMTRACK_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite'}", "CLAIMTRACK_MIGRATE_ON_START": "true"})
    started = subprocess.run([str(ROOT / "deploy" / "start.sh")], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120)
    assert started.returncode != 0
    assert "PUBLISHER_URL is 'http://127.0.0.1:5000/': in production it must be the newsroom's public site" in \
        started.stderr, started.stderr[-3000:]

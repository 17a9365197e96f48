"""HTTP caching of what the public sees: validators, 304s before rendering, and a server-side page cache.

Every cacheable endpoint has a policy below.  Before the view runs, one primary-key read gives the public state's
version (services/public_changes.py); a matching If-None-Match / If-Modified-Since is answered 304 there and then,
and a page rendered earlier for the same URL and version is sent from the page cache (Flask-Caching: files in the
instance folder by default, Redis when configured).  After the view, a 200 gets ``Cache-Control: public,
max-age, stale-while-revalidate``, ``ETag`` and ``Last-Modified`` and goes into the page cache.

Pages drawn with base.html show who is logged in (and flashed messages): for a logged-in user, or a session
holding a message, they are ``private, no-cache`` and never stored; they say ``Vary: Cookie``.  They are also
drawn in the visitor's language (claimtrack/i18n.py: the ``lang`` cookie, else Accept-Language): the locale is
part of their ETag and page-cache key, and they say ``Vary: Accept-Language, Cookie``.  Feeds,
sitemaps and the API are the same for everyone and do not vary.
"""

from __future__ import annotations

import functools
import hashlib
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cachelib import FileSystemCache
from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user

from ..db import db
from ..i18n import page_locale
from ..services import public_changes


@dataclass(frozen=True)
class Policy:
    """How one endpoint is cached: its max-age setting, whether it varies by login, whether it is stored."""

    max_age: str = "PUBLIC_MAX_AGE"
    html: bool = True
    store: bool = True
    # checked by the view's own decorator (``validated``) instead of before the request: it sits under a
    # rate limit that must count every search, cached or not
    in_view: bool = False


POLICIES: dict[str, Policy] = {
    "public.home": Policy(in_view=True),
    "public.claim": Policy(),
    "public.speakers": Policy(),
    "public.speaker": Policy(),
    "public.topics": Policy(),
    "public.topic": Policy(),
    "requests.answered": Policy(),
    "public.feed": Policy(max_age="FEED_MAX_AGE", html=False),
    "public.sitemap_index": Policy(max_age="FEED_MAX_AGE", html=False),
    "public.sitemap_pages": Policy(max_age="FEED_MAX_AGE", html=False),
    "public.sitemap_claims": Policy(max_age="FEED_MAX_AGE", html=False),
    # streamed a piece at a time (a million claims never sit in memory): validated, not stored
    "public.claimreview_feed": Policy(max_age="FEED_MAX_AGE", html=False, store=False),
    "api.claims": Policy(max_age="API_MAX_AGE", html=False),
    "api.claim": Policy(max_age="API_MAX_AGE", html=False),
    "api.speakers": Policy(max_age="API_MAX_AGE", html=False),
    "api.speaker": Policy(max_age="API_MAX_AGE", html=False),
    "api.topics": Policy(max_age="API_MAX_AGE", html=False),
    "api.match": Policy(max_age="API_MAX_AGE", html=False),
    "api.openapi": Policy(max_age="API_MAX_AGE", html=False),
}
# Public pages with a session's own form (a CSRF token): never kept by anyone.
NO_STORE = frozenset({"requests.ask"})
# Headers a stored page keeps besides its body and type.
_KEPT_HEADERS = ("Content-Disposition", "Access-Control-Allow-Origin")


def init_app(app: Flask) -> None:
    """Hook the validators and the page cache into every request (they act on POLICIES endpoints only)."""
    public_changes.install()
    app.before_request(lambda: _before())
    app.after_request(_after)
    # run last of all (Flask runs these in reverse): Flask-Login reads the session after every request, which
    # would make Flask send "Vary: Cookie" on feeds and API answers that are the same for everyone
    app.after_request_funcs.setdefault(None, []).insert(0, _same_for_everyone)


def _release(app: Flask) -> str:
    """What else a page depends on: the code's templates and settings (a deploy or a new setting is a new key)."""
    found = app.extensions.get("public_release")
    if found:
        return found
    digest = hashlib.sha1()
    package = Path(__file__).resolve().parent.parent
    for folder in ("templates", "static", "public", "api", "services"):
        for path in sorted((package / folder).rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    for name in ("PUBLISHER_NAME", "PUBLISHER_URL", "VERDICT_SCALE", "PUBLIC_PAGE_SIZE", "RATING_ALIASES"):
        digest.update(repr(app.config.get(name)).encode())
    app.extensions["public_release"] = found = digest.hexdigest()[:10]
    return found


class PagesOnDisk(FileSystemCache):
    """cachelib's file store, pruned in bulk.

    Once full, cachelib's own pruning reads every file twice to remove just enough of them to get under the
    threshold, so every later store of a page does it again: at 20,000 entries each cache miss then cost seconds
    of a worker.  A full store is a normal state here, since every public change makes new keys and leaves the old
    entries behind.  This pruning reads the files once, removes the expired ones and then the oldest until a
    quarter of the room is free, and counts what is left: the scan comes once per quarter-threshold stores."""

    FREE_AFTER_PRUNE = 0.25

    def _prune(self) -> None:
        if not self._over_threshold():
            return
        now = time.time()
        entries: list[tuple[int, int, str]] = []
        for name in self._list_dir():
            try:
                with open(name, "rb") as handle:
                    written = os.fstat(handle.fileno()).st_mtime_ns
                    expires = struct.unpack("I", handle.read(4))[0]
            except FileNotFoundError:
                continue  # another worker removed it
            except (OSError, struct.error):
                expires, written = 1, 0  # unreadable or cut short: first to go
            entries.append((expires, written, name))
        # expired and soonest to expire (the oldest: one timeout for all) first; within one second (expiry is in
        # whole seconds), the first written
        entries.sort()
        keep = int(self._threshold * (1 - self.FREE_AFTER_PRUNE))
        removed = 0
        for expires, _written, name in entries:
            if len(entries) - removed <= keep and not (0 < expires < now):
                break
            try:
                os.remove(name)
            except FileNotFoundError:
                pass
            except OSError:
                continue
            removed += 1
        self._update_count(value=len(entries) - removed)


def page_cache(app: Flask):
    """The shared store of rendered pages (made on first use, once the instance folder is final); None when off."""
    if "public_page_cache" in app.extensions:
        return app.extensions["public_page_cache"]
    kind = str(app.config.get("PUBLIC_PAGE_CACHE") or "off").lower()
    timeout = int(app.config["PUBLIC_PAGE_CACHE_SECONDS"])
    cache = None
    if kind == "filesystem":
        folder = app.config.get("PUBLIC_PAGE_CACHE_DIR") or os.path.join(app.instance_path, "page-cache")
        cache = PagesOnDisk(folder, threshold=int(app.config["PUBLIC_PAGE_CACHE_MAX_ENTRIES"]),
                            default_timeout=timeout)
    elif kind == "redis":
        from flask_caching import Cache

        cache = Cache(config={"CACHE_TYPE": "RedisCache", "CACHE_DEFAULT_TIMEOUT": timeout,
                              "CACHE_REDIS_URL": app.config["PUBLIC_PAGE_CACHE_REDIS_URL"],
                              "CACHE_KEY_PREFIX": "claimtrack-page:"})
        cache.init_app(app)
    elif kind != "off":
        raise RuntimeError(f"PUBLIC_PAGE_CACHE is {kind!r}: use 'filesystem', 'redis' or 'off'")
    app.extensions["public_page_cache"] = cache
    return cache


def _personal() -> bool:
    """True when a page drawn with base.html would show this visitor something of their own."""
    if app_session_cookie() not in request.cookies:
        return False  # no cookie: nobody logged in, no flashed message; no query needed
    return bool(current_user.is_authenticated or session.get("_flashes"))


def app_session_cookie() -> str:
    return current_app.config.get("SESSION_COOKIE_NAME", "session")


def _cache_control(response: Response, policy: Policy) -> None:
    config = current_app.config
    response.headers["Cache-Control"] = (
        f"public, max-age={int(config[policy.max_age])}, "
        f"stale-while-revalidate={int(config['PUBLIC_STALE_WHILE_REVALIDATE'])}"
    )
    if policy.html:
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")


def validated(view: Callable) -> Callable:
    """Answer from the validators or the page cache before the view runs (for a POLICIES entry with in_view)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        return _before(in_view=True) or view(*args, **kwargs)

    return wrapper


def _before(in_view: bool = False) -> Response | None:
    policy = POLICIES.get(request.endpoint or "")
    if policy is None or request.method not in ("GET", "HEAD") or policy.in_view != in_view:
        return None
    if policy.html and _personal():
        g.public_cache = "private"
        return None
    # a connection of its own, not the request's ORM session: a 304 or a page-cache hit then never builds one
    with db.engine.connect() as connection:
        version = public_changes.current(connection)
    if version is None:
        return None
    app = current_app._get_current_object()
    etag = f"{_release(app)}-{version.generation}"
    if policy.html:
        etag += "-" + page_locale()  # the same page in another language is another representation
    g.public_cache = (policy, version, etag)
    if request.if_none_match:
        fresh = request.if_none_match.contains_weak(etag)
    else:
        fresh = request.if_modified_since is not None and version.changed_at <= request.if_modified_since
    if fresh:
        response = Response(status=304)
        _validators(response, policy, version, etag)
        g.public_cache_served = True
        return response
    cache = page_cache(app) if policy.store else None
    if cache is not None:
        stored = cache.get(_key(etag))
        if stored is not None:
            status, mimetype, data, headers = stored
            response = Response(data, status=status, mimetype=mimetype, headers=headers)
            _validators(response, policy, version, etag)
            response.headers["X-Page-Cache"] = "hit"
            g.public_cache_served = True
            return response
    return None


def _key(etag: str) -> str:
    return "p:" + hashlib.sha1(f"{etag}|{request.host}|{request.full_path}".encode()).hexdigest()


def _validators(response: Response, policy: Policy, version: public_changes.PublicVersion, etag: str) -> None:
    _cache_control(response, policy)
    response.set_etag(etag)
    response.last_modified = version.changed_at


def _same_for_everyone(response: Response) -> Response:
    policy = POLICIES.get(request.endpoint or "")
    if policy is not None and not policy.html and not session.modified:
        session.accessed = False
    return response


def _after(response: Response) -> Response:
    if request.endpoint in NO_STORE:
        response.headers["Cache-Control"] = "no-store"
    state: Any = g.pop("public_cache", None)
    if state is None or g.pop("public_cache_served", False):
        return response
    if state == "private":
        if response.status_code == 200:
            response.headers["Cache-Control"] = "private, no-cache"
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response
    policy, version, etag = state
    if response.status_code != 200:
        return response
    _validators(response, policy, version, etag)
    cache = page_cache(current_app._get_current_object()) if policy.store else None
    if cache is not None and not response.is_streamed and request.method == "GET":
        headers = {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers}
        cache.set(_key(etag), (response.status_code, response.mimetype, response.get_data(), headers))
        response.headers["X-Page-Cache"] = "miss"
    return response

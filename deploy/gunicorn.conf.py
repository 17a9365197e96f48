"""gunicorn settings for claimtrack: `gunicorn -c deploy/gunicorn.conf.py wsgi:app` (deploy/start.sh does it).

Every value can be changed by an environment variable without editing this file:
  CLAIMTRACK_BIND      address to listen on (default 127.0.0.1:8000; a reverse proxy in front serves the world)
  WEB_CONCURRENCY      worker processes (default 2 x CPU cores + 1)
  CLAIMTRACK_TIMEOUT   seconds a request may take before its worker is killed and replaced (default 60:
                       ingesting a long article by URL is the slowest request)
  CLAIMTRACK_ACCESS_LOG  where the access log goes ("-" = standard output, default)
The app's own log (one line per request with the user, database errors) goes to standard error.
"""

import multiprocessing
import os

bind = os.environ.get("CLAIMTRACK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"  # one request per worker at a time: the app and its database sessions are not async
timeout = int(os.environ.get("CLAIMTRACK_TIMEOUT", 60))
graceful_timeout = 30  # on restart or stop, a worker finishes the request it is serving
keepalive = 2
max_requests = 2000  # replace workers now and then, so a slow leak can never build up
max_requests_jitter = 200
limit_request_line = 8190
limit_request_field_size = 8190

# Build the app once in the master, then fork: every worker gets the same settings and SECRET_KEY, and the
# first run's instance/config.py is written once, not raced by several workers.
preload_app = True


def when_ready(server):
    """In the master, after the app is loaded and before any worker forks: load the semantic model (when
    SEMANTIC_ENABLED) so every worker shares one copy of it instead of loading its own."""
    if os.environ.get("CLAIMTRACK_SEMANTIC_PRELOAD", "true").lower() in ("0", "false", "no"):
        return
    app = server.app.wsgi()
    from claimtrack.semantic.service import preload

    from claimtrack.services.matching import semantic_index_dir

    with app.app_context():
        settings = app.extensions["match_settings"]
        loaded = preload(settings.semantic, semantic_index_dir(settings))
    if loaded:
        # torch and transformers bring ~hundreds of thousands of Python objects; a garbage collection in a worker
        # writes to each object's header and so copies every page they sit on.  Frozen objects are never
        # collected: the pages stay shared (bench/semantic_workers.py measures it).
        import gc

        gc.collect()
        gc.freeze()

accesslog = os.environ.get("CLAIMTRACK_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("CLAIMTRACK_GUNICORN_LOG_LEVEL", "info")
# Client address, time, request, status, bytes, milliseconds, referrer, user agent.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s"'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):  # noqa: ARG001
    """Drop database connections inherited from the master: a connection is never shared between processes."""
    import wsgi
    from claimtrack.db import db

    with wsgi.app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)

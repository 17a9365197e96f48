"""The worker: polls the monitored sources that are due, ingests their new articles and raises alerts.

`flask worker --once` runs what is due and stops; `flask worker` keeps going, sleeping between rounds.  Each
source is taken with a lease (services/monitoring.claim_due_feed); each item is committed on its own, so a run
killed in the middle keeps what it finished, and the items it had not reached are taken again next time (the
validators of a conditional GET are saved only at the end of a complete run).  One worker on SQLite; several on
PostgreSQL, where ``FOR UPDATE SKIP LOCKED`` lets them share the sources without running one twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Callable
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import FeedKind, MonitoredFeed
from .services import monitoring
from .webpage import XML_FEED_TYPES, FetchError, article_from_page, fetch

log = logging.getLogger("claimtrack.worker")


ROBOTS_AGENT = "claimtrack"
ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_KEEP_SECONDS = 3600


@dataclass
class PoliteFetcher:
    """The SSRF-safe fetcher with the instance's caps, waiting at least ``host_delay`` seconds between two
    requests to one host, and asking nothing a host's robots.txt disallows (RFC 9309: a robots.txt that is
    missing, 4xx, allows everything; one that cannot be read otherwise disallows everything until it can)."""

    allowed_networks: tuple[str, ...] = ()
    max_bytes: int = 5 * 1024 * 1024
    timeout: float = 10.0
    host_delay: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    _last: dict[str, float] = field(default_factory=dict)
    _robots: dict[str, tuple[float, object]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config) -> "PoliteFetcher":
        """The fetcher the instance's FETCH_* and FEED_HOST_DELAY_SECONDS settings describe."""
        return cls(allowed_networks=tuple(config["FETCH_ALLOWED_NETWORKS"]), max_bytes=int(config["FETCH_MAX_BYTES"]),
                   timeout=float(config["FETCH_TIMEOUT_SECONDS"]),
                   host_delay=float(config["FEED_HOST_DELAY_SECONDS"]))

    def __call__(self, url: str, **kwargs):
        """Fetch ``url`` (keyword arguments go to webpage.fetch) once robots.txt allows it; raise FetchError."""
        rules = self._robots_of(url)
        if not rules.can_fetch(ROBOTS_AGENT, url):
            raise FetchError("The site's robots.txt does not allow fetching this address.")
        return self._polite_fetch(url, **kwargs)

    def _robots_of(self, url: str):
        from urllib.robotparser import RobotFileParser

        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        kept = self._robots.get(origin)
        if kept is not None and time.monotonic() - kept[0] < ROBOTS_KEEP_SECONDS:
            return kept[1]
        rules = RobotFileParser()
        try:
            page = self._polite_fetch(origin + "/robots.txt", max_bytes=ROBOTS_MAX_BYTES)
        except FetchError as error:
            if "(HTTP 4" not in str(error):
                raise FetchError(f"The site's robots.txt could not be read ({error}); tried again later.") from None
            rules.parse([])                       # no robots.txt: everything is allowed
        else:
            from .webpage import decode_text

            try:
                rules.parse(decode_text(page.body, page.charset).splitlines() if page.body.strip() else [])
            except FetchError:
                rules.parse([])
        self._robots[origin] = (time.monotonic(), rules)
        return rules

    def _polite_fetch(self, url: str, **kwargs):
        host = (urlsplit(url).hostname or "").lower()
        wait = self._last.get(host, float("-inf")) + self.host_delay - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        try:
            return fetch(url, allowed_networks=self.allowed_networks, timeout=self.timeout,
                         **{"max_bytes": self.max_bytes, **kwargs})
        finally:
            self._last[host] = time.monotonic()


@dataclass(frozen=True)
class RunSettings:
    """What a run needs from the instance's settings."""

    lease_seconds: float
    max_items: int
    max_candidates: int
    matches_per_candidate: int
    match_settings: object

    @classmethod
    def from_app(cls, app: Flask) -> "RunSettings":
        """The settings of ``app`` (FEED_*, ARTICLE_MAX_CANDIDATES, the ingest match settings)."""
        config = app.config
        return cls(lease_seconds=float(config["FEED_LEASE_SECONDS"]), max_items=int(config["FEED_MAX_ITEMS_PER_RUN"]),
                   max_candidates=int(config["ARTICLE_MAX_CANDIDATES"]),
                   matches_per_candidate=int(config["INGEST_MATCHES_PER_CANDIDATE"]),
                   match_settings=app.extensions["ingest_match_settings"])


@dataclass
class RunReport:
    """What one source's run did."""

    feed_id: int
    listed: int = 0
    ingested: int = 0
    known: int = 0
    failed: int = 0
    alerts: int = 0
    not_modified: bool = False
    error: str | None = None


def run_feed(session: Session, feed: MonitoredFeed, fetcher: PoliteFetcher, settings: RunSettings) -> RunReport:
    """Poll one source the caller holds (claim_due_feed, committed): fetch its list, then each new item,
    committing item by item; finish the run (lease released, next poll scheduled) and commit."""
    report = RunReport(feed_id=feed.id)
    page = None
    child_failures: list[str] = []
    try:
        if feed.kind != FeedKind.URLS:
            page = fetcher(feed.url, content_types=XML_FEED_TYPES, etag=feed.etag, last_modified=feed.last_modified)
            report.not_modified = page.status == 304
        children = monitoring.child_sitemaps(feed, page)
        child_pages = []
        for child in children:   # a sitemap index: its newest child sitemaps, through the same fetcher
            try:
                child_pages.append(fetcher(child, content_types=XML_FEED_TYPES))
            except FetchError as error:
                child_failures.append(f"{child}: {error}")
        if children and not child_pages:
            raise FetchError(f"None of the sitemap index's {len(children)} sitemap(s) could be fetched, for example "
                             f"{child_failures[0]}")
        addresses = monitoring.item_addresses(feed, page, child_pages)
    except FetchError as error:
        report.error = str(error)
        monitoring.finish_run(session, feed, report.error, page=None)
        session.commit()
        return report
    report.listed = len(addresses)
    todo = monitoring.items_to_fetch(session, feed, addresses)
    left_over = len(todo) > settings.max_items
    same = settings.match_settings.thresholds.same_claim
    first_failure: str | None = None
    for url in todo[:settings.max_items]:
        known = monitoring.known_article(session, url)
        if known is not None:
            monitoring.record_known_item(session, feed, url, known)
            report.known += 1
        else:
            try:
                fetched = fetcher(url)
                article_text = article_from_page(fetched)
                if not article_text.url:
                    article_text = replace(article_text, url=url)
            except FetchError as error:
                monitoring.record_item_error(session, feed, url, str(error))
                report.failed += 1
                first_failure = first_failure or f"{url}: {error}"
                left_over = True    # tried again next time: the next GET of the list must be full
            else:
                try:
                    _, created, raised = monitoring.ingest_item(
                        session, feed, url, article_text, settings.match_settings, settings.max_candidates,
                        settings.matches_per_candidate, same)
                except IntegrityError:
                    # another worker stored the same article (listed by another source) a moment ago
                    session.rollback()
                    known = monitoring.known_article(session, article_text.url or url)
                    if known is None:
                        raise
                    monitoring.record_known_item(session, feed, url, known)
                    created, raised = False, 0
                report.ingested += int(created)
                report.known += int(not created)
                report.alerts += raised
        monitoring.renew_lease(feed, settings.lease_seconds)
        session.commit()
    problems = []
    if child_failures:
        problems.append(f"{len(child_failures)} sitemap(s) of the index could not be fetched, for example "
                        f"{child_failures[0]}.")
    if report.failed:
        problems.append(f"{report.failed} item(s) could not be fetched, for example {first_failure}; they are tried "
                        "again.")
    # An index's own validators are not kept: its child sitemaps change while it stays the same.
    monitoring.finish_run(session, feed, " ".join(problems) or None, page=page,
                          keep_validators=not left_over and not children)
    session.commit()
    return report


def run_due(app: Flask, session: Session, fetcher: PoliteFetcher | None = None,
            limit: int | None = None) -> list[RunReport]:
    """Run every source that is due now, once each (at most ``limit``); a run that crashes is logged, rolled
    back and left to its lease, so it is taken again later."""
    settings = RunSettings.from_app(app)
    fetcher = fetcher or PoliteFetcher.from_config(app.config)
    reports: list[RunReport] = []
    tried: list[int] = []
    while limit is None or len(tried) < limit:
        feed = monitoring.claim_due_feed(session, settings.lease_seconds, exclude=tried)
        if feed is None:
            session.rollback()
            break
        session.commit()
        tried.append(feed.id)
        try:
            reports.append(run_feed(session, feed, fetcher, settings))
        except Exception:  # noqa: BLE001 - a crashed run must not stop the others; its lease brings it back
            log.exception("monitored source %s: the run crashed", feed.id)
            session.rollback()
            reports.append(RunReport(feed_id=feed.id, error="the run crashed"))
    return reports


@dataclass
class NotifyReport:
    """What one notification pass did: digests written, messages sent and failed, whether SMTP is configured."""

    digests: int = 0
    sent: int = 0
    failed: int = 0
    error: str | None = None
    enabled: bool = False


def notify_pass(app: Flask, session: Session) -> NotifyReport:
    """Write the alert digests of the alerts raised since the last pass (one message per person, and a post to
    their webhook), then deliver the outbox's due messages (no e-mail when SMTP_HOST is not set: they wait)."""
    from .services import notifications

    report = NotifyReport()
    settings = notifications.SmtpSettings.from_config(app.config)
    report.enabled = settings.enabled
    try:
        report.digests = notifications.alert_digests(session)
        session.commit()
        delivery = notifications.deliver_due(session, settings)  # webhooks only, without SMTP_HOST
        report.sent, report.failed, report.error = delivery.sent, delivery.failed, delivery.error
    except Exception:  # noqa: BLE001 - a crashed pass must not stop the worker; the outbox keeps every message
        log.exception("notifications: the pass crashed")
        session.rollback()
        report.error = "the pass crashed"
    return report

"""Monitored sources and alerts: the feeds, sitemaps and URL lists the worker polls, the items they list, and the
alerts raised when a monitored article repeats a published claim.

Every function takes a Session, flushes and never commits: the worker (claimtrack/worker.py) and the editor
views commit.  No fetching here either: the worker fetches, these functions read what it fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable, Sequence
from urllib.parse import urldefrag, urljoin, urlsplit
from xml.etree import ElementTree

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..models import (
    Alert,
    AlertStatus,
    Appearance,
    Article,
    AuditEvent,
    FeedItem,
    FeedKind,
    MonitoredFeed,
    User,
    VerdictStatus,
)
from ..webpage import ArticleText, FetchError, Page, decode_text
from . import ingest as ingest_service
from ..translatable import Text as _l

# An item whose fetch failed is tried again on later polls, this many times in all.
MAX_ITEM_ATTEMPTS = 3
# Addresses one source may list (a list of URLs, a sitemap); the rest are ignored.
MAX_LISTED = 5000
# Child sitemaps of a sitemap index fetched on one poll (the most recently modified first).
MAX_CHILD_SITEMAPS = 10
MIN_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES = 5, 7 * 24 * 60
KIND_LABELS = {FeedKind.FEED: "RSS or Atom feed", FeedKind.SITEMAP: "News sitemap", FeedKind.URLS: "List of URLs"}


class FeedInputError(ValueError):
    """A source that cannot be saved as given (the message is for the editor)."""


@dataclass(frozen=True)
class FeedInput:
    """What an editor types for a monitored source."""

    name: str
    kind: str
    url: str | None = None
    urls: str | None = None
    publisher: str | None = None
    interval_minutes: int = 30


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _audit(session: Session, user: User | None, action: str, object_type: str, object_id: int, **details) -> None:
    session.add(AuditEvent(user_id=user.id if user else None, action=action, object_type=object_type,
                           object_id=object_id, details=details or None))


def web_address(value: str, base: str | None = None) -> str | None:
    """An http(s) address, made absolute against ``base`` and without its #fragment; None when it is not one."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        address = urldefrag(urljoin(base, value) if base else value)[0]
        parts = urlsplit(address)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(address) > 2048:
        return None
    return address


def listed_urls(text: str | None) -> list[str]:
    """The addresses of a URL list, one a line, in order, each once (blank lines and # comments skipped)."""
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            address = web_address(line)
            if address is None:
                raise FeedInputError(_l("%(line)s is not an http:// or https:// address.", line=repr(line[:100])))
            seen.setdefault(address, None)
    return list(seen)[:MAX_LISTED]


def _clean(data: FeedInput) -> dict:
    name = " ".join((data.name or "").split())[:200]
    if not name:
        raise FeedInputError(_l("Give the source a name."))
    try:
        kind = FeedKind(data.kind)
    except ValueError:
        raise FeedInputError(_l("Choose a feed, a sitemap or a list of URLs.")) from None
    interval = int(data.interval_minutes)
    if not MIN_INTERVAL_MINUTES <= interval <= MAX_INTERVAL_MINUTES:
        raise FeedInputError(_l("The interval must be between %(minimum)s minutes and 7 days.",
                                 minimum=MIN_INTERVAL_MINUTES))
    url = urls = None
    if kind == FeedKind.URLS:
        addresses = listed_urls(data.urls)
        if not addresses:
            raise FeedInputError(_l("Give at least one article address, one a line."))
        urls = "\n".join(addresses)
    else:
        url = web_address(data.url or "")
        if url is None:
            raise FeedInputError(_l("Give the feed's or sitemap's full http:// or https:// address."))
    publisher = " ".join((data.publisher or "").split())[:200] or None
    return {"name": name, "kind": kind, "url": url, "urls": urls, "publisher": publisher,
            "interval_minutes": interval}


def create_feed(session: Session, data: FeedInput, user: User) -> MonitoredFeed:
    """Add a monitored source; it is due at once."""
    ingest_service.require_editor(user)
    feed = MonitoredFeed(**_clean(data), created_by_id=user.id, next_run_at=_now(), paused=False, runs=0,
                         items_seen=0, articles_ingested=0, item_errors=0, alerts_raised=0)
    session.add(feed)
    session.flush()
    _audit(session, user, "feed.create", "feed", feed.id, name=feed.name, kind=feed.kind.value)
    session.flush()
    return feed


def update_feed(session: Session, feed: MonitoredFeed, data: FeedInput, user: User) -> MonitoredFeed:
    """Change a source; a new address forgets the old one's validators (the next poll is a full GET)."""
    ingest_service.require_editor(user)
    values = _clean(data)
    if values["url"] != feed.url or values["kind"] != feed.kind:
        feed.etag = feed.last_modified = None
    changed = sorted(key for key, value in values.items() if getattr(feed, key) != value)
    for key, value in values.items():
        setattr(feed, key, value)
    _audit(session, user, "feed.update", "feed", feed.id, changed=changed)
    session.flush()
    return feed


def set_paused(session: Session, feed: MonitoredFeed, paused: bool, user: User) -> None:
    """Pause a source (the worker skips it) or resume it (due at once)."""
    ingest_service.require_editor(user)
    feed.paused = paused
    if not paused:
        feed.next_run_at = _now()
    _audit(session, user, "feed.pause" if paused else "feed.resume", "feed", feed.id)
    session.flush()


def list_feeds():
    """Select every monitored source, by name."""
    return select(MonitoredFeed).order_by(func.lower(MonitoredFeed.name), MonitoredFeed.id)


# --- the worker's side ----------------------------------------------------------------------------------------


def claim_due_feed(session: Session, lease_seconds: float, now: datetime | None = None,
                   exclude: Iterable[int] = ()) -> MonitoredFeed | None:
    """Take the source that has waited longest among those due and not held by another worker: lock its row
    (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so a second worker passes over it rather than waiting) and hold it
    with a lease until ``now + lease_seconds``.  The caller commits at once, which publishes the lease; a worker
    killed mid-run leaves the lease to run out, and the source is taken again."""
    now = now or _now()
    query = (
        select(MonitoredFeed)
        .where(MonitoredFeed.paused.is_(False), MonitoredFeed.next_run_at <= now,
               or_(MonitoredFeed.lease_until.is_(None), MonitoredFeed.lease_until < now))
        .order_by(MonitoredFeed.next_run_at, MonitoredFeed.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    exclude = list(exclude)
    if exclude:
        query = query.where(MonitoredFeed.id.not_in(exclude))
    feed = session.scalars(query).first()
    if feed is None:
        return None
    feed.lease_until = now + timedelta(seconds=lease_seconds)
    feed.last_fetch_at = now
    feed.runs = (feed.runs or 0) + 1
    session.flush()
    return feed


def renew_lease(feed: MonitoredFeed, lease_seconds: float, now: datetime | None = None) -> None:
    """Keep holding a source while its run goes on (called between items)."""
    feed.lease_until = (now or _now()) + timedelta(seconds=lease_seconds)


def finish_run(session: Session, feed: MonitoredFeed, error: str | None, page: Page | None = None,
               keep_validators: bool = True, now: datetime | None = None) -> None:
    """End a run: release the lease, schedule the next poll, keep the error (or clear it) and the validators of
    the answer for the next conditional GET (not when items were left for later: the next GET must be full)."""
    now = now or _now()
    feed.lease_until = None
    feed.next_run_at = now + timedelta(minutes=feed.interval_minutes)
    feed.last_error = error[:2000] if error else None
    if error is None:
        feed.last_success_at = now
    if page is not None and page.status != 304:
        feed.etag = page.etag if keep_validators else None
        feed.last_modified = page.last_modified if keep_validators else None
    session.flush()


def item_addresses(feed: MonitoredFeed, page: Page | None, child_pages: Sequence[Page] = ()) -> list[str]:
    """The article addresses a source lists now, newest first as the source gives them; raise FetchError when
    its document is not a feed or sitemap.  For a sitemap index (``child_sitemaps``), ``child_pages`` are the
    child sitemaps the worker fetched: their addresses, in the order of the children."""
    if feed.kind == FeedKind.URLS:
        return listed_urls(feed.urls)
    if page is None or page.status == 304:
        return []
    base = page.url or feed.url
    if feed.kind == FeedKind.FEED:
        import feedparser

        parsed = feedparser.parse(page.body, response_headers={"content-location": base})
        if not parsed.entries and (parsed.bozo or not parsed.version):
            raise FetchError(_l("The address does not give an RSS or Atom feed."))
        pairs = [(entry.get("link") or "", base) for entry in parsed.entries]
    else:
        tag, locs = _sitemap_locs(page)
        if tag == "sitemapindex":
            pairs = []
            for child in child_pages:
                child_tag, child_locs = _sitemap_locs(child)
                if child_tag != "urlset":   # an index of indexes: one level is followed, no more
                    continue
                pairs.extend((loc, child.url or base) for loc, _ in child_locs)
        else:
            pairs = [(loc, base) for loc, _ in locs]
    seen: dict[str, None] = {}
    for link, link_base in pairs:
        address = web_address(link, link_base)
        if address is not None:
            seen.setdefault(address, None)
    return list(seen)[:MAX_LISTED]


def child_sitemaps(feed: MonitoredFeed, page: Page | None, limit: int = MAX_CHILD_SITEMAPS) -> list[str]:
    """When a sitemap source's document is a sitemap index (``<sitemapindex>``), the addresses of the child
    sitemaps the worker should fetch: at most ``limit``, those with the latest ``<lastmod>`` first (news sitemaps
    are usually one a day), then in the index's order; an empty list for anything else.  Raise FetchError when the
    document is not a sitemap."""
    if feed.kind != FeedKind.SITEMAP or page is None or page.status == 304:
        return []
    tag, locs = _sitemap_locs(page)
    if tag != "sitemapindex":
        return []
    base = page.url or feed.url
    children: dict[str, str] = {}
    for loc, lastmod in locs:
        address = web_address(loc, base)
        if address is not None:
            children.setdefault(address, lastmod)
    # ISO 8601 dates sort as text (a stable sort keeps the index's order among equals); undated children last
    dated = [address for address, _ in sorted(((a, m) for a, m in children.items() if m), key=lambda p: p[1],
                                              reverse=True)]
    undated = [address for address, lastmod in children.items() if not lastmod]
    return (dated + undated)[:limit]


def _sitemap_locs(page: Page) -> tuple[str, list[tuple[str, str]]]:
    """The root element's name (``urlset`` or ``sitemapindex``) and each entry's ``<loc>`` with its ``<lastmod>``
    (empty when it has none); raise FetchError when the document is not an XML sitemap."""
    text = decode_text(page.body, page.charset)
    if "<!DOCTYPE" in text[:4096].upper() or "<!ENTITY" in text.upper():
        raise FetchError(_l("The sitemap declares a DTD or entities; claimtrack does not read those."))
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError:
        raise FetchError(_l("The address does not give an XML sitemap.")) from None
    tag = root.tag.rsplit("}", 1)[-1]
    if tag not in ("urlset", "sitemapindex"):
        raise FetchError(_l("The address does not give an XML sitemap (no <urlset> or <sitemapindex>)."))
    entries = []
    for entry in root:
        loc = lastmod = ""
        for element in entry:    # the entry's own <loc>, not an <image:loc> inside it
            name = element.tag.rsplit("}", 1)[-1]
            if name == "loc" and not loc:
                loc = (element.text or "").strip()
            elif name == "lastmod" and not lastmod:
                lastmod = (element.text or "").strip()
        if loc:
            entries.append((loc, lastmod))
    return tag, entries


def items_to_fetch(session: Session, feed: MonitoredFeed, addresses: Sequence[str]) -> list[str]:
    """The listed addresses not handled yet: never seen, or failed fewer than MAX_ITEM_ATTEMPTS times."""
    if not addresses:
        return []
    done: set[str] = set()
    for chunk_start in range(0, len(addresses), 500):
        chunk = list(addresses[chunk_start:chunk_start + 500])
        done.update(session.scalars(select(FeedItem.url).where(
            FeedItem.feed_id == feed.id, FeedItem.url.in_(chunk),
            or_(FeedItem.article_id.is_not(None), FeedItem.attempts >= MAX_ITEM_ATTEMPTS))))
    return [address for address in addresses if address not in done]


def known_article(session: Session, url: str) -> Article | None:
    """The article already stored under this address (pasted or from another source), if any."""
    return session.scalar(select(Article).where(Article.url == url).limit(1))


def _item(session: Session, feed: MonitoredFeed, url: str) -> FeedItem:
    item = session.scalar(select(FeedItem).where(FeedItem.feed_id == feed.id, FeedItem.url == url))
    if item is None:
        item = FeedItem(feed_id=feed.id, url=url, attempts=0)
        session.add(item)
        feed.items_seen = (feed.items_seen or 0) + 1
    return item


def record_item_error(session: Session, feed: MonitoredFeed, url: str, error: str) -> FeedItem:
    """An item that could not be fetched or read: kept with its reason, tried again on later polls."""
    item = _item(session, feed, url)
    item.attempts = (item.attempts or 0) + 1
    item.error = error[:2000]
    feed.item_errors = (feed.item_errors or 0) + 1
    session.flush()
    return item


def record_known_item(session: Session, feed: MonitoredFeed, url: str, article: Article) -> FeedItem:
    """An item whose article is already stored: remembered, not fetched or matched again."""
    item = _item(session, feed, url)
    item.article_id, item.error = article.id, None
    item.attempts = (item.attempts or 0) + 1
    session.flush()
    return item


def ingest_item(session: Session, feed: MonitoredFeed, url: str, article_text: ArticleText, match_settings,
                max_candidates: int, matches_per_candidate: int, same_claim: float) -> tuple[Article, bool, int]:
    """Ingest a fetched item as an article (recognised by URL or content hash), match its candidates and raise
    an alert for each same-claim match to a published claim; return the article, whether it was new, and the
    number of alerts raised."""
    if feed.publisher and not article_text.publisher:
        from dataclasses import replace

        article_text = replace(article_text, publisher=feed.publisher)
    article, created = ingest_service.ingest_article(session, article_text, None, max_candidates)
    item = _item(session, feed, url)
    item.article_id, item.error = article.id, None
    item.attempts = (item.attempts or 0) + 1
    raised = 0
    if created:
        feed.articles_ingested = (feed.articles_ingested or 0) + 1
        appearances = ingest_service.article_appearances(session, article.id)
        matches = ingest_service.matches_for(session, appearances, match_settings, matches_per_candidate)
        raised = raise_alerts(session, appearances, matches, feed, same_claim)
    session.flush()
    return article, created, raised


def raise_alerts(session: Session, appearances: Sequence[Appearance], matches: dict, feed: MonitoredFeed | None,
                 same_claim: float) -> int:
    """An alert for each kept match in the same-claim band whose claim's verdict is published; return how many."""
    raised = 0
    for appearance in appearances:
        for match in matches.get(appearance.id, []):
            if match.score < same_claim or match.status != VerdictStatus.PUBLISHED.value:
                continue
            exists = session.scalar(select(Alert.id).where(Alert.appearance_id == appearance.id,
                                                           Alert.claim_id == match.claim_id))
            if exists is None:
                session.add(Alert(appearance_id=appearance.id, claim_id=match.claim_id,
                                  feed_id=feed.id if feed else None, score=match.score, status=AlertStatus.OPEN))
                raised += 1
    if feed is not None:
        feed.alerts_raised = (feed.alerts_raised or 0) + raised
    session.flush()
    return raised


# --- the editors' side of alerts ------------------------------------------------------------------------------


def open_alerts(offset: int = 0, limit: int = 50):
    """Select the alerts waiting for a decision, newest first, with their candidate, article, claim and source."""
    return (
        select(Alert)
        .where(Alert.status == AlertStatus.OPEN)
        .options(selectinload(Alert.appearance).selectinload(Appearance.article),
                 selectinload(Alert.claim), selectinload(Alert.feed))
        .order_by(Alert.created_at.desc(), Alert.id.desc())
        .offset(offset).limit(limit)
    )


def count_open_alerts(session: Session) -> int:
    """How many alerts wait for a decision."""
    return session.scalar(select(func.count()).select_from(Alert).where(Alert.status == AlertStatus.OPEN)) or 0


def _decide(alert: Alert, user: User, status: AlertStatus) -> None:
    if alert.status != AlertStatus.OPEN:
        raise ingest_service.DecisionError(_l("This alert was already confirmed.") if alert.status == AlertStatus.CONFIRMED
                                           else _l("This alert was already dismissed."))
    alert.status = status
    alert.decided_by_id = user.id
    alert.decided_at = _now()


def confirm_alert(session: Session, alert: Alert, user: User) -> None:
    """The article does repeat the claim: link the appearance to it with the stance "repeats"."""
    ingest_service.require_editor(user)
    _decide(alert, user, AlertStatus.CONFIRMED)
    ingest_service.link_appearance(session, alert.appearance, alert.claim_id, user)
    _audit(session, user, "alert.confirm", "alert", alert.id, appearance_id=alert.appearance_id,
           claim_id=alert.claim_id)
    session.flush()


def dismiss_alert(session: Session, alert: Alert, user: User) -> None:
    """Not a repeat of the claim: the alert is closed; the candidate stays on its article's review screen."""
    ingest_service.require_editor(user)
    _decide(alert, user, AlertStatus.DISMISSED)
    _audit(session, user, "alert.dismiss", "alert", alert.id, appearance_id=alert.appearance_id,
           claim_id=alert.claim_id)
    session.flush()


"""Getting an article's text: fetching a URL safely, and reading HTML or text files.

Fetching refuses private, loopback, link-local (cloud metadata) and other non-global
addresses unless the instance allows a network: the host is resolved once, every
address it resolves to is checked, and the connection goes to the checked address
(so a DNS answer cannot change between the check and the request).  Every redirect
is checked the same way.  Timeouts, a size cap and a content-type check bound the
work a hostile page can cause.  No Flask here: settings are passed in.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Iterable
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3
from .translatable import Text, Text as _l

TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
# A partner's ClaimReview feed or a claims:search answer, besides fact-check pages.
FEED_TYPES = TEXT_TYPES + ("application/json", "application/ld+json", "application/x-ndjson",
                           "application/jsonl", "text/json")
# News feeds and sitemaps (the monitored sources), besides the page types.
XML_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
                  "application/rdf+xml", "application/x-rss+xml")
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "claimtrack/1.0 (fact-check claim tracker)"


class FetchError(Exception):
    """A URL or file that cannot be turned into an article; the message is for the editor."""


@dataclass(frozen=True)
class Page:
    """What a fetch or an upload produced: bytes with their type."""

    url: str | None
    content_type: str
    body: bytes
    charset: str | None = None
    # 304 when a conditional GET found the page unchanged (the body is then empty); the validators the server
    # gave, for the next conditional GET.
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class ArticleText:
    """An article's main text and metadata, as extracted."""

    text: str
    title: str | None = None
    byline: str | None = None
    publisher: str | None = None
    published_on: date | None = None
    url: str | None = None
    lang: str | None = None  # given by the editor (ISO 639-1); None: detected from the text at ingest


# IPv6 ranges whose last 32 bits are an IPv4 address that a host or gateway may connect to: IPv4-translated
# (SIIT), the NAT64 well-known prefix, and the deprecated IPv4-compatible form.  Python calls most of them
# "global" whatever IPv4 address they carry, so the address inside is checked as well.
_EMBEDS_IPV4 = tuple(ipaddress.ip_network(n) for n in ("::ffff:0:0:0/96", "64:ff9b::/96", "::/96"))


def _embedded_ipv4(address: ipaddress._BaseAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, translated, NAT64, compatible, 6to4, Teredo), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _EMBEDS_IPV4):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _allowed(address: ipaddress._BaseAddress, allowed_networks: Iterable[ipaddress._BaseNetwork]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:a.b.c.d is a.b.c.d on a dual-stack socket
    inner = _embedded_ipv4(address)
    if inner is not None and not _allowed(inner, allowed_networks):
        return False
    if any(address in network for network in allowed_networks):
        return True
    return address.is_global and not address.is_multicast


def resolve_public(host: str, port: int, allowed_networks: Iterable[str] = ()) -> str:
    """The first address of ``host`` after checking that none of its addresses is private; raise FetchError."""
    networks = [ipaddress.ip_network(n, strict=False) for n in allowed_networks]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(_l("The address %(host)s could not be found.", host=repr(host))) from None
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not _allowed(address, networks):
            raise FetchError(_l("%(host)s points to a private or local network address (%(address)s); claimtrack "
                                "does not fetch those.", host=host, address=str(address)))
        addresses.append(str(address))
    if not addresses:
        raise FetchError(_l("The address %(host)s could not be found.", host=repr(host)))
    return addresses[0]


class _Watchdog:
    """One deadline for a whole fetch, headers included: when it passes, the sockets of the connections opened
    for this fetch are shut down, so a page that trickles its headers a byte at a time cannot hold a worker (a
    read timeout alone restarts at every byte)."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.fired = False
        self.connections: list = []
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        for conn in list(self.connections):
            sock = getattr(conn, "sock", None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cancel(self) -> None:
        self._timer.cancel()

    def pool(self, cls, *args, **kwargs):
        """A connection pool of ``cls`` whose new connections this watchdog can cut."""
        watchdog = self

        class Watched(cls):
            def _new_conn(self):
                conn = super()._new_conn()
                watchdog.connections.append(conn)
                return conn

        return Watched(*args, **kwargs)


def fetch(
    url: str,
    *,
    allowed_networks: Iterable[str] = (),
    max_bytes: int = 5 * 1024 * 1024,
    timeout: float = 10.0,
    max_redirects: int = 5,
    content_types: Iterable[str] = TEXT_TYPES,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Page:
    """Fetch an http(s) URL safely (see the module docstring); raise FetchError with a message for the editor.

    With ``etag`` or ``last_modified`` (what an earlier answer gave) the GET is conditional: an unchanged page
    comes back as a Page with status 304 and no body."""
    allowed = list(allowed_networks)
    deadline = time.monotonic() + timeout * 2
    watchdog = _Watchdog(deadline)
    try:
        conditional = {}
        if etag:
            conditional["If-None-Match"] = _header_value(etag)
        if last_modified:
            conditional["If-Modified-Since"] = _header_value(last_modified)
        page = _fetch(url.strip(), allowed, max_bytes, timeout, max_redirects, deadline, watchdog,
                      tuple(content_types), conditional)
        if watchdog.fired:      # what arrived before the cut is a truncated page, not the page
            raise FetchError(_l("The page took too long to load."))
        return page
    except (urllib3.exceptions.HTTPError, OSError, FetchError) as error:
        if watchdog.fired:
            raise FetchError(_l("The page took too long to load.")) from None
        if isinstance(error, FetchError):
            raise
        raise FetchError(_l("The page could not be reached.")) from None
    finally:
        watchdog.cancel()


def _fetch(current: str, allowed: list, max_bytes: int, timeout: float, max_redirects: int, deadline: float,
           watchdog: _Watchdog, content_types: tuple[str, ...] = TEXT_TYPES,
           conditional: dict[str, str] | None = None) -> Page:
    for _ in range(max_redirects + 1):
        parts, port, ip = _checked_target(current, allowed)
        pool, path, host_header = _connection(parts, port, ip, timeout, watchdog)
        accept = ("text/html,application/xhtml+xml,text/plain;q=0.9" if content_types == TEXT_TYPES
                  else ",".join(content_types) + ";q=0.9,*/*;q=0.1")
        try:
            response = pool.urlopen(
                "GET", path, headers={"Host": host_header, "User-Agent": USER_AGENT, "Accept": accept,
                                      **(conditional or {})},
                redirect=False, preload_content=False, assert_same_host=False,
            )
        except urllib3.exceptions.TimeoutError:
            raise FetchError(_l("The page did not answer in time.")) from None
        except urllib3.exceptions.SSLError:
            raise FetchError(_l("The page's secure connection (TLS certificate) could not be verified.")) from None
        except urllib3.exceptions.HTTPError:
            raise FetchError(_l("The page could not be reached.")) from None
        try:
            if response.status in REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(_l("The page redirects without saying where."))
                try:
                    current = urljoin(current, location)
                except ValueError:
                    raise FetchError(_l("The page redirects to an address that is not valid.")) from None
                continue
            validators = {"etag": _header_value(response.headers.get("ETag")) or None,
                          "last_modified": _header_value(response.headers.get("Last-Modified")) or None}
            if response.status == 304 and conditional:
                return Page(url=current, content_type="", body=b"", status=304, **validators)
            if response.status >= 400 or response.status == 304:
                raise FetchError(_l("The page answered with an error (HTTP %(status)s).", status=response.status))
            content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if content_type not in content_types:
                raise FetchError(_wrong_type(content_types, content_type))
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(_l("The page is larger than %(size)s MB.", size=max_bytes // (1024 * 1024)))
            body = bytearray()
            try:
                # read1 returns what has arrived, so a page that trickles bytes still meets the deadline.
                while chunk := response.read1(65536):
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        raise FetchError(_l("The page is larger than %(size)s MB.", size=max_bytes // (1024 * 1024)))
                    if time.monotonic() > deadline:
                        raise FetchError(_l("The page took too long to load."))
            except urllib3.exceptions.TimeoutError:
                raise FetchError(_l("The page did not answer in time.")) from None
            except urllib3.exceptions.HTTPError:
                raise FetchError(_l("The page could not be read completely.")) from None
            return Page(url=current, content_type=content_type, body=bytes(body), charset=_charset(response),
                        **validators)
        finally:
            # close() rather than release_conn(): releasing would first drain what a hostile page still sends.
            response.close()
            pool.close()
    raise FetchError(_l("The page redirects more than %(count)s times.", count=max_redirects))


def _wrong_type(expected: tuple[str, ...], found: str) -> Text:
    """Why a page of another type is refused, naming what was expected."""
    if not found:
        return (_l("The page is not an HTML or text page (it is of unknown type).") if expected == TEXT_TYPES
                else _l("The page is not a news feed or sitemap (it is of unknown type).")
                if expected == XML_FEED_TYPES
                else _l("The page is not an HTML page or a JSON feed (it is of unknown type)."))
    return (_l("The page is not an HTML or text page (it is %(type)s).", type=found) if expected == TEXT_TYPES
            else _l("The page is not a news feed or sitemap (it is %(type)s).", type=found)
            if expected == XML_FEED_TYPES
            else _l("The page is not an HTML page or a JSON feed (it is %(type)s).", type=found))


def _checked_target(url: str, allowed: list, verb: str = "fetched") -> tuple:
    """The parts, port and checked address of an http(s) URL (the fetcher's and the webhook's one check);
    raise FetchError saying what is refused (``verb``: what is done with the address)."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # "http://[::1/" and the like: urlsplit refuses them
        raise FetchError(_l("The address is not a valid web address.")) from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise FetchError(_l("Only http:// and https:// addresses can be fetched.") if verb == "fetched"
                         else _l("Only http:// and https:// addresses can be used."))
    if parts.username or parts.password:
        raise FetchError(_l("Addresses with a user name or password are not fetched.") if verb == "fetched"
                         else _l("Addresses with a user name or password are not used."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError(_l("The address has an invalid port.")) from None
    return parts, port, resolve_public(hostname, port, allowed)


def _connection(parts, port: int, ip: str, timeout: float, watchdog: _Watchdog) -> tuple:
    """A pool to the checked address (TLS verified against the URL's host name), the request path and the Host
    header: the fetcher's and the webhook's one way to connect."""
    timeouts = urllib3.Timeout(connect=min(5.0, timeout), read=timeout)
    if parts.scheme == "https":
        pool = watchdog.pool(
            urllib3.HTTPSConnectionPool, ip, port, timeout=timeouts, retries=False, server_hostname=parts.hostname,
            assert_hostname=parts.hostname, cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(),
        )
    else:
        pool = watchdog.pool(urllib3.HTTPConnectionPool, ip, port, timeout=timeouts, retries=False)
    path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    return pool, path, host_header


def post_json(url: str, body: bytes, *, allowed_networks: Iterable[str] = (), timeout: float = 10.0) -> int:
    """POST a JSON body to a webhook with the fetcher's safety: the host resolved once and refused when any of its
    addresses is private or local (unless ``allowed_networks`` allows it), the connection made to the checked
    address, no redirect followed, one deadline.  Returns the status; raise FetchError for a refusal, a failure
    or an answer of 300 or more."""
    allowed = list(allowed_networks)
    watchdog = _Watchdog(time.monotonic() + timeout * 2)
    try:
        parts, port, ip = _checked_target(url.strip(), allowed, "used")
        pool, path, host_header = _connection(parts, port, ip, timeout, watchdog)
        try:
            response = pool.urlopen("POST", path, body=body, headers={
                "Host": host_header, "User-Agent": USER_AGENT, "Content-Type": "application/json"},
                redirect=False, preload_content=False, assert_same_host=False)
            try:
                response.read1(4096)  # a short answer ("ok"); the rest is not read
            finally:
                response.close()
        finally:
            pool.close()
        if watchdog.fired:
            raise FetchError(_l("The webhook took too long to answer."))
        if response.status >= 300:
            raise FetchError(_l("The webhook answered with HTTP %(status)s.", status=response.status))
        return response.status
    except (urllib3.exceptions.HTTPError, OSError) as error:
        if watchdog.fired or isinstance(error, urllib3.exceptions.TimeoutError):
            raise FetchError(_l("The webhook took too long to answer.")) from None
        raise FetchError(_l("The webhook could not be reached.")) from None
    finally:
        watchdog.cancel()


def _header_value(value: str | None) -> str:
    """A header value safe to send back: printable ASCII, one line, bounded (it came from a server)."""
    if not value:
        return ""
    return "".join(ch for ch in value if " " <= ch <= "~")[:500]


def _charset(response) -> str | None:
    for part in (response.headers.get("Content-Type") or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return None


# Python codecs that are no character set a web page can declare ("charset=punycode" must not decode the page).
_NOT_CHARSETS = frozenset({"punycode", "idna", "raw_unicode_escape", "unicode_escape", "palmos", "mbcs", "oem",
                           "undefined", "uu_codec", "base64_codec", "hex_codec", "zlib_codec", "bz2_codec",
                           "rot_13", "quopri_codec"})


def _web_charset(charset: str | None) -> str | None:
    """The declared charset when it is a real character set Python knows, else None."""
    if not charset:
        return None
    import codecs
    try:
        info = codecs.lookup(charset.strip().strip("\"'"))
    except (LookupError, ValueError, TypeError):
        return None
    if info.name.replace("-", "_") in _NOT_CHARSETS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode_text(body: bytes, charset: str | None = None) -> str:
    """Bytes to text: the declared charset, else UTF-8, else the detected one; binary data is refused."""
    if not body.strip():
        raise FetchError(_l("The text is empty."))
    sample = body[:8192]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) // 20:
        raise FetchError(_l("This is not a text or HTML file (it looks like binary data)."))
    for encoding in filter(None, (_web_charset(charset), "utf-8")):
        try:
            return body.decode(encoding).lstrip("\ufeff")
        except (UnicodeError, LookupError, ValueError, TypeError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    if best is None:
        raise FetchError(_l("The text's character encoding could not be recognised."))
    return str(best)


def looks_like_html(text: str) -> bool:
    """True when a text is an HTML document rather than plain prose."""
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head or "<p>" in head or "<div" in head)


def article_from_html(html: str, url: str | None = None) -> ArticleText:
    """The main text and metadata of an HTML page (trafilatura); raise FetchError when there is no article."""
    import trafilatura

    from .interchange import parse_date

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False, include_images=False,
    )
    if document is None:
        raise FetchError(_l("No article text was found on this page."))
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    text = (data.get("text") or "").strip()
    if len(text.split()) < 5:
        raise FetchError(_l("No article text was found on this page."))
    # trafilatura repeats the headline as the first line of the text: keep it once, as the title.
    title = (data.get("title") or "").strip() or None
    lines = text.split("\n")
    if title and lines and lines[0].strip() == title:
        text = "\n".join(lines[1:]).strip()
    return ArticleText(
        text="\n\n".join(line.strip() for line in text.split("\n") if line.strip()),
        title=title,
        byline=(data.get("author") or None),
        publisher=(data.get("sitename") or data.get("hostname") or None),
        published_on=parse_date(data.get("date")),
        url=url or data.get("url") or None,
    )


def article_from_page(page: Page) -> ArticleText:
    """The article in a fetched page or uploaded file."""
    text = decode_text(page.body, page.charset)
    if page.content_type != "text/plain" or looks_like_html(text):
        return article_from_html(text, page.url)
    return article_from_text(text, url=page.url)


def article_from_text(text: str, url: str | None = None, title: str | None = None) -> ArticleText:
    """Pasted or plain-text articles: the first short line without final punctuation is taken as the title."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise FetchError(_l("The text is empty."))
    if title is None:
        first, _, rest = text.partition("\n")
        first = first.strip()
        if rest.strip() and 0 < len(first) <= 200 and not first.endswith((".", "!", "?", '"', "”")):
            title, text = first, rest.strip()
    return ArticleText(text=text, title=title, url=url)


def article_from_file(path: str, max_bytes: int) -> ArticleText:
    """An article from a local .html or .txt file (size-capped)."""
    import os

    try:
        size = os.path.getsize(path)
        if size > max_bytes:
            raise FetchError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
        with open(path, "rb") as handle:
            body = handle.read(max_bytes + 1)
    except OSError as error:
        raise FetchError(f"The file cannot be read: {error.strerror or error}.") from None
    return article_from_upload(path, body)


def article_from_upload(filename: str, body: bytes) -> ArticleText:
    """An article from uploaded bytes; the file name's extension says HTML or text, the content confirms it."""
    lower = (filename or "").lower()
    content_type = "text/html" if lower.endswith((".html", ".htm", ".xhtml")) else "text/plain"
    return article_from_page(Page(url=None, content_type=content_type, body=body))

"""A small HTTP server on 127.0.0.1 for fetch tests: articles, redirects, slow and huge pages."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


class Handler(BaseHTTPRequestHandler):
    routes: dict = {}

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):  # noqa: N802
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html><body>Not found</body></html>")
            return
        route(self)


def _send(handler, body: bytes, content_type: str, status: int = 200):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _redirect(target: str):
    def route(handler):
        handler.send_response(302)
        handler.send_header("Location", target)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return route


def _slow(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    try:
        for _ in range(100):
            handler.wfile.write(b"<p>still loading</p>")
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        pass


def _trickle_headers(handler):
    """A status line, then one header byte every 0.2 s for a minute: the body never starts."""
    try:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: ")
        handler.wfile.flush()
        for _ in range(300):
            handler.wfile.write(b"a")
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        pass


def _huge(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    try:
        for _ in range(2000):
            handler.wfile.write(b"<p>" + b"x" * 16384 + b"</p>")
    except OSError:
        pass


class ArticleServer:
    """Serve the fixture article and hostile pages; ``url(path)`` gives addresses."""

    def __init__(self):
        html = (FIXTURES / "zelensky-cnn-interview.html").read_bytes()
        text = (FIXTURES / "zelensky-cnn-interview.txt").read_bytes()
        Handler.routes = {
            "/article.html": lambda h: _send(h, html, "text/html; charset=utf-8"),
            "/article.txt": lambda h: _send(h, text, "text/plain; charset=utf-8"),
            "/latin1.txt": lambda h: _send(h, "Le café coûte 3 € de plus qu'en 2020, selon l'INSEE.".encode("cp1252"),
                                           "text/plain"),
            "/image.png": lambda h: _send(h, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png"),
            "/empty.html": lambda h: _send(h, b"<html><body><nav>Home</nav></body></html>", "text/html"),
            "/moved": _redirect("/article.html"),
            "/to-metadata": _redirect("http://169.254.169.254/latest/meta-data/"),
            "/to-private": _redirect("http://10.0.0.7/admin"),
            "/to-decimal-metadata": _redirect("http://2852039166/latest/meta-data/"),
            "/to-nat64-metadata": _redirect("http://[64:ff9b::a9fe:a9fe]/latest/meta-data/"),
            "/to-userinfo": _redirect("http://example.org@127.0.0.1/admin"),
            "/to-broken-url": _redirect("http://[::1/admin"),
            "/loop": _redirect("/loop"),
            "/slow.html": _slow,
            "/trickle-headers.html": _trickle_headers,
            "/huge.html": _huge,
        }
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"


class FeedServer:
    """A news site on 127.0.0.1 for the monitoring tests: an RSS feed (with an ETag, answering 304 to a
    matching If-None-Match), a news sitemap and article pages, all given by the test; it counts the requests
    per path and keeps the headers of the last one."""

    def __init__(self, pages: dict[str, tuple[bytes, str]] | None = None):
        self.pages: dict[str, tuple[bytes, str]] = dict(pages or {})
        self.hits: dict[str, int] = {}
        self.last_headers: dict[str, dict[str, str]] = {}
        self.slow_paths: set[str] = set()
        server = self

        class FeedHandler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                server.hits[path] = server.hits.get(path, 0) + 1
                server.last_headers[path] = dict(self.headers.items())
                if path not in server.pages:
                    _send(self, b"<html><body>Not found</body></html>", "text/html", 404)
                    return
                if path in server.slow_paths:
                    _slow(self)
                    return
                body, content_type = server.pages[path]
                etag = '"%x"' % (hash(body) & 0xFFFFFFFF)
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def article(self, path: str, title: str, paragraphs: list[str]) -> None:
        """Serve an article page at ``path``."""
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        html = (f"<!doctype html><html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
                f"{body}</article></body></html>")
        self.pages[path] = (html.encode("utf-8"), "text/html; charset=utf-8")

    def rss(self, path: str, item_paths: list[str]) -> None:
        """Serve an RSS 2.0 feed at ``path`` listing the pages at ``item_paths``, first newest."""
        items = "".join(f"<item><title>Item {i}</title><link>{self.url(p)}</link><guid>{self.url(p)}</guid></item>"
                        for i, p in enumerate(item_paths))
        xml = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test news</title>'
               f"<link>{self.url('/')}</link><description>Test</description>{items}</channel></rss>")
        self.pages[path] = (xml.encode("utf-8"), "application/rss+xml")

    def sitemap(self, path: str, item_paths: list[str]) -> None:
        """Serve a news sitemap at ``path`` listing ``item_paths``."""
        urls = "".join(f"<url><loc>{self.url(p)}</loc></url>" for p in item_paths)
        xml = (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
               f' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>')
        self.pages[path] = (xml.encode("utf-8"), "application/xml")

    def sitemap_index(self, path: str, children: list[tuple[str, str | None]]) -> None:
        """Serve a sitemap index at ``path`` listing the child sitemaps ``(path, lastmod or None)``."""
        entries = "".join(f"<sitemap><loc>{self.url(p)}</loc>{f'<lastmod>{m}</lastmod>' if m else ''}</sitemap>"
                          for p, m in children)
        xml = (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
               f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>')
        self.pages[path] = (xml.encode("utf-8"), "application/xml")

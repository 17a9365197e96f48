"""Fetching articles safely (SSRF, sizes, time) and reading HTML and text, against a real local server."""

import pytest

from claimtrack.webpage import (
    FetchError,
    Page,
    article_from_html,
    article_from_page,
    article_from_text,
    decode_text,
    fetch,
    resolve_public,
)

from .http_fixture import FIXTURES, ArticleServer

LOOPBACK = ["127.0.0.0/8"]


@pytest.fixture(scope="module")
def server():
    with ArticleServer() as running:
        yield running


def test_fetch_html_article_with_metadata(server):
    page = fetch(server.url("/article.html"), allowed_networks=LOOPBACK)
    article = article_from_page(page)
    assert article.title == "Zelensky draws line in negotiations: We're not giving land to Russia"
    assert article.publisher == "CNN" and article.byline == "Jeremy Herb"
    assert article.published_on.isoformat() == "2022-03-20"
    assert "If we were a NATO member" in article.text
    assert "(Screenshot)" not in article.text and "Share this article" not in article.text
    assert article.url == server.url("/article.html")


def test_redirect_on_the_same_allowed_host_is_followed(server):
    page = fetch(server.url("/moved"), allowed_networks=LOOPBACK)
    assert page.url.endswith("/article.html")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/", "http://localhost:5000/", "http://[::1]/", "http://10.1.2.3/", "http://192.168.0.1/",
     "http://172.16.5.4/", "http://169.254.169.254/latest/meta-data/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/",
     "http://100.64.0.1/", "http://[fd00::1]/"],
)
def test_private_addresses_are_refused_without_a_request(url):
    with pytest.raises(FetchError, match="private or local"):
        fetch(url)


@pytest.mark.parametrize("path", ["/to-metadata", "/to-private"])
def test_redirects_to_private_addresses_are_refused(server, path):
    with pytest.raises(FetchError, match="private or local"):
        fetch(server.url(path), allowed_networks=LOOPBACK)


@pytest.mark.parametrize(
    "path,message",
    [("/image.png", "not an HTML or text page"), ("/huge.html", "larger than 1 MB"), ("/loop", "redirects more than"),
     ("/missing", "HTTP 404"), ("/slow.html", "too long|did not answer")],
)
def test_hostile_pages_get_a_clear_message(server, path, message):
    with pytest.raises(FetchError, match=message):
        fetch(server.url(path), allowed_networks=LOOPBACK, max_bytes=1024 * 1024, timeout=1.0)


@pytest.mark.parametrize("url", ["ftp://example.org/x", "file:///etc/passwd", "javascript:alert(1)", "not a url",
                                 "http://user:pw@example.org/"])
def test_only_plain_http_urls(url):
    with pytest.raises(FetchError):
        fetch(url)


def test_unknown_host_is_a_clear_error():
    with pytest.raises(FetchError, match="could not be found"):
        resolve_public("no-such-host.invalid", 80)


def test_page_with_no_article(server):
    page = fetch(server.url("/empty.html"), allowed_networks=LOOPBACK)
    with pytest.raises(FetchError, match="No article text"):
        article_from_page(page)


def test_text_encodings_and_binary():
    assert decode_text("Le café".encode("utf-8")) == "Le café"
    assert "café" in decode_text("Le café coûte 3 € de plus qu'en 2020, selon l'INSEE.".encode("cp1252"))
    with pytest.raises(FetchError, match="binary"):
        decode_text(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(FetchError, match="empty"):
        decode_text(b"   \n ")


def test_plain_text_article_takes_its_first_line_as_title():
    text = (FIXTURES / "zelensky-cnn-interview.txt").read_text(encoding="utf-8")
    article = article_from_text(text)
    assert article.title.startswith("Zelensky draws line")
    assert article.text.startswith("Ukrainian President Volodymyr Zelensky said Sunday")
    uploaded = article_from_page(Page(url=None, content_type="text/plain", body=text.encode()))
    assert uploaded.title == article.title


def test_html_without_article():
    with pytest.raises(FetchError):
        article_from_html("<html><body><script>var x = 1;</script></body></html>")

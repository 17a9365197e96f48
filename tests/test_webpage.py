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
     "http://100.64.0.1/", "http://[fd00::1]/",
     # One address, other spellings: decimal, octal, hexadecimal and short forms that the resolver accepts.
     "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.0.0.1/", "http://127.1/", "http://2852039166/",
     "http://0251.0376.0251.0376/", "http://0/", "http://[::]/", "http://[fe80::1]/", "http://224.0.0.1/",
     "http://255.255.255.255/", "http://198.18.0.1/",
     # IPv6 addresses that carry a private IPv4 address: compatible, translated, NAT64, 6to4.
     "http://[::127.0.0.1]/", "http://[::ffff:0:7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/",
     "http://[2002:a9fe:a9fe::1]/", "http://[::ffff:169.254.169.254]/"],
)
def test_private_addresses_are_refused_without_a_request(url):
    with pytest.raises(FetchError, match="private or local"):
        fetch(url)


@pytest.mark.parametrize("path", ["/to-metadata", "/to-private", "/to-decimal-metadata", "/to-nat64-metadata"])
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


@pytest.mark.parametrize("path,message", [("/to-userinfo", "user name or password"),
                                          ("/to-broken-url", "not valid")])
def test_redirects_to_odd_addresses_are_refused_with_a_message(server, path, message):
    with pytest.raises(FetchError, match=message):
        fetch(server.url(path), allowed_networks=LOOPBACK)


def test_invalid_address_is_a_fetch_error_not_a_crash():
    with pytest.raises(FetchError, match="not a valid web address"):
        fetch("http://[::1/")


@pytest.mark.parametrize("answers", [
    ["93.184.215.14", "10.0.0.5"],  # one public and one private answer: refused, not the first one taken
    ["::ffff:10.0.0.5"],
    ["64:ff9b::a9fe:a9fe"],
])
def test_names_resolving_to_any_private_address_are_refused(monkeypatch, answers):
    import socket

    def resolve(host, port, *_args, **_kwargs):
        assert host == "news.example"
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port)) for a in answers]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(FetchError, match="private or local"):
        fetch("http://news.example/article")


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


def test_one_deadline_holds_while_a_page_trickles_its_headers(server):
    # a read timeout restarts at every byte: only the fetch's one deadline (2 x timeout) ends this (the page would
    # trickle for a minute and then close, which reads as a broken page, not as "too long")
    with pytest.raises(FetchError, match="too long"):
        fetch(server.url("/trickle-headers.html"), allowed_networks=LOOPBACK, timeout=1.0)

"""The interface's languages: pages in each locale, right-to-left Arabic, the catalogues, caching per locale.

A template string left unmarked fails ``test_no_unmarked_text_in_templates``; a marked string without a translation
fails ``test_catalogues_are_complete``; a catalogue changed without being compiled fails
``test_compiled_catalogues_match``.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

from claimtrack import create_app
from claimtrack.db import db
from claimtrack.services.demo import load_demo

from claimtrack.i18n import LANG_COOKIE

from .helpers import AuthActions, config_for, csrf_token_in, make_user

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "claimtrack"
TRANSLATIONS = PACKAGE / "translations"
LOCALES = ["es", "pt", "fr", "ar"]

# (locale, a heading of the home page, a heading of a claim page, the dashboard's title) in that locale
EXPECTED = {
    "en": ("Is it true? Search our fact-checks", "Our verdict", "Dashboard"),
    "es": ("¿Es cierto? Busque en nuestras verificaciones", "Nuestro veredicto", "Panel"),
    "pt": ("É verdade? Busque nas nossas checagens", "Nosso veredito", "Painel"),
    "fr": ("Est-ce vrai ? Cherchez dans nos vérifications", "Notre verdict", "Tableau de bord"),
    "ar": ("هل هذا صحيح؟ ابحث في عمليات التحقق لدينا", "حكمنا", "لوحة المتابعة"),
}
# English words of the interface that no page in another language may show (navigation, headings, buttons)
ENGLISH = ["Home and search", "Ask us to check", "Log in", "Latest fact-checks", "Use our fact-checks",
           "Our verdict", "Where it was said", "Dashboard", "Log out", "My assignments",
           "Waiting for review", "Most asked this week", "Assigned to", "Apply filters", "Not rated"]


@pytest.fixture
def demo(sqlite_url, tmp_path):
    """The demo newsroom on SQLite, with an editor."""
    app = create_app(config_for(sqlite_url))
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        load_demo(db.session, app.extensions["verdict_scale"])
        db.session.commit()
    make_user(app, "ed", "editor")
    yield app
    with app.app_context():
        db.engine.dispose()


def _claim_path(client) -> str:
    return re.search(r'href="(/claims/\d+-[^"]+)"', client.get("/").get_data(as_text=True)).group(1)


def _text(html: str) -> str:
    """What a reader sees: the page without tags, scripts and JSON-LD."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("locale", ["en", *LOCALES])
def test_pages_in_each_locale(demo, locale):
    """Home, a claim page and the dashboard are drawn in the chosen locale, with its lang and direction."""
    client = demo.test_client()
    headers = {"Accept-Language": f"{locale},en;q=0.5"}
    home = client.get("/", headers=headers).get_data(as_text=True)
    claim = client.get(_claim_path(client), headers=headers).get_data(as_text=True)
    AuthActions(client).login("ed")
    dashboard = client.get("/editor/", headers=headers).get_data(as_text=True)
    direction = "rtl" if locale == "ar" else "ltr"
    home_words, claim_words, dashboard_words = EXPECTED[locale]
    for page, words in ((home, home_words), (claim, claim_words), (dashboard, dashboard_words)):
        assert f'<html lang="{locale}" dir="{direction}">' in page
        assert words in page
        if locale != "en":
            shown = _text(page)
            for english in ENGLISH:
                assert english not in shown, f"{english!r} left in English on a {locale} page"


def test_claim_page_dates_and_verdict_words_per_locale(demo):
    """Dates are written as each locale writes them; the verdict scale's words are translated alike everywhere."""
    client = demo.test_client()
    path = _claim_path(client)
    pages = {loc: client.get(path, headers={"Accept-Language": loc}).get_data(as_text=True)
             for loc in ["en", "es", "fr", "pt", "ar"]}
    assert re.search(r"<time[^>]*>\d{1,2} [A-Z][a-z]+ \d{4}</time>", pages["en"])
    assert re.search(r"<time[^>]*>\d{1,2} de [a-z]+ de \d{4}</time>", pages["es"])
    assert re.search(r"<time[^>]*>\d{1,2} de [a-zç]+ de \d{4}</time>", pages["pt"])
    assert re.search(r"<time[^>]*>\d{1,2} [a-zéû]+ \d{4}</time>", pages["fr"])
    assert re.search(r"<time[^>]*>\d{1,2} [\u0600-\u06ff]+ \d{4}</time>", pages["ar"])
    # the ClaimReview stays machine-readable and names the claim's language, whatever the interface's
    for page in pages.values():
        assert '"inLanguage"' in page or '"inLanguage":' in page.replace(" ", "")


def test_verdict_scale_words_are_consistent():
    """Each verdict word has one translation per language, used by badges, filters and the scorecard alike."""
    from claimtrack.i18n import VERDICT_WORDS
    from claimtrack.verdicts import VerdictScale

    labels = {lv.label for lv in VerdictScale.from_config(None)}
    assert labels == {str(word._args[0]) for word in VERDICT_WORDS}
    for locale in LOCALES:
        catalog = read_po((TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb"))
        words = [catalog[label].string for label in sorted(labels)]
        assert all(words) and len(set(words)) == len(words), (locale, words)


def test_words_defined_outside_templates_are_in_the_catalogue():
    """Labels that services, models and extraction define are listed in i18n.py, so pybabel extracts them."""
    from claimtrack import i18n
    from claimtrack.extraction.checkworthiness import _CUE_NAMES, _SHAPES
    from claimtrack.models import Role, VerdictStatus
    from claimtrack.services.monitoring import KIND_LABELS
    from claimtrack.services.verdicts import ACTION_LABELS, FIELD_LABELS

    listed = {str(word._args[0]) for word in i18n.SERVICE_WORDS}
    for words in (ACTION_LABELS.values(), FIELD_LABELS.values(), KIND_LABELS.values(), _CUE_NAMES.values(),
                  _SHAPES.values()):
        assert set(words) <= listed, set(words) - listed
    assert set(i18n.STATUS_WORDS) == {s.value for s in VerdictStatus}
    assert set(i18n.ROLE_WORDS) == {r.value for r in Role}


class _Literals(HTMLParser):
    """The text of a template with its Jinja parts taken out: what it writes as it is, in text and in the
    attributes people read."""

    READ = ("placeholder", "title", "aria-label", "alt", "data-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in self.READ:
            if attributes.get(name):
                self.found.append(attributes[name])
        if tag == "meta" and attributes.get("name") == "description":
            self.found.append(attributes.get("content") or "")

    def handle_data(self, data):
        self.found.append(data)


def _template_literals(source: str) -> list[str]:
    parser = _Literals()
    parser.feed(re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "\u00a7", source, flags=re.S))
    parser.close()
    return [piece.replace("\u00a7", " ") for piece in parser.found]


# Names that stay as they are in every language (symbols and numbers need no translation either)
BRANDS = re.compile(r"claimtrack|schema\.org")


def test_no_unmarked_text_in_templates():
    """Every word a template writes itself goes through the catalogue (``_()``); only names and symbols do not."""
    found = []
    for path in sorted((PACKAGE / "templates").rglob("*.html")):
        for literal in _template_literals(path.read_text()):
            for piece in re.split(r"\s{2,}|\n", literal):
                words = piece.strip()
                if re.search(r"[^\W\d_]", BRANDS.sub("", words)):
                    found.append(f"{path.relative_to(PACKAGE)}: {words[:80]!r}")
    assert not found, "text not marked for translation:\n" + "\n".join(found)


def test_string_literals_in_template_expressions_are_marked():
    """A quoted English phrase inside {{ }} (a default, a button's value) must be wrapped in _()."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    found = []
    for path in sorted((PACKAGE / "templates").rglob("*.html")):
        tokens = [(kind, value) for _, kind, value in env.lex(path.read_text()) if kind != "whitespace"]
        for i, (kind, value) in enumerate(tokens):
            if kind != "string" or not re.search(r"[A-Za-z]{3,}", value) or " " not in value.strip():
                continue
            before = [v for _, v in tokens[max(0, i - 2):i]]
            if before[-2:] in (["_", "("], ["ngettext", "("]) or (before and before[-1] == ","
                                                                 and "ngettext" in [v for _, v in tokens[i - 4:i]]):
                continue
            if value.strip("'\"").startswith("<"):  # a bit of markup passed as a value
                continue
            found.append(f"{path.relative_to(PACKAGE)}: {value!r}")
    assert not found, "phrases not marked for translation:\n" + "\n".join(found)


def test_catalogues_are_complete():
    """Each locale translates every message of the template; placeholders match; nothing is fuzzy."""
    template = read_po((TRANSLATIONS / "messages.pot").open("rb"))
    ids = {m.id for m in template if m.id}
    assert len(ids) > 500
    for locale in LOCALES:
        catalog = read_po((TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb"), locale=locale)
        messages = {m.id: m for m in catalog if m.id}
        assert set(messages) == ids, (locale, ids ^ set(messages))
        for message in messages.values():
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(s for s in strings), (locale, message.id)
            assert not message.fuzzy, (locale, message.id)
        errors = [(m.id, str(e)) for m, errs in catalog.check() for e in errs]
        assert not errors, (locale, errors)


def test_compiled_catalogues_match():
    """The shipped .mo files are the compiled .po files (`make translations` compiles them)."""
    for locale in LOCALES:
        folder = TRANSLATIONS / locale / "LC_MESSAGES"
        source = read_po((folder / "messages.po").open("rb"), locale=locale)
        compiled = read_mo((folder / "messages.mo").open("rb"))
        def plain(value):
            return tuple(value) if isinstance(value, (list, tuple)) else value

        want = {plain(m.id): plain(m.string) for m in source if m.id}
        got = {plain(m.id): plain(m.string) for m in compiled if m.id}
        assert got == want, locale


def test_template_is_extracted_from_the_code(tmp_path, monkeypatch):
    """messages.pot holds what pybabel extracts now: a string marked since the last extraction fails here."""
    from babel.messages.frontend import CommandLineInterface

    out = tmp_path / "messages.pot"
    monkeypatch.chdir(ROOT)
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "_l", "--no-location",
                                "-o", str(out), "."])
    fresh = {m.id for m in read_po(BytesIO(out.read_bytes())) if m.id}
    shipped = {m.id for m in read_po((TRANSLATIONS / "messages.pot").open("rb")) if m.id}
    assert fresh == shipped, "run `make translations` (new: %r, gone: %r)" % (fresh - shipped, shipped - fresh)


def test_arabic_is_right_to_left(demo):
    """Arabic pages say dir="rtl"; the style sheet uses logical properties, never left/right ones."""
    client = demo.test_client()
    page = client.get("/", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    css = (PACKAGE / "static" / "style.css").read_text()
    physical = re.findall(r"(?:margin|padding|border)-(?:left|right)\b|text-align:\s*(?:left|right)|float:\s*(?:left|right)",
                          css)
    assert not physical, physical


def test_language_switch_sets_a_cookie_and_comes_back(demo):
    """?lang= remembers the choice (over Accept-Language) and redirects to the same page without it."""
    client = demo.test_client()
    switched = client.get("/speakers?lang=pt", headers={"Accept-Language": "fr"})
    assert switched.status_code == 303 and switched.headers["Location"] == "/speakers"
    assert switched.headers["Cache-Control"] == "no-store"
    assert "lang=pt" in switched.headers["Set-Cookie"] and "HttpOnly" in switched.headers["Set-Cookie"]
    page = client.get("/speakers", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="pt" dir="ltr">' in page and "Autores" in page
    # an unknown language changes nothing
    unknown = client.get("/speakers?lang=xx")
    assert unknown.status_code == 303 and "Set-Cookie" not in unknown.headers
    # the links at the foot of every page
    assert 'href="/speakers?lang=ar"' in page and 'lang="ar"' in page


def test_machines_read_english(demo):
    """The API, feeds and sitemaps are not translated (and never vary by language)."""
    client = demo.test_client()
    answer = client.get("/api/v1/claims?page=x", headers={"Accept-Language": "es"})
    assert answer.status_code == 400 and "whole number" in answer.get_data(as_text=True)
    feed = client.get("/feed.atom", headers={"Accept-Language": "es"})
    assert "Accept-Language" not in feed.headers.get("Vary", "")


@pytest.mark.parametrize("store", ["off", "filesystem"])
def test_public_page_cache_varies_by_locale(demo, tmp_path, store):
    """A page drawn in one language is never served for another: the ETag and the page-cache key carry the
    locale, and the answer says Vary: Accept-Language."""
    demo.config["PUBLIC_PAGE_CACHE"] = store
    demo.config["PUBLIC_PAGE_CACHE_DIR"] = str(tmp_path / "pages")
    demo.extensions.pop("public_page_cache", None)
    client = demo.test_client()
    path = _claim_path(client)
    spanish = client.get(path, headers={"Accept-Language": "es"})
    english = client.get(path, headers={"Accept-Language": "en"})
    spanish_again = client.get(path, headers={"Accept-Language": "es"})
    for response in (spanish, english, spanish_again):
        assert response.status_code == 200
        assert {"Accept-Language", "Cookie"} <= set(response.vary)
    assert spanish.headers["ETag"] != english.headers["ETag"]
    assert "Nuestro veredicto" in spanish_again.get_data(as_text=True)
    assert "Our verdict" in english.get_data(as_text=True)
    if store == "filesystem":
        assert english.headers["X-Page-Cache"] == "miss" and spanish_again.headers["X-Page-Cache"] == "hit"
    # a validator of one language does not answer 304 for another
    assert client.get(path, headers={"Accept-Language": "en",
                                     "If-None-Match": spanish.headers["ETag"]}).status_code == 200
    assert client.get(path, headers={"Accept-Language": "es",
                                     "If-None-Match": spanish.headers["ETag"]}).status_code == 304
    # the cookie choice is a representation of its own too
    client.set_cookie("lang", "ar")
    arabic = client.get(path, headers={"Accept-Language": "es"})
    assert '<html lang="ar" dir="rtl">' in arabic.get_data(as_text=True)


def _first_open_candidate(app) -> tuple[int, int]:
    from sqlalchemy import select

    from claimtrack.models import Appearance

    with app.app_context():
        row = db.session.execute(select(Appearance.article_id, Appearance.id)
                                 .order_by(Appearance.checkworthiness.desc(), Appearance.id)).first()
    return row.article_id, row.id


def test_service_errors_are_shown_in_the_page_language(demo):
    """What a service refuses is said in the editor's language on the page (a decision on the article review
    screen, a claim edit that lost a race), and in English to another editor on the same pages."""
    article_id, appearance_id = _first_open_candidate(demo)
    claim_id = int(re.search(r"/claims/(\d+)-", _claim_path(demo.test_client())).group(1))
    said = {}
    for locale in ("es", "en"):
        client = demo.test_client()
        client.set_cookie(LANG_COOKIE, locale)
        # Flask-Login's prompt on the way to the login page is flashed in the page's language too
        prompt = html.unescape(_text(client.get("/editor/", follow_redirects=True).get_data(as_text=True)))
        assert ("Inicie sesión para abrir el área de edición." if locale == "es"
                else "Please log in to open the editor area.") in prompt
        AuthActions(client).login("ed")
        review = client.get(f"/editor/articles/{article_id}").get_data(as_text=True)
        decision = client.post(f"/editor/articles/{article_id}/decisions", data={
            "csrf_token": csrf_token_in(review), "candidates-0-appearance_id": str(appearance_id),
            "candidates-0-action": "link", "candidates-0-claim_id": "999999"})
        page = client.get(f"/editor/claims/{claim_id}").get_data(as_text=True)
        edit = client.post(f"/editor/claims/{claim_id}/edit", data={
            "csrf_token": csrf_token_in(page), "text": "A wording someone else has since replaced.",
            "speaker": "", "topics": "", "original": "The wording this editor started from, long gone."})
        assert (decision.status_code, edit.status_code) == (422, 409)
        assert f'<html lang="{locale}"' in edit.get_data(as_text=True)
        said[locale] = html.unescape(_text(decision.get_data(as_text=True)) + _text(edit.get_data(as_text=True)))
    assert "La afirmación n.º 999999 no existe." in said["es"]
    assert ("Otra persona cambió la redacción de la afirmación desde que la abrió: no se guardó nada."
            in said["es"])
    assert "Claim #999999 does not exist." not in said["es"] and "nothing was saved" not in said["es"]
    assert "Claim #999999 does not exist." in said["en"]
    assert "The claim's wording was changed by someone else since you opened it: nothing was saved." in said["en"]


def test_service_messages_stay_english_outside_the_interface(demo):
    """The CLI, the API and what is stored read the English text, whatever language a request asked for."""
    from claimtrack.services.accounts import AccountError, create_user
    from claimtrack.services.ingest import DecisionError
    from claimtrack.translatable import Text, english

    error = DecisionError(Text("Claim #%(id)s does not exist.", id=7))
    assert str(error) == "Claim #7 does not exist."                  # no request: the CLI, the worker
    spanish = {"Accept-Language": "es", "Cookie": f"{LANG_COOKIE}=es"}
    with demo.test_request_context("/editor/", headers=spanish):
        assert str(error) == "La afirmación n.º 7 no existe."
        assert english(error) == "Claim #7 does not exist."          # what is stored or logged
    with demo.test_request_context("/api/v1/claims", headers=spanish):
        assert str(error) == "Claim #7 does not exist."              # the API's answers stay English
    with demo.app_context(), pytest.raises(AccountError, match=r"^A username is 2-64 characters"):
        create_user(db.session, "-", "x" * 12, "editor")
    cli = demo.test_cli_runner().invoke(args=["users", "create", "-", "--role", "editor", "--password-stdin"],
                                        input="a long enough password\n", env={"LANG": "es_ES.UTF-8"})
    assert cli.exit_code != 0 and "A username is 2-64 characters" in cli.output

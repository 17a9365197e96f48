"""The interface's language: which locale a request is drawn in, the switch between locales, dates per locale.

A request's locale is, in order: the visitor's own choice (a ``?lang=`` link at the foot of every page sets the
``lang`` cookie and redirects to the same address without it, so a cached page never carries a Set-Cookie), the
browser's Accept-Language among LANGUAGES, then the newsroom's LANGUAGE.  The JSON API, the feeds and the sitemaps
are for machines and stay in English.  A public page drawn in a locale is cached per locale
(claimtrack/public/caching.py keys and tags it with ``page_locale()`` and says ``Vary: Accept-Language, Cookie``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, redirect, request
from flask_babel import Babel, format_date, format_datetime, get_locale, gettext
from flask_babel import lazy_gettext as _l

LANG_COOKIE = "lang"
# The name of each language in itself, for the switch at the foot of every page.
NATIVE_NAMES = {"en": "English", "es": "Español", "pt": "Português", "fr": "Français", "ar": "العربية",
                "de": "Deutsch", "it": "Italiano"}
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
# Endpoints for machines: always in the default English, whatever the visitor chose.
_MACHINE_ENDPOINTS = frozenset({"public.feed", "public.sitemap_index", "public.sitemap_pages",
                                "public.sitemap_claims", "public.claimreview_feed"})

# Words shown in the interface that are defined outside a template or form (the default verdict scale in
# verdicts.py, the statuses and roles of models.py, labels of services): marked here so that pybabel extracts
# them; templates translate them with the filters below.  tests/test_i18n.py checks that each word these modules
# define is listed.
VERDICT_WORDS = [_l("True"), _l("Mostly true"), _l("Half true"), _l("Mostly false"), _l("False"),
                 _l("Pants on fire")]
STATUS_WORDS = {"new": _l("New"), "researching": _l("Researching"), "draft": _l("Draft"),
                "in_review": _l("In review"), "published": _l("Published"), "unpublished": _l("Unpublished")}
ROLE_WORDS = {"admin": _l("admin"), "editor": _l("editor"), "reviewer": _l("reviewer")}
SERVICE_WORDS = [
    # services/verdicts.py ACTION_LABELS
    _l("Start research"), _l("Submit for review"), _l("Send back to the editor"), _l("Approve and publish"),
    _l("Unpublish"), _l("Approve the correction and publish it"), _l("Turn the correction down"),
    # services/verdicts.py FIELD_LABELS and the revision fields
    _l("rating"), _l("claim wording"), _l("speaker"), _l("correction note"), _l("status"), _l("summary"),
    _l("explanation"), _l("sources"),
    # services/monitoring.py KIND_LABELS
    _l("RSS or Atom feed"), _l("News sitemap"), _l("List of URLs"),
    # extraction/checkworthiness.py labels
    _l("high"), _l("medium"), _l("low"),
    # extraction/checkworthiness.py _CUE_NAMES (what raised a sentence's score)
    _l("a number"), _l("a percentage"), _l("an amount of money"), _l("a year"), _l("a superlative"),
    _l("a comparison"), _l("a quantity"), _l("a negation"), _l("a quotation"), _l("past tense"), _l("future tense"),
    _l("hedging"), _l("a question"), _l("money"),
    # services/scorecard.py scorecard
    _l("Other ratings"),
    # auth/__init__.py: what Flask-Login flashes on the way to the login page
    _l("Please log in to open the editor area."),
]


def supported() -> list[str]:
    """The configured locales, the default first."""
    languages = [str(code) for code in current_app.config.get("LANGUAGES") or []]
    default = str(current_app.config.get("LANGUAGE") or "en")
    return [default, *[code for code in languages if code != default]]


def select_locale() -> str:
    """The locale of this request: the visitor's choice, else the browser's, else the newsroom's."""
    languages = supported()
    if request.blueprint == "api" or request.endpoint in _MACHINE_ENDPOINTS:
        return "en"
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def page_locale() -> str:
    """The locale code the current page is drawn in ("en", "ar")."""
    return str(get_locale() or "en")


def text_direction(code: str | None = None) -> str:
    """"rtl" for a right-to-left language, else "ltr"."""
    return "rtl" if (code or page_locale()).split("_")[0] in RTL_LANGUAGES else "ltr"


def long_date(value: date | datetime | None) -> str:
    """A day as the page's locale writes it in full: "4 October 2020", "4 de octubre de 2020", "٤ أكتوبر ٢٠٢٠"."""
    if value is None:
        return ""
    # English keeps the newsroom's day-month-year order (Babel's "long" for en is the US "October 4, 2020")
    return format_date(value, "d MMMM y" if page_locale() == "en" else "long")


def long_datetime(value: datetime | None) -> str:
    """A moment in full, in the page's locale, with the time of day (UTC)."""
    if value is None:
        return ""
    return format_datetime(value, "d MMMM y, HH:mm" if page_locale() == "en" else "long")


def stamp(value: date | datetime | None, seconds: bool = False) -> str:
    """A timestamp for the newsroom's tables: ISO 8601 order in every locale (2024-05-31 14:02), UTC."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return value.isoformat()
    return format_datetime(value, "yyyy-MM-dd HH:mm:ss" if seconds else "yyyy-MM-dd HH:mm")


def language_name(code: str | None) -> str:
    """A language code as the page's locale names it ("es" -> "Spanish", "español", "espagnol"); the code itself
    when the locale's data has no name for it."""
    if not code:
        return ""
    return get_locale().languages.get(code.split("-")[0].lower(), code)


def word(value: Any) -> str:
    """A word defined outside the templates (a verdict label, a status, a role) in the page's language; a word
    the catalogue does not know (a newsroom's own verdict scale) is shown as it is."""
    if value is None:
        return ""
    text = str(value)
    return gettext(text) if text else text


def status_word(value: Any) -> str:
    """A verdict status ("in_review") as the page's language says it ("In review", "En revisión")."""
    key = getattr(value, "value", value)
    found = STATUS_WORDS.get(str(key))
    return str(found) if found is not None else str(key).replace("_", " ")


def role_word(value: Any) -> str:
    """An account role in the page's language."""
    key = str(getattr(value, "value", value))
    found = ROLE_WORDS.get(key)
    return str(found) if found is not None else key


def switch_url(code: str) -> str:
    """This page's address with ``?lang=code``: following it sets the visitor's language and comes back here
    (the path only: a search's words are not repeated in every link of the page)."""
    return request.path + "?" + urlencode([("lang", code)])


def _switch_language():
    """A GET with ``?lang=xx``: remember the choice in a cookie and redirect to the address without it."""
    if request.method != "GET" or "lang" not in request.args or request.blueprint == "api":
        return None
    if request.endpoint in _MACHINE_ENDPOINTS:
        return None
    code = request.args.get("lang", "")
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    response = redirect(request.path + ("?" + urlencode(args) if args else ""), code=303)
    response.headers["Cache-Control"] = "no-store"
    if code in supported():
        remember_language(response, code)
    return response


def remember_language(response: Response, code: str | None) -> Response:
    """Draw this browser's next pages in ``code`` (a cookie, so public pages stay the same for everyone who
    chose it and never read the session); None: forget the choice, the browser's languages decide again.
    Set by the switch at the foot of every page, at login from the person's own choice, and when they change it."""
    config = current_app.config
    if code is None:
        response.delete_cookie(LANG_COOKIE)
    elif code in supported():
        response.set_cookie(LANG_COOKIE, code, max_age=int(config["LANGUAGE_COOKIE_MAX_AGE"]), samesite="Lax",
                            secure=bool(config.get("SESSION_COOKIE_SECURE")), httponly=True)
    return response


def init_app(app: Flask) -> None:
    """Flask-Babel with our locale selector and catalogues, the language switch, and the template helpers."""
    app.config["BABEL_DEFAULT_LOCALE"] = str(app.config.get("LANGUAGE") or "en")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=select_locale)
    app.before_request(_switch_language)
    for name, function in (("long_date", long_date), ("long_datetime", long_datetime), ("stamp", stamp),
                           ("language_name", language_name),
                           ("word", word), ("status_word", status_word), ("role_word", role_word)):
        app.add_template_filter(function, name)

    @app.context_processor
    def _language() -> dict[str, Any]:
        code = page_locale()
        return {"page_lang": code.replace("_", "-"), "page_dir": text_direction(code),
                "interface_languages": [(c, NATIVE_NAMES.get(c, c)) for c in supported()],
                "language_switch_url": switch_url}

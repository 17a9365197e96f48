"""Text normalisation, tokenising and index-term building for claim matching."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

# Tweets carry short links and image links that never occur in a fact-check; dropping them measurably
# helped BM25 on snopes-tweets.
_URL = re.compile(r"(?:https?://|www\.)\S*|pic\.twitter\.com/\S*|\b[a-z0-9.-]+\.(?:com|org|net|ly|co)/\S*")
# "— Name (@handle) January 14, 2020" at the end of a copied tweet: the date is noise for retrieval,
# but the name often appears in the fact-check, so only the date is cut (and the handle kept as a word).
_SIGNATURE_DATE = re.compile(
    r"\)\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},\s*\d{4}\s*$")
# camelCase hashtags and handles ("#AustralianFires") are split into words before casefolding;
# the fused form is kept too because fact-checks sometimes quote the hashtag itself.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_TAG = re.compile(r"[#@]([A-Za-z0-9_]+)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
# Curly, prime and guillemet variants all become one ASCII quote so "it’s" and "it's" tokenise alike.
_QUOTES = str.maketrans({c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u00b4`"}
                        | {c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"}
                        | {c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"})
# Thousands separators join ("1,000" -> "1000"); decimals keep a marker letter so "3.5" is one token
# that unicode61 will not split and does not collide with "35".
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")
_APOSTROPHE = re.compile(r"'s\b|(?<=[a-z])'(?=[a-z])")
_WORD = re.compile(r"[a-z0-9]+")

STOPWORDS = frozenset("""
a about above after again against all am an and any are aren as at be because been before being below
between both but by can cannot could couldn did didn do does doesn doing don down during each few for from
further had hadn has hasn have haven having he her here hers herself him himself his how i if in into is
isn it its itself just let ll me more most mustn my myself no nor not now of off on once only or other
ought our ours ourselves out over own re s same shan she should shouldn so some such t than that the their
theirs them themselves then there these they this those through to too under until up ve very was wasn we
were weren what when where which while who whom why will with won would wouldn you your yours yourself
yourselves d m o y says said say
""".split())

_stemmer = Stemmer.Stemmer("english")


def _unaccent(text: str) -> str:
    # unicode61 (remove_diacritics) folds "café" to "cafe"; doing it here keeps tokens ASCII for both databases.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _split_tag(match: re.Match[str]) -> str:
    word = match.group(1)
    parts = _CAMEL.sub(" ", word).replace("_", " ")
    return f" {word} {parts} " if parts.lower() != word.lower() else f" {word} "


def normalise(text: str) -> str:
    """Return a casefolded, NFKC-normalised text with URLs, control characters and tweet dates removed."""
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _CONTROL.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _TAG.sub(_split_tag, text)
    text = text.casefold()
    if not text.isascii():
        text = _unaccent(text)
    text = _SIGNATURE_DATE.sub(") ", text)
    return " ".join(text.split())


@lru_cache(maxsize=500_000)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def surface_words(text: str) -> list[str]:
    """Return the normalised word and number forms of a text, stopwords dropped, before stemming."""
    text = normalise(text)
    text = _THOUSANDS.sub("", text)
    text = _DECIMAL.sub("p", text)
    text = _APOSTROPHE.sub("", text)
    return [w for w in _WORD.findall(text) if w not in STOPWORDS]


def tokens(text: str) -> list[str]:
    """Return the stemmed, stopword-free tokens of a text in order, with repeats."""
    return [_stem(w) for w in surface_words(text)]


def index_terms(text: str, title: str | None = None, speaker: str | None = None) -> str:
    """Return the space-joined token string stored and full-text indexed for one claim."""
    parts = tokens(text)
    if title:
        parts += tokens(title)
    if speaker:
        parts += tokens(speaker)
    return " ".join(parts)

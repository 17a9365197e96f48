"""Text normalisation, tokenising and index-term building for claim matching."""

from __future__ import annotations

import re
import unicodedata

import Stemmer
from stop_words import StopWordError, get_stop_words

from claimtrack.matching.language import detect_language

# Tweets carry short links and image links that never occur in a fact-check; dropping them measurably
# helped BM25 on snopes-tweets.
_URL = re.compile(r"(?:https?://|www\.)\S*|pic\.twitter\.com/\S*|\b[a-z0-9.-]+\.(?:com|org|net|ly|co)/\S*")
# "— Name (@handle) January 14, 2020" ends a copied tweet. Stripping it all hurt (fact-checks name the
# tweeter), and fact-checks often say "in January 2020", so month and year stay and only the day goes
# (keeping month+year: +1.5 MAP@5 points for BM25 on snopes train).
_SIGNATURE_DATE = re.compile(
    r"\)\s*((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)\.?\s+\d{1,2},\s*(\d{4})\s*$")
# camelCase hashtags and handles ("#AustralianFires") are split into words before casefolding;
# the fused form is kept too because fact-checks sometimes quote the hashtag itself.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_TAG = re.compile(r"[#@]([A-Za-z0-9_]+)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
# Curly, prime and guillemet variants all become one ASCII quote so "it’s" and "it's" tokenise alike.
_QUOTES = str.maketrans({c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u00b4`"}
                        | {c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"}
                        | {c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"})
# One pass finds words with inner punctuation ("1,000", "3.5", "don't", "u.s"); only those (few) tokens are
# fixed up in Python, which is what makes tokenising cheap enough for a million claims.
_TOKEN = re.compile(r"[a-z0-9]+(?:['.,][a-z0-9]+)*")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")
_DECIMAL = re.compile(r"\d+\.\d+")
_SPLIT = re.compile(r"[a-z0-9]+")

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


def _ranges(test) -> str:
    """A regex character-class body for the code points (BMP and SMP) that pass ``test``."""
    out, start = [], None
    for cp in range(0x20000 + 1):
        hit = cp < 0x20000 and test(chr(cp))
        if hit and start is None:
            start = cp
        elif not hit and start is not None:
            out.append(re.escape(chr(start)) if start == cp - 1 else f"{re.escape(chr(start))}-{re.escape(chr(cp - 1))}")
            start = None
    return "".join(out)


# Combining marks are part of words: Devanagari, Tamil and Thai vowel signs and viramas are Mn/Mc, which
# Python's \w leaves out (it would cut "हिन्दी" into pieces).
_MARKS = _ranges(lambda c: unicodedata.category(c)[0] == "M")
_LETTER = rf"[^\W_]|[{_MARKS}]"
_UTOKEN = re.compile(rf"(?:{_LETTER})+(?:['.,](?:{_LETTER})+)*")
_USPLIT = re.compile(rf"(?:{_LETTER})+")
# Scripts written without spaces between words: a run of them becomes overlapping character bigrams (a lone
# character stays a unigram), the usual fallback when no segmenter is at hand.
_UNSPACED = (r"\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
             r"\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff")
_UNSPACED_RUN = re.compile(rf"[{_UNSPACED}]+")
_HAS_UNSPACED = re.compile(rf"[{_UNSPACED}]")
# Accents are folded for the scripts that have always been folded (Latin, Greek: "café" = "cafe") and Arabic
# and Hebrew points are stripped (short vowels, shadda, hamza over alef); the marks of other scripts are
# letters of their words and stay. A breve on Cyrillic stays too: "й" is a letter of its own.
_FOLDED_MARKS = frozenset(
    chr(cp) for lo, hi in ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
                           (0x0591, 0x05C7), (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670),
                           (0x06D6, 0x06ED))
    for cp in range(lo, hi + 1) if unicodedata.category(chr(cp))[0] == "M")
# Arabic letters written interchangeably in tweets and fact-checks: alef wasla, taa marbuta and alef maqsura
# (the hamzas on alef are marks, folded above); tatweel only stretches a word.
_ARABIC = str.maketrans({"\u0671": "\u0627", "\u0629": "\u0647", "\u0649": "\u064a", "\u0640": None})
# Digits of every script read as ASCII digits ("٢٠٢٠" = "2020").
_DIGITS = {cp: str(unicodedata.decimal(chr(cp))) for cp in range(0x20000)
           if unicodedata.category(chr(cp)) == "Nd" and cp > 0x7F}


def _unaccent(text: str) -> str:
    # unicode61 runs with remove_diacritics 0; folding here keeps the two databases' terms alike.
    decomposed = unicodedata.normalize("NFKD", text)
    out = []
    base = ""
    for c in decomposed:
        if c in _FOLDED_MARKS and not ("\u0400" <= base <= "\u04ff"):
            continue
        if not unicodedata.combining(c):
            base = c
        out.append(c)
    return unicodedata.normalize("NFC", "".join(out).translate(_ARABIC).translate(_DIGITS))


def _split_tag(match: re.Match[str]) -> str:
    word = match.group(1)
    parts = _CAMEL.sub(" ", word).replace("_", " ")
    return f" {word} {parts} " if parts.lower() != word.lower() else f" {word} "


def normalise(text: str) -> str:
    """Return a casefolded, NFKC-normalised text with URLs, control characters and tweet dates removed."""
    if not text:
        return ""
    # Each regex runs only when its trigger character is present: tokenising runs on every claim at import,
    # and these guards roughly double throughput.
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    if not text.isprintable():
        text = _CONTROL.sub(" ", text)
    if "/" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "#" in text or "@" in text:
        text = _TAG.sub(_split_tag, text)
    text = text.casefold()
    if not text.isascii():
        text = _unaccent(text)
    if ")" in text:
        text = _SIGNATURE_DATE.sub(r") \1 \2", text)
    return " ".join(text.split())


# A plain dict beats lru_cache by ~2x on the hot path; vocabulary is bounded in practice, and the cache is
# simply dropped if a flood of junk words ever makes it large.
_STEMS: dict[str, str] = {}
_MAX_STEMS = 1_000_000


def _stem(word: str) -> str:
    """Stem of a word, or "" for a stopword (one dict lookup does both jobs on the hot path)."""
    stem = _STEMS.get(word)
    if stem is None:
        if len(_STEMS) >= _MAX_STEMS:
            _STEMS.clear()
        stem = _STEMS[word] = "" if word in STOPWORDS else _stemmer.stemWord(word)
    return stem


def _fix(word: str) -> list[str]:
    if "'" in word:
        # "mcdonald's" -> "mcdonald", "don't" -> "dont": unicode61 would split at the apostrophe otherwise.
        word = word[:-2] if word.endswith("'s") else word
        word = word.replace("'", "")
    if "," in word or "." in word:
        if _THOUSANDS.fullmatch(word):
            return [word.replace(",", "")]
        if _DECIMAL.fullmatch(word):
            # "3.5" must stay one [a-z0-9] token and not collide with "35".
            return [word.replace(".", "p")]
        split = _SPLIT if word.isascii() else _USPLIT
        out = []
        for piece in word.split(","):
            if _THOUSANDS.fullmatch(piece):
                out.append(piece)
            elif _DECIMAL.fullmatch(piece):
                out.append(piece.replace(".", "p"))
            else:
                out.extend(split.findall(piece))
        return out
    return [word]


def _bigrams(word: str) -> list[str]:
    """A word with runs of an unspaced script (Chinese, Japanese, Thai...) cut into character bigrams."""
    out: list[str] = []
    last = 0
    for run in _UNSPACED_RUN.finditer(word):
        if run.start() > last:
            out.append(word[last:run.start()])
        chars = run.group()
        out.extend([chars] if len(chars) == 1 else [chars[i:i + 2] for i in range(len(chars) - 1)])
        last = run.end()
    if last < len(word):
        out.append(word[last:])
    return out


def _words(text: str) -> list[str]:
    out: list[str] = []
    normalised = normalise(text)
    if normalised.isascii():
        for word in _TOKEN.findall(normalised):
            if word.isalnum():
                out.append(word)
            else:
                out.extend(_fix(word))
        return out
    for word in _UTOKEN.findall(normalised):
        pieces = [word] if word.isalnum() else _fix(word)
        for piece in pieces:
            if piece.isascii() or not _HAS_UNSPACED.search(piece):
                out.append(piece)
            else:
                out.extend(_bigrams(piece))
    return out


def surface_words(text: str, lang: str | None = None) -> list[str]:
    """Return the normalised word and number forms of a text, stopwords of its language dropped, before stemming
    (``lang`` None: the text's detected language)."""
    if lang is None:
        lang = detect_language(text)
    stops = STOPWORDS if lang == "en" else _language(lang, text).stopwords
    return [w for w in _words(text) if w not in stops]


def tokens(text: str, lang: str | None = None) -> list[str]:
    """Return the stemmed, stopword-free tokens of a text in order, with repeats, in the Snowball stemmer of
    ``lang`` (ISO 639-1; None: the text's detected language; no stemmer for the language: the words as they are)."""
    if lang is None:
        lang = detect_language(text)
    if lang == "en":
        get = _STEMS.get
        stem_word = _stem
    else:
        language = _language(lang, text)
        get = language.stems.get
        stem_word = language.stem
    out = []
    for word in _words(text):
        stem = get(word)
        if stem is None:
            stem = stem_word(word)
        if stem:
            out.append(stem)
    return out


def index_terms(text: str, title: str | None = None, speaker: str | None = None, lang: str | None = None) -> str:
    """Return the space-joined token string stored and full-text indexed for one claim (``lang`` None: detected
    from the claim's text)."""
    # Title tokens are appended once (title carries the fact-checker's wording; measured: without the title
    # BM25 MAP@5 drops 4 points on snopes train, repeating it twice does not help).
    # One tokenising pass over the joined fields is ~30% faster than three.
    if lang is None:
        lang = detect_language(text or title or "")
    return " ".join(tokens(" \n ".join(f for f in (text, title, speaker) if f), lang))


# ISO 639-1 code -> PyStemmer's Snowball algorithm.
SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek", "es": "spanish",
    "et": "estonian", "eu": "basque", "fa": "persian", "fi": "finnish", "fr": "french", "ga": "irish",
    "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "nl": "dutch", "no": "norwegian", "pl": "polish", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}


# Arabic's definite article and the particles fused with it ("wal-", "bil-", "lil-") come off before the
# Snowball stemmer, which leaves many of them on. On arabic-tweets, BM25 over the terms: train MAP@5 0.865 with
# the stemmer alone, 0.886 with the article taken off first (dev 0.838 -> 0.869); no stemming 0.857. Then the
# preposition "li-" on a word without the article ("لرسول" = "to a messenger"), which the stemmer keeps, when
# four letters are left: the lexical ranker's MAP@5 on train 0.886 -> 0.892 (dev 0.842 -> 0.852); with three
# letters left ("لقاح", vaccine, is no "li-" word) 0.891 / 0.847. A light stemmer (Larkey's light10) in place of
# Snowball lost 0.017 on train (0.868 / 0.839). Measured on bench/fit_ranker.py's pools rebuilt outside the
# database for each choice (the same figures as the database's, checked on three of them).
_ARTICLES = {"ar": (re.compile(r"^(?:وال|بال|كال|فال|لل|ال)(?=..)"), re.compile(r"^ل(?=....)"))}


# Dialect particles common in tweets ("ده" this, "مش" not, "عشان" because, "اللي" which) are function words like
# those of the stop-words package's Arabic list (from newswire, so Modern Standard Arabic only). On arabic-tweets
# (the lexical ranker; bench/fit_ranker.py's pools, rebuilt outside the database for each choice) train / dev
# MAP@5 0.892 / 0.852 -> 0.894 / 0.855. Also taking the list's content words out of it ("مليون" million, "اليوم"
# today, "قال" said, months) scored 0.896 / 0.848 (0.898 / 0.851 with the particles). No stop words at all scored
# 0.894 / 0.861: the same on train, and on dev a gain within the noise of 84 queries, for matches whose shared
# words would list "في" (in) and "من" (from): not shipped.
_MORE_STOP_WORDS = {"ar": ("ده", "دي", "دا", "دى", "مش", "بس", "اللي", "ايه", "عشان", "علشان", "يا", "هل", "ليس",
                           "انا", "انت", "احنا", "نحن", "هم", "كده")}


class _Language:
    """The stemmer, stop words and stem cache of one language."""

    def __init__(self, code: str) -> None:
        algorithm = SNOWBALL.get(code)
        self.stemmer = Stemmer.Stemmer(algorithm) if algorithm else None
        self.stems: dict[str, str] = {}
        self.prefixes = _ARTICLES.get(code, ())
        try:
            words = get_stop_words(code)
        except StopWordError:  # the package has no list for this language
            words = []
        # The lists are written with accents; the text they are compared with has been normalised.
        words = [*words, *_MORE_STOP_WORDS.get(code, ())]
        self.stopwords = frozenset(w for word in words for w in _words(word))

    def stem(self, word: str) -> str:
        stem = self.stems.get(word)
        if stem is None:
            if len(self.stems) >= _MAX_STEMS:
                self.stems.clear()
            if word in self.stopwords:
                stem = ""
            else:
                bare = word
                for prefix in self.prefixes:
                    bare = prefix.sub("", bare)
                stem = self.stemmer.stemWord(bare) if self.stemmer else bare
            self.stems[word] = stem
        return stem


_LANGUAGES: dict[str, _Language] = {}


def _language(lang: str | None, text: str) -> _Language:
    code = lang or detect_language(text)
    language = _LANGUAGES.get(code)
    if language is None:
        language = _LANGUAGES[code] = _Language(code)
    return language


def stem_function(lang: str | None, text: str = ""):
    """The word -> stem ("" for a stop word) function of a language (None: detected from ``text``)."""
    lang = lang or detect_language(text)
    return _stem if lang == "en" else _language(lang, text).stem

"""Check-worthiness scorer: how much a fact-checker would want to check a sentence, 0..1.

The model is one sparse linear model (logistic regression) over binary features of the
sentence text alone: stemmed word 1-2-grams (numbers folded into shape tokens such as
``#num``/``#year``) plus transparent cue features (numbers, percentages, money,
comparatives/superlatives, capitalised spans, quotes, tense, person, hedges, question
marks, length buckets).  Each present feature has value idf, the vector is L2-normalised
(TF-IDF with binary term frequency), and score = sigmoid(bias + sum(weight * idf) / norm).

Weights live in ``checkworthiness_model.json.gz`` next to this file, written by
``bench/train_checkworthiness.py`` (40 of the 50 debates and 80% of the ClaimBuster sentences), and are
loaded lazily once on first use.
``model_info()`` returns ``{"name", "trained_on", "heldout_map", "features", ...}`` from it.

Runtime dependencies: stdlib, PyStemmer (no scikit-learn, no framework).
"""

from __future__ import annotations

import gzip
import json
import math
import re
import threading
from pathlib import Path
from typing import Sequence

import Stemmer

MODEL_PATH = Path(__file__).with_name("checkworthiness_model.json.gz")

# Sentences are short; anything longer is a paste accident, and featurising it in full would
# only cost time (the length bucket still records that it was long).
MAX_CHARS = 2000

_TOKEN = re.compile(r"\$|%|\d+(?:[.,]\d+)*|[^\W\d_]+(?:['\u2019][^\W\d_]+)*", re.UNICODE)
_CAP_SPAN = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+(?:\s+(?:of\s+|the\s+)?[A-Z][a-z]+)*")
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
_QUOTE = re.compile(r"[\"\u201c\u201d]")
_YEAR = re.compile(r"(?:19|20)\d\d")

_FIRST_SG = frozenset({"i", "me", "my", "mine", "i'm", "i've", "i'll", "i'd"})
_FIRST_PL = frozenset({"we", "us", "our", "ours", "we're", "we've", "we'll"})
_SECOND = frozenset({"you", "your", "yours", "you're", "you've"})
_HEDGES = frozenset({"think", "believe", "maybe", "perhaps", "probably", "might", "guess", "hope",
                     "feel", "seems", "possibly", "could"})
_FUTURE = frozenset({"will", "going", "gonna", "ll", "would", "shall"})
_PAST = frozenset({"was", "were", "had", "did", "said", "got", "went", "made", "voted", "lost", "ago"})
_SUPERLATIVE = frozenset({"most", "least", "best", "worst", "biggest", "largest", "highest", "lowest",
                          "greatest", "smallest", "fastest", "record", "ever", "first", "only"})
_COMPARATIVE = frozenset({"more", "less", "fewer", "than", "higher", "lower", "bigger", "larger",
                          "better", "worse", "increase", "increased", "decrease", "decreased", "doubled",
                          "tripled", "half", "times"})
_MAGNITUDE = frozenset({"percent", "million", "billion", "trillion", "thousand", "hundred", "dozen",
                        "percentage", "dollars"})
_NUMBER_WORDS = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                           "eleven", "twelve", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
                           "eighty", "ninety", "hundred", "thousand", "million", "billion", "trillion",
                           "half", "third", "quarter", "double", "triple"})
_NEGATION = frozenset({"not", "no", "never", "n't", "nothing", "nobody", "none"})
_LEN_EDGES = (0, 1, 3, 5, 8, 12, 17, 25, 35, 50)

# PyStemmer objects must not be shared between threads, so each thread gets its own.
_local = threading.local()
_model_lock = threading.Lock()
_model: dict | None = None


def _stemmer() -> Stemmer.Stemmer:
    """This thread's English Snowball stemmer."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def _shape(token: str) -> str:
    """A digit token folded into a shape class; other tokens lower-cased."""
    if token[0].isdigit():
        if len(token) == 4 and _YEAR.fullmatch(token):
            return "#year"
        return "#num"
    return token.lower()


def _length_bucket(n: int) -> str:
    """Bucket label of a token count."""
    for edge in reversed(_LEN_EDGES):
        if n >= edge:
            return f"len>={edge}"
    return "len>=0"


def featurize(sentence: str) -> list[str]:
    """The set of binary feature names of one sentence (order irrelevant, no duplicates)."""
    if not isinstance(sentence, str):
        sentence = "" if sentence is None else str(sentence)
    text = sentence[:MAX_CHARS]
    raw = _TOKEN.findall(text)
    lowered = [_shape(t) for t in raw]
    stems = _stemmer().stemWords(lowered)
    feats = {"w:" + s for s in stems}
    padded = ["<s>", *stems, "</s>"]
    feats.update("b:" + a + " " + b for a, b in zip(padded, padded[1:], strict=False))

    n = len(raw)
    if len(sentence) > MAX_CHARS:
        n = max(n, 50)
    words = set(lowered)
    cues = [_length_bucket(n)]
    if any(t[0].isdigit() for t in raw):
        cues.append("has_digit")
    if "#year" in words:
        cues.append("has_year")
    if "%" in words or "percent" in words:
        cues.append("has_percent")
    if "$" in words or "dollars" in words:
        cues.append("has_money")
    if words & _MAGNITUDE:
        cues.append("has_magnitude")
    if words & _NUMBER_WORDS:
        cues.append("has_number_word")
    if words & _SUPERLATIVE or any(len(w) > 5 and w.endswith("est") for w in words):
        cues.append("superlative")
    if words & _COMPARATIVE:
        cues.append("comparative")
    if words & _FIRST_SG:
        cues.append("first_sg")
    if words & _FIRST_PL:
        cues.append("first_pl")
    if words & _SECOND:
        cues.append("second_person")
    if words & _HEDGES:
        cues.append("hedge")
    if words & _FUTURE:
        cues.append("future")
    if words & _PAST or sum(w.endswith("ed") for w in words) >= 2:
        cues.append("past")
    if words & _NEGATION or "n't" in text:
        cues.append("negation")
    stripped = text.rstrip()
    if stripped.endswith("?"):
        cues.append("question")
    elif stripped.endswith("!"):
        cues.append("exclaim")
    if _QUOTE.search(text):
        cues.append("quote")
    caps = len(_CAP_SPAN.findall(text)) + len(_ACRONYM.findall(text))
    cues.append("caps=" + ("0" if caps == 0 else "1" if caps == 1 else "2" if caps == 2 else "3+"))
    if "(" in text or "[" in text:
        cues.append("bracket")
    feats.update("c:" + c for c in cues)
    return list(feats)


def _load() -> dict:
    """The model file, read once per process."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                with gzip.open(MODEL_PATH, "rt", encoding="utf-8") as handle:
                    data = json.load(handle)
                # feature -> (weight * idf, idf ** 2): one dict lookup per feature at scoring time
                data["features"] = {k: (float(v[0]), float(v[1]) ** 2) for k, v in data["features"].items()}
                _model = data
    return _model


def _sigmoid(z: float) -> float:
    """Logistic function, safe for any finite or infinite z."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def score_sentences(sentences: Sequence[str]) -> list[float]:
    """Check-worthiness 0..1 per sentence (same order)."""
    model = _load()
    get = model["features"].get
    bias = float(model["bias"])
    out = []
    for sentence in sentences:
        num = norm2 = 0.0
        for f in featurize(sentence):
            entry = get(f)
            if entry is not None:
                num += entry[0]
                norm2 += entry[1]
        z = bias + num / math.sqrt(norm2) if norm2 > 0 else bias
        score = _sigmoid(z) if math.isfinite(z) else 0.0
        out.append(min(1.0, max(0.0, score)))
    return out


def score_sentence(sentence: str) -> float:
    """Check-worthiness 0..1 of one sentence."""
    return score_sentences([sentence])[0]


def model_info() -> dict:
    """Name, training data, held-back MAP and feature description of the shipped model."""
    return dict(_load()["info"])


def explain(sentence: str, top: int = 8) -> list[tuple[str, float]]:
    """The features of a sentence with the largest absolute contributions (weight * idf), for transparency."""
    table = _load()["features"]
    found = [(f, table[f][0]) for f in featurize(sentence) if f in table]
    return sorted(found, key=lambda fw: -abs(fw[1]))[:top]


def __getattr__(name: str) -> dict:
    """``MODEL_INFO`` as a lazy module attribute, so importing the module never reads the file."""
    if name == "MODEL_INFO":
        return model_info()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Chosen on train by bench/train_checkworthiness.py (out-of-fold scores of the 80% of the ClaimBuster sentences
# the model was fitted on): the lowest scores at which 75% ("high") and 50% ("medium") of the sentences there are
# check-worthy. Precision on the held-back ClaimBuster part and the dev debates is in the README.
LABEL_THRESHOLDS = {"high": 0.0386, "medium": 0.0156}


def label_of(score: float | None, thresholds: dict[str, float] | None = None) -> str:
    """'high', 'medium' or 'low': what a check-worthiness score means to an editor."""
    t = thresholds or LABEL_THRESHOLDS
    if score is None:
        return "low"
    if score >= t["high"]:
        return "high"
    if score >= t["medium"]:
        return "medium"
    return "low"


_CUE_NAMES = {"has_digit": "a number", "has_percent": "a percentage", "has_money": "an amount of money",
              "has_year": "a year", "superlative": "a superlative", "comparative": "a comparison",
              "magnitude": "a quantity", "negation": "a negation", "quote": "a quotation", "past": "past tense",
              "future": "future tense", "hedge": "hedging", "question": "a question"}
_NOT_A_CUE = frozenset("""which where there their these those other about after again against because
before being below between both could during each further having here into itself just more most only other
over same should some such than that them then they this through under until very were what when while whom
with would your also said says told""".split())
_SHAPES = {"#num": "a number", "#year": "a year", "#pct": "a percentage", "%": "a percentage", "$": "money"}


def cues(sentence: str, top: int = 3) -> list[str]:
    """In plain words, what raised this sentence's score most (a number, a superlative, "unemployment")."""
    out: list[str] = []
    for feature, weight in explain(sentence, top=16):
        if weight <= 0:
            continue
        kind, _, value = feature.partition(":")
        if kind == "c":
            text = _CUE_NAMES.get(value.split("=")[0])
        elif kind == "w":
            text = _SHAPES.get(value) or (f"\u201c{value}\u201d" if value.isalpha() and len(value) > 3
                                          and value not in _NOT_A_CUE
                                          and re.search(rf"\b{re.escape(value)}\b", sentence, re.IGNORECASE)
                                          else None)
        else:
            text = None
        if text and text not in out:
            out.append(text)
        if len(out) >= top:
            break
    return out

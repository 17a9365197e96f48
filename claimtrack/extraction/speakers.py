"""Who said it: a fitted ranker over the possible sources of each candidate sentence. Pure code.

For every candidate (a sentence, or a whole multi-sentence quotation) the possible sources are listed:

* ``name``: a run of capitalised words ("Sen. Harry M. Reid", "The New York Post", "Trump's"),
* ``pron``: a pronoun ("he", "they", "it", "I"),
* ``nom``: a determiner and up to three lower-case words ("the senator", "a federal judge", "his campaign"),
* ``other``: a bare word that heads sources ("officials", "sources", "polls", learned from the training data),
* ``prev``: whoever the previous candidate was attributed to (a quotation running on, "He added: ..." then a
  paragraph of quote),
* ``none``: nobody but the outlet ("A statement with no source stays the outlet's").

Each possible source is described by sparse features (its kind, the words around it, how far the nearest
speech or thought cue is and on which side, whether it sits inside quote marks, its place in the sentence ...)
and scored by a logistic regression fitted on PolNeAR's training articles (``bench/train_attribution.py``;
the weights ship in ``speaker_model.json.gz``, no text). The best scoring source wins; pronouns and
"the senator"-style references are then resolved to the nearest earlier named speaker (a title is looked up
among the people the article introduced with it), and a surname to the fullest form the article used.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("speaker_model.json.gz")
PARSE_MODEL_PATH = Path(__file__).with_name("speaker_model_parse.json.gz")   # fitted with the parse

PRONOUNS = frozenset("he she they it we i you who him her them us me".split())
PERSON_PRONOUNS = frozenset("he she him her i me".split())
DETERMINERS = frozenset("the this that these those his her its their our my your a an another some many "
                        "several most one two three both each every few other".split())
INDEFINITE = frozenset("a an another some many several most one two three both each every few other".split())
_FUNCTION = frozenset("""
a an the and but or nor so yet both either neither however meanwhile also still then now later earlier instead
indeed moreover furthermore in on at by for from with without to of as after before during since until when
while if although though because this that these those there here it its his her their our my your we they he
she i you one some many most all no not every each another other such what which who whom whose where why how
yesterday today tonight last next first finally ultimately previously recently is are was were be been being
has have had do does did will would can could should may might must than into over under about against
between through up down out off very just only even more less much
""".split())
_CAP_JOIN = frozenset("of for the de da del della di van von der den bin ibn al la le du dos das y and &".split())
_PARTY = re.compile(r"[DRI](?:-[A-Z][A-Za-z.]{0,5})?")
_DAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday january february march april may "
                  "june july august september october november december".split())
_QUOTE_MARKS = "\"\u201c\u201d\u201e\u00ab\u00bb"
_TOKEN = re.compile(
    r"(?:[A-Z]\.){2,}|[A-Z]\.(?=\s+[A-Z])|"                 # U.S. / the initial of "Harry M. Reid"
    r"(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Prof|St|Jr|Sr|Rev|Hon|Atty|Supt|Det|Adm|Cmdr)\.|"
    r"[^\W_]+(?:['\u2019.&-][^\W_]+)*(?:['\u2019]s?)?|"
    r"''|``|[^\w\s]")


@dataclass(frozen=True)
class Token:
    text: str
    low: str
    start: int
    end: int
    cap: bool
    in_quote: bool


@dataclass(frozen=True)
class Mention:
    kind: str            # name / pron / nom / other / prev / none
    first: int           # token indexes [first, last] in the unit (-1 for prev / none)
    last: int
    text: str


def tokenize(text: str, quotes: Sequence[tuple[int, int]]) -> list[Token]:
    """Word and punctuation tokens with offsets; ``in_quote`` marks tokens inside quotation marks."""
    out = []
    qi = 0
    for m in _TOKEN.finditer(text):
        s, e = m.span()
        while qi < len(quotes) and quotes[qi][1] <= s:
            qi += 1
        inside = qi < len(quotes) and quotes[qi][0] < s and e <= quotes[qi][1]
        tok = m.group()
        low = tok.casefold().replace("\u2019", "'")
        split = _CONTRACTION.fullmatch(low)
        if split and split.group(1) in PRONOUNS:     # "He's claiming" -> "He" + "'s"
            cut = s + len(split.group(1))
            out.append(Token(tok[:cut - s], split.group(1), s, cut, tok[:1].isupper(), inside))
            out.append(Token(tok[cut - s:], low[cut - s:], cut, e, False, inside))
            continue
        out.append(Token(tok, low, s, e, tok[:1].isupper(), inside))
    return out


_CONTRACTION = re.compile(r"([a-z]+)('s|'re|'ll|'d|'ve|'m)")


def _is_word(tok: Token) -> bool:
    return tok.text[:1].isalnum()


def _possessive(tok: Token) -> bool:
    return tok.low.endswith(("'s", "s'")) and len(tok.low) > 2


def find_mentions(tokens: Sequence[Token], heads: frozenset[str], cues: dict[str, float],
                  common: frozenset[str] = frozenset(), lower: frozenset[str] = frozenset()) -> list[Mention]:
    """The possible sources among a unit's tokens (names, pronouns, nominal phrases, bare source words);
    ``common``: words the article also writes in lower case ("Regardless" opening a sentence is no name);
    ``lower``: words English writes in lower case ("Following Monday's debate": no name before "Monday")."""
    out: list[Mention] = []
    n = len(tokens)
    i = 0
    while i < n:
        tok = tokens[i]
        if tok.in_quote or not _is_word(tok):
            i += 1
            continue
        if i > 0 and tokens[i - 1].text == "(" and _PARTY.fullmatch(tok.text):
            i += 1                                   # "Gov. Pat McCrory (R)", "(D-Va.)": a party, no source
            continue
        if tok.cap and not (tok.low in _FUNCTION and tok.low != "the" and (i + 1 >= n or not tokens[i + 1].cap)):
            j = i
            while j + 1 < n and not _possessive(tokens[j]) and not tokens[j + 1].in_quote and (
                    (tokens[j + 1].cap and _is_word(tokens[j + 1]))
                    or (tokens[j + 1].low in _CAP_JOIN and j + 2 < n and tokens[j + 2].cap)):
                j += 1
            first = i
            while first < j and (tokens[first].low in _FUNCTION or (first == 0 and tokens[first].low in lower)) \
                    and tokens[first].low != "the":
                first += 1
            if tokens[first].low == "the" and first == j:
                tok = tokens[first]          # "The senator said": a nominal phrase, read below
            elif j - first >= 2 and all(t.text.isupper() for t in tokens[first:j + 1]):
                i = j + 1                    # "CONGRESS HAS INVESTIGATED HIM": a crosshead, not a name
                continue
            else:
                if tokens[first].low not in _FUNCTION or first < j:
                    text = " ".join(t.text for t in tokens[first:j + 1])
                    single = first == j and (first == 0 or tokens[first].low in lower)
                    nxt = tokens[j + 1] if j + 1 < n else None
                    head = _lower_head(tokens, j, heads) if not _possessive(tokens[j]) and (
                        tokens[first].low == "the" or first == j) else None
                    if head is not None:
                        j = head                      # "The GOP presidential nominee", "Democratic state senators"
                        out.append(Mention("name", first, j, " ".join(t.text for t in tokens[first:j + 1])))
                    elif nxt is not None and not _possessive(tokens[j]) and nxt.low in heads and not nxt.cap:
                        j += 1                        # "City officials", "White House aides"
                        out.append(Mention("name", first, j, " ".join(t.text for t in tokens[first:j + 1])))
                    elif first == j and nxt is not None and nxt.text.isalpha() and not nxt.cap and \
                            nxt.low not in _FUNCTION and nxt.low not in _AUX and cues.get(nxt.low, 0.0) < 0.05 \
                            and not _possessive(tokens[j]):
                        pass                          # "prior Ukrainian administrations": a modifier, no name
                    elif (tokens[j].low not in _DAYS or first < j) and not (
                            single and (tokens[j].low in common or tokens[j].low in lower)
                            and not tokens[j].text.isupper()):
                        k = j
                        while _possessive(tokens[j]) and k + 1 < n and k - j < 2 and not tokens[k + 1].cap \
                                and _is_word(tokens[k + 1]) and tokens[k + 1].low not in _FUNCTION:
                            k += 1
                            if tokens[k].low in heads:       # "Turkey's government", "Trump's campaign"
                                out.append(Mention("name", first, k, " ".join(t.text for t in tokens[first:k + 1])))
                                j = k                        # its head is not a source of its own
                                break
                        else:
                            out.append(Mention("name", first, j, text))
                    elif first == j and tokens[j].low in heads:
                        out.append(Mention("other", j, j, tokens[j].text))     # "Officials said ..."
                i = j + 1
                continue
        if tok.low in PRONOUNS:
            out.append(Mention("pron", i, i, tok.text))
            i += 1
            continue
        if tok.low in DETERMINERS:
            j = i
            while j + 1 < n and j - i < 3 and _is_word(tokens[j + 1]) and not tokens[j + 1].cap \
                    and not tokens[j + 1].in_quote and tokens[j + 1].low not in _FUNCTION \
                    and tokens[j + 1].low not in _AUX and cues.get(tokens[j + 1].low, 0.0) < 0.03 \
                    and not tokens[j + 1].low.endswith(("ed", "ing", "ly")):
                j += 1
            if j > i:
                out.append(Mention("nom", i, j, " ".join(t.text for t in tokens[i:j + 1])))
                i = j + 1
                continue
        if tok.low in heads:
            out.append(Mention("other", i, i, tok.text))
        i += 1
    return out


def _lower_head(tokens: Sequence[Token], j: int, heads: frozenset[str]) -> int | None:
    """The end of "<capitalised words> <two or three lower-case words> <head>" ("The GOP presidential nominee"),
    or None: the modifiers are plain words, the last one heads sources."""
    k = j
    while k + 1 < len(tokens) and k - j < 3:
        nxt = tokens[k + 1]
        if nxt.cap or nxt.in_quote or not nxt.text.isalpha() or nxt.low in _FUNCTION or nxt.low in _AUX:
            break
        k += 1
        if nxt.low in heads and k - j >= 2:
            return k
    return None


def _word(tokens: Sequence[Token], i: int) -> str:
    if i < 0:
        return "<s>"
    if i >= len(tokens):
        return "</s>"
    tok = tokens[i]
    if tok.text[:1].isdigit():
        return "<num>"
    if tok.text in _QUOTE_MARKS or tok.text in ("''", "``"):
        return "<q>"
    if tok.cap and tok.low not in _FUNCTION and tok.low not in _DAYS:
        return "<cap>"
    return tok.low


def _bucket(d: int) -> str:
    return str(d) if d <= 3 else ("4-6" if d <= 6 else ("7-12" if d <= 12 else "far"))


@dataclass(frozen=True)
class UnitView:
    """What the features see of one unit: its tokens, its cues and its place in the article."""
    tokens: Sequence[Token]
    cue_at: Sequence[int]          # token indexes of likely cues (speech, thought, "according to")
    quoted_share: float            # share of the word tokens inside quotation marks
    starts_quoted: bool
    new_paragraph: bool
    prev_kind: str                 # kind of the previous unit's chosen source ("none" when it had none)
    prev_quoted: bool
    # the parse, when the model was fitted with one: the paragraph's parse and, for each token, its parse token
    syntax: tuple | None = None


def mention_features(m: Mention, v: UnitView, order: int, total: int) -> list[str]:
    """Sparse features of one possible source in one unit."""
    k = m.kind
    t = v.tokens
    f = [f"k={k}", f"k={k}|qs={_share(v.quoted_share)}", f"k={k}|sq={v.starts_quoted}",
         f"k={k}|cues={min(len(v.cue_at), 3)}"]
    if k in ("prev", "none"):
        f += [f"k={k}|np={v.new_paragraph}", f"k={k}|pk={v.prev_kind}", f"k={k}|pq={v.prev_quoted}",
              f"k={k}|pk={v.prev_kind}|qs={_share(v.quoted_share)}|cues={min(len(v.cue_at), 2)}",
              f"k={k}|first={_word(t, 0)}", f"k={k}|nm={min(total, 4)}"]
        return f
    a, b = m.first, m.last
    n1, n2, p1, p2 = _word(t, b + 1), _word(t, b + 2), _word(t, a - 1), _word(t, a - 2)
    head = t[b].low if k != "name" else "<cap>"
    f += [f"k={k}|n1={n1}", f"k={k}|n2={n1}_{n2}", f"k={k}|p1={p1}", f"k={k}|p2={p2}_{p1}",
          f"k={k}|n1s={_shape(n1)}", f"k={k}|n1s={_shape(n1)}|n2s={_shape(n2)}", f"k={k}|p1s={_shape(p1)}",
          f"k={k}|n1s={_shape(n1)}|ord={min(order, 2)}|at0={a == 0}",
          f"k={k}|p1={p1}|n1={n1}", f"k={k}|head={head}", f"k={k}|head={head}|n1={n1}",
          f"k={k}|ord={min(order, 3)}", f"k={k}|rev={min(total - 1 - order, 3)}",
          f"k={k}|len={min(b - a + 1, 4)}", f"k={k}|at0={a == 0}", f"k={k}|poss={_possessive(t[b])}"]
    if k in ("nom", "pron"):
        f.append(f"k={k}|w0={t[a].low}")
        if k == "pron":
            f.append(f"k={k}|w0={t[a].low}|n1={n1}")
    right = [c for c in v.cue_at if c > b]
    left = [c for c in v.cue_at if c < a]
    if right:
        d = right[0] - b
        between = [x.text for x in t[b + 1:right[0]]]
        f += [f"k={k}|rc={_bucket(d)}", f"k={k}|rcw={t[right[0]].low}|d={_bucket(d)}",
              f"k={k}|rc_comma={',' in between}", f"k={k}|rc_q={any(x in _QUOTE_MARKS for x in between)}"]
    else:
        f.append(f"k={k}|rc=no")
    if left:
        d = a - left[-1]
        between = [x.text for x in t[left[-1] + 1:a]]
        f += [f"k={k}|lc={_bucket(d)}", f"k={k}|lcw={t[left[-1]].low}|d={_bucket(d)}",
              f"k={k}|lc_comma={',' in between}"]
    else:
        f.append(f"k={k}|lc=no")
    if right and left:
        f.append(f"k={k}|both={_bucket(right[0] - b)}_{_bucket(a - left[-1])}")
    if k == "name":
        f.append(f"k={k}|the={t[a].low == 'the'}")
        f.append(f"k={k}|acr={t[b].text.isupper() and len(t[b].text) > 1}")
    if v.syntax is not None:
        f += _parse_features(m, v)
    return f


def _cue_bucket(share: float) -> str:
    return "hi" if share >= 0.3 else ("mid" if share >= 0.1 else ("lo" if share > 0 else "no"))


def _parse_features(m: Mention, v: UnitView) -> list[str]:
    """What the parse says of a possible source: its relation to its head word ("nsubj" of "said", "dobj" of
    "dismissed", "pobj" of "to" in "according to"), whether that head is a cue, and whether the head governs
    the unit's quotation."""
    parsed, idx, cues, quote_heads, quote_subjects = v.syntax
    k = m.kind
    if k in ("prev", "none"):
        root = next((i for i, a in enumerate(parsed.arcs) if a.dep == "ROOT" and i in set(idx)), None)
        if root is None:
            return [f"k={k}|root=?"]
        subj = next((a for a in parsed.arcs if a.head == root and a.dep in ("nsubj", "nsubjpass")), None)
        rc = _cue_bucket(cues.get(parsed.arcs[root].low, 0.0))
        return [f"k={k}|rootcue={rc}", f"k={k}|rootsubj={subj.pos if subj else 'none'}|rootcue={rc}",
                f"k={k}|rootq={root in quote_heads}"]
    span = {idx[i] for i in range(m.first, m.last + 1) if idx[i] is not None}
    if not span:
        return [f"k={k}|dep=?"]
    head = next((i for i in sorted(span) if parsed.arcs[i].head not in span or parsed.arcs[i].head == i), max(span))
    arc = parsed.arcs[head]
    dep = arc.dep
    if dep == "appos":
        arc = parsed.arcs[arc.head]           # "Jean-Marc Ayrault, the foreign minister ...": the appositive's head
        dep = f"{arc.dep}>{dep}"
    gov_i = arc.head
    gov = parsed.arcs[gov_i]
    gcue = _cue_bucket(cues.get(gov.low, 0.0))
    out = [f"k={k}|dep={dep}", f"k={k}|dep={dep}|gpos={gov.pos}", f"k={k}|dep={dep}|gcue={gcue}",
           f"k={k}|dep={dep}|gq={gov_i in quote_heads}", f"k={k}|dep={dep}|gdep={gov.dep}|gcue={gcue}"]
    if dep.startswith("pobj"):
        up = parsed.arcs[gov.head]
        out.append(f"k={k}|pobj={gov.low}_{up.low if up.low in cues or up.low == 'according' else up.pos}")
    if gov.low in cues and cues[gov.low] >= 0.1:
        out.append(f"k={k}|dep={dep}|g={gov.low}")
    elif gov.pos in ("VERB", "AUX"):
        out.append(f"k={k}|dep={dep}|gw={gov.low}")     # verbs of acts and feelings: "imposed", "exhorted"
    if quote_subjects:
        out.append(f"k={k}|qsubj={head in quote_subjects}")
    return out


_AUX = frozenset("has have had is are was were will would did does do can could should may might must also "
                 "not never still only just".split())


def _shape(word: str) -> str:
    """The rough part of speech of a neighbouring word, for verbs the cue lexicon never saw ("ducks on")."""
    if word.startswith("<"):
        return word
    if word in _AUX:
        return "aux"
    if word in _FUNCTION:
        return "fn"
    if not word.isalpha():
        return "punct"
    if word.endswith("ed"):
        return "ed"
    if word.endswith("ing"):
        return "ing"
    if word.endswith("ly"):
        return "ly"
    if word.endswith("s"):
        return "s"
    return "w"


def _share(x: float) -> str:
    return "0" if x == 0 else ("all" if x >= 0.95 else ("most" if x >= 0.5 else "some"))


@dataclass
class SpeakerModel:
    """The fitted weights: feature -> weight, the cue lexicon (word -> share of its uses that were cues) and
    the words that head sources."""
    weights: dict[str, float]
    cues: dict[str, float]
    heads: frozenset[str]
    bias: float = 0.0
    cue_threshold: float = 0.15
    none_bias: float = 0.0          # chosen on dev: PolNeAR counts nearly every subject as a source
    lower: frozenset[str] = frozenset()   # words written in lower case mid-sentence (not names)
    strong_cue: float = 0.3               # a unit with no cue this strong is the outlet's own statement
    # The fitted guard (replaces ``strong_cue`` when present): a logistic regression over unit features
    # (guard_features) for "this unit holds an attribution at all"; under ``guard_threshold`` it is the outlet's.
    guard: dict[str, float] = field(default_factory=dict)
    guard_bias: float = 0.0
    guard_threshold: float = 0.5
    parse: bool = False             # fitted with the parse features (claimtrack.extraction.syntax)

    def score(self, features: Iterable[str]) -> float:
        w = self.weights
        return self.bias + sum(w.get(x, 0.0) for x in features)

    def cue_positions(self, tokens: Sequence[Token]) -> list[int]:
        out = []
        for i, tok in enumerate(tokens):
            if tok.in_quote:
                continue
            if tok.text == ":" or self.cues.get(tok.low, 0.0) >= self.cue_threshold:
                out.append(i)
            elif tok.low == "according" and i + 1 < len(tokens) and tokens[i + 1].low == "to":
                out.append(i)
        return out

    def to_json(self) -> dict:
        return {"format": 1, "bias": self.bias, "cue_threshold": self.cue_threshold, "none_bias": self.none_bias,
                "strong_cue": self.strong_cue, "guard_bias": round(self.guard_bias, 4),
                "guard_threshold": self.guard_threshold, "parse": self.parse,
                "guard": {k: round(v, 3) for k, v in sorted(self.guard.items()) if abs(v) >= 0.02},
                "cues": {k: round(v, 4) for k, v in sorted(self.cues.items())}, "heads": sorted(self.heads),
                "lower": sorted(self.lower),
                "weights": {k: round(v, 3) for k, v in sorted(self.weights.items()) if abs(v) >= 0.05}}

    @classmethod
    def from_json(cls, data: dict) -> "SpeakerModel":
        return cls(weights=dict(data["weights"]), cues=dict(data["cues"]), heads=frozenset(data["heads"]),
                   bias=float(data.get("bias", 0.0)), cue_threshold=float(data.get("cue_threshold", 0.15)),
                   none_bias=float(data.get("none_bias", 0.0)), lower=frozenset(data.get("lower", ())),
                   strong_cue=float(data.get("strong_cue", 0.3)), guard=dict(data.get("guard", {})),
                   guard_bias=float(data.get("guard_bias", 0.0)),
                   guard_threshold=float(data.get("guard_threshold", 0.5)), parse=bool(data.get("parse", False)))

    def attributed(self, features: Iterable[str]) -> float:
        """The guard's probability that a unit holds an attribution at all."""
        z = self.guard_bias + sum(self.guard.get(x, 0.0) for x in features)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> SpeakerModel | None:
    """The shipped model (None when the file is missing or unreadable: attribution then falls back to rules).
    Without ``path``: the one fitted with the parse when the parser is installed, else the word-order one."""
    if path is None:
        from claimtrack.extraction.syntax import parser

        path = str(PARSE_MODEL_PATH) if PARSE_MODEL_PATH.exists() and parser() is not None else str(MODEL_PATH)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return SpeakerModel.from_json(json.load(handle))
    except (OSError, ValueError, KeyError, TypeError, EOFError) as error:
        logging.getLogger(__name__).warning(
            "speaker model %s unreadable (%s): speakers come from the hand-written rules; "
            "run bench/train_attribution.py --write", path, error)
        return None


def unit_view(tokens: Sequence[Token], model: SpeakerModel, new_paragraph: bool, prev_kind: str,
              prev_quoted: bool, parsed=None, unit_start: int = 0) -> UnitView:
    """``parsed``: the paragraph's ParsedText when the model was fitted with a parse (``unit_start``: where the
    unit starts in the paragraph)."""
    words = [t for t in tokens if _is_word(t)]
    quoted = sum(1 for t in words if t.in_quote)
    share = quoted / len(words) if words else 0.0
    starts = bool(tokens) and (tokens[0].text in _QUOTE_MARKS or tokens[0].text in ("''", "``"))
    syntax = None
    if parsed is not None and model.parse:
        from claimtrack.extraction.syntax import align

        idx = align(parsed, [unit_start + t.start for t in tokens])
        quote_heads: set[int] = set()
        for t, i in zip(tokens, idx, strict=True):
            if t.in_quote and i is not None:
                j, seen = i, 0
                while seen < 12 and parsed.arcs[j].head != j:
                    j = parsed.arcs[j].head
                    quote_heads.add(j)
                    seen += 1
        syntax = (parsed, idx, model.cues, frozenset(quote_heads), _quote_subjects(parsed, tokens, idx))
    return UnitView(tokens, model.cue_positions(tokens), share, starts, new_paragraph, prev_kind, prev_quoted,
                    syntax)


def _quote_subjects(parsed, tokens: Sequence[Token], idx: Sequence[int | None]) -> frozenset[int]:
    """The subjects of the verbs that govern the unit's quotation: for each quoted word, its first ancestor
    outside the quotation; when that is a verb, its nominal subjects ("Cruz exhorted Republicans to "vote ...""
    -> Cruz)."""
    inside = {i for t, i in zip(tokens, idx, strict=True) if t.in_quote and i is not None}
    if not inside:
        return frozenset()
    verbs: set[int] = set()
    for i in inside:
        j, seen = i, 0
        while j in inside and parsed.arcs[j].head != j and seen < 20:
            j = parsed.arcs[j].head
            seen += 1
        if j not in inside and parsed.arcs[j].pos in ("VERB", "AUX"):
            verbs.add(j)
    return frozenset(n for n, a in enumerate(parsed.arcs) if a.head in verbs and a.dep in ("nsubj", "nsubjpass")
                     and n != a.head)


def relational(mentions: Sequence[Mention], view: UnitView) -> list[list[str]]:
    """Features that compare a mention with the others: is it the nearest one before or after a cue?"""
    out: list[list[str]] = [[] for _ in mentions]
    spans = [(i, m) for i, m in enumerate(mentions) if m.first >= 0]
    for c in view.cue_at:
        cue = view.tokens[c].low
        left = [(i, m) for i, m in spans if m.last < c]
        right = [(i, m) for i, m in spans if m.first > c]
        if left:
            i, m = max(left, key=lambda x: x[1].last)
            out[i] += [f"k={m.kind}|nl", f"k={m.kind}|nl={cue}"]
        if right:
            i, m = min(right, key=lambda x: x[1].first)
            out[i] += [f"k={m.kind}|nr", f"k={m.kind}|nr={cue}"]
    return out


def features_of(mentions: Sequence[Mention], view: UnitView) -> list[list[str]]:
    """The features of every possible source of one unit."""
    total = sum(1 for m in mentions if m.kind not in ("prev", "none"))
    rel = relational(mentions, view)
    out = []
    order = 0
    for m, extra in zip(mentions, rel, strict=True):
        feats = mention_features(m, view, order, total) + extra
        if m.kind not in ("prev", "none"):
            order += 1
        out.append(feats)
    return out


def rank(mentions: Sequence[Mention], view: UnitView, model: SpeakerModel) -> list[tuple[float, Mention]]:
    """Every possible source of a unit with its probability, best first."""
    scored = []
    for m, feats in zip(mentions, features_of(mentions, view), strict=True):
        z = model.score(feats) + (model.none_bias if m.kind == "none" else 0.0)
        scored.append((1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), m))
    scored.sort(key=lambda x: -x[0])
    return scored


# ---------------------------------------------------------------------------------------------------
# Attribution of a whole article
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitSpan:
    """One candidate unit: its paragraph number, the paragraph's text and the unit's span in it."""
    paragraph: int
    body: str
    start: int
    end: int


@dataclass(frozen=True)
class Attribution:
    speaker: str | None
    kind: str                     # person / organisation / outlet
    source: str                   # the words the speaker was read from ("he", "the senator", "Reid"), "" if none
    source_kind: str              # name / pron / nom / other / prev / none
    confidence: float
    span: tuple[int, int] | None = None   # where ``source`` is in the unit's text


def unit_tokens(unit: UnitSpan, quotes: Sequence[tuple[int, int]]) -> list[Token]:
    local = [(max(qs, unit.start) - unit.start, min(qe, unit.end) - unit.start)
             for qs, qe in quotes if qe > unit.start and qs < unit.end]
    return tokenize(unit.body[unit.start:unit.end], local)


_MID_CAP = re.compile(r"(?:(?<=[a-z0-9,;:] )|(?<=[,?!][\"\u201d\u2019'] )|(?<=\b(?:Mr|Ms|Dr|St)\. )|"
                      r"(?<=\b(?:Mrs|Sen|Rep|Gov|Gen)\. ))([A-Z][a-z'\u2019-]+)\b")


def lowercase_words(bodies: Iterable[str]) -> frozenset[str]:
    """Words an article writes in lower case somewhere."""
    return frozenset(w for body in bodies for w in re.findall(r"\b[a-z][a-z'\u2019-]*\b", body))


def midsentence_capitals(bodies: Iterable[str]) -> frozenset[str]:
    """Words an article capitalises mid-sentence: a one-word name is one of them, a word that is capitalised
    only where it opens a sentence ("Crops are withering ...", "Chastened, he ...") is no name to refer back to."""
    return frozenset(_bare(m.group(1)) for body in bodies for m in _MID_CAP.finditer(body))


def _bare(word: str) -> str:
    return re.sub(r"['\u2019]s?$", "", word.casefold().replace("\u2019", "'"))


def candidates_of(tokens: Sequence[Token], model: SpeakerModel, has_prev: bool,
                  common: frozenset[str] = frozenset()) -> list[Mention]:
    mentions = find_mentions(tokens, model.heads, model.cues, common, model.lower)
    mentions.append(Mention("none", -1, -1, ""))
    if has_prev:
        mentions.append(Mention("prev", -1, -1, ""))
    return mentions


def attribute(units: Sequence[UnitSpan], publisher: str | None, model: SpeakerModel,
              quotes_of: dict[int, list[tuple[int, int]]], registry) -> list[Attribution]:
    """The speaker of every unit of one article, in order."""
    from claimtrack.extraction.attribution import kind_of

    out: list[Attribution] = []
    named: list[tuple[str, str]] = []           # (speaker, kind) of name sources chosen so far
    people: list[str] = []                      # every person named so far, source or not
    prev: Attribution | None = None
    prev_paragraph = -1
    prev_quoted = False
    common = lowercase_words({u.body for u in units})
    capitals = midsentence_capitals({u.body for u in units})
    # a transcript labels its paragraphs ("PENCE: ..."): a label seen twice, or capitals in a labelled text
    labels = Counter(m.group(1) for m in (_TRANSCRIPT.match(b) for b in {u.body for u in units}) if m)
    caps_labels = sum(c for label, c in labels.items() if label.isupper())
    last_subject: tuple[int, tuple[str, str]] | None = None    # the person opening the previous unit
    last_quoted: tuple[str, str, int] | None = None
    parses = None
    if model.parse:
        from claimtrack.extraction.syntax import parse_paragraphs

        parses = parse_paragraphs(u.body for u in units)
    for unit in units:
        tokens = unit_tokens(unit, quotes_of.get(unit.paragraph, ()))
        carry = prev if prev is not None and prev.source_kind != "none" and prev.speaker else None
        view = unit_view(tokens, model, unit.paragraph != prev_paragraph,
                         prev.source_kind if prev is not None else "none", prev_quoted,
                         parses.get(unit.body) if parses else None, unit.start)
        mentions = candidates_of(tokens, model, carry is not None, common)
        ranked = rank(mentions, view, model)
        p, best = ranked[0]
        label = _TRANSCRIPT.match(unit.body) if unit.start == 0 else None
        if label and (labels[label.group(1)] >= 2 or (label.group(1).isupper() and caps_labels >= 2)):
            # "PENCE: Well, ..." in a transcript: the label is the speaker
            who = label.group(1).strip()
            who = registry.resolve(who.title()) if who.isupper() else registry.resolve(who)
            att = Attribution(who, "person", label.group(1), "name", 1.0, (0, len(label.group(1))))
            named.append((who, "person"))
            out.append(att)
            prev, prev_paragraph, prev_quoted = att, unit.paragraph, False
            continue
        according = _according_source(tokens, mentions)
        signed = _signature(tokens, mentions)
        if according is not None and view.quoted_share < 0.5:
            best = according          # "According to the state transportation department, ..."
            p = next(q for q, m in ranked if m is according)
        elif signed is not None:
            best = signed             # "“...” ― Jane Doe": a quotation signed after a dash
            p = next(q for q, m in ranked if m is signed)
        elif view.quoted_share >= 0.95 and not view.cue_at and last_quoted is not None and \
                unit.paragraph - last_quoted[2] <= 2:
            # a quotation with no frame of its own: whoever was last quoted, a paragraph or two before
            carry = Attribution(last_quoted[0], last_quoted[1], "", "prev", 1.0)
            best = Mention("prev", -1, -1, "")
            p = 1.0
        elif carry is not None and view.quoted_share >= 0.95 and not view.cue_at and \
                unit.paragraph - prev_paragraph <= 1:
            p, best = next((q, m) for q, m in ranked if m.kind == "prev")
        elif best.kind != "none" and view.quoted_share < 0.5 and not _speaking(tokens, view, mentions, model):
            # nobody says, thinks or judges anything here: the article's own statement ("Russia has backed ...")
            p, best = next((q, m) for q, m in ranked if m.kind == "none")
        local = [(m, _resolve(m, tokens, None, [], registry, publisher)) for m in mentions if m.kind == "name"]
        recent = named + ([last_subject[1]] if last_subject and last_subject[0] == len(out) - 1
                          and not any(who[1] == "person" for _, who in local) else [])
        speaker, kind = _resolve(best, tokens, carry, recent, registry, publisher, local, people)
        if best.kind != "none" and speaker is None:
            # a pronoun with nobody named before it: the next best source that names someone ("she" someone
            # who can be a she)
            personal = best.kind == "pron" and best.text.casefold() in PERSON_PRONOUNS
            for p2, m2 in ranked[1:]:
                if m2.kind == "none":
                    break
                speaker, kind = _resolve(m2, tokens, carry, recent, registry, publisher, local, people)
                if speaker and personal and (kind or kind_of(speaker, publisher)) != "person":
                    speaker = None
                    continue
                if speaker:
                    best, p = m2, p2
                    break
        if best.kind == "none" or speaker is None:
            att = Attribution(publisher, "outlet", "", "none", p if best.kind == "none" else 0.0)
        else:
            if kind is None:
                kind = kind_of(speaker, publisher)
            if publisher and speaker.casefold() == publisher.casefold():
                kind = "outlet"
            span = (tokens[best.first].start, tokens[best.last].end) if best.first >= 0 else None
            att = Attribution(speaker, kind, best.text, best.kind, p, span)
        subject = next(((m, who) for m, who in local if m.first <= 5 and who[1] == "person" and who[0]
                        and _subject_like(tokens, m)), None)
        last_subject = (len(out), subject[1]) if subject else None
        if best.kind == "name" and att.kind != "outlet" and att.speaker:
            named.append((att.speaker, att.kind))
        if att.source_kind != "none" and view.quoted_share >= 0.3 and att.speaker:
            last_quoted = (att.speaker, att.kind, unit.paragraph)
        people.extend(who[0] for x, who in local if who[1] == "person" and who[0] and (
            " " in who[0].strip() or _bare(who[0]) in capitals))
        out.append(att)
        prev, prev_paragraph, prev_quoted = att, unit.paragraph, view.quoted_share >= 0.5
    return out


_TRANSCRIPT = re.compile(r"((?:[A-Z][A-Z.'\u2019-]+)(?: [A-Z][A-Z.'\u2019-]+){0,2}|(?:[A-Z][a-z]+ ){0,2}[A-Z][a-z]+)"
                         r":\s+(?=\S)")


_DASHES = frozenset("\u2015\u2014\u2013-")


def _signature(tokens: Sequence[Token], mentions: Sequence[Mention]) -> Mention | None:
    """The name that signs a quotation after a dash at the end of the unit ("“...” ― Jane Doe, Ohio")."""
    names = [m for m in mentions if m.kind == "name" and m.first >= 2]
    if not names:
        return None
    m = names[-1]
    dash = m.first - 1
    if tokens[dash].text not in _DASHES:
        return None
    before = dash - 1
    while before >= 0 and tokens[before].text in _DASHES:
        before -= 1
    if before < 0 or not (tokens[before].in_quote or tokens[before].text in _QUOTE_MARKS
                          or tokens[before].text in ("''", "``")):
        return None
    rest = tokens[m.last + 1:]
    # after the name, at most a place or an age: "― Jane Doe, 34, Dayton, Ohio"
    if len(rest) > 8 or any(t.in_quote or t.text in _QUOTE_MARKS for t in rest):
        return None
    return m


def _according_source(tokens: Sequence[Token], mentions: Sequence[Mention]) -> Mention | None:
    """The source of "according to ...": the phrase up to the next comma or stop, and in it the first name
    ("a new report by Politico" -> Politico, "the nonpartisan Congressional Budget Office" -> the office),
    else its first source ("the state transportation department", "federal officials")."""
    for i in range(len(tokens) - 2):
        if tokens[i].low != "according" or tokens[i + 1].low != "to" or tokens[i].in_quote:
            continue
        end = i + 2
        while end < len(tokens) and not tokens[end].in_quote and tokens[end].text not in ",.;:()!?" \
                and tokens[end].text not in _QUOTE_MARKS and tokens[end].text not in ("--", "\u2014", "\u2013"):
            end += 1
        inside = [m for m in mentions if m.kind in ("name", "nom", "other") and i + 2 <= m.first and m.last < end]
        if inside:
            return next((m for m in inside if m.kind == "name"), inside[0])
    return None


_FIRST_PERSON = frozenset("i we me us my our".split())
_PREPOSITIONS = frozenset("in at on from with for to of by about against after before during like including "
                          "under over into than via near toward towards unlike despite".split())


def _subject_like(tokens: Sequence[Token], m: Mention) -> bool:
    """A name that can open a clause: not the object of a preposition ("In Honolulu, he ...", "Campaigning
    against Mitt Romney, he ...")."""
    return m.first == 0 or tokens[m.first - 1].low not in _PREPOSITIONS


def guard_features(tokens: Sequence[Token], view: UnitView, mentions: Sequence[Mention],
                   model: SpeakerModel) -> list[str]:
    """Features of a whole unit for the guard: which cue-like words it has and around what, which kinds of
    possible source, quotation, first person, length. No article text beyond single words."""
    f = ["bias", f"qs={_share(view.quoted_share)}", f"sq={view.starts_quoted}", f"pk={view.prev_kind}",
         f"np={view.new_paragraph}"]
    best = 0.0
    ends = {m.last: m for m in mentions if m.first >= 0}
    starts = {m.first: m for m in mentions if m.first >= 0}
    for i, tok in enumerate(tokens):
        if tok.in_quote:
            continue
        if tok.text == ":":
            f.append("colon")
            continue
        share = model.cues.get(tok.low, 0.0)
        if share < 0.03 and tok.low != "according":
            if tok.low in _FIRST_PERSON:
                f.append("first_person")
            continue
        best = max(best, share)
        # who stands just before the cue ("the governor has long believed") or just after it ("said Smith")
        before = next((ends[j] for j in (i - 1, i - 2, i - 3) if j in ends), None)
        after = next((starts[j] for j in (i + 1, i + 2) if j in starts), None)
        if before is not None:
            f.append(f"subj={before.kind}|cs={_bucket_share(share)}|d={i - before.last}")
        if after is not None:
            f.append(f"inv={after.kind}|cs={_bucket_share(share)}")
        p1 = _shape(_word(tokens, i - 1))
        n1 = _word(tokens, i + 1)
        strength = _bucket_share(share)
        f += [f"cw={tok.low}", f"cw={tok.low}|p1={p1}", f"cw={tok.low}|n1={_shape(n1)}", f"cs={strength}|p1={p1}",
              f"cs={strength}|n1={n1 if n1 in _FUNCTION else _shape(n1)}"]
    f.append(f"best={_bucket_share(best)}")
    kinds = sorted({m.kind for m in mentions if m.first >= 0})
    f += [f"has={k}" for k in kinds] + [f"best={_bucket_share(best)}|has={k}" for k in kinds]
    first = next((m for m in mentions if m.first >= 0), None)
    if first is not None:
        f += [f"first={first.kind}|at={min(first.first, 3)}", f"first={first.kind}|best={_bucket_share(best)}"]
    words = sum(1 for t in tokens if _is_word(t))
    f.append(f"len={_bucket(words // 4)}")
    return f


def _bucket_share(x: float) -> str:
    return "0" if x < 0.03 else ("lo" if x < 0.1 else ("mid" if x < 0.3 else ("hi" if x < 0.7 else "top")))


def _speaking(tokens: Sequence[Token], view: UnitView, mentions: Sequence[Mention], model: SpeakerModel) -> bool:
    """Does someone say, think or judge something in this unit? The fitted guard when the model has one,
    else the hand-set rule: a cue at least ``strong_cue`` strong."""
    if model.guard:
        return model.attributed(guard_features(tokens, view, mentions, model)) >= model.guard_threshold
    return _strong_cue(tokens, view, model)


def _strong_cue(tokens: Sequence[Token], view: UnitView, model: SpeakerModel) -> bool:
    return any(tokens[i].text == ":" or model.cues.get(tokens[i].low, 0.0) >= model.strong_cue
               or tokens[i].low == "according" for i in view.cue_at)


def _clean_name(tokens: Sequence[Token], m: Mention) -> str:
    from claimtrack.extraction.attribution import _cut_affiliation, _strip_titles, normalise_name

    words = [t.text for t in tokens[m.first:m.last + 1]]
    if any(w.endswith(("'s", "\u2019s")) for w in words[:-1]):
        return normalise_name(" ".join(words))          # "Turkey's government"
    if words and words[-1].endswith(("'s", "\u2019s", "s'", "s\u2019")):
        words[-1] = re.sub(r"['\u2019]s?$", "", words[-1])
    if len(words) > 2 and words[0].casefold() == "the":
        words = words[1:]                               # "The Illinois Department of Transportation"
    _, name = _strip_titles(_cut_affiliation(words))
    return normalise_name(" ".join(name or words))


FIRST_NAMES_PATH = Path(__file__).with_name("first_names.json.gz")
_SEX_OF_PRONOUN = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f"}
_SEX_OF_WORD = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "sir": "m", "dame": "f", "lord": "m", "lady": "f",
                "king": "m", "queen": "f", "prince": "m", "princess": "f", "congressman": "m",
                "congresswoman": "f", "spokesman": "m", "spokeswoman": "f", "chairwoman": "f", "businessman": "m",
                "businesswoman": "f", "father": "m", "mother": "f", "brother": "m", "sister": "f"}


@lru_cache(maxsize=1)
def _first_names() -> dict[str, str]:
    """First name -> "f" / "m" for names the US gave almost only to one sex (bench/build_first_names.py)."""
    try:
        with gzip.open(FIRST_NAMES_PATH, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        log.warning("first-name table %s missing: he/she are resolved without it", FIRST_NAMES_PATH)
        return {}
    return {**{n: "f" for n in data["female"]}, **{n: "m" for n in data["male"]}}


def sex_of(name: str | None) -> str | None:
    """"m", "f" or None (unknown): from an honorific or title ("Mrs. Clinton", "Congresswoman Lee"), else the
    first name ("Brian Fallon"). A name known for both sexes, or not known, says nothing."""
    from claimtrack.extraction.attribution import TITLES

    names = _first_names()
    for word in (name or "").split()[:4]:
        low = word.casefold().strip(".,")
        if low in _SEX_OF_WORD:
            return _SEX_OF_WORD[low]
        if low in TITLES or not low.isalpha():
            continue
        return names.get(low)
    return None


def _agrees(pronoun: str, name: str | None) -> bool:
    """He and she do not refer back to someone known to be of the other sex."""
    want = _SEX_OF_PRONOUN.get(pronoun)
    return want is None or sex_of(name) in (None, want)


def _resolve(m: Mention, tokens: Sequence[Token], carry: Attribution | None, named: list[tuple[str, str]],
             registry, publisher: str | None, local: Sequence = (),
             people: Sequence[str] = ()) -> tuple[str | None, str | None]:
    from claimtrack.extraction.attribution import ORG_WORDS, TITLES, kind_of

    if m.kind == "none":
        return publisher, "outlet"
    if m.kind == "prev":
        return (carry.speaker, carry.kind) if carry else (None, None)
    if m.kind == "name":
        name = _clean_name(tokens, m)
        if not name:
            return None, None
        kind = kind_of(name, publisher)
        if kind == "person":
            name = registry.resolve(name)
        return name, kind
    if m.kind == "pron":
        low = m.text.casefold()
        before = [(x, who) for x, who in local if x.last < m.first and who[0] and who[1] != "outlet"]
        if before and low in ("who", "which", "that"):
            return before[-1][1]
        if low in PERSON_PRONOUNS:
            # the person opening this sentence ("Ed Rendell ... agreed, but he said"), else the last person
            # named as a source, preferring names the article introduced as people
            # ... but not the topic the pronoun interrupts ("Republicans, she said, have ..."; "Smith, he said,
            # was ...")
            person = [who for x, who in before if x.first <= 5 and who[1] == "person" and _subject_like(tokens, x)
                      and not (x.last + 2 == m.first and tokens[x.last + 1].text == ",") and _agrees(low, who[0])]
            if person:
                return person[0]
            for speaker, kind in reversed(named):
                if kind == "person" and _agrees(low, speaker):
                    return speaker, kind
            for speaker in reversed(people):        # someone the article named, if never as a source
                if _agrees(low, speaker):
                    return speaker, "person"
            return None, None           # "he" and "she" name a person, never "the White House"
        elif before and low in ("they", "it", "we"):
            return before[0][1]
        return named[-1] if named else (None, None)
    if m.kind == "nom":
        # "Jean-Marc Ayrault, the foreign minister of France, said": an appositive names who it follows
        apposed = next((who for x, who in local if x.last == m.first - 2 and tokens[m.first - 1].text == ","
                        and who[0] and who[1] == "person"), None)
        if apposed is not None:
            return apposed
        words = m.text.split()
        det, rest = words[0].casefold(), words[1:]
        head = rest[-1].casefold().rstrip(".") if rest else ""
        if det in INDEFINITE:
            return m.text, "person" if head in TITLES else "organisation"
        if head in TITLES:
            found = registry.by_title(head)
            if found:
                return found, "person"
            for speaker, kind in reversed(named):
                if kind == "person":
                    return speaker, kind
        if det == "the" and head in ORG_WORDS and len(rest) >= 2:
            return m.text, "organisation"       # "the state transportation department" names itself
        if det in ("his", "her", "their", "its", "our") and named:
            owner = named[-1][0]
            if det in ("his", "her"):
                owner = next((s for s, k in reversed(named[-3:]) if k == "person"), owner)
            return f"{owner}'s {' '.join(rest)}", "organisation"
        if named:
            return named[-1]
        return m.text, "organisation"
    return m.text, "organisation"           # "officials", "sources", "polls"

"""Article text -> paragraphs -> sentences, with boilerplate (captions, bylines, share prompts...) removed.

Pipeline: ``clean_text`` (control characters, odd spaces, line endings) -> ``paragraphs`` (one per
non-empty line; hard-wrapped lines are rejoined; each keeps its index among the non-empty
paragraphs of the input, so dropped boilerplate still counts) -> paragraph-level boilerplate
filter -> ``segment`` (pysbd, with a fast path) -> sentence-level filter.

Sentence boundaries are split everywhere, *including inside quotations*: pysbd keeps a quotation
"A. B." in one segment, so quotation interiors are segmented again. A sentence's text is always
a verbatim substring of its paragraph; when splitting a multi-sentence quotation leaves a quote
mark dangling at the edge of a piece (the opening mark on the first piece, the closing mark on the
last piece when nothing follows it), that mark is trimmed; balanced quote marks are kept.

Speed: pysbd costs ~20 ms per 1,000 words and is superlinear on long paragraphs (60 kB in one call
takes ~2 s). Two guards: a fast path splits paragraphs whose every candidate boundary is
unambiguous ("... word. Next") without pysbd, and paragraphs longer than ``_PYSBD_MAX`` characters
are cut at unambiguous boundaries (or whitespace) into pieces before pysbd sees them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pysbd
from pysbd.lang.english import English
from pysbd.languages import LANGUAGE_CODES

__all__ = ["Paragraph", "Sentence", "clean_text", "merge_quoted", "paragraphs", "segment", "sentences", "split_sentences",
           "QUOTE_OPEN", "QUOTE_CLOSE"]

QUOTE_OPEN = "\"\u201c\u201e\u00ab"
QUOTE_CLOSE = "\"\u201d\u00bb"
_ALL_QUOTES = "\"\u201c\u201d\u201e\u00ab\u00bb"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
                      r"\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_LINEBREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_MULTISPACE = re.compile(r" {2,}")

_PYSBD_MAX = 2500          # characters per pysbd call (pysbd is superlinear beyond a few kB)
_MAX_INPUT = 2_000_000     # characters; anything beyond is ignored (documented limit)


def clean_text(text: object) -> str:
    """Coerce to str, normalise line endings and spaces, drop control/format characters."""
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    text = text[:_MAX_INPUT]
    text = _LINEBREAKS.sub("\n", text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _MULTISPACE.sub(" ", text)
    return unicodedata.normalize("NFC", text)


# ---------------------------------------------------------------------------------------------------
# Paragraphs and paragraph-level boilerplate
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Paragraph:
    index: int        # 0-based among the non-empty paragraphs of the input (boilerplate included)
    text: str
    block: int        # blank-line separated block the line belongs to


_TERMINAL = ".!?\u2026" + _ALL_QUOTES + "\u2019')]"

# A trailing photo credit: "(Screenshot)", "(Getty Images)", "(AP Photo/Evan Vucci)", "(Aris Messinis/AFP via
# Getty Images)", "(ARIS MESSINIS via Getty Images)", "[Reuters]"... one or more in a row at the end of a line.
_CREDIT_WORDS = (r"photo|photos|photograph|image|images|getty|screenshot|screen\s?shot|screengrab|screen\s?grab|"
                 r"courtesy|credit|via|afp|ap|epa|reuters|shutterstock|alamy|handout|pool|file|illustration|"
                 r"video\s+still|still|anadolu|sipa|bloomberg|xinhua|tass|sputnik|picture|pictures|press\s+association")
_CREDIT_GROUP = rf"[(\[](?=[^()\[\]]*\b(?:{_CREDIT_WORDS})\b)[^()\[\]]{{1,120}}[)\]]"
_CREDIT_LINE = re.compile(
    r"^(?:photo|photograph|photos|image|images|picture|credit|photo\s+credit|image\s+source|image\s+caption|"
    r"media\s+caption|caption|source|illustration|video|graphic)\s*[:,|]\s*\S", re.IGNORECASE)
_CREDIT_SLASH_TAIL = re.compile(r"(?:\s[|/—–-]\s*|\s)(?:[A-Z][\w.'-]*\s+){0,3}[A-Z][\w.'-]*\s*/\s*"
                                r"(?:Getty(?:\s+Images)?|AFP|AP|Reuters|EPA|Shutterstock|Bloomberg|Alamy|"
                                r"Anadolu(?:\s+Agency)?|Sipa|Pool)\S*\s*$")
_CAPTION_VERBS = re.compile(
    r"\b(?:speaks|speak|gestures|gesture|looks\s+on|look\s+on|arrives|arrive|poses|pose|waves|wave|is\s+seen|"
    r"are\s+seen|is\s+pictured|are\s+pictured|pictured|walks|walk|stands|stand|sits|sit|attends|attend|"
    r"holds|hold|listens|listen|smiles|smile|greets|greet|shakes\s+hands|delivers|addresses|leaves|departs)\b"
    r"(?:[^.!?]*\b(?:during|at|in|on|after|before|with|outside|inside|as)\b)?", re.IGNORECASE)

_BYLINE = re.compile(
    r"^(?:by|written\s+by|story\s+by|words\s+by|reporting\s+by|edited\s+by|editing\s+by|additional\s+reporting\s+by|"
    r"contributing|contributors?)\b[:\s]", re.IGNORECASE)
_CONTRIBUTED = re.compile(r"\bcontributed\s+(?:to\s+)?(?:this\s+)?(?:report|reporting|story|article)\b", re.IGNORECASE)
_DATESTAMP = re.compile(
    r"^(?:updated|published|posted|last\s+updated|first\s+published|modified)\b[\s:]", re.IGNORECASE)
_SHARE = re.compile(
    r"^(?:share(?:\s+this(?:\s+(?:article|story|post|page))?)?|share\s+on\s+\w+|tweet(?:\s+this)?|email(?:\s+this)?|"
    r"print(?:\s+this)?|click\s+here|tap\s+here|sign\s+up|subscribe|read\s+more|read\s+next|read\s+also|"
    r"see\s+also|related(?:\s+(?:articles?|stories|content|coverage|video))?|more\s+on\s+this|"
    r"advertisement|sponsored|story\s+continues|continue\s+reading|follow\s+(?:us|@|\w+\s+on)|"
    r"download\s+(?:the|our)|watch(?:\s+(?:live|now|more|the\s+video))?|listen(?:\s+(?:now|live))?|"
    r"get\s+(?:the|our)\s+(?:latest|newsletter|app)|copyright|\u00a9|all\s+rights\s+reserved|terms\s+of\s+(?:use|service)|"
    r"privacy\s+policy|cookie|skip\s+to|loading|video\s+ad\s+feedback|ad\s+feedback|newsletter|"
    r"most\s+(?:read|popular|viewed)|trending|comments?|leave\s+a\s+comment|join\s+the\s+conversation|"
    r"this\s+(?:story|article)\s+(?:has\s+been|was)\s+updated|editor's\s+note|editor\u2019s\s+note)\b",
    re.IGNORECASE)
_CLICK_HERE = re.compile(r"\b(?:click|tap)\s+here\b|\bsign\s+up\s+(?:for|to)\s+(?:our|the)\b|"
                         r"\bsubscribe\s+(?:to|for)\s+(?:our|the)\b|\bshare\s+this\s+(?:article|story)\b|"
                         r"\bfollow\s+us\s+on\b|\bdownload\s+(?:our|the)\s+\w*\s*app\b", re.IGNORECASE)
# "KYIV, Ukraine (CNN) — ", "LONDON (Reuters) - ", "WASHINGTON — " at the start of a paragraph.
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'\- ]{1,40}(?:,\s*[A-Z][\w.' -]{1,30})?\s*(?:\((?:[A-Z][\w .&/-]{0,30})\))?\s*[—–-]{1,2}\s+"
    r"|[A-Z][\w.' -]{0,40}(?:,\s*[\w.' -]{1,30})?\s*\((?:CNN|AP|AFP|Reuters|Bloomberg|UPI|dpa|BBC|NPR)[\w .]*\)\s*[—–-]*\s*)"
    r"(?=\S)")
_DATE_ONLY = re.compile(
    r"^(?:(?:mon|tue|wed|thu|fri|sat|sun)\w*\.?,?\s*)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)\w*\.?"
    r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s*\d{2,4}|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)\w*\.?"
    r"\s+\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})"
    r"(?:[\s,]+(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,4})?)?\s*\.?$", re.IGNORECASE)

_WORD = re.compile(r"[^\W_]+(?:['\u2019.-][^\W_]+)*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _has_terminal(text: str) -> bool:
    return bool(text) and (text[-1] in _TERMINAL or text[-1] == ":" or _CJK.search(text[-1]) is not None
                           or text[-1] in "\u3002\uff01\uff1f")


_CREDIT_GROUP_RE = re.compile(rf"^{_CREDIT_GROUP}$", re.IGNORECASE)


def _credit_tail_start(line: str) -> int | None:
    """Where a run of trailing credit groups "(Screenshot)", "(X/AFP via Getty Images)" starts, if any."""
    end = len(line.rstrip())
    start = None
    while end > 0 and line[end - 1] in ")]":
        opener = "(" if line[end - 1] == ")" else "["
        at = line.rfind(opener, max(0, end - 122), end - 1)
        if at < 0 or not _CREDIT_GROUP_RE.match(line[at:end]):
            break
        start = at
        end = len(line[:at].rstrip())
    return start


def _is_credited_caption(line: str) -> bool:
    if _credit_tail_start(line) is not None or _CREDIT_LINE.match(line):
        return True
    tail = line[-90:]
    return "/" in tail and bool(_CREDIT_SLASH_TAIL.search(tail))


def _is_caption_like(line: str) -> bool:
    """A short quote-free line that reads like a caption ("X speaks during a CNN interview.")."""
    if any(q in line for q in _ALL_QUOTES) or _words(line) > 15:
        return False
    return bool(_CAPTION_VERBS.search(line)) and not re.search(r"\b(?:said|says|told)\b", line, re.IGNORECASE)


# Wire and site furniture that is never a claim: "(Reporting by A; Editing by B)", "Our Standards: ...",
# "Follow AP's full coverage of the election: ...", "Sign up for ...", "Copyright 2024 The Associated Press".
_WIRE = re.compile(
    r"^\(?\s*(?:(?:additional\s+)?reporting|writing|editing|compiled|research|graphics?|produced)\s+by\b|"
    r"^our\s+standards\s*:|^(?:follow|see|read|find)\s+(?:all\s+(?:of\s+)?)?[\w'\u2019.]+\s+(?:full\s+|latest\s+|complete\s+)?"
    r"(?:coverage|updates|stories)\b|^copyright\b|^\(c\)\s*\d{4}|^the\s+associated\s+press\s+contributed\b|"
    r"^(?:this|the)\s+(?:story|article)\s+(?:was|has\s+been)\s+(?:updated|corrected)\b|"
    r"^(?:related|more|also\s+read|read\s+more|watch)\s*:", re.IGNORECASE)
# A crosshead: a short line that is a question with no quotation ("What did the prosecutors say?"), or shouted.
_CROSSHEAD_QUESTION = re.compile(r"^[^\"\u201c\u201d,;:]{3,90}\?$")


def _is_heading(line: str) -> bool:
    """A crosshead or heading inside the body: a short question standing alone, or a short line in capitals."""
    words = _words(line)
    if words <= 12 and _CROSSHEAD_QUESTION.match(line.strip()):
        return True
    letters = [c for c in line if c.isalpha()]
    return 2 <= words <= 15 and len(letters) >= 6 and all(c.isupper() for c in letters)


def _is_boilerplate_line(line: str, first: bool) -> bool:
    words = _words(line)
    if words == 0:
        return True
    if _WIRE.match(line) and words <= 60:
        return True
    if _is_heading(line):
        return True
    if _is_credited_caption(line):
        return True
    if words <= 15 and (_BYLINE.match(line) or _DATESTAMP.match(line) or _SHARE.match(line)):
        return True
    if _CONTRIBUTED.search(line) and words <= 40:
        return True
    if _DATE_ONLY.match(line):
        return True
    if not _has_terminal(line.rstrip()):
        # headline / subhead / kicker: no final punctuation
        if words <= (30 if first else 12):
            return True
    return False


def _join_wrapped(lines: list[str]) -> list[str]:
    """Rejoin hard-wrapped lines inside a block: a line without final punctuation followed by a line
    starting in lower case continues the same paragraph."""
    out: list[str] = []
    for line in lines:
        if (out and not _has_terminal(out[-1]) and line[:1].islower() and len(out[-1]) > 40):
            out[-1] = out[-1] + " " + line
        else:
            out.append(line)
    return out


def _raw_paragraphs(text: str) -> list[Paragraph]:
    result: list[Paragraph] = []
    index = 0
    for block_no, block in enumerate(re.split(r"\n\s*\n", text)):
        lines = [ln.strip() for ln in block.split("\n")]
        lines = [ln for ln in lines if ln]
        for line in _join_wrapped(lines):
            result.append(Paragraph(index, line, block_no))
            index += 1
    return result


# The same furniture in Spanish, Portuguese, French, German and Italian: bylines ("Por", "Par", "Von", "Di"),
# photo credits, share prompts, "read also" links, agency tags ("(EFE)", "(dpa)", "(Lusa)").
_OTHER_FURNITURE = re.compile(
    r"^(?:por|par|von|di|da|de|texto|reportage|redacci\u00f3n|reda\u00e7\u00e3o|r\u00e9daction|redaktion|redazione)\s*:?\s+"
    r"[A-Z\u00c0-\u00de][\w.'\u2019-]+(?:\s+[\w.'\u2019-]+){0,5}\s*$|"
    r"^(?:foto|fotos|fotograf\u00eda|fotografia|imagen|imagem|bild|photo|cr\u00e9dit(?:\s+photo)?|cr\u00e9dito|credito|"
    r"quelle|fuente|fonte|source|v\u00eddeo|video|grafik|gr\u00e1fico|infograf\u00eda)\s*[:|]\s*\S|"
    r"^(?:compartir|compartilhar|partager|teilen|condividi|lea\s+tambi\u00e9n|lee\s+tambi\u00e9n|leia\s+tamb\u00e9m|"
    r"lire\s+aussi|\u00e0\s+lire\s+aussi|mehr\s+zum\s+thema|lesen\s+sie\s+auch|auch\s+interessant|leggi\s+anche|"
    r"publicidad|publicidade|publicit\u00e9|anzeige|werbung|pubblicit\u00e0|suscr\u00edbete|assine|abonnez-vous|"
    r"jetzt\s+abonnieren|iscriviti|actualizado|atualizado|mis\s+\u00e0\s+jour|publi\u00e9\s+le|aktualisiert|"
    r"ver\s+m\u00e1s|saiba\s+mais|en\s+savoir\s+plus|weiterlesen|newsletter|cookies?)\b", re.IGNORECASE)
_OTHER_DATELINE = re.compile(
    r"^[A-Z\u00c0-\u00de][\w.'\u2019 -]{1,40}(?:,\s*[\w.' -]{1,30})?\s*\((?:EFE|AFP|dpa|DPA|Lusa|ANSA|AP|Reuters|"
    r"Europa\s+Press|Xinhua|Ag\u00eancia\s+Brasil|Agencia|KNA|epd|APA)[\w .]*\)\s*[.,:]?\s*[\u2014\u2013-]*\s*(?=\S)")


def paragraphs(text: str, lang: str | None = None) -> list[Paragraph]:
    """Non-boilerplate paragraphs (dateline prefixes stripped), each with its original index; for an article
    in another language than English (``lang``), that language's furniture goes too."""
    other = bool(lang) and lang != "en"
    text = clean_text(text)
    raw = _raw_paragraphs(text)
    if not raw:
        return []
    drop = [False] * len(raw)
    credited = [False] * len(raw)
    seen: set[str] = set()
    for i, para in enumerate(raw):
        credited[i] = _is_credited_caption(para.text)
        drop[i] = _is_boilerplate_line(para.text, first=(i == 0 and len(raw) > 1))
        if other and not drop[i] and _words(para.text) <= 15 and _OTHER_FURNITURE.match(para.text):
            drop[i] = True
        key = " ".join(para.text.split()).casefold()
        if key in seen and _words(para.text) <= 60:
            drop[i] = True           # repeated caption / pull quote
        seen.add(key)
    for i, para in enumerate(raw):
        if drop[i]:
            continue
        # A short quote-free line next to a credited caption in the same block is part of the caption
        # ("People working around the site of a destroyed house." above "... (Getty Images)").
        near_caption = any(0 <= j < len(raw) and credited[j] and raw[j].block == para.block for j in (i - 1, i + 1))
        if near_caption and _words(para.text) <= 15 and not any(q in para.text for q in _ALL_QUOTES):
            drop[i] = True
        elif _is_caption_like(para.text) and (near_caption or _sentence_count_hint(para.text) == 1):
            drop[i] = True
    out: list[Paragraph] = []
    for i, para in enumerate(raw):
        if drop[i]:
            continue
        body = _DATELINE.sub("", para.text, count=1) if len(out) < 2 else para.text
        if other and len(out) < 2:
            body = _OTHER_DATELINE.sub("", body, count=1)
        body = _LIST_MARK.sub("", body, count=1)           # "1. ", "• " before a list item
        body = _INLINE_HEAD.sub("", body, count=1)         # "HE'S BEEN CALLED OUT — He has been ..."
        out.append(Paragraph(para.index, body, para.block))
    return out


_LIST_MARK = re.compile(r"^(?:\d{1,2}[.)]|[\u2022\u00b7\u25aa\u25cf*\u2013-])\s+(?=\S)")
_INLINE_HEAD = re.compile(r"^[A-Z0-9][A-Z0-9'\u2019,.!?&-]*(?:\s+[A-Z0-9'\u2019,.!?&-]+){2,14}\s+[\u2014\u2013]\s+(?=[A-Z\"\u201c])")


def _sentence_count_hint(text: str) -> int:
    return max(1, len(re.findall(r"[.!?](?=\s+[A-Z\"\u201c])", text)) + 1)


# ---------------------------------------------------------------------------------------------------
# Segmentation
# ---------------------------------------------------------------------------------------------------

_ABBREVIATIONS = frozenset(a for a in English.Abbreviation.ABBREVIATIONS if "." not in a) | {
    "approx", "est", "vol", "vols", "mins", "hrs", "pres", "gov", "govt", "atty", "lieut", "cf", "al", "ca"}
_CANDIDATE = re.compile(r"[.!?\u2026]+")
_AFTER_QUOTE = "\"\u201d\u2019')]\u00bb"
_BEFORE_OPEN = "\"\u201c\u2018'([\u00ab"
_PREV_WORD = re.compile(r"([^\W_]+)$")
_PREV_NUMBER = re.compile(r"(\d+)$")
_ELLIPSIS_END = re.compile(r"(?:\.{3,}|\u2026)[\"\u201d\u2019')\]]*$")

SURE, MAYBE = 1, 2


@dataclass(frozen=True)
class _Profile:
    """How sentences end in one language: pysbd's segmenter for it, the abbreviations that make a full stop
    ambiguous, which marks close a quotation after the stop and open one after the space."""

    code: str                                  # pysbd language code
    abbreviations: frozenset[str]
    after_quote: str = _AFTER_QUOTE
    before_open: str = _BEFORE_OPEN
    never_after: frozenset[str] = frozenset()  # titles no sentence ends after ("Sr. García"), whatever pysbd says
    ordinal_dates: bool = False                # "am 14. Oktober": a number with a full stop is an ordinal
    spaced_quotes: bool = False                # "... gagner. » Il" / "fin. « Autre": marks set off by spaces


ENGLISH = _Profile("en", _ABBREVIATIONS)
_OTHER_AFTER = _AFTER_QUOTE + "\u201c\u00ab"     # German „...“ and »...« close with what opens elsewhere
_OTHER_BEFORE = _BEFORE_OPEN + "\u201e\u00bb\u00bf\u00a1\u2014\u2013"   # „, », ¿, ¡ and dialogue dashes open
# Titles and other abbreviations, per language, that pysbd's lists lack or that it splits after anyway
# (pysbd's Spanish segmenter ends a sentence at "Sr.").
_TITLE_ABBREVIATIONS = {
    "es": "sr sra srta sres dr dra lic ing arq gral prof profa dña excmo excma ee uu av avda pág núm art",
    "pt": "sr sra srta dr dra prof profa eng gen pág núm art av exmo exma dna",
    "fr": "m mm mme mmes mlle mlles me mgr dr pr st ste gén av art",
    "de": "hr fr dr prof nr bzw ca vgl evtl ggf usw str abs art bsp geb sog inkl",
    "it": "sig sigg sigra dott dottssa prof avv ing on gen pag art",
    "nl": "dhr mevr mr dr prof drs ir ing blz nr art",
}
# Portuguese has no pysbd segmenter; Spanish's rules (and the titles above) are the nearest.
_PYSBD_CODE = {"pt": "es", "gl": "es", "ca": "es"}


@lru_cache(maxsize=32)
def profile(lang: str | None) -> _Profile:
    """The sentence-ending rules of a language (ISO 639-1); English for None and for what pysbd lacks."""
    code = (lang or "en").lower()
    if code == "en":
        return ENGLISH
    pysbd_code = _PYSBD_CODE.get(code, code)
    if pysbd_code not in LANGUAGE_CODES:
        return ENGLISH
    own = frozenset(_TITLE_ABBREVIATIONS.get(code, "").split())
    theirs = frozenset(a.casefold() for a in getattr(LANGUAGE_CODES[pysbd_code].Abbreviation, "ABBREVIATIONS", ())
                       if "." not in a and " " not in a)
    return _Profile(pysbd_code, _ABBREVIATIONS | own | theirs, _OTHER_AFTER, _OTHER_BEFORE, never_after=own,
                    ordinal_dates=code in ("de", "da", "no", "fi", "cs", "sk", "pl", "hu"),
                    spaced_quotes=code in ("fr",))


@lru_cache(maxsize=32)
def _segmenter(code: str = "en") -> pysbd.Segmenter:
    return pysbd.Segmenter(language=code, clean=False)


def _boundaries(text: str, prof: _Profile = ENGLISH) -> list[tuple[int, int]]:
    """Candidate sentence boundaries as (offset just after the punctuation and closing quotes, SURE|MAYBE).

    SURE: "word. Next" with a plain word of two or more letters (not an abbreviation) or a number of two
    or more digits before the full stop, or "!"/"?", followed by a capital. MAYBE: anything pysbd has to
    decide ("U.S. Officials", "Mr. Smith", "J. Smith", ellipses, "1. First"). A full stop followed by a
    lower-case word, or inside a token ("3.5", "U.S", "example.com"), is no boundary at all.
    """
    found: list[tuple[int, int]] = []
    n = len(text)
    for m in _CANDIDATE.finditer(text):
        start, end = m.span()
        j = end
        while j < n and text[j] in prof.after_quote:
            j += 1
        if prof.spaced_quotes and text[j:j + 2] in (" \u00bb", " \u201d"):
            j += 2
        if j >= n or not text[j].isspace():
            continue
        k = j
        while k < n and text[k].isspace():
            k += 1
        while k < n and text[k] in prof.before_open:
            k += 1
            while prof.spaced_quotes and k < n and text[k] == " ":
                k += 1
        if k >= n:
            continue
        nxt = text[k]
        if nxt.islower():
            continue
        punct = m.group()
        if not nxt.isupper() or punct not in (".", "!", "?", "?!", "!?", "!!", "??"):
            found.append((j, MAYBE))
            continue
        if punct != ".":
            found.append((j, SURE))
            continue
        prev = text[start - 1] if start else " "
        if prev.isdigit():
            num = _PREV_NUMBER.search(text, max(0, start - 12), start)
            found.append((j, SURE if num and len(num.group(1)) >= 2 and not prof.ordinal_dates else MAYBE))
        elif prev in "%)\"\u201d\u2019'":
            found.append((j, SURE))
        else:
            pw = _PREV_WORD.search(text, max(0, start - 40), start)
            if (not pw or len(pw.group(1)) < 2 or pw.group(1).casefold() in prof.abbreviations
                    or (pw.start() > 0 and text[pw.start() - 1] == ".")):
                found.append((j, MAYBE))
            else:
                found.append((j, SURE))
    return found


def _guess_ends(text: str, prof: _Profile = ENGLISH) -> list[int]:
    """Regex-only decision for MAYBE boundaries once the pysbd budget is spent: split unless the word
    before the full stop is a known abbreviation or a single letter (or, where numbers end in a full stop
    as ordinals, a number)."""
    ends = []
    for pos, kind in _boundaries(text, prof):
        if kind == SURE:
            ends.append(pos)
            continue
        stop = text[max(0, pos - 60):pos].rstrip().rstrip("\"\u201d\u2019')]\u00bb\u201c")
        pw = _PREV_WORD.search(stop[:-1]) if stop.endswith(".") else None
        if stop.endswith(".") and pw and (len(pw.group(1)) < 2 or pw.group(1).casefold() in prof.abbreviations
                                          or (prof.ordinal_dates and pw.group(1).isdigit())):
            continue
        if stop.endswith(("...", "\u2026")):
            continue
        ends.append(pos)
    return ends


class _Budget:
    """Characters pysbd may still see for one article (pysbd costs ~10 us a character), and the article's
    sentence-ending rules."""

    def __init__(self, chars: int = 150_000, prof: _Profile = ENGLISH) -> None:
        self.chars = chars
        self.profile = prof


def _keep_titles(piece: str, ends: list[int], prof: _Profile) -> list[int]:
    """Drop the ends pysbd put right after a title ("Sr." in "El Sr. García")."""
    if not prof.never_after:
        return ends
    kept = []
    for e in ends:
        stop = piece[max(0, e - 20):e].rstrip()
        pw = _PREV_WORD.search(stop[:-1]) if stop.endswith(".") else None
        if pw and pw.group(1).casefold() in prof.never_after and piece[e:].lstrip()[:1].isupper():
            continue
        kept.append(e)
    return kept


def _pysbd_ends(piece: str, budget: _Budget) -> list[int]:
    """Interior sentence ends of a piece according to pysbd (or the regex guess beyond the budget)."""
    prof = budget.profile
    if len(piece) > _PYSBD_MAX or budget.chars < len(piece):
        return _guess_ends(piece, prof)
    budget.chars -= len(piece)
    try:
        segments = _segmenter(prof.code).segment(piece)
    except Exception:  # pysbd has crashed on odd input before; fall back to the regex guess
        return _guess_ends(piece, prof)
    ends, cursor = [], 0
    for seg in segments:
        seg = seg.strip()
        if not seg:
            continue
        at = piece.find(seg, cursor)
        if at < 0:
            continue                     # pysbd altered the text; skip rather than misplace
        cursor = at + len(seg)
        ends.append(cursor)
    ends = _keep_titles(piece, [e for e in ends if piece[e:].strip()], prof)
    # pysbd keeps a quotation "A. B." whole: split its interior too
    ends.extend(_quote_interior_ends(piece, budget))
    return sorted(set(ends))


def _quote_interior_ends(piece: str, budget: _Budget) -> list[int]:
    out = []
    for qs, qe in quote_spans(piece):
        inner_s = qs + 1
        inner_e = qe - 1 if piece[qe - 1] in _ALL_QUOTES else qe
        inner = piece[inner_s:inner_e]
        if not _CANDIDATE.search(inner.rstrip(".!?,;: \u2026")):
            continue
        sub = _split_piece(inner, budget, interior=True)
        out.extend(inner_s + e for e in sub)
    return out


def _split_piece(text: str, budget: _Budget, interior: bool = False) -> list[int]:
    """Sentence end offsets (excluding the final end) of a piece of text."""
    bounds = _boundaries(text, budget.profile)
    if not bounds:
        return []
    ends: list[int] = []
    start = 0
    sure = [pos for pos, kind in bounds if kind == SURE] + [len(text)]
    maybe = [pos for pos, kind in bounds if kind == MAYBE]
    mi = 0
    for stop in sure:
        has_maybe = False
        while mi < len(maybe) and maybe[mi] < stop:
            if maybe[mi] > start:
                has_maybe = True
            mi += 1
        if has_maybe:
            sub = text[start:stop]
            if interior:
                inner = _guess_ends(sub, budget.profile) if budget.chars < len(sub) else _pysbd_plain(sub, budget)
            else:
                inner = _pysbd_ends(sub, budget)
            ends.extend(start + e for e in inner)
        if stop < len(text):
            ends.append(stop)
        start = stop
    return ends


def _pysbd_plain(piece: str, budget: _Budget) -> list[int]:
    prof = budget.profile
    if len(piece) > _PYSBD_MAX:
        return _guess_ends(piece, prof)
    budget.chars -= len(piece)
    try:
        segments = _segmenter(prof.code).segment(piece)
    except Exception:
        return _guess_ends(piece, prof)
    ends, cursor = [], 0
    for seg in segments:
        seg = seg.strip()
        at = piece.find(seg, cursor) if seg else -1
        if at >= 0:
            cursor = at + len(seg)
            ends.append(cursor)
    return _keep_titles(piece, [e for e in ends if piece[e:].strip()], prof)


def segment(text: str, budget: _Budget | None = None, lang: str | None = None) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of one paragraph, including boundaries inside quotations.

    Unambiguous boundaries are cut with a regex; only the stretches holding an ambiguous one
    ("U.S. Officials", "Mr. Smith") go through pysbd, in the paragraph's language (``lang``, or the
    budget's when one is given).
    """
    if not text.strip():
        return []
    budget = budget or _Budget(prof=profile(lang))
    ends = sorted(set(_split_piece(text, budget)))
    spans, start = [], 0
    for e in ends + [len(text)]:
        if e > start:
            spans.append((start, e))
            start = e
    # "... our sovereignty .... [the] Ukrainian people": an ellipsis followed by "[" or lower case goes on
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and _ELLIPSIS_END.search(text[merged[-1][0]:merged[-1][1]].rstrip()):
            nxt = text[s:e].lstrip()
            if nxt[:1] == "[" or nxt[:1].islower():
                merged[-1] = (merged[-1][0], e)
                continue
        merged.append((s, e))
    out = []
    for s, e in merged:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


_QUOTE_CHAR = re.compile("[\"\u201c\u201d\u201e\u00ab\u00bb]")
_SINGLE_CHAR = re.compile("[\u2018\u2019']")


_NYT_MARKS = re.compile(r"``|''")


def _nyt_mark(m: re.Match[str]) -> str:
    """NYT-style two-apostrophe or two-backtick marks as one curly mark plus a zero-width space (two characters for two)."""
    text, i = m.string, m.start()
    opening = m.group() == "``" or i == 0 or text[i - 1].isspace() or text[i - 1] in "([\u2014\u2013-"
    return "\u201c\u200b" if opening else "\u200b\u201d"


_CLOSES_REVERSED = frozenset({("\u201e", "\u201c"), ("\u00bb", "\u00ab")})


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Top-level double-quotation spans (start of the opening mark, end after the closing mark).

    An unclosed quotation runs to the end of the paragraph (multi-paragraph quotes leave it open).
    Curly single quotes are used only when the paragraph has no double quotes (British style).
    """
    spans: list[tuple[int, int]] = []
    n = len(text)
    open_at = None
    if "''" in text or "``" in text:
        text = _NYT_MARKS.sub(_nyt_mark, text)     # same length: offsets stay valid
    if _QUOTE_CHAR.search(text):
        for m in _QUOTE_CHAR.finditer(text):
            i, c = m.start(), m.group()
            prev = text[i - 1] if i else " "
            nxt = text[i + 1] if i + 1 < n else " "
            if open_at is not None and (text[open_at], c) in _CLOSES_REVERSED:
                spans.append((open_at, i + 1))      # German „...“ and »...«
                open_at = None
            elif c in "\u201c\u201e\u00ab":
                if open_at is None:
                    open_at = i
            elif c in "\u201d\u00bb":
                if open_at is not None:
                    spans.append((open_at, i + 1))
                    open_at = None
                elif (prev.isspace() or prev in "([\u2014\u2013-") and not nxt.isspace():
                    open_at = i
            elif open_at is None:
                if not nxt.isspace() or i == 0:
                    open_at = i
            elif i > open_at + 1 and (not prev.isspace() or nxt.isspace() or i + 1 == n or nxt in ",.;:!?)"):
                spans.append((open_at, i + 1))
                open_at = None
    elif "\u2018" in text:
        for m in _SINGLE_CHAR.finditer(text):
            i, c = m.start(), m.group()
            prev = text[i - 1] if i else " "
            nxt = text[i + 1] if i + 1 < n else " "
            if c == "\u2018" and open_at is None and (prev.isspace() or prev in "([\u2014\u2013-" or i == 0) \
                    and nxt.isalnum():
                open_at = i
            elif c in "\u2019'" and open_at is not None and i > open_at + 1 and not nxt.isalnum():
                if not (c == "'" and prev.isspace()):
                    spans.append((open_at, i + 1))
                    open_at = None
    if open_at is not None and n - open_at > 1:
        spans.append((open_at, n))
    return spans


# ---------------------------------------------------------------------------------------------------
# Sentence-level filter and public helpers
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sentence:
    paragraph: int       # original paragraph index
    start: int           # offset in the paragraph text (after trimming dangling quote marks)
    end: int
    text: str
    context: str         # the paragraph


def _trim_dangling(text: str, s: int, e: int) -> tuple[int, int]:
    """Trim a quote mark left at a piece's edge by splitting a multi-sentence quotation."""
    piece = text[s:e]
    opens = sum(piece.count(c) for c in "\u201c\u201e\u00ab")
    closes = sum(piece.count(c) for c in "\u201d\u00bb")
    if "\u201e" in text:          # German „...“: the left mark closes
        opens, closes = piece.count("\u201e"), closes + piece.count("\u201c")
    straight = piece.count('"')
    if piece and piece[0] in "\u201c\u201e\u00ab\"" and (opens > closes or (piece[0] == '"' and straight % 2 == 1)):
        s += 1
    elif piece and piece[-1] in "\u201d\u00bb\"" and (closes > opens or (piece[-1] == '"' and straight % 2 == 1)):
        e -= 1
    elif piece and piece[-1] == "\u201c" and "\u201e" in text and closes > opens:
        e -= 1
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def is_fragment(sentence: str) -> bool:
    """Too short, credit-only, share prompt or mostly non-text: not a candidate."""
    stripped = sentence.strip()
    if not stripped:
        return True
    letters = sum(1 for c in stripped if c.isalpha())
    if letters < 0.5 * len(stripped.replace(" ", "")):
        return True
    if _CJK.search(stripped):
        if letters < 6:
            return True
    elif _words(stripped) < 3 or letters < 8:
        return True
    if _credit_tail_start(stripped) == 0 or _CLICK_HERE.search(stripped):
        return True
    if _words(stripped) <= 15 and _SHARE.match(stripped):
        return True
    return False


def sentences(text: str, paras: list[Paragraph] | None = None, lang: str | None = None) -> list[Sentence]:
    """All kept sentences of an article, in order (``paras``: the result of ``paragraphs(text)``; ``lang``: the
    article's language, ISO 639-1, for pysbd's rules of that language; English when None)."""
    if paras is None:
        paras = paragraphs(text, lang)
    budget = _Budget(prof=profile(lang))
    out: list[Sentence] = []
    for para in paras:
        body = para.text
        for s, e in merge_quoted(body, segment(body, budget)):
            cred = _credit_tail_start(body[s:e])
            if cred is not None and cred > 0:
                e = s + cred               # "... east of Kyiv. (Getty Images)" inside a paragraph
            s, e = _trim_dangling(body, s, e)
            if e <= s:
                continue
            sentence = body[s:e]
            if is_fragment(sentence):
                continue
            out.append(Sentence(para.index, s, e, sentence, body))
    return out


MAX_QUOTE_UNIT = 1500   # characters: a longer quotation stays split into its sentences


def merge_quoted(body: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join the sentences one quotation runs across into one span ('"A. B," he said.' is one candidate), so a
    multi-sentence quote keeps its marks and its attribution together; overlong quotations stay split."""
    quotes = quote_spans(body)
    if not quotes or len(spans) < 2:
        return spans
    out: list[tuple[int, int]] = []
    qi = 0
    for s, e in spans:
        while qi < len(quotes) and quotes[qi][1] <= s:
            qi += 1
        if out and qi < len(quotes):
            qs, qe = quotes[qi]
            ps, pe = out[-1]
            # the quotation open at this sentence's start began in the previous span
            if qs < pe and qe > s and qs < s and e - ps <= MAX_QUOTE_UNIT:
                out[-1] = (ps, e)
                continue
        out.append((s, e))
    return out


def split_sentences(text: str, lang: str | None = None) -> list[tuple[int, str]]:
    """(paragraph index, sentence) after boilerplate removal; paragraph indexes count every non-empty
    paragraph of the input (dropped boilerplate included). ``lang``: the article's language (English when None)."""
    return [(s.paragraph, s.text) for s in sentences(text, lang=lang)]

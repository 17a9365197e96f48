"""The words of a candidate that carry its claim, for matching against earlier claims.

A quotation's attribution frame ("..., he told CNN host Fareed Zakaria") names people
and outlets that earlier claims also name, so matching the whole sentence finds claims
*about the interviewer*.  For a quote, only the quoted words are matched.
"""

from __future__ import annotations

import re

from claimtrack.extraction.sentences import quote_spans

_QUOTE_MARKS = "\"'“”‘’«»„ "
_MIN_QUOTED_WORDS = 4
# The frame left on a piece of a multi-sentence quote: '..., he said.' / '..." Zelensky added.'
_ATTRIBUTION_TAIL = re.compile(
    r"""[,;:]?["”’]?,?\s+(?:he|she|they|it|(?:[A-Z][\w.'’-]*\s+){0,3}[A-Z][\w.'’-]*)\s+"""
    r"""(?:said|says|told|tells|added|adds|wrote|writes|stated|asked|claimed|argued|explained|insisted)\b.*$"""
)


def matchable_text(sentence: str, is_quote: bool) -> str:
    """The quoted words of a quote (or the sentence without its attribution tail); other sentences whole."""
    if not is_quote:
        return sentence
    quoted = []
    for start, end in quote_spans(sentence):
        inner = sentence[start:end].strip(_QUOTE_MARKS)
        if len(inner.split()) >= _MIN_QUOTED_WORDS:
            quoted.append(inner)
    if quoted:
        return " ".join(quoted)
    stripped = _ATTRIBUTION_TAIL.sub("", sentence).strip(_QUOTE_MARKS)
    return stripped if len(stripped.split()) >= _MIN_QUOTED_WORDS else sentence


_VERBS = (r"said|says|say|told|tells|added|adds|wrote|writes|stated|states|noted|notes|argued|argues|claimed|claims|"
          r"explained|explains|insisted|insists|warned|warns|tweeted|posted|declared|declares|announced|announces|"
          r"asserted|asserts|maintained|maintains|acknowledged|acknowledges|admitted|admits|replied|replies|"
          r"responded|responds|countered|counters|suggested|suggests|stressed|stresses|emphasi[sz]ed|"
          r"predicted|predicts|estimated|estimates|alleged|alleges|testified|testifies|vowed|vows|promised|"
          r"promises|pledged|pledges|conceded|concedes|complained|complains|cautioned|cautions|concluded|"
          r"concludes|confirmed|confirms|believes|believed|thinks|thought|reported|reports|found|finds|showed|shows")
_SPEAKER = r"(?:he|she|they|it|we|I|(?:the\s+|a\s+)?(?:[\w.'\u2019-]+\s+){0,5}?[\w.'\u2019-]+)"
_TRAILING_FRAME = re.compile(
    rf"""[,;]?["\u201d\u2019']?,?\s+(?:{_SPEAKER}\s+(?:also\s+)?(?:{_VERBS})|(?:{_VERBS})\s+{_SPEAKER})"""
    r"""(?:\s+[^,.!?"\u201c\u201d]{0,60})?[.!?]?["\u201d]?$""")
_LEADING_FRAME = re.compile(
    rf"""^(?:according\s+to\s+[^,]{{1,80}},\s*|{_SPEAKER}\s+(?:also\s+)?(?:{_VERBS})(?:\s+(?:on|in|at|during)\s+[^,:"\u201c]{{1,40}})?\s*(?:that\s+|,\s*|:\s*))""",
    re.IGNORECASE)


def canonical_words(sentence: str, is_quote: bool) -> str:
    """The claim in the sentence without its attribution frame or stray quote marks, as a claim's wording:
    '"These compromises are simply wrong," he said.' -> 'These compromises are simply wrong.';
    'Officials said that the dam held.' -> 'The dam held.'"""
    text = " ".join(sentence.split())
    if is_quote:
        quoted = [text[s:e].strip(_QUOTE_MARKS) for s, e in quote_spans(text)]
        quoted = [q for q in quoted if len(q.split()) >= _MIN_QUOTED_WORDS]
        if quoted and sum(len(q) for q in quoted) >= 0.5 * len(text.strip(_QUOTE_MARKS + ",.")):
            text = " ".join(q.rstrip(",;: ") if i < len(quoted) - 1 else q for i, q in enumerate(quoted))
    framed = _TRAILING_FRAME.sub("", text) if not is_quote or text == " ".join(sentence.split()) else text
    if len(framed.split()) >= _MIN_QUOTED_WORDS:
        text = framed
    lead = _LEADING_FRAME.match(text)
    if lead and len(text[lead.end():].split()) >= _MIN_QUOTED_WORDS and '"' not in lead.group() \
            and "\u201c" not in lead.group():
        text = text[lead.end():]
    text = text.strip(_QUOTE_MARKS + " ,;:")
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    if text and text[-1] not in ".!?\u2026":
        text += "."
    return text

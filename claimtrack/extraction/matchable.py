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

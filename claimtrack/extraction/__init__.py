"""Article text -> candidate claim sentences, each with its speaker. Pure code (no Flask/SQLAlchemy).

Conventions of ``CandidateSentence``:

* ``text`` is a verbatim substring of ``context`` (so a UI can highlight it with ``context.find(text)``).
  Quote marks are kept where they fall inside the sentence; a multi-sentence quotation is split into
  its sentences, each carrying the speaker, and the quote mark left dangling at a piece's edge by that
  split is trimmed ('"A. B," he said.' -> 'A.' and 'B," he said.').
* ``position`` is the 0-based order among the returned candidates, which is also the index into
  ``split_sentences(text)`` (both return exactly the same sentences).
* ``paragraph`` is the 0-based index among the non-empty paragraphs (lines) of the input, boilerplate
  paragraphs included, so it points back into the original layout.
* ``speaker`` is the normalised speaker ("Volodymyr Zelensky", "Turkey's government"); statements the
  article makes itself carry the publisher with kind "outlet" (speaker None when no publisher is given).
  A direct quotation whose speaker cannot be found has speaker None and kind "person".
* ``is_quote`` is True when the sentence contains a direct quotation of at least four words (or one
  covering half the sentence); short scare quotes do not count.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from claimtrack.extraction.attribution import (
    NameRegistry,
    match_speaker,
    quote_speaker,
    reported_speaker,
    resolve_phrase,
)
from claimtrack.extraction.attribution_languages import LanguageRegistry, rules_for
from claimtrack.extraction.speakers import SpeakerModel, UnitSpan, attribute, load_model
from claimtrack.extraction.sentences import (
    clean_text,
    paragraphs,
    quote_spans,
    split_sentences,
)
from claimtrack.extraction.sentences import sentences as _sentences  # keep `.sentences` the submodule
from claimtrack.matching.language import detect_language

__all__ = ["CandidateSentence", "article_language", "extract_candidates", "match_speaker", "split_sentences"]


@dataclass(frozen=True)
class CandidateSentence:
    text: str
    position: int
    paragraph: int
    speaker: str | None
    speaker_kind: str
    is_quote: bool
    context: str


_RECENT = 3   # an unattributed quotation inherits a speaker named at most this many paragraphs earlier


def _significant(quote: tuple[int, int], para: str, s: int, e: int) -> bool:
    qs, qe = max(quote[0], s), min(quote[1], e)
    if qe <= qs:
        return False
    inner = para[quote[0]:quote[1]]
    words = len(inner.split())
    return words >= 4 or (qe - qs) >= 0.5 * (e - s)


def article_language(text: str) -> str:
    """The language of an article (ISO 639-1) from its opening text; English when too short to tell."""
    return detect_language(clean_text(text)[:2000])


class _EnglishRules:
    """The hand-written English rules (attribution.py), in the shape the rule loop calls."""

    quote_speaker = staticmethod(quote_speaker)
    reported_speaker = staticmethod(reported_speaker)
    resolve = staticmethod(resolve_phrase)

    @staticmethod
    def leading_person(sentence: str, registry: NameRegistry) -> str | None:
        return _leading_person(sentence, registry)

    @staticmethod
    def quote_spans(_body: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        return spans


def extract_candidates(text: str, publisher: str | None = None,
                       model: SpeakerModel | None | bool = True, lang: str | None = None) -> list[CandidateSentence]:
    """Sentences of an article worth considering as claims, each with who said it.

    ``model``: the fitted speaker ranker (True: the shipped one; False: the older hand-written rules, which
    also answer when the shipped model file is missing). The ranker is English; ``lang`` (ISO 639-1, detected
    from the text when None) sends Spanish, Portuguese, French, German and Italian articles to their own
    rules (attribution_languages.py), and splits the sentences of every language pysbd knows by its rules;
    in a language without rules only the outlet and unattributed quotations are told apart."""
    publisher = (clean_text(publisher).strip() or None) if publisher else None
    lang = (lang or article_language(text)).lower()
    paras = paragraphs(text, lang)
    if not paras:
        return []
    units = _sentences(text, paras, lang)
    if lang != "en":
        rules = rules_for(lang)
        if rules is None:
            return _unattributed(units, publisher)
        lang_registry = LanguageRegistry(rules=rules)
        for para in paras:
            lang_registry.scan(para.text)
        return _with_rules(units, paras, publisher, lang_registry, rules)
    registry = NameRegistry()
    for para in paras:
        registry.scan(para.text)
    if model is True:
        model = load_model()
    if isinstance(model, SpeakerModel):
        return _with_model(units, paras, publisher, model, registry)
    return _with_rules(units, paras, publisher, registry, _EnglishRules)


def _unattributed(units: list, publisher: str | None) -> list[CandidateSentence]:
    """Candidates of an article in a language without attribution rules: quotations have no known speaker,
    the rest is the outlet's."""
    out: list[CandidateSentence] = []
    for unit in units:
        is_quote = any(_significant(q, unit.text, 0, len(unit.text)) for q in quote_spans(unit.text))
        if unit.text.rstrip().endswith(":") and len(unit.text.split()) <= 12 and not is_quote:
            continue
        speaker, kind = (None, "person") if is_quote else (publisher, "outlet")
        out.append(CandidateSentence(unit.text, len(out), unit.paragraph, speaker, kind, is_quote, unit.context))
    return out


def _with_rules(units: list, paras: list, publisher: str | None, registry: NameRegistry, rules) -> list[CandidateSentence]:
    """The hand-written rules' pass over an article: ``rules`` gives the language's quote_speaker,
    reported_speaker, resolve, leading_person and quote_spans."""
    by_para: dict[int, list] = {}
    for sent in units:
        by_para.setdefault(sent.paragraph, []).append(sent)

    outlet = (publisher, "outlet")
    last_person: str | None = None
    last_speaker: tuple[str, str] | None = None
    last_speaker_at = -99
    pending: tuple[str, str] | None = None
    out: list[CandidateSentence] = []

    def resolve(raw: str | None) -> tuple[str | None, str]:
        return rules.resolve(raw, registry, last_person, last_speaker, publisher)

    for p_no, para in enumerate(paras):
        body = para.text
        quotes = rules.quote_spans(body, quote_spans(body))
        starts = [q[0] for q in quotes]
        raw_quote = {q: rules.quote_speaker(body, q) for q in quotes}
        resolved: dict[tuple[int, int], tuple[str | None, str]] = {}
        para_pending, pending = pending, None

        def speaker_of_quote(q: tuple[int, int]) -> tuple[str | None, str]:
            if q in resolved:
                return resolved[q]
            who = resolve(raw_quote[q]) if raw_quote[q] else (None, "person")
            if who[0] is None:
                # another quotation of the paragraph is attributed ('"A," he said. "B."')
                at = quotes.index(q)
                for other in quotes[max(0, at - 3):at] [::-1] + quotes[at + 1:at + 4]:
                    if raw_quote[other]:
                        who = resolved.get(other) or resolve(raw_quote[other])
                        if who[0]:
                            break
            if who[0] is None and para_pending is not None:
                who = para_pending
            if who[0] is None and last_speaker is not None and p_no - last_speaker_at <= _RECENT:
                who = last_speaker
            resolved[q] = who
            return who

        for sent in by_para.get(para.index, []):
            s, e = sent.start, sent.end
            near = _overlapping(quotes, starts, s, e)
            overlapping = [q for q in near if _significant(q, body, s, e)]
            if overlapping:
                q = max(overlapping, key=lambda q: min(q[1], e) - max(q[0], s))
                speaker, kind = speaker_of_quote(q)
                if speaker is None:
                    speaker, kind = resolve(rules.reported_speaker(sent.text))
                is_quote = True
            else:
                local = [(max(0, qs - s), min(e, qe) - s) for qs, qe in near]
                raw = rules.reported_speaker(sent.text, local)
                speaker, kind = resolve(raw) if raw else (None, "outlet")
                if speaker is None:
                    speaker, kind = outlet
                is_quote = False
            if speaker is None and not is_quote:
                kind = "outlet"
            if speaker is not None and publisher and speaker.casefold() == publisher.casefold():
                kind = "outlet"
            if speaker is not None and kind != "outlet":
                last_speaker, last_speaker_at = (speaker, kind), p_no
                if kind == "person":
                    last_person = speaker
            else:
                subject = rules.leading_person(sent.text, registry)
                if subject:
                    last_person = subject
            if sent.text.rstrip().endswith(":") and not is_quote and speaker is not None and kind != "outlet" \
                    and len(sent.text.split()) <= 12:
                pending = (speaker, kind)   # "The ministry said in a statement:" introduces the next paragraph
                continue
            out.append(CandidateSentence(sent.text, len(out), sent.paragraph, speaker, kind, is_quote, sent.context))

        if pending is None and body.rstrip().endswith(":") and not by_para.get(para.index):
            # "Zelensky added:" on its own line (too short to be a candidate) introduces the next paragraph
            raw = rules.reported_speaker(body)
            if raw:
                who = resolve(raw)
                if who[0]:
                    pending = who
                    last_speaker, last_speaker_at = who, p_no
                    if who[1] == "person":
                        last_person = who[0]
    return out


def _with_model(units: list, paras: list, publisher: str | None, model: SpeakerModel,
                registry: NameRegistry) -> list[CandidateSentence]:
    bodies = {p.index: p.text for p in paras}
    quotes_of = {p.index: quote_spans(p.text) for p in paras}
    spans = [UnitSpan(u.paragraph, bodies[u.paragraph], u.start, u.end) for u in units]
    found = attribute(spans, publisher, model, quotes_of, registry)
    out: list[CandidateSentence] = []
    for unit, who in zip(units, found, strict=True):
        quotes = quote_spans(unit.text)
        is_quote = any(_significant(q, unit.text, 0, len(unit.text)) for q in quotes)
        if unit.text.rstrip().endswith(":") and len(unit.text.split()) <= 12 and not is_quote:
            continue       # "The ministry said in a statement:" only introduces what follows
        out.append(CandidateSentence(unit.text, len(out), unit.paragraph, who.speaker, who.kind, is_quote,
                                     unit.context))
    return out


def _overlapping(quotes: list[tuple[int, int]], starts: list[int], s: int, e: int) -> list[tuple[int, int]]:
    """Quotations (sorted, non-overlapping) that overlap the span [s, e)."""
    i = bisect.bisect_left(starts, e) - 1
    found = []
    while i >= 0 and quotes[i][1] > s:
        found.append(quotes[i])
        i -= 1
    return found[::-1]


def _leading_person(sentence: str, registry: NameRegistry) -> str | None:
    """The first registered person named in the opening words of a sentence ("Council member Tom Reyes
    disagreed.") becomes the referent of a later 'he'/'she'."""
    words = sentence.replace(",", " ").split()[:8]
    runs: list[list[str]] = [[]]
    for w in words:
        if w[:1].isupper():
            runs[-1].append(w.strip(".:;\"\u201c\u201d()"))
        elif runs[-1]:
            runs.append([])
    for run in runs:
        while run and run[0].casefold() in _LEADING_SKIP:
            run = run[1:]
        for size in (3, 2, 1):
            for i in range(0, max(0, len(run) - size) + 1):
                name = " ".join(run[i:i + size])
                if not name:
                    continue
                full = registry.resolve(name)
                if registry.is_person(full):
                    return full
    return None


_LEADING_SKIP = frozenset("both but and notably however meanwhile the on in at after before when while if "
                          "council".split())

"""Claim files: reading JSONL, CSV and ClaimReview JSON-LD into checked records, and writing them back.

Pure: no Flask, no database.  Readers yield ``(location, object_or_None, problem_or_None)``
so that a bad line is reported with its number and the rest goes on.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Iterator, Mapping

from claimtrack.matching.language import language_code


FIELDS = ("id", "text", "title", "verdict", "speaker", "date", "url", "topics", "review", "lang", "inLanguage")
LIMITS = {"id": 200, "text": 20_000, "title": 500, "verdict": 100, "speaker": 200, "date": 200, "url": 2048}
MAX_TOPICS = 50
MAX_TOPIC_LENGTH = 100
FORMATS = ("jsonl", "csv", "claimreview", "html")


class RecordError(ValueError):
    """A line that cannot be imported; the message says why, for the user."""


@dataclass
class ClaimRecord:
    """One earlier claim from a file, checked and cleaned."""

    external_id: str
    text: str
    title: str | None = None
    verdict: str | None = None
    speaker: str | None = None
    date_text: str | None = None
    claim_date: date | None = None
    url: str | None = None
    topics: list[str] = field(default_factory=list)
    unknown_fields: tuple[str, ...] = ()
    # Another organisation's review (from its ClaimReview or a JSONL "review"); None for the newsroom's own.
    review: "Review | None" = None
    # What the import should tell the user about this record (once per kind, with a count).
    notes: tuple[str, ...] = ()
    # The day the review was published (from its ClaimReview), set by the import.
    published_on: date | None = None
    # The claim's language as the file gives it ("lang" or "inLanguage": "es", "pt-BR"); None: detected.
    lang: str | None = None


_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
_MONTH = (r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[6-9]|2\d)\d\d)"
# Month names in Spanish, Portuguese, French and German ("4 de octubre de 2020", "1er février 2021",
# "4. Oktober 2020"); English names are read by _MONTH.
_FOREIGN_MONTHS = {
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
    "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    "janeiro": 1, "fevereiro": 2, "março": 3, "marco": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9,
    "outubro": 10, "novembro": 11, "dezembro": 12,
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "april": 4, "juni": 6, "juli": 7,
    "august": 8, "september": 9, "oktober": 10, "november": 11, "dezember": 12,
}
_FMONTH = "(?P<fmonth>" + "|".join(sorted(_FOREIGN_MONTHS, key=len, reverse=True)) + r")\.?"
# Most specific first: "October 7, 2016", "7 October 2016", "4 de octubre de 2020", "October 2016",
# "octubre de 2020" (a foreign month alone with its year only after "de": "Mars 2020" is a rover).
_DATE_PATTERNS = [
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b(?P<day>[0-3]?\d)(?:er|º|°|\.)?\s+(?:de\s+)?{_FMONTH},?\s+(?:de\s+|del\s+)?{_YEAR}\b",
               re.IGNORECASE),
    re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_FMONTH}\s+(?:de|del)\s+{_YEAR}\b", re.IGNORECASE),
]
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


@lru_cache(maxsize=65536)
def parse_date(text: str | None) -> date | None:
    """The calendar date in an ISO or free-text date ("stated on October 7, 2016 in a debate:"), or None.

    A month without a day gives the first of that month; text without a month and a year gives None.
    """
    if not text:
        return None
    text = text.strip()
    iso = _ISO.match(text)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return None
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            try:
                month = (_FOREIGN_MONTHS[parts["fmonth"].lower()] if parts.get("fmonth")
                         else _MONTHS[parts["month"][:3].lower()])
                return date(int(parts["year"]), month, int(parts.get("day") or 1))
            except ValueError:
                continue  # "February 30, 2020": look for another date in the text
    return None


def _string(obj: Mapping[str, Any], key: str, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordError(f"no {key!r}")
        return None
    if key == "id" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise RecordError(f"{key!r} must be a string, not {type(value).__name__}")
    value = value.strip()
    if len(value) > LIMITS[key]:
        raise RecordError(f"{key!r} is {len(value):,} characters long; the limit is {LIMITS[key]:,}")
    if "\x00" in value:
        raise RecordError(f"{key!r} contains a NUL character")
    return value


def _date_text(value: Any) -> str | None:
    """The date as written; never a reason to reject a line (too long is cut, a wrong type is dropped)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    value = " ".join(value.replace("\x00", " ").split())
    return value[: LIMITS["date"]]


def to_record(obj: Any) -> ClaimRecord:
    """Check one decoded object against the import format; raise RecordError if it is bad."""
    if not isinstance(obj, dict):
        raise RecordError(f"expected a JSON object, found {type(obj).__name__}")
    external_id = _string(obj, "id", required=True)
    text = _string(obj, "text", required=True)
    topics_value = obj.get("topics")
    topics: list[str] = []
    if topics_value is not None:
        if not isinstance(topics_value, list) or not all(isinstance(t, str) for t in topics_value):
            raise RecordError("'topics' must be a list of strings")
        if len(topics_value) > MAX_TOPICS:
            raise RecordError(f"'topics' has {len(topics_value)} entries; the limit is {MAX_TOPICS}")
        seen = set()
        for topic in topics_value:
            topic = " ".join(topic.split())
            if len(topic) > MAX_TOPIC_LENGTH:
                raise RecordError(f"a topic is longer than {MAX_TOPIC_LENGTH} characters")
            if topic and topic.casefold() not in seen:
                seen.add(topic.casefold())
                topics.append(topic)
    date_text = _date_text(obj.get("date"))
    lang = _language_of(obj)
    review = Review.from_json(obj["review"]) if obj.get("review") is not None else None
    notes = obj.get("_notes")
    return ClaimRecord(
        external_id=external_id,  # type: ignore[arg-type]
        text=text,  # type: ignore[arg-type]
        title=_string(obj, "title"),
        verdict=_string(obj, "verdict"),
        speaker=_string(obj, "speaker"),
        date_text=date_text,
        claim_date=parse_date(date_text),
        url=_string(obj, "url"),
        topics=topics,
        unknown_fields=tuple(k for k in obj if k not in FIELDS and k != "_notes"),
        review=review if review and review.as_json() else None,
        notes=tuple(n for n in notes if isinstance(n, str)) if isinstance(notes, list) else (),
        lang=lang,
    )


def _language_of(obj: dict) -> str | None:
    """The "lang" or "inLanguage" of a record as an ISO code; a value that is no language tag is refused."""
    value = obj.get("lang", obj.get("inLanguage"))
    if isinstance(value, dict):  # schema.org Language: {"@type": "Language", "name": ..., "alternateName": "es"}
        value = value.get("alternateName") or value.get("name")
    if value is None or value == "":
        return None
    code = language_code(value) if isinstance(value, str) else None
    if code is None:
        raise RecordError(f"'lang' must be a language code such as \"es\" or \"pt-BR\", not {str(value)[:40]!r}")
    return code


def detect_format(path: str) -> str:
    """Guess a claim file's format from its name, then from its first bytes."""
    lower = path.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith((".html", ".htm")):
        return "html"
    with open(path, "rb") as handle:
        head = handle.read(65536).lstrip(b"\xef\xbb\xbf \t\r\n")
    return sniff_format(head, lower)


def sniff_format(head: bytes, name: str = "") -> str:
    """A claim document's format from its first bytes (a fetched feed has no file name to go by)."""
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "html"
    if head.startswith(b"["):
        return "claimreview"
    first_line, _, rest = head.partition(b"\n")
    try:
        first = json.loads(first_line)
    except ValueError:
        return "claimreview" if name.endswith((".json", ".jsonld")) or head.startswith(b"{") else "jsonl"
    if rest.strip():
        return "jsonl"  # one object a line: claims, or ClaimReviews (the Data Commons dump)
    if isinstance(first, dict) and ({"@type", "@context", "dataFeedElement", "@graph", "claims"} & set(first)):
        return "claimreview"
    return "jsonl"


class Reader:
    """Iterates a claim file as (location, object, problem); ``progress`` counts bytes or elements read."""

    def __init__(self, path: str, fmt: str, max_line_bytes: int = 1_000_000):
        self.path = path
        self.fmt = fmt
        self.max_line_bytes = max_line_bytes
        self.progress = 0
        self.total = 0

    def __iter__(self) -> Iterator[tuple[str, Any, str | None]]:
        if self.fmt == "jsonl":
            return self._jsonl()
        if self.fmt == "csv":
            return self._csv()
        if self.fmt == "claimreview":
            return self._claimreview()
        if self.fmt == "html":
            return self._html()
        raise ValueError(f"unknown format {self.fmt!r}")

    def _jsonl(self):
        import os

        self.total = os.path.getsize(self.path)
        with open(self.path, "rb") as handle:
            number = 0
            while True:
                raw = handle.readline(self.max_line_bytes + 1)
                if not raw:
                    break
                number += 1
                self.progress += len(raw)
                if len(raw) > self.max_line_bytes and not raw.endswith(b"\n"):
                    while True:  # skip the rest of the overlong line without holding it
                        rest = handle.readline(1 << 20)
                        self.progress += len(rest)
                        if not rest or rest.endswith(b"\n"):
                            break
                    yield f"line {number}", None, f"longer than {self.max_line_bytes:,} bytes"
                    continue
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]
                if not raw.strip():
                    continue
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    yield f"line {number}", None, f"not UTF-8 text (byte {raw[error.start]:#04x} at column {error.start + 1})"
                    continue
                try:
                    obj = json.loads(_unwrap_script(line))
                except ValueError as error:
                    yield f"line {number}", None, f"not valid JSON ({error.msg} at column {error.colno})"
                    continue
                if _is_jsonld(obj):
                    # a ClaimReview (or a DataFeed) on the line: the layout of the Data Commons dump
                    yield from _review_rows(f"line {number}", claimreview_elements(obj))
                    continue
                yield f"line {number}", obj, None

    def _csv(self):
        import os

        self.total = os.path.getsize(self.path)
        with open(self.path, "r", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            reader = csv.DictReader(handle)
            previous_line = 1
            for row in reader:
                self.progress = min(self.total, handle.buffer.tell())
                location = f"line {previous_line + 1}"
                previous_line = reader.line_num
                if None in row:
                    yield location, None, "more fields than the header names"
                    continue
                values = {k: v for k, v in row.items() if k is not None}
                if any(_has_surrogates(v) for v in values.values() if isinstance(v, str)):
                    yield location, None, "not UTF-8 text"
                    continue
                obj: dict[str, Any] = {k: v for k, v in values.items() if v not in (None, "")}
                if "claimReviewed" in values:
                    # ClaimReview columns: "reviewRating.alternateName", "itemReviewed.author.name" ...
                    yield from _review_rows(location, [_nest(obj)], single=True)
                    continue
                topics = obj.get("topics")
                if isinstance(topics, str):
                    if topics.lstrip().startswith("["):
                        try:
                            obj["topics"] = json.loads(topics)
                        except ValueError:
                            yield location, None, "'topics' is not a valid JSON list"
                            continue
                    else:
                        obj["topics"] = [t.strip() for t in topics.split(";") if t.strip()]
                yield location, obj, None

    def _claimreview(self):
        try:
            with open(self.path, "rb") as handle:
                data = json.loads(handle.read().decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            raise UnreadableFile(f"not UTF-8 text (byte offset {error.start})") from None
        except ValueError as error:
            raise UnreadableFile(f"not valid JSON ({error})") from None
        yield from self._elements(claimreview_elements(data))

    def _html(self):
        with open(self.path, "rb") as handle:
            body = handle.read()
        reviews = html_reviews(_decode_page(body))
        if not reviews:
            raise UnreadableFile("the page has no ClaimReview in its JSON-LD")
        yield from self._elements(reviews)

    def _elements(self, elements: list[Any]):
        self.total = len(elements)
        for index, element in enumerate(elements, start=1):
            self.progress = index
            yield from _review_rows(f"element {index}", [element], single=True)


def read_document(body: bytes, name: str = "") -> list[tuple[str, Any, str | None]]:
    """The rows of a fetched claim document (a partner's feed, a fact-check page), as the file readers give them."""
    fmt = sniff_format(body, name.lower())
    if fmt == "html":
        reviews = html_reviews(_decode_page(body))
        if not reviews:
            raise UnreadableFile("the page has no ClaimReview in its JSON-LD")
        return [row for i, r in enumerate(reviews, 1) for row in _review_rows(f"element {i}", [r], single=True)]
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"not UTF-8 text (byte offset {error.start})") from None
    if fmt == "jsonl":
        rows: list[tuple[str, Any, str | None]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(_unwrap_script(line))
            except ValueError as error:
                rows.append((f"line {number}", None, f"not valid JSON ({error.msg} at column {error.colno})"))
                continue
            if _is_jsonld(obj):
                rows.extend(_review_rows(f"line {number}", claimreview_elements(obj)))
            else:
                rows.append((f"line {number}", obj, None))
        return rows
    try:
        data = json.loads(text)
    except ValueError as error:
        raise UnreadableFile(f"not valid JSON ({error})") from None
    elements = claimreview_elements(data)
    return [row for i, e in enumerate(elements, 1) for row in _review_rows(f"element {i}", [e], single=True)]


_SCRIPT_LINE = re.compile(r"^\s*<script[^>]*>(.*)</script>\s*$", re.IGNORECASE | re.DOTALL)


def _unwrap_script(line: str) -> str:
    """A line holding one <script type="application/ld+json"> element (the Data Commons feed's layout): its JSON."""
    match = _SCRIPT_LINE.match(line)
    return match[1] if match else line


def _decode_page(body: bytes) -> str:
    """A page's text: UTF-8 (JSON-LD's own encoding, and nearly every fact-checker's), else Windows-1252."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _is_jsonld(obj: Any) -> bool:
    return isinstance(obj, dict) and bool({"@type", "@graph", "dataFeedElement", "claimReviewed"} & set(obj)
                                          or ("claims" in obj and "text" not in obj))


def _review_rows(location: str, elements: list[Any], single: bool = False):
    for index, element in enumerate(elements, start=1):
        where = location if single or len(elements) == 1 else f"{location}, review {index}"
        try:
            yield where, claimreview_to_object(element), None
        except RecordError as error:
            yield where, None, str(error)


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """CSV columns with dotted names ("reviewRating.alternateName") as the nested ClaimReview they spell."""
    out: dict[str, Any] = {"@type": "ClaimReview"}
    for key, value in flat.items():
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return out


class UnreadableFile(Exception):
    """The file as a whole cannot be read (nothing in it is imported)."""


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


SCHEMA_PREFIX = re.compile(r"^(?:https?://schema\.org/?|schema:|sdo:)", re.IGNORECASE)
ORGANISATION_TYPES = {"Organization", "NewsMediaOrganization", "Corporation", "NGO", "EducationalOrganization",
                      "GovernmentOrganization"}
REVIEW_TEXT_LIMIT = 100_000


def type_names(obj: Any) -> set[str]:
    """An object's schema.org types, however spelled: "ClaimReview", "schema:ClaimReview", "https://schema.org/ClaimReview"."""
    if not isinstance(obj, dict):
        return set()
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {SCHEMA_PREFIX.sub("", k.strip()) for k in kinds if isinstance(k, str) and k.strip()}


def _is_review(obj: Any) -> bool:
    return isinstance(obj, dict) and ("ClaimReview" in type_names(obj) or ("@type" not in obj and "claimReviewed" in obj))


def _find_reviews(data: Any, ids: Mapping[str, Any], depth: int = 0) -> list[dict[str, Any]]:
    """Every ClaimReview inside a JSON-LD document (a WebPage's mainEntity, an @graph), other nodes left aside."""
    if depth > 20:
        return []
    if isinstance(data, list):
        return [r for item in data for r in _find_reviews(item, ids, depth + 1)]
    if not isinstance(data, dict):
        return []
    if _is_review(data):
        return [_resolve(data, ids)]
    found: list[dict[str, Any]] = []
    for key, value in data.items():
        if key != "@context" and isinstance(value, (dict, list)):
            found.extend(_find_reviews(value, ids, depth + 1))
    return found


def _graph_ids(nodes: Any) -> dict[str, Any]:
    return {n["@id"]: n for n in (nodes if isinstance(nodes, list) else [nodes])
            if isinstance(n, dict) and isinstance(n.get("@id"), str)}


def _deref(value: Any, ids: Mapping[str, Any]) -> Any:
    """A node given only by its @id ({"@id": "#org"}) replaced by the node of that id in the same document."""
    if isinstance(value, dict) and set(value) == {"@id"} and value["@id"] in ids:
        return ids[value["@id"]]
    return value


def _resolve(review: dict[str, Any], ids: Mapping[str, Any]) -> dict[str, Any]:
    if not ids:
        return review
    out = {k: _deref(v, ids) for k, v in review.items()}
    item = out.get("itemReviewed")
    if isinstance(item, dict):
        out["itemReviewed"] = {k: _deref(v, ids) for k, v in item.items()}
    return out


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def factcheck_api_reviews(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The reviews of a Fact Check Tools API ``claims:search`` answer, as ClaimReviews."""
    out: list[dict[str, Any]] = []
    for claim in data.get("claims") or []:
        if not isinstance(claim, dict):
            out.append(claim)
            continue
        item: dict[str, Any] = {"@type": "Claim"}
        if claim.get("claimant"):
            item["author"] = {"name": claim["claimant"]}
        if claim.get("claimDate"):
            item["datePublished"] = claim["claimDate"]
        for review in claim.get("claimReview") or [None]:
            review = review if isinstance(review, dict) else {}
            publisher = review.get("publisher") if isinstance(review.get("publisher"), dict) else {}
            site = publisher.get("site")
            site_url = site if not isinstance(site, str) or "://" in site else f"https://{site}"
            converted = {
                "@type": "ClaimReview",
                "claimReviewed": claim.get("text"),
                "url": review.get("url"),
                "headline": review.get("title"),
                "datePublished": review.get("reviewDate"),
                "inLanguage": review.get("languageCode"),
                "author": {"@type": "Organization", "name": publisher.get("name") or site, "url": site_url},
                "reviewRating": {"@type": "Rating", "alternateName": review.get("textualRating")},
                "itemReviewed": item,
            }
            out.append({k: v for k, v in converted.items() if v is not None})
    return out


def claimreview_elements(data: Any) -> list[Any]:
    """The ClaimReviews of a document: one review, a list, a DataFeed, an @graph, or a claims:search answer.

    In a list or a DataFeed every element is expected to be a review (anything else is reported); in an @graph
    or inside another node (a WebPage's mainEntity) the other nodes are simply not reviews.
    """
    if isinstance(data, list):
        out: list[Any] = []
        for item in data:
            out.extend(claimreview_elements(item) if isinstance(item, (dict, list)) else [item])
        return out
    if isinstance(data, dict):
        if "@type" not in data and isinstance(data.get("claims"), list):
            return factcheck_api_reviews(data)
        if "@graph" in data:
            graph = data["@graph"]
            return _find_reviews(graph, _graph_ids(graph))
        if "dataFeedElement" in data:
            items = data.get("dataFeedElement") or []
            out = []
            for item in items if isinstance(items, list) else [items]:
                # A DataFeedItem wraps the review in "item".
                if isinstance(item, dict) and "DataFeedItem" in type_names(item) and "item" in item:
                    out.extend(claimreview_elements(item["item"]))
                else:
                    out.extend(claimreview_elements(item) if isinstance(item, (dict, list)) else [item])
            return out
        if _is_review(data):
            return [data]
        return _find_reviews(data, {}) or [data]
    raise UnreadableFile("expected a ClaimReview object, a list of them, or a DataFeed")


def html_reviews(html: str) -> list[dict[str, Any]]:
    """The ClaimReviews in a page's <script type="application/ld+json"> blocks (other JSON-LD left aside)."""
    from html.parser import HTMLParser

    class Scripts(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.blocks: list[str] = []
            self._in = False

        def handle_starttag(self, tag, attrs):
            kind = (dict(attrs).get("type") or "").split(";")[0].strip().lower()
            self._in = tag == "script" and kind == "application/ld+json"
            if self._in:
                self.blocks.append("")

        def handle_endtag(self, tag):
            if tag == "script":
                self._in = False

        def handle_data(self, data):
            if self._in:
                self.blocks[-1] += data

    parser = Scripts()
    parser.feed(html)
    parser.close()
    reviews: list[dict[str, Any]] = []
    for block in parser.blocks:
        try:
            data = json.loads(block)
        except ValueError:
            continue  # a broken block of another kind (a CMS's stray comma) does not hide the others
        if isinstance(data, dict) and "@graph" in data:
            reviews.extend(_find_reviews(data["@graph"], _graph_ids(data["@graph"])))
        else:
            reviews.extend(_find_reviews(data, {}))
    return reviews


def review_key(url: str | None, claim: str) -> str:
    """The external id of a review that names none: its url and the claim reviewed, so that several claims
    checked in one article stay several, and however long the url, the id fits."""
    folded = " ".join(claim.casefold().split())
    digest = hashlib.sha256(f"{url or ''}\n{folded}".encode("utf-8")).hexdigest()
    return f"cr-{digest[:24]}"


def _text(value: Any, limit: int) -> str | None:
    value = _first(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.replace("\x00", " ").split())
    return value[:limit] or None


def _number_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return _text(value, 32)


def _name_of(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name")
    return _text(value, 200)


def _url_of(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id")
    return _text(value, 8192)


def _type_of(value: Any) -> str | None:
    names = sorted(type_names(_first(value)))
    return names[0][:64] if names else None


def _item_appearances(item: Mapping[str, Any]) -> tuple[str, ...]:
    """The urls where the reviewed claim appeared; a CreativeWork reviewed by its url (a post, a video) is one."""
    appearance = item.get("appearance")
    listed = appearance if isinstance(appearance, list) else [appearance]
    if "Claim" not in type_names(item) and isinstance(item.get("url"), str):
        listed = [item["url"], *listed]
    return _appearance_urls(listed)


def _appearance_urls(value: Any) -> tuple[str, ...]:
    urls = []
    for item in value if isinstance(value, list) else [value]:
        url = _url_of(item)
        if url and url not in urls:
            urls.append(url)
    return tuple(urls[:200])


@dataclass(frozen=True)
class Review:
    """Another organisation's review as its ClaimReview gave it: who, when, the rating's numbers, what was reviewed."""

    publisher_name: str | None = None
    publisher_url: str | None = None
    author_name: str | None = None
    author_type: str | None = None
    author_url: str | None = None
    date_published: str | None = None
    date_modified: str | None = None
    url: str | None = None
    headline: str | None = None
    review_body: str | None = None
    in_language: str | None = None
    rating_value: str | None = None
    best_rating: str | None = None
    worst_rating: str | None = None
    item_type: str | None = None
    item_author_name: str | None = None
    item_author_type: str | None = None
    item_date: str | None = None
    appearance_urls: tuple[str, ...] = ()
    first_appearance_url: str | None = None

    @property
    def checked_by(self) -> str | None:
        """The name a reader is told: the publisher, else the author, else the publisher's web address."""
        return self.publisher_name or self.author_name or _host(self.publisher_url or self.author_url or self.url)

    def as_json(self) -> dict[str, Any]:
        """The fields that are set, as the JSONL export's "review" object holds them."""
        out: dict[str, Any] = {}
        for name in REVIEW_FIELDS:
            value = getattr(self, name)
            if value not in (None, "", ()):
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_json(cls, obj: Any) -> "Review":
        """Check a "review" object of an import line; raise RecordError if it is not one."""
        if not isinstance(obj, dict):
            raise RecordError(f"'review' must be an object, not {type(obj).__name__}")
        values: dict[str, Any] = {}
        for name, value in obj.items():
            if name not in REVIEW_FIELDS:
                raise RecordError(f"'review' has an unknown field {name!r}")
            if name == "appearance_urls":
                if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
                    raise RecordError("'review.appearance_urls' must be a list of strings")
                values[name] = tuple(value[:200])
            elif value is not None:
                if not isinstance(value, str):
                    raise RecordError(f"'review.{name}' must be a string, not {type(value).__name__}")
                if "\x00" in value:
                    raise RecordError(f"'review.{name}' contains a NUL character")
                values[name] = value[:REVIEW_LIMITS.get(name, REVIEW_TEXT_LIMIT)]
        return cls(**values)

    def rating_as_given(self) -> dict[str, Any]:
        """ratingValue, bestRating, worstRating as numbers where they are numbers."""
        out: dict[str, Any] = {}
        for key, value in (("ratingValue", self.rating_value), ("bestRating", self.best_rating),
                           ("worstRating", self.worst_rating)):
            if value is not None:
                out[key] = _as_number(value)
        return out


REVIEW_FIELDS = tuple(Review.__dataclass_fields__)
REVIEW_LIMITS = {"publisher_name": 200, "author_name": 200, "author_type": 64, "date_published": 64,
                 "date_modified": 64, "in_language": 35, "rating_value": 32, "best_rating": 32, "worst_rating": 32,
                 "item_type": 64, "item_author_name": 200, "item_author_type": 64, "item_date": 64}


def _as_number(value: str) -> Any:
    if re.fullmatch(r"-?\d{1,15}", value):
        return int(value)
    if re.fullmatch(r"-?\d{1,15}\.\d{1,15}", value):
        return float(value)
    return value


def _host(url: str | None) -> str | None:
    if not url:
        return None
    from urllib.parse import urlsplit

    try:
        return urlsplit(url if "://" in url else f"https://{url}").hostname
    except ValueError:
        return None


def review_from_claimreview(review: Mapping[str, Any]) -> Review:
    """The provenance a ClaimReview carries."""
    item = _first(review.get("itemReviewed"))
    item = item if isinstance(item, dict) else {}
    rating = _first(review.get("reviewRating"))
    rating = rating if isinstance(rating, dict) else {}
    author = _first(review.get("author"))
    publisher = _first(review.get("publisher"))
    author_type = _type_of(author)
    if isinstance(publisher, dict) and (_name_of(publisher) or _url_of(publisher)):
        publisher_name, publisher_url = _name_of(publisher), _url_of(publisher)
    elif author_type != "Person":
        publisher_name, publisher_url = _name_of(author), _url_of(author) if isinstance(author, dict) else None
    else:
        publisher_name = publisher_url = None
    language = _first(review.get("inLanguage"))
    if isinstance(language, dict):
        language = language.get("alternateName") or language.get("name")
    return Review(
        publisher_name=publisher_name,
        publisher_url=publisher_url,
        author_name=_name_of(author),
        author_type=author_type,
        author_url=_url_of(author) if isinstance(author, dict) else None,
        date_published=_text(review.get("datePublished"), 64),
        date_modified=_text(review.get("dateModified"), 64),
        url=_text(review.get("url"), 8192),
        headline=_text(review.get("headline") or review.get("name"), 2000),
        review_body=_text(review.get("reviewBody"), REVIEW_TEXT_LIMIT),
        in_language=_text(language, 35),
        rating_value=_number_text(rating.get("ratingValue")),
        best_rating=_number_text(rating.get("bestRating")),
        worst_rating=_number_text(rating.get("worstRating")),
        item_type=_type_of(item),
        item_author_name=_name_of(item.get("author")),
        item_author_type=_type_of(item.get("author")),
        item_date=_text(item.get("datePublished"), 64),
        appearance_urls=_item_appearances(item),
        first_appearance_url=_url_of(item.get("firstAppearance")),
    )


NO_CLAIM_NOTE = "no claimReviewed: the review's headline stands for the claim"


def claimreview_to_object(review: Any) -> dict[str, Any]:
    """Turn one schema.org ClaimReview into an import-format object, its provenance under "review"."""
    if not isinstance(review, dict):
        raise RecordError(f"expected a ClaimReview object, found {type(review).__name__}")
    if not _is_review(review):
        kinds = sorted(type_names(review))
        raise RecordError(f"expected a ClaimReview, found {(kinds[0] if len(kinds) == 1 else kinds)!r}")
    provenance = review_from_claimreview(review)
    rating = _first(review.get("reviewRating"))
    rating = rating if isinstance(rating, dict) else {}
    text = _text(review.get("claimReviewed"), LIMITS["text"])
    notes = []
    if not text and provenance.headline:
        text = provenance.headline[: LIMITS["text"]]
        notes.append(NO_CLAIM_NOTE)
    identifier = review.get("identifier")
    if isinstance(identifier, int) and not isinstance(identifier, bool):
        identifier = str(identifier)
    if not (isinstance(identifier, str) and identifier.strip() and len(identifier.strip()) <= LIMITS["id"]):
        identifier = review_key(provenance.url or _text(review.get("@id"), 8192), text or "") if text else None
    url = provenance.url if provenance.url and len(provenance.url) <= LIMITS["url"] else None
    obj: dict[str, Any] = {
        "id": identifier,
        "text": text,
        "title": provenance.headline[: LIMITS["title"]] if provenance.headline else None,
        "verdict": _text(rating.get("alternateName") or rating.get("name"), LIMITS["verdict"]),
        "speaker": provenance.item_author_name,
        "date": provenance.item_date,
        "url": url,
        "review": provenance.as_json(),
    }
    keywords = review.get("keywords")
    if isinstance(keywords, str):
        obj["topics"] = [k.strip()[:MAX_TOPIC_LENGTH] for k in keywords.split(",") if k.strip()][:MAX_TOPICS]
    elif isinstance(keywords, list):
        obj["topics"] = [k[:MAX_TOPIC_LENGTH] for k in keywords if isinstance(k, str)][:MAX_TOPICS]
    if notes:
        obj["_notes"] = notes
    return {k: v for k, v in obj.items() if v is not None}


def record_line(record: Mapping[str, Any]) -> str:
    """One JSONL export line, fields in the import format's order, empty ones left out."""
    ordered = {k: record[k] for k in FIELDS if record.get(k) not in (None, "", [], {})}
    return json.dumps(ordered, ensure_ascii=False) + "\n"


def claimreview_element(
    record: Mapping[str, Any],
    rating_value: int | None,
    best: int,
    worst: int,
    published: str | None,
    publisher: Mapping[str, str],
    level_label: str | None = None,
) -> dict[str, Any]:
    """One schema.org ClaimReview for the export feed, as Google's fact-check guidelines ask for it.

    The newsroom's own review carries the newsroom's name and the scale's numbers; another organisation's
    review (``record["review"]``) keeps its own author, publisher, dates, url and rating as given.
    """
    foreign = record.get("review")
    if isinstance(foreign, dict):
        foreign = Review.from_json(foreign)
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "identifier": record["id"],
        "claimReviewed": record["text"],
    }
    rating: dict[str, Any] = {"@type": "Rating"}
    words = record.get("verdict") or level_label
    if words:
        rating["alternateName"] = words
    if foreign is None:
        review["author"] = {"@type": "Organization", **publisher}
        if record.get("url"):
            review["url"] = record["url"]
        if record.get("title"):
            review["name"] = record["title"]
        if published:
            review["datePublished"] = published
        if rating_value is not None:
            rating.update(ratingValue=rating_value, bestRating=best, worstRating=worst)
        item: dict[str, Any] = {"@type": "Claim"}
        if record.get("speaker"):
            item["author"] = {"@type": "Person", "name": record["speaker"]}
        if record.get("_claim_date"):
            item["datePublished"] = record["_claim_date"]
    else:
        author = _node(foreign.author_type, foreign.author_name, foreign.author_url)
        if not author.get("name") and foreign.publisher_name:
            author = _node("Organization", foreign.publisher_name, foreign.publisher_url)
        if author:
            review["author"] = author
        if foreign.publisher_name and (foreign.publisher_name, foreign.publisher_url) != (
                author.get("name"), author.get("url")):
            review["publisher"] = _node("Organization", foreign.publisher_name, foreign.publisher_url)
        url = foreign.url or record.get("url")
        if url:
            review["url"] = url
        headline = foreign.headline or record.get("title")
        if headline:
            review["headline"] = headline
        for key, value in (("datePublished", foreign.date_published), ("dateModified", foreign.date_modified),
                           ("reviewBody", foreign.review_body), ("inLanguage", foreign.in_language)):
            if value:
                review[key] = value
        rating.update(foreign.rating_as_given())
        item = {"@type": foreign.item_type or "Claim"}
        claimant = _node(foreign.item_author_type, foreign.item_author_name or record.get("speaker"), None)
        if claimant.get("name"):
            item["author"] = claimant
        if foreign.item_date:
            item["datePublished"] = foreign.item_date
        if foreign.appearance_urls:
            item["appearance"] = [{"@type": "CreativeWork", "url": u} for u in foreign.appearance_urls]
        if foreign.first_appearance_url:
            item["firstAppearance"] = {"@type": "CreativeWork", "url": foreign.first_appearance_url}
    review["itemReviewed"] = item
    if len(rating) > 1:
        review["reviewRating"] = rating
    if record.get("topics"):
        review["keywords"] = ", ".join(record["topics"])
    return review


def _node(kind: str | None, name: str | None, url: str | None) -> dict[str, Any]:
    node: dict[str, Any] = {}
    if kind:
        node["@type"] = kind
    if name:
        node["name"] = name
    if url:
        node["url"] = url
    return node if (name or url) else {}


def claimreview_feed(elements: list[dict[str, Any]]) -> str:
    """A schema.org DataFeed of ClaimReviews, as `flask claims import` reads it back."""
    feed = {"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": elements}
    return json.dumps(feed, ensure_ascii=False, indent=1) + "\n"



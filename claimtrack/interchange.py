"""Claim files: reading JSONL, CSV and ClaimReview JSON-LD into checked records, and writing them back.

Pure: no Flask, no database.  Readers yield ``(location, object_or_None, problem_or_None)``
so that a bad line is reported with its number and the rest goes on.
"""

from __future__ import annotations

import csv

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Iterator, Mapping


FIELDS = ("id", "text", "title", "verdict", "speaker", "date", "url", "topics")
LIMITS = {"id": 200, "text": 20_000, "title": 500, "verdict": 100, "speaker": 200, "date": 200, "url": 2048}
MAX_TOPICS = 50
MAX_TOPIC_LENGTH = 100
FORMATS = ("jsonl", "csv", "claimreview")


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


_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
_MONTH = (r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:1[6-9]|2\d)\d\d)"
# Most specific first: "October 7, 2016", "7 October 2016", "October 2016".
_DATE_PATTERNS = [
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
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
                return date(int(parts["year"]), _MONTHS[parts["month"][:3].lower()], int(parts.get("day") or 1))
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
        unknown_fields=tuple(k for k in obj if k not in FIELDS),
    )


def detect_format(path: str) -> str:
    """Guess a claim file's format from its name, then from its first bytes."""
    lower = path.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    with open(path, "rb") as handle:
        head = handle.read(65536).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return "claimreview"
    first_line = head.split(b"\n", 1)[0]
    try:
        first = json.loads(first_line)
    except ValueError:
        return "claimreview" if lower.endswith((".json", ".jsonld")) else "jsonl"
    if isinstance(first, dict) and ({"@type", "@context", "dataFeedElement"} & set(first)):
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
                    obj = json.loads(line)
                except ValueError as error:
                    yield f"line {number}", None, f"not valid JSON ({error.msg} at column {error.colno})"
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
        elements = claimreview_elements(data)
        self.total = len(elements)
        for index, element in enumerate(elements, start=1):
            self.progress = index
            try:
                yield f"element {index}", claimreview_to_object(element), None
            except RecordError as error:
                yield f"element {index}", None, str(error)


class UnreadableFile(Exception):
    """The file as a whole cannot be read (nothing in it is imported)."""


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def claimreview_elements(data: Any) -> list[Any]:
    """The ClaimReview objects of a single review, a list, a @graph, or a DataFeed."""
    if isinstance(data, list):
        out: list[Any] = []
        for item in data:
            out.extend(claimreview_elements(item) if isinstance(item, dict) and _is_container(item) else [item])
        return out
    if isinstance(data, dict):
        if _is_container(data):
            items = data.get("dataFeedElement") or data.get("@graph") or []
            out = []
            for item in items if isinstance(items, list) else [items]:
                # A DataFeedItem wraps the review in "item".
                if isinstance(item, dict) and item.get("@type") == "DataFeedItem" and "item" in item:
                    inner = item["item"]
                    out.extend(inner if isinstance(inner, list) else [inner])
                else:
                    out.append(item)
            return out
        return [data]
    raise UnreadableFile("expected a ClaimReview object, a list of them, or a DataFeed")


def _is_container(obj: Mapping[str, Any]) -> bool:
    return "dataFeedElement" in obj or "@graph" in obj


def _name_of(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return value if isinstance(value, str) else None


def claimreview_to_object(review: Any) -> dict[str, Any]:
    """Turn one schema.org ClaimReview into an import-format object."""
    if not isinstance(review, dict):
        raise RecordError(f"expected a ClaimReview object, found {type(review).__name__}")
    kind = review.get("@type")
    if kind not in (None, "ClaimReview") and not (isinstance(kind, list) and "ClaimReview" in kind):
        raise RecordError(f"expected a ClaimReview, found {kind!r}")
    item = review.get("itemReviewed") if isinstance(review.get("itemReviewed"), dict) else {}
    rating = review.get("reviewRating") if isinstance(review.get("reviewRating"), dict) else {}
    obj: dict[str, Any] = {
        "id": review.get("identifier") or review.get("@id") or review.get("url"),
        "text": review.get("claimReviewed"),
        "title": review.get("name") or review.get("headline"),
        "verdict": rating.get("alternateName"),
        "speaker": _name_of(item.get("author")),
        "date": item.get("datePublished"),
        "url": review.get("url"),
    }
    keywords = review.get("keywords")
    if isinstance(keywords, str):
        obj["topics"] = [k.strip() for k in keywords.split(",") if k.strip()]
    elif isinstance(keywords, list):
        obj["topics"] = keywords
    return {k: v for k, v in obj.items() if v is not None}


def record_line(record: Mapping[str, Any]) -> str:
    """One JSONL export line, fields in the import format's order, empty ones left out."""
    ordered = {k: record[k] for k in FIELDS if record.get(k) not in (None, "", [])}
    return json.dumps(ordered, ensure_ascii=False) + "\n"


def claimreview_element(
    record: Mapping[str, Any],
    rating_value: int | None,
    best: int,
    worst: int,
    published: str | None,
    publisher: Mapping[str, str],
) -> dict[str, Any]:
    """One schema.org ClaimReview for the export feed."""
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "identifier": record["id"],
        "claimReviewed": record["text"],
        "author": {"@type": "Organization", **publisher},
    }
    if record.get("url"):
        review["url"] = record["url"]
    if record.get("title"):
        review["name"] = record["title"]
    if published:
        review["datePublished"] = published
    item: dict[str, Any] = {"@type": "Claim"}
    if record.get("speaker"):
        item["author"] = {"@type": "Person", "name": record["speaker"]}
    if record.get("_claim_date"):
        item["datePublished"] = record["_claim_date"]
    review["itemReviewed"] = item
    if record.get("verdict"):
        rating: dict[str, Any] = {"@type": "Rating", "alternateName": record["verdict"]}
        if rating_value is not None:
            rating.update(ratingValue=rating_value, bestRating=best, worstRating=worst)
        review["reviewRating"] = rating
    if record.get("topics"):
        review["keywords"] = ", ".join(record["topics"])
    return review


def claimreview_feed(elements: list[dict[str, Any]]) -> str:
    """A schema.org DataFeed of ClaimReviews, as `flask claims import` reads it back."""
    feed = {"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": elements}
    return json.dumps(feed, ensure_ascii=False, indent=1) + "\n"



"""Reading claim files: formats, dates, and every kind of bad line, without a database."""

import json
from datetime import date

import pytest

from claimtrack.interchange import (
    Reader,
    RecordError,
    UnreadableFile,
    claimreview_to_object,
    detect_format,
    parse_date,
    review_key,
    to_record,
)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2020-01-05", date(2020, 1, 5)),
        ("2020-01-05T10:00:00Z", date(2020, 1, 5)),
        ("29 September 2015", date(2015, 9, 29)),
        ("stated on October 7, 2016 in a debate:", date(2016, 10, 7)),
        ("March 2019", date(2019, 3, 1)),
        ("sometime last week", None),
        ("in a 2012 speech", None),
        ("2020-13-45", None),
        ("", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_record_keeps_free_text_date_and_finds_the_date():
    record = to_record({"id": "x", "text": "t", "date": "stated on October 7, 2016 in a debate:"})
    assert record.date_text == "stated on October 7, 2016 in a debate:"
    assert record.claim_date == date(2016, 10, 7)


@pytest.mark.parametrize(
    "obj,message",
    [
        ([1, 2], "expected a JSON object"),
        ({"text": "no id"}, "no 'id'"),
        ({"id": "a"}, "no 'text'"),
        ({"id": "a", "text": "   "}, "no 'text'"),
        ({"id": ["a"], "text": "t"}, "'id' must be a string"),
        ({"id": "a", "text": 5}, "'text' must be a string"),
        ({"id": "a", "text": "t", "topics": "health"}, "'topics' must be a list"),
        ({"id": "a", "text": "x" * 20_001}, "the limit is 20,000"),
        ({"id": "a", "text": "t", "speaker": {"name": "x"}}, "'speaker' must be a string"),
    ],
)
def test_bad_records_say_why(obj, message):
    with pytest.raises(RecordError, match=message):
        to_record(obj)


def test_unknown_fields_are_listed_not_fatal():
    record = to_record({"id": 7, "text": "t", "context": "a mailer", "topics": ["a", "A", "b"]})
    assert record.external_id == "7"
    assert record.unknown_fields == ("context",)
    assert record.topics == ["a", "b"]


def test_jsonl_reader_reports_each_bad_line_with_its_number(tmp_path):
    path = tmp_path / "c.jsonl"
    good = json.dumps({"id": "1", "text": "fine"}).encode()
    path.write_bytes(
        b"\xef\xbb\xbf" + good + b"\n"
        + b"{broken json\n"
        + b"\n"
        + b'{"id": "3", "text": "caf\xe9"}\n'
        + b'{"id": "4", "text": "' + b"x" * 5000 + b'"}\n'
        + good + b"\n"
    )
    rows = list(Reader(str(path), "jsonl", max_line_bytes=1000))
    assert [(loc, prob is None) for loc, _, prob in rows] == [
        ("line 1", True), ("line 2", False), ("line 4", False), ("line 5", False), ("line 6", True)]
    assert "not valid JSON" in rows[1][2]
    assert "not UTF-8" in rows[2][2]
    assert "longer than 1,000 bytes" in rows[3][2]


def test_csv_reader(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text('id,text,verdict,topics\n1,"A claim, with a comma",False,health;economy\n2,,True,\n3,x,y,z,extra\n',
                    encoding="utf-8")
    rows = list(Reader(str(path), "csv"))
    assert rows[0] == ("line 2", {"id": "1", "text": "A claim, with a comma", "verdict": "False",
                                  "topics": ["health", "economy"]}, None)
    assert rows[1][1] == {"id": "2", "verdict": "True"}
    assert rows[2][2] == "more fields than the header names"


def test_claimreview_feed_and_single_review(tmp_path):
    review = {
        "@context": "https://schema.org", "@type": "ClaimReview", "url": "https://example.org/fc/1",
        "claimReviewed": "The moon is made of cheese.", "name": "Cheese moon?",
        "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "A Blogger"},
                         "datePublished": "2021-04-01"},
        "reviewRating": {"@type": "Rating", "ratingValue": 1, "alternateName": "Pants on fire"},
        "keywords": "space, food",
    }
    obj = claimreview_to_object(review)
    # keyed by its url and the claim reviewed, so a second claim checked in the same article is another review
    assert obj["id"] == review_key("https://example.org/fc/1", "The moon is made of cheese.")
    assert obj["id"] != claimreview_to_object({**review, "claimReviewed": "The sun is cold."})["id"]
    assert {k: v for k, v in obj.items() if k not in ("id", "review")} == {
        "text": "The moon is made of cheese.", "title": "Cheese moon?", "verdict": "Pants on fire",
        "speaker": "A Blogger", "date": "2021-04-01", "url": "https://example.org/fc/1", "topics": ["space", "food"]}
    assert obj["review"] == {"url": "https://example.org/fc/1", "headline": "Cheese moon?", "rating_value": "1",
                             "item_type": "Claim", "item_author_name": "A Blogger", "item_author_type": "Person",
                             "item_date": "2021-04-01"}
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"@type": "DataFeed", "dataFeedElement": [review, {"@type": "Recipe"}]}))
    assert detect_format(str(feed)) == "claimreview"
    rows = list(Reader(str(feed), "claimreview"))
    assert rows[0][2] is None and rows[1][0] == "element 2" and "found 'Recipe'" in rows[1][2]
    single = tmp_path / "one.json"
    single.write_text(json.dumps(review, indent=2))
    assert detect_format(str(single)) == "claimreview"
    assert len(list(Reader(str(single), "claimreview"))) == 1


def test_unreadable_claimreview_file(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(UnreadableFile):
        list(Reader(str(path), "claimreview"))


def test_detect_format(tmp_path):
    jsonl = tmp_path / "claims.txt"
    jsonl.write_text('{"id": "1", "text": "a"}\n{"id": "2", "text": "b"}\n')
    assert detect_format(str(jsonl)) == "jsonl"
    assert detect_format(str(tmp_path / "x.csv")) == "csv"


@pytest.mark.parametrize("value,kept", [("x" * 300, "x" * 200), (2019, "2019"), ({"y": 1}, None), ("", None)])
def test_a_line_is_never_rejected_for_its_date_alone(value, kept):
    record = to_record({"id": "a", "text": "t", "date": value})
    assert record.date_text == kept

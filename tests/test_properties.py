"""Generated hostile input (hypothesis): the import formats, the matcher, the forms and the search filters.

Properties: the import always ends with exit status 0, 1 or 2 and reports bad lines by their number, never a
traceback, and --strict leaves the database as it was; the matcher never raises on any text (on SQLite and
PostgreSQL); no form or filter answers 500 whatever is typed into it.  max_examples is bounded so the whole
file runs in well under a minute; CLAIMTRACK_HYPOTHESIS_SCALE=10 multiplies every budget for a long run.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from claimtrack import create_app
from claimtrack.db import db
from claimtrack.models import Claim, Speaker, Topic, Verdict
from claimtrack.services.matching import match

from .helpers import FIXTURES, AuthActions, config_for, csrf_token, csrf_token_in, make_user

pytestmark = pytest.mark.slow  # generated inputs by the thousand: `make test` runs them, `make test-fast` not

SCALE = float(os.environ.get("CLAIMTRACK_HYPOTHESIS_SCALE", "1"))


def budget(n: int):
    return settings(max_examples=max(1, int(n * SCALE)), deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def _app_on(url: str, instance):
    application = create_app({**config_for(url), "API_RATE_LIMIT": "1000000 per minute",
                              "LOGIN_RATE_LIMIT": "1000000 per minute", "IMPORT_BATCH_SIZE": 3})
    application.instance_path = str(instance)
    return application


@pytest.fixture(scope="module")
def module_app(tmp_path_factory, sqlite_template):
    """One SQLite app for the whole module (the properties hold on any state the previous examples left)."""
    base = tmp_path_factory.mktemp("properties")
    path = base / "claimtrack.sqlite"
    shutil.copy(sqlite_template, path)
    application = _app_on(f"sqlite:///{path}", base / "instance")
    runner = application.test_cli_runner()
    assert runner.invoke(args=["claims", "import", str(FIXTURES / "claims_sample.jsonl")]).exit_code in (0, 1)
    make_user(application, "ed", "editor")
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def module_pg_app(tmp_path_factory, pg_server):
    name = "claimtrack_properties"
    pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg_server.execute(f"CREATE DATABASE {name} TEMPLATE claimtrack_template")
    application = _app_on(pg_server.url(name), tmp_path_factory.mktemp("pg-properties"))
    runner = application.test_cli_runner()
    assert runner.invoke(args=["claims", "import", str(FIXTURES / "claims_sample.jsonl")]).exit_code in (0, 1)
    yield application
    with application.app_context():
        db.engine.dispose()
    pg_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# --- strategies ------------------------------------------------------------------------------------------------

FRAGMENTS = ["'; DROP TABLE claims;--", "<script>alert(1)</script>", "%00", "' OR 1=1 --", "\u0301", "ﬁ", "İ",
             "🦄", "<img src=x onerror=alert(1)>", "{{7*7}}", "../../etc/passwd", "&amp;", "a:b & !c | d <-> e"]
hostile_text = st.lists(
    st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(list("<>&\"'%_\\;-*()[]{}:!|?~^$#@\x00\x0b\u202e\ufeff\u200b ") + FRAGMENTS),
    ),
    max_size=60,
).map("".join)
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                        st.floats(allow_nan=False), hostile_text)
json_value = st.recursive(json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                               st.dictionaries(hostile_text, inner, max_size=4)),
                          max_leaves=12)
FIELDS = ("id", "text", "title", "verdict", "speaker", "date", "url", "topics")
counter = itertools.count()


@st.composite
def claim_object(draw) -> dict:
    """An import object: mostly well-formed with odd values, sometimes with wrong types or extra fields."""
    obj = {"id": f"p{next(counter)}-{draw(st.text(max_size=8))}", "text": draw(hostile_text)}
    for name in draw(st.lists(st.sampled_from(FIELDS[2:]), unique=True, max_size=6)):
        obj[name] = draw(st.one_of(hostile_text, st.sampled_from(["False", "pants-fire", "barely-true", "Misleading",
                                                                   "2024-02-30", "29 September 2015"]),
                                   st.lists(hostile_text, max_size=3), json_value))
    if draw(st.booleans()):
        obj[draw(st.sampled_from(FIELDS + ("extra", "")))] = draw(json_value)
    if draw(st.integers(0, 9)) == 0:
        obj.pop(draw(st.sampled_from(["id", "text"])))
    return obj


jsonl_line = st.one_of(
    claim_object().map(lambda o: json.dumps(o, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    json_value.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=80).map(lambda b: b.replace(b"\n", b" ").replace(b"\r", b" ")),
    hostile_text.map(lambda t: t.replace("\n", " ").replace("\r", " ").encode("utf-8", "surrogatepass")),
)


def counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Claim, Verdict, Speaker,
                                                                                              Topic))


def run_import(app, path, strict: bool):
    result = app.test_cli_runner().invoke(args=["claims", "import", str(path)] + (["--strict"] if strict else []))
    output = result.output + (getattr(result, "stderr", "") or "")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), output
    assert "Traceback" not in output
    return result.exit_code, output


def reported_lines(output: str) -> set[int]:
    return {int(n) for n in re.findall(r"^line (\d+): .*; skipped$", output, flags=re.M)}


# --- the import formats ------------------------------------------------------------------------------------------


@budget(40)
@given(lines=st.lists(jsonl_line, min_size=1, max_size=8), strict=st.booleans())
def test_jsonl_import_never_crashes_and_strict_changes_nothing(module_app, tmp_path_factory, lines, strict):
    path = tmp_path_factory.mktemp("jsonl") / "claims.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    before = counts(module_app)
    code, output = run_import(module_app, path, strict)
    bad = reported_lines(output)
    assert bad <= set(range(1, len(lines) + 1)), output
    if code == 0:
        assert not bad
    if code == 1:
        assert bad, output  # some lines skipped: each one named by its number
    if strict and code != 0:
        assert code == 2 and counts(module_app) == before, output


@budget(25)
@given(header=st.lists(st.sampled_from(FIELDS + ("rating", "extra")), min_size=1, max_size=6, unique=True),
       rows=st.lists(st.lists(hostile_text.map(lambda t: t.replace("\x00", "")), max_size=7), max_size=6),
       strict=st.booleans())
def test_csv_import_never_crashes(module_app, tmp_path_factory, header, rows, strict):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([f"c{next(counter)}"] + row if row and header[0] == "id" else row)
    path = tmp_path_factory.mktemp("csv") / "claims.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    before = counts(module_app)
    code, output = run_import(module_app, path, strict)
    if strict and code != 0:
        assert code == 2 and counts(module_app) == before, output


@budget(20)
@given(document=json_value, wrap=st.booleans())
def test_claimreview_import_never_crashes(module_app, tmp_path_factory, document, wrap):
    path = tmp_path_factory.mktemp("claimreview") / "feed.json"
    body = {"@context": "https://schema.org", "@type": "DataFeed", "dataFeedElement": [document]} if wrap else document
    path.write_text(json.dumps(body), encoding="utf-8")
    run_import(module_app, path, strict=False)


# --- the matcher -----------------------------------------------------------------------------------------------


@budget(150)
@given(text=st.one_of(hostile_text, st.text(max_size=3000)), limit=st.integers(1, 50),
       include_unrelated=st.booleans())
def test_match_text_never_raises_on_sqlite(module_app, text, limit, include_unrelated):
    with module_app.app_context():
        result = match(db.session, text, limit=limit, settings=module_app.extensions["match_settings"],
                            include_unrelated=include_unrelated)
        assert len(result.matches) <= limit
        assert all(0 <= m.score <= 100 for m in result.matches)


@budget(100)
@given(text=st.one_of(hostile_text, st.text(max_size=3000)), limit=st.integers(1, 50))
def test_match_text_never_raises_on_postgresql(module_pg_app, text, limit):
    with module_pg_app.app_context():
        result = match(db.session, text, limit=limit, settings=module_pg_app.extensions["match_settings"])
        assert len(result.matches) <= limit and all(0 <= m.score <= 100 for m in result.matches)


# --- forms and filters -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def editor_client(module_app):
    client = module_app.test_client()
    assert AuthActions(client).login("ed").status_code == 302
    return client


@budget(30)
@given(username=hostile_text, password=hostile_text, remember=st.sampled_from(["", "y", "on", "\x00"]))
def test_login_form_never_500(module_app, username, password, remember):
    client = module_app.test_client()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": password,
                                           "remember": remember})
    assert response.status_code in (400, 401), response.status_code
    assert "Traceback" not in response.get_data(as_text=True)


@budget(25)
@given(text=hostile_text, title=hostile_text, publisher=hostile_text,
       url=st.one_of(st.just(""), hostile_text, st.sampled_from(["http://127.0.0.1/", "http://[::1]/",
                                                                  "file:///etc/passwd", "http://169.254.169.254/"])))
def test_ingest_form_never_500(module_app, editor_client, text, title, publisher, url):
    token = csrf_token(editor_client, "/editor/articles/new")
    response = editor_client.post("/editor/articles/new", data={"csrf_token": token, "text": text, "title": title,
                                                                "publisher": publisher, "url": url})
    assert response.status_code < 500, (response.status_code, text[:80], url)


@budget(40)
@given(rating=st.one_of(st.sampled_from(["", "true", "false", "pants-fire"]), hostile_text),
       summary=hostile_text, explanation=hostile_text, version=st.one_of(st.just(None), hostile_text),
       source_url=st.one_of(st.just(""), hostile_text, st.just("https://example.org/a")),
       source_title=hostile_text, accessed_on=st.one_of(st.just(""), hostile_text, st.just("2024-02-30")),
       correction_note=hostile_text)
def test_verdict_form_never_500(module_app, editor_client, rating, summary, explanation, version, source_url,
                                source_title, accessed_on, correction_note):
    page = editor_client.get("/editor/claims/1").get_data(as_text=True)
    token = csrf_token_in(page)
    current = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)
    response = editor_client.post("/editor/claims/1/verdict", data={
        "csrf_token": token, "version": current if version is None else version, "rating": rating,
        "summary": summary, "explanation": explanation, "sources-0-url": source_url,
        "sources-0-title": source_title, "sources-0-accessed_on": accessed_on, "correction_note": correction_note,
    })
    assert response.status_code in (302, 400, 409, 422), response.status_code


filter_keys = st.sampled_from(["q", "verdict", "speaker", "topic", "since", "until", "page", "limit", "cursor",
                               "text", "page_new", "page_mine", "x"])


@budget(60)
@given(params=st.dictionaries(filter_keys, hostile_text, max_size=5),
       path=st.sampled_from(["/", "/editor/", "/editor/claims", "/speakers", "/topics", "/api/v1/claims",
                             "/api/v1/match", "/api/v1/speakers", "/feed.atom"]))
def test_search_and_filters_never_500(module_app, editor_client, params, path):
    response = editor_client.get(path, query_string=params)
    assert response.status_code < 500, (path, params, response.status_code)

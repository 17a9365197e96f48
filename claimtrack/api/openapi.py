"""The OpenAPI 3 description of API v1, served at /api/v1/openapi.json (built per request: no config at import)."""

from __future__ import annotations

from typing import Any

from ..services.public import API_MAX_LIMIT, MAX_SEARCH_CHARS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*codes: int) -> dict[str, Any]:
    words = {400: "Bad input: the message says what to fix.", 404: "Nothing public there.",
             429: "Rate limit exceeded."}
    return {str(c): {"description": words[c], "content": {"application/json": {"schema": _ref("Error")}}}
            for c in codes}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def openapi_document(server_url: str, rate_limit: str, rating_keys: list[str]) -> dict[str, Any]:
    """The whole document for a server at ``server_url``."""
    limit = _query("limit", f"Items per page, 1 to {API_MAX_LIMIT}.",
                   {"type": "integer", "minimum": 1, "maximum": API_MAX_LIMIT, "default": 20})
    cursor = _query("cursor", "The next_cursor of the previous page (opaque).", {"type": "string"})
    filters = [
        _query("verdict", "Only claims with this rating.", {"type": "string", "enum": rating_keys}),
        _query("speaker", "A speaker id, or a speaker's name or alias.", {"type": "string"}),
        _query("topic", "A topic id (see /topics).", {"type": "integer"}),
        _query("since", "Claims made on or after this date.", {"type": "string", "format": "date"}),
        _query("until", "Claims made on or before this date.", {"type": "string", "format": "date"}),
    ]
    json_of = lambda schema: {"content": {"application/json": {"schema": schema}}}  # noqa: E731
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "claimtrack public API",
            "version": "1.0.0",
            "description": (
                "Read-only access to the newsroom's published fact-checks. Only published verdicts are "
                f"returned. Requests are limited to {rate_limit} per client address; past it the API answers "
                "429. Errors are JSON objects with an 'error' message and the 'status'."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/claims": {"get": {
                "summary": "Published claims, newest first, with cursor pagination.",
                "operationId": "listClaims",
                "parameters": [*filters, limit, cursor],
                "responses": {"200": {"description": "A page of claims.", **json_of(_ref("ClaimPage"))},
                              **_errors(400, 404, 429)},
            }},
            "/claims/{claim_id}": {"get": {
                "summary": "One published claim with its whole verdict and its ClaimReview.",
                "operationId": "getClaim",
                "parameters": [{"name": "claim_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "The claim.", **json_of(_ref("ClaimDetail"))},
                    "301": {"description": "The claim was merged into another: Location names it."},
                    **_errors(404, 429),
                },
            }},
            "/speakers": {"get": {
                "summary": "Speakers with at least one published claim, by id.",
                "operationId": "listSpeakers",
                "parameters": [limit, cursor],
                "responses": {"200": {"description": "A page of speakers.", **json_of({
                    "type": "object", "properties": {"speakers": {"type": "array", "items": _ref("Speaker")},
                                                     "next_cursor": {"type": "string", "nullable": True}}})},
                    **_errors(400, 429)},
            }},
            "/speakers/{speaker_id}": {"get": {
                "summary": "One speaker and the count of each verdict on their published claims.",
                "operationId": "getSpeaker",
                "parameters": [{"name": "speaker_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "The speaker.", **json_of(_ref("Speaker"))}, **_errors(404, 429)},
            }},
            "/topics": {"get": {
                "summary": "Topics with at least one published claim.",
                "operationId": "listTopics",
                "responses": {"200": {"description": "The topics.", **json_of({"type": "object"})}, **_errors(429)},
            }},
            "/match": {
                "get": {
                    "summary": "Published fact-checks that say what a text says, best first.",
                    "operationId": "matchText",
                    "parameters": [
                        {"name": "text", "in": "query", "required": True, "schema": {
                            "type": "string", "maxLength": MAX_SEARCH_CHARS}},
                        limit,
                    ],
                    "responses": {"200": {"description": "The matches.", **json_of(_ref("Matches"))},
                                  **_errors(400, 429)},
                },
                "post": {
                    "summary": "The same as GET, with the text in a JSON body.",
                    "operationId": "matchTextPost",
                    "requestBody": {"required": True, **json_of({
                        "type": "object", "required": ["text"],
                        "properties": {"text": {"type": "string", "maxLength": MAX_SEARCH_CHARS},
                                       "limit": {"type": "integer", "minimum": 1, "maximum": API_MAX_LIMIT}}})},
                    "responses": {"200": {"description": "The matches.", **json_of(_ref("Matches"))},
                                  **_errors(400, 429)},
                },
            },
            "/openapi.json": {"get": {
                "summary": "This document.", "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3 document.", **json_of({"type": "object"})}},
            }},
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error", "status"],
                      "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}},
            "Speaker": {"type": "object", "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "url": {"type": "string", "format": "uri"},
                "api_url": {"type": "string", "format": "uri"}}},
            "Verdict": {"type": "object", "properties": {
                "rating": {"type": "string", "nullable": True, "enum": [*rating_keys, None]},
                "label": {"type": "string", "nullable": True, "description": "The verdict in words."},
                "rating_value": {"type": "integer", "nullable": True},
                "best_rating": {"type": "integer"}, "worst_rating": {"type": "integer"},
                "summary": {"type": "string", "nullable": True},
                "published_at": {"type": "string", "format": "date-time", "nullable": True}}},
            "Claim": {"type": "object", "properties": {
                "id": {"type": "integer"}, "url": {"type": "string", "format": "uri"},
                "api_url": {"type": "string", "format": "uri"}, "text": {"type": "string"},
                "speaker": {"allOf": [_ref("Speaker")], "nullable": True},
                "claim_date": {"type": "string", "format": "date", "nullable": True},
                "date_text": {"type": "string", "nullable": True}, "verdict": _ref("Verdict"),
                "score": {"type": "number", "description": "Match score 0-100 (match only)."}}},
            "ClaimPage": {"type": "object", "properties": {
                "claims": {"type": "array", "items": _ref("Claim")},
                "next_cursor": {"type": "string", "nullable": True}}},
            "ClaimDetail": {"type": "object", "properties": {
                "id": {"type": "integer"}, "url": {"type": "string"}, "text": {"type": "string"},
                "verdict": {"type": "object", "description": "Verdict plus explanation, sources, corrections."},
                "appearances": {"type": "array", "items": {"type": "object"}},
                "checked_by": {"type": "object", "nullable": True, "description": (
                    "Another organisation's imported review (name, url, review_url, date_published, date_modified, "
                    "language as it published them); null when the fact-check is the newsroom's own.")},
                "claim_review": {"type": "object", "description": "The schema.org ClaimReview."}}},
            "Matches": {"type": "object", "properties": {
                "text": {"type": "string"}, "matches": {"type": "array", "items": _ref("Claim")}}},
        }},
    }

"""The read-only JSON API v1 (blueprint ``api`` at /api/v1) and its OpenAPI document."""

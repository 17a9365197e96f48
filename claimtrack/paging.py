"""Links to the neighbouring pages of a paged list, for every view that pages (public lists, triage)."""

from __future__ import annotations

from typing import Any

from flask import url_for


def pager_links(endpoint: str, page: int, has_next: bool, **args: Any) -> dict[str, str | None]:
    """``prev_url`` and ``next_url`` for page ``page`` of ``endpoint`` with ``args``; None where there is none."""
    return {
        "prev_url": url_for(endpoint, **args, page=page - 1) if page > 1 else None,
        "next_url": url_for(endpoint, **args, page=page + 1) if has_next else None,
    }

"""A speaker's scorecard: how many published verdicts got each rating, laid out for an accessible SVG bar chart.

The counts come from the published claims only (services.public's filters and "is published" condition).
Read-only: nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask_babel import gettext, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Claim, Verdict
from ..verdicts import VerdictScale
from .public import PublicFilters, _apply, _published_status


@dataclass(frozen=True)
class ScoreRow:
    """One bar of the scorecard, laid out for the SVG (the template only places it)."""

    label: str
    css_class: str
    count: int
    percent: int
    y: int
    width: float


@dataclass(frozen=True)
class Scorecard:
    """A speaker's verdict distribution, ready for an accessible SVG bar chart."""

    rows: list[ScoreRow]
    total: int
    height: int
    summary: str
    subject: str = ""
    bar_x: int = 150
    bar_max: int = 330
    row_height: int = 30


def rating_counts(session: Session, filters: PublicFilters) -> dict[tuple[str | None, str | None], int]:
    """How many published claims got each rating, for the claims the filters leave."""
    stmt = _apply(
        select(Verdict.rating, func.count()).select_from(Claim).join(Verdict, Verdict.claim_id == Claim.id)
        .where(_published_status(filters.speaker_id is not None or filters.topic_id is not None),
               Claim.merged_into_id.is_(None)),
        filters,
    ).group_by(Verdict.rating)
    return {rating: count for rating, count in session.execute(stmt)}


def scorecard(counts: dict[str | None, int], scale: VerdictScale, subject: str) -> Scorecard:
    """Lay out the distribution: one row per level, best first, then ratings off the scale."""
    levels: list[tuple[str, str, int]] = [(lv.label, lv.css_class, counts.get(lv.key, 0)) for lv in scale]
    other = sum(n for key, n in counts.items() if scale.get(key) is None)
    if other:
        levels.append(("Other ratings", "v-other", other))
    total = sum(n for _, _, n in levels)
    peak = max((n for _, _, n in levels), default=0) or 1
    card = Scorecard(rows=[], total=total, height=0, summary="", subject=subject)
    rows = [
        ScoreRow(label=label, css_class=css, count=n, percent=round(100 * n / total) if total else 0,
                 y=i * card.row_height, width=round(card.bar_max * n / peak, 1))
        for i, (label, css, n) in enumerate(levels)
    ]
    # in the page's language (the API and feeds ask in English): the words come from the catalogues
    parts = [f"{gettext(r.label)}: {r.count}" for r in rows]
    summary = (ngettext("%(subject)s: %(num)d published verdict.", "%(subject)s: %(num)d published verdicts.", total,
                        subject=subject) + " " + "; ".join(parts) + ".")
    return replace(card, rows=rows, height=len(rows) * card.row_height, summary=summary)

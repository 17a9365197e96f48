"""The one verdict scale: labels, ClaimReview rating values, CSS classes, aliases.

Forms, templates, the import, the export and ClaimReview all read the scale from
here.  No Flask, no SQLAlchemy: this module is pure so that any layer may use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping


@dataclass(frozen=True)
class Level:
    """One rating on the scale."""

    key: str
    label: str
    rating_value: int
    css_class: str
    aliases: tuple[str, ...] = field(default_factory=tuple)


DEFAULT_LEVELS: tuple[Level, ...] = (
    Level("true", "True", 6, "v-true", ("correct", "accurate")),
    Level("mostly-true", "Mostly true", 5, "v-mostly-true", ("mostly correct",)),
    Level("half-true", "Half true", 4, "v-half-true", ("half truth", "half-truth")),
    Level("mostly-false", "Mostly false", 3, "v-mostly-false", ("barely-true", "barely true")),
    Level("false", "False", 2, "v-false", ("incorrect", "wrong")),
    Level("pants-fire", "Pants on fire", 1, "v-pants-fire", ("pants on fire!", "pants-on-fire")),
)


def normalise_label(text: str) -> str:
    """Fold a rating label for comparison: case, dashes, underscores and spacing."""
    folded = text.casefold().strip()
    folded = re.sub(r"[\s_\-–—]+", " ", folded)
    return folded.strip(" .!")


class VerdictScale:
    """An ordered verdict scale, best rating first."""

    def __init__(self, levels: Iterable[Level]):
        self.levels: tuple[Level, ...] = tuple(sorted(levels, key=lambda lv: -lv.rating_value))
        if not self.levels:
            raise ValueError("a verdict scale needs at least one level")
        keys = [lv.key for lv in self.levels]
        if len(set(keys)) != len(keys):
            raise ValueError("verdict scale keys must be unique")
        self._by_key = {lv.key: lv for lv in self.levels}
        self._lookup: dict[str, Level] = {}
        for lv in self.levels:
            for name in (lv.key, lv.label, *lv.aliases):
                norm = normalise_label(name)
                other = self._lookup.get(norm)
                if other is not None and other.key != lv.key:
                    raise ValueError(f"verdict label {name!r} names both {other.key!r} and {lv.key!r}")
                self._lookup[norm] = lv

    @classmethod
    def from_config(cls, spec: Iterable[Mapping[str, Any]] | None) -> "VerdictScale":
        """Build the scale from instance config (a list of dicts) or the default."""
        if spec is None:
            return cls(DEFAULT_LEVELS)
        levels = []
        for item in spec:
            levels.append(
                Level(
                    key=str(item["key"]),
                    label=str(item["label"]),
                    rating_value=int(item["rating_value"]),
                    css_class=str(item.get("css_class", "v-" + str(item["key"]))),
                    aliases=tuple(str(a) for a in item.get("aliases", ())),
                )
            )
        return cls(levels)

    @property
    def best(self) -> int:
        """The highest ClaimReview ratingValue (bestRating)."""
        return self.levels[0].rating_value

    @property
    def worst(self) -> int:
        """The lowest ClaimReview ratingValue (worstRating)."""
        return self.levels[-1].rating_value

    def get(self, key: str | None) -> Level | None:
        """The level stored under ``key``, or None."""
        if key is None:
            return None
        return self._by_key.get(key)

    def resolve(self, text: str | None) -> Level | None:
        """The level a free-text rating names (label, key or alias, any case), or None."""
        if not text:
            return None
        return self._lookup.get(normalise_label(text))

    def choices(self) -> list[tuple[str, str]]:
        """(key, label) pairs for a select field, best first."""
        return [(lv.key, lv.label) for lv in self.levels]

    def __iter__(self):
        return iter(self.levels)

    def __len__(self) -> int:
        return len(self.levels)

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


# Other fact-checkers' words for the default scale's levels, by level key: how a review published in another
# language or on another scale reaches ours when it gives no numbers (or numbers that say nothing).  Folded like
# every label (case, accents, dashes).  A newsroom adds or overrides words with RATING_ALIASES in its config.
DEFAULT_RATING_ALIASES: dict[str, tuple[str, ...]] = {
    "true": (
        "true", "correct", "accurate", "verdadeiro", "verdadero", "verdade", "cierto", "vrai", "wahr", "richtig",
        "waar", "juist", "sant", "sandt", "vero", "prawda", "adevarat", "igaz", "pravda", "doğru", "benar",
        "صحيح",
    ),
    "mostly-true": (
        "mostly true", "mostly correct", "mostly accurate", "largely true", "em grande parte verdadeiro",
        "mayormente verdadero", "mayormente cierto", "plutôt vrai", "größtenteils richtig", "größtenteils wahr",
        "grotendeels waar", "overwegend waar", "stort sett sant",
    ),
    "half-true": (
        "half true", "half truth", "half-truth", "mixture", "mixed", "mixto", "mixed evidence", "partly true",
        "partly false", "partially true", "partially false", "partly accurate", "parcialmente verdadeiro",
        "parcialmente falso", "parcialmente verdadero", "verdad a medias", "meia verdade", "à moitié vrai",
        "partiellement vrai", "partiellement faux", "teilweise richtig", "teilweise falsch", "teilweise wahr",
        "half waar", "gedeeltelijk waar", "delvis sant", "delvis falsk", "delvis korrekt", "impreciso",
        "nuancé", "c'est plus compliqué", "c’est plus compliqué",
    ),
    "mostly-false": (
        "mostly false", "barely true", "barely-true", "misleading", "engañoso", "enganoso", "trompeur",
        "irreführend", "misleidend", "missvisande", "misvisende", "fuorviante", "distorcido", "exagerado",
        "exaggerated", "out of context", "missing context", "fehlender kontext", "sin contexto", "sem contexto",
        "hors contexte", "mayormente falso", "plutôt faux", "größtenteils falsch", "grotendeels onwaar",
        "overwegend onwaar", "مضلل",
    ),
    "false": (
        "false", "incorrect", "wrong", "fake", "falso", "falsa", "faux", "fausse", "falsch", "falsk", "onwaar",
        "niet waar", "fals", "hamis", "nepravda", "fałsz", "salah", "yanlış", "sahte", "خطأ", "زائف", "كاذب",
    ),
    "pants-fire": ("pants on fire", "pants on fire!", "pants-on-fire", "pants-fire", "fabricated", "fabricado"),
}


def fold_label(text: str) -> str:
    """A rating label folded for the alias table: ``normalise_label`` and accents off ("Engañoso" = "enganoso")."""
    import unicodedata

    folded = normalise_label(text)
    stripped = "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))
    return stripped.replace("’", "'")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", "."))
        except ValueError:
            return None
    return None


class RatingMapper:
    """Puts another publisher's rating on the scale: by its numbers when they place it, else by its words."""

    def __init__(self, scale: VerdictScale, extra_aliases: Mapping[str, str] | None = None):
        self.scale = scale
        self._aliases: dict[str, Level] = {}
        for key, words in DEFAULT_RATING_ALIASES.items():
            level = scale.get(key)
            if level is not None:
                for word in words:
                    self._aliases[fold_label(word)] = level
        for word, key in (extra_aliases or {}).items():
            level = scale.get(str(key))
            if level is None:
                raise ValueError(f"RATING_ALIASES: {word!r} names {key!r}, which is not on the verdict scale")
            self._aliases[fold_label(str(word))] = level

    def by_words(self, text: str | None) -> Level | None:
        """The level a rating's words name: the scale's own labels and aliases first, then the alias table."""
        if not text:
            return None
        return self.scale.resolve(text) or self._aliases.get(fold_label(text))

    def by_numbers(self, value: Any, best: Any, worst: Any) -> Level | None:
        """The level at the same position between worst and best (schema.org's defaults: best 5, worst 1)."""
        number = _number(value)
        if number is None or (best is None and worst is None):
            return None
        high = _number(best) if best is not None else 5.0
        low = _number(worst) if worst is not None else 1.0
        if high is None or low is None or high == low:
            return None
        position = (number - low) / (high - low)   # an inverted scale (best 1, worst 5) works the same
        if not 0.0 <= position <= 1.0:
            return None
        target = self.scale.worst + position * (self.scale.best - self.scale.worst)
        # nearest level; a tie goes to the better one ("3 of 1..5" is the middle, not the worse half)
        return min(self.scale.levels, key=lambda lv: (abs(lv.rating_value - target), -lv.rating_value))

    def level(self, text: str | None, value: Any = None, best: Any = None, worst: Any = None) -> Level | None:
        """The scale's level for a rating as given, or None (then only the publisher's words are kept)."""
        return self.by_numbers(value, best, worst) or self.by_words(text)

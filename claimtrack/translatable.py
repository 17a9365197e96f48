"""Messages for people that are made outside a page: marked for translation where they are made, translated when
they are shown.

A service raises ``DecisionError(_l("Claim #%(id)s does not exist.", id=claim_id))`` with
``from ..translatable import Text as _l`` (pybabel extracts ``_l(...)``, docs/languages.md).  ``str()`` of the
message is in the page's language inside a request (claimtrack/i18n.py chooses it; the JSON API's is English) and
the English text outside one (the CLI, the worker, the tests), so a service needs no request to make one and holds
no request state.  ``english()`` gives the English text anywhere: for what is stored or logged, and for a view that
decides by the message's words.  No Flask at import: pure modules may use it.
"""

from __future__ import annotations

from typing import Any


class Text:
    """A message in English with its named values, translated each time it is turned into text."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params

    def english(self) -> str:
        """The message in English, whatever the request's language."""
        if not self.params:
            return self.msgid
        return self.msgid % {name: english(value) for name, value in self.params.items()}

    def __str__(self) -> str:
        from flask import has_request_context

        if not has_request_context():
            return self.english()
        from flask_babel import gettext

        if not self.params:
            return gettext(self.msgid)
        return gettext(self.msgid, **{name: str(value) for name, value in self.params.items()})

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __repr__(self) -> str:
        return f"Text({self.english()!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Text):
            return (self.msgid, self.params) == (other.msgid, other.params)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.msgid)


def english(value: Any) -> str:
    """A message (a Text, an exception raised with one, anything else) as English text."""
    if isinstance(value, (Text, Number, Lower)):
        return value.english()
    if isinstance(value, BaseException) and value.args and isinstance(value.args[0], Text):
        return value.args[0].english() if len(value.args) == 1 else str(value)
    return str(value)


def message(error: BaseException) -> Any:
    """What an exception was raised with, kept translatable: its Text, else its text."""
    if error.args and isinstance(error.args[0], Text) and len(error.args) == 1:
        return error.args[0]
    return str(error)


class Number:
    """A whole number inside a message, grouped as the page's language writes it (12,000 / 12.000 / 12 000)."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def __str__(self) -> str:
        from flask import has_request_context

        if not has_request_context():
            return f"{self.value:,}"
        from flask_babel import format_decimal

        return format_decimal(self.value)

    def english(self) -> str:
        """The number as English writes it."""
        return f"{self.value:,}"


class Lower:
    """A word inside a sentence, in lower case (a status label: "In review" -> "in review", "en revisión")."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __str__(self) -> str:
        return str(self.value).lower()

    def english(self) -> str:
        """The word in English, in lower case."""
        return english(self.value).lower()

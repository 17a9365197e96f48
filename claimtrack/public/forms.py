"""The reader's search and filter form (a GET form: no CSRF, nothing is changed)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_number, gettext
from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, IntegerField, SelectField, StringField
from wtforms.validators import ValidationError

from ..i18n import word
from ..services.public import MAX_SEARCH_CHARS, PublicFilters, clean_text

# Longest accepted value of the short filter fields (a speaker's name).
MAX_NAME_CHARS = 200


class PageField(IntegerField):
    """A page number: a whole number of at least 1, said plainly when it is not."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] == "":
            return
        raw = valuelist[0].strip()
        if not raw.isdecimal() or len(raw) > 12:
            self.data = None
            raise ValueError(gettext("The page must be a whole number, like 2."))
        self.data = int(raw)
        if self.data < 1:
            raise ValueError(gettext("The page must be a whole number, like 2."))


class DayField(DateField):
    """A calendar date as YYYY-MM-DD (what <input type=date> sends)."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        raw = valuelist[0].strip()
        try:
            self.data = datetime.strptime(raw[:10], "%Y-%m-%d").date() if len(raw) == 10 else None
        except ValueError:
            self.data = None
        if self.data is None:
            raise ValueError(gettext("%(value)r is not a date: use the form 2024-05-31.", value=clean_text(raw)[:40]))


class FilterForm(Form):
    """Search text, verdict, speaker, topic, the dates the claims were made, and the page."""

    q = StringField(_l("Search for a claim or a rumour"))
    verdict = SelectField(_l("Verdict"), choices=[], validate_choice=False)
    speaker = StringField(_l("Speaker"))
    topic = SelectField(_l("Topic"), choices=[], validate_choice=False)
    since = DayField(_l("Said on or after"))
    until = DayField(_l("Said on or before"))
    page = PageField(_l("Page"), default=1)

    def __init__(self, formdata, verdicts: list[tuple[str, str]], topics: list[tuple[int, str]]):
        super().__init__(formdata)
        self.verdict.choices = [("", _l("Any verdict")), *[(key, word(label)) for key, label in verdicts]]
        self.topic.choices = [("", _l("Any topic")), *[(str(tid), name) for tid, name in topics]]
        self._verdict_keys = {key for key, _ in verdicts}
        self._topic_ids = {str(tid) for tid, _ in topics}

    def validate_q(self, field):
        raw = field.data or ""
        field.data = clean_text(raw)
        if len(field.data) > MAX_SEARCH_CHARS:
            raise ValidationError(gettext(
                "The search text is %(length)s characters long; the limit is %(limit)s. "
                "Paste the claim itself, not the whole article.", length=format_number(len(field.data)),
                limit=format_number(MAX_SEARCH_CHARS)))
        if raw.strip() and not field.data:
            raise ValidationError(gettext("Type some words to search for."))

    def validate_verdict(self, field):
        field.data = clean_text(field.data)
        if field.data and field.data not in self._verdict_keys:
            raise ValidationError(gettext("%(value)r is not a verdict on our scale: choose one from the list.",
                                          value=field.data[:40]))

    def validate_speaker(self, field):
        field.data = clean_text(field.data)
        if len(field.data) > MAX_NAME_CHARS:
            raise ValidationError(gettext("A speaker’s name is at most %(num)s characters.", num=MAX_NAME_CHARS))

    def validate_topic(self, field):
        field.data = clean_text(field.data)
        if field.data and field.data not in self._topic_ids:
            raise ValidationError(gettext("There is no such topic: choose one from the list."))

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(gettext("The second date is before the first."))

    def filters(self, speaker_id: int | None) -> PublicFilters:
        """The validated filters (the speaker resolved by the caller)."""
        return PublicFilters(
            rating=self.verdict.data or None,
            speaker_id=speaker_id,
            topic_id=int(self.topic.data) if self.topic.data else None,
            date_from=self.since.data,
            date_to=self.until.data,
        )

    def first_error(self) -> str:
        """The first error message, for an API answer."""
        for name, errors in self.errors.items():
            if errors:
                return f"{name}: {errors[0]}"
        return "The request could not be understood."

    def args(self) -> dict[str, str]:
        """The non-empty filters as query arguments (for pager links)."""
        values = {
            "q": self.q.data, "verdict": self.verdict.data, "speaker": self.speaker.data, "topic": self.topic.data,
            "since": self.since.data.isoformat() if isinstance(self.since.data, date) else None,
            "until": self.until.data.isoformat() if isinstance(self.until.data, date) else None,
        }
        return {k: v for k, v in values.items() if v}

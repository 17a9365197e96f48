"""The reader's request form and the editor's triage actions."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from ..services import requests as requests_service
from ..services.requests import MAX_REASON_CHARS, RequestError


class AskForm(FlaskForm):
    """The claim, where it was seen, an optional e-mail; ``website`` is a honeypot no person fills in."""

    text = TextAreaField(_l("The claim you want us to check"))
    seen_where = StringField(_l("Where did you see it? (a web address or a few words, optional)"))
    email = StringField(_l("Your e-mail address (optional: only the newsroom sees it)"))
    website = StringField(_l("Leave this empty"))
    confirm = HiddenField()

    def __init__(self, *args, max_chars: int = requests_service.MAX_TEXT_CHARS, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_chars = max_chars
        self.cleaned: requests_service.RequestInput | None = None

    def validate(self, extra_validators=None) -> bool:
        """The field checks of services.requests, each message on its field."""
        if not super().validate(extra_validators):
            return False
        valid = True
        checks = (
            (self.text, lambda: requests_service.clean_request(self.text.data, max_chars=self.max_chars)),
            (self.seen_where, lambda: requests_service.clean_seen_where(self.seen_where.data)),
            (self.email, lambda: requests_service.clean_email(self.email.data)),
        )
        for field, check in checks:
            try:
                check()
            except RequestError as error:
                field.errors = list(field.errors) + [str(error)]
                valid = False
        if valid:
            self.cleaned = requests_service.clean_request(self.text.data, self.seen_where.data, self.email.data,
                                                          max_chars=self.max_chars)
        return valid


class ClaimFromGroupForm(FlaskForm):
    """Turn a group into a new claim."""

    text = TextAreaField(_l("Claim in canonical words"), validators=[InputRequired(), Length(min=3, max=2000)])
    speaker = StringField(_l("Speaker (optional)"), validators=[Length(max=200)])


class AttachForm(FlaskForm):
    """Attach a group to an existing claim."""

    claim_id = IntegerField(_l("Claim number"), validators=[InputRequired(_l("Give the claim’s number.")),
                                                        NumberRange(min=1, max=2_147_483_647)])


class DismissForm(FlaskForm):
    """Dismiss a group as not checkable."""

    reason = StringField(_l("Why it cannot be checked"), validators=[Length(max=MAX_REASON_CHARS)])

    def validate_reason(self, field):
        if not (field.data or "").strip():
            raise ValidationError(gettext("Say why the requests cannot be checked."))

"""Forms of the admin pages: the audit log's filters (a GET form) and the account forms (POST, with CSRF)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..i18n import ROLE_WORDS
from ..models import Role
from ..public.forms import DayField, PageField
from ..services.accounts import MIN_PASSWORD_LENGTH
from ..services.audit import AuditFilters

ROLE_CHOICES = [(r.value, ROLE_WORDS.get(r.value, r.value)) for r in Role]
MAX_CLAIM_ID = 2_147_483_647


def _clean(value: str | None) -> str:
    """The value without NUL and surrounding space (PostgreSQL refuses NUL in text)."""
    return (value or "").replace("\x00", " ").strip()


class AuditFilterForm(Form):
    """Who, which action, which claim, from and to which day, and the page (GET: nothing is changed)."""

    person = SelectField(_l("Person"), choices=[], validate_choice=False)
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    claim = StringField(_l("Claim number"))
    since = DayField(_l("From (day, UTC)"))
    until = DayField(_l("To (day, UTC)"))
    page = PageField(_l("Page"), default=1)

    def __init__(self, formdata, usernames: list[str], actions: list[str]):
        super().__init__(formdata)
        self.person.choices = [("", _l("Anyone")), *[(name, name) for name in usernames]]
        self.action.choices = [("", _l("Any action")), *[(a, a) for a in actions]]
        self._usernames = {name.lower() for name in usernames}
        self._actions = set(actions)

    def validate_person(self, field):
        field.data = _clean(field.data)
        if field.data and field.data.lower() not in self._usernames:
            raise ValidationError(gettext("There is no account %(name)s: choose one from the list.",
                                          name=repr(field.data[:64])))

    def validate_action(self, field):
        field.data = _clean(field.data)
        if field.data and field.data not in self._actions:
            raise ValidationError(gettext("No event has the action %(action)s: choose one from the list.",
                                          action=repr(field.data[:64])))

    def validate_claim(self, field):
        field.data = _clean(field.data).lstrip("#")
        if field.data and (not field.data.isdecimal() or len(field.data) > 10 or not
                           0 < int(field.data) <= MAX_CLAIM_ID):
            raise ValidationError(gettext("A claim number is a whole number, like 42."))

    def validate_until(self, field):
        if isinstance(field.data, date) and isinstance(self.since.data, date) and field.data < self.since.data:
            raise ValidationError(gettext("The last day is before the first."))

    def filters(self, user_id: int | None) -> AuditFilters:
        """The validated filters (the person resolved to an account id by the caller)."""
        return AuditFilters(user_id=user_id, action=self.action.data or None,
                            claim_id=int(self.claim.data) if self.claim.data else None,
                            since=self.since.data, until=self.until.data)

    def args(self) -> dict[str, str]:
        """The non-empty filters as query arguments (for the pager's links)."""
        values = {"person": self.person.data, "action": self.action.data, "claim": self.claim.data,
                  "since": self.since.data.isoformat() if isinstance(self.since.data, date) else None,
                  "until": self.until.data.isoformat() if isinstance(self.until.data, date) else None}
        return {k: v for k, v in values.items() if v}


class CreateAccountForm(FlaskForm):
    """A new account: name, role and a first password (the same rules as `flask users create`)."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.EDITOR.value)
    password = PasswordField(_l("First password (at least %(num)s characters)", num=MIN_PASSWORD_LENGTH),
                             validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(_l("The password again"),
                            validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])
    submit = SubmitField(_l("Create the account"))


class RoleForm(FlaskForm):
    """Another role for an account."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class ActiveForm(FlaskForm):
    """Deactivate (``active=no``) or reactivate (``active=yes``) an account."""

    active = HiddenField(validators=[DataRequired()])

    def validate_active(self, field):
        if field.data not in ("yes", "no"):
            raise ValidationError(gettext("Say yes or no."))


class EndSessionsForm(FlaskForm):
    """An empty form: ending an account's sessions is a POST with a CSRF token."""


class JobActionForm(FlaskForm):
    """An empty form: "run now" and "retry now" on the jobs page are POSTs with a CSRF token."""


class JobsPageForm(Form):
    """The jobs page's two pagers: which page of the sources and which of the outbox (GET: nothing is changed)."""

    sources = PageField(_l("Page of the sources"), default=1)
    outbox = PageField(_l("Page of the outbox"), default=1)

    def args(self, **changes: int) -> dict[str, int]:
        """The pages as query arguments (page 1 left out), with ``changes`` applied (for the pagers' links)."""
        values = {"sources": self.sources.data or 1, "outbox": self.outbox.data or 1, **changes}
        return {k: v for k, v in values.items() if v != 1}

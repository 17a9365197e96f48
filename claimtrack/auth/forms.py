"""Forms of the auth blueprint."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me logged in on this computer"))
    submit = SubmitField(_l("Log in"))


class LogoutForm(FlaskForm):
    """An empty form: logging out is a POST with a CSRF token."""

    submit = SubmitField(_l("Log out"))


class AccountForm(FlaskForm):
    """A person's own notification settings: where e-mail goes, and on or off."""

    email = StringField(_l("E-mail address for notifications"), validators=[Length(max=254)])
    webhook_url = StringField(_l("Webhook for my alert digests (Slack-compatible, optional)"),
                              validators=[Length(max=2048)])
    notify = BooleanField(_l("Send me notifications"))
    # choices are the instance's LANGUAGES, given by the view (forms do not read config)
    ui_language = SelectField(_l("Language of the interface and of my e-mails"), choices=[], default="",
                              validate_choice=True)
    submit = SubmitField(_l("Save"))


class SubscriptionForm(FlaskForm):
    """Follow alerts by a speaker, topic, verdict or source; or stop following one (``remove``: its id)."""

    field = SelectField(_l("Alerts about"), choices=[("speaker", _l("the speaker")), ("topic", _l("the topic")),
                                                     ("verdict", _l("the verdict")), ("source", _l("the source"))])
    value = StringField(_l("Name"), validators=[Length(max=200)])
    remove = IntegerField(validators=[Optional(), NumberRange(min=1, max=2_147_483_647)])
    submit = SubmitField(_l("Follow"))

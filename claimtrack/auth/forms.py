"""Forms of the auth blueprint."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


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
    notify = BooleanField(_l("Send me e-mail notifications"))
    submit = SubmitField(_l("Save"))

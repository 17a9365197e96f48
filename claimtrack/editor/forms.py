"""Forms of the editor area."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import FieldList, Form, FormField, HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import URL, Length, Optional, ValidationError

DECISIONS = [("", "Decide later"), ("link", "Link to an earlier claim"), ("new", "Create a new claim"),
             ("dismiss", "Dismiss")]


class IngestForm(FlaskForm):
    """An article by pasted text, uploaded file or URL (exactly one)."""

    text = TextAreaField("Paste the article text", validators=[Optional(), Length(max=500_000)])
    file = FileField("or upload an .html or .txt file",
                     validators=[FileAllowed(["html", "htm", "txt"], "Upload an .html, .htm or .txt file.")])
    url = StringField("or give its address (URL)", validators=[Optional(), URL(message="Give a full http(s):// address."),
                                                               Length(max=2048)])
    title = StringField("Title (optional)", validators=[Optional(), Length(max=500)])
    publisher = StringField("Outlet (optional; unattributed statements are credited to it)",
                            validators=[Optional(), Length(max=200)])
    submit = SubmitField("Find the claims")

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then: exactly one of text, file and URL."""
        valid = super().validate(extra_validators)
        given = [bool(self.text.data and self.text.data.strip()), bool(self.file.data), bool(self.url.data)]
        if sum(given) != 1:
            message = ("Paste the text, upload a file or give a URL." if sum(given) == 0
                       else "Give only one of: pasted text, a file, a URL.")
            self.text.errors = list(self.text.errors) + [message]
            return False
        return valid


class CandidateDecisionForm(Form):
    """The decision on one candidate (a sub-form: the outer form carries the CSRF token)."""

    appearance_id = HiddenField()
    action = RadioField("Decision", choices=DECISIONS, default="", validate_choice=True)
    claim_id = StringField("Earlier claim #", validators=[Optional(), Length(max=12)])
    text = TextAreaField("Claim in canonical words", validators=[Optional(), Length(max=2000)])
    speaker = StringField("Speaker", validators=[Optional(), Length(max=200)])
    reason = StringField("Why dismissed (optional)", validators=[Optional(), Length(max=200)])

    def validate_claim_id(self, field) -> None:
        if self.action.data == "link" and not (field.data or "").strip().lstrip("#").isdigit():
            raise ValidationError("Choose the earlier claim to link to (its number).")

    def validate_text(self, field) -> None:
        if self.action.data == "new" and len((field.data or "").strip()) < 3:
            raise ValidationError("A new claim needs its wording.")


class ReviewForm(FlaskForm):
    """Decisions on several candidates of one article at once."""

    candidates = FieldList(FormField(CandidateDecisionForm))
    submit = SubmitField("Save decisions")

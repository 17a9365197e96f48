"""Forms of the editor area."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

from ..security import MAX_ID

DECISIONS = [("", "Decide later"), ("link", "Link to an earlier claim"), ("new", "Create a new claim"),
             ("dismiss", "Dismiss")]
STANCES = [("repeats", "repeats it"), ("disputes", "disputes it"), ("mentions", "only mentions it")]


def claim_number(typed: str | None) -> int | None:
    """The claim number an editor typed ("12", "#12", " 12 "), or None when it is not one a claim can have."""
    digits = (typed or "").strip().lstrip("#").strip()
    if not digits.isdecimal() or len(digits) > 12:
        return None
    number = int(digits)
    return number if 0 < number <= MAX_ID else None


class IngestForm(FlaskForm):
    """An article by pasted text, uploaded file or URL (exactly one)."""

    # the size limit is ARTICLE_MAX_BYTES, checked by the view (a setting: forms do not read config)
    text = TextAreaField("Paste the article text", validators=[Optional()])
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
    stance = RadioField("This sentence", choices=STANCES, default="repeats", validate_choice=True)
    text = TextAreaField("Claim in canonical words", validators=[Optional(), Length(max=2000)])
    speaker = StringField("Speaker", validators=[Optional(), Length(max=200)])
    reason = StringField("Why dismissed (optional)", validators=[Optional(), Length(max=200)])

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then what the chosen decision needs (an empty field stops the field's own
        validators, so these cannot be inline ones)."""
        valid = super().validate(extra_validators)
        if self.action.data == "link" and claim_number(self.claim_id.data) is None:
            self.claim_id.errors = list(self.claim_id.errors) + ["Choose the earlier claim to link to (its number)."]
            valid = False
        if self.action.data == "new" and len((self.text.data or "").strip()) < 3:
            self.text.errors = list(self.text.errors) + ["A new claim needs its wording."]
            valid = False
        return valid


class ReviewForm(FlaskForm):
    """Decisions on several candidates of one article at once; only the ones the editor chose are applied."""

    candidates = FieldList(FormField(CandidateDecisionForm))
    submit = SubmitField("Save the decisions I chose")


class AcceptSuggestionsForm(FlaskForm):
    """Link every undecided candidate to its suggested same-claim match, as a repeat: its own, named action."""

    expected = HiddenField()       # how many the editor was shown; a different count now means the page is stale
    submit = SubmitField("Link all suggested matches")


class SourceForm(Form):
    """One cited source (a sub-form; blank rows are ignored)."""

    url = StringField("Address (URL)", validators=[Optional(), Length(max=2048),
                                                   URL(require_tld=False, message="Give a full http(s):// address.")])
    title = StringField("Title", validators=[Optional(), Length(max=500)])
    publisher = StringField("Publisher", validators=[Optional(), Length(max=200)])
    accessed_on = DateField("Date accessed", validators=[Optional()])

    def validate_url(self, field) -> None:
        if field.data and not field.data.strip().lower().startswith(("http://", "https://")):
            raise ValidationError("A source must be an http(s) address.")
        if not field.data and (self.title.data or self.publisher.data):
            raise ValidationError("Give the source's address.")


class VerdictForm(FlaskForm):
    """The whole verdict: rating, summary, explanation, sources; the version it was opened at."""

    version = HiddenField()
    rating = SelectField("Rating", choices=[], validate_choice=True)
    summary = StringField("Summary (the one line a reader sees first)", validators=[Optional(), Length(max=500)])
    explanation = TextAreaField("Explanation (Markdown)", validators=[Optional(), Length(max=100_000)])
    sources = FieldList(FormField(SourceForm), min_entries=1, max_entries=30)
    correction_note = TextAreaField("Correction note (public; required when changing a published verdict)",
                                    validators=[Optional(), Length(max=2000)])
    save = SubmitField("Save verdict")


class StatusForm(FlaskForm):
    """A workflow step (submit, approve, send back, unpublish), with the version it was taken at."""

    version = HiddenField()
    claim_version = HiddenField()  # the claim as the page showed it: an approval is of that wording and speaker
    action = HiddenField()
    note = StringField("Note (public, required to unpublish)", validators=[Optional(), Length(max=2000)])


class ClaimForm(FlaskForm):
    """A claim's canonical wording, speaker and topics."""

    text = TextAreaField("Claim in canonical words", validators=[DataRequired(), Length(min=3, max=2000)])
    speaker = StringField("Speaker", validators=[Optional(), Length(max=200)])
    topics = StringField("Topics (comma-separated)", validators=[Optional(), Length(max=1000)])
    original = HiddenField()       # the wording the editor started from: a change made since is a conflict
    correction_note = StringField("Correction note (public; needed to change a published claim)",
                                  validators=[Optional(), Length(max=2000)])
    save_claim = SubmitField("Save claim")


class AssignForm(FlaskForm):
    """Who works on the verdict."""

    assignee = SelectField("Assigned to", choices=[], validate_choice=True)
    assign = SubmitField("Assign")


class CommentForm(FlaskForm):
    """A newsroom note on the claim."""

    body = TextAreaField("Comment (newsroom only)", validators=[DataRequired(), Length(max=10_000)])
    comment = SubmitField("Add comment")


class MergeForm(FlaskForm):
    """Merge this claim into another one (its duplicate)."""

    target = StringField("Merge this claim into claim #", validators=[DataRequired(), Length(max=12)])
    correction_note = StringField("Correction note (public; needed to merge a published check)",
                                  validators=[Optional(), Length(max=2000)])
    merge = SubmitField("Merge")

    def validate_target(self, field) -> None:
        if claim_number(field.data) is None:
            raise ValidationError("Give the number of the claim to merge into.")

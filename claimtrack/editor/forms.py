"""Forms of the editor area."""

from __future__ import annotations

from datetime import date

from flask_babel import format_number, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..i18n import word
from ..matching.language import language_code
from ..public.forms import DayField, PageField
from ..services.claim_list import NOBODY
from ..services.public import MAX_SEARCH_CHARS, clean_text
from ..security import MAX_ID

DECISIONS = [("", _l("Decide later")), ("link", _l("Link to an earlier claim")), ("new", _l("Create a new claim")),
             ("dismiss", _l("Dismiss"))]
STANCES = [("repeats", _l("repeats it")), ("disputes", _l("disputes it")), ("mentions", _l("only mentions it"))]


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
    text = TextAreaField(_l("Paste the article text"), validators=[Optional()])
    file = FileField(_l("or upload an .html or .txt file"),
                     validators=[FileAllowed(["html", "htm", "txt"], _l("Upload an .html, .htm or .txt file."))])
    url = StringField(_l("or give its address (URL)"), validators=[Optional(), URL(message=_l("Give a full http(s):// address.")),
                                                               Length(max=2048)])
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=500)])
    publisher = StringField(_l("Outlet (optional; unattributed statements are credited to it)"),
                            validators=[Optional(), Length(max=200)])
    lang = StringField(_l("Language (a code such as es or pt-BR; empty: detected from the text)"),
                       validators=[Optional(), Length(max=35)])
    submit = SubmitField(_l("Find the claims"))

    def validate_lang(self, field) -> None:
        _check_language(field)

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then: exactly one of text, file and URL."""
        valid = super().validate(extra_validators)
        given = [bool(self.text.data and self.text.data.strip()), bool(self.file.data), bool(self.url.data)]
        if sum(given) != 1:
            message = (gettext("Paste the text, upload a file or give a URL.") if sum(given) == 0
                       else gettext("Give only one of: pasted text, a file, a URL."))
            self.text.errors = list(self.text.errors) + [message]
            return False
        return valid


class CandidateDecisionForm(Form):
    """The decision on one candidate (a sub-form: the outer form carries the CSRF token)."""

    appearance_id = HiddenField()
    action = RadioField(_l("Decision"), choices=DECISIONS, default="", validate_choice=True)
    claim_id = StringField(_l("Earlier claim #"), validators=[Optional(), Length(max=12)])
    stance = RadioField(_l("This sentence"), choices=STANCES, default="repeats", validate_choice=True)
    text = TextAreaField(_l("Claim in canonical words"), validators=[Optional(), Length(max=2000)])
    speaker = StringField(_l("Speaker"), validators=[Optional(), Length(max=200)])
    reason = StringField(_l("Why dismissed (optional)"), validators=[Optional(), Length(max=200)])

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then what the chosen decision needs (an empty field stops the field's own
        validators, so these cannot be inline ones)."""
        valid = super().validate(extra_validators)
        if self.action.data == "link" and claim_number(self.claim_id.data) is None:
            self.claim_id.errors = list(self.claim_id.errors) + [gettext("Choose the earlier claim to link to (its number).")]
            valid = False
        if self.action.data == "new" and len((self.text.data or "").strip()) < 3:
            self.text.errors = list(self.text.errors) + [gettext("A new claim needs its wording.")]
            valid = False
        return valid


class ReviewForm(FlaskForm):
    """Decisions on several candidates of one article at once; only the ones the editor chose are applied."""

    candidates = FieldList(FormField(CandidateDecisionForm))
    submit = SubmitField(_l("Save the decisions I chose"))


class AcceptSuggestionsForm(FlaskForm):
    """Link every undecided candidate to its suggested same-claim match, as a repeat: its own, named action."""

    expected = HiddenField()       # how many the editor was shown; a different count now means the page is stale
    submit = SubmitField(_l("Link all suggested matches"))


class MatchAgainForm(FlaskForm):
    """Search the archive again for the candidates on one page of the review screen."""

    submit = SubmitField(_l("Match this page again"))


class SourceForm(Form):
    """One cited source (a sub-form; blank rows are ignored)."""

    url = StringField(_l("Address (URL)"), validators=[Optional(), Length(max=2048),
                                                   URL(require_tld=False, message=_l("Give a full http(s):// address."))])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=500)])
    publisher = StringField(_l("Publisher"), validators=[Optional(), Length(max=200)])
    accessed_on = DateField(_l("Date accessed"), validators=[Optional()])

    def validate_url(self, field) -> None:
        if field.data and not field.data.strip().lower().startswith(("http://", "https://")):
            raise ValidationError(gettext("A source must be an http(s) address."))
        if not field.data and (self.title.data or self.publisher.data):
            raise ValidationError(gettext("Give the source's address."))


class VerdictForm(FlaskForm):
    """The whole verdict: rating, summary, explanation, sources; the version it was opened at."""

    version = HiddenField()
    rating = SelectField(_l("Rating"), choices=[], validate_choice=True)
    summary = StringField(_l("Summary (the one line a reader sees first)"), validators=[Optional(), Length(max=500)])
    explanation = TextAreaField(_l("Explanation (Markdown)"), validators=[Optional(), Length(max=100_000)])
    sources = FieldList(FormField(SourceForm), min_entries=1, max_entries=30)
    correction_note = TextAreaField(_l("Correction note (public; required when changing a published verdict)"),
                                    validators=[Optional(), Length(max=2000)])
    save = SubmitField(_l("Save verdict"))


class StatusForm(FlaskForm):
    """A workflow step (submit, approve, send back, unpublish), with the version it was taken at."""

    version = HiddenField()
    claim_version = HiddenField()  # the claim as the page showed it: an approval is of that wording and speaker
    action = HiddenField()
    note = StringField(_l("Note (public, required to unpublish)"), validators=[Optional(), Length(max=2000)])


LANGUAGE_LABEL = _l("Language (a code such as es or pt-BR; empty: detected from the wording)")


def _check_language(field) -> None:
    if field.data and field.data.strip():
        code = language_code(field.data)
        if code is None:
            raise ValidationError(gettext("Give a language code such as en, es or pt-BR, or leave it empty."))
        field.data = code
    else:
        field.data = None


class ClaimForm(FlaskForm):
    """A claim's canonical wording, speaker, topics and language."""

    text = TextAreaField(_l("Claim in canonical words"), validators=[DataRequired(), Length(min=3, max=2000)])
    speaker = StringField(_l("Speaker"), validators=[Optional(), Length(max=200)])
    topics = StringField(_l("Topics (comma-separated)"), validators=[Optional(), Length(max=1000)])
    lang = StringField(LANGUAGE_LABEL, validators=[Optional(), Length(max=35)])
    original = HiddenField()       # the wording the editor started from: a change made since is a conflict
    correction_note = StringField(_l("Correction note (public; needed to change a published claim)"),
                                  validators=[Optional(), Length(max=2000)])
    save_claim = SubmitField(_l("Save claim"))

    def validate_lang(self, field) -> None:
        _check_language(field)


class AssignForm(FlaskForm):
    """Who works on the verdict."""

    assignee = SelectField(_l("Assigned to"), choices=[], validate_choice=True)
    assign = SubmitField(_l("Assign"))


class CommentForm(FlaskForm):
    """A newsroom note on the claim."""

    body = TextAreaField(_l("Comment (newsroom only)"), validators=[DataRequired(), Length(max=10_000)])
    comment = SubmitField(_l("Add comment"))


class MergeDecisionForm(FlaskForm):
    """A reviewer's decision on an editor's merge of a published check (or its proposer's withdrawal)."""

    proposal = HiddenField(validators=[DataRequired(), Length(max=20)])
    note = StringField(_l("Note (newsroom only)"), validators=[Optional(), Length(max=2000)])
    approve = SubmitField(_l("Approve the merge"))
    decline = SubmitField(_l("Decline"))

    def validate_proposal(self, field) -> None:
        if claim_number(field.data) is None:
            raise ValidationError(gettext("This merge proposal does not exist."))


class MergeForm(FlaskForm):
    """Merge this claim into another one (its duplicate)."""

    target = StringField(_l("Merge this claim into claim #"), validators=[DataRequired(), Length(max=12)])
    correction_note = StringField(_l("Correction note (public; needed to merge a published check)"),
                                  validators=[Optional(), Length(max=2000)])
    merge = SubmitField(_l("Merge"))

    def validate_target(self, field) -> None:
        if claim_number(field.data) is None:
            raise ValidationError(gettext("Give the number of the claim to merge into."))


class ClaimFilterForm(Form):
    """The claim list's search, filters, sort and page (a GET form: nothing is changed, so no CSRF).

    Every value is checked against what it may be; a wrong one is said plainly next to its field."""

    q = StringField(_l("Search (through the matcher)"))
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    verdict = SelectField(_l("Verdict"), choices=[], validate_choice=False)
    speaker = StringField(_l("Speaker"))
    topic = SelectField(_l("Topic"), choices=[], validate_choice=False)
    assignee = SelectField(_l("Assigned to"), choices=[], validate_choice=False)
    date_field = SelectField(_l("Date"), choices=[("updated", _l("last updated")), ("created", _l("created"))],
                             validate_choice=False, default="updated")
    since = DayField(_l("From (date)"))
    until = DayField(_l("To (date)"))
    sort = SelectField(_l("Sort by"), choices=[], validate_choice=False)
    order = SelectField(_l("Order"), choices=[("", _l("default")), ("asc", _l("ascending")), ("desc", _l("descending"))],
                        validate_choice=False)
    page = PageField(_l("Page"), default=1)

    def __init__(self, formdata, statuses: list[tuple[str, str]], verdicts: list[tuple[str, str]],
                 topics: list[tuple[int, str]], assignees: list[tuple[int, str]], sorts: list[tuple[str, str]]):
        super().__init__(formdata)
        self.status.choices = [("", _l("Any status")), *statuses]
        self.verdict.choices = [("", _l("Any verdict")), *[(key, word(label)) for key, label in verdicts]]
        self.topic.choices = [("", _l("Any topic")), *[(str(tid), name) for tid, name in topics]]
        self.assignee.choices = [("", _l("Anyone")), (NOBODY, _l("Nobody")), *[(str(uid), name) for uid, name in assignees]]
        self.sort.choices = sorts

    @staticmethod
    def _one_of(field, what: str) -> None:
        field.data = clean_text(field.data)
        if field.data and field.data not in {str(key) for key, _ in field.choices}:
            raise ValidationError(gettext("%(value)r is not %(what)s: choose one from the list.", value=field.data[:40],
                                          what=what))

    def validate_q(self, field):
        raw = field.data or ""
        field.data = clean_text(raw)
        if len(field.data) > MAX_SEARCH_CHARS:
            raise ValidationError(gettext("The search text is %(length)s characters long; the limit is %(limit)s. "
                                          "Search for the claim itself.", length=format_number(len(field.data)),
                                          limit=format_number(MAX_SEARCH_CHARS)))

    def validate_status(self, field):
        self._one_of(field, gettext("a workflow status"))

    def validate_verdict(self, field):
        self._one_of(field, gettext("a verdict on our scale"))

    def validate_topic(self, field):
        self._one_of(field, gettext("a topic we have"))

    def validate_assignee(self, field):
        self._one_of(field, gettext("someone verdicts are assigned to"))

    def validate_date_field(self, field):
        self._one_of(field, gettext("a date the list filters by"))

    def validate_sort(self, field):
        self._one_of(field, gettext("a column the list sorts by"))

    def validate_order(self, field):
        self._one_of(field, gettext("an order"))

    def validate_speaker(self, field):
        field.data = clean_text(field.data)
        if len(field.data) > 200:
            raise ValidationError(gettext("A speaker's name is at most 200 characters."))

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(gettext("The second date is before the first."))

    def args(self) -> dict[str, str]:
        """The non-empty search, filters and sort as query arguments (for pager and column links)."""
        values = {
            "q": self.q.data, "status": self.status.data, "verdict": self.verdict.data,
            "speaker": self.speaker.data, "topic": self.topic.data, "assignee": self.assignee.data,
            "date_field": self.date_field.data if self.date_field.data != "updated" else None,
            "since": self.since.data.isoformat() if isinstance(self.since.data, date) else None,
            "until": self.until.data.isoformat() if isinstance(self.until.data, date) else None,
            "sort": self.sort.data, "order": self.order.data,
        }
        return {k: v for k, v in values.items() if v}


class NewClaimForm(FlaskForm):
    """A claim an editor opens by hand: wording, speaker (found or new), topics, and when and where it was said."""

    text = TextAreaField(_l("Claim in canonical words"), validators=[DataRequired(message=_l("A new claim needs its wording.")),
                                                                 Length(min=3, max=2000)])
    speaker = StringField(_l("Speaker (an existing one is found by name or alias; a new name adds a speaker)"),
                          validators=[Optional(), Length(max=200)])
    topics = StringField(_l("Topics (comma-separated)"), validators=[Optional(), Length(max=1000)])
    claim_date = DateField(_l("Date it was said (optional)"), validators=[Optional()])
    url = StringField(_l("Where it was said (optional address)"),
                      validators=[Optional(), Length(max=2048),
                                  URL(require_tld=False, message=_l("Give a full http(s):// address."))])
    lang = StringField(LANGUAGE_LABEL, validators=[Optional(), Length(max=35)])
    create = SubmitField(_l("Create claim"))

    def validate_lang(self, field) -> None:
        _check_language(field)

    def validate_url(self, field) -> None:
        if field.data and not field.data.strip().lower().startswith(("http://", "https://")):
            raise ValidationError(gettext("Give a full http(s):// address."))


FEED_KINDS = [("feed", _l("RSS or Atom feed")), ("sitemap", _l("News sitemap")), ("urls", _l("List of URLs"))]


class FeedForm(FlaskForm):
    """A monitored source: a feed or sitemap address, or a list of article addresses, and how often to poll."""

    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the source a name.")), Length(max=200)])
    kind = RadioField(_l("Kind"), choices=FEED_KINDS, default="feed", validate_choice=True)
    url = StringField(_l("Feed or sitemap address"), validators=[Optional(), Length(max=2048)])
    urls = TextAreaField(_l("Article addresses, one a line (for a list of URLs)"),
                         validators=[Optional(), Length(max=500_000)])
    publisher = StringField(_l("Outlet (optional; unattributed statements are credited to it)"),
                            validators=[Optional(), Length(max=200)])
    interval_minutes = IntegerField(_l("Poll every (minutes)"), default=30,
                                    validators=[InputRequired(message=_l("Give the interval in minutes.")),
                                                NumberRange(min=5, max=7 * 24 * 60,
                                                            message=_l("Between 5 minutes and 7 days (10080)."))])
    save = SubmitField(_l("Save the source"))


class FeedPauseForm(FlaskForm):
    """Pause or resume a source."""

    paused = RadioField(_l("Paused"), choices=[("yes", _l("Pause")), ("no", _l("Resume"))], validate_choice=True)


class AlertDecisionForm(FlaskForm):
    """Confirm or dismiss an alert (the action is the URL; the form carries the CSRF token)."""

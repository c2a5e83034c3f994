"""Forms for creating and running cycles: validation only, no writes."""

import datetime as dt
import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from markupsafe import Markup
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from audit_app.web.forms import choices

#: The "Also include" choices of the create form: value -> label (``select_agencies`` groups; "none" adds nobody).
AGENCY_GROUPS = {
    "none": "No one else",
    "s11": "All Section 11 agencies",
    "s175": "All Section 175 settings",
    "schools": "All schools and colleges",
}
REFERENCES_HINT = (
    "One per line. Pseudonymised references only, such as FSA-26-01: never a child's name, date of birth or NHS "
    "number. Left out for self-assessments, which have one return per agency."
)


class ProblemListTextArea(GovTextArea):
    """A textarea whose error message shows each problem on its own line (operations join them with "; ")."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if field.errors:
            params["errorMessage"] = {"html": Markup("<br>").join(field.errors[0].split("; "))}
        return params


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class DayMonthYearField(DateField):
    """A GOV.UK date input (day, month and year boxes). All boxes blank is no date; an impossible date is an error."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, *, required_message=None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.required_message = required_message

    def process_formdata(self, valuelist):
        parts = [str(v).strip() for v in valuelist or ()]
        self.data = None
        if len(parts) != 3:
            self.raw_data = None  # the widget shows three boxes: fill them from ``data``, not from what came
        if not any(parts):
            return
        if len(parts) == 3 and not all(parts):
            raise ValueError(f"{self.label.text} must include a day, month and year")
        if len(parts) == 3 and len(parts[2]) != 4:
            raise ValueError(f"{self.label.text} must have a 4-digit year, like 2026")
        try:
            if len(parts) == 1:  # one box: an ISO date (a plain date input, or a script)
                self.data = dt.date.fromisoformat(parts[0])
            else:
                self.data = dt.datetime.strptime(" ".join(parts), "%d %m %Y").date()
        except ValueError as exc:
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2026") from exc

    def pre_validate(self, form):
        if self.data is None and not self.process_errors and self.required_message:
            raise StopValidation(self.required_message)


#: Made before the date fields so that it comes first in the error summary, as it does on the page.
_TEMPLATE_VERSION_FIELD = SelectField(
    "Audit tool",
    widget=GovSelect(),
    description="Only published versions can be used.",
    coerce=_optional_int,
    invalid_value_message="Choose an audit tool from the list",
    invalid_choice_message="Choose a published version of an audit tool",
    validators=[DataRequired("Choose an audit tool")],
)


class CycleDatesForm(FlaskForm):
    """Title and dates, shared by a new cycle and next year's cycle."""

    title = StringField(
        "Title",
        widget=GovTextInput(),
        description="For example: FSA multi-agency case audit, spring 2026",
        validators=[DataRequired("Enter a title for the cycle"), Length(max=200)],
    )
    scope_start = DayMonthYearField(
        "Start of the scope period", description="The audit looks at practice from this day. For example, 1 4 2025",
        required_message="Enter the start of the scope period",
    )  # fmt: skip
    scope_end = DayMonthYearField(
        "End of the scope period", description="The last day the audit looks at.",
        required_message="Enter the end of the scope period",
    )  # fmt: skip
    opens_on = DayMonthYearField(
        "Opens on", description="Agencies can start their returns from this day.",
        required_message="Enter the date the cycle opens",
    )  # fmt: skip
    due_on = DayMonthYearField(
        "Due on", description="Returns are late after this day.", required_message="Enter the date returns are due"
    )
    meeting_on = DayMonthYearField(
        "Multi-agency discussion meeting (optional)", description="On or after the due date."
    )

    def date_values(self):
        """The title and dates, as ``create_cycle`` takes them."""
        names = ("title", "scope_start", "scope_end", "opens_on", "due_on", "meeting_on")
        return {name: self._fields[name].data for name in names}


class CycleCreateForm(CycleDatesForm):
    """Create a cycle from a published template version."""

    template_version_id = _TEMPLATE_VERSION_FIELD
    terms_of_reference = TextAreaField(
        "Terms of reference (optional)",
        widget=GovTextArea(),
        description="The theme, key lines of enquiry and how cases were chosen.",
        validators=[Optional(), Length(max=20000)],
    )
    agency_ids = SelectMultipleField(
        "Agencies taking part", coerce=int, invalid_value_message="Choose agencies from the list",
        invalid_choice_message="Choose active agencies from the list",
    )  # fmt: skip
    agency_group = RadioField(
        "Also include",
        widget=GovRadioInput(),
        choices=choices(AGENCY_GROUPS.items()),
        default="none",
        invalid_choice_message="Choose one of the groups listed",
    )
    cases = TextAreaField(
        "Case references", widget=ProblemListTextArea(), description=REFERENCES_HINT, validators=[Length(max=20000)]
    )
    submit = SubmitField("Create cycle", widget=GovSubmitInput())

    def set_choices(self, versions, agencies):
        """Offer these published versions and active agencies."""
        labelled = sorted(((v.id, f"{v.name}, version {v.number}") for v in versions), key=lambda c: c[1].lower())
        self.template_version_id.choices = choices([("", "Choose an audit tool")] + labelled)
        self.agency_ids.choices = choices([(a.id, a.name) for a in agencies])

    @property
    def group(self):
        """The ``select_agencies`` group chosen, or None."""
        return None if self.agency_group.data in (None, "", "none") else self.agency_group.data

    @property
    def references(self):
        """The case references, one per line."""
        return split_references(self.cases.data)


class CycleNextYearForm(CycleDatesForm):
    """Next year's annual self-assessment from this year's."""

    submit = SubmitField("Create next year's cycle", widget=GovSubmitInput())

    def prefill(self, previous):
        """Last year's title and dates moved on a year."""
        self.title.data = next_year_title(previous)
        for name in ("scope_start", "scope_end", "opens_on", "due_on", "meeting_on"):
            self._fields[name].data = plus_one_year(getattr(previous, name))


class CasesAddForm(FlaskForm):
    """Add cases to a case audit's sample."""

    cases = TextAreaField(
        "Case references to add",
        widget=ProblemListTextArea(),
        description="One per line. Pseudonymised references only, such as FSA-26-07.",
        validators=[DataRequired("Enter at least one case reference"), Length(max=20000)],
    )
    submit = SubmitField("Add cases", widget=GovSubmitInput())

    @property
    def references(self):
        """The case references, one per line."""
        return split_references(self.cases.data)


def split_references(text):
    """Non-blank lines of a textarea."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def plus_one_year(day):
    """The same day a year later (29 February becomes 28 February); None stays None."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


_YEAR_RE = re.compile(r"(?<!\d)(20\d{2})(?:([/-])(\d{2}))?(?!\d)")


def next_year_title(previous):
    """The title with each year moved on ("S11 2025/26" -> "S11 2026/27"), or next year appended."""

    def bump(match):
        year = int(match.group(1)) + 1
        if match.group(2):
            return f"{year}{match.group(2)}{(int(match.group(3)) + 1) % 100:02d}"
        return str(year)

    title, count = _YEAR_RE.subn(bump, previous.title)
    return title if count else f"{previous.title} {previous.due_on.year + 1}"

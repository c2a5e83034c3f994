"""Forms of the template builder: validation and parsing of what the designer typed, no writes.

Each editing form turns its input into the plain-dict shape of ``audit_app.tools.definitions`` (``values()``);
the views put that into the version's whole definition, which the operations validate.
"""

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    Form,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from audit_app.agencies.models.agencies import AGENCY_KIND_LABELS
from audit_app.tools.models.templates import TemplateKind
from audit_app.tools.question_types import QUESTION_TYPES
from audit_app.web.forms import choices

#: What a designer types in a scale level's score to leave the level out of scoring (Not applicable).
NOT_SCORED = "not scored"
CONDITION_OP_LABELS = {"equals": "is", "one_of": "is one of", "answered": "has been answered"}


class _WithoutEmptyHint:
    """GOV.UK radios and checkboxes from govuk_frontend_wtf always get a hint, empty when the field has no
    description; an empty hint is noise for screen readers (it is referenced by aria-describedby)."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        hint = params.get("hint")
        if hint is not None and not (hint.get("text") or hint.get("html")):
            params["hint"] = None
        return params


class RadioInput(_WithoutEmptyHint, GovRadioInput):
    """GOV.UK radios (no empty hint)."""


class CheckboxesInput(_WithoutEmptyHint, GovCheckboxesInput):
    """GOV.UK checkboxes (no empty hint)."""


class CheckboxInput(_WithoutEmptyHint, GovCheckboxInput):
    """A single GOV.UK checkbox (no empty hint)."""


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _code(value):
    return value.strip().upper() if isinstance(value, str) else value


def _slug(label):
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:40]


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class LockedForm(FlaskForm):
    """A builder form: carries the draft's lock version, so that a stale edit is refused rather than saved."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[InputRequired("Reload the page and try again")])
    #: Set by the views when the save was refused because someone else saved first.
    conflict = False


class MoveForm(LockedForm):
    """Move a section or question up or down (a button)."""

    direction = SelectField(
        choices=choices([("up", "Up"), ("down", "Down")]), widget=HiddenInput(), validators=[InputRequired()]
    )


class TemplateCreateForm(FlaskForm):
    """A new template: its code, name, kind and description (version 1 starts as a draft with one section)."""

    code = StringField(
        "Code",
        widget=GovTextInput(),
        description="A short stable code in capital letters, digits or underscores, like NEGLECT_AUDIT. It cannot "
        "be changed later: workbooks and reports refer to it.",
        filters=[_code],
        validators=[DataRequired("Enter a code for the template"), Length(max=40)],
    )
    name = StringField(
        "Name", widget=GovTextInput(), filters=[_strip],
        validators=[DataRequired("Enter the template's name"), Length(max=200)],
    )  # fmt: skip
    kind = RadioField(
        "Kind of template",
        widget=RadioInput(),
        choices=choices(
            [
                (TemplateKind.CASE_AUDIT.value, "Case audit: answered once per case by each agency"),
                (
                    TemplateKind.SELF_ASSESSMENT.value,
                    "Self-assessment: answered once by each agency (like S11 or S175)",
                ),
            ]
        ),  # fmt: skip
        validators=[InputRequired("Select the kind of template")],
    )
    description = TextAreaField(
        "Description (optional)",
        widget=GovTextArea(),
        description="Purpose, who completes it and the scope. Shown at the top of every return.",
        filters=[_strip],
        validators=[Optional(), Length(max=5000)],
    )
    submit = SubmitField("Create template", widget=GovSubmitInput())

    def definition(self):
        """A minimal valid definition: the template's fields and one empty section to start from."""
        return {
            "code": self.code.data, "name": self.name.data, "kind": self.kind.data,
            "description": self.description.data,
            "sections": [{"code": "SECTION_1", "title": "Section 1", "questions": []}],
        }  # fmt: skip


class VersionDetailsForm(LockedForm):
    """A draft's name, description, guidance, sign-off block and template-wide themes."""

    name = StringField(
        "Name", widget=GovTextInput(), filters=[_strip],
        validators=[DataRequired("Enter the template's name"), Length(max=200)],
    )  # fmt: skip
    description = TextAreaField(
        "Description (optional)", widget=GovTextArea(), filters=[_strip],
        description="Purpose, who completes it and the scope. Shown at the top of every return.",
    )  # fmt: skip
    guidance = TextAreaField(
        "Guidance for auditors (optional)", widget=GovTextArea(), filters=[_strip],
        description="How to complete a return. Shown under the description.",
    )  # fmt: skip
    sign_off = BooleanField("End each return with a sign-off block (completed by, role, senior sign-off, date)",
                            widget=CheckboxInput())  # fmt: skip
    themes = SelectMultipleField("Themes of the template as a whole (optional)", widget=CheckboxesInput())
    submit = SubmitField("Save details", widget=GovSubmitInput())

    def values(self):
        """The template-level fields of the definition."""
        return {"name": self.name.data, "description": self.description.data, "guidance": self.guidance.data,
                "sign_off": self.sign_off.data, "themes": list(self.themes.data or [])}  # fmt: skip


class SectionForm(LockedForm):
    """Add or edit a section."""

    code = StringField(
        "Code", widget=GovTextInput(), filters=[_code],
        description="Capital letters, digits or underscores, unique in the template, like CONVENING.",
        validators=[DataRequired("Enter a code for the section"), Length(max=40)],
    )  # fmt: skip
    title = StringField(
        "Title", widget=GovTextInput(), filters=[_strip],
        validators=[DataRequired("Enter the section's title"), Length(max=200)],
    )  # fmt: skip
    description = TextAreaField("Description (optional)", widget=GovTextArea(), filters=[_strip],
                                description="Shown at the top of the section.")  # fmt: skip
    ask_good_practice = BooleanField("Ask for good practice seen", widget=CheckboxInput())
    ask_areas_for_development = BooleanField("Ask for areas for development", widget=CheckboxInput())
    grade_scale = SelectField(
        "Section grade",
        widget=GovSelect(),
        default="",
        description="Ask auditors to grade the whole section on one of this version's scales.",
    )
    submit = SubmitField("Save section", widget=GovSubmitInput())

    def values(self):
        """The section's fields (its questions are kept by the view)."""
        return {
            "code": self.code.data, "title": self.title.data, "description": self.description.data,
            "ask_good_practice": self.ask_good_practice.data,
            "ask_areas_for_development": self.ask_areas_for_development.data,
            "grade_scale": self.grade_scale.data or None,
        }  # fmt: skip


class QuestionForm(LockedForm):
    """Add or edit a question: where it goes, what it asks, how it is answered, its themes and when it shows."""

    section = SelectField("Section", widget=GovSelect())
    code = StringField(
        "Code", widget=GovTextInput(), filters=[_code],
        description="Capital letters, digits or underscores, unique in the template. Keep the same code across "
        "versions so that results compare year on year.",
        validators=[DataRequired("Enter a code for the question"), Length(max=40)],
    )  # fmt: skip
    text = TextAreaField("Question", widget=GovTextArea(), filters=[_strip],
                         validators=[DataRequired("Enter the question text"), Length(max=2000)])  # fmt: skip
    guidance = TextAreaField("Guidance (optional)", widget=GovTextArea(), filters=[_strip],
                             description="What to look for and what good looks like.")  # fmt: skip
    type = RadioField("How is it answered?", widget=RadioInput(),
                      choices=choices([(code, t.label) for code, t in QUESTION_TYPES.items()]),
                      validators=[InputRequired("Select how the question is answered")])  # fmt: skip
    scale = SelectField(
        "Scale", widget=GovSelect(), default="",
        description="For 'Grade on a scale' questions. Yes/partly/no and red/amber/green questions use their own "
        "scale.",
    )  # fmt: skip
    options = TextAreaField(
        "Options", widget=GovTextArea(), filters=[_strip],
        description="For choice questions: one per line, as value = Label (for example: not_seen = Child not seen). "
        "Values are lower-case letters, digits or underscores.",
    )  # fmt: skip
    min = StringField("Lowest number allowed (optional)", widget=GovTextInput(), filters=[_strip],
                      description="Number questions only.")  # fmt: skip
    max = StringField("Highest number allowed (optional)", widget=GovTextInput(), filters=[_strip],
                      description="Number questions only.")  # fmt: skip
    required = BooleanField("Auditors must answer this question (unless its condition hides it)",
                            widget=CheckboxInput(), default=True)  # fmt: skip
    themes = SelectMultipleField("Themes (optional)", widget=CheckboxesInput())
    condition_question = SelectField("Show this question only if this earlier question", widget=GovSelect(), default="")
    condition_op = RadioField("Its answer", widget=RadioInput(), validators=[Optional()],
                              choices=choices(list(CONDITION_OP_LABELS.items())))  # fmt: skip
    condition_value = StringField(
        "Answer value", widget=GovTextInput(), filters=[_strip],
        description="The answer's value, like yes or partly. For 'is one of', separate values with commas.",
    )  # fmt: skip
    agency_kinds = SelectMultipleField(
        "Only ask these kinds of agency (optional)", widget=CheckboxesInput(),
        description="Leave all unticked to ask every agency.",
        choices=choices([(kind.value, label) for kind, label in AGENCY_KIND_LABELS.items()]),
    )  # fmt: skip
    submit = SubmitField("Save question", widget=GovSubmitInput())

    def validate_options(self, field):
        self.options_list()

    def validate_condition_op(self, field):
        if self.condition_question.data and not field.data:
            raise ValidationError("Select how the earlier question's answer is tested")

    def options_list(self):
        """The options as ``[{"value", "label"}]`` (None when empty). :raises ValidationError: a malformed line."""
        options = []
        for number, line in enumerate((self.options.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            value, sep, label = line.partition("=")
            value, label = (value.strip(), label.strip()) if sep else (_slug(line), line.strip())
            if not label or not value:
                raise ValidationError(f"Line {number}: write each option as value = Label")
            options.append({"value": value, "label": label})
        return options or None

    def values(self):
        """The question's fields as a definition dict."""
        show_if = None
        if self.condition_question.data:
            op, value = self.condition_op.data, self.condition_value.data or None
            show_if = {"question": self.condition_question.data, "op": op, "value": value}
        return {
            "code": self.code.data, "text": self.text.data, "guidance": self.guidance.data, "type": self.type.data,
            "scale": self.scale.data or None, "options": self.options_list(), "min": self.min.data or None,
            "max": self.max.data or None, "required": self.required.data, "themes": list(self.themes.data or []),
            "show_if": show_if, "agency_kinds": list(self.agency_kinds.data or []) or None,
        }  # fmt: skip

    @staticmethod
    def initial(question, lock_version):
        """Form data for editing ``question`` (a definition dict)."""
        cond = question["show_if"] or {}
        value = cond.get("value")
        options = "\n".join(f"{o['value']} = {o['label']}" for o in question["options"] or [])
        return {
            **question, "lock_version": lock_version, "options": options, "scale": question["scale"] or "",
            "min": "" if question["min"] is None else str(question["min"]),
            "max": "" if question["max"] is None else str(question["max"]),
            "condition_question": cond.get("question") or "", "condition_op": cond.get("op"),
            "condition_value": ", ".join(value) if isinstance(value, list) else value or "",
            "agency_kinds": question["agency_kinds"] or [],
        }  # fmt: skip


class ScaleForm(LockedForm):
    """Add or edit a custom scale: its levels, best first, one per line."""

    code = StringField(
        "Code", widget=GovTextInput(), filters=[_code],
        description="Capital letters, digits or underscores, like QUALITY5.",
        validators=[DataRequired("Enter a code for the scale"), Length(max=40)],
    )  # fmt: skip
    name = StringField("Name", widget=GovTextInput(), filters=[_strip],
                       validators=[DataRequired("Enter the scale's name"), Length(max=200)])  # fmt: skip
    description = TextAreaField("Description (optional)", widget=GovTextArea(), filters=[_strip])
    levels = TextAreaField(
        "Levels, best first", widget=GovTextArea(), filters=[_strip],
        description=f"One per line: value = Label = score = #colour (colour optional). Write '{NOT_SCORED}' as the "
        "score for a level left out of scores, like Not applicable. For example: good = Good = 3 = #85994b",
        validators=[DataRequired("Enter the scale's levels")],
    )  # fmt: skip
    submit = SubmitField("Save scale", widget=GovSubmitInput())

    def validate_levels(self, field):
        self.levels_list()

    def levels_list(self, existing=None):
        """The levels as definition dicts, keeping the descriptions of levels whose value is unchanged.

        :param existing: the scale's current levels (definition dicts), if editing.
        :raises ValidationError: a malformed line.
        """
        descriptions = {level["value"]: level.get("description") for level in existing or []}
        levels = []
        for number, line in enumerate((self.levels.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("=")]
            if len(parts) < 3 or len(parts) > 4:
                raise ValidationError(f"Line {number}: write each level as value = Label = score = #colour")
            value, label, score = parts[:3]
            is_scored = score.lower() != NOT_SCORED
            levels.append({
                "value": value, "label": label, "score": score if is_scored else None, "is_scored": is_scored,
                "colour": parts[3] if len(parts) == 4 else None, "description": descriptions.get(value),
            })  # fmt: skip
        return levels

    def values(self, existing=None):
        """The scale as a definition dict."""
        return {"code": self.code.data, "name": self.name.data, "description": self.description.data,
                "levels": self.levels_list(existing)}  # fmt: skip

    @staticmethod
    def initial(scale, lock_version):
        """Form data for editing ``scale`` (a definition dict)."""

        def line(level):
            score = NOT_SCORED if not level["is_scored"] else _number_text(level["score"])
            return " = ".join(p for p in (level["value"], level["label"], score, level["colour"]) if p is not None)

        return {**scale, "lock_version": lock_version, "levels": "\n".join(line(lv) for lv in scale["levels"])}


def _number_text(number):
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else str(number)


class ShippedScaleForm(LockedForm):
    """Add one of the scales shipped with Assure to a draft."""

    scale = RadioField("Scale", widget=RadioInput(), validators=[InputRequired("Select a scale to add")])
    submit = SubmitField("Add scale", widget=GovSubmitInput())


class TemplateImportForm(FlaskForm):
    """Upload a template workbook, as a new template or a new version of an existing one."""

    file = FileField("Excel workbook (.xlsx)", widget=GovFileInput())
    template_id = SelectField(
        "Import as", widget=GovSelect(), coerce=_int_or_none,
        description="A new version of an existing template must have the same code and kind.",
    )  # fmt: skip
    submit = SubmitField("Upload and import", widget=GovSubmitInput())


class CompareForm(Form):
    """Which two versions to compare (a GET form; no CSRF needed for reading)."""

    from_version = SelectField("From version", widget=GovSelect(), name="from", coerce=_int_or_none)
    to_version = SelectField("To version", widget=GovSelect(), name="to", coerce=_int_or_none)


class PreviewForm(Form):
    """Which kind of agency to preview the return as (a GET form)."""

    agency_kind = SelectField(
        "Preview as", widget=GovSelect(),
        choices=choices([("", "Any agency (every question)")]
                        + [(kind.value, label) for kind, label in AGENCY_KIND_LABELS.items()]),
    )  # fmt: skip

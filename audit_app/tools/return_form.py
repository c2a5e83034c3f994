"""The return form of a template version, built at run time from the question-type registry.

``make_return_form(version, agency_kind=...)`` gives a ``FlaskForm`` class with one field per question the agency
is asked (named by the question's code), each section's extra fields (``<SECTION>__good_practice``,
``<SECTION>__areas_for_development``, ``<SECTION>__grade``) and, when the version has one, the sign-off block.
The class's ``return_sections`` describe the layout that ``tools/_return_section.html`` renders, so the builder's
preview and the real returns look the same.
"""

import datetime as dt
import decimal
from dataclasses import dataclass, field

from flask_wtf import FlaskForm
from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextArea, GovTextInput
from wtforms import DateField, DecimalField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from audit_app.tools.conditions import applies_to
from audit_app.tools.forms import CheckboxesInput, RadioInput
from audit_app.tools.question_types import LONG_TEXT_MAX, QUESTION_TYPES, SHORT_TEXT_MAX
from audit_app.web.forms import choices

#: Day, month and year boxes post three values under one name; ISO dates (from the API or a workbook) also parse.
DATE_FORMATS = ["%d %m %Y", "%Y-%m-%d"]
SIGN_OFF_FIELDS = ("completed_by", "role", "senior_sign_off", "sign_off_date")


class AnswerDateInput(GovDateInput):
    """GOV.UK day, month and year boxes that also cope with a post that lacks some of the three values."""

    @staticmethod
    def date_parts(field):
        """The day, month and year to show: as posted (all three), else from the date, else None each."""
        raw = field.raw_data if field.raw_data and len(field.raw_data) == 3 else None
        if raw is None and isinstance(field.data, dt.date):
            raw = [str(field.data.day), str(field.data.month), str(field.data.year)]
        return tuple(raw or (None, None, None))

    def map_gov_params(self, field, **kwargs):
        params = GovFormBase.map_gov_params(self, field, **kwargs)
        day, month, year = self.date_parts(field)
        error = " govuk-input--error" if field.errors else ""
        params.setdefault("fieldset", {"legend": {"text": field.label.text}})
        params.setdefault("items", [
            {"label": label, "id": f"{field.name}-{part}", "name": field.name, "value": value,
             "classes": f"govuk-input--width-{width}{error}"}
            for label, part, width, value in (("Day", "day", 2, day), ("Month", "month", 2, month),
                                              ("Year", "year", 4, year))
        ])  # fmt: skip
        return params


#: The GOV.UK widget for each field class the question types make (most specific first), and the macro of
#: ``tools/_answer_fields.html`` that the return pages use instead (same markup, a fraction of the time).
WIDGETS = (
    (RadioField, RadioInput, "radios"),
    (SelectMultipleField, CheckboxesInput, "checkboxes"),
    (DateField, AnswerDateInput, "date"),
    (TextAreaField, GovTextArea, "textarea"),
    (DecimalField, GovTextInput, "number"),
    (StringField, GovTextInput, "text"),
)


@dataclass
class ReturnQuestion:
    """One question as shown on a return: the field name, the question, its condition in words and as data."""

    code: str
    question: object
    field_class: type
    label: str
    condition: str | None = None
    show_if: dict | None = None

    @property
    def kind(self):
        """Which macro of ``tools/_answer_fields.html`` renders the field: radios, checkboxes, date, textarea, ..."""
        return next(kind for cls, _, kind in WIDGETS if issubclass(self.field_class, cls))

    @property
    def is_fieldset(self):
        return issubclass(self.field_class, RadioField | SelectMultipleField | DateField)

    def field_params(self):
        """GOV.UK macro parameters for rendering the field with its widget (a new dict each time: the widgets merge
        into it). The return pages use ``tools/_answer_fields.html`` instead, which gives the same markup."""
        if self.is_fieldset:  # the widgets only add a legend when none is given, so give the whole legend
            params = {"fieldset": {"legend": {"text": self.label, "classes": "govuk-fieldset__legend--s"}}}
        else:
            params = {"label": {"classes": "govuk-label--s"}}
        if not self.condition:
            params["hint"] = None
        if issubclass(self.field_class, DecimalField):
            params.update({"inputmode": "decimal", "spellcheck": False, "classes": "govuk-input--width-10"})
        if issubclass(self.field_class, TextAreaField):
            params["rows"] = 5
        return params


@dataclass
class ReturnSection:
    """One section as shown on a return: its questions and the names of its extra fields."""

    code: str
    title: str
    description: str | None
    questions: list = field(default_factory=list)
    extras: list = field(default_factory=list)

    @property
    def anchor(self):
        return f"section-{self.code}"


def questions_asked(version, agency_kind=None):
    """The questions an agency of ``agency_kind`` may be asked, in order, whatever its answers.

    A question limited to other kinds is left out, and so is any question whose condition depends on a question
    left out (its answer can never be given, so the condition can never hold). Which of these show depends on
    the answers: ``audit_app.tools.conditions.visible_questions`` on the server, js/conditions.js in the browser.
    """
    kind = getattr(agency_kind, "value", agency_kind) or None
    asked = {}
    for question in version.ordered_questions():
        if not applies_to(question, kind):
            continue
        if question.show_if and question.show_if.get("question") not in asked:
            continue
        asked[question.code] = question
    return list(asked.values())


def answer_labels(question):
    """value -> label of the answers a condition on ``question`` can test (empty for free answers)."""
    if question.scale is not None:
        return {level.value: level.label for level in question.scale.levels}
    return question.option_labels


def describe_condition(show_if, target, *, prefix="Answer this if "):
    """A show-if condition in words: "Answer this if 'Was ...?' is Yes".

    :param show_if: the condition (``question``, ``op``, ``value``).
    :param target: the question it depends on (a ``Question``), or None when unknown.
    :param prefix: the words before the condition.
    """
    if not show_if:
        return None
    if target is None:
        return f"{prefix}{show_if.get('question')} has been answered"
    labels = answer_labels(target)
    text = f"{prefix}'{target.text}'"
    if show_if.get("op") == "answered":
        return f"{text} has been answered"
    values = show_if.get("value")
    names = [labels.get(v, v) for v in (values if isinstance(values, list) else [values])]
    if show_if.get("op") == "one_of":
        joined = ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1] if names else ""
        return f"{text} is {joined}"
    return f"{text} is {names[0] if names else ''}"


def _label(question):
    return question.text if question.is_required else f"{question.text} (optional)"


def _answer_field(question, condition):
    """The registry's field for ``question``, with its GOV.UK widget (and day/month/year parsing for dates)."""
    label = _label(question)
    unbound = QUESTION_TYPES[question.type].make_field(question, label, condition or "")
    field_class = unbound.field_class
    widget = next(w for cls, w, _ in WIDGETS if issubclass(field_class, cls))
    unbound.kwargs.setdefault("widget", widget())
    if issubclass(field_class, DateField):
        unbound.kwargs.setdefault("format", DATE_FORMATS)
    if issubclass(field_class, DecimalField):
        unbound.kwargs.setdefault("places", None)
    return unbound


def _section_extras(section):
    fields = {}
    free_text = [Optional(), Length(max=LONG_TEXT_MAX)]
    if section.ask_good_practice:
        fields[f"{section.code}__good_practice"] = TextAreaField(
            "Good practice seen (optional)", widget=GovTextArea(), validators=free_text,
            description="What went well in this section, and the difference it made for the child.",
        )  # fmt: skip
    if section.ask_areas_for_development:
        fields[f"{section.code}__areas_for_development"] = TextAreaField(
            "Areas for development (optional)", widget=GovTextArea(), validators=free_text,
            description="What could have been done better, or sooner.",
        )  # fmt: skip
    if section.grade_scale is not None:
        levels = [(level.value, level.label) for level in section.grade_scale.levels]
        fields[f"{section.code}__grade"] = RadioField(
            f"Overall grade for '{section.title}'", widget=RadioInput(), choices=choices(levels),
            validators=[Optional()],
        )  # fmt: skip
    return fields


def _sign_off_fields():
    text = [Optional(), Length(max=SHORT_TEXT_MAX)]
    return {
        "completed_by": StringField("Completed by", widget=GovTextInput(), validators=text,
                                    description="Your name."),
        "role": StringField("Role", widget=GovTextInput(), validators=text, description="Your job title."),
        "senior_sign_off": StringField("Senior sign-off", widget=GovTextInput(), validators=text,
                                       description="Name and role of the senior manager or governor who agreed "
                                       "this return."),
        "sign_off_date": DateField("Date signed off", widget=AnswerDateInput(), format=DATE_FORMATS,
                                   validators=[Optional()], description="For example, 27 3 2026."),
    }  # fmt: skip


def make_return_form(version, *, agency_kind=None):
    """A form class for returns of ``version`` as an agency of ``agency_kind`` sees them.

    Instantiate it with the posted data, or ``data=answer_data(version, answers)`` to show saved answers.

    :param version: a ``TemplateVersion`` (load it with ``load_version_content`` to avoid a query per question).
    :param agency_kind: an ``AgencyKind`` or its value; None shows every question.
    :return: a ``FlaskForm`` subclass with ``return_sections`` (layout) and ``has_sign_off``.
    """
    questions = {q.code: q for q in questions_asked(version, agency_kind)}
    by_code = {q.code: q for q in version.ordered_questions()}
    attrs, sections = {}, []
    for section in version.sections:
        layout = ReturnSection(section.code, section.title, section.description)
        for question in section.questions:
            if question.code not in questions:
                continue
            condition = describe_condition(question.show_if, by_code.get((question.show_if or {}).get("question")))
            unbound = _answer_field(question, condition)
            attrs[question.code] = unbound
            layout.questions.append(ReturnQuestion(question.code, question, unbound.field_class, _label(question),
                                                   condition, _show_if_data(question.show_if)))  # fmt: skip
        extras = _section_extras(section)
        attrs.update(extras)
        layout.extras = list(extras)
        sections.append(layout)
    if version.has_sign_off:
        attrs.update(_sign_off_fields())
    attrs.update(return_sections=sections, has_sign_off=version.has_sign_off, sign_off_fields=SIGN_OFF_FIELDS,
                 version_id=version.id, agency_kind=getattr(agency_kind, "value", agency_kind))  # fmt: skip
    return type("ReturnForm", (FlaskForm,), attrs)


def _show_if_data(show_if):
    """The condition as the browser script reads it: the question, the test and the values that show it."""
    if not show_if:
        return None
    value = show_if.get("value")
    values = value if isinstance(value, list) else ([] if value is None else [value])
    return {"question": show_if.get("question"), "op": show_if.get("op"), "values": values}


def answer_data(version, answers):
    """Stored answer values (question code -> JSON value) as form data: dates as dates, numbers as decimals.

    Section extras and sign-off values can be passed in ``answers`` too; they are used as they are.
    """
    types = {q.code: q.type for q in version.ordered_questions()}
    data = {}
    for code, value in (answers or {}).items():
        if value is not None and types.get(code) == "date" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        elif value is not None and types.get(code) == "number":
            value = decimal.Decimal(str(value))
        elif code == "sign_off_date" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        data[code] = value
    return data

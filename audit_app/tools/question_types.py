"""The question-type registry: each type knows its definition rules, its form field, how to check and score an
answer, and how an answer looks in a spreadsheet cell.

Answer values are plain JSON: a level or option ``value`` (string) for scale and choice questions, a list of them
for multiple choice, a number, an ISO date string, or text.
"""

import abc
import datetime as dt
import math

from wtforms import DateField, DecimalField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional

#: Scales implied by fixed-scale types.
FIXED_SCALES = {"yes_no_partly": "YPNA", "rag": "RAG"}
SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 20000


class AnswerError(ValueError):
    """An answer that does not fit its question; the message is for the auditor."""


class QuestionType(abc.ABC):
    """Base of the registry entries; each type implements ``clean`` and ``make_field``."""

    code = None
    label = None
    uses_scale = False
    uses_options = False
    uses_bounds = False

    def definition_problems(self, question):
        """Problems with a question definition (a dict with ``scale``, ``options``, ``min``, ``max``)."""
        problems = []
        if not self.uses_scale and question.get("scale"):
            problems.append(("scale", f"A {self.label.lower()} question has no scale"))
        if not self.uses_options and question.get("options"):
            problems.append(("options", f"A {self.label.lower()} question has no options"))
        if not self.uses_bounds and (question.get("min") is not None or question.get("max") is not None):
            problems.append(("min", "Only number questions have bounds"))
        return problems

    def allowed_values(self, question):
        """The values a condition on this question may test (None when any value goes)."""
        return None

    @abc.abstractmethod
    def clean(self, question, raw):
        """Turn a submitted value into the stored answer value.

        :param question: the ``Question``.
        :param raw: what was submitted (form data, JSON or a spreadsheet cell).
        :return: the value to store, or None when unanswered.
        :raises AnswerError: the value does not fit.
        """

    def score(self, question, value):
        """A numeric score for the answer, or None."""
        return None

    def display(self, question, value):
        """The answer as text for people (check-your-answers, exports)."""
        return "" if value is None else str(value)

    def to_cell(self, question, value):
        """The answer as a spreadsheet cell value."""
        return self.display(question, value) if value is not None else None

    @abc.abstractmethod
    def make_field(self, question, label, description):
        """A WTForms field (unbound) for the return form and the preview."""


class ScaleType(QuestionType):
    """A grade on one of the version's scales."""

    code, label, uses_scale = "scale", "Grade on a scale", True

    def definition_problems(self, question):
        problems = super().definition_problems(question)
        if not question.get("scale"):
            problems.append(("scale", "Choose the scale this question is graded on"))
        return problems

    def _levels(self, question):
        return question.scale.levels if question.scale is not None else []

    def allowed_values(self, question):
        return {level.value for level in self._levels(question)}

    def clean(self, question, raw):
        if raw in (None, ""):
            return None
        text = str(raw).strip()
        for level in self._levels(question):
            if text == level.value or text.lower() == level.label.lower():
                return level.value
        choices = ", ".join(level.label for level in self._levels(question))
        raise AnswerError(f"Choose one of: {choices}")

    def score(self, question, value):
        level = question.scale.level(value) if question.scale is not None and value else None
        return level.score if level is not None and level.is_scored else None

    def display(self, question, value):
        level = question.scale.level(value) if question.scale is not None and value else None
        return level.label if level is not None else ("" if value is None else str(value))

    def make_field(self, question, label, description):
        choices = [(level.value, level.label) for level in self._levels(question)]
        return RadioField(label, description=description, choices=_choices(choices), validators=[Optional()])


class YesNoPartlyType(ScaleType):
    """Yes / Partly / No / Not applicable (the version's YPNA scale)."""

    code, label = "yes_no_partly", "Yes, partly, no or not applicable"

    def definition_problems(self, question):
        problems = QuestionType.definition_problems(self, {**question, "scale": None})
        if question.get("scale") not in (None, "", FIXED_SCALES[self.code]):
            problems.append(("scale", f"This type always uses the {FIXED_SCALES[self.code]} scale"))
        return problems


class RagType(YesNoPartlyType):
    """Red / Amber / Green (the version's RAG scale)."""

    code, label = "rag", "Red, amber or green"


class SingleChoiceType(QuestionType):
    """One option from a list."""

    code, label, uses_options = "single_choice", "Single choice", True

    def definition_problems(self, question):
        problems = super().definition_problems(question)
        if len(question.get("options") or []) < 2:
            problems.append(("options", "A choice question needs at least two options"))
        return problems

    def allowed_values(self, question):
        return {o["value"] for o in question.options or []}

    def _match(self, question, text):
        for option in question.options or []:
            if text == option["value"] or text.lower() == option["label"].lower():
                return option["value"]
        raise AnswerError("Choose one of: " + ", ".join(o["label"] for o in question.options or []))

    def clean(self, question, raw):
        return None if raw in (None, "") else self._match(question, str(raw).strip())

    def display(self, question, value):
        return question.option_labels.get(value, "" if value is None else str(value))

    def make_field(self, question, label, description):
        choices = [(o["value"], o["label"]) for o in question.options or []]
        return RadioField(label, description=description, choices=_choices(choices), validators=[Optional()])


class MultipleChoiceType(SingleChoiceType):
    """Any number of options from a list (stored as a list in option order)."""

    code, label = "multiple_choice", "Multiple choice"

    def clean(self, question, raw):
        if raw in (None, "", []):
            return None
        items = raw if isinstance(raw, list | tuple) else list(str(raw).replace("\n", ";").split(";"))
        chosen = {self._match(question, str(item).strip()) for item in items if str(item).strip()}
        ordered = [o["value"] for o in question.options or [] if o["value"] in chosen]
        return ordered or None

    def display(self, question, value):
        labels = question.option_labels
        return "; ".join(labels.get(v, v) for v in value or [])

    def make_field(self, question, label, description):
        choices = [(o["value"], o["label"]) for o in question.options or []]
        return SelectMultipleField(label, description=description, choices=_choices(choices), validators=[Optional()])


class NumberType(QuestionType):
    """A number, optionally between bounds."""

    code, label, uses_bounds = "number", "Number", True

    def definition_problems(self, question):
        problems = super().definition_problems(question)
        low, high = question.get("min"), question.get("max")
        for key, bound in (("min", low), ("max", high)):
            if bound is not None and (not isinstance(bound, int | float) or isinstance(bound, bool)
                                      or not math.isfinite(bound)):  # fmt: skip
                problems.append((key, f"The {key}imum must be a number"))
        if isinstance(low, int | float) and isinstance(high, int | float) and low >= high:
            problems.append(("max", "The maximum must be greater than the minimum"))
        return problems

    def clean(self, question, raw):
        if raw in (None, ""):
            return None
        try:
            number = float(str(raw).strip().replace(",", "")) if not isinstance(raw, int | float) else float(raw)
        except ValueError as exc:
            raise AnswerError("Enter a number, like 3 or 12.5") from exc
        if not math.isfinite(number) or isinstance(raw, bool):
            raise AnswerError("Enter a number, like 3 or 12.5")
        if question.min_value is not None and number < question.min_value:
            raise AnswerError(f"Enter a number of {_fmt(question.min_value)} or more")
        if question.max_value is not None and number > question.max_value:
            raise AnswerError(f"Enter a number of {_fmt(question.max_value)} or less")
        return int(number) if number.is_integer() else number

    def to_cell(self, question, value):
        return value

    def make_field(self, question, label, description):
        return DecimalField(label, description=description, validators=[Optional()])


class DateType(QuestionType):
    """A calendar date (stored as ISO ``YYYY-MM-DD``)."""

    code, label = "date", "Date"

    def clean(self, question, raw):
        if raw in (None, ""):
            return None
        if isinstance(raw, dt.datetime):
            return raw.date().isoformat()
        if isinstance(raw, dt.date):
            return raw.isoformat()
        text = str(raw).strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y"):
            try:
                return dt.datetime.strptime(text, fmt).date().isoformat()
            except ValueError:
                continue
        raise AnswerError("Enter a real date, like 27/3/2026")

    def display(self, question, value):
        return dt.date.fromisoformat(value).strftime("%-d %B %Y") if value else ""

    def to_cell(self, question, value):
        return dt.date.fromisoformat(value) if value else None

    def make_field(self, question, label, description):
        return DateField(label, description=description, validators=[Optional()])


class ShortTextType(QuestionType):
    """A line of text."""

    code, label, max_length = "short_text", "Short text", SHORT_TEXT_MAX

    def clean(self, question, raw):
        if raw is None:
            return None
        text = str(raw).strip()
        if len(text) > self.max_length:
            raise AnswerError(f"Answer must be {self.max_length} characters or fewer")
        return text or None

    def make_field(self, question, label, description):
        return StringField(label, description=description, validators=[Optional(), Length(max=self.max_length)])


class LongTextType(ShortTextType):
    """A narrative or evidence answer."""

    code, label, max_length = "long_text", "Long text (narrative or evidence)", LONG_TEXT_MAX

    def make_field(self, question, label, description):
        return TextAreaField(label, description=description, validators=[Optional(), Length(max=self.max_length)])


def _fmt(number):
    return str(int(number)) if float(number).is_integer() else str(number)


def _choices(pairs):
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(value, label) for value, label in pairs]


#: code -> type, in the order designers see them.
QUESTION_TYPES = {
    t.code: t
    for t in (
        ScaleType(), YesNoPartlyType(), RagType(), SingleChoiceType(), MultipleChoiceType(), NumberType(), DateType(),
        ShortTextType(), LongTextType(),
    )
}  # fmt: skip


def get_type(code):
    """The registered type for ``code``. :raises KeyError: unknown type."""
    return QUESTION_TYPES[code]

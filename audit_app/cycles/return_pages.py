"""The pages of a return: one per section, then the sign-off block, then check your answers; and turning a
bound return form into the plain values the operations take (no request access here)."""

import datetime as dt
import decimal
from dataclasses import dataclass

from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from audit_app.cycles.operations import SIGN_OFF_FIELDS, answers_by_code
from audit_app.tools.return_form import answer_data, make_return_form

SIGN_OFF_PAGE = "sign-off"


@dataclass(frozen=True)
class Page:
    """One page of a return."""

    key: str
    title: str


def pages(form_class):
    """The pages of a return form class: each section that has something to ask, then sign-off if required."""
    result = [Page(s.code, s.title) for s in form_class.return_sections if s.questions or s.extras]
    if form_class.has_sign_off:
        result.append(Page(SIGN_OFF_PAGE, "Sign-off"))
    return result


def form_class_for(assignment):
    """The return form class for this assignment's tool version and agency kind, with a comment box per question."""
    base = make_return_form(assignment.cycle.template_version, agency_kind=assignment.agency.kind)
    comments = {
        f"{item.code}__comment": TextAreaField(
            "Comment or evidence (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=20000)]
        )
        for section in base.return_sections
        for item in section.questions
    }
    return type("ReturnForm", (base,), comments)


def saved_data(assignment):
    """What is saved, as form data: answers, comments, section extras and the sign-off block."""
    version = assignment.cycle.template_version
    data = answer_data(version, answers_by_code(assignment))
    for answer in assignment.answers:
        data[f"{answer.question.code}__comment"] = answer.comment
    for response in assignment.section_responses:
        data[f"{response.section_code}__good_practice"] = response.good_practice
        data[f"{response.section_code}__areas_for_development"] = response.areas_for_development
        data[f"{response.section_code}__grade"] = response.grade
    for key, value in (assignment.sign_off or {}).items():
        data[key] = dt.date.fromisoformat(value) if key == "sign_off_date" and value else value
    return data


def plain_value(value):
    """A form field's data as the plain JSON value the operations take (decimals, dates, empty strings)."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if value == "" or value == []:
        return None
    return value


def values_from_form(form, page_key):
    """The answers, section extras and sign-off values posted on one page, as plain values for ``save_answers``.

    :return: ``(answers, sections, sign_off)``; every question on the page is included (an emptied answer is
        None), so that clearing an answer clears it.
    """
    if page_key == SIGN_OFF_PAGE:
        return {}, {}, {k: plain_value(form[k].data) for k in SIGN_OFF_FIELDS}
    section = next((s for s in form.return_sections if s.code == page_key), None)
    if section is None:
        return {}, {}, None
    answers = {}
    for item in section.questions:
        comment_field = form._fields.get(f"{item.code}__comment")
        answers[item.code] = {"value": plain_value(form[item.code].data),
                              "comment": comment_field.data if comment_field is not None else None}  # fmt: skip
    extras = {}
    for name in section.extras:
        extras[name.split("__", 1)[1]] = plain_value(form[name].data)
    return answers, ({section.code: extras} if extras else {}), None


def previous_display(previous_answers):
    """Last cycle's answers as text for people: question code -> text (empty answers left out)."""
    from audit_app.tools.question_types import QUESTION_TYPES

    shown = {}
    for code, answer in previous_answers.items():
        text = QUESTION_TYPES[answer.question.type].display(answer.question, answer.value)
        if text:
            shown[code] = text
    return shown


def summary(assignment, form_class):
    """The return for check-your-answers: per page, rows of question, answer as text, comment, and missing flag.

    :return: a list of ``{"page": Page, "rows": [...], "extras": [...]}``.
    """
    from audit_app.tools.conditions import visible_questions
    from audit_app.tools.question_types import QUESTION_TYPES

    saved = {a.question.code: a for a in assignment.answers}
    values = {code: a.value for code, a in saved.items()}
    shown = {q.code for q in visible_questions(assignment.cycle.template_version, assignment.agency.kind, values)}
    responses = {r.section_code: r for r in assignment.section_responses}
    result = []
    for section in form_class.return_sections:
        rows = []
        for item in section.questions:
            if item.code not in shown:
                continue
            answer = saved.get(item.code)
            text = QUESTION_TYPES[item.question.type].display(item.question, answer.value) if answer else ""
            rows.append({"code": item.code, "label": item.question.text, "answer": text,
                         "comment": answer.comment if answer else None,
                         "missing": item.question.is_required and not text})  # fmt: skip
        extras = _extras_summary(section, responses.get(section.code), form_class)
        if rows or extras:
            result.append({"page": Page(section.code, section.title), "rows": rows, "extras": extras})
    return result


def _extras_summary(section, response, form_class):
    labels = {"good_practice": "Good practice seen", "areas_for_development": "Areas for development",
              "grade": "Section grade"}  # fmt: skip
    rows = []
    for name in section.extras:
        key = name.split("__", 1)[1]
        value = getattr(response, key, None) if response else None
        if key == "grade" and value:
            field = getattr(form_class, name)
            value = {c.value: c.label for c in field.kwargs["choices"]}.get(value, value)
        rows.append({"label": labels[key], "answer": value or ""})
    return rows

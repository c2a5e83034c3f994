"""Offline returns: a return downloaded as an .xlsx workbook prefilled with what is saved, filled in Excel, and
uploaded back. An upload is checked whole (every problem with its sheet, row and column) and saved through
``save_answers`` with the version the workbook was downloaded at, so a workbook made stale by a save in the browser
is refused rather than silently overwriting it."""

import datetime as dt
import io
from dataclasses import dataclass, field

from flask import current_app
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from audit_app.core.errors import InvalidTransition, ValidationError
from audit_app.core.models.base import utcnow
from audit_app.cycles.operations import SIGN_OFF_FIELDS, save_answers
from audit_app.cycles.queries import load_return_content
from audit_app.tools.conditions import applies_to
from audit_app.tools.question_types import LONG_TEXT_MAX, QUESTION_TYPES, SHORT_TEXT_MAX, AnswerError
from audit_app.tools.return_form import describe_condition
from audit_app.util.spreadsheets import (
    FORMULA_TRIGGERS,
    CellProblem,
    WorkbookInvalid,
    check_xlsx,
    neutralise,
    open_workbook,
    read_table,
)

FORMAT = "assure-return/1"
README, ANSWERS, SECTIONS, SIGN_OFF, META, LISTS = "Read me", "Answers", "Sections", "Sign-off", "_meta", "_lists"
#: (heading, width); import finds columns by heading, so only "Code", "Answer" and "Comment" must stay.
ANSWER_COLUMNS = [("Section", 24), ("Code", 14), ("Question", 60), ("Guidance", 60), ("Type", 18),
                  ("Allowed answers", 40), ("When to answer", 30), ("Answer", 40), ("Comment", 50)]  # fmt: skip
SECTION_COLUMNS = [("Section code", 16), ("Section", 36), ("Good practice", 60), ("Areas for development", 60),
                   ("Grade", 26), ("Allowed grades", 40)]  # fmt: skip
SIGN_OFF_LABELS = {"completed_by": "Completed by", "role": "Role", "senior_sign_off": "Senior sign-off",
                   "sign_off_date": "Date signed off"}  # fmt: skip
HEADING = PatternFill("solid", start_color="DDE3EA")
INPUT = PatternFill("solid", start_color="FFF7CC")
NOT_ASKED = PatternFill("solid", start_color="EEEEEE")
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "dd/mm/yyyy"
ALLOWED = {
    "number": "A number",
    "date": "A date, like 27/03/2026",
    "short_text": f"Text, up to {SHORT_TEXT_MAX:,} characters",
    "long_text": f"Text, up to {LONG_TEXT_MAX:,} characters",
}


# --- Export --------------------------------------------------------------------------------------------------------
def export_return(assignment):
    """The return as an .xlsx workbook prefilled with its saved answers, section responses and sign-off.

    :param assignment: the ``Assignment``.
    :return: the workbook's bytes.
    """
    version = load_return_content(assignment)
    book = Workbook()
    _write_readme(book.active, assignment, version)
    lists = _Lists(book.create_sheet(LISTS))
    _write_answers(book.create_sheet(ANSWERS, 1), assignment, version, lists)
    if _asked_sections(version):
        _write_sections(book.create_sheet(SECTIONS, 2), assignment, version, lists)
    if version.has_sign_off:
        _write_sign_off(book.create_sheet(SIGN_OFF), assignment)
    _write_meta(book.create_sheet(META), assignment)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def workbook_questions(assignment, version=None):
    """The questions a workbook for this return lists: those asked of the agency's kind, conditional ones included
    (unless their condition depends on a question the agency is never asked)."""
    version = version or assignment.cycle.template_version
    shown = {}
    for question in version.ordered_questions():
        condition = question.show_if
        if applies_to(question, assignment.agency.kind) and (not condition or condition["question"] in shown):
            shown[question.code] = question
    return list(shown.values())


def _asked_sections(version):
    return [s for s in version.sections if s.ask_good_practice or s.ask_areas_for_development or s.grade_scale]


def _put(sheet, row, column, value, *, style=None, editable=False):
    """Write one cell, neutralised; ``editable`` cells are unlocked and tinted so people see where to type."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters cannot be stored in the file
    cell = sheet.cell(row=row, column=column, value=neutralise(value))
    cell.alignment = WRAP
    if style is not None:
        cell.fill = style
    if editable:
        cell.protection = Protection(locked=False)
        cell.fill = INPUT
    return cell


def _headings(sheet, columns):
    for i, (title, width) in enumerate(columns, start=1):
        _put(sheet, 1, i, title, style=HEADING).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "C2"


def _protect(sheet):
    """Lock the sheet's structure (codes, questions) but leave the answer cells and column widths free."""
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = protection.formatRows = protection.formatCells = False


class _Lists:
    """A hidden sheet holding the allowed answers, one list per column, for drop-downs (labels may hold commas)."""

    def __init__(self, sheet):
        self.sheet, self.refs, self.validations = sheet, {}, {}
        sheet.sheet_state = "hidden"

    def validation(self, target, key, labels):
        """A drop-down validation of ``target`` (a sheet) for ``labels``, shared by the cells with the same list."""
        if key not in self.refs:
            column = get_column_letter(len(self.refs) + 1)
            for row, label in enumerate(labels, start=1):
                self.sheet.cell(row=row, column=len(self.refs) + 1, value=neutralise(label))
            self.refs[key] = f"'{LISTS}'!${column}$1:${column}${max(len(labels), 1)}"
        if (target.title, key) not in self.validations:
            rule = DataValidation(type="list", formula1=self.refs[key], allow_blank=True, showErrorMessage=True,
                                  errorTitle="Not allowed", error="Choose an answer from the list.")  # fmt: skip
            target.add_data_validation(rule)
            self.validations[target.title, key] = rule
        return self.validations[target.title, key]


def _choices(question):
    """The labels a scale or choice question allows, or None for other types."""
    if question.scale is not None:
        return [level.label for level in question.scale.levels]
    if question.options:
        return [o["label"] for o in question.options]
    return None


def _allowed(question):
    labels = _choices(question)
    if labels is not None:
        return "; ".join(labels)
    text = ALLOWED.get(question.type, "")
    low, high = question.min_value, question.max_value
    if question.type == "number" and (low is not None or high is not None):
        bounds = [f"from {low:g}" if low is not None else "", f"to {high:g}" if high is not None else ""]
        text = f"{text} {' '.join(b for b in bounds if b)}"
    return text


def _when(question, by_code):
    if question.show_if:
        condition = describe_condition(question.show_if, by_code.get(question.show_if["question"]), prefix="")
        return f"Only if {condition}" + (" (then required)" if question.is_required else "")
    return "Required" if question.is_required else "Optional"


def _write_answers(sheet, assignment, version, lists):
    _headings(sheet, ANSWER_COLUMNS)
    answers = {a.question.code: a for a in assignment.answers}
    by_code = {q.code: q for q in version.ordered_questions()}
    for row, question in enumerate(workbook_questions(assignment, version), start=2):
        qtype = QUESTION_TYPES[question.type]
        answer = answers.get(question.code)
        fixed = (question.section.title, question.code, question.text, question.guidance, qtype.label,
                 _allowed(question), _when(question, by_code))  # fmt: skip
        for column, value in enumerate(fixed, start=1):
            _put(sheet, row, column, value)
        value = qtype.to_cell(question, answer.value) if answer is not None and answer.value is not None else None
        cell = _put(sheet, row, 8, value, editable=True)
        _put(sheet, row, 9, answer.comment if answer is not None else None, editable=True)
        _validate_answer(sheet, cell, question, lists)
    _protect(sheet)


def _validate_answer(sheet, cell, question, lists):
    labels = _choices(question)
    if labels is not None and question.type != "multiple_choice":
        key = f"scale:{question.scale.id}" if question.scale is not None else f"question:{question.id}"
        lists.validation(sheet, key, labels).add(cell.coordinate)
    elif question.type == "date":
        cell.number_format = DATE_FORMAT
    elif question.type == "number" and (question.min_value is not None or question.max_value is not None):
        low, high = question.min_value, question.max_value
        if low is not None and high is not None:
            bounds = {"operator": "between", "formula1": f"{low:g}", "formula2": f"{high:g}"}
        elif low is not None:
            bounds = {"operator": "greaterThanOrEqual", "formula1": f"{low:g}"}
        else:
            bounds = {"operator": "lessThanOrEqual", "formula1": f"{high:g}"}
        rule = DataValidation(type="decimal", allow_blank=True, showErrorMessage=True, errorTitle="Out of range",
                              error=f"Enter {_allowed(question).lower()}.", **bounds)  # fmt: skip
        sheet.add_data_validation(rule)
        rule.add(cell.coordinate)


def _write_sections(sheet, assignment, version, lists):
    _headings(sheet, SECTION_COLUMNS)
    responses = {r.section_code: r for r in assignment.section_responses}
    for row, section in enumerate(_asked_sections(version), start=2):
        response = responses.get(section.code)
        _put(sheet, row, 1, section.code)
        _put(sheet, row, 2, section.title)
        for column, asked, name in ((3, section.ask_good_practice, "good_practice"),
                                    (4, section.ask_areas_for_development, "areas_for_development")):  # fmt: skip
            value = getattr(response, name) if response is not None and asked else None
            _put(sheet, row, column, value, editable=asked, style=None if asked else NOT_ASKED)
        scale = section.grade_scale
        if scale is None:
            _put(sheet, row, 5, None, style=NOT_ASKED)
            continue
        level = scale.level(response.grade) if response is not None and response.grade else None
        cell = _put(sheet, row, 5, level.label if level is not None else None, editable=True)
        labels = [lv.label for lv in scale.levels]
        _put(sheet, row, 6, "; ".join(labels))
        lists.validation(sheet, f"scale:{scale.id}", labels).add(cell.coordinate)
    _protect(sheet)


def _write_sign_off(sheet, assignment):
    _headings(sheet, [("Field", 20), ("Key", 18), ("Value", 50)])
    sheet.freeze_panes = "A2"
    block = assignment.sign_off or {}
    for row, key in enumerate(SIGN_OFF_FIELDS, start=2):
        _put(sheet, row, 1, SIGN_OFF_LABELS[key])
        _put(sheet, row, 2, key)
        value = block.get(key)
        if key == "sign_off_date" and value:
            value = dt.date.fromisoformat(value)
        _put(sheet, row, 3, value, editable=True).number_format = DATE_FORMAT if key == "sign_off_date" else "General"
    _protect(sheet)


def _write_meta(sheet, assignment):
    rows = [("format", FORMAT), ("assignment_id", assignment.id), ("version", assignment.version),
            ("template_version_id", assignment.cycle.template_version_id),
            ("downloaded_at", utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"))]  # fmt: skip
    for row, (key, value) in enumerate(rows, start=1):
        _put(sheet, row, 1, key)
        _put(sheet, row, 2, value)
    sheet.sheet_state = "hidden"


def _write_readme(sheet, assignment, version):
    sheet.title = README
    sheet.column_dimensions["A"].width = 120
    cycle = assignment.cycle
    lines = [
        (f"{version.name}: offline return", True),
        (f"Return: {assignment.label}. Cycle: {cycle.title}. Due: {cycle.due_on:%-d %B %Y}.", False),
        (f"Downloaded at version {assignment.version} of the return on {utcnow():%-d %B %Y at %H:%M} (UTC).", False),
        ("", False),
        ("How to fill it in", True),
        ("1. On the 'Answers' sheet there is one row per question. Type or choose your answer in the Answer column "
         "(yellow cells) and add a comment or evidence note in the Comment column.", False),
        ("2. 'When to answer' says whether an answer is required. A question marked 'Only if ...' needs an answer only "
         "when that holds; otherwise leave it blank (answers to questions that do not apply are not kept).", False),
        ("3. Where the tool asks for them, fill in good practice, areas for development and the section grade on the "
         "'Sections' sheet, and the sign-off on the 'Sign-off' sheet.", False),
        ("4. A blank answer clears any answer saved before: this workbook replaces the saved draft when uploaded.",
         False),
        ("5. Save the file as an Excel workbook (.xlsx) and upload it on the return's page. Everything is checked "
         "first: if anything is wrong you get a list of each problem by sheet, row and column, and nothing changes.",
         False),
        ("6. If someone saves this return in the browser after you downloaded this workbook, the upload is refused "
         "so that their work is not lost: download a fresh copy and copy your answers across.", False),
        ("", False),
        ("Allowed answers", True),
        ("Grades, yes/partly/no, red/amber/green and single choice: exactly one of the answers listed in 'Allowed "
         "answers' (the drop-down offers them; capitals do not matter).", False),
        ("Multiple choice: one or more of the listed answers, separated by semicolons (;).", False),
        ("Number: a number, within the range shown. Date: a date, like 27/03/2026.", False),
        (f"Short text: up to {SHORT_TEXT_MAX:,} characters. Long text and comments: up to {LONG_TEXT_MAX:,}.", False),
        ("", False),
        ("Do not change the structure", True),
        ("Do not change the codes, add, move or delete rows or sheets, or rename the columns. The workbook is "
         "matched to this return by a hidden sheet; a workbook for another return is refused.", False),
        ("", False),
        ("No identifying data", True),
        ("Do not write names, dates of birth, addresses, NHS numbers or other identifying details of the child or "
         "family anywhere in this workbook: refer to people by role (child, mother, stepfather, sibling aged 9). Keep "
         "the file on your agency's secure systems and delete it once it is uploaded.", False),
        ("", False),
        ("Guidance from the audit tool", True),
        (version.guidance or "", False),
    ]  # fmt: skip
    for row, (text, bold) in enumerate(lines, start=1):
        _put(sheet, row, 1, text or None).font = Font(bold=bold, size=14 if row == 1 else 11)


# --- Import --------------------------------------------------------------------------------------------------------
@dataclass
class _Upload:
    """What a workbook says, the problems found in it, and where each answer came from (for later messages)."""

    answers: dict = field(default_factory=dict)
    sections: dict = field(default_factory=dict)
    sign_off: dict | None = None
    version: int | None = None
    problems: list = field(default_factory=list)
    places: dict = field(default_factory=dict)

    def problem(self, sheet, row, column, message):
        self.problems.append(CellProblem(sheet, row, column, message))

    def locate(self, details):
        """Problems for a ``ValidationError``'s details (keyed by question code, ``SECTION__grade``, field)."""
        return [CellProblem(*self.places.get(key, (ANSWERS, None, None)), str(message))
                for key, message in details.items()]  # fmt: skip


def import_return(assignment, data, *, filename, user):
    """Check and apply an uploaded offline return: every answer, section response and the sign-off.

    :param data: the uploaded bytes; ``filename`` the name the browser gave.
    :return: the assignment, saved (not committed).
    :raises UploadRejected: not a safe, readable .xlsx.
    :raises WorkbookInvalid: every problem, located by sheet, row and column; nothing is changed.
    :raises ConflictError: the return was saved after this workbook was downloaded; nothing is changed.
    :raises InvalidTransition: the return cannot be edited (submitted, or the cycle is not open).
    """
    if not assignment.cycle.is_open:
        raise InvalidTransition("This cycle is not open, so its returns cannot be changed.")
    if not assignment.is_editable:
        raise InvalidTransition(f"This return is {assignment.status.label.lower()} and cannot be changed.")
    config = current_app.config
    check_xlsx(data, max_bytes=config["UPLOAD_MAX_BYTES"], max_unpacked_bytes=config["UPLOAD_MAX_UNPACKED_BYTES"],
               max_entries=config["UPLOAD_MAX_ZIP_ENTRIES"], filename=filename)  # fmt: skip
    version = load_return_content(assignment)
    book = open_workbook(data)
    try:
        upload = _read(book, assignment, version, config["UPLOAD_MAX_ROWS"])
    finally:
        book.close()
    if upload.problems:
        raise WorkbookInvalid(upload.problems)
    try:
        save_answers(assignment, upload.answers, user=user, expected_version=upload.version,
                     sections=upload.sections or None, sign_off=upload.sign_off, partial=False)  # fmt: skip
    except ValidationError as exc:
        raise WorkbookInvalid(upload.locate(exc.details)) from exc
    return assignment


def _read(book, assignment, version, max_rows):
    upload = _Upload()
    _read_meta(_sheet(book, META, upload), assignment, upload)
    _read_answers(_sheet(book, ANSWERS, upload), workbook_questions(assignment, version), upload, max_rows)
    if _asked_sections(version):
        _read_sections(_sheet(book, SECTIONS, upload), version, upload, max_rows)
    if version.has_sign_off:
        _read_sign_off(_sheet(book, SIGN_OFF, upload), upload)
    return upload


def _sheet(book, name, upload):
    if name in book.sheetnames:
        return book[name]
    if name == META:
        upload.problem(META, None, None, "This is not a return workbook downloaded from Assure (its hidden sheet "
                       "'_meta' is missing): download the workbook from the return's page.")  # fmt: skip
    else:
        upload.problem(name, None, None, f"The sheet '{name}' is missing: do not delete or rename sheets")
    return None


def _read_meta(sheet, assignment, upload):
    if sheet is None:
        return
    values = {}
    for row, cells in enumerate(sheet.iter_rows(min_row=1, max_row=20, max_col=2, values_only=True), start=1):
        if cells and cells[0] is not None:
            values[str(cells[0]).strip()] = (row, cells[1] if len(cells) > 1 else None)
    fmt_row, fmt = values.get("format", (1, None))
    if fmt != FORMAT:
        upload.problem(META, fmt_row, "B", "This is not a return workbook downloaded from Assure")
        return
    id_row, found = values.get("assignment_id", (2, None))
    if _integer(found) != assignment.id:
        upload.problem(META, id_row, "B", f"This workbook is for another return (number {found}), not this one "
                       f"(number {assignment.id}). Download the workbook from this return's page.")  # fmt: skip
    version_row, version = values.get("version", (3, None))
    upload.version = _integer(version)
    if upload.version is None:
        upload.problem(META, version_row, "B", "The version of the return is missing: download the workbook again")


def _integer(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def _read_answers(sheet, questions, upload, max_rows):
    if sheet is None:
        return
    rows, problems, letters = read_table(sheet, required_columns=("code", "answer", "comment"), max_rows=max_rows)
    upload.problems.extend(problems)
    by_code, seen = {q.code: q for q in questions}, {}
    for number, record in rows:
        code = str(record["code"] or "").strip().upper()
        question = by_code.get(code)
        if question is None:
            message = f"Unknown question code '{code}'" if code else "This row has no question code"
            upload.problem(ANSWERS, number, letters["code"], f"{message}: do not change the codes")
            continue
        if code in seen:
            upload.problem(ANSWERS, number, letters["code"], f"Question {code} is listed twice (also row {seen[code]})")
            continue
        seen[code] = number
        upload.places[code] = (ANSWERS, number, letters["answer"])
        try:
            value = QUESTION_TYPES[question.type].clean(question, _from_cell(record["answer"], question.type))
        except AnswerError as exc:
            upload.problem(ANSWERS, number, letters["answer"], f"{code}: {exc}")
            value = None
        comment = _text(record["comment"])
        if comment is not None and len(comment) > LONG_TEXT_MAX:
            upload.problem(ANSWERS, number, letters["comment"], f"{code}: the comment must be {LONG_TEXT_MAX:,} "
                           "characters or fewer")  # fmt: skip
        if value is not None or comment is not None:  # a blank row: the saved answer, if any, is removed
            upload.answers[code] = {"value": value, "comment": comment}
    if not problems:
        for question in questions:
            if question.code not in seen:
                upload.problem(ANSWERS, None, None, f"The row for question {question.code} is missing: do not delete "
                               "rows (download the workbook again if you did)")  # fmt: skip


def _from_cell(value, type_code):
    """A cell's value as the question types expect it: formula-neutralising quotes removed, whole numbers as
    integers, and dates as ISO text where the question is not a date question."""
    if isinstance(value, str):
        return _unneutralise(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime) and type_code != "date":
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return value


def _unneutralise(text):
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text


def _text(value):
    value = _from_cell(value, "short_text")
    return None if value in (None, "") else str(value).strip() or None


def _read_sections(sheet, version, upload, max_rows):
    if sheet is None:
        return
    columns = ("good practice", "areas for development", "grade")
    rows, problems, letters = read_table(sheet, required_columns=("section code", *columns), max_rows=max_rows)
    upload.problems.extend(problems)
    by_code = {s.code: s for s in _asked_sections(version)}
    for number, record in rows:
        code = str(record["section code"] or "").strip().upper()
        section = by_code.get(code)
        if section is None:
            upload.problem(SECTIONS, number, letters["section code"],
                           f"Unknown section code '{code}': do not change the codes")  # fmt: skip
            continue
        upload.places[f"{code}__grade"] = (SECTIONS, number, letters["grade"])
        values = {"good_practice": _text(record["good practice"]),
                  "areas_for_development": _text(record["areas for development"]), "grade": None}  # fmt: skip
        for key, heading in (("good_practice", "good practice"), ("areas_for_development", "areas for development")):
            if values[key] is not None and len(values[key]) > LONG_TEXT_MAX:
                upload.problem(SECTIONS, number, letters[heading], f"Must be {LONG_TEXT_MAX:,} characters or fewer")
        grade = _text(record["grade"])
        if grade is not None and section.grade_scale is not None:
            level = next((lv for lv in section.grade_scale.levels
                          if grade.lower() in (lv.value.lower(), lv.label.lower())), None)  # fmt: skip
            if level is None:
                labels = ", ".join(lv.label for lv in section.grade_scale.levels)
                upload.problem(SECTIONS, number, letters["grade"], f"Choose one of: {labels}")
            values["grade"] = level.value if level is not None else None
        upload.sections[code] = values


def _read_sign_off(sheet, upload):
    if sheet is None:
        return
    rows, problems, letters = read_table(sheet, required_columns=("key", "value"), max_rows=20)
    upload.problems.extend(problems)
    upload.sign_off = dict.fromkeys(SIGN_OFF_FIELDS)
    for number, record in rows:
        key = str(record["key"] or "").strip()
        if key not in upload.sign_off:
            upload.problem(SIGN_OFF, number, letters["key"], f"Unknown field '{key}': do not change the keys")
            continue
        upload.places[key] = (SIGN_OFF, number, letters["value"])
        try:
            value = (QUESTION_TYPES["date"].clean(None, _from_cell(record["value"], "date")) if key == "sign_off_date"
                     else QUESTION_TYPES["short_text"].clean(None, _text(record["value"])))  # fmt: skip
        except AnswerError as exc:
            upload.problem(SIGN_OFF, number, letters["value"], str(exc))
            continue
        upload.sign_off[key] = value

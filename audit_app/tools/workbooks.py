"""The template workbook: a version exported to .xlsx, and an edited workbook imported as a new template or a new
draft version. The format is documented in docs/template-workbook.md. Import reports every problem at once with
its sheet, row and column, and writes nothing unless the whole workbook is valid."""

import datetime as dt
import io
import re

from flask import current_app
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from audit_app.agencies.models.agencies import AGENCY_KIND_LABELS, AgencyKind
from audit_app.core.errors import ValidationError
from audit_app.extensions import db
from audit_app.thematic.queries import query_themes, theme_codes
from audit_app.tools.definitions import normalise, validate, version_to_definition
from audit_app.tools.library import library_scales, with_library_scales
from audit_app.tools.models.templates import Template
from audit_app.tools.operations import DefinitionInvalid, create_template, create_version
from audit_app.tools.queries import load_version_content
from audit_app.tools.question_types import FIXED_SCALES, QUESTION_TYPES
from audit_app.util.spreadsheets import (
    FORMULA_TRIGGERS,
    CellProblem,
    UploadRejected,
    WorkbookInvalid,
    check_xlsx,
    neutralise,
    open_workbook,
    read_table,
)

TEMPLATE_FIELDS = ("code", "name", "kind", "description", "guidance", "sign_off", "themes")
REQUIRED_TEMPLATE_FIELDS = ("code", "name", "kind")
#: sheet -> [(column, width, required, what it holds)], in the order export writes them.
COLUMNS = {
    "Template": [("field", 16, True, "The name of a template field (one row each, as listed above)"),
                 ("value", 100, True, "Its value")],
    "Sections": [
        ("code", 18, True, "Section code: capital letters, digits and underscores, starting with a letter; unique"),
        ("title", 40, True, "Heading auditors see (at most 200 characters)"),
        ("description", 60, False, "Shown at the top of the section"),
        ("good_practice", 14, False, "yes to ask for good practice seen (free text); blank means no"),
        ("areas_for_development", 14, False, "yes to ask for areas for development (free text); blank means no"),
        ("grade_scale", 14, False, "A scale code to ask for a grade for the whole section; blank for no grade"),
    ],
    "Questions": [
        ("section", 16, True, "The code of the section the question is in (from the Sections sheet)"),
        ("code", 16, True, "Question code, unique in the template; keep it across versions so results compare"),
        ("text", 60, True, "The question as auditors read it"),
        ("guidance", 60, False, "Shown beside the question: what to look for, what good looks like"),
        ("type", 16, True, "A question type code (see below)"),
        ("scale", 12, False, "For type scale: a scale code. yes_no_partly and rag use YPNA and RAG (may be blank)"),
        ("required", 10, False, "yes (the default when blank) or no"),
        ("themes", 16, False, "Theme codes, separated by commas (see below)"),
        ("show_if_question", 16, False, "Show the question only when an EARLIER question's answer ..."),
        ("show_if_op", 12, False, "... equals, is one_of or is answered (see below)"),
        ("show_if_value", 18, False, "... this level or option value (several separated by commas for one_of)"),
        ("agency_kinds", 18, False, "Only agencies of these kinds see it, separated by commas; blank for every agency"),
        ("min", 8, False, "For number questions: the lowest allowed answer (blank for none)"),
        ("max", 8, False, "For number questions: the highest allowed answer, greater than min (blank for none)"),
    ],
    "Options": [
        ("question", 16, True, "The code of a single_choice or multiple_choice question"),
        ("value", 18, True, "Stable key stored in answers: lower-case letters, digits and underscores"),
        ("label", 60, True, "What auditors see"),
    ],
    "Scales": [
        ("scale", 12, True, "Scale code (one row per level; the rows of a scale are read in order, best first)"),
        ("name", 30, True, "The scale's name (enough on its first row)"),
        ("description", 40, False, "What the scale is for (enough on its first row)"),
        ("value", 18, True, "Level value stored in answers: lower-case letters, digits and underscores"),
        ("label", 24, True, "Level label auditors see (at most 120 characters)"),
        ("score", 8, True, "A number, higher is better; blank only for a level that is not scored"),
        ("colour", 10, False, "Colour for charts, like #00703c"),
        ("scored", 8, False, "yes (the default when blank), or no for levels such as Not applicable"),
        ("level_description", 60, False, "What this level means (grading descriptor)"),
    ],
}  # fmt: skip
TEMPLATE_HELP = {
    "code": "Template code: capital letters, digits and underscores, starting with a letter. Keep it to add a "
    "version of the same template; change it to create a new template",
    "name": "Name of the tool as auditors see it (at most 200 characters)",
    "kind": "case_audit (answered per case and agency) or self_assessment (answered once per agency)",
    "description": "Purpose, who completes it and the scope, shown at the top of every return",
    "guidance": "Instructions to the agency auditor",
    "sign_off": "yes to end every return with a sign-off block; blank means no",
    "themes": "Theme codes of the template as a whole, separated by commas",
}
READ_ME_INTRO = (
    ("How to use", "Edit the sheets, then import the workbook: keep the template code to add a new draft version of "
     "the same template, or change it to create a new template. Headings are in row 1; rows are read top to bottom "
     "and blank rows are ignored. Every problem is listed with its sheet, row and column, and nothing is saved until "
     "all are fixed. This Read me sheet is not read."),
    ("Formulas", "Formulas are never calculated: type values. A cell holding a formula is read as the value Excel "
     "last saved for it, or as empty if there is none. A text starting with =, +, - or @ is written with a leading "
     "apostrophe so that spreadsheet programs do not run it; import removes that one apostrophe."),
)  # fmt: skip
SHEETS = tuple(COLUMNS)
REQUIRED_SHEETS = ("Template", "Sections", "Questions")
#: Row limits beyond UPLOAD_MAX_ROWS: templates may have up to this many questions (validation caps them lower).
MAX_QUESTION_ROWS = 5000
OPTION_ROWS_PER_QUESTION_ROW = 4
#: A leading apostrophe added by export (``neutralise``) before a formula trigger; import removes exactly one.
_QUOTED = re.compile("^'+[" + re.escape("".join(FORMULA_TRIGGERS)) + "]")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}
# Definition field -> workbook column, where the names differ.
_SECTION_COLUMNS = {"ask_good_practice": "good_practice", "ask_areas_for_development": "areas_for_development"}
_SCALE_COLUMNS = {"code": "scale", "levels": "scale"}
_LEVEL_COLUMNS = {"is_scored": "scored", "description": "level_description"}


# --- Export ---------------------------------------------------------------------------------------------------------
def export_version(version):
    """The version as a template workbook (the format import reads back to the same definition).

    :param version: a ``TemplateVersion``.
    :return: the .xlsx file's bytes.
    """
    version = load_version_content(version.id) or version
    d = version_to_definition(version)
    workbook = Workbook(write_only=True)
    _write_read_me(workbook, version)
    _write_table(workbook, "Template", [(f, _template_value(d, f)) for f in TEMPLATE_FIELDS], ("Field", "Value"))
    _write_table(workbook, "Sections", [
        (s["code"], s["title"], s["description"], s["ask_good_practice"], s["ask_areas_for_development"],
         s["grade_scale"]) for s in d["sections"]
    ])  # fmt: skip
    questions = [(s["code"], q) for s in d["sections"] for q in s["questions"]]
    _write_table(workbook, "Questions", [_question_row(code, q) for code, q in questions])
    _write_table(workbook, "Options", [
        (q["code"], o["value"], o["label"]) for _, q in questions for o in q["options"] or []
    ])  # fmt: skip
    _write_table(workbook, "Scales", [
        (s["code"], s["name"] if i == 0 else None, s["description"] if i == 0 else None, lv["value"], lv["label"],
         lv["score"], lv["colour"], lv["is_scored"], lv["description"])
        for s in d["scales"] for i, lv in enumerate(s["levels"])
    ])  # fmt: skip
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _template_value(d, name):
    value = d[name]
    return ", ".join(value) if isinstance(value, list) else value


def _question_row(section_code, q):
    cond = q["show_if"] or {}
    value = cond.get("value")
    return (
        section_code, q["code"], q["text"], q["guidance"], q["type"], q["scale"], q["required"],
        ", ".join(q["themes"]), cond.get("question"), cond.get("op"),
        ", ".join(value) if isinstance(value, list) else value, ", ".join(q["agency_kinds"] or []), q["min"], q["max"],
    )  # fmt: skip


def export_text(value):
    """A string as written to a cell: illegal XML characters dropped, and a leading apostrophe added before a
    formula trigger (``neutralise``), or before apostrophes already followed by one, so that import can remove
    exactly one apostrophe and get the text back."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if _QUOTED.match(value) else neutralise(value)


def _cell_value(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return export_text(value) or None
    return value


def _write_table(workbook, name, rows, headings=None):
    sheet = workbook.create_sheet(name)
    columns = COLUMNS[name]
    for index, (_, width, _, _) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    _state_size(sheet, len(rows) + 1, len(columns))
    sheet.append([_bold(sheet, heading) for heading in headings or [c[0] for c in columns]])
    for row in rows:
        sheet.append([_cell_value(v) for v in row])


def _state_size(sheet, rows, columns):
    """Write the sheet's size in its <dimension> element, which openpyxl's write-only sheets leave out: without it,
    readers (openpyxl included) parse the whole sheet once just to size it."""
    sheet.calculate_dimension = lambda: f"A1:{get_column_letter(columns)}{max(rows, 1)}"


def _bold(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _write_read_me(workbook, version):
    sheet = workbook.create_sheet("Read me")
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 110
    wrap = Alignment(wrap_text=True, vertical="top")

    def line(first, second=None, bold=False):
        cells = [_bold(sheet, export_text(first)) if bold else export_text(first) or None]
        if second is not None:
            cell = WriteOnlyCell(sheet, value=export_text(second))
            cell.alignment = wrap
            cells.append(cell)
        sheet.append(cells)

    lines = list(_read_me_lines(version))
    _state_size(sheet, len(lines), 2)
    for first, second, bold in lines:
        line(first, second, bold)


def _read_me_lines(version):
    template = version.template
    yield "Assure template workbook", f"{template.code}, version {version.number} ({version.status.value})", True
    for topic, text in READ_ME_INTRO:
        yield topic, text, False
    yield "yes/no cells", "yes or no (also y/n, true/false, 1/0).", False
    for sheet, columns in COLUMNS.items():
        yield "", None, False
        yield f"Sheet '{sheet}'", None, True
        if sheet == "Template":
            for name in TEMPLATE_FIELDS:
                yield f"  {name}", TEMPLATE_HELP[name], False
            continue
        for name, _, required, help_text in columns:
            yield f"  {name}", help_text + (" (required column)" if required else ""), False
    yield "", None, False
    yield "Question types", None, True
    for code, qtype in QUESTION_TYPES.items():
        extra = " (uses a scale)" if qtype.uses_scale else " (uses options)" if qtype.uses_options else ""
        extra += f"; always scale {FIXED_SCALES[code]}" if code in FIXED_SCALES else ""
        yield f"  {code}", qtype.label + extra + (" (min and max allowed)" if qtype.uses_bounds else ""), False
    yield "Condition operators", None, True
    yield "  equals", "the earlier question's answer is the value in show_if_value", False
    yield "  one_of", "the answer is any of the values in show_if_value, separated by commas", False
    yield "  answered", "the earlier question has any answer (leave show_if_value blank)", False
    yield "Agency kinds", None, True
    for kind in AgencyKind:
        yield f"  {kind.value}", AGENCY_KIND_LABELS[kind], False
    yield "Theme codes", None, True
    for theme in db.session.scalars(query_themes(active_only=False)):
        yield f"  {theme.code}", theme.label + ("" if theme.is_active else " (no longer in use)"), False
    yield "Shipped scales", "May be left out of the Scales sheet: Assure adds them when a question uses them.", True
    for code, scale in library_scales().items():
        yield f"  {code}", scale["name"], False


# --- Import ---------------------------------------------------------------------------------------------------------
def import_workbook(data, *, filename=None, template=None):
    """Create a template (or, given ``template``, a new draft version of it) from an uploaded template workbook.

    :param data: the file's bytes.
    :param filename: the uploaded file's name, checked for its ending.
    :param template: the ``Template`` to add a version to; None to create a new template.
    :return: the new draft ``TemplateVersion`` (flushed, not committed).
    :raises UploadRejected: not a safe, readable .xlsx.
    :raises WorkbookInvalid: every problem found, each with its sheet, row and column; nothing is written.
    """
    config = current_app.config
    _check_upload(data, filename, config)
    tables, problems = _read_tables(data, config["UPLOAD_MAX_ROWS"])
    if problems:  # without every sheet and heading, row-level checks would only add noise
        raise WorkbookInvalid(_sorted(problems))
    reader = _DefinitionReader(tables)
    definition = reader.read()
    reader.check(definition, template)
    if reader.problems:
        raise WorkbookInvalid(_sorted(reader.problems))
    try:
        with db.session.begin_nested():
            if template is None:
                return create_template(definition)
            return create_version(template, definition)
    except DefinitionInvalid as exc:  # only if the database changed since the check above
        raise WorkbookInvalid(_sorted(reader.locate_all(exc.problems))) from exc
    except ValidationError as exc:
        messages = list(exc.details.values()) or [exc.message]
        raise WorkbookInvalid([reader.template_problem("code", str(m)) for m in messages]) from exc


def _check_upload(data, filename, config):
    check_xlsx(data, max_bytes=config["UPLOAD_MAX_BYTES"], max_unpacked_bytes=config["UPLOAD_MAX_UNPACKED_BYTES"],
               max_entries=config["UPLOAD_MAX_ZIP_ENTRIES"], filename=filename)  # fmt: skip


def _read_tables(data, max_rows):
    """Every sheet's rows, with strings stripped and the apostrophe export added removed."""
    question_rows = max(max_rows, MAX_QUESTION_ROWS)
    limits = {"Template": max_rows, "Sections": max_rows, "Questions": question_rows,
              "Options": question_rows * OPTION_ROWS_PER_QUESTION_ROW, "Scales": max_rows}  # fmt: skip
    tables, problems = {}, []
    workbook = open_workbook(data)
    try:
        for name in COLUMNS:
            if name in workbook.sheetnames:
                tables[name] = _read_sheet(workbook[name], limits[name], problems)
            else:
                if name in REQUIRED_SHEETS:
                    problems.append(CellProblem(name, None, None, f"The workbook has no sheet called '{name}'"))
                tables[name] = ([], {})
    except UploadRejected:
        raise
    except Exception as exc:  # openpyxl parses each sheet lazily and raises many types for damaged XML
        raise UploadRejected(
            "The workbook could not be read. Open it in Excel, save it as .xlsx and try again."
        ) from exc
    finally:
        workbook.close()
    return tables, problems


def _read_sheet(sheet, max_rows, problems):
    columns = COLUMNS[sheet.title]
    rows, found, letters = read_table(
        sheet, required_columns=[c[0] for c in columns if c[2]], optional_columns=[c[0] for c in columns if not c[2]],
        max_rows=max_rows,
    )  # fmt: skip
    problems.extend(found)
    return [(n, {k: _unquote(v) for k, v in r.items()}) for n, r in rows], letters


def _unquote(value):
    return value[1:] if isinstance(value, str) and _QUOTED.match(value) else value


def _text(value):
    """A cell as text (numbers and dates as typed), or None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _number(value):
    """A number cell: numbers as they are, anything else as text for validation to judge."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return _text(value)


def _sorted(problems):
    order = {name: i for i, name in enumerate(SHEETS)}
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (order.get(p.sheet, len(order)), p.row or 0,
                                         (len(p.column or ""), p.column or "")))  # fmt: skip


def _key(value):
    return (value or "").strip()


_CONDITION_COLUMNS = (("Circular", "show_if_question"), ("Condition refers", "show_if_question"),
                      ("Condition must be", "show_if_op"))  # fmt: skip


class _DefinitionReader:
    """Builds a definition from the sheets' rows, remembering where each part came from (sheet, row and the column
    letter of each field), and turns the definition's problems back into cell problems."""

    def __init__(self, tables):
        self.tables = tables
        self.problems = []
        self.definition = None
        self.template_rows = {}  # template field -> row
        self.origin = {}  # definition path -> (sheet, row, letters); keyed by id(question) while reading
        self.option_rows = {}  # question path -> [(row, option)]; keyed by id(question) while reading
        self.synthetic = set()  # indexes of made-up sections holding questions that name an unknown section
        self._used = set()

    def add(self, where, column, message):
        sheet, row, letters = where
        self.problems.append(CellProblem(sheet, row, letters.get(column) if column else None, message))

    def template_problem(self, field, message):
        row = self.template_rows.get(field)
        return CellProblem("Template", row, self.tables["Template"][1].get("value") if row else None, message)

    def yes_no(self, value, where, column, default):
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        text = _text(value).strip().lower()
        if text in _YES or text in _NO:
            return text in _YES
        self.add(where, column, f"'{_text(value)}' is not yes or no: enter yes or no")
        return default

    # --- Reading the rows ---
    def read(self):
        """:return: the normalised definition (shipped scales added where used but not given)."""
        definition = self._template()
        sections, by_code = self._sections()
        orphans = {}
        questions = self._questions(by_code, orphans)
        self._options(questions)
        definition["scales"] = self._scales()
        definition["sections"] = sections + list(orphans.values())
        self.synthetic = set(range(len(sections), len(definition["sections"])))
        if orphans and not sections:
            self.problems.append(CellProblem("Sections", None, None, "A template needs at least one section"))
        for i, section in enumerate(definition["sections"]):
            for j, question in enumerate(section["questions"]):
                path = ("sections", i, "questions", j)
                self.origin[path] = self.origin.pop(id(question))
                self.option_rows[path] = self.option_rows.pop(id(question), [])
        self.definition = normalise(with_library_scales(definition))
        return self.definition

    def _template(self):
        rows, letters = self.tables["Template"]
        values = {}
        for number, record in rows:
            where = ("Template", number, letters)
            name = _key(_text(record["field"])).lower().replace(" ", "_")
            if name not in TEMPLATE_FIELDS:
                self.add(where, "field", f"Unknown field '{_text(record['field']) or ''}': use "
                         + ", ".join(TEMPLATE_FIELDS))  # fmt: skip
            elif name in values:
                self.add(where, "field", f"'{name}' is given twice (first in row {self.template_rows[name]})")
            else:
                values[name], self.template_rows[name] = record["value"], number
        for name in REQUIRED_TEMPLATE_FIELDS:
            if name not in values:
                self.add(("Template", None, letters), "field", f"Add a row for the field '{name}'")
        where = ("Template", self.template_rows.get("sign_off"), letters)
        return {
            "code": _text(values.get("code")), "name": _text(values.get("name")), "kind": _text(values.get("kind")),
            "description": _text(values.get("description")), "guidance": _text(values.get("guidance")),
            "sign_off": self.yes_no(values.get("sign_off"), where, "value", False),
            "themes": _text(values.get("themes")),
        }  # fmt: skip

    def _sections(self):
        rows, letters = self.tables["Sections"]
        sections, by_code = [], {}
        for number, r in rows:
            where = ("Sections", number, letters)
            section = {
                "code": _text(r["code"]), "title": _text(r["title"]), "description": _text(r.get("description")),
                "ask_good_practice": self.yes_no(r.get("good_practice"), where, "good_practice", False),
                "ask_areas_for_development": self.yes_no(r.get("areas_for_development"), where,
                                                         "areas_for_development", False),
                "grade_scale": _text(r.get("grade_scale")), "questions": [],
            }  # fmt: skip
            self.origin["sections", len(sections)] = where
            sections.append(section)
            if _key(section["code"]):
                by_code.setdefault(_key(section["code"]), section)  # a duplicate is reported by validation
        return sections, by_code

    def _questions(self, sections, orphans):
        rows, letters = self.tables["Questions"]
        by_code = {}
        for number, r in rows:
            where = ("Questions", number, letters)
            question = {
                "code": _text(r["code"]), "text": _text(r["text"]), "guidance": _text(r.get("guidance")),
                "type": _text(r["type"]), "scale": _text(r.get("scale")),
                "required": self.yes_no(r.get("required"), where, "required", True),
                "themes": _text(r.get("themes")), "agency_kinds": _text(r.get("agency_kinds")),
                "min": _number(r.get("min")), "max": _number(r.get("max")),
                "show_if": self._condition(r, where), "options": None,
            }  # fmt: skip
            self.origin[id(question)] = where
            self._section_of(r, where, sections, orphans)["questions"].append(question)
            if _key(question["code"]):
                by_code.setdefault(_key(question["code"]), question)
        return by_code

    def _section_of(self, record, where, sections, orphans):
        code = _key(_text(record["section"]))
        if code in sections:
            return sections[code]
        if code:
            self.add(where, "section", f"Unknown section '{code}': add it to the Sections sheet")
        else:
            self.add(where, "section", "Enter the code of the question's section")
        # The question still goes into the definition (in a made-up section), so that its own problems are found.
        return orphans.setdefault(code, {"code": code or None, "title": None, "questions": []})

    def _condition(self, record, where):
        question, op, value = (_text(record.get(c)) for c in ("show_if_question", "show_if_op", "show_if_value"))
        if question is None:
            if op is not None or value is not None:
                self.add(where, "show_if_question", "Say which earlier question this condition depends on")
            return None
        return {"question": question, "op": op, "value": value}

    def _options(self, questions):
        rows, letters = self.tables["Options"]
        for number, r in rows:
            where = ("Options", number, letters)
            code = _key(_text(r["question"]))
            question = questions.get(code)
            if question is None:
                self.add(where, "question", f"Unknown question '{code}': add it to the Questions sheet" if code
                         else "Enter the code of the question this option belongs to")  # fmt: skip
                continue
            option = {"value": _text(r["value"]), "label": _text(r["label"])}
            question["options"] = [*(question["options"] or []), option]
            self.option_rows.setdefault(id(question), []).append((number, option))

    def _scales(self):
        rows, letters = self.tables["Scales"]
        scales, index, first = {}, {}, {}
        for number, r in rows:
            where = ("Scales", number, letters)
            code = _key(_text(r["scale"]))
            if not code:
                self.add(where, "scale", "Enter the code of the scale this level belongs to")
                continue
            if code not in scales:
                index[code] = len(scales)
                scales[code] = {"code": code, "name": None, "description": None, "levels": []}
                self.origin["scales", index[code]] = where
            scale = scales[code]
            for column in ("name", "description"):
                value = _text(r.get(column))
                if value is None:
                    continue
                if scale[column] is None:
                    scale[column], first[code, column] = value, number
                elif scale[column].strip() != value.strip():
                    self.add(where, column, f"Scale {code} has a different {column} in row {first[code, column]}: "
                             "give it once, on the scale's first row")  # fmt: skip
            self.origin["scales", index[code], "levels", len(scale["levels"])] = where
            scale["levels"].append({
                "value": _text(r["value"]), "label": _text(r["label"]), "score": _number(r["score"]),
                "colour": _text(r.get("colour")), "is_scored": self.yes_no(r.get("scored"), where, "scored", True),
                "description": _text(r.get("level_description")),
            })  # fmt: skip
        return list(scales.values())

    # --- Checking ---
    def check(self, definition, template):
        """Validate the definition and its target (a new code, or the template's own), collecting cell problems."""
        found = validate(definition, theme_codes=theme_codes(), agency_kinds=[k.value for k in AgencyKind])
        self.problems.extend(self.locate_all(found))
        if not any(p.path == () and p.field in ("code", "kind") for p in found):
            self._check_target(definition, template)

    def _check_target(self, definition, template):
        code, add = definition["code"], self.problems.append
        if template is None:
            if db.session.scalar(select(Template.id).where(func.upper(Template.code) == code.upper())) is not None:
                add(
                    self.template_problem(
                        "code",
                        f"A template with the code {code} already exists: import the "
                        "workbook as a new version of that template, or change the code",
                    )
                )
            return
        if code != template.code:
            add(self.template_problem("code", f"This workbook is for {code}, not {template.code}"))
        if definition["kind"] != template.kind.value:
            add(self.template_problem("kind", f"A new version cannot change the template's kind "
                                      f"({template.kind.value})"))  # fmt: skip
        if template.draft_version is not None:
            add(self.template_problem("code", f"Version {template.draft_version.number} of {template.code} is still "
                                      "a draft: publish or delete it before importing a new version"))  # fmt: skip

    def locate_all(self, problems):
        located = (self.locate(p) for p in problems)
        return [p for p in located if p is not None]

    def locate(self, problem):
        """The cell of a definition ``Problem`` (None for problems of the made-up sections themselves)."""
        path, field, message = problem.path, problem.field, problem.message
        if not path:
            if field == "sections":
                return CellProblem("Questions" if "question" in message else "Sections", None, None, message)
            return self.template_problem(field, message)
        if path[0] == "scales":
            where = self.origin.get(path)
            if where is None:  # a shipped scale: cannot be wrong, but never lose a problem
                return CellProblem("Scales", None, None, message)
            columns = _SCALE_COLUMNS if len(path) == 2 else _LEVEL_COLUMNS
            return self._cell(where, columns.get(field, field), message)
        if len(path) == 2:
            return (
                None
                if path[1] in self.synthetic
                else self._cell(self.origin[path], _SECTION_COLUMNS.get(field, field), message)
            )
        where = self.origin[path]
        if field == "options":
            return self._option_problem(path, where, message)
        if field == "show_if":
            field = next((c for prefix, c in _CONDITION_COLUMNS if message.startswith(prefix)), "show_if_value")
        elif field == "min" and message.startswith("Only number"):
            question = self.definition["sections"][path[1]]["questions"][path[3]]
            field = "min" if question["min"] is not None else "max"
        return self._cell(where, field, message)

    def _cell(self, where, column, message):
        sheet, row, letters = where
        return CellProblem(sheet, row, letters.get(column), message)

    def _option_problem(self, path, where, message):
        rows, letters = self.option_rows.get(path, []), self.tables["Options"][1]
        if message.startswith("Duplicate option value "):
            value = message.removeprefix("Duplicate option value ")
            candidates, column = [n for n, o in rows if _key(o["value"]) == value][1:], "value"
        elif message.startswith("Option value '"):
            candidates = [n for n, o in rows if message.startswith(f"Option value '{_key(o['value'])}' ")]
            column = "value"
        elif message == "Every option needs a label":
            candidates, column = [n for n, o in rows if not _key(o["label"])], "label"
        elif "has no options" in message:
            candidates, column = [n for n, _ in rows[:1]], "question"
        else:  # too few options: said on the question's row
            return self._cell(where, "type", message)
        for number in candidates:
            if (number, message) not in self._used:
                self._used.add((number, message))
                return CellProblem("Options", number, letters.get(column), message)
        return self._cell(where, None, message)

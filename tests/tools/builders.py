"""A small template (the worked example of docs/template-workbook.md) and helpers to edit exported workbooks."""

import io
import zipfile

import openpyxl

#: Two sections, five questions, one scale of its own and the shipped YPNA scale (added when used).
SMALL = {
    "code": "HOME_VISIT",
    "name": "Home visits audit",
    "kind": "case_audit",
    "description": "Whether children were seen, and seen alone, at home.",
    "guidance": "Answer from the record.",
    "sign_off": False,
    "themes": ["VOC"],
    "scales": [
        {"code": "GRADE3", "name": "Three-point grade", "description": None, "levels": [
            {"value": "good", "label": "Good", "score": 3, "colour": "#00703c"},
            {"value": "adequate", "label": "Adequate", "score": 2, "colour": "#f47738"},
            {"value": "poor", "label": "Poor", "score": 1, "colour": "#d4351c"},
        ]},
    ],
    "sections": [
        {"code": "VISITS", "title": "Home visits", "questions": [
            {"code": "VIS_SEEN", "text": "Was the child seen at home?", "type": "yes_no_partly", "themes": ["VOC"]},
            {"code": "VIS_ALONE", "text": "Was the child seen alone?", "type": "single_choice",
             "options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"},
                         {"value": "not_recorded", "label": "Not recorded"}],
             "show_if": {"question": "VIS_SEEN", "op": "one_of", "value": ["yes", "partly"]}},
            {"code": "VIS_COUNT", "text": "How many home visits were there?", "type": "number", "min": 0, "max": 50},
        ]},
        {"code": "QUALITY", "title": "Quality of practice", "ask_good_practice": True, "grade_scale": "GRADE3",
         "questions": [
             {"code": "QUA_PLAN", "text": "How good was the plan?", "type": "scale", "scale": "GRADE3",
              "themes": ["PLN"]},
             {"code": "QUA_NOTES", "text": "=Anything else?", "type": "long_text", "required": False},
         ]},
    ],
}  # fmt: skip


def edit(data, changes=None, *, delete_sheets=(), delete_rows=None):
    """The workbook ``data`` with cells changed: ``{"Questions": {"E4": "numeric"}}``; a value of ``None`` empties
    a cell. ``delete_rows`` maps a sheet to the row numbers to remove.

    :return: the new workbook's bytes.
    """
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    for sheet, cells in (changes or {}).items():
        for ref, value in cells.items():
            workbook[sheet][ref] = value
    for sheet, rows in (delete_rows or {}).items():
        for row in sorted(rows, reverse=True):
            workbook[sheet].delete_rows(row)
    for sheet in delete_sheets:
        del workbook[sheet]
    out = io.BytesIO()
    workbook.save(out)
    workbook.close()
    return out.getvalue()


def cells(data, sheet):
    """A sheet's rows as lists of values (cached values, as import reads them)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return [list(row) for row in workbook[sheet].iter_rows(values_only=True)]
    finally:
        workbook.close()


def rezip(data, replace=None, add=None):
    """The zip archive ``data`` with members replaced (``None`` removes one) or added.

    :return: the new archive's bytes.
    """
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    target.writestr(info.filename, replace[info.filename])
            else:
                target.writestr(info.filename, source.read(info.filename))
        for name, content in add.items():
            target.writestr(name, content)
    return out.getvalue()


def sheet_part(data, title):
    """The zip member holding the worksheet called ``title``."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    try:
        return f"xl/worksheets/sheet{workbook.sheetnames.index(title) + 1}.xml"
    finally:
        workbook.close()

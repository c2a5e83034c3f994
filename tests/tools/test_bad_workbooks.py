"""Template workbooks that break the format: every problem reported with its sheet, row and column, nothing written;
unsafe or damaged files refused with a message, never another exception."""

import io
import random
import re
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from audit_app.tools.library import with_library_scales
from audit_app.tools.models.questions import Question, Section
from audit_app.tools.models.scales import Scale, ScaleLevel
from audit_app.tools.models.templates import Template, TemplateVersion
from audit_app.tools.operations import create_template, delete_draft, publish_version
from audit_app.tools.question_types import QUESTION_TYPES
from audit_app.tools.workbooks import export_version, import_workbook
from audit_app.util.spreadsheets import UploadRejected, WorkbookInvalid
from tests.tools.builders import SMALL, edit, rezip, sheet_part

TYPES = ", ".join(QUESTION_TYPES)


@pytest.fixture
def template(small_version):
    """The small template with version 1 published, so that a workbook may add version 2."""
    publish_version(small_version)
    return small_version.template


@pytest.fixture
def exported(template):
    return export_version(template.published_version)


def problems_of(data, template=None):
    with pytest.raises(WorkbookInvalid) as caught:
        import_workbook(data, filename="tool.xlsx", template=template)
    return [(p.sheet, p.row, p.column, p.message) for p in caught.value.problems]


def _counts(db):
    return [db.session.scalar(select(func.count()).select_from(m)) for m in
            (Template, TemplateVersion, Section, Question, Scale, ScaleLevel)]  # fmt: skip


# --- Sheets and columns -------------------------------------------------------------------------------------------
def test_missing_sheet(template, exported):
    data = edit(exported, delete_sheets=["Sections"])
    assert problems_of(data, template) == [("Sections", None, None, "The workbook has no sheet called 'Sections'")]


def test_options_sheet_may_be_missing_but_choice_questions_still_need_options(template, exported):
    data = edit(exported, delete_sheets=["Options"])
    assert problems_of(data, template) == [("Questions", 3, "E", "A choice question needs at least two options")]


def test_missing_column(template, exported):
    data = edit(exported, {"Questions": {"E1": None}, "Options": {"C1": "labels"}})
    assert problems_of(data, template) == [
        ("Questions", 1, None, "Missing column 'type' in the heading row"),
        ("Options", 1, None, "Missing column 'label' in the heading row"),
    ]


def test_optional_columns_may_be_left_out(template, exported, db):
    version = import_workbook(edit(exported, {"Questions": {"D1": None, "L1": None}}), template=template)
    assert version.number == 2


# --- Questions ------------------------------------------------------------------------------------------------------
def test_unknown_type(template, exported):
    data = edit(exported, {"Questions": {"E4": "numeric"}})
    assert problems_of(data, template) == [
        ("Questions", 4, "E", f"Unknown question type 'numeric': use one of {TYPES}")
    ]


def test_unknown_scale(template, exported):
    data = edit(exported, {"Questions": {"F5": "GRADE9"}, "Sections": {"F3": "GRADE9"}})
    assert problems_of(data, template) == [
        ("Sections", 3, "F", "Unknown scale 'GRADE9'"),
        ("Questions", 5, "F", "Unknown scale 'GRADE9'"),
    ]


def test_unknown_theme(template, exported):
    data = edit(exported, {"Questions": {"H2": "VOC, NOPE"}, "Template": {"B8": "VOC; ZZZ"}})
    assert problems_of(data, template) == [
        ("Template", 8, "B", "Unknown theme 'ZZZ'"),
        ("Questions", 2, "H", "Unknown theme 'NOPE'"),
    ]


def test_unknown_agency_kind(template, exported):
    data = edit(exported, {"Questions": {"L4": "police, spaceport"}})
    assert problems_of(data, template) == [("Questions", 4, "L", "Unknown agency kind 'spaceport'")]


def test_duplicate_question_code(template, exported):
    data = edit(exported, {"Questions": {"B4": "VIS_SEEN"}})
    assert problems_of(data, template) == [("Questions", 4, "B", "Duplicate question code VIS_SEEN")]


def test_duplicate_section_code(template, exported):
    data = edit(exported, {"Sections": {"A3": "VISITS"}, "Questions": {"A5": "VISITS", "A6": "VISITS"}})
    assert problems_of(data, template) == [("Sections", 3, "A", "Duplicate section code VISITS")]


def test_condition_on_a_later_question(template, exported):
    data = edit(exported, {"Questions": {"I3": "QUA_PLAN"}})
    assert problems_of(data, template) == [
        ("Questions", 3, "I", "Condition refers to 'QUA_PLAN', which is not an earlier question")
    ]


def test_condition_on_an_unknown_question(template, exported):
    data = edit(exported, {"Questions": {"I3": "NOPE"}})
    assert problems_of(data, template) == [
        ("Questions", 3, "I", "Condition refers to 'NOPE', which is not an earlier question")
    ]


def test_circular_condition(template, exported):
    data = edit(exported, {"Questions": {"I3": "VIS_ALONE"}})
    assert problems_of(data, template) == [
        ("Questions", 3, "I", "Circular condition: a question cannot depend on itself")
    ]


def test_bad_condition_operator_and_values(template, exported):
    data = edit(exported, {"Questions": {"J3": "contains", "J4": "answered", "I5": "VIS_SEEN", "J5": "equals",
                                         "I6": "VIS_SEEN", "J6": "one_of", "K6": "yes, maybe"}})  # fmt: skip
    assert problems_of(data, template) == [
        ("Questions", 3, "J", "Condition must be one of equals, one_of, answered"),
        ("Questions", 4, "I", "Say which earlier question this condition depends on"),
        ("Questions", 5, "K", "Say which answer shows this question"),
        ("Questions", 6, "K", "'maybe' is not an answer to VIS_SEEN"),
    ]


def test_bad_number_bounds(template, exported):
    data = edit(exported, {"Questions": {"E2": "number", "F2": None, "M2": "lots", "M4": 60, "N6": 3}})
    assert problems_of(data, template) == [
        ("Questions", 2, "M", "The minimum must be a number"),
        ("Questions", 4, "N", "The maximum must be greater than the minimum"),
        ("Questions", 6, "N", "Only number questions have bounds"),
    ]


def test_question_in_an_unknown_section_is_still_checked(template, exported):
    data = edit(exported, {"Questions": {"A5": "NOPE", "E5": "bogus", "A6": None}})
    assert problems_of(data, template) == [
        ("Questions", 5, "A", "Unknown section 'NOPE': add it to the Sections sheet"),
        ("Questions", 5, "E", f"Unknown question type 'bogus': use one of {TYPES}"),
        ("Questions", 6, "A", "Enter the code of the question's section"),
    ]


def test_bad_yes_no_cells(template, exported):
    data = edit(exported, {"Questions": {"G2": "maybe"}, "Sections": {"D2": "sometimes"}, "Template": {"B7": "perhaps"},
                           "Scales": {"H3": "ok"}})  # fmt: skip
    assert problems_of(data, template) == [
        ("Template", 7, "B", "'perhaps' is not yes or no: enter yes or no"),
        ("Sections", 2, "D", "'sometimes' is not yes or no: enter yes or no"),
        ("Questions", 2, "G", "'maybe' is not yes or no: enter yes or no"),
        ("Scales", 3, "H", "'ok' is not yes or no: enter yes or no"),
    ]


# --- Options and scales ---------------------------------------------------------------------------------------------
def test_option_rows_for_unknown_questions(template, exported):
    data = edit(exported, {"Options": {"A4": "NOPE", "A5": None, "B5": "extra", "C5": "Extra"}})
    assert problems_of(data, template) == [
        ("Options", 4, "A", "Unknown question 'NOPE': add it to the Questions sheet"),
        ("Options", 5, "A", "Enter the code of the question this option belongs to"),
    ]


def test_bad_options(template, exported):
    data = edit(exported, {"Options": {"B3": "No!", "C4": None, "A5": "VIS_COUNT", "B5": "x", "C5": "X",
                                       "A6": "VIS_ALONE", "B6": "yes", "C6": "Yes again"}})  # fmt: skip
    assert problems_of(data, template) == [
        ("Options", 3, "B", "Option value 'No!' must be lower-case letters, digits or underscores"),
        ("Options", 4, "C", "Every option needs a label"),
        ("Options", 5, "A", "A number question has no options"),
        ("Options", 6, "B", "Duplicate option value yes"),
    ]


def test_bad_scale_rows(template, exported):
    data = edit(exported, {"Scales": {"F2": "high", "G3": "green", "E4": None, "B3": "Another name", "F6": None,
                                      "D7": "yes", "A9": None, "D9": "extra", "E9": "Extra", "F9": 1}})  # fmt: skip
    assert problems_of(data, template) == [
        ("Scales", 2, "F", "Score must be a number"),
        ("Scales", 3, "B", "Scale GRADE3 has a different name in row 2: give it once, on the scale's first row"),
        ("Scales", 3, "G", "Colour must be like #00703c"),
        ("Scales", 4, "E", "Enter the level's label"),
        ("Scales", 6, "F", "A scored level needs a score (or mark it not scored)"),
        ("Scales", 7, "D", "Duplicate level value yes"),
        ("Scales", 9, "A", "Enter the code of the scale this level belongs to"),
    ]


def test_scale_with_one_level(template, exported):
    data = edit(exported, delete_rows={"Scales": [3, 4]})
    assert problems_of(data, template) == [("Scales", 2, "A", "A scale needs at least two levels")]


# --- The template and where it goes ---------------------------------------------------------------------------------
def test_bad_template_fields(template, exported):
    data = edit(exported, {"Template": {"B2": "bad code", "B3": "x" * 201, "B4": "audit", "A5": "summary"}})
    assert problems_of(data, template) == [
        (
            "Template",
            2,
            "B",
            "Template code must be 1-40 capital letters, digits or underscores, starting with a letter",
        ),
        ("Template", 3, "B", "Name must be 200 characters or fewer"),
        ("Template", 4, "B", "Kind must be case_audit or self_assessment"),
        ("Template", 5, "A", "Unknown field 'summary': use code, name, kind, description, guidance, sign_off, themes"),
    ]


def test_missing_template_field(template, exported):
    data = edit(exported, delete_rows={"Template": [3]})
    assert problems_of(data, template) == [
        ("Template", None, None, "Enter the template's name"),
        ("Template", None, "A", "Add a row for the field 'name'"),
    ]


def test_new_template_with_an_existing_code(template, exported):
    assert problems_of(exported) == [
        ("Template", 2, "B", "A template with the code HOME_VISIT already exists: import the workbook as a new "
         "version of that template, or change the code"),
    ]  # fmt: skip


def test_version_for_another_template_or_kind(template, exported):
    other = create_template(with_library_scales({**SMALL, "code": "OTHER", "kind": "self_assessment"}))
    publish_version(other)
    assert problems_of(exported, other.template) == [
        ("Template", 2, "B", "This workbook is for HOME_VISIT, not OTHER"),
        ("Template", 4, "B", "A new version cannot change the template's kind (self_assessment)"),
    ]


def test_version_while_a_draft_exists(template, exported):
    import_workbook(exported, template=template)
    assert problems_of(exported, template) == [
        ("Template", 2, "B", "Version 2 of HOME_VISIT is still a draft: publish or delete it before importing a new "
         "version"),
    ]  # fmt: skip


def test_many_problems_are_reported_together_and_nothing_is_written(template, exported, db):
    db.session.flush()
    before = _counts(db)
    data = edit(exported, {
        "Template": {"B4": "audit"},
        "Sections": {"B2": None, "F3": "GRADE9"},
        "Questions": {"E4": "numeric", "H2": "NOPE", "I3": "VIS_ALONE", "B6": "QUA_PLAN", "G5": "maybe"},
        "Options": {"A4": "NOPE"},
        "Scales": {"F2": "high"},
    })  # fmt: skip
    assert problems_of(data, template) == [
        ("Template", 4, "B", "Kind must be case_audit or self_assessment"),
        ("Sections", 2, "B", "Enter the section's title"),
        ("Sections", 3, "F", "Unknown scale 'GRADE9'"),
        ("Questions", 2, "H", "Unknown theme 'NOPE'"),
        ("Questions", 3, "I", "Circular condition: a question cannot depend on itself"),
        ("Questions", 4, "E", f"Unknown question type 'numeric': use one of {TYPES}"),
        ("Questions", 5, "G", "'maybe' is not yes or no: enter yes or no"),
        ("Questions", 6, "B", "Duplicate question code QUA_PLAN"),
        ("Options", 4, "A", "Unknown question 'NOPE': add it to the Questions sheet"),
        ("Scales", 2, "F", "Score must be a number"),
    ]
    assert _counts(db) == before


def test_nothing_is_written_when_only_the_target_is_wrong(template, exported, db):
    db.session.flush()
    before = _counts(db)
    problems_of(exported)
    assert _counts(db) == before


# --- Unsafe and damaged files -------------------------------------------------------------------------------------
def _refused(data, filename="tool.xlsx"):
    with pytest.raises(UploadRejected) as caught:
        import_workbook(data, filename=filename)
    return str(caught.value)


def test_not_a_workbook(taxonomy):
    assert "not an Excel workbook" in _refused(b"name,kind\nPolice,police\n")
    assert "empty" in _refused(b"")
    assert "must be an Excel workbook (.xlsx)" in _refused(b"PK\x03\x04", filename="tool.xls")


def test_truncated_file(exported):
    assert "damaged" in _refused(exported[: len(exported) // 2])


def test_zip_bomb(taxonomy):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 5_000_000)
    assert "compressed suspiciously well" in _refused(out.getvalue())


def test_too_large(app, exported, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024 * 1024)
    assert "smaller than 1 MB" in _refused(b"PK\x03\x04" + b"0" * 1024 * 1024)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_UNPACKED_BYTES", 10_000)
    assert "too large when unpacked" in _refused(exported)


def test_too_many_parts(exported):
    data = rezip(exported, add={f"xl/media/image{i}.png": b"x" for i in range(300)})
    assert "too many parts" in _refused(data)


def test_macros_refused(exported):
    assert "macros" in _refused(rezip(exported, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}))
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        types = archive.read("[Content_Types].xml").replace(
            b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
        )
    assert "macros" in _refused(rezip(exported, replace={"[Content_Types].xml": types}), filename="tool.xlsx")


def test_damaged_sheet_xml(exported):
    data = rezip(exported, replace={sheet_part(exported, "Questions"): b"<worksheet><sheetData><row r='1'>"})
    assert "could not be read" in _refused(data)


def test_entity_expansion_refused(exported):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')  # fmt: skip
    assert "could not be read" in _refused(rezip(exported, replace={sheet_part(exported, "Template"): bomb}))


def test_huge_row_count(template):
    workbook = Workbook(write_only=True)
    questions = [("VISITS", f"Q_{i}", f"Question {i}?", "short_text") for i in range(5001)]
    sheets = {"Template": [("field", "value"), ("code", "HOME_VISIT")], "Sections": [("code", "title")],
              "Questions": [("section", "code", "text", "type"), *questions]}  # fmt: skip
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    assert problems_of(out.getvalue(), template) == [
        ("Questions", 5002, None, "Too many rows: at most 5000 are allowed")
    ]


def test_a_cell_far_below_the_data_counts_as_rows(template, exported):
    data = edit(exported, {"Options": {"A1000000": "VIS_ALONE"}})
    assert problems_of(data, template) == [("Options", 20002, None, "Too many rows: at most 20000 are allowed")]


def test_a_sheet_claiming_a_huge_size_is_read_by_its_content(template, exported, db):
    part = sheet_part(exported, "Questions")
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        xml, count = re.subn(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', archive.read(part))
    assert count == 1
    version = import_workbook(rezip(exported, replace={part: xml}), template=template)
    assert len(version.ordered_questions()) == 5


def test_damaged_files_never_raise_anything_else(template, exported):
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist() if name.endswith(".xml")}
    for seed in range(80):
        rng = random.Random(seed)
        if seed % 2:  # bytes of the archive itself
            damaged = bytearray(exported)
            for _ in range(rng.randint(1, 20)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            data = bytes(damaged)
        else:  # a well-formed archive holding damaged XML
            name = rng.choice(sorted(parts))
            damaged = bytearray(parts[name])
            for _ in range(rng.randint(1, 5)):
                damaged[rng.randrange(len(damaged))] = rng.choice(b"<>\"'&=/ 09azAZ\x00\xff")
            data = rezip(exported, replace={name: bytes(damaged)})
        try:
            version = import_workbook(data, filename="tool.xlsx", template=template)
        except (UploadRejected, WorkbookInvalid):
            continue
        delete_draft(version)  # the damage missed every cell that matters: make room for the next draft

"""Offline returns: the downloaded workbook, and uploading it back (round trip, located problems, stale versions)."""

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from sqlalchemy import select

from audit_app.agencies.models.agencies import AgencyKind
from audit_app.core.errors import ConflictError, InvalidTransition
from audit_app.core.permissions import Role
from audit_app.cycles.operations import answers_by_code, create_cycle, open_cycle, save_answers, submit_return
from audit_app.cycles.workbooks import export_return, import_return, workbook_questions
from audit_app.tools.library import load_library
from audit_app.tools.models.templates import Template
from audit_app.util.spreadsheets import CellProblem, UploadRejected, WorkbookInvalid
from tests.factories import AgencyFactory, UserFactory

DATES = {"scope_start": dt.date(2025, 4, 1), "scope_end": dt.date(2026, 3, 31), "opens_on": dt.date(2026, 4, 1),
         "due_on": dt.date(2026, 5, 1)}  # fmt: skip
ANSWER, COMMENT = "H", "I"


@pytest.fixture
def tools(app_ctx, db):
    """The built-in library: template code -> published version."""
    load_library()
    return {t.code: t.published_version for t in db.session.scalars(select(Template))}


def _cycle(tools, code, agencies, references=()):
    cycle = create_cycle(version=tools[code], title=f"{code} 2026", agencies=agencies, references=references, **DATES)
    return open_cycle(cycle)


@pytest.fixture
def fsa(tools):
    """An open FSA case audit for a police agency (two cases), and the agency's auditor."""
    agency = AgencyFactory(kind=AgencyKind.POLICE)
    cycle = _cycle(tools, "FSA_MACA", [agency], ["FSA-26-01", "FSA-26-02"])
    first, second = sorted(cycle.assignments, key=lambda a: a.case.position)
    return first, second, UserFactory(role=Role.AGENCY_AUDITOR, agency=agency)


class Sheet:
    """An exported workbook opened for editing as a person would in Excel: cells addressed by question code."""

    def __init__(self, data):
        self.book = openpyxl.load_workbook(io.BytesIO(data))
        answers = self.book["Answers"]
        self.rows = {answers.cell(row=r, column=2).value: r for r in range(2, answers.max_row + 1)}

    def answer(self, code, value, comment=None):
        sheet = self.book["Answers"]
        sheet[f"{ANSWER}{self.rows[code]}"] = value
        if comment is not None:
            sheet[f"{COMMENT}{self.rows[code]}"] = comment
        return self

    def cell(self, sheet, ref):
        return self.book[sheet][ref].value

    def bytes(self):
        buffer = io.BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()


def _valid_cell(question):
    """Something a person could type in the question's answer cell that fits it."""
    if question.scale is not None or question.options:
        return question.scale.levels[0].label if question.scale is not None else question.options[0]["label"]
    return {"number": question.min_value or 1, "date": dt.datetime(2026, 1, 15)}.get(question.type, "Seen in the file")


def _import(assignment, data, user):
    return import_return(assignment, data, filename="return.xlsx", user=user)


def _problems(excinfo):
    return {(p.sheet, p.row, p.column) for p in excinfo.value.problems}


# --- The download --------------------------------------------------------------------------------------------------
def test_the_workbook_lists_every_question_the_agency_sees_with_allowed_answers_and_saved_values(fsa):
    assignment, _, user = fsa
    answers = {"FSA_INV_01": {"value": ["universal", "early_help"], "comment": '=HYPERLINK("x")'},
               "FSA_INV_02": "2025-06-03", "FSA_INV_03": 12, "FSA_REC_04": "partly"}  # fmt: skip
    sections = {"RECOGNITION": {"grade": "good", "good_practice": "Prompt referral"}}
    save_answers(assignment, answers, sections=sections, user=user)

    sheet = Sheet(export_return(assignment))

    book = sheet.book
    assert book.sheetnames[:3] == ["Read me", "Answers", "Sections"] and "Sign-off" not in book.sheetnames
    assert book["_meta"].sheet_state == "hidden" and book["_lists"].sheet_state == "hidden"
    headings = ["Section", "Code", "Question", "Guidance", "Type", "Allowed answers", "When to answer", "Answer",
                "Comment"]  # fmt: skip
    assert [c.value for c in book["Answers"][1]] == headings
    assert list(sheet.rows) == [q.code for q in workbook_questions(assignment)]
    assert len(sheet.rows) == len(assignment.cycle.template_version.ordered_questions())
    row = sheet.rows["FSA_INV_01"]
    assert sheet.cell("Answers", f"{ANSWER}{row}") == ("Universal service (for example school, GP, health visiting); "
                                                       "Early help or targeted support")  # fmt: skip
    assert sheet.cell("Answers", f"{COMMENT}{row}") == '\'=HYPERLINK("x")'  # neutralised
    assert sheet.cell("Answers", f"{ANSWER}{sheet.rows['FSA_INV_02']}") == dt.datetime(2025, 6, 3)
    assert sheet.cell("Answers", f"{ANSWER}{sheet.rows['FSA_INV_03']}") == 12
    assert sheet.cell("Answers", f"{ANSWER}{sheet.rows['FSA_REC_04']}") == "Partly"
    assert sheet.cell("Answers", f"F{sheet.rows['FSA_REC_04']}") == "Yes; Partly; No; Not applicable"
    assert sheet.cell("Answers", f"G{sheet.rows['FSA_REC_05']}").startswith("Only if 'Was a referral made")
    assert sheet.cell("Answers", f"F{sheet.rows['FSA_INV_03']}") == "A number from 0 to 500"
    assert sheet.cell("Sections", "E2") == "Good" and sheet.cell("Sections", "C2") == "Prompt referral"
    meta = {r[0]: r[1] for r in book["_meta"].iter_rows(values_only=True)}
    assert meta["assignment_id"] == assignment.id and meta["version"] == assignment.version


def test_control_characters_that_a_workbook_cannot_hold_are_left_out(fsa):
    assignment, _, user = fsa
    save_answers(assignment, {"FSA_INV_06": {"value": "Bell\x07 rang", "comment": "Form\x0cfeed"}}, user=user)

    sheet = Sheet(export_return(assignment))

    row = sheet.rows["FSA_INV_06"]
    assert (sheet.cell("Answers", f"H{row}"), sheet.cell("Answers", f"I{row}")) == ("Bell rang", "Formfeed")


def test_scale_and_choice_cells_have_drop_downs_from_the_hidden_lists(fsa):
    assignment, _, _ = fsa

    sheet = Sheet(export_return(assignment))

    validations = sheet.book["Answers"].data_validations.dataValidation
    lists = [v for v in validations if v.type == "list"]
    covered = {ref for v in lists for ref in str(v.sqref).split()}
    assert f"{ANSWER}{sheet.rows['FSA_REC_04']}" in covered and f"{ANSWER}{sheet.rows['FSA_INV_05']}" in covered
    assert f"{ANSWER}{sheet.rows['FSA_INV_01']}" not in covered  # multiple choice: typed, separated by ;
    assert all(v.formula1.startswith("'_lists'!$") for v in lists)
    ypna = next(v for v in lists if f"{ANSWER}{sheet.rows['FSA_REC_04']}" in str(v.sqref))
    column = ypna.formula1.split("!$")[1].split("$")[0]
    assert [c.value for c in sheet.book["_lists"][column] if c.value] == ["Yes", "Partly", "No", "Not applicable"]
    assert any(v.type == "decimal" and v.formula2 == "500" for v in validations)
    assert sheet.book["Answers"].protection.sheet


def test_the_read_me_says_how_to_fill_it_in_and_to_leave_out_identifying_data(fsa):
    text = " ".join(str(c.value) for c in Sheet(export_return(fsa[0])).book["Read me"]["A"] if c.value)

    for phrase in ("How to fill it in", "Allowed answers", "separated by semicolons", "Do not change the codes",
                   "No identifying data", "dates of birth"):  # fmt: skip
        assert phrase in text


def test_questions_for_other_kinds_of_agency_are_left_out(tools):
    school = AgencyFactory(kind=AgencyKind.EARLY_YEARS)
    minder = AgencyFactory(kind=AgencyKind.CHILDMINDER)
    cycle = _cycle(tools, "EARLY_YEARS", [school, minder])
    by_agency = {a.agency_id: a for a in cycle.assignments}

    nursery_codes = set(Sheet(export_return(by_agency[school.id])).rows)
    minder_codes = set(Sheet(export_return(by_agency[minder.id])).rows)

    only = {q.code: q.agency_kinds for q in tools["EARLY_YEARS"].ordered_questions() if q.agency_kinds}
    assert {c for c, kinds in only.items() if kinds == ["childminder"]} <= minder_codes - nursery_codes
    assert {c for c, kinds in only.items() if kinds == ["early_years"]} <= nursery_codes - minder_codes


# --- The upload ----------------------------------------------------------------------------------------------------
def test_a_return_round_trips_through_the_workbook(fsa, db):
    assignment, _, user = fsa
    save_answers(assignment, {"FSA_INV_01": {"value": ["universal"], "comment": "- from the chronology"},
                              "FSA_INV_02": "2025-06-03", "FSA_REC_04": "yes", "FSA_INV_06": "=SUM(A1) in notes"},
                 sections={"RECOGNITION": {"grade": "good"}}, user=user)  # fmt: skip
    before = answers_by_code(assignment)
    sheet = Sheet(export_return(assignment))
    both = "universal service (for example school, GP, health visiting); EARLY HELP OR TARGETED SUPPORT"
    sheet.answer("FSA_INV_01", both).answer("FSA_INV_03", 7, "Approximate").answer("FSA_INV_04", "2")
    sheet.answer("FSA_INV_05", "Closed").answer("FSA_REC_02", "requires improvement")
    sheet.answer("FSA_REC_05", "good", "Timely").answer("FSA_INV_02", dt.datetime(2025, 7, 1))
    sheet.book["Sections"]["D2"] = "Earlier referral"

    _import(assignment, sheet.bytes(), user)

    expected = {**before, "FSA_INV_01": ["universal", "early_help"], "FSA_INV_02": "2025-07-01", "FSA_INV_03": 7,
                "FSA_INV_04": 2, "FSA_INV_05": "closed", "FSA_REC_02": "requires_improvement",
                "FSA_REC_05": "good"}  # fmt: skip
    assert before["FSA_INV_06"] == "=SUM(A1) in notes"  # exported neutralised, imported as it was
    assert answers_by_code(assignment) == expected
    comments = {a.question.code: a.comment for a in assignment.answers}
    assert comments["FSA_INV_01"] == "- from the chronology" and comments["FSA_REC_05"] == "Timely"
    response = next(r for r in assignment.section_responses if r.section_code == "RECOGNITION")
    assert (response.grade, response.areas_for_development) == ("good", "Earlier referral")
    again = Sheet(export_return(assignment))
    assert again.cell("_meta", "B3") == assignment.version == 3


def test_a_blank_answer_in_the_workbook_clears_the_saved_one(fsa):
    assignment, _, user = fsa
    save_answers(assignment, {"FSA_INV_03": 4, "FSA_INV_05": "closed"}, user=user)

    _import(assignment, Sheet(export_return(assignment)).answer("FSA_INV_03", None).bytes(), user)

    assert answers_by_code(assignment) == {"FSA_INV_05": "closed"}


def test_a_sign_off_block_round_trips(tools):
    agency = AgencyFactory(kind=AgencyKind.POLICE)
    assignment = _cycle(tools, "SECTION11", [agency]).assignments[0]
    lead = UserFactory(role=Role.AGENCY_LEAD, agency=agency)
    sheet = Sheet(export_return(assignment))
    assert [sheet.cell("Sign-off", f"B{r}") for r in range(2, 6)] == ["completed_by", "role", "senior_sign_off",
                                                                      "sign_off_date"]  # fmt: skip
    for row, value in ((2, "Named lead"), (3, "Head of safeguarding"), (4, "Chief officer"), (5, dt.date(2026, 4, 20))):
        sheet.book["Sign-off"][f"C{row}"] = value

    _import(assignment, sheet.bytes(), lead)

    assert assignment.sign_off == {"completed_by": "Named lead", "role": "Head of safeguarding",
                                   "senior_sign_off": "Chief officer", "sign_off_date": "2026-04-20"}  # fmt: skip
    assert Sheet(export_return(assignment)).cell("Sign-off", "C5") == dt.datetime(2026, 4, 20)


def test_every_problem_is_reported_with_its_sheet_row_and_column_and_nothing_is_saved(fsa):
    assignment, _, user = fsa
    save_answers(assignment, {"FSA_INV_03": 4}, user=user)
    sheet = Sheet(export_return(assignment))
    rows = sheet.rows
    (
        sheet.answer("FSA_REC_04", "Perhaps")
        .answer("FSA_INV_03", 501)
        .answer("FSA_INV_04", "several")
        .answer("FSA_INV_02", "31/02/2026")
        .answer("FSA_INV_01", "Universal service (for example school, GP, health visiting); Astrology")
        .answer("FSA_INV_06", "x" * 20001, "y" * 20001)
    )
    answers = sheet.book["Answers"]
    answers[f"B{rows['FSA_INV_05']}"] = "FSA_NOPE_99"
    extra = answers.max_row + 1
    answers[f"B{extra}"], answers[f"H{extra}"] = "FSA_REC_02", "Good"  # listed twice
    sheet.book["Sections"]["E2"] = "Superb"

    with pytest.raises(WorkbookInvalid) as excinfo:
        _import(assignment, sheet.bytes(), user)

    assert _problems(excinfo) == {
        ("Answers", rows["FSA_REC_04"], "H"), ("Answers", rows["FSA_INV_03"], "H"),
        ("Answers", rows["FSA_INV_04"], "H"), ("Answers", rows["FSA_INV_02"], "H"),
        ("Answers", rows["FSA_INV_01"], "H"), ("Answers", rows["FSA_INV_06"], "H"),
        ("Answers", rows["FSA_INV_06"], "I"), ("Answers", rows["FSA_INV_05"], "B"), ("Answers", extra, "B"),
        ("Sections", 2, "E"), ("Answers", None, None),  # FSA_INV_05's row is gone
    }  # fmt: skip
    messages = {(p.row, p.column): p.message for p in excinfo.value.problems}
    assert "Choose one of: Yes, Partly, No, Not applicable" in messages[rows["FSA_REC_04"], "H"]
    assert "500 or less" in messages[rows["FSA_INV_03"], "H"] and "real date" in messages[rows["FSA_INV_02"], "H"]
    assert "FSA_NOPE_99" in messages[rows["FSA_INV_05"], "B"] and "twice" in messages[extra, "B"]
    assert "FSA_INV_05" in messages[None, None]
    assert all(isinstance(p, CellProblem) for p in excinfo.value.problems)
    assert answers_by_code(assignment) == {"FSA_INV_03": 4} and assignment.version == 2


def test_a_workbook_for_another_return_is_refused(fsa):
    first, second, user = fsa
    data = Sheet(export_return(second)).answer("FSA_INV_03", 9).bytes()

    with pytest.raises(WorkbookInvalid) as excinfo:
        _import(first, data, user)

    assert _problems(excinfo) == {("_meta", 2, "B")}
    assert "another return" in excinfo.value.problems[0].message
    assert answers_by_code(first) == {}


def test_a_workbook_made_stale_by_a_save_in_the_browser_is_a_conflict_and_changes_nothing(fsa):
    assignment, _, user = fsa
    data = Sheet(export_return(assignment)).answer("FSA_INV_03", 9).bytes()
    save_answers(assignment, {"FSA_INV_03": 4}, user=user, expected_version=assignment.version)  # in the browser

    with pytest.raises(ConflictError) as excinfo:
        _import(assignment, data, user)

    assert excinfo.value.details == {"current_version": 2}
    assert answers_by_code(assignment) == {"FSA_INV_03": 4} and assignment.version == 2


def test_a_submitted_return_cannot_be_uploaded(tools):
    agency = AgencyFactory(kind=AgencyKind.POLICE)
    assignment = _cycle(tools, "SUPERVISION", [agency], ["SUP-26-01"]).assignments[0]
    user = UserFactory(role=Role.AGENCY_AUDITOR, agency=agency)
    data = export_return(assignment)
    sheet = Sheet(data)
    for question in workbook_questions(assignment):
        sheet.answer(question.code, _valid_cell(question))
    _import(assignment, sheet.bytes(), user)
    submit_return(assignment, user=user)

    with pytest.raises(InvalidTransition):
        _import(assignment, data, user)


def test_structural_damage_is_reported(fsa):
    assignment, _, user = fsa
    renamed = Sheet(export_return(assignment))
    renamed.book["Answers"]["H1"] = "My answer"
    no_sections = Sheet(export_return(assignment))
    del no_sections.book["Sections"]
    no_meta = Sheet(export_return(assignment))
    del no_meta.book["_meta"]

    for sheet, where in ((renamed, ("Answers", 1, None)), (no_sections, ("Sections", None, None)),
                         (no_meta, ("_meta", None, None))):  # fmt: skip
        with pytest.raises(WorkbookInvalid) as excinfo:
            _import(assignment, sheet.bytes(), user)
        assert where in _problems(excinfo)
    assert answers_by_code(assignment) == {}


def _zip(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"", "return.xlsx"),
        (b"name,answer\nFSA_INV_03,4\n", "return.xlsx"),
        (b"PK\x03\x04 not really a zip", "return.xlsx"),
        (_zip({"hello.txt": "hi"}), "return.xlsx"),
        (_zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<broken", "xl/vbaProject.bin": "x"}),
         "return.xlsx"),
        (_zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<broken"}), "return.xlsx"),
        (None, "return.csv"),
    ],
)  # fmt: skip
def test_malformed_files_are_rejected(fsa, data, filename):
    assignment, _, user = fsa
    data = data if data is not None else export_return(assignment)

    with pytest.raises(UploadRejected):
        import_return(assignment, data, filename=filename, user=user)

    assert answers_by_code(assignment) == {}

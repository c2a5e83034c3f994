"""Importing agencies from Excel: all rows valid or nothing applied, every problem located by sheet, row and column."""

import html
import io
import re
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from audit_app.agencies.imports import import_agencies
from audit_app.agencies.models.agencies import Agency, AgencyKind, StatutoryDuty
from audit_app.core.permissions import Role
from audit_app.util.spreadsheets import CellProblem, UploadRejected, WorkbookInvalid
from tests.factories import AgencyFactory

HEADER = ("Name", "Kind", "Duty", "Active", "Contact email")


def workbook(rows, *, header=HEADER, sheet="Agencies"):
    """An .xlsx file's bytes with ``header`` then ``rows`` on ``sheet``."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _count(db):
    return db.session.scalar(select(func.count(Agency.id)))


def _problems(data):
    with pytest.raises(WorkbookInvalid) as caught:
        import_agencies(data, filename="agencies.xlsx")
    return caught.value.problems


# --- The import operation --------------------------------------------------------------------------------------------
def test_a_valid_workbook_creates_new_agencies_and_updates_existing_ones_by_name(app_ctx, db):
    police = AgencyFactory(name="Northmoor Police", kind=AgencyKind.POLICE, duty=StatutoryDuty.S11)
    data = workbook(
        [
            ("Ashby Road Primary School", "School", "Section 175/157", "yes", "dsl@ashby.example"),
            ("  NORTHMOOR POLICE ", "police", "none", "no", None),
            ("Hollins Lane Childminding", "childminder", None, None, None),
            (None, None, None, None, None),  # blank rows are skipped
        ]
    )

    counts = import_agencies(data, filename="agencies.xlsx")

    assert counts == {"created": 2, "updated": 1}
    assert _count(db) == 3
    school = db.session.scalar(select(Agency).where(Agency.name == "Ashby Road Primary School"))
    assert (school.kind, school.duty, school.is_active, school.contact_email) == (
        AgencyKind.SCHOOL,
        StatutoryDuty.S175,
        True,
        "dsl@ashby.example",
    )
    db.session.expire_all()
    updated = db.session.get(Agency, police.id)
    assert (updated.duty, updated.is_active, updated.version) == (StatutoryDuty.NONE, False, 2)
    minder = db.session.scalar(select(Agency).where(Agency.name == "Hollins Lane Childminding"))
    assert (minder.duty, minder.is_active) == (StatutoryDuty.NONE, True)


def test_names_with_accents_match_existing_agencies_ignoring_case(app_ctx, db):
    ecole = AgencyFactory(name="École Saint-Éloi", kind=AgencyKind.SCHOOL)

    counts = import_agencies(workbook([("école saint-éloi", "school", "s175")]), filename="agencies.xlsx")

    assert counts == {"created": 0, "updated": 1}
    db.session.expire_all()
    assert db.session.get(Agency, ecole.id).duty == StatutoryDuty.S175


def test_every_problem_is_reported_with_sheet_row_and_column_and_nothing_changes(app_ctx, db):
    police = AgencyFactory(name="Northmoor Police", kind=AgencyKind.POLICE, duty=StatutoryDuty.S11)
    data = workbook(
        [
            (None, "police", "s11", "yes", None),  # row 2: no name
            ("Alpha Trust", "spaceship", "s11", "yes", None),  # row 3: unknown kind
            ("Beta Service", "police", "s99", "yes", None),  # row 4: bad duty
            ("Gamma Team", "police", "s11", "maybe", None),  # row 5: bad active
            ("ALPHA TRUST", "police", "s11", "yes", None),  # row 6: duplicate of row 3
            ("Delta Group", "police", "s11", "yes", "no-at-sign"),  # row 7: bad contact e-mail
            ("Northmoor Police", "police", "none", "no", None),  # row 8: valid, must not be applied
        ]
    )

    problems = _problems(data)

    located = {(p.sheet, p.row, p.column) for p in problems}
    assert located == {
        ("Agencies", 2, "A"),
        ("Agencies", 3, "B"),
        ("Agencies", 4, "C"),
        ("Agencies", 5, "D"),
        ("Agencies", 6, "A"),
        ("Agencies", 7, "E"),
    }
    messages = {(p.row, p.column): p.message for p in problems}
    assert messages[(2, "A")] == "Enter the agency's name"
    assert messages[(3, "B")].startswith("Unknown kind 'spaceship': use one of police, ")
    assert messages[(4, "C")] == "Duty must be S11, S175 or none"
    assert messages[(5, "D")] == "Active must be yes or no"
    assert messages[(6, "A")] == "Duplicate of row 3"
    assert _count(db) == 1
    db.session.expire_all()
    assert (db.session.get(Agency, police.id).duty, db.session.get(Agency, police.id).version) == (StatutoryDuty.S11, 1)


def test_a_workbook_without_the_agencies_sheet(app_ctx, db):
    problems = _problems(workbook([("Alpha", "police")], header=("Name", "Kind"), sheet="Sheet1"))

    assert problems == [CellProblem("Agencies", None, None, "The workbook has no sheet called 'Agencies'")]


def test_a_sheet_without_a_required_column(app_ctx, db):
    problems = _problems(workbook([("Alpha", "s11")], header=("Name", "Duty")))

    assert [str(p) for p in problems] == ["sheet 'Agencies', row 1: Missing column 'kind' in the heading row"]
    assert _count(db) == 0


def test_a_sheet_with_headings_only(app_ctx, db):
    assert [p.message for p in _problems(workbook([]))] == ["The sheet has no agencies"]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"Name,Kind\nAlpha,police\n", "agencies.csv", "must be an Excel workbook (.xlsx)"),
        (b"Name,Kind\nAlpha,police\n", "agencies.xlsx", "is not an Excel workbook (.xlsx)"),
        (b"", "agencies.xlsx", "The selected file is empty."),
        (b"PK\x03\x04 broken", "agencies.xlsx", "damaged or is not an Excel workbook"),
    ],
)
def test_files_that_are_not_workbooks_are_rejected(app_ctx, db, data, filename, message):
    with pytest.raises(UploadRejected, match=re.escape(message)):
        import_agencies(data, filename=filename)


def test_a_macro_workbook_is_rejected(app_ctx, db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook([("Alpha", "police")]))) as source, zipfile.ZipFile(buffer, "w") as out:
        for item in source.infolist():
            out.writestr(item, source.read(item.filename))
        out.writestr("xl/vbaProject.bin", b"\x00" * 64)

    with pytest.raises(UploadRejected, match="macros"):
        import_agencies(buffer.getvalue(), filename="agencies.xlsx")


# --- The import page ---------------------------------------------------------------------------------------------
def _upload(web, data, filename="agencies.xlsx"):
    return web.post("/admin/agencies/import", {"file": (io.BytesIO(data), filename)})


def test_importing_through_the_page(db, login_as):
    admin = login_as(Role.ADMIN)
    assert admin.get("/admin/agencies/import").status_code == 200

    response = _upload(admin, workbook([("Riverside Pre-School", "Early years setting", "none", "yes", None)]))

    assert response.status_code == 302 and response.headers["Location"] == "/admin/agencies"
    assert "Imported agencies: 1 added, 0 updated." in html.unescape(
        admin.get("/admin/agencies").get_data(as_text=True)
    )
    assert db.session.scalar(select(Agency.kind).where(Agency.name == "Riverside Pre-School")) == AgencyKind.EARLY_YEARS


def test_the_page_lists_every_problem_and_imports_nothing(db, login_as):
    admin = login_as(Role.ADMIN)

    response = _upload(admin, workbook([(None, "police"), ("Alpha", "spaceship")], header=("Name", "Kind")))

    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "The workbook has 2 problem(s). Nothing was imported." in page and "govuk-error-summary" in page
    assert '<td class="govuk-table__cell">Agencies</td><td class="govuk-table__cell">2</td>' in page
    assert "Enter the agency's name" in page and "Unknown kind 'spaceship'" in page
    assert _count(db) == 0


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"Name,Kind\nAlpha,police\n", "agencies.csv", "The file must be an Excel workbook (.xlsx)."),
        (b"%PDF-1.7 not a spreadsheet", "agencies.xlsx", "The file is not an Excel workbook (.xlsx)."),
    ],
)
def test_the_page_refuses_files_that_are_not_workbooks(db, login_as, data, filename, message):
    admin = login_as(Role.ADMIN)

    response = _upload(admin, data, filename)

    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))


def test_the_page_asks_for_a_file_when_none_is_chosen(db, login_as):
    admin = login_as(Role.ADMIN)

    response = admin.post("/admin/agencies/import", {})

    assert response.status_code == 400
    assert "Select an Excel workbook (.xlsx) to upload." in html.unescape(response.get_data(as_text=True))


def test_an_upload_over_the_request_limit_gets_a_413_page(app, db, login_as):
    admin = login_as(Role.ADMIN)
    admin.csrf_token()
    data = workbook([(f"Agency {i}", "police") for i in range(400)])
    assert len(data) > 4096
    original = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 4096
    try:
        response = _upload(admin, data)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = original

    assert response.status_code == 413
    assert "The file is too large" in html.unescape(response.get_data(as_text=True))
    assert _count(db) == 0

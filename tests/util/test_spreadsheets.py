"""Spreadsheet safety: uploads are checked as zips before openpyxl parses them, exported cells cannot run as
formulas, and tables are read with located problems."""

import io
import zipfile

import openpyxl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from audit_app.util.spreadsheets import (
    FORMULA_TRIGGERS,
    UploadRejected,
    check_xlsx,
    neutralise,
    open_workbook,
    read_table,
)

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_unpacked_bytes": 50 * 1024 * 1024, "max_entries": 200}


def workbook_bytes(rows=(("Name", "Email"), ("Ann", "ann@test.example")), title="Agencies"):
    """A real workbook, written by openpyxl."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezip(data, *, replace=None, add=None, drop=()):
    """Copy a zip, replacing, adding or dropping entries."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for entry in src.infolist():
            if entry.filename in drop:
                continue
            dst.writestr(entry.filename, replace.get(entry.filename, src.read(entry.filename)))
        for name, content in add.items():
            dst.writestr(name, content)
    return out.getvalue()


def zip_of(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def rejected(data, filename="upload.xlsx", **limits):
    with pytest.raises(UploadRejected) as excinfo:
        check_xlsx(data, filename=filename, **{**LIMITS, **limits})
    return str(excinfo.value)


# --- check_xlsx ------------------------------------------------------------------------------------------------
def test_a_real_workbook_is_accepted():
    data = workbook_bytes()
    assert check_xlsx(data, filename="Agencies 2026.XLSX", **LIMITS) is None
    assert check_xlsx(data, **LIMITS) is None  # no filename (the API) is checked by content alone


@pytest.mark.parametrize("filename", ["agencies.csv", "agencies.xls", "agencies.xlsm", "agencies.xlsx.exe", "x"])
def test_the_wrong_extension_is_refused(filename):
    assert ".xlsx" in rejected(workbook_bytes(), filename=filename)


def test_an_empty_file_is_refused():
    assert "empty" in rejected(b"")


def test_a_file_over_the_size_cap_is_refused():
    data = workbook_bytes()
    assert "smaller than" in rejected(data, max_bytes=len(data) - 1)
    assert check_xlsx(data, filename="a.xlsx", **{**LIMITS, "max_bytes": len(data)}) is None


@pytest.mark.parametrize(
    "data", [b"Name,Email\nAnn,ann@test.example\n", b"\xd0\xcf\x11\xe0 old xls", b"PK\x03\x04junk"]
)
def test_something_that_is_not_a_zip_is_refused(data):
    assert "Excel workbook" in rejected(data)


def test_a_zip_without_a_workbook_part_is_refused():
    data = rezip(workbook_bytes(), drop=("xl/workbook.xml",))
    assert "not an Excel workbook" in rejected(data)
    assert "not an Excel workbook" in rejected(zip_of({"hello.txt": b"hello"}))


def test_a_zip_with_too_many_entries_is_refused():
    data = rezip(workbook_bytes(), add={f"xl/media/pad{n}.bin": b"x" for n in range(200)})
    assert "too many parts" in rejected(data)


def test_a_zip_bomb_is_refused_before_anything_is_unpacked():
    bomb = rezip(workbook_bytes(), add={"xl/media/zeros.bin": b"\0" * (50 * 1024 * 1024)})
    assert len(bomb) < LIMITS["max_bytes"]  # small on the wire
    # Even with room for the unpacked size, the compression ratio gives it away.
    assert "compressed suspiciously well" in rejected(bomb, max_unpacked_bytes=200 * 1024 * 1024)
    # And the declared unpacked size alone is over the usual cap.
    assert "too large when unpacked" in rejected(bomb, max_unpacked_bytes=10 * 1024 * 1024)


def test_a_macro_workbook_is_refused():
    data = rezip(workbook_bytes(), add={"xl/vbaProject.bin": b"\xcc" * 512})
    assert "macros" in rejected(data)


def test_a_macro_enabled_content_type_is_refused():
    original = workbook_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        types = archive.read("[Content_Types].xml")
    macro_types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert macro_types != types
    assert "macros" in rejected(rezip(original, replace={"[Content_Types].xml": macro_types}))


# --- neutralise --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 1234", "'+44 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Plain text", "Plain text"),
        ("a=b", "a=b"),
        ("", ""),
        (" =1", " =1"),
    ],
)
def test_neutralise_examples(value, expected):
    assert neutralise(value) == expected


@settings(database=None)
@given(st.text())
@example("=1+1")
@example("\r\n")
def test_neutralise_property_for_strings(value):
    result = neutralise(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and value:
        assert result == "'" + value
    else:
        assert result == value


@settings(database=None)
@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(), st.dates()))
def test_neutralise_leaves_non_strings_alone(value):
    assert neutralise(value) is value


def test_the_trigger_list_is_the_documented_one():
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


# --- read_table ----------------------------------------------------------------------------------------------
def sheet_of(rows, title="Agencies"):
    """The sheet as an upload would be read: saved, checked, and opened read-only."""
    data = workbook_bytes(rows, title=title)
    check_xlsx(data, filename="t.xlsx", **LIMITS)
    book = open_workbook(data)
    return book, book[title]


def test_read_table_reports_every_missing_heading_with_its_location():
    book, sheet = sheet_of([("Name", "Kind"), ("Ann", "police")])
    rows, problems, _ = read_table(sheet, required_columns=("name", "email", "duty"), max_rows=10)
    book.close()

    assert rows == []
    assert [(p.sheet, p.row, p.column) for p in problems] == [("Agencies", 1, None), ("Agencies", 1, None)]
    assert "'email'" in problems[0].message and "'duty'" in problems[1].message
    assert str(problems[0]).startswith("sheet 'Agencies', row 1: ")


def test_read_table_skips_blank_rows_and_keeps_row_numbers():
    book, sheet = sheet_of([
        ("  Name ", "EMAIL", None, "Notes"),
        (" Ann ", "ann@test.example", None, "first"),
        (None, None, None, None),
        ("   ", "", None, "only an optional cell"),
        ("Bob", None, "ignored", None),
    ])  # fmt: skip
    rows, problems, letters = read_table(sheet, required_columns=("name", "email"), max_rows=10)
    book.close()

    assert problems == []
    assert rows == [(2, {"name": "Ann", "email": "ann@test.example"}), (5, {"name": "Bob", "email": None})]
    assert letters == {"name": "A", "email": "B", "notes": "D"}


def test_read_table_includes_optional_columns_only_when_present():
    book, sheet = sheet_of([("Name", "Notes"), ("Ann", "a note")])
    rows, problems, _ = read_table(sheet, required_columns=("name",), optional_columns=("notes", "kind"), max_rows=5)
    book.close()

    assert problems == []
    assert rows == [(2, {"name": "Ann", "notes": "a note"})]


def test_read_table_reports_too_many_rows():
    book, sheet = sheet_of([("Name",), ("A",), ("B",), ("C",), ("D",)])
    rows, problems, _ = read_table(sheet, required_columns=("name",), max_rows=3)
    book.close()

    assert [number for number, _ in rows] == [2, 3, 4]
    [problem] = problems
    assert (problem.sheet, problem.row) == ("Agencies", 5)
    assert "at most 3" in problem.message
    assert problem.as_dict()["row"] == 5


def test_read_table_on_an_empty_sheet_reports_the_headings():
    book, sheet = sheet_of([])
    rows, problems, letters = read_table(sheet, required_columns=("name",), max_rows=3)
    book.close()

    assert rows == [] and letters == {}
    assert [p.message for p in problems] == ["Missing column 'name' in the heading row"]

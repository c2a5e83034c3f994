"""Spreadsheet safety: checking uploaded .xlsx files before openpyxl sees them, and neutralising exported cells."""

import io
import zipfile
import zlib
from dataclasses import dataclass

import openpyxl
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Characters that make a spreadsheet treat a cell as a formula (or smuggle one in).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
UNREADABLE = "The workbook could not be read. Open it in Excel, save it as .xlsx and try again."


class UploadRejected(Exception):
    """An uploaded file that is not a safe, plain .xlsx workbook; the message says why, for the user."""


@dataclass(frozen=True)
class CellProblem:
    """One problem in a workbook, located by sheet, row and column (1-based row; column letter)."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def location(self):
        parts = [f"sheet '{self.sheet}'"]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def as_dict(self):
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}

    def __str__(self):
        return f"{self.location()}: {self.message}"


class WorkbookInvalid(Exception):
    """A workbook whose content breaks the format; ``problems`` lists every one found."""

    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s) in the workbook")
        self.problems = list(problems)


def check_xlsx(data, *, max_bytes, max_unpacked_bytes, max_entries, filename=None):
    """Refuse anything but a plain, reasonably sized .xlsx, before any XML is parsed.

    :param data: the uploaded bytes.
    :param filename: the name given by the browser, checked only for its ending.
    :raises UploadRejected: with a message for the user.
    """
    if filename is not None and not filename.lower().endswith(".xlsx"):
        raise UploadRejected("The file must be an Excel workbook (.xlsx). Save it as 'Excel Workbook' and try again.")
    if not data:
        raise UploadRejected("The selected file is empty.")
    if len(data) > max_bytes:
        raise UploadRejected(f"The file must be smaller than {max_bytes // (1024 * 1024)} MB.")
    if not data.startswith(b"PK\x03\x04"):
        raise UploadRejected("The file is not an Excel workbook (.xlsx). Save it as 'Excel Workbook' and try again.")
    try:
        _check_archive(data, max_unpacked_bytes=max_unpacked_bytes, max_entries=max_entries)
    except UploadRejected:
        raise
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, RuntimeError, EOFError, NotImplementedError) as exc:
        raise UploadRejected("The file is damaged or is not an Excel workbook (.xlsx).") from exc


def _check_archive(data, *, max_unpacked_bytes, max_entries):
    """The zip-level checks of ``check_xlsx`` (a damaged archive raises zipfile or zlib errors here)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    entries = archive.infolist()
    if len(entries) > max_entries:
        raise UploadRejected("The workbook has too many parts to be a plain spreadsheet.")
    if sum(e.file_size for e in entries) > max_unpacked_bytes:
        raise UploadRejected("The workbook is too large when unpacked.")
    for entry in entries:
        if entry.compress_size and entry.file_size / entry.compress_size > 200:
            raise UploadRejected("The workbook is compressed suspiciously well and was refused as unsafe.")
    names = {e.filename for e in entries}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise UploadRejected("Workbooks with macros (.xlsm) are not accepted. Save it as 'Excel Workbook' (.xlsx).")
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise UploadRejected("The file is not an Excel workbook (.xlsx).")
    content_types = archive.read("[Content_Types].xml")
    if b"macroEnabled" in content_types:
        raise UploadRejected("Workbooks with macros (.xlsm) are not accepted. Save it as 'Excel Workbook' (.xlsx).")


def open_workbook(data):
    """Open checked bytes read-only with cached values only (no formula is ever evaluated).

    :raises UploadRejected: openpyxl cannot read it.
    """
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for malformed parts
        raise UploadRejected(
            "The workbook could not be read. Open it in Excel, save it as .xlsx and try again."
        ) from exc


def neutralise(value):
    """Make a cell value safe for export: strings that a spreadsheet would run as a formula get a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def column_letter(index):
    """1-based column index to its letter (1 -> A)."""
    return get_column_letter(index)


def read_table(sheet, *, required_columns, optional_columns=(), max_rows):
    """Read a sheet whose first row holds column headings, into dicts keyed by heading (lower-case).

    :return: ``(rows, problems, letters)``: rows as ``(row_number, {heading: value})`` with blank rows skipped and
        strings stripped; problems for missing headings and too many rows; ``letters`` maps heading -> column letter.
    """
    if not hasattr(sheet, "iter_rows"):
        raise UploadRejected(f"'{sheet.title}' must be a worksheet, not a chart.")
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # never trust a sheet's stated size: rows would be padded to it
    try:
        return _read_rows(sheet, required_columns, optional_columns, max_rows)
    except UploadRejected:
        raise
    except Exception as exc:  # openpyxl parses lazily and raises many types for damaged XML
        raise UploadRejected(
            "The workbook could not be read. Open it in Excel, save it as .xlsx and try again."
        ) from exc


def _read_rows(sheet, required_columns, optional_columns, max_rows):
    problems, rows = [], []
    iterator = sheet.iter_rows(values_only=True)
    header = next(iterator, None) or ()
    headings = [str(h).strip().lower() if h is not None else "" for h in header]
    positions = {h: i for i, h in enumerate(headings) if h}
    letters = {h: get_column_letter(i + 1) for h, i in positions.items()}
    for name in required_columns:
        if name not in positions:
            problems.append(CellProblem(sheet.title, 1, None, f"Missing column '{name}' in the heading row"))
    if problems:
        return [], problems, letters
    wanted = [*required_columns, *[c for c in optional_columns if c in positions]]
    for number, values in enumerate(iterator, start=2):
        if number - 1 > max_rows:
            problems.append(CellProblem(sheet.title, number, None, f"Too many rows: at most {max_rows} are allowed"))
            break
        record = {}
        for name in wanted:
            i = positions[name]
            value = values[i] if i < len(values) else None
            record[name] = value.strip() if isinstance(value, str) else value
        if all(v in (None, "") for v in record.values()):
            continue
        rows.append((number, record))
    return rows, problems, letters

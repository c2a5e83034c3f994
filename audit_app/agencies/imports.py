"""Importing agencies from an Excel workbook (sheet 'Agencies'): all rows valid, or nothing applied."""

from flask import current_app
from sqlalchemy import select

from audit_app.agencies.models.agencies import AGENCY_KIND_LABELS, Agency, AgencyKind, StatutoryDuty
from audit_app.agencies.operations import create_agency, update_agency
from audit_app.extensions import db
from audit_app.util.spreadsheets import CellProblem, WorkbookInvalid, check_xlsx, open_workbook, read_table

SHEET = "Agencies"
COLUMNS = ("name", "kind")
OPTIONAL = ("duty", "active", "contact email")
_KINDS = {k.value: k for k in AgencyKind} | {label.lower(): k for k, label in AGENCY_KIND_LABELS.items()}
_DUTIES = {
    "": StatutoryDuty.NONE, "none": StatutoryDuty.NONE, "s11": StatutoryDuty.S11, "section 11": StatutoryDuty.S11,
    "s175": StatutoryDuty.S175, "s157": StatutoryDuty.S175, "section 175": StatutoryDuty.S175,
    "section 175/157": StatutoryDuty.S175,
}  # fmt: skip
_BOOLS = {
    "": True,
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
}


def _parse_row(number, record, letters):
    problems = []
    name = str(record["name"] or "").strip()
    if not name:
        problems.append(CellProblem(SHEET, number, letters["name"], "Enter the agency's name"))
    elif len(name) > 200:
        problems.append(CellProblem(SHEET, number, letters["name"], "Name must be 200 characters or fewer"))
    kind = _KINDS.get(str(record["kind"] or "").strip().lower())
    if kind is None:
        problems.append(
            CellProblem(
                SHEET,
                number,
                letters["kind"],
                f"Unknown kind '{record['kind'] or ''}': use one of " + ", ".join(k.value for k in AgencyKind),
            )
        )
    duty = _DUTIES.get(str(record.get("duty") or "").strip().lower())
    if duty is None:
        problems.append(CellProblem(SHEET, number, letters.get("duty"), "Duty must be S11, S175 or none"))
    active = _BOOLS.get(str(record.get("active") if record.get("active") is not None else "").strip().lower())
    if active is None:
        problems.append(CellProblem(SHEET, number, letters.get("active"), "Active must be yes or no"))
    email = str(record.get("contact email") or "").strip()
    if email and "@" not in email:
        problems.append(
            CellProblem(SHEET, number, letters.get("contact email"), "Contact email is not an e-mail address")
        )
    values = {"name": name, "kind": kind, "duty": duty, "is_active": active, "contact_email": email or None}
    return values, problems


def import_agencies(data, *, filename=None):
    """Create or update agencies (matched by name, ignoring case) from an uploaded workbook.

    :param data: the file's bytes.
    :return: ``{"created": n, "updated": n}``.
    :raises UploadRejected: not a safe .xlsx.
    :raises WorkbookInvalid: every problem found, with sheet, row and column; nothing is changed.
    """
    config = current_app.config
    check_xlsx(
        data,
        max_bytes=config["UPLOAD_MAX_BYTES"],
        max_unpacked_bytes=config["UPLOAD_MAX_UNPACKED_BYTES"],
        max_entries=config["UPLOAD_MAX_ZIP_ENTRIES"],
        filename=filename,
    )
    workbook = open_workbook(data)
    try:
        if SHEET not in workbook.sheetnames:
            raise WorkbookInvalid([CellProblem(SHEET, None, None, f"The workbook has no sheet called '{SHEET}'")])
        rows, problems, letters = read_table(
            workbook[SHEET], required_columns=COLUMNS, optional_columns=OPTIONAL, max_rows=config["UPLOAD_MAX_ROWS"]
        )
    finally:
        workbook.close()
    parsed, seen = [], {}
    for number, record in rows:
        values, row_problems = _parse_row(number, record, letters)
        key = values["name"].lower()
        if key and key in seen:
            row_problems.append(CellProblem(SHEET, number, letters["name"], f"Duplicate of row {seen[key]}"))
        seen.setdefault(key, number)
        problems.extend(row_problems)
        parsed.append(values)
    if not rows and not problems:
        problems.append(CellProblem(SHEET, 2, None, "The sheet has no agencies"))
    if problems:
        raise WorkbookInvalid(problems)
    return _apply(parsed)


def _apply(parsed):
    # Matched in Python: SQLite's lower() only folds ASCII. A partnership has at most a few hundred agencies.
    existing = {a.name.lower(): a for a in db.session.scalars(select(Agency))}
    counts = {"created": 0, "updated": 0}
    for values in parsed:
        agency = existing.get(values["name"].lower())
        if agency is None:
            create_agency(**values)
            counts["created"] += 1
        else:
            update_agency(agency, **values)
            counts["updated"] += 1
    return counts

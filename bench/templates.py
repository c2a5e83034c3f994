"""Template workbooks at scale: export and import of a 1,000-question template (20 sections of 50 questions of mixed
types), against the practical limit of raw openpyxl writing and reading the same cells in the same run.

Run: ``python -m bench.templates`` (``BENCH_REPEAT`` runs per figure, best kept; default 5). It builds a fresh SQLite
database in a temporary folder. Ends with one JSON line of the figures.
"""

import io
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
SECTIONS, PER_SECTION = 20, 50
TYPES = ("scale", "yes_no_partly", "rag", "single_choice", "multiple_choice", "number", "date", "short_text",
         "long_text")  # fmt: skip
THEMES = ("VOC", "CUR", "INF", "RSK", "PLN", "REC", "SUP", "TRA")
GUIDANCE = ("Look at the record for the whole scope period. Say what good looked like, what was missing and the "
            "difference it made to the child; use roles, never names.")  # fmt: skip


def build_definition():
    """A 1,000-question definition using every question type, options, conditions, themes and agency kinds."""
    sections = []
    for s in range(SECTIONS):
        questions = []
        for q in range(PER_SECTION):
            n = s * PER_SECTION + q
            qtype = TYPES[n % len(TYPES)]
            question = {
                "code": f"Q{s:02}_{q:02}", "type": qtype, "required": n % 4 != 0,
                "text": f"Question {n + 1}: how well did the agency {('assess', 'plan', 'review', 'record')[n % 4]} "
                        f"the child's needs at step {q + 1}?",
                "guidance": f"{GUIDANCE} (item {n + 1})", "themes": [THEMES[n % 8], THEMES[(n + 3) % 8]],
            }  # fmt: skip
            if qtype == "scale":
                question["scale"] = "OFSTED4"
            if qtype in ("single_choice", "multiple_choice"):
                question["options"] = [{"value": f"opt_{k}", "label": f"Option {k} for question {n + 1}"}
                                       for k in range(5)]  # fmt: skip
            if qtype == "number":
                question["min"], question["max"] = 0, 100 + n
            if q and n % 10 == 4:  # a condition on the section's first question (a scale question or another type)
                question["show_if"] = {"question": questions[0]["code"], "op": "answered"}
            if n % 25 == 0:
                question["agency_kinds"] = ["police", "childrens_social_care"]
            questions.append(question)
        sections.append({"code": f"S{s:02}", "title": f"Section {s + 1}", "description": f"About part {s + 1}.",
                          "ask_good_practice": True, "grade_scale": "OFSTED4", "questions": questions})  # fmt: skip
    return {
        "code": "BENCH_1000",
        "name": "Benchmark template (1,000 questions)",
        "kind": "case_audit",
        "description": "Generated for the benchmark.",
        "sign_off": True,
        "themes": ["VOC"],
        "sections": sections,
    }


def best(run, setup=None):
    """The best of ``REPEAT`` timings of ``run()`` (``setup()`` runs untimed before each)."""
    times = []
    for _ in range(REPEAT):
        if setup:
            setup()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def make_app(tmp):
    """The app over a fresh, migrated SQLite database in ``tmp``, with the taxonomy loaded."""
    os.environ["AUDIT_INSTANCE_PATH"] = str(tmp / "instance")
    from flask_migrate import upgrade

    from audit_app import create_app
    from audit_app.config import TestingConfig

    config = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}"})
    with app.app_context():
        from audit_app.extensions import db
        from audit_app.thematic.operations import sync_taxonomy

        upgrade()
        sync_taxonomy()
        db.session.commit()
    return app


def sheets_of(data):
    """Every sheet's rows as read back: what raw openpyxl writes and reads for the limit."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook}
    finally:
        workbook.close()


def raw_write(sheets):
    workbook = openpyxl.Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def raw_read(data):
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return sum(1 for sheet in workbook for _ in sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def measure(app):
    """:return: the figures (seconds, best of REPEAT) and the workbook's size."""
    from audit_app.extensions import db
    from audit_app.tools.library import with_library_scales
    from audit_app.tools.models.templates import Template, TemplateVersion
    from audit_app.tools.operations import create_template, publish_version
    from audit_app.tools.workbooks import export_version, import_workbook

    with app.app_context():
        version = create_template(with_library_scales(build_definition()))
        publish_version(version)
        db.session.commit()
        version_id, template_id, questions = version.id, version.template_id, len(version.ordered_questions())
        db.session.remove()
        result = {}

        def fresh_session():
            db.session.rollback()
            db.session.expunge_all()

        result["export_s"] = best(lambda: export_version(db.session.get(TemplateVersion, version_id)), fresh_session)
        data = export_version(db.session.get(TemplateVersion, version_id))
        imported = []
        result["import_s"] = best(
            lambda: imported.append(import_workbook(data, filename="bench.xlsx",
                                                    template=db.session.get(Template, template_id))),
            fresh_session,
        )  # fmt: skip
        assert imported[-1].number == 2 and len(imported[-1].ordered_questions()) == questions
        db.session.rollback()
    sheets = sheets_of(data)
    result["raw_write_s"] = best(lambda: raw_write(sheets))
    result["raw_read_s"] = best(lambda: raw_read(data))
    return questions, len(data), result


def machine():
    return (f"{platform.platform()}; {os.cpu_count()} CPUs; Python {platform.python_version()} "
            f"({platform.python_implementation()}); openpyxl {openpyxl.__version__}")  # fmt: skip


def main():
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        questions, size, r = measure(app)
        with app.app_context():
            from audit_app.extensions import db

            db.engine.dispose()
    export_ratio, import_ratio = r["export_s"] / r["raw_write_s"], r["import_s"] / r["raw_read_s"]
    print(f"Machine: {machine()}")
    print(f"Template: {questions} questions in {SECTIONS} sections; workbook {size / 1024:.0f} KiB; best of {REPEAT}")
    print()
    print(f"{'operation':<44}{'seconds':>10}{'ratio to limit':>16}")
    print(f"{'export_version (query, build, write)':<44}{r['export_s']:>10.3f}{export_ratio:>16.2f}")
    print(f"{'  limit: raw openpyxl write of the same cells':<44}{r['raw_write_s']:>10.3f}{'':>16}")
    print(f"{'import_workbook (check, read, validate, save)':<44}{r['import_s']:>10.3f}{import_ratio:>16.2f}")
    print(f"{'  limit: raw openpyxl read of the same file':<44}{r['raw_read_s']:>10.3f}{'':>16}")
    print()
    print(json.dumps({
        "bench": "templates", "questions": questions, "export_s": round(r["export_s"], 4),
        "import_s": round(r["import_s"], 4), "raw_write_s": round(r["raw_write_s"], 4),
        "raw_read_s": round(r["raw_read_s"], 4), "export_ratio_to_limit": round(export_ratio, 2),
        "import_ratio_to_limit": round(import_ratio, 2),
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Template workbooks: export, and import back to the same definition (built-in tools and generated ones)."""

import copy
import io
import itertools

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from audit_app.agencies.models.agencies import AgencyKind
from audit_app.thematic.operations import load_taxonomy_file
from audit_app.tools.definitions import version_to_definition
from audit_app.tools.library import TOOL_FILES, load_library, tool_definition, with_library_scales
from audit_app.tools.models.templates import Template
from audit_app.tools.operations import create_template, publish_version
from audit_app.tools.question_types import QUESTION_TYPES
from audit_app.tools.workbooks import export_version, import_workbook
from tests.tools.builders import SMALL, cells, edit

THEMES = [entry["code"] for entry in load_taxonomy_file()]
AGENCY_KINDS = [k.value for k in AgencyKind]


# --- Built-in tools ---------------------------------------------------------------------------------------------------
@pytest.fixture
def library(app_ctx, db):
    load_library()
    db.session.flush()


@pytest.mark.parametrize("filename", TOOL_FILES)
def test_each_builtin_tool_round_trips(library, db, filename):
    template = db.session.scalar(select(Template).where(Template.code == tool_definition(filename)["code"]))
    published = template.published_version
    version = import_workbook(export_version(published), filename="tool.xlsx", template=template)
    assert (version.number, version.is_draft) == (2, True)
    assert version_to_definition(version) == version_to_definition(published)


def test_a_changed_code_creates_a_new_template(library, db):
    template = db.session.scalar(select(Template).where(Template.code == "SECTION11"))
    data = edit(export_version(template.published_version), {"Template": {"B2": "SECTION11_LOCAL"}})
    version = import_workbook(data, filename="s11.xlsx")
    assert (version.template.code, version.number, version.template.is_builtin) == ("SECTION11_LOCAL", 1, False)
    expected = {**version_to_definition(template.published_version), "code": "SECTION11_LOCAL"}
    assert version_to_definition(version) == expected


def test_export_reads_a_version_in_few_queries(library, db, count_queries):
    version = db.session.scalar(select(Template).where(Template.code == "FSA_MACA")).published_version
    db.session.expire_all()
    with count_queries() as counter:
        export_version(version)
    assert counter.count <= 15


# --- The workbook itself ----------------------------------------------------------------------------------------------
def test_workbook_layout(small_version):
    workbook = openpyxl.load_workbook(io.BytesIO(export_version(small_version)))
    assert workbook.sheetnames == ["Read me", "Template", "Sections", "Questions", "Options", "Scales"]
    for sheet in workbook.worksheets[1:]:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1] if cell.value is not None)
        assert sheet.column_dimensions["A"].width >= 10
    questions = workbook["Questions"]
    assert [c.value for c in questions[1]] == [
        "section", "code", "text", "guidance", "type", "scale", "required", "themes", "show_if_question",
        "show_if_op", "show_if_value", "agency_kinds", "min", "max",
    ]  # fmt: skip
    assert [c.value for c in questions[3]][:11] == [
        "VISITS", "VIS_ALONE", "Was the child seen alone?", None, "single_choice", None, "yes", None, "VIS_SEEN",
        "one_of", "yes, partly",
    ]  # fmt: skip
    assert [c.value for c in workbook["Template"]["A"]] == [
        "Field", "code", "name", "kind", "description", "guidance", "sign_off", "themes",
    ]  # fmt: skip
    read_me = " ".join(str(c.value) for row in workbook["Read me"].iter_rows() for c in row if c.value)
    for expected in (*QUESTION_TYPES, "one_of", "answered", "childrens_social_care", "CSA", "YPNA", "never calculated"):
        assert expected in read_me


def test_text_that_looks_like_a_formula_is_written_as_quoted_text(small_version):
    workbook = openpyxl.load_workbook(io.BytesIO(export_version(small_version)))
    cell = workbook["Questions"]["C6"]
    assert (cell.value, cell.data_type) == ("'=Anything else?", "s")
    assert not any(c.data_type == "f" for sheet in workbook for row in sheet.iter_rows() for c in row)


def test_formula_characters_and_leading_apostrophes_round_trip_exactly(taxonomy):
    texts = ["=SUM(A1)", "'=not a formula", "'quoted", "''-twice", "@mention"]
    definition = copy.deepcopy(SMALL)
    questions = [q for s in definition["sections"] for q in s["questions"]]
    for question, text in zip(questions, texts, strict=True):
        question["text"], question["guidance"] = text, "+44 20\n-1"
    version = create_template(with_library_scales(definition))
    data = export_version(version)
    exported = ["'=SUM(A1)", "''=not a formula", "'quoted", "'''-twice", "'@mention"]
    assert [row[2] for row in cells(data, "Questions")[1:]] == exported
    assert {row[3] for row in cells(data, "Questions")[1:]} == {"'+44 20\n-1"}
    publish_version(version)
    imported = import_workbook(data, template=version.template)
    assert [q.text for q in imported.ordered_questions()] == texts
    assert version_to_definition(imported) == version_to_definition(version)


def test_a_formula_cell_reads_as_empty_and_is_never_evaluated(small_version):
    data = edit(export_version(small_version), {"Questions": {"D2": "=1+1", "D3": '=HYPERLINK("http://x","y")'}})
    assert cells(data, "Questions")[1][3] is None  # no cached value: openpyxl wrote the formula only
    publish_version(small_version)
    version = import_workbook(data, template=small_version.template)
    assert [q.guidance for q in version.ordered_questions()[:2]] == [None, None]


def test_shipped_scales_may_be_left_out(small_version, db):
    data = export_version(small_version)
    ypna_rows = [i for i, row in enumerate(cells(data, "Scales"), start=1) if row[0] == "YPNA"]
    assert ypna_rows
    publish_version(small_version)
    version = import_workbook(edit(data, delete_rows={"Scales": ypna_rows}), template=small_version.template)
    assert [s.code for s in version.scales] == ["GRADE3", "YPNA"]
    assert version_to_definition(version) == version_to_definition(small_version)


def test_cells_typed_as_numbers_dates_and_booleans_are_read_as_text_where_text_is_wanted(small_version):
    data = edit(export_version(small_version), {
        "Questions": {"D2": 12, "D3": 2.5, "G2": True, "G3": 0},
        "Options": {"B2": 1, "C2": 1},
        "Template": {"B7": False},
    })  # fmt: skip
    publish_version(small_version)
    version = import_workbook(data, template=small_version.template)
    first, second = version.ordered_questions()[:2]
    assert (first.guidance, second.guidance, first.is_required, second.is_required) == ("12", "2.5", True, False)
    assert second.options[0] == {"value": "1", "label": "1"}
    assert version.has_sign_off is False


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(small_version):
    data = export_version(small_version)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook["Questions"].insert_rows(3, amount=2)
    out = io.BytesIO()
    workbook.save(out)
    publish_version(small_version)
    version = import_workbook(out.getvalue(), template=small_version.template)
    assert version_to_definition(version) == version_to_definition(small_version)


# --- Generated definitions ------------------------------------------------------------------------------------------
_CHARS = st.characters(exclude_categories=("Cs", "Cc", "Cn", "Co")) | st.sampled_from("\n\t\r'=")
_PREFIXES = st.sampled_from(["", "", "=", "+", "-", "@", "'=", "'", "''+", "=SUM(A1:A2)", "-1"])


def _texts(max_size=40):
    return st.builds(lambda prefix, body: (prefix + body).strip() or "x", _PREFIXES, st.text(_CHARS, max_size=max_size))


_MAYBE_TEXT = st.none() | _texts(80)
# Decimals of up to 15 significant digits: what a spreadsheet keeps (openpyxl writes numbers as %.16g).
_NUMBERS = st.integers(-1000, 1000) | st.integers(-(10**8), 10**8).map(lambda n: n / 100)


@st.composite
def _scales(draw):
    scales = []
    for i in range(draw(st.integers(1, 3))):
        levels = []
        for j in range(draw(st.integers(2, 5))):
            scored = draw(st.booleans())
            levels.append({
                "value": f"l{j}", "label": draw(_texts(30)), "is_scored": scored,
                "score": draw(_NUMBERS) if scored else draw(st.none() | _NUMBERS),
                "colour": draw(st.none() | st.from_regex(r"\A#[0-9a-f]{6}\Z")), "description": draw(_MAYBE_TEXT),
            })  # fmt: skip
        scales.append({"code": f"SC{i}", "name": draw(_texts()), "description": draw(_MAYBE_TEXT), "levels": levels})
    return scales


def _answers(question, scales):
    """Values a condition on ``question`` may test, or None when only 'answered' makes sense."""
    if question["type"] == "scale":
        return [lv["value"] for lv in scales[question["scale"]]["levels"]]
    if question["type"] == "yes_no_partly":
        return ["yes", "partly", "no", "not_applicable"]
    if question["type"] == "rag":
        return ["red", "amber", "green"]
    if question.get("options"):
        return [o["value"] for o in question["options"]]
    return None


def _condition(draw, earlier, scales):
    target = draw(st.sampled_from(earlier))
    answers = _answers(target, scales)
    op = draw(st.sampled_from(["answered"] if answers is None else ["answered", "equals", "one_of"]))
    value = None
    if op == "equals":
        value = draw(st.sampled_from(answers))
    elif op == "one_of":
        value = draw(st.lists(st.sampled_from(answers), min_size=1, max_size=3, unique=True))
    return {"question": target["code"], "op": op, "value": value}


def _question(draw, code, earlier, scales):
    qtype = draw(st.sampled_from(list(QUESTION_TYPES)))
    question = {
        "code": code, "text": draw(_texts()), "guidance": draw(_MAYBE_TEXT), "type": qtype,
        "required": draw(st.booleans()), "themes": draw(st.lists(st.sampled_from(THEMES), max_size=3, unique=True)),
        "agency_kinds": draw(st.none() | st.lists(st.sampled_from(AGENCY_KINDS), min_size=1, max_size=3, unique=True)),
    }  # fmt: skip
    if qtype == "scale":
        question["scale"] = draw(st.sampled_from(sorted(scales)))
    if qtype in ("single_choice", "multiple_choice"):
        count = draw(st.integers(2, 5))
        question["options"] = [{"value": f"o{k}", "label": draw(_texts(30))} for k in range(count)]
    if qtype == "number" and draw(st.booleans()):
        low = draw(st.none() | _NUMBERS)
        high = draw(st.none() | _NUMBERS.filter(lambda n, low=low: low is None or n > low))
        question["min"], question["max"] = low, high
    if earlier and draw(st.integers(0, 3)) == 0:
        question["show_if"] = _condition(draw, earlier, scales)
    return question


@st.composite
def definitions(draw):
    """Valid definitions: 1-4 sections of 1-8 questions of every type, conditions only on earlier questions."""
    scales = draw(_scales())
    by_code = {s["code"]: s for s in scales}
    sections, earlier = [], []
    for i in range(draw(st.integers(1, 4))):
        questions = []
        for j in range(draw(st.integers(1, 8))):
            questions.append(_question(draw, f"Q{i}_{j}", earlier, by_code))
            earlier.append(questions[-1])
        sections.append({
            "code": f"S{i}", "title": draw(_texts()), "description": draw(_MAYBE_TEXT),
            "ask_good_practice": draw(st.booleans()), "ask_areas_for_development": draw(st.booleans()),
            "grade_scale": draw(st.none() | st.sampled_from(sorted(by_code))), "questions": questions,
        })  # fmt: skip
    return {
        "code": "GENERATED", "name": draw(_texts()), "kind": draw(st.sampled_from(["case_audit", "self_assessment"])),
        "description": draw(_MAYBE_TEXT), "guidance": draw(_MAYBE_TEXT), "sign_off": draw(st.booleans()),
        "themes": draw(st.lists(st.sampled_from(THEMES), max_size=4, unique=True)), "scales": scales,
        "sections": sections,
    }  # fmt: skip


_CODES = itertools.count(1)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(definition=definitions())
def test_generated_definitions_round_trip(taxonomy, db, definition):
    # Every example adds its own template to the test's transaction (rolled back at the end).
    version = create_template(with_library_scales({**definition, "code": f"GENERATED_{next(_CODES)}"}))
    data = export_version(version)
    publish_version(version)
    imported = import_workbook(data, filename="generated.xlsx", template=version.template)
    assert imported.number == 2
    assert version_to_definition(imported) == version_to_definition(version)

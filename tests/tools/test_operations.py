"""Template definitions (normalising, validating each rule, reading back, diffing) and the operations on
versions: create, copy, publish, retire, delete, replace a draft's content, and the frozen published versions."""

import copy

import pytest

from audit_app.core.errors import ConflictError, InvalidTransition, ValidationError
from audit_app.extensions import db as _db
from audit_app.tools.definitions import Problem, diff_definitions, diff_is_empty, normalise, validate
from audit_app.tools.definitions import version_to_definition as to_definition
from audit_app.tools.library import with_library_scales
from audit_app.tools.models.templates import Template, VersionStatus
from audit_app.tools.operations import (
    DefinitionInvalid,
    create_template,
    create_version,
    delete_draft,
    publish_version,
    replace_draft_content,
    retire_version,
    start_new_version,
)
from tests.tools.builders import SMALL

THEMES = {"VOC", "PLN", "RSK"}
KINDS = ["police", "school"]


def _problems(change):
    """The (path, field, message) of every problem in SMALL after ``change(definition)``."""
    definition = copy.deepcopy(with_library_scales(SMALL))
    change(definition)
    return [(p.path, p.field, p.message) for p in validate(normalise(definition), theme_codes=THEMES,
                                                              agency_kinds=KINDS)]  # fmt: skip


def _question(definition, code):
    return next(q for s in definition["sections"] for q in s["questions"] if q["code"] == code)


def _set(path, value):
    """A change setting ``definition[...path] = value``."""

    def change(definition):
        target = definition
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def test_the_small_template_is_valid():
    assert _problems(lambda d: None) == []


@pytest.mark.parametrize(("change", "field", "message"), [
    (_set(("code",), "lower"), "code", "Template code must be"),
    (_set(("name",), " "), "name", "Enter the template's name"),
    (_set(("name",), "x" * 201), "name", "200 characters or fewer"),
    (_set(("kind",), "survey"), "kind", "Kind must be case_audit or self_assessment"),
    (_set(("themes",), ["NOPE"]), "themes", "Unknown theme 'NOPE'"),
    (_set(("sections",), []), "sections", "A template needs at least one section"),
])  # fmt: skip
def test_template_rules(change, field, message):
    problems = _problems(change)
    assert any(path == () and f == field and message in m for path, f, m in problems), problems


@pytest.mark.parametrize(("change", "field", "message"), [
    (_set(("scales", 0, "code"), "bad code"), "code", "Scale code must be"),
    (_set(("scales", 0, "name"), None), "name", "Enter the scale's name"),
    (_set(("scales", 0, "levels"), [{"value": "one", "label": "One", "score": 1}]), "levels", "at least two levels"),
])  # fmt: skip
def test_scale_rules(change, field, message):
    problems = _problems(change)
    assert any(path == ("scales", 0) and f == field and message in m for path, f, m in problems), problems


def test_duplicate_scale_code():
    problems = _problems(lambda d: d["scales"].append(copy.deepcopy(d["scales"][0])))
    assert (("scales", 2), "code", "Duplicate scale code GRADE3") in problems


@pytest.mark.parametrize(("level", "field", "message"), [
    ({"value": "Bad Value", "label": "X", "score": 1}, "value", "Level value must be lower-case"),
    ({"value": "good", "label": "X", "score": 1}, "value", "Duplicate level value good"),
    ({"value": "other", "label": None, "score": 1}, "label", "Enter the level's label"),
    ({"value": "other", "label": "X", "score": "lots"}, "score", "Score must be a number"),
    ({"value": "other", "label": "X", "score": None}, "score", "A scored level needs a score"),
    ({"value": "other", "label": "X", "score": 1, "colour": "red"}, "colour", "Colour must be like #00703c"),
])  # fmt: skip
def test_scale_level_rules(level, field, message):
    problems = _problems(lambda d: d["scales"][0]["levels"].append(level))
    assert any(path == ("scales", 0, "levels", 3) and f == field and message in m for path, f, m in problems), problems


def test_an_unscored_level_needs_no_score():
    level = {"value": "na", "label": "Not applicable", "score": None, "is_scored": False}
    assert _problems(lambda d: d["scales"][0]["levels"].append(level)) == []


@pytest.mark.parametrize(("change", "field", "message"), [
    (_set(("sections", 1, "code"), "quality"), "code", "Section code must be"),
    (_set(("sections", 1, "code"), "VISITS"), "code", "Duplicate section code VISITS"),
    (_set(("sections", 1, "title"), ""), "title", "Enter the section's title"),
    (_set(("sections", 1, "grade_scale"), "NOPE"), "grade_scale", "Unknown scale 'NOPE'"),
])  # fmt: skip
def test_section_rules(change, field, message):
    problems = _problems(change)
    assert any(path == ("sections", 1) and f == field and message in m for path, f, m in problems), problems


QUESTION_PATH = ("sections", 0, "questions", 2)  # VIS_COUNT, a number question after VIS_SEEN and VIS_ALONE


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"code": "bad"}, "code", "Question code must be"),
    ({"code": "VIS_SEEN"}, "code", "Duplicate question code VIS_SEEN"),
    ({"text": " "}, "text", "Enter the question text"),
    ({"type": "essay"}, "type", "Unknown question type 'essay'"),
    ({"type": "short_text", "min": None, "max": None, "scale": "GRADE3"}, "scale", "has no scale"),
    ({"type": "short_text", "min": None, "max": None, "options": [{"value": "a", "label": "A"}]}, "options",
     "has no options"),
    ({"type": "short_text"}, "min", "Only number questions have bounds"),
    ({"type": "scale", "min": None, "max": None}, "scale", "Choose the scale this question is graded on"),
    ({"type": "scale", "min": None, "max": None, "scale": "NOPE"}, "scale", "Unknown scale 'NOPE'"),
    ({"type": "yes_no_partly", "min": None, "max": None, "scale": "GRADE3"}, "scale", "always uses the YPNA scale"),
    ({"type": "single_choice", "min": None, "max": None, "options": [{"value": "a", "label": "A"}]}, "options",
     "at least two options"),
    ({"min": 10, "max": 5}, "max", "The maximum must be greater than the minimum"),
    ({"min": "few"}, "min", "The minimum must be a number"),
    ({"themes": ["NOPE"]}, "themes", "Unknown theme 'NOPE'"),
    ({"agency_kinds": ["mars"]}, "agency_kinds", "Unknown agency kind 'mars'"),
])  # fmt: skip
def test_question_rules(changes, field, message):
    problems = _problems(lambda d: _question(d, "VIS_COUNT").update(changes))
    assert any(path == QUESTION_PATH and f == field and message in m for path, f, m in problems), problems


@pytest.mark.parametrize("options", [
    [{"value": "Bad", "label": "A"}, {"value": "b", "label": "B"}],
    [{"value": "a", "label": "A"}, {"value": "a", "label": "B"}],
    [{"value": "a", "label": None}, {"value": "b", "label": "B"}],
])  # fmt: skip
def test_option_rules(options):
    problems = _problems(lambda d: _question(d, "VIS_ALONE").update(options=options))
    assert [f for path, f, _ in problems if path == ("sections", 0, "questions", 1)] == ["options"]


@pytest.mark.parametrize(("condition", "message"), [
    ({"question": "VIS_COUNT", "op": "answered"}, "Circular condition"),
    ({"question": "QUA_PLAN", "op": "answered"}, "Condition refers to 'QUA_PLAN', which is not an earlier question"),
    ({"question": "VIS_SEEN", "op": "greater"}, "Condition must be one of equals, one_of, answered"),
    ({"question": "VIS_SEEN", "op": "equals", "value": None}, "Say which answer shows this question"),
    ({"question": "VIS_SEEN", "op": "one_of", "value": ["yes", "maybe"]}, "'maybe' is not an answer to VIS_SEEN"),
    ({"question": "VIS_ALONE", "op": "equals", "value": "sometimes"}, "'sometimes' is not an answer to VIS_ALONE"),
])  # fmt: skip
def test_condition_rules(condition, message):
    problems = _problems(lambda d: _question(d, "VIS_COUNT").update(show_if=condition))
    assert any(path == QUESTION_PATH and f == "show_if" and message in m for path, f, m in problems), problems


def test_problem_describes_where_it_is_by_code():
    definition = normalise(SMALL)
    assert Problem(QUESTION_PATH, "min", "x").describe(definition) == "section VISITS, question VIS_COUNT, field 'min'"
    level = Problem(("scales", 0, "levels", 1), "score", "x")
    assert level.describe(definition) == "scale GRADE3, level 2, field 'score'"
    assert Problem((), None, "x").describe(definition) == "template"


# --- Operations --------------------------------------------------------------------------------------------------
def test_create_template_makes_a_draft_version_one(small_version):
    assert (small_version.number, small_version.status, small_version.template.code) == (1, VersionStatus.DRAFT,
                                                                                          "HOME_VISIT")  # fmt: skip
    definition = to_definition(small_version)
    assert [s["code"] for s in definition["sections"]] == ["VISITS", "QUALITY"]
    assert {s["code"] for s in definition["scales"]} == {"GRADE3", "YPNA"}


def test_create_template_refuses_a_taken_code_and_an_invalid_definition(small_version):
    with pytest.raises(ValidationError) as taken:
        create_template(with_library_scales(SMALL))
    assert "already exists" in taken.value.details["code"]
    with pytest.raises(DefinitionInvalid) as invalid:
        create_template({**SMALL, "code": "OTHER", "sections": []})
    assert [p.field for p in invalid.value.problems] == ["sections"]


def test_create_version_checks_template_kind_and_drafts(small_version):
    template = small_version.template
    definition = to_definition(small_version)
    with pytest.raises(ValidationError, match="Wrong template"):
        create_version(template, {**definition, "code": "OTHER"})
    with pytest.raises(ValidationError, match="Wrong kind"):
        create_version(template, {**definition, "kind": "self_assessment"})
    with pytest.raises(ValidationError, match="A draft exists"):
        create_version(template, definition)


def test_publish_then_publishing_again_is_refused(small_version):
    publish_version(small_version)
    assert small_version.status == VersionStatus.PUBLISHED and small_version.published_at is not None
    with pytest.raises(InvalidTransition):
        publish_version(small_version)


def test_publish_with_a_stale_lock_version_is_refused(small_version):
    stale = small_version.lock_version
    replace_draft_content(small_version, to_definition(small_version), expected_lock_version=stale)
    with pytest.raises(ConflictError):
        publish_version(small_version, expected_lock_version=stale)
    assert small_version.is_draft


def test_start_new_version_copies_the_latest(small_version):
    publish_version(small_version)
    new = start_new_version(small_version.template)
    assert (new.number, new.status) == (2, VersionStatus.DRAFT)
    assert diff_is_empty(diff_definitions(to_definition(small_version), to_definition(new)))
    with pytest.raises(ValidationError, match="A draft exists"):
        start_new_version(small_version.template)


def test_retire_only_a_published_version(small_version):
    with pytest.raises(InvalidTransition):
        retire_version(small_version)
    publish_version(small_version)
    retire_version(small_version)
    assert small_version.status == VersionStatus.RETIRED


def test_delete_draft_and_the_template_with_it(small_version, db):
    template_id = small_version.template_id
    delete_draft(small_version)
    db.session.expire_all()
    assert db.session.get(Template, template_id) is None


def test_delete_a_second_draft_keeps_the_template(small_version, db):
    publish_version(small_version)
    new = start_new_version(small_version.template)
    delete_draft(new)
    db.session.expire_all()
    template = db.session.get(Template, small_version.template_id)
    assert [v.number for v in template.versions] == [1]
    with pytest.raises(InvalidTransition):
        delete_draft(template.versions[0])


def test_replace_draft_content_saves_and_moves_the_lock_on(small_version):
    lock = small_version.lock_version
    definition = to_definition(small_version)
    _question(definition, "VIS_COUNT")["text"] = "How many visits in the year?"
    replace_draft_content(small_version, definition, expected_lock_version=lock)
    assert _question(to_definition(small_version), "VIS_COUNT")["text"] == "How many visits in the year?"
    # Only a question changed, not the version's own columns: the lock must still move on.
    assert small_version.lock_version == lock + 1
    with pytest.raises(ConflictError):
        replace_draft_content(small_version, definition, expected_lock_version=lock)


def test_replace_draft_content_refuses_problems_and_changes_nothing(small_version):
    before = to_definition(small_version)
    broken = copy.deepcopy(before)
    _question(broken, "VIS_ALONE")["options"] = []
    with pytest.raises(DefinitionInvalid) as exc:
        replace_draft_content(small_version, broken, expected_lock_version=small_version.lock_version)
    assert [(p.path, p.field) for p in exc.value.problems] == [(("sections", 0, "questions", 1), "options")]
    assert to_definition(small_version) == before


def test_a_published_version_is_frozen(small_version):
    publish_version(small_version)
    _db.session.flush()
    with pytest.raises(InvalidTransition):
        replace_draft_content(small_version, to_definition(small_version))
    question = small_version.sections[0].questions[0]
    question.text = "Changed behind the builder's back"
    with pytest.raises(InvalidTransition):
        _db.session.flush()
    _db.session.rollback()


def test_a_published_versions_scale_levels_are_frozen(small_version):
    publish_version(small_version)
    _db.session.flush()
    small_version.scales[0].levels[0].label = "Changed"
    with pytest.raises(InvalidTransition):
        _db.session.flush()
    _db.session.rollback()


# --- Diff ------------------------------------------------------------------------------------------------------
def test_diff_of_identical_definitions_is_empty():
    definition = normalise(with_library_scales(SMALL))
    diff = diff_definitions(definition, copy.deepcopy(definition))
    assert diff_is_empty(diff)


def test_diff_reports_every_kind_of_change():
    old = normalise(with_library_scales(SMALL))
    new = copy.deepcopy(old)
    new["name"] = "Home visits audit 2026"
    new["sections"][1]["title"] = "Quality"
    moved = new["sections"][0]["questions"].pop(2)  # VIS_COUNT moves to QUALITY, and changes
    moved["max"] = 100
    new["sections"][1]["questions"].append(moved)
    new["sections"][0]["questions"].pop(1)  # VIS_ALONE removed
    new["sections"].append({**new["sections"][1], "code": "EXTRA", "questions": [
        {**moved, "code": "EXTRA_Q"}]})  # fmt: skip
    new["scales"][0]["levels"][0]["label"] = "Very good"
    new["scales"] = [s for s in new["scales"] if s["code"] != "YPNA"] + [{**new["scales"][0], "code": "NEW"}]
    diff = diff_definitions(old, new)
    assert diff["template"] == {"name": ("Home visits audit", "Home visits audit 2026")}
    assert diff["sections_added"] == ["EXTRA"] and diff["sections_removed"] == []
    assert diff["sections_changed"] == {"QUALITY": {"title": ("Quality of practice", "Quality")}}
    assert diff["questions_added"] == ["EXTRA_Q"] and diff["questions_removed"] == ["VIS_ALONE"]
    assert diff["questions_changed"] == {"VIS_COUNT": {"max": (50, 100), "section": ("VISITS", "QUALITY")}}
    assert sorted(diff["scales_changed"]) == ["GRADE3", "NEW", "YPNA"]  # changed, added and removed
    assert not diff_is_empty(diff)

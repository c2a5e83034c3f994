"""The template builder in the browser (without JavaScript): creating a template, editing its draft, the
checks and the conflict page, publishing, new versions, comparing, exporting and importing."""

import re

import pytest
from sqlalchemy import select

from audit_app.core.permissions import Role
from audit_app.tools.definitions import version_to_definition
from audit_app.tools.models.templates import Template, TemplateVersion, VersionStatus
from audit_app.tools.operations import create_template, publish_version
from audit_app.tools.workbooks import export_version

QUESTION = {"section": "VISITS", "type": "short_text", "required": "y"}


@pytest.fixture
def admin(taxonomy, login_as):
    return login_as(Role.ADMIN)


def _version(db, version_id):
    """The version as the database has it now (after requests made in their own sessions)."""
    db.session.expire_all()
    return db.session.get(TemplateVersion, version_id)


def _definition(db, version_id):
    return version_to_definition(_version(db, version_id))


def _post(client, db, url, data, version_id):
    """Post a builder form with the draft's current lock version, as the page would carry it."""
    return client.post(url, {"lock_version": _version(db, version_id).lock_version, **data})


def _text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _base(version):
    return f"/templates/{version.template_id}/versions/{version.id}"


@pytest.fixture
def draft(admin, db):
    """A new template made through the builder, with one section VISITS (renamed from the starting section)."""
    response = admin.post("/templates/new", {"code": "home_audit", "name": "Home audit", "kind": "case_audit"})
    assert response.status_code == 302
    version = db.session.scalar(select(Template).where(Template.code == "HOME_AUDIT")).versions[0]
    base = _base(version)
    response = _post(admin, db, f"{base}/sections/SECTION_1/edit", {"code": "VISITS", "title": "Home visits"},
                     version.id)  # fmt: skip
    assert response.status_code == 302
    return version


def test_template_list_shows_versions_and_status(admin, db):
    version = create_template({"code": "LISTED", "name": "Listed tool", "kind": "self_assessment",
                               "sections": [{"code": "S", "title": "S"}]})  # fmt: skip
    db.session.commit()
    page = _text(admin.get("/templates"))
    assert "Listed tool" in page and "Self-assessment" in page and "Draft" in page
    assert f'href="{_base(version)}"' in page
    assert "Create a template" in page


def test_create_template_starts_a_draft_with_one_empty_section(draft, db):
    version = _version(db, draft.id)
    assert version.status == VersionStatus.DRAFT and version.number == 1
    assert [s.code for s in version.sections] == ["VISITS"]
    assert version.sections[0].questions == []


def test_create_template_with_a_taken_code_shows_the_problem(draft, admin):
    response = admin.post("/templates/new", {"code": "HOME_AUDIT", "name": "Again", "kind": "case_audit"})
    assert response.status_code == 400
    assert "There is a problem" in _text(response)
    assert "already exists" in _text(response)


def test_build_questions_of_several_types_with_a_condition(draft, admin, db):
    base = _base(draft)
    steps = [
        {**QUESTION, "code": "SEEN", "text": "Was the child seen?", "type": "yes_no_partly", "themes": ["VOC"]},
        {**QUESTION, "code": "WHERE", "text": "Where?", "type": "single_choice",
         "options": "home = At home\nschool = At school", "condition_question": "SEEN", "condition_op": "one_of",
         "condition_value": "yes, partly"},
        {**QUESTION, "code": "VISITS_N", "text": "How many visits?", "type": "number", "min": "0", "max": "20"},
        {**QUESTION, "code": "LAST", "text": "Date of the last visit", "type": "date", "agency_kinds": ["school"]},
        {**QUESTION, "code": "NOTES", "text": "Notes", "type": "long_text", "required": ""},
    ]  # fmt: skip
    for data in steps:
        response = _post(admin, db, f"{base}/questions/new", data, draft.id)
        assert response.status_code == 302, re.findall(r"govuk-error-summary__list.*?</ul>", _text(response))
    definition = _definition(db, draft.id)
    questions = {q["code"]: q for q in definition["sections"][0]["questions"]}
    assert list(questions) == ["SEEN", "WHERE", "VISITS_N", "LAST", "NOTES"]
    assert questions["SEEN"]["scale"] == "YPNA" and "YPNA" in [s["code"] for s in definition["scales"]]
    assert questions["WHERE"]["options"] == [{"value": "home", "label": "At home"},
                                             {"value": "school", "label": "At school"}]  # fmt: skip
    assert questions["WHERE"]["show_if"] == {"question": "SEEN", "op": "one_of", "value": ["yes", "partly"]}
    assert (questions["VISITS_N"]["min"], questions["VISITS_N"]["max"]) == (0, 20)
    assert questions["LAST"]["agency_kinds"] == ["school"]
    assert questions["NOTES"]["required"] is False and questions["SEEN"]["themes"] == ["VOC"]
    page = _text(admin.get(base))
    assert "Shown only if:</strong> &#39;Was the child seen?&#39; is Yes or Partly" in page
    assert "Only for:</strong> School" in page


def test_edit_move_and_delete_questions(draft, admin, db):
    base = _base(draft)
    for code in ("ONE", "TWO", "THREE"):
        response = _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": code, "text": code}, draft.id)
        assert response.status_code == 302
    assert _post(admin, db, f"{base}/questions/THREE/move", {"direction": "up"}, draft.id).status_code == 302
    assert _post(admin, db, f"{base}/questions/ONE/move", {"direction": "down"}, draft.id).status_code == 302
    codes = [q["code"] for q in _definition(db, draft.id)["sections"][0]["questions"]]
    assert codes == ["THREE", "ONE", "TWO"]

    edit = admin.get(f"{base}/questions/ONE/edit")
    assert edit.status_code == 200 and 'value="ONE"' in edit.get_data(as_text=True)
    response = _post(admin, db, f"{base}/questions/ONE/edit",
                     {**QUESTION, "code": "FIRST", "text": "Renamed", "type": "long_text"}, draft.id)  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"].endswith("#question-FIRST")
    assert admin.get(f"{base}/questions/ONE/edit").status_code == 404

    assert admin.get(f"{base}/questions/TWO/delete").status_code == 200
    assert _post(admin, db, f"{base}/questions/TWO/delete", {}, draft.id).status_code == 302
    questions = _definition(db, draft.id)["sections"][0]["questions"]
    assert [(q["code"], q["text"], q["type"]) for q in questions] == [("THREE", "THREE", "short_text"),
                                                                     ("FIRST", "Renamed", "long_text")]  # fmt: skip


def test_sections_add_edit_move_delete(draft, admin, db):
    base = _base(draft)
    assert admin.get(f"{base}/sections/new").status_code == 200
    data = {"code": "QUALITY", "title": "Quality", "ask_good_practice": "y"}
    assert _post(admin, db, f"{base}/sections/new", data, draft.id).status_code == 302
    assert _post(admin, db, f"{base}/sections/QUALITY/move", {"direction": "up"}, draft.id).status_code == 302
    sections = _definition(db, draft.id)["sections"]
    assert [s["code"] for s in sections] == ["QUALITY", "VISITS"] and sections[0]["ask_good_practice"] is True
    assert _post(admin, db, f"{base}/questions/new", {**QUESTION, "section": "QUALITY", "code": "Q", "text": "Q?"},
                 draft.id).status_code == 302  # fmt: skip
    page = _text(admin.get(f"{base}/sections/QUALITY/delete"))
    assert "question(s) will be deleted too: Q" in page
    assert _post(admin, db, f"{base}/sections/QUALITY/delete", {}, draft.id).status_code == 302
    definition = _definition(db, draft.id)
    assert [s["code"] for s in definition["sections"]] == ["VISITS"]


def test_question_moves_into_the_next_section_past_the_end_of_its_own(draft, admin, db):
    base = _base(draft)
    _post(admin, db, f"{base}/sections/new", {"code": "LATER", "title": "Later"}, draft.id)
    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "Q", "text": "Q?"}, draft.id)
    assert _post(admin, db, f"{base}/questions/Q/move", {"direction": "down"}, draft.id).status_code == 302
    sections = _definition(db, draft.id)["sections"]
    assert [q["code"] for q in sections[1]["questions"]] == ["Q"] and sections[0]["questions"] == []


def test_problems_show_on_the_fields_and_in_the_error_summary(draft, admin, db):
    base = _base(draft)
    response = _post(admin, db, f"{base}/questions/new",
                     {**QUESTION, "code": "CHOICE", "text": "Pick", "type": "single_choice", "options": "only = One"},
                     draft.id)  # fmt: skip
    assert response.status_code == 400
    page = _text(response)
    assert "There is a problem" in page and 'href="#options"' in page
    assert "A choice question needs at least two options" in page
    assert _definition(db, draft.id)["sections"][0]["questions"] == []

    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "SEEN", "text": "Seen?", "type": "yes_no_partly"},
          draft.id)  # fmt: skip
    response = _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "SEEN", "text": "Again"}, draft.id)
    assert response.status_code == 400 and 'href="#code">Duplicate question code SEEN' in _text(response)
    response = _post(admin, db, f"{base}/questions/new", {
        **QUESTION, "code": "WHY", "text": "Why?", "condition_question": "SEEN", "condition_op": "equals",
        "condition_value": "maybe"}, draft.id)  # fmt: skip
    assert response.status_code == 400
    assert 'href="#condition_question">&#39;maybe&#39; is not an answer to SEEN' in _text(response)


def test_form_checks_before_the_definition(draft, admin, db):
    base = _base(draft)
    data = {**QUESTION, "code": "", "text": "", "options": "=", "condition_question": "X"}
    response = _post(admin, db, f"{base}/questions/new", data, draft.id)
    page = _text(response)
    assert response.status_code == 400
    assert "Enter a code for the question" in page and "Line 1: write each option as value = Label" in page


def test_a_problem_elsewhere_in_the_template_is_shown_in_the_summary(draft, admin, db):
    base = _base(draft)
    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "SEEN", "text": "Seen?", "type": "yes_no_partly"},
          draft.id)  # fmt: skip
    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "WHY", "text": "Why not?",
          "condition_question": "SEEN", "condition_op": "equals", "condition_value": "no"}, draft.id)  # fmt: skip
    response = _post(admin, db, f"{base}/questions/SEEN/delete", {}, draft.id)
    assert response.status_code == 400
    where = "Section VISITS, question WHY, field &#39;show_if&#39;"
    assert f"{where}: Condition refers to &#39;SEEN&#39;" in _text(response)
    assert len(_definition(db, draft.id)["sections"][0]["questions"]) == 2


def test_renaming_a_question_keeps_the_conditions_on_it(draft, admin, db):
    base = _base(draft)
    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "SEEN", "text": "Seen?", "type": "yes_no_partly"},
          draft.id)  # fmt: skip
    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "WHY", "text": "Why not?",
          "condition_question": "SEEN", "condition_op": "answered"}, draft.id)  # fmt: skip
    response = _post(admin, db, f"{base}/questions/SEEN/edit",
                     {**QUESTION, "code": "SEEN_HOME", "text": "Seen?", "type": "yes_no_partly"}, draft.id)  # fmt: skip
    assert response.status_code == 302
    assert _definition(db, draft.id)["sections"][0]["questions"][1]["show_if"]["question"] == "SEEN_HOME"


def test_a_stale_save_shows_the_conflict_and_keeps_the_other_save(draft, admin, login_as, db):
    base = _base(draft)
    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "Q", "text": "Original"}, draft.id)
    stale = _version(db, draft.id).lock_version
    colleague = login_as(Role.ADMIN)
    response = _post(colleague, db, f"{base}/questions/Q/edit", {**QUESTION, "code": "Q", "text": "Theirs"}, draft.id)
    assert response.status_code == 302
    response = admin.post(f"{base}/questions/Q/edit", {**QUESTION, "code": "Q", "text": "Mine", "lock_version": stale})
    assert response.status_code == 409
    assert "Someone else saved a change to this draft" in _text(response)
    assert _definition(db, draft.id)["sections"][0]["questions"][0]["text"] == "Theirs"
    response = admin.post(f"{base}/questions/Q/move", {"direction": "down", "lock_version": stale})
    assert response.status_code == 302


def test_scales_shipped_and_custom(draft, admin, db):
    base = _base(draft)
    assert "Ofsted-style" in _text(admin.get(f"{base}/scales/add"))
    assert _post(admin, db, f"{base}/scales/add", {"scale": "OFSTED4"}, draft.id).status_code == 302
    levels = "yes = Yes = 2 = #00703c\nno = No = 0\nna = Not applicable = not scored"
    response = _post(admin, db, f"{base}/scales/new", {"code": "yn3", "name": "Yes or no", "levels": levels}, draft.id)
    assert response.status_code == 302
    scales = {s["code"]: s for s in _definition(db, draft.id)["scales"]}
    assert [(lv["value"], lv["score"], lv["is_scored"], lv["colour"]) for lv in scales["YN3"]["levels"]] == [
        ("yes", 2, True, "#00703c"), ("no", 0, True, None), ("na", None, False, None)]  # fmt: skip

    edit = admin.get(f"{base}/scales/OFSTED4/edit")
    assert "outstanding = Outstanding = 4 = #00703c" in edit.get_data(as_text=True)
    levels = "outstanding = Excellent = 4\ngood = Good = 3\nbad = Bad = x = red"
    response = _post(admin, db, f"{base}/scales/OFSTED4/edit", {"code": "OFSTED4", "name": "Grades", "levels": levels},
                     draft.id)  # fmt: skip
    page = _text(response)
    assert response.status_code == 400
    assert "Level 3: Score must be a number" in page and "Level 3: Colour must be like #00703c" in page
    levels = "outstanding = Excellent = 4\ngood = Good = 3"
    response = _post(admin, db, f"{base}/scales/OFSTED4/edit", {"code": "OFSTED4", "name": "Grades", "levels": levels},
                     draft.id)  # fmt: skip
    assert response.status_code == 302
    scale = {s["code"]: s for s in _definition(db, draft.id)["scales"]}["OFSTED4"]
    assert scale["levels"][0]["label"] == "Excellent" and scale["levels"][0]["description"].startswith("Practice is")


def test_section_grade_and_scale_question_use_the_versions_scales(draft, admin, db):
    base = _base(draft)
    _post(admin, db, f"{base}/scales/add", {"scale": "MET4"}, draft.id)
    assert 'value="MET4"' in admin.get(f"{base}/sections/VISITS/edit").get_data(as_text=True)
    data = {"code": "VISITS", "title": "Home visits", "grade_scale": "MET4", "ask_areas_for_development": "y"}
    assert _post(admin, db, f"{base}/sections/VISITS/edit", data, draft.id).status_code == 302
    data = {**QUESTION, "code": "GRADED", "text": "How well?", "type": "scale", "scale": "MET4"}
    assert _post(admin, db, f"{base}/questions/new", data, draft.id).status_code == 302
    section = _definition(db, draft.id)["sections"][0]
    assert section["grade_scale"] == "MET4" and section["questions"][0]["scale"] == "MET4"


def test_details_and_preview(draft, admin, db):
    base = _base(draft)
    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "SEEN", "text": "Was the child seen?",
          "type": "yes_no_partly"}, draft.id)  # fmt: skip
    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "SCHOOL_ONLY", "text": "Attendance?",
          "agency_kinds": ["school"]}, draft.id)  # fmt: skip
    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "WHY", "text": "Why not?",
          "condition_question": "SEEN", "condition_op": "equals", "condition_value": "no"}, draft.id)  # fmt: skip
    data = {"name": "Home visits audit", "guidance": "Answer from the record.", "sign_off": "y", "themes": ["VOC"]}
    assert _post(admin, db, f"{base}/details/edit", data, draft.id).status_code == 302

    page = _text(admin.get(f"{base}/preview"))
    assert "Home visits audit" in page and 'href="#section-VISITS"' in page and 'href="#sign-off"' in page
    assert "Attendance?" in page and "Answer this if &#39;Was the child seen?&#39; is No" in page
    assert 'data-show-if="{&#34;op&#34;: &#34;equals&#34;, &#34;question&#34;: &#34;SEEN&#34;' in page
    assert "js/conditions.js" in page and 'type="submit" class="govuk-button" ' not in page
    police = _text(admin.get(f"{base}/preview?agency_kind=police"))
    assert "Attendance?" not in police and "Why not?" in police
    assert "Attendance?" in _text(admin.get(f"{base}/preview?agency_kind=school"))


def test_publish_freezes_the_version_and_every_edit_route_refuses(draft, admin, db):
    base = _base(draft)
    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "Q", "text": "Q?"}, draft.id)
    _post(admin, db, f"{base}/scales/add", {"scale": "RAG"}, draft.id)
    page = _text(admin.get(f"{base}/publish"))
    assert "Publishing freezes this version for ever" in page
    assert _post(admin, db, f"{base}/publish", {}, draft.id).status_code == 302
    version = _version(db, draft.id)
    assert version.status == VersionStatus.PUBLISHED and version.published_at is not None
    before = version_to_definition(version)

    edits = {
        "details/edit": {"name": "X"}, "publish": {}, "delete": {}, "sections/new": {"code": "NEW", "title": "New"},
        "sections/VISITS/edit": {"code": "VISITS", "title": "X"}, "sections/VISITS/delete": {},
        "sections/VISITS/move": {"direction": "down"}, "questions/new": {**QUESTION, "code": "NEW", "text": "X"},
        "questions/Q/edit": {**QUESTION, "code": "Q", "text": "X"}, "questions/Q/delete": {},
        "questions/Q/move": {"direction": "up"}, "scales/add": {"scale": "MET4"},
        "scales/new": {"code": "S", "name": "S", "levels": "a = A = 1\nb = B = 2"},
        "scales/RAG/edit": {"code": "RAG", "name": "X", "levels": "a = A = 1\nb = B = 2"},
    }  # fmt: skip
    for path, data in edits.items():
        response = _post(admin, db, f"{base}/{path}", data, draft.id)
        assert response.status_code == 409, path
        assert "can no longer be changed" in _text(response), path
        if not path.endswith("/move"):
            assert admin.get(f"{base}/{path}").status_code == 409, path
    assert version_to_definition(_version(db, draft.id)) == before


def test_new_version_then_compare_shows_the_change(draft, admin, db):
    base = _base(draft)
    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "Q", "text": "Old text"}, draft.id)
    _post(admin, db, f"{base}/publish", {}, draft.id)
    response = admin.post(f"/templates/{draft.template_id}/versions/new")
    assert response.status_code == 302
    template = db.session.get(Template, draft.template_id)
    db.session.refresh(template)
    new = template.versions[-1]
    assert new.number == 2 and new.is_draft
    assert admin.post(f"/templates/{draft.template_id}/versions/new").status_code == 302  # refused: a draft exists
    assert len(_version(db, new.id).template.versions) == 2
    new_base = _base(new)
    _post(admin, db, f"{new_base}/questions/Q/edit", {**QUESTION, "code": "Q", "text": "New text"}, new.id)
    _post(admin, db, f"{new_base}/questions/new", {**QUESTION, "code": "ADDED", "text": "Added"}, new.id)

    page = _text(admin.get(f"/templates/{draft.template_id}/compare?from={draft.id}&to={new.id}"))
    assert "Changes from version 1 to version 2" in page
    assert "Question Q changed" in page and "Old text" in page and "New text" in page
    assert "Added: ADDED" in page
    same = _text(admin.get(f"/templates/{draft.template_id}/compare?from={draft.id}&to={draft.id}"))
    assert "No differences" in same
    assert admin.get(f"/templates/{draft.template_id}/compare?from=999999&to={new.id}").status_code == 404


def test_retire_and_delete(draft, admin, db):
    base = _base(draft)
    assert admin.post(f"{base}/retire").status_code == 409  # only a published version can be retired
    _post(admin, db, f"{base}/publish", {}, draft.id)
    assert admin.post(f"{base}/retire").status_code == 302
    assert _version(db, draft.id).status == VersionStatus.RETIRED
    assert admin.get(f"{base}/delete").status_code == 409

    admin.post(f"/templates/{draft.template_id}/versions/new")
    new = _version(db, draft.id).template.versions[-1]
    assert "The earlier versions are kept" in _text(admin.get(f"{_base(new)}/delete"))
    assert admin.post(f"{_base(new)}/delete").status_code == 302
    assert [v.number for v in _version(db, draft.id).template.versions] == [1]


def test_deleting_the_only_draft_deletes_the_template(draft, admin, db):
    base, template_id = _base(draft), draft.template_id
    assert "the template will be deleted too" in _text(admin.get(f"{base}/delete"))
    assert admin.post(f"{base}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Template, template_id) is None


def test_export_sends_the_workbook_named_by_code_and_number(draft, admin):
    response = admin.get(f"{_base(draft)}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == "attachment; filename=HOME_AUDIT-v1.xlsx"
    assert response.data.startswith(b"PK")


def test_import_a_workbook_as_a_new_version(draft, admin, db):
    base = _base(draft)
    _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": "Q", "text": "Q?"}, draft.id)
    _post(admin, db, f"{base}/publish", {}, draft.id)
    data = export_version(_version(db, draft.id))
    assert "A new version of Home audit (HOME_AUDIT)" in _text(admin.get("/templates/import"))
    response = admin.post("/templates/import", {"file": (_upload(data), "home.xlsx"), "template_id": draft.template_id},
                          content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302, _text(response)[-2000:]
    versions = _version(db, draft.id).template.versions
    assert [v.number for v in versions] == [1, 2] and versions[-1].is_draft


def test_import_problems_are_listed_by_cell(draft, admin, db):
    response = admin.post("/templates/import", {"file": (_upload(b"not a workbook"), "x.xlsx"), "template_id": ""},
                          content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 400 and "not an Excel workbook" in _text(response)
    data = export_version(_version(db, draft.id))  # HOME_AUDIT exists: importing it as a new template is refused
    response = admin.post("/templates/import", {"file": (_upload(data), "home.xlsx"), "template_id": ""},
                          content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 422
    page = _text(response)
    assert "Problems found" in page and "Nothing was imported" in page


def test_viewers_see_templates_but_cannot_edit(draft, login_as, db):
    version = _version(db, draft.id)
    publish_version(version)
    db.session.commit()
    scrutineer = login_as(Role.SCRUTINEER)
    page = _text(scrutineer.get(_base(draft)))
    assert "Download as Excel" in page and "Start a new version" not in page and "Edit" not in page
    assert "Create a template" not in _text(scrutineer.get("/templates"))
    assert scrutineer.get(f"{_base(draft)}/questions/new").status_code == 403


def test_unknown_codes_and_versions_of_other_templates_are_not_found(draft, admin, db):
    other = create_template({"code": "OTHER", "name": "Other", "kind": "case_audit",
                             "sections": [{"code": "S", "title": "S"}]})  # fmt: skip
    db.session.commit()
    assert admin.get(f"/templates/{draft.template_id}/versions/{other.id}").status_code == 404
    assert admin.get(f"{_base(draft)}/sections/NOPE/edit").status_code == 404
    assert admin.get(f"{_base(draft)}/questions/NOPE/edit").status_code == 404
    assert admin.get(f"{_base(draft)}/scales/NOPE/edit").status_code == 404


def test_version_page_queries_do_not_grow_with_questions(draft, admin, db, count_queries):
    base = _base(draft)
    for code in ("A", "B"):
        _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": code, "text": code, "type": "yes_no_partly",
              "themes": ["VOC"]}, draft.id)  # fmt: skip
    with count_queries() as few:
        admin.get(base)
    for code in ("C", "D", "E", "F"):
        _post(admin, db, f"{base}/questions/new", {**QUESTION, "code": code, "text": code, "type": "yes_no_partly",
              "themes": ["VOC", "RSK"]}, draft.id)  # fmt: skip
    with count_queries() as more:
        admin.get(base)
    assert more.count == few.count


def _upload(data):
    import io

    return io.BytesIO(data)


def test_a_save_racing_another_is_a_conflict_not_an_error(small_version, app, db):
    from sqlalchemy import update

    from audit_app.tools.forms import LockedForm
    from audit_app.tools.views.editing import CONFLICT_MESSAGE, save

    lock = small_version.lock_version
    # Another request saves after this one checked the lock version but before it writes.
    db.session.execute(update(TemplateVersion).where(TemplateVersion.id == small_version.id)
                       .values(lock_version=lock + 1))  # fmt: skip
    with app.test_request_context(method="POST", data={"lock_version": str(lock)}):
        form = LockedForm(meta={"csrf": False})
        assert not save(small_version, version_to_definition(small_version), form)
    assert form.conflict and form.form_errors == [CONFLICT_MESSAGE]

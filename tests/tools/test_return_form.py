"""The return form built at run time from a version: a field per question type, agency-kind filtering, the
section extras, the sign-off block, binding posted and saved answers, and the shared partial."""

import datetime as dt
import decimal

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict
from wtforms import DateField, DecimalField, RadioField, SelectMultipleField, StringField, TextAreaField

from audit_app.agencies.models.agencies import AgencyKind
from audit_app.tools.library import with_library_scales
from audit_app.tools.operations import create_template
from audit_app.tools.queries import load_version_content
from audit_app.tools.return_form import answer_data, describe_condition, make_return_form, questions_asked

OPTIONS = [{"value": "home", "label": "At home"}, {"value": "school", "label": "At school"}]
EVERY_TYPE = {
    "code": "EVERY_TYPE", "name": "Every type", "kind": "case_audit", "sign_off": True,
    "scales": [{"code": "GRADE", "name": "Grade", "levels": [
        {"value": "good", "label": "Good", "score": 2}, {"value": "poor", "label": "Poor", "score": 1}]}],
    "sections": [
        {"code": "MAIN", "title": "Main", "description": "All the types.", "ask_good_practice": True,
         "ask_areas_for_development": True, "grade_scale": "GRADE", "questions": [
            {"code": "Q_SCALE", "text": "Graded?", "type": "scale", "scale": "GRADE"},
            {"code": "Q_YPNA", "text": "Seen?", "type": "yes_no_partly"},
            {"code": "Q_RAG", "text": "Status?", "type": "rag"},
            {"code": "Q_ONE", "text": "Where?", "type": "single_choice", "options": OPTIONS,
             "show_if": {"question": "Q_YPNA", "op": "one_of", "value": ["yes", "partly"]}},
            {"code": "Q_MANY", "text": "Where else?", "type": "multiple_choice", "options": OPTIONS},
            {"code": "Q_NUMBER", "text": "How many?", "type": "number", "min": 0, "max": 10},
            {"code": "Q_DATE", "text": "When?", "type": "date"},
            {"code": "Q_SHORT", "text": "Who?", "type": "short_text", "required": False},
            {"code": "Q_LONG", "text": "Why?", "type": "long_text", "guidance": "Say why."},
        ]},
        {"code": "SCHOOLS", "title": "Schools only", "questions": [
            {"code": "S_ATTEND", "text": "Attendance?", "type": "yes_no_partly", "agency_kinds": ["school", "college"]},
            {"code": "S_WHY", "text": "Why low?", "type": "long_text",
             "show_if": {"question": "S_ATTEND", "op": "equals", "value": "no"}},
            {"code": "S_ANY", "text": "Anything?", "type": "short_text"},
        ]},
    ],
}  # fmt: skip


@pytest.fixture
def version(app_ctx, db):
    created = create_template(with_library_scales(EVERY_TYPE))
    db.session.flush()
    return load_version_content(created.id)


def test_a_field_per_question_type(version, app):
    form_class = make_return_form(version)
    with app.test_request_context():
        form = form_class(meta={"csrf": False})
    expected = {
        "Q_SCALE": RadioField, "Q_YPNA": RadioField, "Q_RAG": RadioField, "Q_ONE": RadioField,
        "Q_MANY": SelectMultipleField, "Q_NUMBER": DecimalField, "Q_DATE": DateField, "Q_SHORT": StringField,
        "Q_LONG": TextAreaField,
    }  # fmt: skip
    for code, field_class in expected.items():
        assert isinstance(form[code], field_class), code
    assert [c.value for c in form["Q_SCALE"].choices] == ["good", "poor"]
    assert [c.value for c in form["Q_YPNA"].choices] == ["yes", "partly", "no", "not_applicable"]
    assert [c.value for c in form["Q_RAG"].choices] == ["green", "amber", "red"]
    assert [c.label for c in form["Q_MANY"].choices] == ["At home", "At school"]
    assert form["Q_SHORT"].label.text == "Who? (optional)" and form["Q_LONG"].label.text == "Why?"
    assert form["Q_ONE"].description == "Answer this if 'Seen?' is Yes or Partly"


def test_layout_lists_sections_questions_and_conditions(version):
    form_class = make_return_form(version)
    main, schools = form_class.return_sections
    assert (main.code, main.title, main.description, main.anchor) == ("MAIN", "Main", "All the types.", "section-MAIN")
    assert [q.code for q in main.questions][:4] == ["Q_SCALE", "Q_YPNA", "Q_RAG", "Q_ONE"]
    condition = main.questions[3]
    assert condition.show_if == {"question": "Q_YPNA", "op": "one_of", "values": ["yes", "partly"]}
    assert condition.condition == "Answer this if 'Seen?' is Yes or Partly"
    assert schools.questions[1].show_if == {"question": "S_ATTEND", "op": "equals", "values": ["no"]}
    assert main.questions[0].field_params()["hint"] is None
    assert main.questions[0].field_params()["fieldset"]["legend"]["text"] == "Graded?"


def test_questions_for_other_agency_kinds_are_left_out(version):
    every = [s.questions for s in make_return_form(version).return_sections]
    police = make_return_form(version, agency_kind=AgencyKind.POLICE)
    school = make_return_form(version, agency_kind="school")
    assert [q.code for q in every[1]] == ["S_ATTEND", "S_WHY", "S_ANY"]
    assert [q.code for q in school.return_sections[1].questions] == ["S_ATTEND", "S_WHY", "S_ANY"]
    # S_WHY depends on a question the police are not asked, so it can never show for them
    assert [q.code for q in police.return_sections[1].questions] == ["S_ANY"]
    assert not hasattr(police, "S_ATTEND") and not hasattr(police, "S_WHY") and hasattr(police, "S_ANY")
    assert [q.code for q in questions_asked(version, AgencyKind.POLICE)][-1] == "S_ANY"
    assert police.agency_kind == "police" and school.agency_kind == "school"


def test_section_extras_only_where_the_section_asks(version, app):
    form_class = make_return_form(version)
    main, schools = form_class.return_sections
    assert main.extras == ["MAIN__good_practice", "MAIN__areas_for_development", "MAIN__grade"]
    assert schools.extras == []
    with app.test_request_context():
        form = form_class(meta={"csrf": False})
    assert isinstance(form["MAIN__good_practice"], TextAreaField)
    assert [c.value for c in form["MAIN__grade"].choices] == ["good", "poor"]
    assert "SCHOOLS__grade" not in form


def test_sign_off_block_only_when_the_version_has_one(app_ctx, db, version, app):
    form_class = make_return_form(version)
    assert form_class.has_sign_off and form_class.sign_off_fields == (
        "completed_by", "role", "senior_sign_off", "sign_off_date")  # fmt: skip
    with app.test_request_context():
        assert isinstance(form_class(meta={"csrf": False})["sign_off_date"], DateField)
    plain = create_template({**with_library_scales(EVERY_TYPE), "code": "NO_SIGN_OFF", "sign_off": False})
    plain_class = make_return_form(plain)
    assert not plain_class.has_sign_off and not hasattr(plain_class, "completed_by")


def test_posted_answers_bind_and_validate(version, app):
    form_class = make_return_form(version)
    posted = MultiDict([("Q_YPNA", "partly"), ("Q_MANY", "home"), ("Q_MANY", "school"), ("Q_NUMBER", "3.5"),
                        ("Q_DATE", "27"), ("Q_DATE", "3"), ("Q_DATE", "2026"), ("Q_SHORT", "A nurse"),
                        ("sign_off_date", "1"), ("sign_off_date", "4"), ("sign_off_date", "2026")])  # fmt: skip
    with app.test_request_context(method="POST"):
        form = form_class(formdata=posted, meta={"csrf": False})
        assert form.validate(), form.errors
        html = str(form["Q_DATE"]())
    assert form["Q_YPNA"].data == "partly" and form["Q_MANY"].data == ["home", "school"]
    assert form["Q_NUMBER"].data == decimal.Decimal("3.5") and form["Q_DATE"].data == dt.date(2026, 3, 27)
    assert form["sign_off_date"].data == dt.date(2026, 4, 1)
    assert 'name="Q_DATE"' in html and 'value="27"' in html


def test_wrong_answers_are_refused_and_a_partial_date_still_renders(version, app):
    form_class = make_return_form(version)
    posted = MultiDict([("Q_YPNA", "maybe"), ("Q_NUMBER", "lots"), ("Q_DATE", "31"), ("Q_DATE", "2"),
                        ("Q_DATE", "2026"), ("sign_off_date", "1")])  # fmt: skip
    with app.test_request_context(method="POST"):
        form = form_class(formdata=posted, meta={"csrf": False})
        assert not form.validate()
        assert {"Q_YPNA", "Q_NUMBER", "Q_DATE"} <= set(form.errors)
        assert "govuk-input--error" in str(form["Q_DATE"]())
        assert 'name="sign_off_date"' in str(form["sign_off_date"]())


def test_saved_answers_fill_the_form(version, app):
    data = answer_data(version, {"Q_DATE": "2026-03-27", "Q_NUMBER": 4, "Q_MANY": ["school"], "Q_YPNA": "no",
                                 "MAIN__grade": "good", "sign_off_date": "2026-04-01"})  # fmt: skip
    assert data["Q_DATE"] == dt.date(2026, 3, 27) and data["Q_NUMBER"] == decimal.Decimal("4")
    with app.test_request_context():
        form = make_return_form(version)(formdata=None, data=data, meta={"csrf": False})
        date_html, number_html = str(form["Q_DATE"]()), str(form["Q_NUMBER"]())
    assert form["Q_MANY"].data == ["school"] and form["MAIN__grade"].data == "good"
    assert 'value="27"' in date_html and 'value="2026"' in date_html and 'value="4"' in number_html


def test_describe_condition_in_words(version):
    questions = {q.code: q for q in version.ordered_questions()}
    target = questions["Q_YPNA"]
    assert describe_condition({"question": "Q_YPNA", "op": "equals", "value": "no"}, target) == (
        "Answer this if 'Seen?' is No")  # fmt: skip
    assert describe_condition({"question": "Q_YPNA", "op": "answered", "value": None}, target) == (
        "Answer this if 'Seen?' has been answered")  # fmt: skip
    assert describe_condition({"question": "Q_ONE", "op": "one_of", "value": ["home", "school"]},
                              questions["Q_ONE"]) == "Answer this if 'Where?' is At home or At school"  # fmt: skip
    assert describe_condition(None, target) is None


def test_the_partial_renders_a_section_for_javascript_and_without(version, app):
    form_class = make_return_form(version)
    with app.test_request_context():
        form = form_class(meta={"csrf": False})
        html = render_template_string(
            "{% for section in form.return_sections %}{% include 'tools/_return_section.html' %}{% endfor %}"
            "{% include 'tools/_return_sign_off.html' %}",
            form=form,
        )
    assert 'id="section-MAIN"' in html and "All the types." in html
    assert 'data-show-if="{&#34;op&#34;: &#34;one_of&#34;, &#34;question&#34;: &#34;Q_YPNA&#34;' in html
    assert "Answer this if &#39;Seen?&#39; is Yes or Partly" in html
    assert "Say why." in html and "govuk-details" in html
    assert 'name="MAIN__good_practice"' in html and 'name="MAIN__grade"' in html
    assert 'id="sign-off"' in html and 'name="senior_sign_off"' in html
    assert 'type="submit"' not in html

"""Adding, editing, deleting and moving the questions of a draft (addressed by question code)."""

from flask import abort, flash, redirect, render_template, request
from flask_login import current_user, login_required

from audit_app.core.permissions import require
from audit_app.extensions import db
from audit_app.thematic.queries import query_themes
from audit_app.tools.definitions import version_to_definition
from audit_app.tools.forms import LockedForm, MoveForm, QuestionForm
from audit_app.tools.views import editing
from audit_app.tools.views.templates import version_url
from audit_app.web.forms import choices

#: Problems with a question's condition are shown beside the question it depends on.
FIELD_NAMES = {"show_if": "condition_question"}


def _question_form(version, definition, initial, *, before=None):
    """The question form with its choices: sections, scales, themes and the questions a condition may name.

    :param before: the edited question's code: only questions before it can be named in its condition.
    """
    form = QuestionForm(data={**initial, "lock_version": version.lock_version})
    form.section.choices = choices([(s["code"], f"{s['title']} ({s['code']})") for s in definition["sections"]])
    form.scale.choices = choices([("", "No scale")] + [(s.code, f"{s.name} ({s.code})") for s in version.scales])
    chosen = set(initial.get("themes") or [])
    form.themes.choices = choices([(t.code, f"{t.label} ({t.code})")
                                   for t in db.session.scalars(query_themes(active_only=False))
                                   if t.is_active or t.code in chosen])  # fmt: skip
    earlier = []
    for question in editing.all_questions(definition):
        if question["code"] == before:
            break
        earlier.append(question)
    form.condition_question.choices = choices(
        [("", "No condition: always ask it")] + [(q["code"], f"{q['code']}: {_short(q['text'])}") for q in earlier]
    )
    form.earlier = [q["code"] for q in earlier]
    return form


def _short(text, limit=70):
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _render(form, version, question):
    questions = {q.code: q for q in version.ordered_questions()}
    answerable = [questions[c] for c in form.earlier if c in questions and (questions[c].scale or questions[c].options)]
    return render_template("tools/question_form.html", form=form, version=version, question=question,
                           answerable=answerable), editing.form_status(form)  # fmt: skip


def _question_url(version, code):
    return f"{version_url(version)}#question-{code}"


@login_required
def question_create(template_id, version_id):
    """Add a question at the end of a section (``?section=CODE`` chooses the section)."""
    require(current_user, "templates.manage")
    version = editing.load_draft(template_id, version_id)
    definition = version_to_definition(version)
    form = _question_form(version, definition, {"section": request.args.get("section"), "required": True})
    if form.validate_on_submit():
        path = editing.put_question(definition, form.values(), form.section.data)
        if editing.save(version, definition, form, path=path, field_names=FIELD_NAMES):
            db.session.commit()
            flash(f"Question {form.code.data} has been added.", "success")
            return redirect(_question_url(version, form.code.data))
    return _render(form, version, None)


@login_required
def question_edit(template_id, version_id, question_code):
    """Edit a question, or move it to another section (where it goes last)."""
    require(current_user, "templates.manage")
    version = editing.load_draft(template_id, version_id)
    definition = version_to_definition(version)
    si, qi = editing.question_index(definition, question_code)
    question = definition["sections"][si]["questions"][qi]
    initial = {**QuestionForm.initial(question, version.lock_version), "section": definition["sections"][si]["code"]}
    form = _question_form(version, definition, initial, before=question_code)
    if form.validate_on_submit():
        path = editing.put_question(definition, form.values(), form.section.data, at=(si, qi))
        if editing.save(version, definition, form, path=path, field_names=FIELD_NAMES):
            db.session.commit()
            flash(f"Question {form.code.data} has been saved.", "success")
            return redirect(_question_url(version, form.code.data))
    return _render(form, version, question)


@login_required
def question_delete(template_id, version_id, question_code):
    """Confirm, then delete a question (refused while another question's condition depends on it)."""
    require(current_user, "templates.manage")
    version = editing.load_draft(template_id, version_id)
    definition = version_to_definition(version)
    si, qi = editing.question_index(definition, question_code)
    question = definition["sections"][si]["questions"].pop(qi)
    form = LockedForm(data={"lock_version": version.lock_version})
    if form.validate_on_submit() and editing.save(version, definition, form):
        db.session.commit()
        flash(f"Question {question_code} has been deleted.", "success")
        return redirect(f"{version_url(version)}#section-{definition['sections'][si]['code']}")
    return render_template("tools/question_delete.html", form=form, version=version, question=question), (
        editing.form_status(form)
    )


@login_required
def question_move(template_id, version_id, question_code):
    """Move a question up or down (past the end of its section, into the next one)."""
    require(current_user, "templates.manage")
    version = editing.load_draft(template_id, version_id)
    definition = version_to_definition(version)
    si, qi = editing.question_index(definition, question_code)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    step = -1 if form.direction.data == "up" else 1
    if editing.move_question(definition, si, qi, step) and not editing.save(version, definition, form):
        flash(f"Question {question_code} could not be moved. " + " ".join(form.form_errors))
    else:
        db.session.commit()
    return redirect(_question_url(version, question_code))

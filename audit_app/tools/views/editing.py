"""What the builder's views share: loading a version (or a draft, refusing anything else), changing the version's
definition in memory, and saving it with every problem shown on the form that caused it.

Every edit rebuilds the whole definition and saves it with ``replace_draft_content``, which validates it all and
refuses a stale edit, so a change can never leave a draft half-valid or overwrite someone else's change.
"""

from flask import abort
from sqlalchemy.orm.exc import StaleDataError

from audit_app.core.errors import ConflictError, InvalidTransition
from audit_app.extensions import db
from audit_app.tools import queries
from audit_app.tools.library import with_library_scales
from audit_app.tools.operations import DefinitionInvalid, replace_draft_content

CONFLICT_MESSAGE = (
    "Someone else saved a change to this draft after you opened this page. Your change has not been saved and "
    "theirs has been kept. Reload the page to see the draft as it is now, then make your change again."
)
NOT_A_DRAFT = "Version {number} is {status} and can no longer be changed. Start a new version to make changes."


def load_version(template_id, version_id):
    """The version of the template, with its content loaded. :raises NotFound: (404) no such version."""
    version = queries.get_version(template_id, version_id)
    if version is None:
        abort(404)
    return queries.load_version_content(version.id)


def load_draft(template_id, version_id):
    """Like ``load_version``, for editing. :raises InvalidTransition: (409) the version is not a draft."""
    version = load_version(template_id, version_id)
    if not version.is_draft:
        raise InvalidTransition(NOT_A_DRAFT.format(number=version.number, status=version.status.value))
    return version


def section_index(definition, code):
    """Index of the section with ``code``. :raises NotFound: (404) no such section."""
    for index, section in enumerate(definition["sections"]):
        if section["code"] == code:
            return index
    abort(404)


def question_index(definition, code):
    """``(section index, question index)`` of the question with ``code``. :raises NotFound: (404)."""
    for si, section in enumerate(definition["sections"]):
        for qi, question in enumerate(section["questions"]):
            if question["code"] == code:
                return si, qi
    abort(404)


def scale_index(definition, code):
    """Index of the scale with ``code``. :raises NotFound: (404) no such scale."""
    for index, scale in enumerate(definition["scales"]):
        if scale["code"] == code:
            return index
    abort(404)


def all_questions(definition):
    """Every question of a definition in order."""
    return [q for s in definition["sections"] for q in s["questions"]]


def rename_references(definition, old, new):
    """Point the conditions that name question ``old`` at ``new``, after its code changed."""
    if old == new:
        return
    for section in definition["sections"]:
        for question in section["questions"]:
            if question["show_if"] and question["show_if"]["question"] == old:
                question["show_if"]["question"] = new


def rename_scale(definition, old, new):
    """Keep the questions and section grades on a scale whose code changed."""
    for section in definition["sections"]:
        if section["grade_scale"] == old:
            section["grade_scale"] = new
        for question in section["questions"]:
            if question["scale"] == old:
                question["scale"] = new


def put_question(definition, values, section_code, at=None):
    """Put a question into ``definition``: replace the one at ``at`` (section, question index) or add it.

    A question moved to another section goes to the end of that section.

    :return: the question's path in the new definition (for showing problems on the form).
    """
    target = section_index(definition, section_code)
    if at is not None:
        rename_references(definition, definition["sections"][at[0]]["questions"][at[1]]["code"], values["code"])
        if at[0] == target:
            definition["sections"][target]["questions"][at[1]] = values
            return ("sections", target, "questions", at[1])
        definition["sections"][at[0]]["questions"].pop(at[1])
    questions = definition["sections"][target]["questions"]
    questions.append(values)
    return ("sections", target, "questions", len(questions) - 1)


def move_item(items, index, step):
    """Swap ``items[index]`` with its neighbour ``step`` away. :return: False when already at that end."""
    other = index + step
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    return True


def move_question(definition, si, qi, step):
    """Move a question up or down; past either end of its section it moves to the next section's near end.

    :return: False when it is already first or last in the template.
    """
    sections = definition["sections"]
    if move_item(sections[si]["questions"], qi, step):
        return True
    neighbour = si + step
    if not 0 <= neighbour < len(sections):
        return False
    question = sections[si]["questions"].pop(qi)
    if step < 0:
        sections[neighbour]["questions"].append(question)
    else:
        sections[neighbour]["questions"].insert(0, question)
    return True


def save(version, definition, form, *, path=None, field_names=None):
    """Replace the draft's content with ``definition``; on failure put the reasons on ``form``.

    :param path: the path of the edited item: its problems go on the form's fields, the others to the summary.
    :param field_names: definition field -> form field, where they differ.
    :return: True when saved.
    """
    try:
        replace_draft_content(version, with_library_scales(definition), expected_lock_version=form.lock_version.data)
    except (ConflictError, StaleDataError) as exc:
        if isinstance(exc, StaleDataError):  # another save was written between the lock check and this write
            db.session.rollback()
        form.form_errors.append(CONFLICT_MESSAGE)
        form.conflict = True
        return False
    except DefinitionInvalid as exc:
        show_problems(form, exc, path=path, field_names=field_names or {})
        return False
    return True


def show_problems(form, exc, *, path=None, field_names=None):
    """Put each problem on the form field it concerns, or in the error summary saying where it is."""
    for problem in exc.problems:
        name, message = None, problem.message
        if path is not None and problem.path == path:
            name = (field_names or {}).get(problem.field, problem.field)
        elif path and problem.path[: len(path)] == path and len(problem.path) > len(path) + 1:
            name = problem.path[len(path)]  # a part of the item, like one level of a scale
            message = f"{name[:-1].capitalize()} {problem.path[len(path) + 1] + 1}: {message}"
        field = form._fields.get(name) if name else None
        if field is not None and field.type not in ("HiddenField", "CSRFTokenField"):
            # The field and the summary show one message per field, so several problems share it.
            field.errors = ["; ".join([*field.errors, message])]
        else:
            where = problem.describe(exc.definition)
            form.form_errors.append(f"{where[:1].upper()}{where[1:]}: {problem.message}")


def form_status(form):
    """The HTTP status of a form page: 409 after a conflict, 400 with errors, else 200."""
    if getattr(form, "conflict", False):
        return 409
    return 400 if form.errors else 200

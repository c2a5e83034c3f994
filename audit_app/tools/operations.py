"""Creating, copying and publishing template versions, and the builder's edits. Operations flush, never commit."""

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from audit_app.agencies.models.agencies import AgencyKind
from audit_app.core.errors import InvalidTransition, ValidationError, check_version
from audit_app.extensions import db
from audit_app.thematic.queries import get_themes_by_code
from audit_app.tools.definitions import normalise, validate, version_to_definition
from audit_app.tools.models.questions import Question, Section
from audit_app.tools.models.scales import Scale, ScaleLevel
from audit_app.tools.models.templates import Template, TemplateKind, TemplateVersion, VersionStatus


class DefinitionInvalid(ValidationError):
    """A definition with problems; ``problems`` lists them all (``Problem`` objects)."""

    def __init__(self, problems, definition):
        super().__init__(
            f"The template has {len(problems)} problem(s).",
            details={"problems": [{"where": p.describe(definition), "field": p.field, "message": p.message}
                                  for p in problems]},
        )  # fmt: skip
        self.problems = problems
        self.definition = definition


def check_definition(definition):
    """Normalise and validate a definition.

    :return: the normalised definition.
    :raises DefinitionInvalid: with every problem found.
    """
    definition = normalise(definition)
    themes = get_themes_by_code()
    problems = validate(definition, theme_codes=set(themes), agency_kinds=[k.value for k in AgencyKind])
    if problems:
        raise DefinitionInvalid(problems, definition)
    return _themes_in_taxonomy_order(definition, themes)


def _themes_in_taxonomy_order(definition, themes):
    """Themes are kept in taxonomy order (the order stored versions return them in)."""

    def order(codes):
        return sorted(dict.fromkeys(codes), key=lambda c: (themes[c].position, c))

    definition["themes"] = order(definition["themes"])
    for section in definition["sections"]:
        for question in section["questions"]:
            question["themes"] = order(question["themes"])
    return definition


def create_template(definition, *, is_builtin=False):
    """Create a template and its first (draft) version from a definition.

    :return: the new ``TemplateVersion``.
    :raises DefinitionInvalid: the definition has problems.
    :raises ValidationError: a template with this code exists.
    """
    definition = check_definition(definition)
    if db.session.scalar(select(Template.id).where(func.upper(Template.code) == definition["code"])) is not None:
        raise ValidationError(
            "A template with this code already exists.",
            details={"code": f"A template with the code {definition['code']} already exists: import it as a new "
                             "version of that template instead"},
        )  # fmt: skip
    template = Template(code=definition["code"], name=definition["name"], kind=TemplateKind(definition["kind"]),
                        is_builtin=is_builtin)  # fmt: skip
    db.session.add(template)
    db.session.flush()
    return _build_version(template, definition, number=1)


def create_version(template, definition, *, change_notes=None):
    """Add a new draft version to ``template`` from a definition (an import of an edited workbook).

    :return: the new ``TemplateVersion``.
    :raises DefinitionInvalid: problems in the definition.
    :raises ValidationError: the definition is for another template or kind, or a draft already exists.
    """
    definition = check_definition(definition)
    if definition["code"] != template.code:
        raise ValidationError("Wrong template.", details={"code": f"This workbook is for {definition['code']}, "
                                                          f"not {template.code}"})  # fmt: skip
    if definition["kind"] != template.kind.value:
        raise ValidationError("Wrong kind.", details={"kind": "A new version cannot change the template's kind"})
    if template.draft_version is not None:
        raise ValidationError(
            "A draft exists.",
            details={
                "version": f"Version {template.draft_version.number} is still a draft: publish or delete it first"
            },
        )
    number = (template.latest_version.number if template.latest_version else 0) + 1
    return _build_version(template, definition, number=number, change_notes=change_notes)


def start_new_version(template):
    """Start a new draft as a copy of the latest version (the usual way to change a published tool).

    :return: the new draft.
    :raises ValidationError: a draft already exists.
    """
    latest = template.latest_version
    return create_version(template, version_to_definition(latest))


def _build_version(template, definition, *, number, change_notes=None):
    version = TemplateVersion(
        template=template, number=number, status=VersionStatus.DRAFT, name=definition["name"],
        description=definition["description"], guidance=definition["guidance"], has_sign_off=definition["sign_off"],
        themes=definition["themes"], change_notes=change_notes,
    )  # fmt: skip
    db.session.add(version)
    _fill(version, definition)
    db.session.flush()
    return version


def _make_question(version, q, position, scales, themes):
    return Question(
        version=version, position=position, code=q["code"], text=q["text"], guidance=q["guidance"], type=q["type"],
        scale=scales.get(q["scale"]), options=q["options"], min_value=q["min"], max_value=q["max"],
        is_required=q["required"], show_if=q["show_if"], agency_kinds=q["agency_kinds"],
        themes=[themes[c] for c in q["themes"]],
    )  # fmt: skip


def publish_version(version, *, user=None, expected_lock_version=None):
    """Publish a draft: from now on it is frozen, and new cycles use it.

    :raises InvalidTransition: not a draft.
    :raises ConflictError: the draft changed since the publisher looked at it.
    """
    _check_lock(version, expected_lock_version)
    check_definition(version_to_definition(version))
    version.publish(user)
    db.session.flush()
    return version


def retire_version(version):
    """Stop offering a published version for new cycles (cycles already using it keep it)."""
    version.retire()
    db.session.flush()
    return version


def delete_draft(version):
    """Delete a draft version that was never published.

    :raises InvalidTransition: the version is not a draft.
    """
    if not version.is_draft:
        raise InvalidTransition("Only a draft can be deleted; published versions are kept for ever.")
    template = version.template
    db.session.delete(version)
    db.session.flush()
    if not template.versions:
        db.session.delete(template)
        db.session.flush()


def _check_lock(version, expected):
    check_version(
        expected,
        version.lock_version,
        "Someone else changed this draft while you were looking at it. Reload and try again.",
    )


def replace_draft_content(version, definition, *, expected_lock_version=None):
    """Replace a draft's whole content with ``definition`` after validating it (the builder's save).

    :return: the version.
    :raises InvalidTransition: the version is not a draft.
    :raises ConflictError: someone else saved the draft first.
    :raises DefinitionInvalid: problems in the new content.
    """
    if not version.is_draft:
        raise InvalidTransition("This version is published and can no longer be changed. Start a new version.")
    _check_lock(version, expected_lock_version)
    definition = check_definition({**definition, "code": version.template.code, "kind": version.template.kind.value})
    for section in list(version.sections):
        db.session.delete(section)
    for scale in list(version.scales):
        db.session.delete(scale)
    db.session.flush()
    version.name, version.description = definition["name"], definition["description"]
    version.guidance, version.has_sign_off, version.themes = (
        definition["guidance"],
        definition["sign_off"],
        definition["themes"],
    )
    version.template.name = definition["name"]
    # The content lives in other tables: mark the version row changed so that its lock version moves on every
    # save (otherwise a second editor's stale save of, say, a question text would not be detected).
    flag_modified(version, "name")
    db.session.expire(version, ["sections", "scales", "questions"])
    _fill(version, definition)
    db.session.flush()
    return version


def _fill(version, definition):
    """Create the scales, sections and questions of ``definition`` in ``version``."""
    scales = {}
    for s in definition["scales"]:
        scale = Scale(version=version, code=s["code"], name=s["name"], description=s["description"])
        scale.levels = [ScaleLevel(position=i, **level) for i, level in enumerate(s["levels"])]
        scales[s["code"]] = scale
    db.session.add_all(scales.values())
    themes = get_themes_by_code()
    position = 0
    for i, s in enumerate(definition["sections"]):
        section = Section(
            version=version, position=i, code=s["code"], title=s["title"], description=s["description"],
            ask_good_practice=s["ask_good_practice"], ask_areas_for_development=s["ask_areas_for_development"],
            grade_scale=scales.get(s["grade_scale"]),
        )  # fmt: skip
        for q in s["questions"]:
            section.questions.append(_make_question(version, q, position, scales, themes))
            position += 1
        db.session.add(section)

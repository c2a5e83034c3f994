"""The template definition: one plain-dict form of a template version, shared by the built-in library (YAML),
the Excel workbook, copying a version, comparing two versions and the API.

``normalise`` fills defaults, ``validate`` finds every problem at once (each with a path a caller can turn into
a sheet/row/column), ``version_to_definition`` reads a stored version back, and ``diff_definitions`` compares two.
"""

import math
import re
from dataclasses import dataclass, field

from audit_app.tools.question_types import FIXED_SCALES, QUESTION_TYPES

CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
VALUE_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,39}$")
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
KINDS = ("case_audit", "self_assessment")
CONDITION_OPS = ("equals", "one_of", "answered")
TEMPLATE_FIELDS = ("code", "name", "kind", "description", "guidance", "sign_off", "themes")
SECTION_FIELDS = ("code", "title", "description", "ask_good_practice", "ask_areas_for_development", "grade_scale")
QUESTION_FIELDS = ("code", "text", "guidance", "type", "scale", "options", "min", "max", "required", "themes",
                   "show_if", "agency_kinds")  # fmt: skip
MAX_QUESTIONS = 2000


@dataclass(frozen=True)
class Problem:
    """A problem in a definition: where (a path into the dict and a field name) and what."""

    path: tuple
    field: str | None
    message: str
    extra: dict = field(default_factory=dict, compare=False)

    def describe(self, definition):
        """Where the problem is, in words, using codes rather than indexes."""
        parts = []
        if len(self.path) >= 2 and self.path[0] == "sections":
            section = definition["sections"][self.path[1]]
            parts.append(f"section {section.get('code') or self.path[1] + 1}")
            if len(self.path) >= 4:
                question = section["questions"][self.path[3]]
                parts.append(f"question {question.get('code') or self.path[3] + 1}")
        elif len(self.path) >= 2 and self.path[0] == "scales":
            scale = definition["scales"][self.path[1]]
            parts.append(f"scale {scale.get('code') or self.path[1] + 1}")
            if len(self.path) >= 4:
                parts.append(f"level {self.path[3] + 1}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts) or "template"


def _text(value):
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _bool(value, default):
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "yes", "y", "1")


def _number(value):
    if value is None or value == "" or isinstance(value, bool):
        return value if isinstance(value, bool) else None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else float(value)
    try:
        number = float(str(value).strip())
    except ValueError:
        return value  # left as text for validation to report
    return int(number) if number.is_integer() else number


def _codes(value):
    if value is None or value == "":
        return []
    items = value if isinstance(value, list | tuple) else str(value).replace(";", ",").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def normalise(definition):
    """A copy of ``definition`` with every key present, defaults filled and values tidied (text stripped)."""
    d = dict(definition)
    out = {
        "code": _text(d.get("code")),
        "name": _text(d.get("name")),
        "kind": _text(d.get("kind")),
        "description": _text(d.get("description")),
        "guidance": _text(d.get("guidance")),
        "sign_off": _bool(d.get("sign_off"), False),
        "themes": _codes(d.get("themes")),
        "scales": [_normalise_scale(s) for s in d.get("scales") or []],
        "sections": [_normalise_section(s) for s in d.get("sections") or []],
    }
    return out


def _normalise_scale(scale):
    levels = []
    for level in scale.get("levels") or []:
        is_scored = _bool(level.get("is_scored"), True)
        levels.append({
            "value": _text(level.get("value")),
            "label": _text(level.get("label")),
            "score": _number(level.get("score")),
            "colour": _text(level.get("colour")),
            "is_scored": is_scored,
            "description": _text(level.get("description")),
        })  # fmt: skip
    return {"code": _text(scale.get("code")), "name": _text(scale.get("name")),
            "description": _text(scale.get("description")), "levels": levels}  # fmt: skip


def _normalise_section(section):
    return {
        "code": _text(section.get("code")),
        "title": _text(section.get("title")),
        "description": _text(section.get("description")),
        "ask_good_practice": _bool(section.get("ask_good_practice"), False),
        "ask_areas_for_development": _bool(section.get("ask_areas_for_development"), False),
        "grade_scale": _text(section.get("grade_scale")),
        "questions": [_normalise_question(q) for q in section.get("questions") or []],
    }


def _normalise_question(question):
    qtype = _text(question.get("type"))
    scale = _text(question.get("scale"))
    if qtype in FIXED_SCALES and scale is None:
        scale = FIXED_SCALES[qtype]
    options = question.get("options")
    options = [{"value": _text(o.get("value")), "label": _text(o.get("label"))} for o in options] if options else None
    show_if = question.get("show_if")
    if show_if:
        op = _text(show_if.get("op"))
        value = show_if.get("value")
        if op == "one_of":
            value = _codes(value)
        elif op == "answered":
            value = None
        else:
            value = _text(value)
        show_if = {"question": _text(show_if.get("question")), "op": op, "value": value}
    kinds = _codes(question.get("agency_kinds"))
    return {
        "code": _text(question.get("code")),
        "text": _text(question.get("text")),
        "guidance": _text(question.get("guidance")),
        "type": qtype,
        "scale": scale,
        "options": options,
        "min": _number(question.get("min")),
        "max": _number(question.get("max")),
        "required": _bool(question.get("required"), True),
        "themes": _codes(question.get("themes")),
        "show_if": show_if or None,
        "agency_kinds": kinds or None,
    }


def validate(definition, *, theme_codes, agency_kinds):
    """Every problem in a normalised definition.

    :param theme_codes: the taxonomy's codes.
    :param agency_kinds: the valid agency kind codes.
    :return: a list of ``Problem`` (empty when valid).
    """
    problems = []
    add = problems.append
    d = definition
    if not d["code"] or not CODE_RE.match(d["code"]):
        add(
            Problem(
                (), "code", "Template code must be 1-40 capital letters, digits or underscores, starting with a letter"
            )
        )
    if not d["name"]:
        add(Problem((), "name", "Enter the template's name"))
    elif len(d["name"]) > 200:
        add(Problem((), "name", "Name must be 200 characters or fewer"))
    if d["kind"] not in KINDS:
        add(Problem((), "kind", "Kind must be case_audit or self_assessment"))
    for code in d["themes"]:
        if code not in theme_codes:
            add(Problem((), "themes", f"Unknown theme '{code}'"))
    scales = _validate_scales(d, add)
    _validate_sections(d, scales, add, theme_codes, set(agency_kinds))
    return problems


def _validate_scales(d, add):
    seen = {}
    for i, scale in enumerate(d["scales"]):
        path = ("scales", i)
        code = scale["code"]
        if not code or not CODE_RE.match(code):
            add(Problem(path, "code", "Scale code must be capital letters, digits or underscores"))
        elif code in seen:
            add(Problem(path, "code", f"Duplicate scale code {code}"))
        else:
            seen[code] = scale
        if not scale["name"]:
            add(Problem(path, "name", "Enter the scale's name"))
        elif len(scale["name"]) > 200:
            add(Problem(path, "name", "Scale name must be 200 characters or fewer"))
        if len(scale["levels"]) < 2:
            add(Problem(path, "levels", "A scale needs at least two levels"))
        values = set()
        for j, level in enumerate(scale["levels"]):
            lpath = (*path, "levels", j)
            if not level["value"] or not VALUE_RE.match(level["value"]):
                add(Problem(lpath, "value", "Level value must be lower-case letters, digits or underscores"))
            elif level["value"] in values:
                add(Problem(lpath, "value", f"Duplicate level value {level['value']}"))
            values.add(level["value"])
            if not level["label"]:
                add(Problem(lpath, "label", "Enter the level's label"))
            elif len(level["label"]) > 120:
                add(Problem(lpath, "label", "Level label must be 120 characters or fewer"))
            score = level["score"]
            if score is not None and (not isinstance(score, int | float) or isinstance(score, bool)
                                      or not math.isfinite(score)):  # fmt: skip
                add(Problem(lpath, "score", "Score must be a number"))
            if level["is_scored"] and score is None:
                add(Problem(lpath, "score", "A scored level needs a score (or mark it not scored)"))
            if level["colour"] and not COLOUR_RE.match(level["colour"]):
                add(Problem(lpath, "colour", "Colour must be like #00703c"))
    return seen


def _validate_sections(d, scales, add, theme_codes, kinds):
    if not d["sections"]:
        add(Problem((), "sections", "A template needs at least one section"))
    section_codes, questions = set(), {}
    total = 0
    for i, section in enumerate(d["sections"]):
        path = ("sections", i)
        code = section["code"]
        if not code or not CODE_RE.match(code):
            add(Problem(path, "code", "Section code must be capital letters, digits or underscores"))
        elif code in section_codes:
            add(Problem(path, "code", f"Duplicate section code {code}"))
        section_codes.add(code)
        if not section["title"]:
            add(Problem(path, "title", "Enter the section's title"))
        elif len(section["title"]) > 200:
            add(Problem(path, "title", "Section title must be 200 characters or fewer"))
        if section["grade_scale"] and section["grade_scale"] not in scales:
            add(Problem(path, "grade_scale", f"Unknown scale '{section['grade_scale']}'"))
        for j, question in enumerate(section["questions"]):
            total += 1
            _validate_question(question, (*path, "questions", j), scales, questions, add, theme_codes, kinds)
    if total > MAX_QUESTIONS:
        add(Problem((), "sections", f"A template can have at most {MAX_QUESTIONS} questions"))


def _validate_question(q, path, scales, earlier, add, theme_codes, kinds):
    code = q["code"]
    if not code or not CODE_RE.match(code):
        add(Problem(path, "code", "Question code must be capital letters, digits or underscores"))
    elif code in earlier:
        add(Problem(path, "code", f"Duplicate question code {code}"))
    if not q["text"]:
        add(Problem(path, "text", "Enter the question text"))
    qtype = QUESTION_TYPES.get(q["type"])
    if qtype is None:
        add(
            Problem(path, "type", f"Unknown question type '{q['type'] or ''}': use one of " + ", ".join(QUESTION_TYPES))
        )
    else:
        for fld, message in qtype.definition_problems(q):
            add(Problem(path, fld, message))
        if qtype.uses_scale and q["scale"] and q["scale"] not in scales:
            add(Problem(path, "scale", f"Unknown scale '{q['scale']}'"))
    _validate_options(q, path, add)
    for theme in q["themes"]:
        if theme not in theme_codes:
            add(Problem(path, "themes", f"Unknown theme '{theme}'"))
    for kind in q["agency_kinds"] or []:
        if kind not in kinds:
            add(Problem(path, "agency_kinds", f"Unknown agency kind '{kind}'"))
    if q["show_if"]:
        _validate_condition(q, path, scales, earlier, add)
    if code and code not in earlier:
        earlier[code] = q


def _validate_options(q, path, add):
    values = set()
    for option in q["options"] or []:
        if not option["value"] or not VALUE_RE.match(option["value"]):
            add(
                Problem(
                    path,
                    "options",
                    f"Option value '{option['value'] or ''}' must be lower-case letters, digits or underscores",
                )
            )
        elif option["value"] in values:
            add(Problem(path, "options", f"Duplicate option value {option['value']}"))
        values.add(option["value"])
        if not option["label"]:
            add(Problem(path, "options", "Every option needs a label"))


def _condition_values(target, scales):
    qtype = QUESTION_TYPES.get(target["type"])
    if qtype is None:
        return None
    if qtype.uses_scale:
        scale = scales.get(target["scale"])
        return {level["value"] for level in scale["levels"]} if scale else None
    if qtype.uses_options:
        return {o["value"] for o in target["options"] or []}
    return None


def _validate_condition(q, path, scales, earlier, add):
    cond = q["show_if"]
    target_code, op = cond["question"], cond["op"]
    if target_code == q["code"]:
        add(Problem(path, "show_if", "Circular condition: a question cannot depend on itself"))
        return
    if target_code not in earlier:
        add(Problem(path, "show_if", f"Condition refers to '{target_code}', which is not an earlier question",
                    extra={"later_or_unknown": target_code}))  # fmt: skip
        return
    if op not in CONDITION_OPS:
        add(Problem(path, "show_if", f"Condition must be one of {', '.join(CONDITION_OPS)}"))
        return
    allowed = _condition_values(earlier[target_code], scales)
    wanted = cond["value"] if op == "one_of" else ([cond["value"]] if op == "equals" and cond["value"] else [])
    if op != "answered" and not wanted:
        add(Problem(path, "show_if", "Say which answer shows this question"))
    for value in wanted:
        if allowed is not None and value not in allowed:
            add(Problem(path, "show_if", f"'{value}' is not an answer to {target_code}"))


def version_to_definition(version):
    """The stored version as a normalised definition (what export, copy and diff use)."""
    definition = {
        "code": version.template.code,
        "name": version.name,
        "kind": version.template.kind.value,
        "description": version.description,
        "guidance": version.guidance,
        "sign_off": version.has_sign_off,
        "themes": list(version.themes or []),
        "scales": [
            {"code": s.code, "name": s.name, "description": s.description,
             "levels": [{"value": lv.value, "label": lv.label, "score": lv.score, "colour": lv.colour,
                         "is_scored": lv.is_scored, "description": lv.description} for lv in s.levels]}
            for s in version.scales
        ],
        "sections": [
            {"code": s.code, "title": s.title, "description": s.description,
             "ask_good_practice": s.ask_good_practice, "ask_areas_for_development": s.ask_areas_for_development,
             "grade_scale": s.grade_scale.code if s.grade_scale else None,
             "questions": [_question_definition(q) for q in s.questions]}
            for s in version.sections
        ],
    }  # fmt: skip
    return normalise(definition)


def _question_definition(q):
    return {
        "code": q.code, "text": q.text, "guidance": q.guidance, "type": q.type,
        "scale": q.scale.code if q.scale else None, "options": q.options, "min": q.min_value, "max": q.max_value,
        "required": q.is_required, "themes": q.theme_codes, "show_if": q.show_if, "agency_kinds": q.agency_kinds,
    }  # fmt: skip


def diff_definitions(old, new):
    """What changed between two definitions, for people reviewing a new version.

    :return: dict with ``template`` (field -> (old, new)), ``sections_added``, ``sections_removed``,
        ``sections_changed`` (code -> field -> (old, new)), ``questions_added``, ``questions_removed``,
        ``questions_changed`` (code -> field -> (old, new), including ``section`` when a question moved),
        ``scales_changed`` (codes of scales added, changed or removed).
    """
    result = {"template": {k: (old[k], new[k]) for k in TEMPLATE_FIELDS if old[k] != new[k]}}
    old_s = {s["code"]: s for s in old["sections"]}
    new_s = {s["code"]: s for s in new["sections"]}
    result["sections_added"] = [c for c in new_s if c not in old_s]
    result["sections_removed"] = [c for c in old_s if c not in new_s]
    result["sections_changed"] = {
        c: {k: (old_s[c][k], new_s[c][k]) for k in SECTION_FIELDS if old_s[c][k] != new_s[c][k]}
        for c in new_s if c in old_s
    }  # fmt: skip
    result["sections_changed"] = {c: v for c, v in result["sections_changed"].items() if v}
    old_q = {q["code"]: (s["code"], q) for s in old["sections"] for q in s["questions"]}
    new_q = {q["code"]: (s["code"], q) for s in new["sections"] for q in s["questions"]}
    result["questions_added"] = [c for c in new_q if c not in old_q]
    result["questions_removed"] = [c for c in old_q if c not in new_q]
    changed = {}
    for code in new_q:
        if code not in old_q:
            continue
        (old_section, oq), (new_section, nq) = old_q[code], new_q[code]
        fields = {k: (oq[k], nq[k]) for k in QUESTION_FIELDS if oq[k] != nq[k]}
        if old_section != new_section:
            fields["section"] = (old_section, new_section)
        if fields:
            changed[code] = fields
    result["questions_changed"] = changed
    old_sc = {s["code"]: s for s in old["scales"]}
    new_codes = {s["code"] for s in new["scales"]}
    result["scales_changed"] = [s["code"] for s in new["scales"] if old_sc.get(s["code"]) != s] + [
        code
        for code in old_sc
        if code not in new_codes  # removed scales are a change too
    ]
    return result


def diff_is_empty(diff):
    """Whether a diff found no change at all."""
    return not any(diff.values())

"""The built-in library: audit tools shipped as data files, loaded (published) into every new partnership."""

from pathlib import Path

import yaml
from sqlalchemy import select

from audit_app.extensions import db
from audit_app.thematic.operations import sync_taxonomy
from audit_app.tools.models.templates import Template
from audit_app.tools.operations import create_template, publish_version
from audit_app.tools.question_types import FIXED_SCALES

LIBRARY_DIR = Path(__file__).parent / "library"
SCALES_FILE = LIBRARY_DIR / "scales.yaml"
#: The built-in tools, in the order they are listed.
TOOL_FILES = ("fsa_case_audit.yaml", "strategy_discussion.yaml", "section11.yaml", "section175.yaml",
              "early_years.yaml", "supervision.yaml")  # fmt: skip


def _read(path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def library_scales():
    """The shipped scales: code -> scale definition."""
    return {s["code"]: s for s in _read(SCALES_FILE)}


def scales_used(definition):
    """Codes of the scales a definition's questions and section grades use (fixed-scale types included)."""
    codes = set()
    for section in definition.get("sections") or []:
        if section.get("grade_scale"):
            codes.add(section["grade_scale"])
        for question in section.get("questions") or []:
            code = question.get("scale") or FIXED_SCALES.get(question.get("type"))
            if code:
                codes.add(code)
    return codes


def with_library_scales(definition):
    """Add the shipped scales that ``definition`` uses but does not define itself."""
    own = {s.get("code") for s in definition.get("scales") or []}
    shipped = library_scales()
    extra = [shipped[c] for c in sorted(scales_used(definition) - own) if c in shipped]
    return {**definition, "scales": list(definition.get("scales") or []) + extra}


def tool_definition(filename):
    """One built-in tool's definition, with the scales it uses."""
    return with_library_scales(_read(LIBRARY_DIR / filename))


def load_library():
    """Sync the theme taxonomy, then add (published) every built-in tool the partnership does not have yet.

    :return: the codes of the templates added.
    """
    sync_taxonomy()
    existing = set(db.session.scalars(select(Template.code)))
    added = []
    for filename in TOOL_FILES:
        definition = tool_definition(filename)
        if definition["code"] in existing:
            continue
        version = create_template(definition, is_builtin=True)
        publish_version(version)
        added.append(definition["code"])
    return added

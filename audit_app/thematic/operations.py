"""Changes to the theme taxonomy. Operations flush, never commit."""

from pathlib import Path

import yaml
from sqlalchemy import select

from audit_app.extensions import db
from audit_app.thematic.models.themes import Theme

TAXONOMY_FILE = Path(__file__).parent / "data" / "themes.yaml"


def load_taxonomy_file(path=TAXONOMY_FILE):
    """The shipped taxonomy as a list of dicts (code, label, description, phrases)."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def sync_taxonomy(entries=None):
    """Add missing themes and refresh labels, descriptions and phrases of shipped ones; never deletes.

    :param entries: the taxonomy (defaults to the shipped file).
    :return: ``{"created": n, "updated": n}``.
    """
    entries = entries if entries is not None else load_taxonomy_file()
    existing = {t.code: t for t in db.session.scalars(select(Theme))}
    counts = {"created": 0, "updated": 0}
    for position, entry in enumerate(entries):
        values = {
            "label": entry["label"],
            "description": entry.get("description"),
            "phrases": list(entry.get("phrases", [])),
            "position": position,
        }
        theme = existing.get(entry["code"])
        if theme is None:
            db.session.add(Theme(code=entry["code"], **values))
            counts["created"] += 1
        elif any(getattr(theme, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(theme, key, value)
            counts["updated"] += 1
    db.session.flush()
    return counts

"""Reads of the theme taxonomy."""

from sqlalchemy import select

from audit_app.extensions import db
from audit_app.thematic.models.themes import Theme


def query_themes(*, active_only=True):
    """Themes in taxonomy order. :return: a select of ``Theme``."""
    query = select(Theme).order_by(Theme.position, Theme.code)
    return query.where(Theme.is_active.is_(True)) if active_only else query


def get_themes_by_code(codes=None):
    """:return: a dict code -> Theme (all themes, or only ``codes``)."""
    query = select(Theme)
    if codes is not None:
        query = query.where(Theme.code.in_(list(codes)))
    return {t.code: t for t in db.session.scalars(query)}


def theme_codes():
    """The set of every theme code (active or not)."""
    return set(db.session.scalars(select(Theme.code)))

"""Reads of templates and versions."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from audit_app.core.db import get_by_id
from audit_app.extensions import db
from audit_app.tools.models.questions import Question, Section
from audit_app.tools.models.scales import Scale
from audit_app.tools.models.templates import Template, TemplateVersion, VersionStatus


def query_templates():
    """Templates with their versions, by name. :return: a select of ``Template``."""
    return select(Template).options(selectinload(Template.versions)).order_by(func.lower(Template.name))


def get_template(template_id):
    """One template or None."""
    return get_by_id(db.session, Template, template_id)


def get_version(template_id, version_id):
    """One version of a template, or None (also None when the version belongs to another template)."""
    version = get_by_id(db.session, TemplateVersion, version_id)
    return version if version is not None and version.template_id == template_id else None


def load_version_content(version_id):
    """A version with its scales, sections and questions (and their themes) loaded in a fixed number of queries."""
    return db.session.scalar(
        select(TemplateVersion)
        .where(TemplateVersion.id == version_id)
        .options(
            selectinload(TemplateVersion.scales).selectinload(Scale.levels),
            selectinload(TemplateVersion.sections).selectinload(Section.questions).selectinload(Question.themes),
            selectinload(TemplateVersion.sections).selectinload(Section.questions).selectinload(Question.scale),
            selectinload(TemplateVersion.sections).selectinload(Section.grade_scale),
        )
    )


def query_published_versions():
    """Published versions (what new cycles may use), newest first. :return: a select."""
    return (
        select(TemplateVersion)
        .where(TemplateVersion.status == VersionStatus.PUBLISHED)
        .order_by(TemplateVersion.template_id, TemplateVersion.number.desc())
    )


def count_questions(version_id):
    """How many questions a version has."""
    return db.session.scalar(select(func.count(Question.id)).where(Question.version_id == version_id))

"""Audit templates: versions, sections, questions, scales, the question-type registry, the built-in library,
Excel import and export, and the template builder."""

from sqlalchemy import event
from sqlalchemy.orm import Session

from audit_app.core.errors import InvalidTransition


def _owning_version(obj):
    from audit_app.tools.models.questions import Question, Section
    from audit_app.tools.models.scales import Scale, ScaleLevel
    from audit_app.tools.models.templates import TemplateVersion

    if isinstance(obj, TemplateVersion):
        return None  # the version's own status changes are guarded by its methods
    if isinstance(obj, Section | Question | Scale):
        return obj.version
    if isinstance(obj, ScaleLevel):
        return obj.scale.version if obj.scale is not None else None
    return None


@event.listens_for(Session, "before_flush")
def _published_versions_are_frozen(session, _context, _instances):
    """No route, job or command can change the content of a published or retired version."""
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        version = _owning_version(obj)
        if version is None:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if version.status != "draft" and version not in session.new:
            raise InvalidTransition("This version is published and can no longer be changed. Start a new version.")


def _load_library_for_demo(_sender, **_kwargs):
    """The demo partnership gets the built-in library like every new partnership."""
    from audit_app.tools.library import load_library

    load_library()


def connect_signals():
    """Connect this package's signal handlers (called once by create_app)."""
    from audit_app.core.signals import demo_loaded

    demo_loaded.connect(_load_library_for_demo)

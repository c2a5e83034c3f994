"""Reads of cycles and returns: lists, the agency x case matrix, participation (aggregated in SQL), late returns."""

import datetime as dt

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from audit_app.agencies.models.agencies import Agency
from audit_app.core.db import get_by_id
from audit_app.core.permissions import AGENCY_ROLES, Role
from audit_app.cycles.models.assignments import COMPLETE, EDITABLE, Answer, Assignment, AssignmentStatus
from audit_app.cycles.models.cycles import Case, Cycle, CycleStatus
from audit_app.extensions import db
from audit_app.tools.models.questions import Question, Section
from audit_app.tools.models.scales import Scale
from audit_app.tools.models.templates import TemplateVersion


def get_cycle(cycle_id):
    """One cycle or None."""
    return get_by_id(db.session, Cycle, cycle_id)


def get_assignment(assignment_id):
    """One assignment or None."""
    return get_by_id(db.session, Assignment, assignment_id)


def get_assignment_for_update(assignment_id):
    """One assignment or None, its row locked until the commit (``FOR UPDATE`` on PostgreSQL; SQLite's writes are
    already serialised by ``BEGIN IMMEDIATE``), so that the version check and the save cannot interleave."""
    return get_by_id(db.session, Assignment, assignment_id, with_for_update=True, populate_existing=True)


def load_return_content(assignment):
    """Load the assignment's tool whole (sections, questions, scales and their levels) in four queries, and attach it
    to the cycle: the identity map holds objects only while something refers to them, so a version loaded and
    dropped would be loaded again, question by question, by ``save_answers``.

    :return: the ``TemplateVersion``.
    """
    version = db.session.scalar(
        select(TemplateVersion)
        .where(TemplateVersion.id == assignment.cycle.template_version_id)
        .options(selectinload(TemplateVersion.scales).selectinload(Scale.levels),
                 selectinload(TemplateVersion.sections).selectinload(Section.questions))
    )  # fmt: skip
    set_committed_value(assignment.cycle, "template_version", version)
    return version


def query_cycles(*, status=None):
    """Cycles (with their tool), newest due date first. :return: a select of ``Cycle``."""
    query = (
        select(Cycle)
        .options(selectinload(Cycle.template_version).selectinload(TemplateVersion.template))
        .order_by(Cycle.due_on.desc(), Cycle.id.desc())
    )
    return query.where(Cycle.status == status) if status else query


def query_returns_for_user(user, *, include_finished=False):
    """The returns of the user's agency (oldest due first): for an auditor, those assigned to them or to nobody;
    for the agency lead, all of the agency's. Only cycles that are open (or closed, when ``include_finished``).

    :return: a select of ``Assignment``.
    """
    if Role(user.role) not in AGENCY_ROLES:
        return select(Assignment).where(Assignment.id.is_(None))
    statuses = [CycleStatus.OPEN] + ([CycleStatus.CLOSED, CycleStatus.REPORTED] if include_finished else [])
    query = (
        select(Assignment)
        .join(Cycle, Cycle.id == Assignment.cycle_id)
        .outerjoin(Case, Case.id == Assignment.case_id)
        .where(Assignment.agency_id == user.agency_id, Cycle.status.in_(statuses))
        .options(selectinload(Assignment.cycle), selectinload(Assignment.case))
        .order_by(Cycle.due_on, Cycle.id, Case.position)
    )
    if Role(user.role) == Role.AGENCY_AUDITOR:
        query = query.where((Assignment.assignee_id == user.id) | Assignment.assignee_id.is_(None))
    return query


def status_matrix(cycle):
    """The agency x case matrix of statuses.

    :return: ``(agencies, cases, cells)`` where ``cells[(agency_id, case_id)]`` is the assignment (case_id None for
        self-assessments).
    """
    assignments = db.session.scalars(select(Assignment).where(Assignment.cycle_id == cycle.id)).all()
    cells = {(a.agency_id, a.case_id): a for a in assignments}
    return list(cycle.agencies), list(cycle.cases), cells


def query_assignments(cycle_id, *, agency_id=None):
    """A cycle's assignments in agency then case order, with agency and case loaded; only one agency's when
    ``agency_id`` is given. :return: a select of ``Assignment``."""
    query = (
        select(Assignment)
        .join(Agency, Agency.id == Assignment.agency_id)
        .outerjoin(Case, Case.id == Assignment.case_id)
        .where(Assignment.cycle_id == cycle_id)
        .options(selectinload(Assignment.agency), selectinload(Assignment.case))
        .order_by(func.lower(Agency.name), Agency.id, Case.position, Assignment.id)
    )
    return query.where(Assignment.agency_id == agency_id) if agency_id is not None else query


def participation(cycle_id):
    """Per agency: audited (submitted or accepted), not known, out of scope, outstanding, total; in one query.

    :return: a list of dicts ``agency_id, agency, audited, not_known, out_of_scope, outstanding, total``.
    """

    def count(statuses):
        return func.sum(case((Assignment.status.in_([s.value for s in statuses]), 1), else_=0))

    rows = db.session.execute(
        select(
            Agency.id,
            Agency.name,
            count(COMPLETE).label("audited"),
            count({AssignmentStatus.NOT_KNOWN}).label("not_known"),
            count({AssignmentStatus.OUT_OF_SCOPE}).label("out_of_scope"),
            count(EDITABLE).label("outstanding"),
            func.count(Assignment.id).label("total"),
        )
        .join(Assignment, Assignment.agency_id == Agency.id)
        .where(Assignment.cycle_id == cycle_id)
        .group_by(Agency.id, Agency.name)
        .order_by(func.lower(Agency.name))
    )
    return [
        {"agency_id": r.id, "agency": r.name, "audited": int(r.audited or 0), "not_known": int(r.not_known or 0),
         "out_of_scope": int(r.out_of_scope or 0), "outstanding": int(r.outstanding or 0), "total": int(r.total)}
        for r in rows
    ]  # fmt: skip


def count_progress(cycle_ids):
    """Returns finished (submitted, accepted, not known or out of scope) and in all, per cycle, in one query.

    :param cycle_ids: the cycles of interest.
    :return: cycle id -> ``(finished, total)`` (cycles without assignments are absent).
    """
    if not cycle_ids:
        return {}
    outstanding = [s.value for s in EDITABLE]
    rows = db.session.execute(
        select(
            Assignment.cycle_id,
            func.sum(case((Assignment.status.in_(outstanding), 0), else_=1)),
            func.count(Assignment.id),
        )
        .where(Assignment.cycle_id.in_(list(cycle_ids)))
        .group_by(Assignment.cycle_id)
    )
    return {cycle_id: (int(finished or 0), int(total)) for cycle_id, finished, total in rows}


def count_by_status(cycle_id):
    """:return: status value -> number of assignments in the cycle (every status present, zeros included)."""
    rows = db.session.execute(
        select(Assignment.status, func.count(Assignment.id)).where(Assignment.cycle_id == cycle_id)
        .group_by(Assignment.status)
    )  # fmt: skip
    counts = {s.value: 0 for s in AssignmentStatus}
    counts.update({(s.value if hasattr(s, "value") else s): n for s, n in rows})
    return counts


def query_late(cycle, today):
    """Returns still outstanding after the due date. :return: a select of ``Assignment`` (agency order)."""
    if today <= cycle.due_on:
        return select(Assignment).where(Assignment.id.is_(None))
    return (
        select(Assignment)
        .join(Agency, Agency.id == Assignment.agency_id)
        .outerjoin(Case, Case.id == Assignment.case_id)
        .where(Assignment.cycle_id == cycle.id, Assignment.status.in_([s.value for s in EDITABLE]))
        .order_by(func.lower(Agency.name), Case.position)
    )


def previous_answers(assignment):
    """Last cycle's answers of the same agency (and case reference) for this return: question code -> Answer.

    Empty when the cycle was not created from a previous one.
    """
    previous = assignment.cycle.previous_cycle
    if previous is None:
        return {}
    query = (
        select(Question.code, Answer)
        .join(Answer, Answer.question_id == Question.id)
        .join(Assignment, Assignment.id == Answer.assignment_id)
        .outerjoin(Case, Case.id == Assignment.case_id)
        .where(Assignment.cycle_id == previous.id, Assignment.agency_id == assignment.agency_id)
    )
    if assignment.case is not None:
        query = query.where(Case.reference == assignment.case.reference)
    return dict(db.session.execute(query).all())  # rows of (code, answer)


def users_of_agency(agency_id):
    """Active users of an agency, for reassigning. :return: a list of ``User``."""
    from audit_app.agencies.models.users import User

    return db.session.scalars(
        select(User).where(User.agency_id == agency_id, User.is_active.is_(True)).order_by(User.name)
    ).all()


def is_late(assignment, today=None):
    """Whether a return is outstanding after its cycle's due date."""
    today = today or dt.date.today()
    return assignment.status in EDITABLE and today > assignment.cycle.due_on

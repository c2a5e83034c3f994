"""Builders for cycle tests: small published tools, cycles with agencies and cases, and returns in a given status.

Plain functions (the ``make_cycle`` fixture wraps ``build_cycle``), so that other test modules can use them too.
"""

import datetime as dt

from sqlalchemy import select

from audit_app.agencies.models.agencies import AgencyKind, StatutoryDuty
from audit_app.core.permissions import Role
from audit_app.cycles import operations
from audit_app.cycles.models.assignments import AssignmentStatus
from audit_app.extensions import db
from audit_app.thematic.operations import sync_taxonomy
from audit_app.tools.library import tool_definition, with_library_scales
from audit_app.tools.models.templates import Template
from audit_app.tools.operations import create_template, publish_version
from tests.factories import AgencyFactory, UserFactory

YES_NO = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]

#: A small case audit: a condition (SEEN_HOW only when SEEN is yes), a police-only question, an optional one.
MINI_CASE = {
    "code": "MINI_CASE",
    "name": "Mini case audit",
    "kind": "case_audit",
    "sections": [{
        "code": "MAIN", "title": "Main", "ask_good_practice": True,
        "questions": [
            {"code": "SEEN", "text": "Was the child seen?", "type": "single_choice", "options": YES_NO},
            {"code": "SEEN_HOW", "text": "How was the child seen?", "type": "short_text",
             "show_if": {"question": "SEEN", "op": "equals", "value": "yes"}},
            {"code": "CRIME", "text": "Was a crime recorded?", "type": "single_choice", "options": YES_NO,
             "agency_kinds": ["police"]},
            {"code": "NOTES", "text": "Anything else?", "type": "long_text", "required": False},
        ],
    }],
}  # fmt: skip
#: A small self-assessment with a sign-off block.
MINI_SELF = {
    "code": "MINI_SELF",
    "name": "Mini self-assessment",
    "kind": "self_assessment",
    "sign_off": True,
    "sections": [{
        "code": "LEAD", "title": "Leadership",
        "questions": [
            {"code": "LEAD_01", "text": "Is there a named safeguarding lead?", "type": "single_choice",
             "options": YES_NO},
            {"code": "LEAD_EV", "text": "Evidence", "type": "long_text", "required": False},
        ],
    }],
}  # fmt: skip
#: A small graded self-assessment (RAG), for mid-year updates.
MID_TOOL = {
    "code": "MID_TOOL", "name": "Graded self-assessment", "kind": "self_assessment", "sign_off": True,
    "sections": [{"code": "STD", "title": "Standards", "questions": [
        {"code": "STD_1", "text": "Named lead?", "type": "rag"},
        {"code": "STD_2", "text": "Training monitored?", "type": "rag"},
        {"code": "STD_3", "text": "Notes", "type": "long_text", "required": False},
    ]}],
}  # fmt: skip
SMALL_TOOLS = {"MINI_CASE": MINI_CASE, "MINI_SELF": MINI_SELF, "MID_TOOL": MID_TOOL}
LIBRARY_FILES = {"FSA_MACA": "fsa_case_audit.yaml", "SECTION11": "section11.yaml", "SECTION175": "section175.yaml"}
SIGN_OFF = {"completed_by": "Safeguarding lead", "role": "Named nurse", "senior_sign_off": "Chief nurse",
            "sign_off_date": "2026-05-01"}  # fmt: skip
DATES = {
    "scope_start": dt.date(2025, 4, 1),
    "scope_end": dt.date(2026, 3, 31),
    "opens_on": dt.date(2026, 4, 1),
    "due_on": dt.date(2026, 5, 29),
    "meeting_on": dt.date(2026, 6, 10),
}


def published_version(code):
    """The newest published version of a small or built-in tool, creating and publishing it on first use."""
    template = db.session.scalar(select(Template).where(Template.code == code))
    if template is not None and template.published_version is not None:
        return template.published_version
    if code in SMALL_TOOLS:
        definition = with_library_scales(SMALL_TOOLS[code])
    else:
        sync_taxonomy()
        definition = tool_definition(LIBRARY_FILES[code])
    return publish_version(create_template(definition, is_builtin=code not in SMALL_TOOLS))


def build_cycle(*, agencies=3, cases=5, template="FSA_MACA", status="draft", title=None, **values):
    """A cycle of ``template`` with ``agencies`` (a number of new police agencies, or a list) and ``cases`` cases
    (case audits), moved on to ``status`` (draft, open, closed or reported)."""
    version = published_version(template)
    if isinstance(agencies, int):
        agencies = [AgencyFactory(kind=AgencyKind.POLICE, duty=StatutoryDuty.S11) for _ in range(agencies)]
    cycle = operations.create_cycle(
        version=version, title=title or f"{version.name} 2026", agencies=agencies,
        references=[f"CASE-{i + 1:02d}" for i in range(cases)], **{**DATES, **values},
    )  # fmt: skip
    steps = {"open": [operations.open_cycle], "closed": [operations.open_cycle, operations.close_cycle],
             "reported": [operations.open_cycle, operations.close_cycle, operations.mark_reported]}  # fmt: skip
    for step in steps.get(status, []):
        step(cycle)
    return cycle


def agency_user(agency, role=Role.AGENCY_LEAD):
    """A user of the agency (the lead by default: the lead can also submit a return that needs sign-off)."""
    return UserFactory(role=role, agency=agency)


def fill_required(assignment, user):
    """Answer every required question the agency sees (first option, or some text), and sign off if asked."""
    version = assignment.cycle.template_version
    sign_off = dict(SIGN_OFF) if version.has_sign_off else None
    for _ in range(5):  # answering a question can reveal another
        missing = operations.missing_required(assignment)
        if not missing:
            break
        questions = {q.code: q for q in version.ordered_questions()}
        answers = {code: _some_answer(questions[code]) for code in missing}
        operations.save_answers(assignment, answers, user=user, sign_off=sign_off)
    if sign_off and operations.missing_sign_off(assignment):
        operations.save_answers(assignment, {}, user=user, sign_off=sign_off)
    return assignment


def _some_answer(question):
    if question.options:
        return question.options[-1]["value"]  # "no": hides the follow-up questions
    if question.scale is not None:
        return question.scale.levels[0].value
    return "Recorded in the case file"


def put_in(assignment, status, *, user, reviewer):
    """Move a return (in an open cycle) to ``status`` through the operations, as the agency and the reviewer would.

    :param user: a user of the assignment's agency (its lead, for tools with sign-off).
    :param reviewer: an administrator or scrutineer.
    """
    status = AssignmentStatus(status)
    if status == AssignmentStatus.NOT_STARTED:
        return assignment
    if status in (AssignmentStatus.NOT_KNOWN, AssignmentStatus.OUT_OF_SCOPE):
        return operations.decline_return(assignment, status=status, reason="No record in the scope period", user=user)
    fill_required(assignment, user)
    if status == AssignmentStatus.IN_PROGRESS:
        return assignment
    operations.submit_return(assignment, user=user)
    if status == AssignmentStatus.ACCEPTED:
        operations.accept_return(assignment, user=reviewer)
    elif status == AssignmentStatus.RETURNED:
        operations.return_for_amendment(assignment, reason="Add the dates of the meetings", user=reviewer)
    return assignment

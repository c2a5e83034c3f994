"""Demo cycles for the demo partnership: a running FSA case audit and last year's closed Section 11 cycle.

Answers are generated (seeded, so every demo is the same) from the tools' own scales and options; free text
comes from a few neutral phrases. No child data: case references are pseudonymised.
"""

import datetime as dt
import random

from sqlalchemy import select

from audit_app.agencies.models.agencies import Agency, StatutoryDuty
from audit_app.agencies.models.users import User
from audit_app.core.permissions import Role
from audit_app.cycles import operations
from audit_app.extensions import db
from audit_app.tools.models.templates import Template

FSA_AGENCIES = ("Northmoor Police", "Northmoor Children's Social Care", "Northmoor Early Help Service",
                "Wyvern Valley Hospitals NHS Trust", "Northmoor Community and Mental Health NHS Trust",
                "Millbrook Surgery", "Ashby Road Primary School", "Probation Service, Northmoor")  # fmt: skip
PHRASES = ("Recorded in the case notes with the date and who was present.",
           "Evidence seen in the chronology and the supervision record.",
           "Partly evidenced: the decision is recorded but not the reasons for it.",
           "Policy reviewed by the safeguarding committee this year; minutes held.",
           "Not evident in the record for the scope period.")  # fmt: skip


def _tool(code):
    template = db.session.scalar(select(Template).where(Template.code == code))
    return template.published_version if template else None


def _user(agency, role):
    return db.session.scalar(select(User).where(User.agency_id == agency.id, User.role == role).limit(1))


def _value(question, rng):
    if question.scale is not None:
        levels = [level.value for level in question.scale.levels]
        return rng.choices(levels, weights=[4, 5, 2, 1, 1][: len(levels)])[0]
    if question.options:
        values = [o["value"] for o in question.options]
        return rng.sample(values, k=min(2, len(values))) if question.type == "multiple_choice" else rng.choice(values)
    if question.type == "number":
        low = int(question.min_value or 0)
        return rng.randint(low, max(low, min(int(question.max_value or 20), 20)))
    if question.type == "date":
        return (dt.date(2026, 4, 1) + dt.timedelta(days=rng.randint(0, 150))).isoformat()
    return rng.choice(PHRASES)


def complete(assignment, user, rng, *, sign_off=None):
    """Answer every question the agency sees (a few rounds: answers can reveal follow-up questions)."""
    version = assignment.cycle.template_version
    by_code = {q.code: q for q in version.ordered_questions()}
    for _ in range(4):
        shown = operations.missing_required(assignment)
        if not shown:
            break
        operations.save_answers(assignment, {c: {"value": _value(by_code[c], rng)} for c in shown}, user=user,
                                sign_off=sign_off)  # fmt: skip


def load_demo_cycles(rng=None):
    """Create the demo cycles (once). :return: the cycles created."""
    rng = rng or random.Random(2026)  # noqa: S311 (demo data, not security)
    created = []
    s11 = _tool("SECTION11")
    if s11 is not None:
        created.append(_last_years_s11(s11, rng))
    fsa = _tool("FSA_MACA")
    if fsa is not None:
        created.append(_running_fsa(fsa, rng))
    return created


def _last_years_s11(version, rng):
    agencies = db.session.scalars(
        select(Agency).where(Agency.duty == StatutoryDuty.S11, Agency.is_active.is_(True)).order_by(Agency.name)
    ).all()
    cycle = operations.create_cycle(
        version=version, title="Section 11 self-assessment 2025/26", scope_start=dt.date(2025, 4, 1),
        scope_end=dt.date(2026, 3, 31), opens_on=dt.date(2026, 1, 5), due_on=dt.date(2026, 3, 13),
        meeting_on=dt.date(2026, 4, 22), agencies=agencies,
    )  # fmt: skip
    operations.open_cycle(cycle)
    for assignment in cycle.assignments:
        lead = _user(assignment.agency, Role.AGENCY_LEAD)
        sign_off = {"completed_by": lead.name, "role": "Named safeguarding lead", "senior_sign_off": "Director",
                    "sign_off_date": "2026-03-10"}  # fmt: skip
        complete(assignment, lead, rng, sign_off=sign_off)
        operations.submit_return(assignment, user=lead)
    operations.close_cycle(cycle)
    return cycle


def _running_fsa(version, rng):
    agencies = db.session.scalars(select(Agency).where(Agency.name.in_(FSA_AGENCIES)).order_by(Agency.name)).all()
    cycle = operations.create_cycle(
        version=version, title="Familial sexual abuse multi-agency case audit, autumn 2026",
        scope_start=dt.date(2025, 9, 1), scope_end=dt.date(2026, 8, 31), opens_on=dt.date(2026, 10, 1),
        due_on=dt.date(2026, 12, 4), meeting_on=dt.date(2026, 12, 15), agencies=agencies,
        references=[f"FSA-26-0{i}" for i in range(1, 6)],
        terms_of_reference="How well agencies recognise and respond to child sexual abuse in the family environment, "
                           "including support for the non-abusing parent and attention to other children.",
    )  # fmt: skip
    operations.open_cycle(cycle)
    for assignment in sorted(cycle.assignments, key=lambda a: (a.agency.name, a.case.position)):
        auditor = _user(assignment.agency, Role.AGENCY_AUDITOR)
        roll = rng.random()
        if roll < 0.35:
            complete(assignment, auditor, rng)
            operations.submit_return(assignment, user=auditor)
        elif roll < 0.5:
            status = rng.choice(["not_known", "out_of_scope"])
            reason = ("No record of the child or family found on the system." if status == "not_known"
                      else "Known to the service, but no involvement in the scope period.")  # fmt: skip
            operations.decline_return(assignment, status=status, reason=reason, user=auditor)
        elif roll < 0.75:
            first = assignment.cycle.template_version.ordered_questions()[:3]
            operations.save_answers(assignment, {q.code: {"value": _value(q, rng)} for q in first}, user=auditor)
    return cycle

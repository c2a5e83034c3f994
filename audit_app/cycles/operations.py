"""Running cycles and completing returns. Operations flush, never commit; the audit trail records every change."""

import datetime as dt

from sqlalchemy import select

from audit_app.agencies.models.agencies import Agency, AgencyKind, StatutoryDuty
from audit_app.core.audit import record_event
from audit_app.core.db import get_by_id
from audit_app.core.errors import InvalidTransition, ValidationError, check_version
from audit_app.core.models.base import utcnow
from audit_app.cycles.models.assignments import DECLINED, Answer, Assignment, AssignmentStatus, SectionResponse
from audit_app.cycles.models.cycles import Case, Cycle, CycleStatus
from audit_app.cycles.references import reference_problem
from audit_app.extensions import db
from audit_app.tools.conditions import applies_to, visible_questions
from audit_app.tools.models.templates import TemplateKind, VersionStatus
from audit_app.tools.question_types import QUESTION_TYPES, AnswerError

SIGN_OFF_FIELDS = ("completed_by", "role", "senior_sign_off", "sign_off_date")
SCHOOL_KINDS = (AgencyKind.SCHOOL, AgencyKind.COLLEGE)


def select_agencies(*, agency_ids=(), group=None):
    """Agencies for a cycle: the ids given, and/or a group (``s11``: every active S11 agency; ``schools``: every
    active school and college; ``s175``: every active S175 agency; ``all``: every active agency).

    :return: a list of ``Agency`` in name order.
    :raises ValidationError: an unknown or inactive agency, or an unknown group.
    """
    agencies = {}
    groups = {
        "s11": Agency.duty == StatutoryDuty.S11,
        "s175": Agency.duty == StatutoryDuty.S175,
        "schools": Agency.kind.in_(SCHOOL_KINDS),
        "all": Agency.id.isnot(None),
    }
    if group:
        if group not in groups:
            raise ValidationError("Unknown group.", details={"agency_group": f"Unknown group {group}"})
        for agency in db.session.scalars(select(Agency).where(groups[group], Agency.is_active.is_(True))):
            agencies[agency.id] = agency
    for agency_id in agency_ids or ():
        agency = get_by_id(db.session, Agency, agency_id)
        if agency is None or not agency.is_active:
            raise ValidationError(
                "Unknown agency.", details={"agency_ids": f"Agency {agency_id} is unknown or inactive"}
            )
        agencies[agency.id] = agency
    return sorted(agencies.values(), key=lambda a: a.name.lower())


def _check_dates(scope_start, scope_end, opens_on, due_on, meeting_on):
    errors = {}
    if scope_start and scope_end and scope_end < scope_start:
        errors["scope_end"] = "The end of the scope period must be on or after its start"
    if opens_on and due_on and due_on < opens_on:
        errors["due_on"] = "The due date must be on or after the opening date"
    if meeting_on and due_on and meeting_on < due_on:
        errors["meeting_on"] = "The discussion meeting must be on or after the due date"
    for name, value in (("scope_start", scope_start), ("scope_end", scope_end), ("opens_on", opens_on),
                        ("due_on", due_on)):  # fmt: skip
        if value is None:
            errors[name] = "Enter a date"
    return errors


def check_references(references):
    """Validate a sample of case references. :return: the cleaned list. :raises ValidationError: any problem."""
    cleaned, problems, seen = [], [], set()
    for reference in references:
        text = (reference or "").strip()
        if not text:
            continue
        problem = reference_problem(text)
        if problem is None and text.upper() in seen:
            problem = f"'{text}' is listed twice"
        if problem:
            problems.append(problem)
        seen.add(text.upper())
        cleaned.append(text)
    if problems:
        raise ValidationError("Some case references are not acceptable.", details={"cases": "; ".join(problems)})
    return cleaned


def create_cycle(*, version, title, scope_start, scope_end, opens_on, due_on, agencies, references=(),
                 meeting_on=None, terms_of_reference=None, previous_cycle=None, user=None):  # fmt: skip
    """Create a draft cycle with one assignment per agency and case (per agency for a self-assessment).

    :param version: a published ``TemplateVersion``.
    :param agencies: the agencies taking part (see ``select_agencies``).
    :param references: pseudonymised case references (case audits only).
    :return: the new ``Cycle``.
    :raises ValidationError: with a message per field.
    """
    errors = _check_dates(scope_start, scope_end, opens_on, due_on, meeting_on)
    if not (title or "").strip():
        errors["title"] = "Enter a title for the cycle"
    if version is None or version.status != VersionStatus.PUBLISHED:
        errors["template_version_id"] = "Choose a published version of an audit tool"
    if not agencies:
        errors["agency_ids"] = "Choose at least one agency"
    is_case_audit = version is not None and version.template.kind == TemplateKind.CASE_AUDIT
    try:
        references = check_references(references) if is_case_audit else []
    except ValidationError as exc:
        errors.update(exc.details)
    if is_case_audit and not references and "cases" not in errors:
        errors["cases"] = "Enter at least one case reference"
    if errors:
        raise ValidationError("The cycle could not be created.", details=errors)
    cycle = Cycle(
        template_version=version, title=title.strip(), scope_start=scope_start, scope_end=scope_end, opens_on=opens_on,
        due_on=due_on, meeting_on=meeting_on, terms_of_reference=terms_of_reference, previous_cycle=previous_cycle,
        created_by_id=getattr(user, "id", None), agencies=list(agencies),
    )  # fmt: skip
    db.session.add(cycle)
    cycle.cases = [Case(reference=ref, position=i) for i, ref in enumerate(references)]
    db.session.flush()
    for agency in agencies:
        for case in cycle.cases or [None]:
            db.session.add(Assignment(cycle=cycle, agency=agency, case=case))
    db.session.flush()
    return cycle


def add_cases(cycle, references):
    """Add cases to a cycle's sample (each gets an assignment for every agency taking part).

    :raises ValidationError: bad or duplicate references, or not a case audit.
    :raises InvalidTransition: the cycle is closed.
    """
    if not cycle.is_case_audit:
        raise ValidationError("A self-assessment has no cases.", details={"cases": "A self-assessment has no cases"})
    if cycle.status in (CycleStatus.CLOSED, CycleStatus.REPORTED):
        raise InvalidTransition("Cases cannot be added to a closed cycle.")
    existing = {c.reference.upper() for c in cycle.cases}
    references = check_references(references)
    if not references:
        raise ValidationError("No case references.", details={"cases": "Enter at least one case reference"})
    duplicates = [r for r in references if r.upper() in existing]
    if duplicates:
        raise ValidationError("Duplicate case.", details={"cases": f"Already in the sample: {', '.join(duplicates)}"})
    start = len(cycle.cases)
    for i, reference in enumerate(references):
        case = Case(cycle=cycle, reference=reference, position=start + i)
        db.session.add(case)
        for agency in cycle.agencies:
            db.session.add(Assignment(cycle=cycle, agency=agency, case=case))
    db.session.flush()
    return cycle


def add_agencies(cycle, agencies):
    """Bring more agencies into a cycle (each gets its assignments). :raises InvalidTransition: closed cycle."""
    if cycle.status in (CycleStatus.CLOSED, CycleStatus.REPORTED):
        raise InvalidTransition("Agencies cannot be added to a closed cycle.")
    current = {a.id for a in cycle.agencies}
    for agency in agencies:
        if agency.id in current:
            continue
        cycle.agencies.append(agency)
        for case in cycle.cases or [None]:
            db.session.add(Assignment(cycle=cycle, agency=agency, case=case))
    db.session.flush()
    return cycle


def open_cycle(cycle):
    """Open a draft cycle so agencies can start. :raises InvalidTransition: not a draft."""
    cycle.open()
    db.session.flush()
    return cycle


def close_cycle(cycle):
    """Close an open cycle: returns can no longer change. :raises InvalidTransition: not open."""
    cycle.close()
    db.session.flush()
    return cycle


def reopen_cycle(cycle):
    """Reopen a closed cycle (late returns). :raises InvalidTransition: not closed."""
    cycle.reopen()
    db.session.flush()
    return cycle


def mark_reported(cycle):
    """Record that a closed cycle has been reported to the partnership. :raises InvalidTransition: not closed."""
    cycle.mark_reported()
    db.session.flush()
    return cycle


def create_cycle_from_previous(previous, *, title, scope_start, scope_end, opens_on, due_on, meeting_on=None,
                               user=None):  # fmt: skip
    """This year's annual S11/S175 cycle from last year's: the same (still active) agencies, the newest published
    version of the same tool, linked so that each question shows the agency's previous answer.

    :return: the new draft ``Cycle``.
    :raises ValidationError: the tool has no published version, or no agency is still active.
    """
    template = previous.template_version.template
    version = template.published_version
    agencies = [a for a in previous.agencies if a.is_active]
    return create_cycle(
        version=version, title=title, scope_start=scope_start, scope_end=scope_end, opens_on=opens_on, due_on=due_on,
        meeting_on=meeting_on, agencies=agencies, references=[c.reference for c in previous.cases],
        terms_of_reference=previous.terms_of_reference, previous_cycle=previous, user=user,
    )  # fmt: skip


def _check_version(assignment, expected_version):
    check_version(
        expected_version,
        assignment.version,
        "Someone else saved this return while you were editing it. Nothing of yours was saved yet: "
        "compare the two versions and choose what to keep.",
    )


def _require_editable(assignment):
    if not assignment.cycle.is_open:
        raise InvalidTransition("This cycle is not open, so its returns cannot be changed.")
    if not assignment.is_editable:
        raise InvalidTransition(f"This return is {assignment.status.label.lower()} and cannot be changed.")


def answers_by_code(assignment):
    """The saved answer values of a return: question code -> value."""
    return {a.question.code: a.value for a in assignment.answers}


def save_answers(assignment, answers, *, user, expected_version=None, sections=None, sign_off=None,
                 partial=True):  # fmt: skip
    """Save a draft of a return (any subset of answers), checking each value against its question.

    Answers to questions of another agency kind are refused; answers to questions whose condition no longer holds
    are dropped, with a trace in the audit trail.

    :param answers: question code -> ``{"value": ..., "comment": ...}`` (or a bare value).
    :param sections: section code -> ``{"good_practice", "areas_for_development", "grade"}``.
    :param sign_off: the sign-off block fields (self-assessments with sign-off).
    :param partial: when False, questions not in ``answers`` are cleared (a full form post).
    :return: the assignment.
    :raises ConflictError: someone else saved first (``expected_version`` is stale).
    :raises ValidationError: ``details`` maps question codes to messages; nothing is saved.
    :raises InvalidTransition: the return or cycle cannot be edited.
    """
    _require_editable(assignment)
    _check_version(assignment, expected_version)
    version = assignment.cycle.template_version
    questions = {q.code: q for q in version.ordered_questions()}
    kind = assignment.agency.kind
    cleaned, errors = {}, {}
    for code, item in (answers or {}).items():
        question = questions.get(code)
        if question is None or not applies_to(question, kind):
            errors[code] = "There is no such question in this return"
            continue
        raw = item.get("value") if isinstance(item, dict) else item
        comment = (item.get("comment") if isinstance(item, dict) else None) or None
        try:
            value = QUESTION_TYPES[question.type].clean(question, raw)
        except AnswerError as exc:
            errors[code] = str(exc)
            continue
        if comment is not None and len(comment) > 20000:
            errors[code] = "Comment must be 20,000 characters or fewer"
            continue
        cleaned[code] = (value, comment.strip() if comment else None)
    section_values = _clean_sections(version, sections or {}, errors)
    sign_off_values = _clean_sign_off(version, sign_off, errors)
    if errors:
        raise ValidationError("Some answers need correcting.", details=errors)
    _apply_answers(assignment, questions, cleaned, user, partial=partial)
    _apply_sections(assignment, section_values)
    if sign_off_values is not None:
        assignment.sign_off = sign_off_values
    if assignment.status != AssignmentStatus.IN_PROGRESS:
        assignment.mark_in_progress()
    assignment.updated_at = utcnow()
    db.session.flush()
    return assignment


def _clean_sections(version, sections, errors):
    by_code = {s.code: s for s in version.sections}
    values = {}
    for code, item in sections.items():
        section = by_code.get(code)
        if section is None:
            errors[f"{code}__section"] = "There is no such section"
            continue
        grade = (item.get("grade") or None) if section.grade_scale else None
        if grade and section.grade_scale.level(grade) is None:
            errors[f"{code}__grade"] = "Choose one of the grades listed"
            continue
        values[code] = {
            "good_practice": (item.get("good_practice") or "").strip() or None if section.ask_good_practice else None,
            "areas_for_development": (item.get("areas_for_development") or "").strip() or None
            if section.ask_areas_for_development
            else None,
            "grade": grade,
        }
    return values


def _clean_sign_off(version, sign_off, errors):
    if sign_off is None or not version.has_sign_off:
        return None
    values = {k: (str(sign_off.get(k) or "").strip() or None) for k in SIGN_OFF_FIELDS}
    if values["sign_off_date"]:
        try:
            values["sign_off_date"] = dt.date.fromisoformat(values["sign_off_date"]).isoformat()
        except ValueError:
            errors["sign_off_date"] = "Enter the sign-off date as a real date, like 2026-03-27"
    return values


def _apply_answers(assignment, questions, cleaned, user, *, partial):
    existing = {a.question.code: a for a in assignment.answers}
    for code, (value, comment) in cleaned.items():
        answer = existing.get(code)
        score = QUESTION_TYPES[questions[code].type].score(questions[code], value)
        if answer is None:
            if value is None and comment is None:
                continue
            answer = Answer(question=questions[code], value=value, comment=comment, score=score, updated_by_id=user.id)
            assignment.answers.append(answer)
            existing[code] = answer
        elif answer.value != value or answer.comment != comment:
            answer.value, answer.comment, answer.score, answer.updated_by_id = value, comment, score, user.id
    if not partial:
        for code, answer in list(existing.items()):
            if code not in cleaned:
                assignment.answers.remove(answer)
    _drop_hidden_answers(assignment, existing)


def _drop_hidden_answers(assignment, existing):
    """A hidden question is never required and its answer is dropped (the audit trail keeps what it was)."""
    version = assignment.cycle.template_version
    values = {code: a.value for code, a in existing.items() if a in assignment.answers}
    visible = {q.code for q in visible_questions(version, assignment.agency.kind, values)}
    for code, answer in list(existing.items()):
        if code not in visible and answer in assignment.answers:
            assignment.answers.remove(answer)


def _apply_sections(assignment, section_values):
    existing = {r.section_code: r for r in assignment.section_responses}
    for code, values in section_values.items():
        response = existing.get(code)
        if response is None:
            if any(values.values()):
                assignment.section_responses.append(SectionResponse(section_code=code, **values))
        else:
            for key, value in values.items():
                setattr(response, key, value)


def missing_required(assignment):
    """Codes of required questions the agency sees but has not answered (in order)."""
    values = answers_by_code(assignment)
    version = assignment.cycle.template_version
    return [q.code for q in visible_questions(version, assignment.agency.kind, values)
            if q.is_required and values.get(q.code) in (None, "", [])]  # fmt: skip


def missing_sign_off(assignment):
    """Sign-off fields still empty, when the tool asks for sign-off."""
    if not assignment.cycle.template_version.has_sign_off:
        return []
    block = assignment.sign_off or {}
    return [k for k in SIGN_OFF_FIELDS if not block.get(k)]


def submit_return(assignment, *, user, expected_version=None):
    """Submit a return: every required visible question answered, signed off where the tool requires it.

    When the tool has a sign-off block, only the agency's safeguarding lead can submit (that is the sign-off).

    :raises ValidationError: ``details["missing"]`` lists the unanswered question codes (and sign-off fields).
    :raises InvalidTransition: not editable, or sign-off needed from the lead.
    :raises ConflictError: stale version.
    """
    _require_editable(assignment)
    _check_version(assignment, expected_version)
    missing = missing_required(assignment)
    missing_block = missing_sign_off(assignment)
    if missing or missing_block:
        raise ValidationError(
            f"{len(missing) + len(missing_block)} required answer(s) are missing.",
            details={"missing": missing, "missing_sign_off": missing_block},
        )
    if assignment.cycle.template_version.has_sign_off:
        if str(user.role) != "agency_lead":
            raise InvalidTransition("This return needs senior sign-off: your agency's safeguarding lead submits it.")
        assignment.signed_off_at, assignment.signed_off_by_id = utcnow(), user.id
    assignment.submit(user)
    db.session.flush()
    return assignment


def decline_return(assignment, *, status, reason, user, expected_version=None):
    """Record that the case is not known to the agency, or out of scope, with a reason.

    :raises ValidationError: no reason or a bad status.
    :raises InvalidTransition: the return cannot be declined now.
    """
    _require_editable(assignment)
    _check_version(assignment, expected_version)
    reason = (reason or "").strip()
    try:
        status = AssignmentStatus(status)
    except ValueError:
        status = None
    errors = {}
    if status not in DECLINED:
        errors["status"] = "Choose not known or out of scope"
    if not reason:
        errors["reason"] = "Explain briefly why (for example: no record found in the scope period)"
    elif len(reason) > 2000:
        errors["reason"] = "Reason must be 2,000 characters or fewer"
    if errors:
        raise ValidationError("The return could not be declined.", details=errors)
    assignment.decline(status, reason)
    record_event(db.session, "assignments.declined", assignment, summary=status.label, actor=user)
    db.session.flush()
    return assignment


def reopen_return(assignment, *, user):
    """Reopen a declined return (the agency does know the case after all)."""
    if not assignment.cycle.is_open:
        raise InvalidTransition("This cycle is not open.")
    assignment.reopen()
    db.session.flush()
    return assignment


def return_for_amendment(assignment, *, reason, user):
    """A reviewer sends a submitted return back to the agency with a reason shown at the top of the return.

    :raises ValidationError: no reason.
    :raises InvalidTransition: not submitted or accepted, or the cycle is not open.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("A reason is needed.", details={"reason": "Say what the agency needs to amend"})
    if not assignment.cycle.is_open:
        raise InvalidTransition("A return can be sent back for amendment only while its cycle is open.")
    assignment.return_for_amendment(reason)
    record_event(db.session, "assignments.returned", assignment, summary="Returned for amendment", actor=user)
    db.session.flush()
    return assignment


def accept_return(assignment, *, user):
    """A reviewer accepts a submitted return. :raises InvalidTransition: not submitted."""
    assignment.accept()
    record_event(db.session, "assignments.accepted", assignment, actor=user)
    db.session.flush()
    return assignment


def reassign(assignment, assignee):
    """Give a return to an auditor of the same agency (or None: anyone in the agency).

    :raises ValidationError: the user is not an active member of the agency.
    """
    if assignee is not None and (assignee.agency_id != assignment.agency_id or not assignee.is_active):
        raise ValidationError("Wrong person.", details={"assignee_id": "Choose an active auditor of this agency"})
    assignment.assignee = assignee
    db.session.flush()
    return assignment


def request_mid_year_update(cycle, *, due_on):
    """Ask every agency of a self-assessment cycle to report progress on its answers below the top of the scale.

    :raises ValidationError: not a self-assessment, or a due date before the cycle's own.
    :raises InvalidTransition: the cycle is still a draft.
    """
    if cycle.is_case_audit:
        raise ValidationError("Case audit.", details={"due_on": "Mid-year updates are for self-assessments"})
    if cycle.status == CycleStatus.DRAFT:
        raise InvalidTransition("Open the cycle before asking for a mid-year update.")
    if due_on is None or due_on <= cycle.due_on:
        raise ValidationError("Bad date.", details={"due_on": "The update must be due after the return's due date"})
    cycle.mid_year_due_on = due_on
    db.session.flush()
    return cycle


def answers_needing_progress(assignment):
    """Answers graded below the top scored level of their scale (what a mid-year update reports on), in order."""
    order = {q.code: i for i, q in enumerate(assignment.cycle.template_version.ordered_questions())}
    needing = []
    for answer in assignment.answers:
        scale = answer.question.scale
        top = scale.top_scored_level if scale is not None else None
        if top is not None and answer.score is not None and answer.score < top.score:
            needing.append(answer)
    return sorted(needing, key=lambda a: order.get(a.question.code, 0))


def save_progress_updates(assignment, updates, *, user):
    """Record the agency's progress on each answer below the top of the scale (the graded answers never change).

    :param updates: question code -> progress text.
    :raises InvalidTransition: no mid-year update was asked for, or the return was never submitted.
    :raises ValidationError: an update for an answer that needs none, or text too long.
    """
    if assignment.cycle.mid_year_due_on is None:
        raise InvalidTransition("No mid-year update has been asked for in this cycle.")
    if assignment.status not in (AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED):
        raise InvalidTransition("Only a submitted return has a mid-year update.")
    needing = {a.question.code: a for a in answers_needing_progress(assignment)}
    errors = {code: "This answer needs no progress update" for code in updates if code not in needing}
    errors.update({code: "Progress update must be 5,000 characters or fewer"
                   for code, text in updates.items() if text and len(text) > 5000})  # fmt: skip
    if errors:
        raise ValidationError("Some progress updates need correcting.", details=errors)
    for code, text in updates.items():
        needing[code].progress_update = (text or "").strip() or None
        needing[code].updated_by_id = user.id
    db.session.flush()
    return assignment

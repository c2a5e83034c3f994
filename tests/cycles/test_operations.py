"""The return workflow through the operations: every status change and every refused one, answers and sign-off."""

import pytest

from audit_app.agencies.models.agencies import AgencyKind, StatutoryDuty
from audit_app.core.errors import ConflictError, InvalidTransition, ValidationError
from audit_app.core.permissions import Role
from audit_app.cycles import operations, queries
from audit_app.cycles.models.assignments import AssignmentStatus
from tests.cycles.builders import SIGN_OFF, agency_user, put_in
from tests.factories import AgencyFactory, UserFactory

S = AssignmentStatus


@pytest.fixture
def case_cycle(make_cycle):
    """An open case audit (the small tool) with two police agencies and two cases."""
    return make_cycle(template="MINI_CASE", agencies=2, cases=2, status="open")


@pytest.fixture
def assignment(case_cycle):
    return case_cycle.assignments[0]


@pytest.fixture
def lead(assignment):
    return agency_user(assignment.agency)


def _stored(db, assignment):
    db.session.expire_all()
    return queries.get_assignment(assignment.id)


# --- The return workflow: every status x every operation ---------------------------------------------------------
def _save(a, user, reviewer):
    operations.save_answers(a, {"NOTES": "Seen at school"}, user=user)


def _submit(a, user, reviewer):
    operations.submit_return(a, user=user)


def _decline(a, user, reviewer):
    operations.decline_return(a, status="not_known", reason="No record found", user=user)


def _reopen(a, user, reviewer):
    operations.reopen_return(a, user=user)


def _return(a, user, reviewer):
    operations.return_for_amendment(a, reason="Add the meeting dates", user=reviewer)


def _accept(a, user, reviewer):
    operations.accept_return(a, user=reviewer)


IT, VE = InvalidTransition, ValidationError
OPERATIONS = {"save": _save, "submit": _submit, "decline": _decline, "reopen": _reopen, "return": _return,
              "accept": _accept}  # fmt: skip
#: status -> operation -> the status it leads to, or the error it raises.
WORKFLOW = {
    S.NOT_STARTED: {"save": S.IN_PROGRESS, "submit": VE, "decline": S.NOT_KNOWN, "reopen": IT, "return": IT,
                    "accept": IT},
    S.IN_PROGRESS: {"save": S.IN_PROGRESS, "submit": S.SUBMITTED, "decline": S.NOT_KNOWN, "reopen": IT, "return": IT,
                    "accept": IT},
    S.SUBMITTED: {"save": IT, "submit": IT, "decline": IT, "reopen": IT, "return": S.RETURNED, "accept": S.ACCEPTED},
    S.RETURNED: {"save": S.IN_PROGRESS, "submit": S.SUBMITTED, "decline": S.NOT_KNOWN, "reopen": IT, "return": IT,
                 "accept": IT},
    S.ACCEPTED: {"save": IT, "submit": IT, "decline": IT, "reopen": IT, "return": S.RETURNED, "accept": IT},
    S.NOT_KNOWN: {"save": IT, "submit": IT, "decline": IT, "reopen": S.IN_PROGRESS, "return": IT, "accept": IT},
    S.OUT_OF_SCOPE: {"save": IT, "submit": IT, "decline": IT, "reopen": S.IN_PROGRESS, "return": IT, "accept": IT},
}  # fmt: skip
CASES = [(status, name, outcome) for status, row in WORKFLOW.items() for name, outcome in row.items()]


@pytest.mark.parametrize(("status", "operation", "outcome"), CASES, ids=[f"{s}-{o}" for s, o, _ in CASES])
def test_every_transition_of_a_return(db, assignment, lead, reviewer, status, operation, outcome):
    put_in(assignment, status, user=lead, reviewer=reviewer)

    if isinstance(outcome, type):
        with pytest.raises(outcome):
            OPERATIONS[operation](assignment, lead, reviewer)
        assert _stored(db, assignment).status == status
    else:
        OPERATIONS[operation](assignment, lead, reviewer)
        assert _stored(db, assignment).status == outcome


@pytest.mark.parametrize("cycle_status", ["draft", "closed", "reported"])
def test_returns_cannot_change_unless_the_cycle_is_open(make_cycle, cycle_status):
    cycle = make_cycle(template="MINI_CASE", agencies=1, cases=1, status=cycle_status)
    assignment = cycle.assignments[0]
    user = agency_user(assignment.agency)

    for attempt in (
        lambda: operations.save_answers(assignment, {"SEEN": "no"}, user=user),
        lambda: operations.submit_return(assignment, user=user),
        lambda: operations.decline_return(assignment, status="not_known", reason="No record", user=user),
        lambda: operations.return_for_amendment(assignment, reason="Fix it", user=user),
    ):
        with pytest.raises(InvalidTransition):
            attempt()
    assert assignment.status == S.NOT_STARTED


# --- Saving and submitting ----------------------------------------------------------------------------------------
def test_saving_stores_answers_and_starts_the_return(db, assignment, lead):
    operations.save_answers(assignment, {"SEEN": "Yes", "NOTES": {"value": "Seen twice", "comment": " GP note "}},
                            user=lead)  # fmt: skip

    stored = _stored(db, assignment)
    assert stored.status == S.IN_PROGRESS
    assert operations.answers_by_code(stored) == {"SEEN": "yes", "NOTES": "Seen twice"}
    assert {a.question.code: a.comment for a in stored.answers}["NOTES"] == "GP note"


def test_a_bad_answer_saves_nothing(db, assignment, lead):
    with pytest.raises(ValidationError) as caught:
        operations.save_answers(assignment, {"SEEN": "perhaps", "NOTES": "Seen"}, user=lead)

    assert set(caught.value.details) == {"SEEN"}
    assert _stored(db, assignment).answers == [] and _stored(db, assignment).status == S.NOT_STARTED


def test_submitting_lists_the_missing_required_questions_in_order(db, assignment, lead):
    with pytest.raises(ValidationError) as caught:
        operations.submit_return(assignment, user=lead)

    assert caught.value.details["missing"] == ["SEEN", "CRIME"]  # NOTES is optional; SEEN_HOW hidden until "yes"
    operations.save_answers(assignment, {"SEEN": "yes"}, user=lead)
    with pytest.raises(ValidationError) as caught:
        operations.submit_return(assignment, user=lead)
    assert caught.value.details["missing"] == ["SEEN_HOW", "CRIME"]
    assert _stored(db, assignment).status == S.IN_PROGRESS


def test_a_hidden_question_is_never_required_and_its_answer_is_dropped(db, assignment, lead):
    operations.save_answers(assignment, {"SEEN": "yes", "SEEN_HOW": "Home visit", "CRIME": "no"}, user=lead)
    assert "SEEN_HOW" in operations.answers_by_code(assignment)

    operations.save_answers(assignment, {"SEEN": "no"}, user=lead)
    operations.submit_return(assignment, user=lead)

    stored = _stored(db, assignment)
    assert operations.answers_by_code(stored) == {"SEEN": "no", "CRIME": "no"}
    assert stored.status == S.SUBMITTED and stored.submitted_by_id == lead.id


def test_questions_for_another_kind_of_agency_are_neither_asked_nor_accepted(make_cycle):
    school = AgencyFactory(kind=AgencyKind.SCHOOL, duty=StatutoryDuty.S175)
    cycle = make_cycle(template="MINI_CASE", agencies=[school], cases=1, status="open")
    assignment = cycle.assignments[0]
    user = agency_user(school)

    assert operations.missing_required(assignment) == ["SEEN"]  # CRIME is for the police only
    with pytest.raises(ValidationError) as caught:
        operations.save_answers(assignment, {"SEEN": "no", "CRIME": "yes"}, user=user)
    assert caught.value.details == {"CRIME": "There is no such question in this return"}
    operations.save_answers(assignment, {"SEEN": "no"}, user=user)
    operations.submit_return(assignment, user=user)
    assert assignment.status == S.SUBMITTED


def test_a_full_form_post_clears_answers_left_out(db, assignment, lead):
    operations.save_answers(assignment, {"SEEN": "no", "NOTES": "Seen"}, user=lead)
    operations.save_answers(assignment, {"SEEN": "no"}, user=lead, partial=False)

    assert operations.answers_by_code(_stored(db, assignment)) == {"SEEN": "no"}


# --- Sign-off -------------------------------------------------------------------------------------------------------
@pytest.fixture
def self_assessment(make_cycle):
    return make_cycle(template="MINI_SELF", agencies=1, status="open").assignments[0]


def test_only_the_agency_lead_submits_a_return_that_needs_sign_off(db, self_assessment):
    auditor = agency_user(self_assessment.agency, Role.AGENCY_AUDITOR)
    lead = agency_user(self_assessment.agency, Role.AGENCY_LEAD)
    operations.save_answers(self_assessment, {"LEAD_01": "yes"}, user=auditor, sign_off=SIGN_OFF)

    with pytest.raises(InvalidTransition, match="safeguarding lead"):
        operations.submit_return(self_assessment, user=auditor)
    assert self_assessment.status == S.IN_PROGRESS and self_assessment.signed_off_at is None

    operations.submit_return(self_assessment, user=lead)
    stored = _stored(db, self_assessment)
    assert stored.status == S.SUBMITTED and stored.signed_off_by_id == lead.id and stored.signed_off_at


def test_the_sign_off_block_must_be_complete(db, self_assessment):
    lead = agency_user(self_assessment.agency)
    operations.save_answers(self_assessment, {"LEAD_01": "yes"}, user=lead,
                            sign_off={**SIGN_OFF, "senior_sign_off": " ", "sign_off_date": ""})  # fmt: skip

    with pytest.raises(ValidationError) as caught:
        operations.submit_return(self_assessment, user=lead)

    assert caught.value.details == {"missing": [], "missing_sign_off": ["senior_sign_off", "sign_off_date"]}
    with pytest.raises(ValidationError) as caught:
        operations.save_answers(self_assessment, {}, user=lead, sign_off={**SIGN_OFF, "sign_off_date": "31/02/2026"})
    assert set(caught.value.details) == {"sign_off_date"}
    assert _stored(db, self_assessment).status == S.IN_PROGRESS


# --- Declining, reopening, returning, accepting -------------------------------------------------------------------
@pytest.mark.parametrize("status", ["not_known", "out_of_scope"])
def test_declining_records_the_status_and_reason(db, assignment, lead, status):
    operations.decline_return(assignment, status=status, reason=" No contact in the scope period ", user=lead)

    stored = _stored(db, assignment)
    assert stored.status == status and stored.decline_reason == "No contact in the scope period"


@pytest.mark.parametrize(("status", "reason", "fields"), [
    ("not_known", "  ", {"reason"}), ("submitted", "No record", {"status"}), ("maybe", "", {"status", "reason"}),
    ("out_of_scope", "x" * 2001, {"reason"}),
])  # fmt: skip
def test_declining_needs_a_reason_and_a_decline_status(db, assignment, lead, status, reason, fields):
    with pytest.raises(ValidationError) as caught:
        operations.decline_return(assignment, status=status, reason=reason, user=lead)

    assert set(caught.value.details) == fields
    assert _stored(db, assignment).status == S.NOT_STARTED


def test_reopening_a_declined_return_clears_the_reason(db, assignment, lead):
    operations.decline_return(assignment, status="not_known", reason="No record", user=lead)
    operations.reopen_return(assignment, user=lead)

    stored = _stored(db, assignment)
    assert stored.status == S.IN_PROGRESS and stored.decline_reason is None


def test_returning_for_amendment_needs_a_reason_which_the_agency_sees(db, assignment, lead, reviewer):
    put_in(assignment, "accepted", user=lead, reviewer=reviewer)
    with pytest.raises(ValidationError) as caught:
        operations.return_for_amendment(assignment, reason=" ", user=reviewer)
    assert set(caught.value.details) == {"reason"}

    operations.return_for_amendment(assignment, reason="Add the dates of the meetings", user=reviewer)
    stored = _stored(db, assignment)
    assert (stored.status, stored.returned_reason, stored.accepted_at) == (S.RETURNED, "Add the dates of the meetings",
                                                                           None)  # fmt: skip
    operations.save_answers(stored, {"NOTES": "Meetings on 3 and 10 March"}, user=lead)
    operations.submit_return(stored, user=lead)
    assert stored.status == S.SUBMITTED and stored.returned_reason is None


def test_accepting_a_submitted_return(db, assignment, lead, reviewer):
    put_in(assignment, "submitted", user=lead, reviewer=reviewer)
    operations.accept_return(assignment, user=reviewer)

    stored = _stored(db, assignment)
    assert stored.status == S.ACCEPTED and stored.accepted_at is not None


# --- Reassigning and concurrent edits -------------------------------------------------------------------------------
def test_a_return_is_reassigned_only_within_its_agency(db, case_cycle):
    assignment, other = case_cycle.assignments[0], case_cycle.assignments[-1]
    assert assignment.agency_id != other.agency_id
    colleague = agency_user(assignment.agency, Role.AGENCY_AUDITOR)

    operations.reassign(assignment, colleague)
    assert _stored(db, assignment).assignee_id == colleague.id
    for wrong in (agency_user(other.agency, Role.AGENCY_AUDITOR),
                  UserFactory(role=Role.AGENCY_AUDITOR, agency=assignment.agency, is_active=False)):  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            operations.reassign(assignment, wrong)
        assert set(caught.value.details) == {"assignee_id"}
    assert _stored(db, assignment).assignee_id == colleague.id
    operations.reassign(assignment, None)
    assert _stored(db, assignment).assignee_id is None


def test_a_stale_save_is_refused_and_nothing_is_saved(db, assignment, lead):
    operations.save_answers(assignment, {"SEEN": "no"}, user=lead)
    db.session.flush()
    seen_version = assignment.version
    operations.save_answers(assignment, {"SEEN": "yes"}, user=lead, expected_version=seen_version)  # someone else
    db.session.flush()

    with pytest.raises(ConflictError) as caught:
        operations.save_answers(assignment, {"SEEN": "no", "NOTES": "Mine"}, user=lead, expected_version=seen_version)
    assert caught.value.details == {"current_version": seen_version + 1}
    with pytest.raises(ConflictError):
        operations.submit_return(assignment, user=lead, expected_version=seen_version)

    stored = _stored(db, assignment)
    assert operations.answers_by_code(stored) == {"SEEN": "yes"} and stored.status == S.IN_PROGRESS

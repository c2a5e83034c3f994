"""Running cycles through the operations: status changes, creating a cycle, its sample and agencies, next year's."""

import datetime as dt

import pytest

from audit_app.agencies.models.agencies import AgencyKind, StatutoryDuty
from audit_app.core.errors import InvalidTransition, ValidationError
from audit_app.cycles import operations, queries
from audit_app.cycles.models.assignments import AssignmentStatus
from audit_app.cycles.models.cycles import CycleStatus
from audit_app.tools.library import with_library_scales
from audit_app.tools.operations import create_version, publish_version, retire_version
from tests.cycles.builders import DATES, MINI_SELF, SIGN_OFF, agency_user, published_version
from tests.factories import AgencyFactory

IT = InvalidTransition


# --- Cycle transitions ------------------------------------------------------------------------------------------------
CYCLE_OPERATIONS = {"open": operations.open_cycle, "close": operations.close_cycle,
                    "reopen": operations.reopen_cycle, "report": operations.mark_reported}  # fmt: skip
CYCLE_WORKFLOW = {
    "draft": {"open": "open", "close": IT, "reopen": IT, "report": IT},
    "open": {"open": IT, "close": "closed", "reopen": IT, "report": IT},
    "closed": {"open": IT, "close": IT, "reopen": "open", "report": "reported"},
    "reported": {"open": IT, "close": IT, "reopen": IT, "report": IT},
}
CYCLE_CASES = [(status, name, outcome) for status, row in CYCLE_WORKFLOW.items() for name, outcome in row.items()]


@pytest.mark.parametrize(("status", "operation", "outcome"), CYCLE_CASES,
                         ids=[f"{s}-{o}" for s, o, _ in CYCLE_CASES])  # fmt: skip
def test_every_transition_of_a_cycle(db, make_cycle, status, operation, outcome):
    cycle = make_cycle(template="MINI_CASE", agencies=1, cases=1, status=status)

    if outcome is IT:
        with pytest.raises(InvalidTransition):
            CYCLE_OPERATIONS[operation](cycle)
        assert cycle.status == status
    else:
        CYCLE_OPERATIONS[operation](cycle)
        db.session.expire_all()
        assert queries.get_cycle(cycle.id).status == outcome


def test_opening_and_closing_record_when(make_cycle, freeze_now):
    freeze_now("2026-04-01T07:00:00Z")
    cycle = make_cycle(template="MINI_CASE", agencies=1, cases=1, status="closed")
    assert cycle.opened_at == cycle.closed_at == dt.datetime(2026, 4, 1, 7, tzinfo=dt.UTC)
    operations.reopen_cycle(cycle)
    assert cycle.closed_at is None and cycle.status == CycleStatus.OPEN


# --- Creating a cycle -------------------------------------------------------------------------------------------------
def _create(**overrides):
    values = {
        "version": published_version("MINI_CASE"), "title": "Neglect audit, spring 2026",
        "agencies": [AgencyFactory(), AgencyFactory()], "references": ["NEG-26-01", "NEG-26-02"], **DATES,
    }  # fmt: skip
    return operations.create_cycle(**{**values, **overrides})


def test_a_case_audit_has_one_assignment_per_agency_and_case(db, reviewer):
    cycle = _create(references=[" NEG-26-01 ", "", "NEG-26-02", "NEG-26-03"], user=reviewer)

    db.session.expire_all()
    cycle = queries.get_cycle(cycle.id)
    assert cycle.status == CycleStatus.DRAFT and cycle.created_by_id == reviewer.id
    assert [(c.reference, c.position) for c in cycle.cases] == [("NEG-26-01", 0), ("NEG-26-02", 1), ("NEG-26-03", 2)]
    pairs = {(a.agency_id, a.case_id) for a in cycle.assignments}
    assert pairs == {(agency.id, case.id) for agency in cycle.agencies for case in cycle.cases}
    assert {a.status for a in cycle.assignments} == {AssignmentStatus.NOT_STARTED}


def test_a_self_assessment_has_one_assignment_per_agency_and_no_cases(db):
    cycle = _create(version=published_version("MINI_SELF"), references=["Jayden Smith"])

    assert cycle.cases == []
    assert sorted((a.agency_id, a.case_id) for a in cycle.assignments) == sorted((a.id, None) for a in cycle.agencies)


@pytest.mark.parametrize(("overrides", "errors"), [
    ({"scope_end": dt.date(2025, 3, 31)}, {"scope_end": "The end of the scope period must be on or after its start"}),
    ({"due_on": dt.date(2026, 3, 31)}, {"due_on": "The due date must be on or after the opening date"}),
    ({"meeting_on": dt.date(2026, 5, 28)}, {"meeting_on": "The discussion meeting must be on or after the due date"}),
    ({"opens_on": None, "scope_start": None}, {"opens_on": "Enter a date", "scope_start": "Enter a date"}),
    ({"title": "  "}, {"title": "Enter a title for the cycle"}),
    ({"agencies": []}, {"agency_ids": "Choose at least one agency"}),
    ({"references": ["", " "]}, {"cases": "Enter at least one case reference"}),
    ({"version": None}, {"template_version_id": "Choose a published version of an audit tool"}),
])  # fmt: skip
def test_creating_a_cycle_explains_every_problem(db, overrides, errors):
    with pytest.raises(ValidationError) as caught:
        _create(**overrides)

    assert caught.value.details == errors


def test_only_a_published_version_can_be_used(db):
    version = published_version("MINI_SELF")
    draft = create_version(version.template, with_library_scales(MINI_SELF))
    for unusable in (draft, retire_version(version)):
        with pytest.raises(ValidationError) as caught:
            _create(version=unusable)
        assert set(caught.value.details) == {"template_version_id"}


def test_bad_case_references_are_each_refused_with_the_reason(db):
    with pytest.raises(ValidationError) as caught:
        _create(references=["NEG-26-01", "Jayden Smith", "14/02/2015", "943 476 5919", "neg-26-01"])

    message = caught.value.details["cases"]
    assert "'Jayden Smith' looks like it contains a person's name" in message
    assert "'14/02/2015' looks like it contains a date of birth" in message
    assert "'943 476 5919' looks like it contains an NHS number" in message
    assert "'neg-26-01' is listed twice" in message
    assert "'NEG-26-01'" not in message


# --- Changing the sample and the agencies -----------------------------------------------------------------------------
def test_added_cases_get_a_return_for_every_agency(db, make_cycle):
    cycle = make_cycle(template="MINI_CASE", agencies=2, cases=2, status="open")

    operations.add_cases(cycle, ["CASE-03", "CASE-04"])

    db.session.expire_all()
    cycle = queries.get_cycle(cycle.id)
    assert [c.reference for c in cycle.cases] == ["CASE-01", "CASE-02", "CASE-03", "CASE-04"]
    assert [c.position for c in cycle.cases] == [0, 1, 2, 3]
    assert len(cycle.assignments) == 8
    assert {(a.agency_id, a.case_id) for a in cycle.assignments} == {(g.id, c.id) for g in cycle.agencies
                                                                     for c in cycle.cases}  # fmt: skip


@pytest.mark.parametrize(("references", "message"), [
    (["case-01"], "Already in the sample: case-01"),
    (["Olivia 2"], "looks like it contains a person's name"),
    ([" "], "Enter at least one case reference"),
])  # fmt: skip
def test_added_cases_are_checked(db, make_cycle, references, message):
    cycle = make_cycle(template="MINI_CASE", agencies=2, cases=2, status="open")

    with pytest.raises(ValidationError) as caught:
        operations.add_cases(cycle, references)

    assert message in caught.value.details["cases"]
    assert len(cycle.cases) == 2 and len(cycle.assignments) == 4


def test_cases_cannot_be_added_to_a_closed_cycle_or_a_self_assessment(db, make_cycle):
    with pytest.raises(InvalidTransition):
        operations.add_cases(make_cycle(template="MINI_CASE", agencies=1, cases=1, status="closed"), ["CASE-09"])
    with pytest.raises(ValidationError):
        operations.add_cases(make_cycle(template="MINI_SELF", agencies=1), ["CASE-09"])


def test_added_agencies_get_their_returns(db, make_cycle):
    cycle = make_cycle(template="MINI_CASE", agencies=1, cases=3, status="open")
    newcomer = AgencyFactory()

    operations.add_agencies(cycle, [cycle.agencies[0], newcomer])

    assert len(cycle.agencies) == 2
    assert sorted(a.case.reference for a in cycle.assignments if a.agency_id == newcomer.id) == [
        "CASE-01", "CASE-02", "CASE-03"]  # fmt: skip
    self_assessment = make_cycle(template="MINI_SELF", agencies=1)
    operations.add_agencies(self_assessment, [newcomer])
    assert [(a.agency_id, a.case_id) for a in self_assessment.assignments if a.agency_id == newcomer.id] == [
        (newcomer.id, None)]  # fmt: skip
    with pytest.raises(InvalidTransition):
        operations.add_agencies(make_cycle(template="MINI_SELF", agencies=1, status="reported"), [newcomer])


def test_select_agencies_by_group_and_by_id(db):
    police = AgencyFactory(name="Aardvark Police", kind=AgencyKind.POLICE, duty=StatutoryDuty.S11)
    school = AgencyFactory(name="Beech School", kind=AgencyKind.SCHOOL, duty=StatutoryDuty.S175)
    college = AgencyFactory(name="Cedar College", kind=AgencyKind.COLLEGE, duty=StatutoryDuty.S175)
    nursery = AgencyFactory(name="Daisy Nursery", kind=AgencyKind.EARLY_YEARS, duty=StatutoryDuty.S175)
    AgencyFactory(name="Elm School", kind=AgencyKind.SCHOOL, duty=StatutoryDuty.S175, is_active=False)

    def names(**kwargs):
        return [a.name for a in operations.select_agencies(**kwargs) if a.name[0] in "ABCDE"]

    assert names(group="s11") == ["Aardvark Police"]
    assert names(group="s175") == ["Beech School", "Cedar College", "Daisy Nursery"]
    assert names(group="schools") == ["Beech School", "Cedar College"]
    assert names(group="schools", agency_ids=[str(police.id), nursery.id]) == [
        "Aardvark Police", "Beech School", "Cedar College", "Daisy Nursery"]  # fmt: skip
    assert names(agency_ids=[school.id, college.id]) == ["Beech School", "Cedar College"]
    with pytest.raises(ValidationError):
        operations.select_agencies(group="everyone")


# --- Next year's cycle ------------------------------------------------------------------------------------------------
def test_next_years_cycle_uses_the_active_agencies_and_the_newest_version(db, make_cycle):
    staying, leaving = AgencyFactory(), AgencyFactory()
    previous = make_cycle(template="MINI_SELF", agencies=[staying, leaving], status="open")
    lead = agency_user(staying)
    last_year = next(a for a in previous.assignments if a.agency_id == staying.id)
    operations.save_answers(last_year, {"LEAD_01": "yes", "LEAD_EV": "Board minutes, March 2026"}, user=lead,
                            sign_off=SIGN_OFF)  # fmt: skip
    operations.submit_return(last_year, user=lead)
    operations.close_cycle(previous)
    leaving.is_active = False
    newer = create_version(previous.template_version.template, with_library_scales(MINI_SELF))
    publish_version(newer)

    cycle = operations.create_cycle_from_previous(previous, title="Mini self-assessment 2027", **DATES)

    assert cycle.status == CycleStatus.DRAFT and cycle.previous_cycle_id == previous.id
    assert cycle.template_version_id == newer.id
    assert [a.agency_id for a in cycle.assignments] == [staying.id]
    this_year = cycle.assignments[0]
    shown = {code: answer.value for code, answer in queries.previous_answers(this_year).items()}
    assert shown == {"LEAD_01": "yes", "LEAD_EV": "Board minutes, March 2026"}
    assert queries.previous_answers(last_year) == {}


def test_next_years_cycle_needs_a_published_version(db, make_cycle):
    previous = make_cycle(template="MINI_SELF", agencies=1, status="closed")
    retire_version(previous.template_version)

    with pytest.raises(ValidationError) as caught:
        operations.create_cycle_from_previous(previous, title="Mini self-assessment 2027", **DATES)

    assert set(caught.value.details) == {"template_version_id"}

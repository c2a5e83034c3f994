"""The mid-year update of an annual self-assessment: progress on every answer below the top of the scale."""

import datetime as dt

import pytest

from audit_app.core.errors import InvalidTransition, ValidationError
from audit_app.core.permissions import Role
from audit_app.cycles import operations
from tests.cycles.builders import SIGN_OFF, build_cycle
from tests.factories import AgencyFactory, UserFactory


@pytest.fixture
def submitted(app_ctx, db):
    """A submitted return graded green, amber and (notes); :return: (assignment, lead)."""
    agency = AgencyFactory()
    lead = UserFactory(role=Role.AGENCY_LEAD, agency=agency)
    cycle = build_cycle(agencies=[agency], cases=0, template="MID_TOOL", status="open")
    assignment = cycle.assignments[0]
    operations.save_answers(assignment, {"STD_1": "green", "STD_2": "amber", "STD_3": "Some notes"}, user=lead,
                            sign_off=SIGN_OFF)  # fmt: skip
    operations.submit_return(assignment, user=lead)
    db.session.commit()
    return assignment, lead


def test_only_answers_below_the_top_level_need_progress(submitted):
    assignment, _ = submitted
    assert [a.question.code for a in operations.answers_needing_progress(assignment)] == ["STD_2"]


def test_request_needs_a_later_date_and_a_self_assessment(submitted, app_ctx):
    assignment, _ = submitted
    cycle = assignment.cycle
    with pytest.raises(ValidationError):
        operations.request_mid_year_update(cycle, due_on=cycle.due_on)
    operations.request_mid_year_update(cycle, due_on=cycle.due_on + dt.timedelta(days=180))
    assert cycle.mid_year_due_on == cycle.due_on + dt.timedelta(days=180)
    case_audit = build_cycle(agencies=1, cases=1, template="MINI_CASE", status="open")
    with pytest.raises(ValidationError):
        operations.request_mid_year_update(case_audit, due_on=dt.date(2027, 1, 1))


def test_progress_is_saved_without_changing_grades(submitted, app_ctx):
    assignment, lead = submitted
    with pytest.raises(InvalidTransition):  # not asked for yet
        operations.save_progress_updates(assignment, {"STD_2": "Training log in place"}, user=lead)
    operations.request_mid_year_update(assignment.cycle, due_on=dt.date(2026, 12, 1))
    with pytest.raises(ValidationError):
        operations.save_progress_updates(assignment, {"STD_1": "Already green"}, user=lead)
    operations.save_progress_updates(assignment, {"STD_2": "Training log in place"}, user=lead)
    answers = {a.question.code: a for a in assignment.answers}
    assert answers["STD_2"].progress_update == "Training log in place" and answers["STD_2"].value == "amber"


def test_admin_asks_and_the_lead_reports_through_the_pages(submitted, login_as, db):
    assignment, lead_user = submitted
    admin = login_as(Role.ADMIN)
    bad = admin.post(f"/cycles/{assignment.cycle_id}/mid-year-update", {"mid_year_due_on": "2020-01-01"},
                     follow_redirects=True)  # fmt: skip
    assert "must be due after" in bad.get_data(as_text=True)
    admin.post(f"/cycles/{assignment.cycle_id}/mid-year-update", {"mid_year_due_on": "2026-12-01"})
    lead = login_as(Role.AGENCY_LEAD, user=lead_user)
    page = lead.get(f"/returns/{assignment.id}/mid-year-update").get_data(as_text=True)
    assert "Training monitored?" in page and "Named lead?" not in page
    lead.post(f"/returns/{assignment.id}/mid-year-update", {"progress-STD_2": "Quarterly training report to board"})
    db.session.refresh(assignment)
    assert {a.question.code: a.progress_update for a in assignment.answers}["STD_2"] == (
        "Quarterly training report to board"
    )
    outsider = login_as(Role.AGENCY_LEAD, agency=AgencyFactory())
    assert outsider.get(f"/returns/{assignment.id}/mid-year-update").status_code == 404

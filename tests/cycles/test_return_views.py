"""Completing a return in the browser (without JavaScript): pages, saving, conflicts, submit, decline, review."""

import re

import pytest

from audit_app.core.permissions import Role
from audit_app.cycles.models.assignments import AssignmentStatus
from tests.cycles.builders import build_cycle, put_in
from tests.factories import AgencyFactory, UserFactory


@pytest.fixture
def setup(app_ctx, db):
    """An open MINI_CASE cycle with two police agencies and two cases; returns (cycle, agency A, agency B)."""
    a, b = AgencyFactory(name="Agency A"), AgencyFactory(name="Agency B")
    cycle = build_cycle(agencies=[a, b], cases=2, template="MINI_CASE", status="open")
    db.session.commit()
    return cycle, a, b


def _assignment(cycle, agency, index=0):
    return sorted((x for x in cycle.assignments if x.agency_id == agency.id), key=lambda x: x.case.position)[index]


def _answers(assignment):
    return {a.question.code: (a.value, a.comment) for a in assignment.answers}


def test_my_returns_lists_only_my_agency(setup, login_as):
    cycle, a, b = setup
    web = login_as(Role.AGENCY_AUDITOR, agency=a)
    page = web.get("/returns").get_data(as_text=True)
    assert page.count("CASE-0") >= 2
    assert f"/returns/{_assignment(cycle, b).id}" not in page
    assert f"/returns/{_assignment(cycle, a).id}" in page


def test_save_page_with_comment_then_continue(setup, login_as, db):
    cycle, a, _ = setup
    target = _assignment(cycle, a)
    web = login_as(Role.AGENCY_AUDITOR, agency=a)
    response = web.post(f"/returns/{target.id}/edit/MAIN", {
        "_version": target.version, "SEEN": "yes", "SEEN_HOW": "Home visit", "SEEN_HOW__comment": "Recorded 3 May",
        "CRIME": "no", "MAIN__good_practice": "Quick joint visit", "action": "save"})  # fmt: skip
    assert response.status_code == 302
    db.session.refresh(target)
    assert _answers(target)["SEEN_HOW"] == ("Home visit", "Recorded 3 May")
    assert target.status == AssignmentStatus.IN_PROGRESS
    assert target.section_responses[0].good_practice == "Quick joint visit"


def test_hidden_question_answer_is_dropped(setup, login_as, db):
    cycle, a, _ = setup
    target = _assignment(cycle, a)
    web = login_as(Role.AGENCY_AUDITOR, agency=a)
    web.post(f"/returns/{target.id}/edit/MAIN", {"_version": 1, "SEEN": "yes", "SEEN_HOW": "Home visit"})
    web.post(f"/returns/{target.id}/edit/MAIN", {"_version": 2, "SEEN": "no", "SEEN_HOW": "Home visit"})
    db.session.refresh(target)
    assert "SEEN_HOW" not in _answers(target)
    assert _answers(target)["SEEN"] == ("no", None)


def test_bad_value_is_shown_in_the_error_summary_and_nothing_is_saved(setup, login_as, db):
    cycle, a, _ = setup
    target = _assignment(cycle, a)
    web = login_as(Role.AGENCY_AUDITOR, agency=a)
    response = web.post(f"/returns/{target.id}/edit/MAIN", {"_version": 1, "SEEN": "maybe"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and 'href="#SEEN"' in html
    db.session.refresh(target)
    assert target.answers == [] and target.version == 1


def test_second_editor_sees_both_versions_and_chooses(setup, login_as, db):
    cycle, a, _ = setup
    target = _assignment(cycle, a)
    first, second = login_as(Role.AGENCY_AUDITOR, agency=a), login_as(Role.AGENCY_LEAD, agency=a)
    assert first.post(f"/returns/{target.id}/edit/MAIN", {"_version": 1, "SEEN": "yes"}).status_code == 302
    conflict = second.post(f"/returns/{target.id}/edit/MAIN", {"_version": 1, "SEEN": "no", "NOTES": "Mine"})
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    assert "Your answer (not saved)" in html and "Saved answer" in html
    db.session.refresh(target)
    assert _answers(target)["SEEN"] == ("yes", None)  # nothing overwritten
    version = re.search(r'name="_version" value="(\d+)"', html).group(1)
    keep_mine = second.post(f"/returns/{target.id}/edit/MAIN", {"_version": version, "SEEN": "no", "NOTES": "Mine"})
    assert keep_mine.status_code == 302
    db.session.refresh(target)
    assert _answers(target)["SEEN"] == ("no", None) and _answers(target)["NOTES"] == ("Mine", None)


def test_autosave_saves_and_reports_conflicts(setup, login_as, db):
    cycle, a, _ = setup
    target = _assignment(cycle, a)
    web = login_as(Role.AGENCY_AUDITOR, agency=a)
    saved = web.post(f"/returns/{target.id}/autosave/MAIN", {"_version": 1, "NOTES": "Typing"})
    assert saved.status_code == 200 and saved.json["version"] == 2
    stale = web.post(f"/returns/{target.id}/autosave/MAIN", {"_version": 1, "NOTES": "Older tab"})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "conflict"
    db.session.refresh(target)
    assert _answers(target)["NOTES"] == ("Typing", None)


def test_submit_lists_missing_then_succeeds_and_locks(setup, login_as, db):
    cycle, a, _ = setup
    target = _assignment(cycle, a)
    web = login_as(Role.AGENCY_AUDITOR, agency=a)
    refused = web.post(f"/returns/{target.id}/submit", {"_version": 1}, follow_redirects=True)
    html = refused.get_data(as_text=True)
    assert "You cannot submit yet: 2 required answers" in html  # SEEN and CRIME (police); SEEN_HOW hidden
    web.post(f"/returns/{target.id}/edit/MAIN", {"_version": 1, "SEEN": "no", "CRIME": "no"})
    done = web.post(f"/returns/{target.id}/submit", {"_version": 2})
    assert done.status_code == 200 and "Return submitted" in done.get_data(as_text=True)
    db.session.refresh(target)
    assert target.status == AssignmentStatus.SUBMITTED
    locked = web.post(f"/returns/{target.id}/edit/MAIN", {"_version": target.version, "SEEN": "yes"})
    assert locked.status_code == 302
    db.session.refresh(target)
    assert _answers(target)["SEEN"] == ("no", None)


def test_decline_needs_a_reason(setup, login_as, db):
    cycle, a, _ = setup
    target = _assignment(cycle, a)
    web = login_as(Role.AGENCY_AUDITOR, agency=a)
    missing = web.post(f"/returns/{target.id}/decline", {"status": "not_known", "reason": "", "version": 1})
    assert missing.status_code == 400 and "Explain briefly why" in missing.get_data(as_text=True)
    ok = web.post(f"/returns/{target.id}/decline", {"status": "not_known", "reason": "No record found", "version": 1})
    assert ok.status_code == 302
    db.session.refresh(target)
    assert target.status == AssignmentStatus.NOT_KNOWN and target.decline_reason == "No record found"


def test_review_return_for_amendment_then_accept(setup, login_as, db):
    cycle, a, _ = setup
    target = _assignment(cycle, a)
    lead = UserFactory(role=Role.AGENCY_LEAD, agency=a)
    put_in(target, "submitted", user=lead, reviewer=None)
    db.session.commit()
    admin = login_as(Role.ADMIN)
    no_reason = admin.post(f"/returns/{target.id}/review", {"decision": "return", "reason": ""}, follow_redirects=True)
    assert "Say what the agency needs to amend" in no_reason.get_data(as_text=True)
    admin.post(f"/returns/{target.id}/review", {"decision": "return", "reason": "Add the date of the visit"})
    db.session.refresh(target)
    assert target.status == AssignmentStatus.RETURNED
    auditor = login_as(Role.AGENCY_AUDITOR, agency=a)
    assert "Add the date of the visit" in auditor.get(f"/returns/{target.id}/edit").get_data(as_text=True)
    auditor.post(f"/returns/{target.id}/submit", {"_version": target.version})
    admin.post(f"/returns/{target.id}/review", {"decision": "accept"})
    db.session.refresh(target)
    assert target.status == AssignmentStatus.ACCEPTED


def test_sign_off_tool_needs_the_lead(app_ctx, db, login_as):
    agency = AgencyFactory()
    cycle = build_cycle(agencies=[agency], cases=0, template="MINI_SELF", status="open")
    target = cycle.assignments[0]
    auditor_user = UserFactory(role=Role.AGENCY_AUDITOR, agency=agency)
    from tests.cycles.builders import fill_required

    fill_required(target, auditor_user)
    db.session.commit()
    auditor = login_as(Role.AGENCY_AUDITOR, agency=agency)
    page = auditor.get(f"/returns/{target.id}").get_data(as_text=True)
    assert "ask your agency's safeguarding lead" in page
    assert auditor.post(f"/returns/{target.id}/submit", {"_version": target.version}).status_code == 409
    lead = login_as(Role.AGENCY_LEAD, agency=agency)
    assert lead.post(f"/returns/{target.id}/submit", {"_version": target.version}).status_code == 200
    db.session.refresh(target)
    assert target.status == AssignmentStatus.SUBMITTED and target.signed_off_at is not None


def test_lead_reassigns_and_other_auditors_no_longer_see_it(setup, login_as, db):
    cycle, a, _ = setup
    target = _assignment(cycle, a)
    chosen = UserFactory(role=Role.AGENCY_AUDITOR, agency=a)
    db.session.commit()
    lead = login_as(Role.AGENCY_LEAD, agency=a)
    assert lead.post(f"/returns/{target.id}/reassign", {"assignee_id": str(chosen.id)}).status_code == 302
    other = login_as(Role.AGENCY_AUDITOR, agency=a)
    assert f'/returns/{target.id}"' not in other.get("/returns").get_data(as_text=True)
    assert other.get(f"/returns/{target.id}/edit").status_code == 302  # may look, may not edit


@pytest.mark.parametrize("path", ["", "/edit", "/edit/MAIN", "/decline", "/download", "/upload"])
def test_another_agency_gets_not_found(setup, login_as, path):
    cycle, a, b = setup
    outsider = login_as(Role.AGENCY_AUDITOR, agency=b)
    assert outsider.get(f"/returns/{_assignment(cycle, a).id}{path}").status_code == 404


def test_board_viewer_never_sees_returns(setup, login_as):
    cycle, a, _ = setup
    board = login_as(Role.BOARD_VIEWER)
    assert board.get(f"/returns/{_assignment(cycle, a).id}").status_code == 403
    assert board.get("/returns").status_code == 403


def test_annual_cycle_shows_last_years_answer_beside_each_question(app_ctx, db, login_as):
    import datetime as dt

    from audit_app.cycles import operations

    agency = AgencyFactory()
    lead_user = UserFactory(role=Role.AGENCY_LEAD, agency=agency)
    last_year = build_cycle(agencies=[agency], cases=0, template="MINI_SELF", status="open")
    operations.save_answers(last_year.assignments[0], {"LEAD_01": "yes", "LEAD_EV": "Board minutes, March"},
                            user=lead_user)  # fmt: skip
    operations.close_cycle(last_year)
    this_year = operations.create_cycle_from_previous(
        last_year, title="Next year", scope_start=dt.date(2026, 4, 1), scope_end=dt.date(2027, 3, 31),
        opens_on=dt.date(2027, 1, 4), due_on=dt.date(2027, 3, 12),
    )  # fmt: skip
    operations.open_cycle(this_year)
    db.session.commit()
    lead = login_as(Role.AGENCY_LEAD, agency=agency)
    html = lead.get(f"/returns/{this_year.assignments[0].id}/edit").get_data(as_text=True)
    assert "Your agency's answer last time: <strong>Yes</strong>" in html
    assert "Your agency's answer last time: <strong>Board minutes, March</strong>" in html

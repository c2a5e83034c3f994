"""The demo partnership shows a running FSA case audit and lets the admin run this year's S11 from last year's."""

import datetime as dt

from sqlalchemy import select

from audit_app.agencies.demo import load_demo
from audit_app.cycles import operations, queries
from audit_app.cycles.models.cycles import Cycle, CycleStatus
from audit_app.extensions import db


def _cycle(title_start):
    return db.session.scalar(select(Cycle).where(Cycle.title.startswith(title_start)))


def test_demo_has_an_fsa_audit_over_five_cases_and_eight_agencies(app_ctx):
    load_demo()
    fsa = _cycle("Familial sexual abuse")
    assert fsa.status == CycleStatus.OPEN
    assert len(fsa.cases) == 5 and len(fsa.agencies) == 8 and len(fsa.assignments) == 40
    counts = queries.count_by_status(fsa.id)
    assert counts["submitted"] and counts["not_known"] + counts["out_of_scope"] and counts["in_progress"]
    rows = queries.participation(fsa.id)
    assert sum(r["total"] for r in rows) == 40
    for row in rows:
        assert row["audited"] + row["not_known"] + row["out_of_scope"] + row["outstanding"] == row["total"] == 5
    assert sum(r["audited"] for r in rows) == counts["submitted"] + counts["accepted"]


def test_this_years_s11_from_last_years_shows_previous_answers(app_ctx):
    load_demo()
    last_year = _cycle("Section 11 self-assessment 2025/26")
    assert last_year.status == CycleStatus.CLOSED
    assert all(a.status.value == "submitted" for a in last_year.assignments)
    this_year = operations.create_cycle_from_previous(
        last_year, title="Section 11 self-assessment 2026/27", scope_start=dt.date(2026, 4, 1),
        scope_end=dt.date(2027, 3, 31), opens_on=dt.date(2027, 1, 4), due_on=dt.date(2027, 3, 12),
    )  # fmt: skip
    assert {a.id for a in this_year.agencies} == {a.id for a in last_year.agencies}
    assignment = this_year.assignments[0]
    previous = queries.previous_answers(assignment)
    last = next(a for a in last_year.assignments if a.agency_id == assignment.agency_id)
    assert previous and {code: answer.value for code, answer in previous.items()} == {
        answer.question.code: answer.value for answer in last.answers}  # fmt: skip

"""Reads of cycles: participation and counts (in SQL), the status matrix, late returns, progress per cycle."""

import datetime as dt

import pytest

from audit_app.agencies.models.agencies import AgencyKind
from audit_app.cycles import queries
from audit_app.extensions import db
from tests.cycles.builders import agency_user, put_in
from tests.factories import AgencyFactory

#: agency name -> the statuses of its returns for cases 1 to 4.
STATUSES = {
    "Alder Police": ["submitted", "accepted", "not_known", "in_progress"],
    "Birch Trust": ["out_of_scope", "returned", "not_started", "not_known"],
    "Cherry School": ["not_started", "not_started", "not_started", "not_started"],
}


@pytest.fixture
def mixed_cycle(make_cycle, reviewer):
    """An open case audit of three agencies and four cases, its returns in the statuses of ``STATUSES``."""
    agencies = [AgencyFactory(name=name, kind=AgencyKind.POLICE) for name in STATUSES]
    cycle = make_cycle(template="MINI_CASE", agencies=agencies, cases=4, status="open")
    _, cases, cells = queries.status_matrix(cycle)
    for agency in agencies:
        lead = agency_user(agency)
        for case, status in zip(cases, STATUSES[agency.name], strict=True):
            put_in(cells[agency.id, case.id], status, user=lead, reviewer=reviewer)
    db.session.flush()
    return cycle


def test_participation_counts_each_agency_exactly(mixed_cycle):
    rows = [{k: v for k, v in row.items() if k != "agency_id"} for row in queries.participation(mixed_cycle.id)]

    assert rows == [
        {"agency": "Alder Police", "audited": 2, "not_known": 1, "out_of_scope": 0, "outstanding": 1, "total": 4},
        {"agency": "Birch Trust", "audited": 0, "not_known": 1, "out_of_scope": 1, "outstanding": 2, "total": 4},
        {"agency": "Cherry School", "audited": 0, "not_known": 0, "out_of_scope": 0, "outstanding": 4, "total": 4},
    ]


def test_counts_by_status_and_progress(mixed_cycle, make_cycle):
    other = make_cycle(template="MINI_SELF", agencies=2)

    assert queries.count_by_status(mixed_cycle.id) == {
        "not_started": 5, "in_progress": 1, "submitted": 1, "returned": 1, "accepted": 1, "not_known": 2,
        "out_of_scope": 1,
    }  # fmt: skip
    assert queries.count_progress([mixed_cycle.id, other.id]) == {mixed_cycle.id: (5, 12), other.id: (0, 2)}
    assert queries.count_progress([]) == {}


def test_the_matrix_has_every_agency_and_case(mixed_cycle):
    agencies, cases, cells = queries.status_matrix(mixed_cycle)

    assert [a.name for a in agencies] == list(STATUSES)
    assert [c.reference for c in cases] == ["CASE-01", "CASE-02", "CASE-03", "CASE-04"]
    assert [[cells[a.id, c.id].status for c in cases] for a in agencies] == list(STATUSES.values())


def test_late_returns_are_the_outstanding_ones_after_the_due_date(mixed_cycle):
    due = mixed_cycle.due_on

    assert db.session.scalars(queries.query_late(mixed_cycle, due)).all() == []
    late = db.session.scalars(queries.query_late(mixed_cycle, due + dt.timedelta(days=1))).all()
    assert [(a.agency.name, a.status.value) for a in late] == [
        ("Alder Police", "in_progress"), ("Birch Trust", "returned"), ("Birch Trust", "not_started"),
        *[("Cherry School", "not_started")] * 4,
    ]  # fmt: skip
    assert queries.is_late(late[0], due + dt.timedelta(days=1)) and not queries.is_late(late[0], due)

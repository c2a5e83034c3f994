"""Cycle administration pages: the list, creating a cycle (and next year's), the overview and status changes."""

import html
import re

import pytest
from flask import url_for
from sqlalchemy import select

from audit_app.agencies.models.agencies import AgencyKind, StatutoryDuty
from audit_app.core.permissions import Role
from audit_app.cycles import queries
from audit_app.cycles.models.cycles import Cycle, CycleStatus
from audit_app.tools.library import with_library_scales
from audit_app.tools.operations import create_version
from tests.cycles.builders import MINI_CASE, agency_user, build_cycle, published_version, put_in
from tests.factories import AgencyFactory


def _text(response):
    return html.unescape(response.get_data(as_text=True))


def _summary(page):
    """The (href, text) pairs of the GOV.UK error summary."""
    start = page.index('class="govuk-error-summary"')
    return re.findall(r'<a href="(#[^"]+)">([^<]+)</a>', page[start : page.index("</ul>", start)])


def _cycle(db, cycle_id):
    db.session.expire_all()
    return db.session.get(Cycle, cycle_id)


def _date(day):
    return [str(day.day), str(day.month), str(day.year)]


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN)


def _form(version, **overrides):
    return {
        "template_version_id": str(version.id), "title": "Neglect audit, spring 2026",
        "scope_start": ["1", "4", "2025"], "scope_end": ["31", "3", "2026"], "opens_on": ["1", "4", "2026"],
        "due_on": ["29", "5", "2026"], "meeting_on": ["", "", ""], "terms_of_reference": "Neglect of under-5s",
        "agency_ids": [], "agency_group": "none", "cases": "NEG-26-01\nNEG-26-02\n", **overrides,
    }  # fmt: skip


# --- The list ---------------------------------------------------------------------------------------------------------
def test_the_list_shows_each_cycle_with_its_progress(db, admin, login_as, reviewer):
    cycle = build_cycle(template="MINI_CASE", agencies=2, cases=2, status="open", title="Neglect audit 2026")
    lead = agency_user(cycle.agencies[0])
    put_in(cycle.assignments[0], "submitted", user=lead, reviewer=reviewer)
    put_in(cycle.assignments[1], "not_known", user=lead, reviewer=reviewer)
    build_cycle(template="MINI_SELF", agencies=1, title="Mini S11 2026")
    db.session.commit()

    page = _text(admin.get("/cycles"))

    row = re.search(r"Neglect audit 2026</a>.*?</tr>", page, re.S).group(0)
    assert "Mini case audit, version 1" in row and "Open" in row and "29 May 2026" in row and "2 of 4" in row
    assert "Mini S11 2026" in page and "Create a cycle" in page
    scrutineer_page = _text(login_as(Role.SCRUTINEER).get("/cycles"))
    assert "Neglect audit 2026" in scrutineer_page and "Create a cycle" not in scrutineer_page


# --- Creating a cycle -------------------------------------------------------------------------------------------------
def test_creating_a_case_audit_from_the_form(db, admin):
    version = published_version("MINI_CASE")
    police = AgencyFactory(name="Wessex Police", kind=AgencyKind.POLICE, duty=StatutoryDuty.S11)
    school = AgencyFactory(name="Ashby Road Primary", kind=AgencyKind.SCHOOL, duty=StatutoryDuty.S175)
    AgencyFactory(name="Closed Academy", kind=AgencyKind.SCHOOL, duty=StatutoryDuty.S175, is_active=False)
    create_version(version.template, with_library_scales(MINI_CASE))  # a draft: not offered
    db.session.commit()
    page = _text(admin.get("/cycles/new"))
    assert "Mini case audit, version 1" in page and "version 2" not in page
    assert "Wessex Police" in page and "Closed Academy" not in page

    response = admin.post("/cycles/new", _form(version, agency_ids=[str(police.id)], agency_group="schools"))

    assert response.status_code == 302
    cycle = db.session.scalar(select(Cycle).where(Cycle.title == "Neglect audit, spring 2026"))
    assert response.headers["Location"].endswith(f"/cycles/{cycle.id}")
    assert cycle.status == CycleStatus.DRAFT and cycle.terms_of_reference == "Neglect of under-5s"
    assert {a.name for a in cycle.agencies} >= {"Wessex Police", "Ashby Road Primary"}
    assert "Closed Academy" not in {a.name for a in cycle.agencies}
    assert [c.reference for c in cycle.cases] == ["NEG-26-01", "NEG-26-02"]
    assert len(cycle.assignments) == 2 * len(cycle.agencies)
    assert school.id in {a.agency_id for a in cycle.assignments}
    assert "has been created as a draft" in _text(admin.get(response.headers["Location"]))


def test_a_self_assessment_leaves_out_case_references(db, admin):
    version = published_version("MINI_SELF")
    agency = AgencyFactory()
    db.session.commit()

    response = admin.post("/cycles/new", _form(version, agency_ids=[str(agency.id)], cases="NEG-26-01"))

    assert response.status_code == 302
    cycle = db.session.scalar(select(Cycle).where(Cycle.template_version_id == version.id))
    assert cycle.cases == [] and [(a.agency_id, a.case_id) for a in cycle.assignments] == [(agency.id, None)]


def test_a_name_as_a_case_reference_is_refused_on_the_field(db, admin):
    version, agency = published_version("MINI_CASE"), AgencyFactory()
    db.session.commit()

    response = admin.post("/cycles/new", _form(version, agency_ids=[str(agency.id)],
                                               cases="NEG-26-01\nJayden Smith\n12/03/2015"))  # fmt: skip

    assert response.status_code == 400
    page = _text(response)
    ((href, message),) = _summary(page)
    assert href == "#cases" and "'Jayden Smith' looks like it contains a person's name" in message
    error = re.search(r'<p id="cases-error".*?</p>', page, re.S).group(0)
    assert "child data<br>'12/03/2015' looks like it contains a date of birth" in error  # a line per problem
    assert "NEG-26-01\nJayden Smith" in page  # what was typed is kept
    assert db.session.scalar(select(Cycle.id)) is None


def test_the_form_explains_every_problem_next_to_its_field(db, admin):
    version = published_version("MINI_CASE")
    db.session.commit()

    response = admin.post("/cycles/new", _form(version, title=" ", scope_start=["31", "2", "2026"],
                                               opens_on=["", "", ""], cases=""))  # fmt: skip

    assert response.status_code == 400
    assert _summary(_text(response)) == [
        ("#title", "Enter a title for the cycle"),
        ("#scope_start", "Start of the scope period must be a real date, like 27 3 2026"),
        ("#opens_on", "Enter the date the cycle opens"),
    ]
    response = admin.post("/cycles/new", _form(version, due_on=["1", "3", "2026"], meeting_on=["2", "3", "2026"]))
    assert response.status_code == 400
    assert _summary(_text(response)) == [
        ("#due_on", "The due date must be on or after the opening date"),
        ("#agency_ids", "Choose at least one agency"),
    ]
    response = admin.post("/cycles/new", _form(version, template_version_id="999999", agency_group="everyone"))
    assert dict(_summary(_text(response))) == {
        "#template_version_id": "Choose a published version of an audit tool",
        "#agency_group": "Choose one of the groups listed",
    }


# --- The overview -----------------------------------------------------------------------------------------------------
@pytest.fixture
def running(db, reviewer):
    """An open case audit of two agencies and three cases, with a mix of statuses."""
    agencies = [AgencyFactory(name="Alder Police"), AgencyFactory(name="Birch Trust")]
    cycle = build_cycle(template="MINI_CASE", agencies=agencies, cases=3, status="open", title="Neglect audit")
    _, cases, cells = queries.status_matrix(cycle)
    lead = agency_user(agencies[0])
    put_in(cells[agencies[0].id, cases[0].id], "submitted", user=lead, reviewer=reviewer)
    put_in(cells[agencies[0].id, cases[1].id], "out_of_scope", user=lead, reviewer=reviewer)
    put_in(cells[agencies[1].id, cases[2].id], "not_known", user=agency_user(agencies[1]), reviewer=reviewer)
    db.session.commit()
    return cycle


def test_the_overview_shows_the_matrix_participation_and_who_is_late(app, db, login_as, running, freeze_now):
    freeze_now("2026-06-02T09:00:00Z")  # before signing in: travelling later would end the session
    admin = login_as(Role.ADMIN)

    page = _text(admin.get(f"/cycles/{running.id}"))

    matrix = page[page.index('class="app-matrix-wrapper"') : page.index("</table>", page.index("app-matrix"))]
    assert 'tabindex="0" role="region" aria-label="Returns by agency and case"' in matrix
    assert re.findall(r'scope="col" class="govuk-table__header">([^<]+)<', matrix) == [
        "Agency", "CASE-01", "CASE-02", "CASE-03"]  # fmt: skip
    rows = re.findall(r'scope="row" class="govuk-table__header">([^<]+)</th>(.*?)</tr>', matrix, re.S)
    tags = {name: re.findall(r"app-status-tag\">\s*([^<]+?)\s*<", cells) for name, cells in rows}
    assert tags == {"Alder Police": ["Submitted", "Out of scope", "Not started"],
                    "Birch Trust": ["Not started", "Not started", "Not known to agency"]}  # fmt: skip
    if "returns.return_view" in app.view_functions:  # each cell links to its return
        with app.test_request_context():
            links = [url_for("returns.return_view", assignment_id=a.id) for a in running.assignments]
        assert sorted(re.findall(r'href="([^"]+)"', matrix)) == sorted(links)
    participation = page[page.index('id="participation-table"') :]
    total = re.search(r'scope="row" class="govuk-table__header">Total</th>(.*?)</tr>', participation, re.S).group(1)
    assert re.findall(r">(\d+)<", total) == ["1", "1", "1", "3", "6"]
    late = page[page.index('id="late"') : page.index('id="participation"')]
    assert "3 returns are still outstanding after the due date, 29 May 2026 (4 days ago)" in late
    assert late.count("Not started") == 3
    assert 'data-status="not_started">3<' in page


def test_the_overview_runs_the_same_number_of_queries_for_any_number_of_cases(db, login_as, count_queries, freeze_now):
    freeze_now("2026-06-02T09:00:00Z")  # after the due date: the late list is shown too
    admin = login_as(Role.ADMIN)
    small = build_cycle(template="MINI_CASE", agencies=3, cases=2, status="open")
    large = build_cycle(template="MINI_CASE", agencies=3, cases=6, status="open")
    db.session.commit()
    urls = [f"/cycles/{small.id}", f"/cycles/{large.id}"]
    admin.get(urls[0])  # warm up: the first request loads what every page needs

    counts = []
    for url in urls:
        with count_queries() as counter:
            response = admin.get(url)
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


# --- Status changes and cases -----------------------------------------------------------------------------------------
def test_a_cycle_goes_through_its_statuses_from_the_overview(db, admin):
    cycle = build_cycle(template="MINI_CASE", agencies=1, cases=1)
    db.session.commit()
    url = f"/cycles/{cycle.id}"
    assert "Open the cycle to agencies" in _text(admin.get(url))

    for action, status, message in (
        ("open", "open", "is open: agencies can now start"),
        ("close", "closed", "is closed: returns can no longer be changed"),
        ("reopen", "open", "has been reopened"),
        ("close", "closed", "is closed"),
        ("mark-reported", "reported", "has been marked as reported"),
    ):
        response = admin.post(f"{url}/{action}")
        assert response.status_code == 302 and response.headers["Location"].endswith(url)
        assert _cycle(db, cycle.id).status == status
        assert message in _text(admin.get(url))


@pytest.mark.parametrize(("status", "action", "message"), [
    ("draft", "close", "Only an open cycle can be closed; this one is draft."),
    ("open", "open", "Only a draft cycle can be opened; this one is open."),
    ("open", "mark-reported", "Close the cycle before marking it reported."),
    ("reported", "reopen", "Only a closed cycle can be reopened."),
])  # fmt: skip
def test_a_change_the_status_does_not_allow_is_explained(db, admin, status, action, message):
    cycle = build_cycle(template="MINI_SELF", agencies=1, status=status)
    db.session.commit()

    response = admin.post(f"/cycles/{cycle.id}/{action}")

    assert response.status_code == 302
    assert message in _text(admin.get(f"/cycles/{cycle.id}"))
    assert _cycle(db, cycle.id).status == status


def test_adding_cases_from_the_overview(db, admin):
    cycle = build_cycle(template="MINI_CASE", agencies=2, cases=1, status="open")
    db.session.commit()

    response = admin.post(f"/cycles/{cycle.id}/cases", {"cases": "CASE-02\nCASE-03"})
    assert response.status_code == 302
    assert "2 cases added" in _text(admin.get(f"/cycles/{cycle.id}"))
    assert len(_cycle(db, cycle.id).assignments) == 6

    response = admin.post(f"/cycles/{cycle.id}/cases", {"cases": "CASE-04\nOlivia Brown"})
    assert response.status_code == 400
    assert _summary(_text(response))[0][0] == "#cases"
    assert "'Olivia Brown' looks like it contains a person's name" in _text(response)
    assert len(_cycle(db, cycle.id).cases) == 3


def test_cases_cannot_be_added_to_a_closed_cycle(db, admin):
    cycle = build_cycle(template="MINI_CASE", agencies=1, cases=1, status="closed")
    db.session.commit()

    response = admin.post(f"/cycles/{cycle.id}/cases", {"cases": "CASE-02"})

    assert response.status_code == 302
    assert "Cases cannot be added to a closed cycle." in _text(admin.get(f"/cycles/{cycle.id}"))
    assert len(_cycle(db, cycle.id).cases) == 1


# --- Next year's cycle ------------------------------------------------------------------------------------------------
def test_creating_next_years_self_assessment(db, admin):
    staying, leaving = AgencyFactory(name="Alder Police"), AgencyFactory(name="Birch Trust")
    previous = build_cycle(template="MINI_SELF", agencies=[staying, leaving], status="closed",
                           title="Section 11 audit 2025/26")  # fmt: skip
    leaving.is_active = False
    db.session.commit()

    page = _text(admin.get(f"/cycles/{previous.id}/next-year"))
    assert 'value="Section 11 audit 2026/27"' in page
    assert re.findall(r'id="due_on-(?:day|month|year)"[^>]*value="(\d+)"', page) == ["29", "05", "2027"]
    assert "The 1 agency from last year" in page

    form = {"title": "Section 11 audit 2026/27", "scope_start": ["1", "4", "2026"], "scope_end": ["31", "3", "2027"],
            "opens_on": ["1", "4", "2027"], "due_on": ["29", "5", "2027"], "meeting_on": ["", "", ""]}  # fmt: skip
    response = admin.post(f"/cycles/{previous.id}/next-year", form)

    assert response.status_code == 302
    cycle = db.session.scalar(select(Cycle).where(Cycle.previous_cycle_id == previous.id))
    assert cycle.title == "Section 11 audit 2026/27" and cycle.status == CycleStatus.DRAFT
    assert [a.agency_id for a in cycle.assignments] == [staying.id]
    assert response.headers["Location"].endswith(f"/cycles/{cycle.id}")
    assert "Section 11 audit 2025/26" in _text(admin.get(f"/cycles/{cycle.id}"))  # "Follows"
    response = admin.post(f"/cycles/{previous.id}/next-year", {**form, "due_on": ["31", "3", "2027"]})
    assert response.status_code == 400
    assert _summary(_text(response)) == [("#due_on", "The due date must be on or after the opening date")]


def test_a_case_audit_has_no_next_years_cycle(db, admin):
    cycle = build_cycle(template="MINI_CASE", agencies=1, cases=1, status="closed")
    db.session.commit()

    assert admin.get(f"/cycles/{cycle.id}/next-year").status_code == 404
    assert "next year" not in _text(admin.get(f"/cycles/{cycle.id}")).lower()


# --- Permissions ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.BOARD_VIEWER, Role.AGENCY_AUDITOR, Role.AGENCY_LEAD])
def test_board_viewers_and_agencies_see_no_cycle_pages(db, login_as, role):
    cycle = build_cycle(template="MINI_CASE", agencies=1, cases=1, status="open")
    agency = cycle.agencies[0] if role != Role.BOARD_VIEWER else None
    client = login_as(role, agency=agency)

    for url in ("/cycles", f"/cycles/{cycle.id}", "/cycles/new", f"/cycles/{cycle.id}/next-year"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/cycles/{cycle.id}/close").status_code == 403
    assert "/cycles" not in re.findall(r'href="([^"]+)"', client.get("/").get_data(as_text=True))
    assert _cycle(db, cycle.id).status == CycleStatus.OPEN


def test_a_scrutineer_sees_the_overview_but_changes_nothing(db, login_as):
    cycle = build_cycle(template="MINI_CASE", agencies=1, cases=1, status="open")
    client = login_as(Role.SCRUTINEER)

    page = _text(client.get(f"/cycles/{cycle.id}"))
    assert "Returns by agency and case" in page
    assert "Close the cycle" not in page and "Add cases" not in page
    assert client.post(f"/cycles/{cycle.id}/close").status_code == 403
    assert client.get("/cycles/new").status_code == 403


@pytest.mark.parametrize(("value", "message"), [
    (["31", "2", "2026"], "Opens on must be a real date, like 27 3 2026"),
    (["1", "", "2026"], "Opens on must include a day, month and year"),
    (["1", "4", "26"], "Opens on must have a 4-digit year, like 2026"),
    (["", "", ""], "Enter the date the cycle opens"),
    (["2026-04-01x"], "Opens on must be a real date, like 27 3 2026"),
])  # fmt: skip
def test_dates_are_checked_as_they_are_typed(db, admin, value, message):
    version, agency = published_version("MINI_CASE"), AgencyFactory()
    db.session.commit()

    response = admin.post("/cycles/new", _form(version, opens_on=value, agency_ids=[str(agency.id)]))

    assert response.status_code == 400
    assert _summary(_text(response)) == [("#opens_on", message)]

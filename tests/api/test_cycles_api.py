"""The cycles and returns API: cycles, assignments, draft saves with optimistic locking, and the return workflow."""

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from sqlalchemy import select

from audit_app.agencies.models.agencies import AgencyKind, StatutoryDuty
from audit_app.agencies.operations import issue_api_token
from audit_app.core.permissions import Role
from audit_app.cycles.models.assignments import Assignment, AssignmentStatus
from audit_app.cycles.operations import create_cycle, open_cycle
from audit_app.tools.conditions import applies_to
from audit_app.tools.library import load_library
from audit_app.tools.models.templates import Template
from tests.factories import AgencyFactory, UserFactory

DATES = {"scope_start": "2025-04-01", "scope_end": "2026-03-31", "opens_on": "2026-04-01", "due_on": "2026-05-01"}
CASES = ["FSA-26-01", "FSA-26-02"]


class Api:
    """A JSON client holding one user's bearer token (none for anonymous)."""

    def __init__(self, app, user=None):
        self.http = app.test_client()
        self.user = user
        self.headers = {"Authorization": f"Bearer {issue_api_token(user)[1]}"} if user is not None else {}

    def get(self, url):
        return self.http.get(url, headers=self.headers)

    def post(self, url, body=None):
        return self.http.post(url, json=body if body is not None else {}, headers=self.headers)

    def put(self, url, body):
        return self.http.put(url, json=body, headers=self.headers)


@pytest.fixture
def tools(app_ctx, db):
    """The built-in library, published: template code -> published version."""
    load_library()
    return {t.code: t.published_version for t in db.session.scalars(select(Template))}


@pytest.fixture
def world(app, db, tools):
    """An open FSA case audit over agencies A and B (two cases each), and an API client per role."""
    a = AgencyFactory(name="Agency A", kind=AgencyKind.POLICE)
    b = AgencyFactory(name="Agency B", kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    cycle = create_cycle(version=tools["FSA_MACA"], title="FSA audit, spring 2026", agencies=[a, b], references=CASES,
                         **{k: dt.date.fromisoformat(v) for k, v in DATES.items()})  # fmt: skip
    open_cycle(cycle)
    users = {
        "admin": UserFactory(role=Role.ADMIN),
        "scrutineer": UserFactory(role=Role.SCRUTINEER),
        "board": UserFactory(role=Role.BOARD_VIEWER),
        "auditor_a": UserFactory(role=Role.AGENCY_AUDITOR, agency=a),
        "lead_a": UserFactory(role=Role.AGENCY_LEAD, agency=a),
        "auditor_b": UserFactory(role=Role.AGENCY_AUDITOR, agency=b),
    }
    clients = {name: Api(app, user) for name, user in users.items()}
    db.session.commit()
    mine = {(x.agency_id, x.case.reference): x for x in cycle.assignments}

    class World:
        pass

    world = World()
    world.__dict__.update(cycle=cycle, a=a, b=b, api=clients, anonymous=Api(app), tools=tools,
                          a1=mine[a.id, CASES[0]], a2=mine[a.id, CASES[1]], b1=mine[b.id, CASES[0]])  # fmt: skip
    return world


def complete_answers(version, kind):
    """A valid answer to every question an agency of ``kind`` may be asked (hidden ones are dropped on save)."""
    answers = {}
    for q in version.ordered_questions():
        if not applies_to(q, kind):
            continue
        if q.scale is not None:
            value = q.scale.levels[0].value
        elif q.type in ("single_choice", "multiple_choice"):
            value = q.options[0]["value"] if q.type == "single_choice" else [q.options[0]["value"]]
        else:
            value = {"number": q.min_value or 1, "date": "2026-01-15"}.get(q.type, "Seen in the record")
        answers[q.code] = {"value": value, "comment": None}
    return answers


def _error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.json["error"]
    assert set(error) == {"code", "message", "details"} and error["code"] == code and error["message"]
    return error


def _save(world, assignment, answers, who="auditor_a", **extra):
    version = world.api[who].get(f"/api/v1/assignments/{assignment.id}").json["version"]
    return world.api[who].put(f"/api/v1/assignments/{assignment.id}/answers",
                              {"version": version, "answers": answers, **extra})  # fmt: skip


# --- Creating and listing cycles ---------------------------------------------------------------------------------
def test_an_admin_creates_a_case_audit_cycle_with_an_assignment_per_agency_and_case(world, db):
    body = {"template_version_id": world.tools["FSA_MACA"].id, "title": "FSA audit, autumn", **DATES,
            "meeting_on": "2026-05-20", "agency_ids": [world.a.id, world.b.id],
            "cases": [{"reference": "FSA-27-01"}, {"reference": "FSA-27-02"}, {"reference": "FSA-27-03"}]}  # fmt: skip

    response = world.api["admin"].post("/api/v1/cycles", body)

    assert response.status_code == 201, response.json
    cycle = response.json
    assert cycle["status"] == "draft" and cycle["kind"] == "case_audit" and cycle["meeting_on"] == "2026-05-20"
    assert [c["reference"] for c in cycle["cases"]] == ["FSA-27-01", "FSA-27-02", "FSA-27-03"]
    assert {a["name"] for a in cycle["agencies"]} == {"Agency A", "Agency B"}
    assert cycle["total"] == 6 and cycle["counts"]["not_started"] == 6 and cycle["counts"]["submitted"] == 0
    assert db.session.scalar(select(Assignment.id).where(Assignment.cycle_id == cycle["id"])) is not None


def test_a_self_assessment_cycle_takes_a_group_of_agencies_and_no_cases(world):
    school = AgencyFactory(name="A School", kind=AgencyKind.SCHOOL, duty=StatutoryDuty.S175)
    body = {"template_version_id": world.tools["SECTION11"].id, "title": "S11 2026", **DATES, "agency_group": "s11"}

    response = world.api["admin"].post("/api/v1/cycles", body)

    assert response.status_code == 201, response.json
    names = {a["name"] for a in response.json["agencies"]}
    assert {"Agency A", "Agency B"} <= names and school.name not in names
    assert response.json["cases"] == [] and response.json["total"] == len(names)
    with_cases = world.api["admin"].post("/api/v1/cycles", {**body, "cases": [{"reference": "S11-01"}]})
    assert "cases" in _error(with_cases, 422, "validation_error")["details"]


def test_creating_a_cycle_reports_every_field_problem(world):
    body = {"template_version_id": world.tools["FSA_MACA"].id, "title": "Bad", **DATES, "due_on": "2026-03-01",
            "agency_ids": [world.a.id, 999999], "cases": [{"reference": "Jane Smith"}]}  # fmt: skip

    details = _error(world.api["admin"].post("/api/v1/cycles", body), 422, "validation_error")["details"]

    assert {"due_on", "agency_ids", "cases"} <= set(details)
    missing = _error(world.api["admin"].post("/api/v1/cycles", {"title": "x"}), 422, "validation_error")["details"]
    assert {"template_version_id", "scope_start", "due_on"} <= set(missing)


def test_only_an_admin_creates_cycles(world):
    body = {"template_version_id": world.tools["FSA_MACA"].id, "title": "x", **DATES, "agency_ids": [world.a.id]}

    _error(world.anonymous.post("/api/v1/cycles", body), 401, "unauthorized")
    for who in ("scrutineer", "board", "auditor_a", "lead_a"):
        _error(world.api[who].post("/api/v1/cycles", body), 403, "forbidden")


def test_cycles_are_listed_paginated_and_filtered_by_status(world):
    for i in range(2):
        body = {"template_version_id": world.tools["SECTION11"].id, "title": f"S11 {i}", **DATES,
                "agency_ids": [world.a.id]}  # fmt: skip
        assert world.api["admin"].post("/api/v1/cycles", body).status_code == 201

    page = world.api["scrutineer"].get("/api/v1/cycles?per_page=2&page=1").json
    drafts = world.api["admin"].get("/api/v1/cycles?status=draft").json

    assert page["total"] == 3 and page["per_page"] == 2 and len(page["items"]) == 2
    assert {"id", "title", "status", "kind", "due_on", "version"} <= set(page["items"][0])
    assert drafts["total"] == 2 and {c["status"] for c in drafts["items"]} == {"draft"}
    _error(world.api["admin"].get("/api/v1/cycles?per_page=501"), 422, "validation_error")
    for who in ("board", "auditor_a", "lead_a"):
        _error(world.api[who].get("/api/v1/cycles"), 403, "forbidden")


def test_a_cycle_is_read_with_counts_by_assignment_status(world, db):
    world.b1.decline(AssignmentStatus.NOT_KNOWN, "No record found")
    db.session.commit()

    cycle = world.api["scrutineer"].get(f"/api/v1/cycles/{world.cycle.id}").json

    assert cycle["title"] == "FSA audit, spring 2026" and cycle["status"] == "open"
    assert cycle["counts"]["not_started"] == 3 and cycle["counts"]["not_known"] == 1 and cycle["total"] == 4
    _error(world.api["admin"].get("/api/v1/cycles/999999"), 404, "not_found")
    _error(world.api["auditor_a"].get(f"/api/v1/cycles/{world.cycle.id}"), 403, "forbidden")


def test_an_admin_opens_and_closes_a_cycle(world):
    body = {"template_version_id": world.tools["SECTION11"].id, "title": "S11", **DATES, "agency_ids": [world.a.id]}
    cycle_id = world.api["admin"].post("/api/v1/cycles", body).json["id"]

    _error(world.api["scrutineer"].post(f"/api/v1/cycles/{cycle_id}/open"), 403, "forbidden")
    opened = world.api["admin"].post(f"/api/v1/cycles/{cycle_id}/open")
    again = world.api["admin"].post(f"/api/v1/cycles/{cycle_id}/open")
    closed = world.api["admin"].post(f"/api/v1/cycles/{cycle_id}/close")

    assert opened.status_code == 200 and opened.json["status"] == "open" and opened.json["opened_at"]
    _error(again, 409, "invalid_transition")
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    _error(world.api["admin"].post(f"/api/v1/cycles/{cycle_id}/close"), 409, "invalid_transition")
    _error(world.api["admin"].post("/api/v1/cycles/999999/close"), 404, "not_found")


# --- Assignments and participation -------------------------------------------------------------------------------
def test_assignments_are_listed_for_reviewers_and_only_its_own_for_an_agency(app, db, world):
    url = f"/api/v1/cycles/{world.cycle.id}/assignments"
    outsider = Api(app, UserFactory(role=Role.AGENCY_LEAD, agency=AgencyFactory()))
    db.session.commit()

    everyone = world.api["scrutineer"].get(url).json
    own = world.api["auditor_a"].get(url).json

    assert everyone["total"] == 4 and own["total"] == 2
    item = own["items"][0]
    assert item["agency"] == {"id": world.a.id, "name": "Agency A"} and item["case_reference"] == CASES[0]
    assert item["status"] == "not_started" and item["version"] == 1 and item["submitted_at"] is None
    _error(world.api["board"].get(url), 403, "forbidden")
    _error(outsider.get(url), 404, "not_found")


def test_participation_counts_per_agency_with_totals(world, db):
    world.a1.submit(world.api["auditor_a"].user)
    world.a2.decline(AssignmentStatus.OUT_OF_SCOPE, "Closed before the scope period")
    world.b1.decline(AssignmentStatus.NOT_KNOWN, "No record found")
    db.session.commit()

    body = world.api["admin"].get(f"/api/v1/cycles/{world.cycle.id}/participation").json

    rows = {r["agency"]: r for r in body["items"]}
    assert rows["Agency A"] == {"agency_id": world.a.id, "agency": "Agency A", "audited": 1, "not_known": 0,
                                "out_of_scope": 1, "outstanding": 0, "total": 2}  # fmt: skip
    assert rows["Agency B"]["not_known"] == 1 and rows["Agency B"]["outstanding"] == 1
    assert body["totals"] == {"audited": 1, "not_known": 1, "out_of_scope": 1, "outstanding": 1, "total": 4}
    _error(world.api["auditor_a"].get(f"/api/v1/cycles/{world.cycle.id}/participation"), 403, "forbidden")
    _error(world.api["admin"].get("/api/v1/cycles/999999/participation"), 404, "not_found")


def test_an_agency_reads_its_own_return_and_gets_404_for_another_agencys(world):
    url = f"/api/v1/assignments/{world.b1.id}"

    _error(world.api["auditor_a"].get(url), 404, "not_found")
    _error(world.api["lead_a"].get(url), 404, "not_found")
    _error(world.api["board"].get(url), 403, "forbidden")
    _error(world.anonymous.get(url), 401, "unauthorized")
    _error(world.api["admin"].get("/api/v1/assignments/999999"), 404, "not_found")
    assert world.api["auditor_b"].get(url).status_code == 200
    assert world.api["scrutineer"].get(url).status_code == 200


# --- Saving drafts -------------------------------------------------------------------------------------------------
def test_a_draft_is_saved_with_every_kind_of_value_and_read_back_by_code(world):
    answers = {
        "FSA_INV_01": {"value": ["early_help", "universal"], "comment": "From the chronology"},
        "FSA_INV_02": {"value": "2025-06-03"},
        "FSA_INV_03": {"value": 12},
        "FSA_INV_05": {"value": "closed"},
        "FSA_INV_06": {"value": "Referred by the school nurse.", "comment": None},
        "FSA_REC_04": {"value": "partly", "comment": "Partly recorded"},
    }
    saved = _save(world, world.a1, answers, sections={"RECOGNITION": {"grade": "good", "good_practice": "Prompt"}})

    assert saved.status_code == 200, saved.json
    got = world.api["auditor_a"].get(f"/api/v1/assignments/{world.a1.id}").json
    assert got["version"] == saved.json["version"] == 2 and got["status"] == "in_progress"
    assert got["answers"]["FSA_INV_01"] == {"value": ["universal", "early_help"], "comment": "From the chronology"}
    assert got["answers"]["FSA_INV_02"]["value"] == "2025-06-03" and got["answers"]["FSA_INV_03"]["value"] == 12
    assert got["answers"]["FSA_INV_05"]["value"] == "closed" and got["answers"]["FSA_REC_04"]["value"] == "partly"
    assert got["sections"]["RECOGNITION"]["grade"] == "good"
    assert got["agency"]["name"] == "Agency A" and got["case_reference"] == CASES[0] and got["editable"] is True
    assert "FSA_INV_01" not in got["missing"] and "FSA_REC_01" in got["missing"]


def test_labels_are_accepted_and_stored_as_values(world):
    saved = _save(world, world.a1, {"FSA_INV_05": {"value": "closed"}, "FSA_REC_04": {"value": "Partly"}})

    assert saved.json["answers"]["FSA_REC_04"]["value"] == "partly"


def test_a_save_with_a_stale_version_gets_409_and_changes_nothing(world):
    url = f"/api/v1/assignments/{world.a1.id}/answers"
    first = world.api["auditor_a"].put(url, {"version": 1, "answers": {"FSA_INV_03": {"value": 3}}})

    stale = world.api["lead_a"].put(url, {"version": 1, "answers": {"FSA_INV_03": {"value": 99}}})

    assert first.status_code == 200 and first.json["version"] == 2
    assert _error(stale, 409, "conflict")["details"] == {"current_version": 2}
    assert world.api["lead_a"].get(f"/api/v1/assignments/{world.a1.id}").json["answers"]["FSA_INV_03"]["value"] == 3


def test_answers_that_do_not_fit_get_422_per_question_code_and_nothing_is_saved(world):
    answers = {
        "FSA_INV_03": {"value": 501},
        "FSA_INV_02": {"value": "31/02/2026"},
        "FSA_REC_04": {"value": "maybe"},
        "FSA_INV_05": {"value": "open"},
        "NOPE_01": {"value": "x"},
    }
    details = _error(_save(world, world.a1, answers), 422, "validation_error")["details"]

    assert set(details) == {"FSA_INV_03", "FSA_INV_02", "FSA_REC_04", "NOPE_01"}
    assert "500 or less" in details["FSA_INV_03"] and "date" in details["FSA_INV_02"]
    got = world.api["auditor_a"].get(f"/api/v1/assignments/{world.a1.id}").json
    assert got["answers"] == {} and got["version"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {}},
        {"version": "one", "answers": {}},
        {"version": 1, "answers": {"FSA_INV_03": {"value": {"nested": 1}}}},
        {"version": 1, "answers": {"FSA_INV_01": {"value": [1, 2]}}},
        {"version": 1, "answers": {"FSA_INV_03": {"value": 1, "comment": 5}}},
        {"version": 1, "answers": {"FSA_INV_03": {"value": 1, "extra": 5}}},
        {"version": 1, "answers": [], "sections": {"RECOGNITION": {"grade": 4}}},
    ],
)
def test_malformed_bodies_get_422_not_500(world, body):
    response = world.api["auditor_a"].put(f"/api/v1/assignments/{world.a1.id}/answers", body)

    _error(response, 422, "validation_error")


def test_bad_section_grades_and_json_are_refused(world):
    details = _error(_save(world, world.a1, {}, sections={"RECOGNITION": {"grade": "superb"}}), 422,
                     "validation_error")["details"]  # fmt: skip
    bad_json = world.api["auditor_a"].http.put(
        f"/api/v1/assignments/{world.a1.id}/answers",
        data="{not json",
        content_type="application/json",
        headers=world.api["auditor_a"].headers,
    )

    assert "RECOGNITION__grade" in details
    assert bad_json.status_code == 400 and bad_json.json["error"]["details"]


def test_only_the_agency_edits_and_another_agency_gets_404(world):
    url = f"/api/v1/assignments/{world.a1.id}/answers"
    body = {"version": 1, "answers": {"FSA_INV_03": {"value": 3}}}

    _error(world.api["auditor_b"].put(url, body), 404, "not_found")
    for who in ("admin", "scrutineer", "board"):
        _error(world.api[who].put(url, body), 403, "forbidden")
    _error(world.anonymous.put(url, body), 401, "unauthorized")
    _error(world.api["auditor_a"].put("/api/v1/assignments/999999/answers", body), 404, "not_found")


def test_a_closed_cycle_refuses_saves(world, db):
    world.cycle.close()
    db.session.commit()

    _error(_save(world, world.a1, {"FSA_INV_03": {"value": 3}}), 409, "invalid_transition")


def test_a_sign_off_block_is_saved_for_a_self_assessment(world, db):
    cycle = create_cycle(version=world.tools["SECTION11"], title="S11", agencies=[world.a],
                         **{k: dt.date.fromisoformat(v) for k, v in DATES.items()})  # fmt: skip
    open_cycle(cycle)
    db.session.commit()
    assignment = cycle.assignments[0]
    sign_off = {"completed_by": "Safeguarding lead", "role": "Lead", "senior_sign_off": "Director",
                "sign_off_date": "2026-04-20"}  # fmt: skip

    saved = _save(world, assignment, {}, sign_off=sign_off)
    bad = _save(world, assignment, {}, sign_off={**sign_off, "sign_off_date": "someday"})

    assert saved.status_code == 200 and saved.json["sign_off"] == sign_off and saved.json["case_reference"] is None
    assert "sign_off_date" in _error(bad, 422, "validation_error")["details"]


# --- Submitting, declining, returning and accepting ---------------------------------------------------------------
def test_submitting_lists_the_missing_codes_then_locks_the_return(world):
    url = f"/api/v1/assignments/{world.a1.id}"
    _save(world, world.a1, {"FSA_INV_03": {"value": 3}})

    missing = _error(world.api["auditor_a"].post(f"{url}/submit"), 422, "validation_error")["details"]["missing"]
    assert "FSA_INV_01" in missing and "FSA_INV_03" not in missing and "FSA_INV_06" not in missing
    complete = complete_answers(world.tools["FSA_MACA"], world.a.kind)
    assert _save(world, world.a1, complete).status_code == 200
    stale = world.api["auditor_a"].post(f"{url}/submit", {"version": 1})
    submitted = world.api["auditor_a"].post(
        f"{url}/submit", {"version": world.api["auditor_a"].get(url).json["version"]}
    )

    _error(stale, 409, "conflict")
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "submitted" and submitted.json["submitted_at"] and not submitted.json["editable"]
    _error(_save(world, world.a1, {"FSA_INV_03": {"value": 4}}), 409, "invalid_transition")
    _error(world.api["auditor_b"].post(f"/api/v1/assignments/{world.a2.id}/submit"), 404, "not_found")
    _error(world.api["scrutineer"].post(f"{url}/submit"), 403, "forbidden")


def test_a_return_is_declined_with_a_status_and_a_reason(world):
    url = f"/api/v1/assignments/{world.a2.id}/decline"

    no_reason = world.api["auditor_a"].post(url, {"status": "not_known"})
    bad_status = world.api["auditor_a"].post(url, {"status": "submitted", "reason": "x"})
    declined = world.api["auditor_a"].post(url, {"status": "not_known", "reason": "No record found in the period"})

    assert "reason" in _error(no_reason, 422, "validation_error")["details"]
    assert "status" in _error(bad_status, 422, "validation_error")["details"]
    assert declined.status_code == 200 and declined.json["status"] == "not_known"
    assert declined.json["decline_reason"] == "No record found in the period"
    _error(world.api["auditor_a"].post(url, {"status": "out_of_scope", "reason": "again"}), 409, "invalid_transition")
    _error(world.api["auditor_b"].post(url, {"status": "not_known", "reason": "x"}), 404, "not_found")


def test_a_reviewer_returns_a_submission_for_amendment_and_accepts_the_resubmission(world):
    url = f"/api/v1/assignments/{world.a1.id}"
    _save(world, world.a1, complete_answers(world.tools["FSA_MACA"], world.a.kind))
    assert world.api["auditor_a"].post(f"{url}/submit").status_code == 200

    _error(world.api["auditor_a"].post(f"{url}/return", {"reason": "x"}), 403, "forbidden")
    _error(world.api["board"].post(f"{url}/accept"), 403, "forbidden")
    _error(world.api["scrutineer"].post(f"{url}/return", {}), 422, "validation_error")
    returned = world.api["scrutineer"].post(f"{url}/return", {"reason": "Add evidence to FSA_REC_02"})
    early = world.api["admin"].post(f"{url}/accept")
    resubmitted = world.api["auditor_a"].post(f"{url}/submit")

    assert returned.status_code == 200 and returned.json["status"] == "returned"
    assert returned.json["returned_reason"] == "Add evidence to FSA_REC_02" and returned.json["editable"]
    _error(early, 409, "invalid_transition")
    assert resubmitted.status_code == 200 and resubmitted.json["returned_reason"] is None
    accepted = world.api["admin"].post(f"{url}/accept")
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted" and accepted.json["accepted_at"]
    _error(world.api["admin"].post(f"{url}/accept"), 409, "invalid_transition")
    _error(world.api["admin"].post("/api/v1/assignments/999999/accept"), 404, "not_found")


def test_the_openapi_document_lists_the_cycle_endpoints(world):
    paths = world.anonymous.get("/api/v1/openapi.json").json["paths"]

    assert {"get", "post"} <= set(paths["/api/v1/cycles"])
    assert "put" in paths["/api/v1/assignments/{assignment_id}/answers"]
    for action in ("submit", "decline", "return", "accept"):
        assert "post" in paths[f"/api/v1/assignments/{{assignment_id}}/{action}"]
    assert "get" in paths["/api/v1/cycles/{cycle_id}/participation"]


# --- Fuzzing --------------------------------------------------------------------------------------------------------
FUZZ = settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
#: Operations the agency performs (the others are fuzzed as an administrator).
AS_AGENCY = {("PUT", "answers"), ("POST", "submit"), ("POST", "decline"), ("GET", "assignments")}


def _fuzz(operation, mode, headers, ids, calls):
    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        if mode == GenerationMode.POSITIVE and case.path_parameters:  # real objects, so bodies reach the operations
            case.path_parameters = {k: ids.get(k, v) for k, v in case.path_parameters.items()}
        calls.append(case.call_and_validate(headers=headers, checks=[not_a_server_error]).status_code)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_gets_a_server_error(app, world, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)
                  and r.ok().path.startswith(("/api/v1/cycles", "/api/v1/assignments"))]  # fmt: skip
    assert len(operations) == 13
    ids = {"cycle_id": world.cycle.id, "assignment_id": world.a1.id}
    calls = []
    for operation in operations:
        if mode == GenerationMode.NEGATIVE and not (operation.body or any(operation.iter_parameters())):
            continue
        who = "auditor_a" if (operation.method.upper(), operation.path.rsplit("/", 1)[-1]) in AS_AGENCY else "admin"
        _fuzz(operation, mode, world.api[who].headers, ids, calls)
    assert len(calls) >= 3 * len(operations) and 200 in calls

"""The templates API: listing, reading a version, the workbook round trip, refused uploads and publishing."""

import io
import zipfile

import openpyxl
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from audit_app.agencies.operations import issue_api_token
from audit_app.core.permissions import Role
from audit_app.tools.library import load_library, with_library_scales
from audit_app.tools.operations import create_template
from audit_app.util.spreadsheets import XLSX_MIME
from tests.api.support import error_body
from tests.tools.builders import SMALL, edit, rezip

BASE = "/api/v1/templates"


@pytest.fixture
def small(app_ctx, db):
    """The small template (a draft version 1), committed: ``(template_id, version_id)``."""
    load_library()
    version = create_template(with_library_scales(SMALL))
    db.session.commit()
    return version.template_id, version.id


def _upload(client, data, *, filename="tool.xlsx", template_id=None):
    form = {"file": FileStorage(io.BytesIO(data), filename)}
    if template_id is not None:
        form["template_id"] = str(template_id)
    # Encoded in memory: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart(form)
    return client.post(f"{BASE}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _content(version):
    """A version's JSON without what differs between two versions of the same content."""
    return {k: v for k, v in version.items() if k not in ("id", "number", "status", "published_at", "lock_version")}


# --- Reading ----------------------------------------------------------------------------------------------------------
def test_templates_are_listed_with_their_versions(api, small):
    body = api(Role.AGENCY_AUDITOR).get(f"{BASE}?per_page=100").json
    assert body["total"] == 7 and body["page"] == 1
    item = next(t for t in body["items"] if t["code"] == "HOME_VISIT")
    assert item == {"id": small[0], "code": "HOME_VISIT", "name": "Home visits audit", "kind": "case_audit",
                    "is_builtin": False, "versions": [{"id": small[1], "number": 1, "status": "draft",
                                                       "published_at": None}]}  # fmt: skip
    fsa = next(t for t in body["items"] if t["code"] == "FSA_MACA")
    assert fsa["versions"][0]["status"] == "published" and fsa["versions"][0]["published_at"]


def test_board_viewers_cannot_see_templates(api, small):
    error_body(api(Role.BOARD_VIEWER).get(BASE), 403, "forbidden")


def test_a_version_in_full(api, small):
    body = api(Role.SCRUTINEER).get(f"{BASE}/{small[0]}/versions/{small[1]}").json
    assert (body["template_code"], body["kind"], body["number"], body["status"]) == ("HOME_VISIT", "case_audit", 1,
                                                                                      "draft")  # fmt: skip
    assert [s["code"] for s in body["sections"]] == ["VISITS", "QUALITY"]
    assert body["sections"][1]["grade_scale"] == "GRADE3" and body["sections"][1]["ask_good_practice"] is True
    seen, alone, count = body["sections"][0]["questions"]
    assert seen["scale"]["code"] == "YPNA" and seen["themes"] == ["VOC"] and seen["required"] is True
    assert [(lv["value"], lv["label"], lv["score"]) for lv in seen["scale"]["levels"]][0] == ("yes", "Yes", 2)
    assert alone["options"][2] == {"value": "not_recorded", "label": "Not recorded"}
    assert alone["show_if"] == {"question": "VIS_SEEN", "op": "one_of", "value": ["yes", "partly"]}
    assert (count["type"], count["min"], count["max"], count["scale"], count["agency_kinds"]) == (
        "number",
        0,
        50,
        None,
        None,
    )
    assert set(count) >= {"code", "text", "guidance", "type", "scale", "options", "themes", "required", "show_if"}
    assert [s["code"] for s in body["scales"]] == ["GRADE3", "YPNA"]


def test_a_version_of_another_template_is_not_found(api, small):
    client = api(Role.ADMIN)
    error_body(client.get(f"{BASE}/{small[0] + 1}/versions/{small[1]}"), 404, "not_found")
    error_body(client.get(f"{BASE}/{small[0]}/versions/{small[1] + 999}"), 404, "not_found")


# --- Export and import ------------------------------------------------------------------------------------------------
def test_export_is_a_workbook_named_after_the_template(api, small):
    response = api(Role.AGENCY_LEAD).get(f"{BASE}/{small[0]}/versions/{small[1]}/export.xlsx")
    assert response.status_code == 200 and response.mimetype == XLSX_MIME
    assert response.headers["Content-Disposition"] == 'attachment; filename="HOME_VISIT-v1.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert workbook.sheetnames == ["Read me", "Template", "Sections", "Questions", "Options", "Scales"]
    workbook.close()


def test_export_and_import_round_trip_through_the_api(api, small):
    client = api(Role.ADMIN)
    assert client.post(f"{BASE}/{small[0]}/versions/{small[1]}/publish").status_code == 200
    data = client.get(f"{BASE}/{small[0]}/versions/{small[1]}/export.xlsx").data
    response = _upload(client, data, template_id=small[0])
    assert response.status_code == 201, response.json
    assert (response.json["number"], response.json["status"], response.json["template_id"]) == (2, "draft", small[0])
    original = client.get(f"{BASE}/{small[0]}/versions/{small[1]}").json
    assert _content(response.json) == _content(original)
    versions = next(t for t in client.get(f"{BASE}?per_page=100").json["items"] if t["id"] == small[0])["versions"]
    assert [(v["number"], v["status"]) for v in versions] == [(1, "published"), (2, "draft")]


def test_import_as_a_new_template(api, small):
    client = api(Role.ADMIN)
    data = edit(client.get(f"{BASE}/{small[0]}/versions/{small[1]}/export.xlsx").data, {"Template": {"B2": "NEW_ONE"}})
    response = _upload(client, data)
    assert response.status_code == 201 and response.json["template_code"] == "NEW_ONE"
    assert response.json["template_id"] != small[0]


def test_an_invalid_workbook_gets_422_listing_every_problem(api, small):
    client = api(Role.ADMIN)
    exported = client.get(f"{BASE}/{small[0]}/versions/{small[1]}/export.xlsx").data
    data = edit(exported, {"Template": {"B2": "NEW_ONE"}, "Questions": {"E4": "numeric", "I3": "VIS_ALONE"}})
    error = error_body(_upload(client, data), 422, "validation_error")
    assert error["details"]["problems"] == [
        {"sheet": "Questions", "row": 3, "column": "I",
         "message": "Circular condition: a question cannot depend on itself"},
        {"sheet": "Questions", "row": 4, "column": "E",
         "message": "Unknown question type 'numeric': use one of scale, yes_no_partly, rag, single_choice, "
                    "multiple_choice, number, date, short_text, long_text"},
    ]  # fmt: skip
    assert "2 problem(s)" in error["message"]
    assert len(client.get(f"{BASE}?per_page=100").json["items"]) == 7  # nothing imported


def _bomb():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 5_000_000)
    return out.getvalue()


def test_unsafe_or_wrong_files_are_refused_with_4xx(api, small):
    client = api(Role.ADMIN)
    exported = client.get(f"{BASE}/{small[0]}/versions/{small[1]}/export.xlsx").data
    error_body(_upload(client, b"code,name\nX,Y\n"), 415, "unsupported_media_type")
    error_body(_upload(client, exported, filename="tool.csv"), 415, "unsupported_media_type")
    error_body(_upload(client, b""), 400, "bad_request")
    error_body(_upload(client, exported[:2000]), 400, "bad_request")
    error_body(_upload(client, _bomb()), 400, "bad_request")
    xlsm = rezip(exported, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    assert "macros" in error_body(_upload(client, xlsm), 400, "bad_request")["message"]
    error_body(client.post(f"{BASE}/import", data={}, content_type="multipart/form-data"), 400, "bad_request")
    error_body(_upload(client, exported, template_id=999_999), 404, "not_found")


def test_too_large_uploads_get_413(app, api, small, monkeypatch):
    client = api(Role.ADMIN)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024 * 1024)
    error_body(_upload(client, b"PK\x03\x04" + b"0" * 1024 * 1024), 413, "payload_too_large")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    error_body(_upload(client, b"PK\x03\x04" + b"0" * 2 * 1024 * 1024), 413, "payload_too_large")


def test_a_bad_template_id_is_a_validation_error(api, small):
    error = error_body(_upload(api(Role.ADMIN), b"PK", template_id="abc"), 422, "validation_error")
    assert list(error["details"]) == ["template_id"]


# --- Publishing and permissions ---------------------------------------------------------------------------------------
def test_publish_a_draft_once(api, small):
    client = api(Role.ADMIN)
    url = f"{BASE}/{small[0]}/versions/{small[1]}/publish"
    first = client.post(url)
    assert first.status_code == 200 and first.json["status"] == "published" and first.json["published_at"]
    error = error_body(client.post(url), 409, "invalid_transition")
    assert "Only a draft can be published" in error["message"]


@pytest.mark.parametrize("role", [Role.AGENCY_AUDITOR, Role.AGENCY_LEAD, Role.SCRUTINEER])
def test_only_admins_import_and_publish(api, small, role):
    client = api(role)
    error_body(_upload(client, b"PK\x03\x04"), 403, "forbidden")
    error_body(client.post(f"{BASE}/{small[0]}/versions/{small[1]}/publish"), 403, "forbidden")
    assert client.get(f"{BASE}/{small[0]}/versions/{small[1]}/export.xlsx").status_code == 200


def test_anonymous_calls_need_a_token(api, small):
    error_body(api(None).get(BASE), 401, "unauthorized")


# --- Fuzzing --------------------------------------------------------------------------------------------------------
FUZZ = settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _fuzz(operation, mode, headers, calls):
    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        calls.append(case.call_and_validate(headers=headers, checks=[not_a_server_error]).status_code)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_input_gets_a_server_error(app, db, make_user, small, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok) and r.ok().path.startswith(BASE)]
    assert len(operations) == 5
    admin = make_user(Role.ADMIN)
    calls = []
    for operation in operations:
        if mode == GenerationMode.NEGATIVE and not (operation.body or any(operation.iter_parameters())):
            continue
        _, token = issue_api_token(admin)
        db.session.commit()
        _fuzz(operation, mode, {"Authorization": f"Bearer {token}"}, calls)
    assert len(calls) >= 3 * len(operations)

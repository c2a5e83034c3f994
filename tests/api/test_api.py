"""The JSON API v1: the error body, pagination, agencies and users, and the OpenAPI document."""

import re

import pytest
import schemathesis
from sqlalchemy import select

from audit_app.agencies.models.agencies import Agency, AgencyKind, StatutoryDuty
from audit_app.agencies.models.users import User
from audit_app.agencies.passwords import verify_password
from audit_app.core.permissions import Role
from tests.api.support import error_body
from tests.factories import AgencyFactory

STRONG = "orange heron beneath the bridge"


# --- Agencies ------------------------------------------------------------------------------------------------------
def test_agencies_are_listed_in_pages(api, db):
    for i in range(5):
        AgencyFactory(name=f"Agency {i:02}")
    client = api(Role.AGENCY_AUDITOR)  # its own agency makes six

    first = client.get("/api/v1/agencies?per_page=4").json
    second = client.get("/api/v1/agencies?per_page=4&page=2").json
    beyond = client.get("/api/v1/agencies?per_page=4&page=9").json

    assert (first["page"], first["per_page"], first["total"], len(first["items"])) == (1, 4, 6, 4)
    assert (second["page"], len(second["items"])) == (2, 2)
    assert beyond["items"] == [] and beyond["total"] == 6
    names = [a["name"] for a in first["items"] + second["items"]]
    assert names == sorted(names, key=str.lower) and len(set(names)) == 6
    assert set(first["items"][0]) >= {"id", "name", "kind", "duty", "is_active", "version"}
    assert client.get("/api/v1/agencies?per_page=500").json["per_page"] == 500


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("per_page=501", "per_page"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("kind=spaceship", "kind"),
        ("duty=s99", "duty"),
        ("active=perhaps", "active"),
    ],
)
def test_bad_list_parameters_get_422_naming_them(api, query, field):
    error = error_body(api(Role.ADMIN).get(f"/api/v1/agencies?{query}"), 422, "validation_error")

    assert list(error["details"]) == [field]


def test_agencies_can_be_filtered(api):
    AgencyFactory(name="Fernhill Secondary School", kind=AgencyKind.SCHOOL, duty=StatutoryDuty.S175)
    AgencyFactory(name="Closed School", kind=AgencyKind.SCHOOL, duty=StatutoryDuty.S175, is_active=False)
    AgencyFactory(name="Northmoor Police", kind=AgencyKind.POLICE, duty=StatutoryDuty.S11)
    client = api(Role.SCRUTINEER)

    def names(query):
        return {a["name"] for a in client.get(f"/api/v1/agencies?{query}").json["items"]}

    assert names("kind=school") == {"Fernhill Secondary School", "Closed School"}
    assert names("kind=school&active=true") == {"Fernhill Secondary School"}
    assert names("active=false") == {"Closed School"}
    assert names("duty=s11") == {"Northmoor Police"}


def test_an_admin_creates_an_agency(api, db):
    response = api(Role.ADMIN).post("/api/v1/agencies", {"name": "Harbour Light", "kind": "voluntary_sector"})

    assert response.status_code == 201
    assert response.json | {"id": 0} == {
        "id": 0,
        "name": "Harbour Light",
        "kind": "voluntary_sector",
        "duty": "none",
        "is_active": True,
        "contact_email": None,
        "version": 1,
    }
    assert db.session.get(Agency, response.json["id"]).name == "Harbour Light"


@pytest.mark.parametrize("role", [Role.AGENCY_AUDITOR, Role.AGENCY_LEAD, Role.SCRUTINEER, Role.BOARD_VIEWER])
def test_only_admins_create_agencies(api, db, role):
    response = api(role).post("/api/v1/agencies", {"name": "Not Allowed", "kind": "police"})

    error_body(response, 403, "forbidden")
    assert db.session.scalar(select(Agency).where(Agency.name == "Not Allowed")) is None


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"kind": "police"}, {"name"}),
        ({"name": "", "kind": "police"}, {"name"}),
        ({"name": "Alpha", "kind": "spaceship"}, {"kind"}),
        ({"name": "Alpha", "kind": "police", "duty": "s99", "contact_email": "nope"}, {"duty", "contact_email"}),
        ({"name": "Alpha", "kind": "police", "colour": "blue"}, {"colour"}),
        ({"name": 7, "kind": ["police"]}, {"name", "kind"}),
    ],
)
def test_invalid_agency_bodies_get_422_naming_the_fields(api, db, body, fields):
    error = error_body(api(Role.ADMIN).post("/api/v1/agencies", body), 422, "validation_error")

    assert set(error["details"]) == fields
    assert db.session.scalar(select(Agency.id)) is None


def test_a_duplicate_agency_name_gets_422(api):
    AgencyFactory(name="Northmoor Police")

    error = error_body(
        api(Role.ADMIN).post("/api/v1/agencies", {"name": "NORTHMOOR POLICE", "kind": "police"}),
        422,
        "validation_error",
    )

    assert "already exists" in error["details"]["name"]


@pytest.mark.parametrize("again", ["Ysgol Gynradd Ŵyn", "YSGOL GYNRADD Ŵyn"])
def test_an_accented_name_taken_again_gets_422_not_500(api, again):
    client = api(Role.ADMIN)
    assert client.post("/api/v1/agencies", {"name": "Ysgol Gynradd Ŵyn", "kind": "school"}).status_code == 201

    error = error_body(client.post("/api/v1/agencies", {"name": again, "kind": "school"}), 422, "validation_error")

    assert "already exists" in error["details"]["name"]


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("get", f"/api/v1/agencies/{10**20}", None, 404),
        ("patch", f"/api/v1/agencies/{10**20}", {"version": 1}, 404),
        ("get", f"/api/v1/users/{10**20}", None, 404),
        ("get", f"/api/v1/users?agency_id={10**20}", None, 422),
        ("get", f"/api/v1/agencies?page={10**20}", None, 422),
        (
            "post",
            "/api/v1/users",
            {"email": "z@example.org", "name": "Z", "role": "agency_lead", "agency_id": 10**20},
            422,
        ),
    ],
)
def test_numbers_too_large_for_the_database_get_4xx(api, method, url, body, status):
    client = api(Role.ADMIN)

    response = getattr(client, method)(url, body) if body is not None else getattr(client, method)(url)

    assert response.status_code == status, response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("{not json", "application/json"), ('{"name": "A",}', "application/json"), (b"\xff\xfe", "application/json")],
)
def test_malformed_json_gets_400_with_the_error_body(api, data, content_type):
    response = api(Role.ADMIN).post("/api/v1/agencies", data=data, content_type=content_type)

    assert error_body(response, 400, "bad_request")["message"] == "The request body is not valid JSON."


def test_patch_changes_an_agency_and_a_stale_version_gets_409(api, db):
    agency = AgencyFactory(name="Millbrook Surgery", kind=AgencyKind.GP_PRACTICE)
    client = api(Role.ADMIN)
    url = f"/api/v1/agencies/{agency.id}"

    changed = client.patch(url, {"version": 1, "duty": "none"})
    stale = client.patch(url, {"version": 1, "name": "Overwritten"})

    assert changed.status_code == 200 and (changed.json["duty"], changed.json["version"]) == ("none", 2)
    error = error_body(stale, 409, "conflict")
    assert error["details"] == {"current_version": 2}
    assert client.get(url).json["name"] == "Millbrook Surgery"
    error_body(client.patch(url, {"name": "No version"}), 422, "validation_error")
    error_body(client.patch("/api/v1/agencies/999999", {"version": 1}), 404, "not_found")


# --- Users ---------------------------------------------------------------------------------------------------------
def test_an_admin_creates_a_user_with_a_password(api, db, mailbox):
    agency = AgencyFactory()
    client = api(Role.ADMIN)

    response = client.post(
        "/api/v1/users",
        {
            "email": "Ava.Auditor@Example.org",
            "name": "Ava Auditor",
            "role": "agency_auditor",
            "agency_id": agency.id,
            "password": STRONG,
        },
    )

    assert response.status_code == 201
    assert (response.json["email"], response.json["agency_id"]) == ("ava.auditor@example.org", agency.id)
    assert verify_password(db.session.get(User, response.json["id"]).password_hash, STRONG)
    assert mailbox.messages == []
    assert client.get(f"/api/v1/users/{response.json['id']}").json["role"] == "agency_auditor"


def test_an_admin_creates_a_user_with_an_invitation(api, mailbox):
    response = api(Role.ADMIN).post(
        "/api/v1/users", {"email": "sam@example.org", "name": "Sam Scrutineer", "role": "scrutineer", "invite": True}
    )

    assert response.status_code == 201
    [message] = mailbox.messages
    assert message["to"] == ["sam@example.org"]
    assert re.search(r"http://localhost/set-password/[\w-]+", message["body"])


def test_creating_users_is_validated_and_admin_only(api, db):
    admin = api(Role.ADMIN)

    weak = admin.post(
        "/api/v1/users", {"email": "w@example.org", "name": "Wes", "role": "admin", "password": "password1234"}
    )
    no_agency = admin.post("/api/v1/users", {"email": "a@example.org", "name": "Al", "role": "agency_lead"})
    bad = admin.post("/api/v1/users", {"email": "not-an-email", "name": "", "role": "king"})

    assert "too common" in error_body(weak, 422, "validation_error")["details"]["password"]
    assert set(error_body(no_agency, 422, "validation_error")["details"]) == {"agency_id"}
    assert set(error_body(bad, 422, "validation_error")["details"]) == {"email", "name", "role"}
    error_body(
        api(Role.SCRUTINEER).post("/api/v1/users", {"email": "s@example.org", "name": "S", "role": "admin"}),
        403,
        "forbidden",
    )
    error_body(api(Role.SCRUTINEER).get("/api/v1/users"), 403, "forbidden")
    assert db.session.scalar(select(User).where(User.email.in_(["w@example.org", "a@example.org"]))) is None


def test_users_are_listed_and_filtered(api):
    client = api(Role.ADMIN)
    api(Role.SCRUTINEER)

    everyone = client.get("/api/v1/users").json
    scrutineers = client.get("/api/v1/users?role=scrutineer").json

    assert everyone["total"] == 2 and scrutineers["total"] == 1
    assert scrutineers["items"][0]["role"] == "scrutineer"


# --- OpenAPI -------------------------------------------------------------------------------------------------------
def test_the_openapi_document_is_valid_and_lists_the_contract(api):
    document = api(None).get("/api/v1/openapi.json").json

    schemathesis.openapi.from_dict(document).validate()  # against the OpenAPI 3.0 meta-schema
    with pytest.raises(Exception, match="info"):
        schemathesis.openapi.from_dict({k: v for k, v in document.items() if k != "info"}).validate()
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/health", "/api/v1/agencies", "/api/v1/users", "/api/v1/auth/token"} <= set(document["paths"])
    assert {"get", "post"} <= set(document["paths"]["/api/v1/agencies"])
    assert "post" in document["paths"]["/api/v1/users"] and "post" in document["paths"]["/api/v1/auth/token"]
    assert document["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}

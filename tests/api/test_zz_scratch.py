from audit_app.core.permissions import Role
from tests.conftest import TEST_PASSWORD

def test_explore(app, db, make_user):
    u = make_user(Role.ADMIN)
    db.session.commit()
    c = app.test_client()
    r = c.post("/api/v1/auth/token", json={"email": u.email, "password": TEST_PASSWORD})
    print(r.status_code, r.json)
    h = {"Authorization": "Bearer " + r.json["token"]}
    for url in ["/api/v1/agencies?per_page=501", "/api/v1/agencies?kind=xx"]:
        r = c.get(url, headers=h); print(url, r.status_code, r.json)
    r = c.post("/api/v1/agencies", headers=h, json={"name": "", "kind": "police", "zzz": 1}); print(r.status_code, r.json)
    r = c.post("/api/v1/agencies", headers=h, data="{bad", content_type="application/json"); print(r.status_code, r.json)
    r = c.post("/api/v1/agencies", headers=h, data="x=1", content_type="application/x-www-form-urlencoded"); print(r.status_code, r.json)
    r = c.post("/api/v1/agencies", headers=h, json=[1]); print(r.status_code, r.json)
    r = c.post("/api/v1/agencies", headers=h, json={"name": "A", "kind": "police"}); print(r.status_code, r.json)
    r = c.patch(f"/api/v1/agencies/{r.json['id']}", headers=h, json={"version": 9, "name": "B"}); print(r.status_code, r.json)
    r = c.get("/api/v1/me"); print(r.status_code, r.json)
    r = c.get("/api/v1/openapi.json"); print(r.status_code, list(r.json["paths"]))

"""Helpers for API tests: a JSON client holding a bearer token, and a check of the contract's error body."""

from tests.conftest import TEST_PASSWORD


class Api:
    """A JSON client for one user's bearer token."""

    def __init__(self, app, user=None):
        self.http = app.test_client()
        self.user = user
        self.headers = {}
        if user is not None:
            response = self.post("/api/v1/auth/token", {"email": user.email, "password": TEST_PASSWORD})
            assert response.status_code == 201, response.json
            self.headers = {"Authorization": f"Bearer {response.json['token']}"}

    def get(self, url):
        return self.http.get(url, headers=self.headers)

    def post(self, url, body=None, **raw):
        if raw:  # data= and content_type= as given
            return self.http.post(url, headers=self.headers, **raw)
        return self.http.post(url, json=body, headers=self.headers)

    def patch(self, url, body):
        return self.http.patch(url, json=body, headers=self.headers)

    def delete(self, url):
        return self.http.delete(url, headers=self.headers)


def error_body(response, status, code):
    """Assert ``response`` is the contract's error body with ``status`` and ``code``; :return: its ``error``."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]

"""Security headers, caching and cookies, checked on real responses; and pages free of inline script and style
(which the Content-Security-Policy would block)."""

from html.parser import HTMLParser

import pytest

from audit_app.core.permissions import Role
from tests.conftest import TEST_PASSWORD
from tests.factories import AgencyFactory, UserFactory


def csp_directives(response):
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("url", ["/sign-in", "/forgotten-password", "/no-such-page", "/static/js/app.js"])
def test_every_response_carries_the_security_headers(client, url):
    with client.get(url) as response:  # closed, so that a static file's handle is released
        pass

    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp.get("script-src", csp["default-src"])
    assert "'unsafe-eval'" not in csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in csp.get("style-src", csp["default-src"])
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")


def test_pages_are_not_cached_but_static_files_may_be(login_as):
    web = login_as(Role.ADMIN)

    for url in ("/", "/admin/users", "/sign-in"):
        assert "no-store" in web.get(url).headers.get("Cache-Control", ""), url
    with web.get("/static/js/app.js") as static:
        assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_hsts_only_when_enabled(app, client, monkeypatch):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers

    monkeypatch.setitem(app.config, "HSTS_ENABLED", True)
    hsts = client.get("/sign-in").headers["Strict-Transport-Security"]
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 31536000


def test_the_session_cookie_is_httponly_and_samesite_lax(app, db, client, make_user):
    user = make_user(Role.SCRUTINEER)
    db.session.commit()

    response = client.post("/sign-in", {"email": user.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{cookie_name}=")]
    attributes = {a.strip().split("=")[0].lower(): a.strip() for a in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"


class _InlineFinder(HTMLParser):
    """Collects inline scripts (executable ones, not JSON data blocks) and style attributes."""

    DATA_TYPES = ("application/json", "application/ld+json")

    def __init__(self):
        super().__init__()
        self.inline_scripts, self.style_attributes, self.handlers = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src") and attrs.get("type") not in self.DATA_TYPES:
            self.inline_scripts.append(self.getpos())
        if "style" in attrs:
            self.style_attributes.append((tag, self.getpos()))
        self.handlers += [(tag, name) for name in attrs if name.startswith("on")]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)


def assert_no_inline_code(html, url):
    finder = _InlineFinder()
    finder.feed(html)
    assert finder.inline_scripts == [], f"{url}: inline <script> at {finder.inline_scripts}"
    assert finder.style_attributes == [], f"{url}: style= at {finder.style_attributes}"
    assert finder.handlers == [], f"{url}: inline event handlers {finder.handlers}"


def test_the_sign_in_pages_have_no_inline_script_or_style(client):
    for url in ("/sign-in", "/forgotten-password", "/signed-out"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_inline_code(response.get_data(as_text=True), url)


def test_an_error_page_has_no_inline_script_or_style(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert_no_inline_code(response.get_data(as_text=True), "/no-such-page")


def admin_pages(app, agency_id, user_id):
    """Every admin page reachable by GET: the ones without parameters, and the edit pages of a real object."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or "GET" not in rule.methods:
            continue
        if not rule.arguments:
            urls.append(rule.rule)
        elif rule.arguments == {"agency_id"}:
            urls.append(rule.rule.replace("<int:agency_id>", str(agency_id)))
        elif rule.arguments == {"user_id"}:
            urls.append(rule.rule.replace("<int:user_id>", str(user_id)))
    return sorted(urls)


def test_admin_pages_have_no_inline_script_or_style(app, db, login_as):
    web = login_as(Role.ADMIN)
    agency = AgencyFactory()
    other = UserFactory(role=Role.AGENCY_AUDITOR, agency=agency)
    db.session.commit()

    urls = admin_pages(app, agency.id, other.id)
    assert {"/admin/users", "/admin/agencies", "/admin/users/new", f"/admin/users/{other.id}/edit"} <= set(urls)
    for url in urls:
        response = web.get(url)
        assert response.status_code == 200, url
        assert_no_inline_code(response.get_data(as_text=True), url)


def test_the_inline_checker_finds_what_it_looks_for():
    finder = _InlineFinder()
    finder.feed(
        '<script>alert(1)</script><script type="application/json">{"a": 1}</script><script src="/x.js"></script>'
        '<div style="color: red"></div><img src="/y.png" style="" /><button onclick="go()">Go</button>'
    )
    assert len(finder.inline_scripts) == 1
    assert [tag for tag, _ in finder.style_attributes] == ["div", "img"]
    assert finder.handlers == [("button", "onclick")]

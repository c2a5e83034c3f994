"""Browser fixtures: Debian's chromium driven by Playwright's sync API, against the app served by werkzeug in a thread
on its own file-based SQLite database (committed data, so the server thread sees it).

Every page a test opens is watched: a request to any host but 127.0.0.1 is refused and fails the test, as do console
errors and uncaught page errors, and every document loaded must have been checked with axe-core (``check_page``).
"""

import os
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from audit_app import create_app
from audit_app.config import TestingConfig
from audit_app.core.permissions import Role
from audit_app.extensions import db
from tests.browser.axe import AXE_SCRIPT, AXE_URL_PATH, assert_no_axe_violations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOST = "127.0.0.1"
#: Statuses the app answers a form submission with when it shows the form again with errors.
FORM_ERROR_STATUSES = frozenset({400, 401, 409, 422, 429})
DOCUMENT_STATUS = re.compile(r"Failed to load resource: the server responded with a status of (\d{3})\b")

PARTNERSHIP = "Northshire Safeguarding Children Partnership"
ADMIN_EMAIL = "brenda.admin@northshire.test"
ADMIN_NAME = "Brenda Okafor"
ADMIN_PASSWORD = "copper kettle sings at dawn"
AGENCIES = [
    ("Northshire Police", "police", "s11"),
    ("Northshire Children's Social Care", "childrens_social_care", "s11"),
    ("Riverside Primary School", "school", "s175"),
]


# --- Ordering ------------------------------------------------------------------------------------------------------
def pytest_collection_modifyitems(config, items):
    """Run the browser tests last. While Playwright's sync API is started, its event loop is the main thread's
    running loop (``asyncio.run`` there would fail), so the session-scoped browser must not overlap other tests."""
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if browser_items:
        items[:] = [item for item in items if not item.get_closest_marker("browser")] + browser_items


# --- The app under test -------------------------------------------------------------------------------------------
@dataclass
class LiveServer:
    """The app served over HTTP on 127.0.0.1."""

    app: object
    url: str


def _testing_config():
    return {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}


def _seed(app):
    """Migrate the database and commit the partnership, its agencies and an administrator."""
    from flask_migrate import upgrade

    from audit_app.agencies import operations

    with app.app_context():
        upgrade()
        operations.create_partnership(PARTNERSHIP)
        for name, kind, duty in AGENCIES:
            operations.create_agency(name=name, kind=kind, duty=duty)
        operations.create_user(email=ADMIN_EMAIL, name=ADMIN_NAME, role=Role.ADMIN, password=ADMIN_PASSWORD)
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, smtp_server):
    """The app on its own SQLite file, served by werkzeug in a background thread for the whole run."""
    tmp = tmp_path_factory.mktemp("browser")
    controller, _ = smtp_server
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AUDIT_INSTANCE_PATH", str(tmp / "instance"))
        app = create_app(
            {
                **_testing_config(),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'browser.db'}",
                "MAIL_PORT": controller.port,
            }
        )
    _seed(app)
    server = make_server(HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://{HOST}:{server.port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


# --- The browser -----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    """Debian's headless chromium (never a downloaded browser). Playwright's ``launch`` starts it on a fresh,
    temporary user-data directory, deleted when the browser closes."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (Debian's chromium package)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageWatch:
    """What went wrong on the pages of one test, and which loaded documents have not been checked with axe."""

    off_host: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    unchecked: list = field(default_factory=list)
    missed: list = field(default_factory=list)
    #: (url, status) of every document the page loaded.
    documents: set = field(default_factory=set)
    #: check_page() has already failed the test with the problems found.
    reported: bool = False

    def refuse(self, url):
        if url not in self.off_host:
            self.off_host.append(url)

    def _is_form_error_status(self, text, url):
        """Chromium logs a console error for a page answered with an error status, e.g. a form shown again with
        its errors as 400, or a wrong password as 401. Those statuses are the app's design, so they are not
        console errors; any other failed resource or error status (403, 404, 5xx) is."""
        match = DOCUMENT_STATUS.match(text)
        if not match:
            return False
        status = int(match.group(1))
        return status in FORM_ERROR_STATUSES and (url, status) in self.documents

    def problems(self):
        problems = [f"request off {HOST}: {url}" for url in self.off_host]
        problems += [
            f"console error: {text} (at {url}:{line})"
            for text, url, line in self.console_errors
            if not self._is_form_error_status(text, url)
        ]
        problems += [f"page error: {error}" for error in self.page_errors]
        problems += [f"page never checked with axe: {url}" for url in self.missed]
        return problems


def _route(watch, origin):
    def handle(route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.hostname != HOST:
            watch.refuse(url)
            route.abort("blockedbyclient")
        elif parts.path == AXE_URL_PATH and f"{parts.scheme}://{parts.netloc}" == origin:
            route.fulfill(path=AXE_SCRIPT, content_type="text/javascript")
        else:
            route.continue_()

    return handle


def _on_request(watch):
    def handle(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != HOST:
            watch.refuse(request.url)

    return handle


def _on_console(watch):
    def handle(message):
        if message.type == "error":
            location = message.location
            watch.console_errors.append((message.text, location.get("url"), location.get("lineNumber")))

    return handle


def _on_response(watch, page):
    def handle(response):
        if response.request.resource_type == "document" and response.frame == page.main_frame:
            watch.documents.add((response.url, response.status))

    return handle


def _on_load(watch, page):
    def handle(_page):
        watch.missed.extend(watch.unchecked)
        watch.unchecked[:] = [page.url]

    return handle


@pytest.fixture
def page(browser, live_server):
    """A new page in a fresh browser context (no cookies) on the live server, watched for problems."""
    watch = PageWatch()
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(10_000)
    context.route("**/*", _route(watch, live_server.url))
    context.on("request", _on_request(watch))
    page = context.new_page()
    page.on("console", _on_console(watch))
    page.on("response", _on_response(watch, page))
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    page.on("load", _on_load(watch, page))
    page.watch = watch
    try:
        yield page
    finally:
        context.close()
    watch.missed.extend(watch.unchecked)  # the last page shown must have been checked too
    if not watch.reported:  # problems already reported by check_page() are not reported twice
        assert not watch.problems(), "\n".join(watch.problems())


def _check(page):
    page.wait_for_load_state("load")
    assert_no_axe_violations(page)
    page.watch.unchecked.clear()
    problems = page.watch.problems()
    page.watch.reported = bool(problems)
    assert not problems, "\n".join(problems)


@pytest.fixture
def check_page(page):
    """``check_page()`` checks the page now shown: no off-host request, console or page error so far, and no axe-core
    violation. Call it on every page (and every error state) a test shows; a loaded page left unchecked fails."""
    return lambda: _check(page)


@dataclass(frozen=True)
class Account:
    """A seeded user's credentials."""

    email: str
    name: str
    password: str


@pytest.fixture
def admin():
    """The seeded administrator."""
    return Account(ADMIN_EMAIL, ADMIN_NAME, ADMIN_PASSWORD)


@pytest.fixture
def agency_names():
    """The names of the seeded agencies."""
    return [name for name, _kind, _duty in AGENCIES]


@pytest.fixture
def signed_in_admin(page, check_page, admin):
    """The page, signed in as the seeded administrator through the sign-in form."""
    page.goto("/sign-in")
    check_page()
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password", exact=True).fill(admin.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("/")
    check_page()
    return page

"""Shared fixtures: one app per run, a real database (SQLite file or PostgreSQL) migrated with Alembic, each test
rolled back, a real SMTP server on 127.0.0.1, and a guard against any connection off this machine."""

import contextvars
import os
import re
import socket
import tempfile
import threading
from pathlib import Path

import pytest
import time_machine
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from audit_app import create_app, normalise_database_url
from audit_app.config import TestingConfig
from audit_app.core.permissions import AGENCY_ROLES, Role
from audit_app.extensions import db as _db

TEST_PASSWORD = "purple otter juggles teacups"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


# --- No network but this machine -------------------------------------------------------------------------------
_real_connect = socket.socket.connect


def _guarded_connect(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if host not in LOOPBACK and not host.startswith("127."):
            raise AssertionError(f"Test tried to connect to {address!r}: only 127.0.0.1 is allowed")
    return _real_connect(sock, address)


@pytest.fixture(scope="session", autouse=True)
def _network_guard():
    socket.socket.connect = _guarded_connect
    yield
    socket.socket.connect = _real_connect


# --- Real SMTP --------------------------------------------------------------------------------------------------
class _Mailbox:
    """Collects what a real SMTP server on 127.0.0.1 receives."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        import email

        with self._lock:
            msg = email.message_from_bytes(envelope.content)
            self.messages.append(
                {"to": envelope.rcpt_tos, "from": envelope.mail_from, "subject": msg["Subject"],
                 "body": msg.get_payload(decode=True).decode() if not msg.is_multipart() else str(msg), "raw": msg}
            )  # fmt: skip
        return "250 Message accepted for delivery"

    def clear(self):
        with self._lock:
            self.messages.clear()


@pytest.fixture(scope="session")
def smtp_server():
    mailbox = _Mailbox()
    with socket.socket() as probe:  # a free port on the loopback interface
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    """Messages delivered to the test SMTP server during this test."""
    _, box = smtp_server
    box.clear()
    yield box
    box.clear()


# --- The app and the database ---
class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, so it gets its own app context and ``g`` as in production (with an
    outer app context pushed, Flask would reuse it, and ``g`` would leak between requests)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


# ---
def _database_url(tmp):
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else f"sqlite:///{tmp / 'test.db'}"


def _postgres_schema(url):
    """A fresh schema of this test worker's own (pytest-xdist workers share one PostgreSQL database).

    :return: engine options that put the schema first on every connection's search path.
    """
    schema = f"test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return {"pool_pre_ping": True, "connect_args": {"options": f"-c search_path={schema}"}}


@pytest.fixture(scope="session")
def app(smtp_server, tmp_path_factory):
    """The application, once per run, on a freshly migrated database."""
    from flask_migrate import upgrade

    tmp = tmp_path_factory.mktemp("instance")
    os.environ["AUDIT_INSTANCE_PATH"] = str(tmp)
    controller, _ = smtp_server
    url = _database_url(tmp)
    config = {**_config_dict(TestingConfig), "SQLALCHEMY_DATABASE_URI": url, "MAIL_PORT": controller.port}
    if url.startswith("postgresql"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = _postgres_schema(url)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.engine.dispose()


def _config_dict(cls):
    return {k: getattr(cls, k) for k in dir(cls) if k.isupper()}


@pytest.fixture
def db(app):
    """The database session for one test; everything the test (and the app under test) commits is rolled back."""
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = scoped_session(
            sessionmaker(bind=connection, class_=Session, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def app_ctx(app, db):
    """An app context around the test (for calling operations and queries directly)."""
    with app.app_context():
        yield app


# --- Web clients --------------------------------------------------------------------------------------------------
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class WebClient:
    """A Flask test client that sends the CSRF token like a browser would (taken from a page it was given)."""

    def __init__(self, client):
        self.client = client
        self._token = None

    def csrf_token(self):
        if self._token is None:
            for url in ("/", "/sign-in", "/forgotten-password"):
                match = _CSRF.search(self.client.get(url, follow_redirects=True).get_data(as_text=True))
                if match:
                    self._token = match.group(1)
                    break
        return self._token

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, *, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        return self.client.post(url, data=data, **kwargs)

    def __getattr__(self, name):
        return getattr(self.client, name)


@pytest.fixture
def client(app, db):
    """An anonymous browser-like client."""
    return WebClient(app.test_client())


@pytest.fixture
def make_user(app_ctx):
    """Create a user with ``TEST_PASSWORD``: ``make_user(Role.AGENCY_AUDITOR, agency=agency)``."""
    from tests.factories import AgencyFactory, UserFactory

    def _make(role=Role.ADMIN, agency=None, **kwargs):
        role = Role(role)
        if role in AGENCY_ROLES and agency is None:
            agency = AgencyFactory()
        return UserFactory(role=role, agency=agency if role in AGENCY_ROLES else None, **kwargs)

    return _make


@pytest.fixture
def login_as(app, db, make_user):
    """A signed-in client for a new user of ``role`` (the user is on ``client.user``)."""

    def _login(role=Role.ADMIN, agency=None, user=None):
        user = user or make_user(role, agency=agency)
        _db.session.commit()
        web = WebClient(app.test_client())
        response = web.post("/sign-in", {"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        web._token = None  # signing in starts a new session, with a new CSRF token
        web.user = user
        return web

    return _login


# --- Time and queries -----------------------------------------------------------------------------------------------
@pytest.fixture
def freeze_now():
    """Travel to a moment: ``freeze_now("2026-03-01T09:00:00Z")``; time stands still there."""
    travellers = []

    def _freeze(when):
        traveller = time_machine.travel(when, tick=False)
        traveller.start()
        travellers.append(traveller)
        return traveller

    yield _freeze
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture
def count_queries(app_ctx):
    """Count SQL statements run inside ``with count_queries() as counter: ...`` (``counter.count``)."""
    from contextlib import contextmanager

    @contextmanager
    def _count():
        class Counter:
            count = 0

        counter = Counter()

        def _before(*_args, **_kwargs):
            counter.count += 1

        engine = _db.engine
        event.listen(engine, "before_cursor_execute", _before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", _before)

    return _count


@pytest.fixture(scope="session")
def workdir():
    """A scratch folder for files tests write (workbooks, backups)."""
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)

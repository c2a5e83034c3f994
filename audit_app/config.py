"""Configuration classes; instance/config.py and the environment are read in create_app, never at import time."""

from datetime import timedelta


class DefaultConfig:
    """Settings for a single-partnership deployment on the embedded default (SQLite in the instance folder)."""

    #: Set from ``instance/secret_key`` (generated on first start) unless given in instance/config.py or env.
    SECRET_KEY = None
    #: ``None`` means SQLite in the instance folder; ``DATABASE_URL`` switches to PostgreSQL.
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    #: Seconds a SQLite connection waits for a lock before giving up.
    SQLITE_BUSY_TIMEOUT = 10

    PARTNERSHIP_NAME = "Safeguarding Children Partnership"
    #: Absolute base URL used in e-mailed links (jobs have no request to take it from).
    BASE_URL = "http://127.0.0.1:5000"

    # Sessions: idle and absolute timeouts; cookies HttpOnly and SameSite=Lax; Secure behind TLS.
    SESSION_COOKIE_NAME = "assure_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    #: Send Strict-Transport-Security (only when served over TLS).
    HSTS_ENABLED = False

    WTF_CSRF_TIME_LIMIT = None  # the CSRF token lives as long as the session, which has its own timeouts

    # Passwords and sign-in throttling (kept in the database so it holds across workers).
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 128
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    LOGIN_WINDOW = timedelta(minutes=15)
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_LOGIN = "30 per minute"
    RATELIMIT_HEADERS_ENABLED = True
    INVITE_LIFETIME = timedelta(days=3)
    RESET_LIFETIME = timedelta(hours=1)
    API_TOKEN_LIFETIME = timedelta(hours=8)

    # Uploads: a hard cap on the request body and tighter checks on spreadsheets.
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    UPLOAD_MAX_UNPACKED_BYTES = 50 * 1024 * 1024
    UPLOAD_MAX_ZIP_ENTRIES = 200
    UPLOAD_MAX_ROWS = 5000

    # E-mail through the outbox and real SMTP.
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "assure@localhost"
    MAIL_TIMEOUT = 10
    MAIL_MAX_ATTEMPTS = 5

    # JSON API (flask-smorest): the OpenAPI document is generated from the code.
    API_TITLE = "Assure API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_MAX_PER_PAGE = 500

    BACKUP_FOLDER = None  # default: <instance>/backups


class TestingConfig(DefaultConfig):
    """Settings for the test suite: fast hashing, no rate-limit storage shared between tests."""

    TESTING = True
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    RATELIMIT_ENABLED = False
    BASE_URL = "http://localhost"
    MAIL_SERVER = "127.0.0.1"

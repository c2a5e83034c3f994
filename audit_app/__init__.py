"""Assure: multi-agency case audit and assurance for children's safeguarding partnerships."""

import logging
import os
import secrets
from pathlib import Path

from flask import Flask, abort, g, request

from audit_app.config import DefaultConfig
from audit_app.extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None):
    """Build the application.

    :param config: a mapping or object whose upper-case settings override everything else (tests use this).
    :return: the Flask app.
    """
    instance_path = Path(os.environ.get("AUDIT_INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        instance_relative_config=True,
        static_folder=str(Path(__file__).parent / "web" / "static"),
    )
    register_config(app, config)
    register_converters(app)
    register_models()
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_commands(app)
    register_jobs()
    register_signals()
    return app


def register_config(app, config):
    """Defaults, then instance/config.py, then ``ASSURE_*`` environment variables, then ``config``."""
    app.config.from_object(DefaultConfig)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("ASSURE")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if config is not None:
        items = config.items() if isinstance(config, dict) else ((k, getattr(config, k)) for k in dir(config))
        app.config.update({k: v for k, v in items if k.isupper()})
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'assure.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            k: v for k, v in app.config["SQLALCHEMY_ENGINE_OPTIONS"].items() if k != "pool_pre_ping"
        }
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))


def normalise_database_url(url):
    """Use psycopg 3 for PostgreSQL URLs written the usual way (``postgres://`` or ``postgresql://``)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret_key(instance_path):
    """Read the deployment's secret key from the instance folder, creating it (mode 600) on first start."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def register_converters(app):
    """``<int:...>`` URL parts stop at the largest id a row can have, so bigger ones are a plain 404."""
    from audit_app.core.db import bounded_int_converter

    app.url_map.converters["int"] = bounded_int_converter()


def register_models():
    """Import every model, so that the metadata (and so Alembic) knows every table."""
    import audit_app.agencies.models.users  # noqa: F401
    import audit_app.core.models.audit  # noqa: F401
    import audit_app.core.models.notifications  # noqa: F401
    import audit_app.cycles.models.assignments  # noqa: F401
    import audit_app.cycles.models.cycles  # noqa: F401
    import audit_app.thematic.models.themes  # noqa: F401
    import audit_app.tools.models.questions  # noqa: F401
    import audit_app.tools.models.scales  # noqa: F401
    import audit_app.tools.models.templates  # noqa: F401


def register_extensions(app):
    """Bind the extensions, and configure SQLite connections (WAL, foreign keys, busy timeout)."""
    from audit_app.core.db import configure_engine

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT"])
    from govuk_frontend_wtf.main import WTFormsHelpers
    from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

    WTFormsHelpers(app)
    from audit_app.web.forms import render_widgets_without_context_processors

    render_widgets_without_context_processors(app)
    # The GOV.UK macros are addressed as "govuk_frontend_jinja/..." and "govuk_frontend_wtf/...".
    app.jinja_loader = ChoiceLoader(
        [
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            )
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def register_blueprints(app):
    """Only here are blueprints imported."""
    from audit_app.agencies.blueprint import bp as agencies_bp
    from audit_app.api import register_api
    from audit_app.cycles.blueprint import bp as cycles_bp
    from audit_app.cycles.returns_blueprint import bp as returns_bp
    from audit_app.tools.blueprint import bp as tools_bp
    from audit_app.web.blueprint import bp as web_bp

    app.register_blueprint(web_bp)
    app.register_blueprint(agencies_bp)
    app.register_blueprint(cycles_bp)
    app.register_blueprint(returns_bp)
    app.register_blueprint(tools_bp)
    register_api(app)


def register_request_hooks(app):
    """Audit context, session timeouts, security headers and mail after the commit."""
    from audit_app.agencies.sessions import enforce_session_timeouts
    from audit_app.core.audit import set_actor
    from audit_app.core.mail import deliver_after_request
    from audit_app.core.security import has_nul_character, set_security_headers

    @app.before_request
    def _before():
        if has_nul_character(request):
            abort(400, description="Text cannot contain NUL characters: remove them and try again.")
        g.channel = "api" if request.blueprint and request.blueprint.startswith("api") else "web"
        set_actor(None, remote_addr=request.remote_addr, channel=g.channel)
        if g.channel == "web":
            return enforce_session_timeouts()
        return None

    @app.after_request
    def _after(response):
        deliver_after_request(db.session)
        return set_security_headers(response, hsts=app.config["HSTS_ENABLED"], is_static=request.endpoint == "static")


def register_commands(app):
    """CLI commands: ``demo``, ``users``, ``agencies``, ``backup`` and ``scheduler``."""
    from audit_app.agencies.cli import agencies_cli, demo_cli, users_cli
    from audit_app.core.backup import backup_cli
    from audit_app.core.jobs import scheduler_cli
    from audit_app.tools.cli import library_cli

    for group in (demo_cli, users_cli, agencies_cli, backup_cli, scheduler_cli, library_cli):
        app.cli.add_command(group)


def register_signals():
    """Let higher packages react to lower ones' signals (connecting twice is harmless: blinker keeps one)."""
    from audit_app.cycles import connect_signals as connect_cycles
    from audit_app.tools import connect_signals as connect_tools

    connect_tools()
    connect_cycles()


def register_jobs():
    """Import each package's jobs module so that its ``@scheduled_job`` entries are in the table."""
    import audit_app.agencies.jobs  # noqa: F401
    import audit_app.core.jobs_outbox  # noqa: F401

    logging.getLogger(__name__).debug("jobs registered")

"""Command-line tools: ``demo load``, ``users create``/``set-password``, ``agencies import``."""

from pathlib import Path

import click
from flask.cli import AppGroup

from audit_app.agencies import operations, queries
from audit_app.agencies.demo import ADMIN_EMAIL, load_demo
from audit_app.core.audit import set_actor
from audit_app.core.errors import ValidationError
from audit_app.core.permissions import Role
from audit_app.extensions import db
from audit_app.util.spreadsheets import UploadRejected, WorkbookInvalid

demo_cli = AppGroup("demo", help="The demo partnership.")
users_cli = AppGroup("users", help="Manage users.")
agencies_cli = AppGroup("agencies", help="Manage agencies.")


def _fail(exc):
    db.session.rollback()
    lines = [exc.message] + [f"  {field}: {message}" for field, message in exc.details.items()]
    raise click.ClickException("\n".join(lines))


@demo_cli.command("load")
def demo_load():
    """Load the demo partnership (first run only) and print how to sign in."""
    set_actor(None, channel="cli")
    created, passwords = load_demo()
    db.session.commit()
    if created:
        click.echo("Demo partnership loaded.")
        click.echo(f"  Admin sign-in:  {ADMIN_EMAIL}")
        click.echo(f"  One-time password (you will choose your own at first sign-in): {passwords['admin']}")
        click.echo(f"  Every other demo user (see Users in the app) has the password: {passwords['others']}")
    else:
        click.echo(f"Demo data already present; nothing changed. Admin: {ADMIN_EMAIL}")
        click.echo("  Lost the password? flask --app wsgi users set-password --email " + ADMIN_EMAIL)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency-id", type=int, default=None, help="Required for agency_auditor and agency_lead.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_create(email, name, role, agency_id, password):
    """Create a user with a password."""
    set_actor(None, channel="cli")
    try:
        user = operations.create_user(email=email, name=name, role=role, agency_id=agency_id, password=password)
    except ValidationError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Created user {user.id}: {user.email} ({user.role_label})")


@users_cli.command("set-password")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def users_set_password(email, password):
    """Set a user's password (ends their sessions)."""
    set_actor(None, channel="cli")
    user = queries.get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with the e-mail {email}")
    try:
        operations.set_password(user, password)
    except ValidationError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"Password set for {user.email}")


@agencies_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def agencies_import(path):
    """Create or update agencies from an .xlsx workbook (sheet 'Agencies'); all rows valid or nothing changes."""
    from audit_app.agencies.imports import import_agencies

    set_actor(None, channel="cli")
    try:
        counts = import_agencies(path.read_bytes(), filename=path.name)
    except UploadRejected as exc:
        raise click.ClickException(str(exc)) from exc
    except WorkbookInvalid as exc:
        db.session.rollback()
        raise click.ClickException(
            f"{len(exc.problems)} problem(s); nothing imported:\n" + "\n".join(f"  {p}" for p in exc.problems)
        ) from exc
    db.session.commit()
    click.echo(f"Agencies imported: {counts['created']} added, {counts['updated']} updated.")

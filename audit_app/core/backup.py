"""``flask backup create``: an online backup of the SQLite database (pg_dump for PostgreSQL)."""

import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

backup_cli = AppGroup("backup", help="Back up the database.")


def create_backup(engine, folder):
    """Copy the database into ``folder`` while the app keeps running.

    SQLite uses its online backup API (a consistent copy even with writers); PostgreSQL uses ``pg_dump -Fc``.

    :return: the path of the backup file.
    :raises RuntimeError: pg_dump is not installed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")  # to the microsecond: two backups never collide
    url = engine.url
    if url.get_backend_name() == "sqlite":
        target = folder / f"assure-{stamp}.db"
        source = sqlite3.connect(url.database)
        try:
            with sqlite3.connect(target) as dest:
                source.backup(dest)
            dest.close()
        finally:
            source.close()
        return target
    if shutil.which("pg_dump") is None:
        raise RuntimeError("pg_dump is not installed: install the PostgreSQL client tools.")
    target = folder / f"assure-{stamp}.dump"
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_dump", "-Fc", "-f", str(target), plain], check=True)  # noqa: S603, S607
    return target


@backup_cli.command("create")
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the backup (default: <instance>/backups).")  # fmt: skip
def backup_create(folder):
    """Back up the database to a timestamped file."""
    from audit_app.extensions import db

    folder = folder or Path(current_app.config["BACKUP_FOLDER"] or Path(current_app.instance_path) / "backups")
    try:
        path = create_backup(db.engine, folder)
    except (RuntimeError, subprocess.CalledProcessError, sqlite3.Error) as exc:
        raise click.ClickException(f"Backup failed: {exc}") from exc
    click.echo(f"Backup written to {path}")

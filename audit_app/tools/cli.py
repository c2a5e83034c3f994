"""``flask library load``: the theme taxonomy and the built-in audit tools for a new partnership."""

import click
from flask.cli import AppGroup

from audit_app.core.audit import set_actor
from audit_app.extensions import db

library_cli = AppGroup("library", help="The built-in audit tools and theme taxonomy.")


@library_cli.command("load")
def library_load():
    """Add the theme taxonomy and any built-in tool this partnership does not have yet (safe to repeat)."""
    from audit_app.tools.library import load_library

    set_actor(None, channel="cli")
    added = load_library()
    db.session.commit()
    click.echo(f"Built-in tools added: {', '.join(added)}" if added else "Built-in tools already present.")

"""`import-org FILE` and `export-org DIR`: the organisation (categories, departments, channels, areas,
halls, compounds, teams, users) set up from files and written back to the same files."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from geo_app.cli.common import fail
from geo_app.domain.errors import DomainError
from geo_app.extensions import db, db_session

CLI_ACTOR = "cli"


@click.command("import-org")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_org_command(file: Path) -> None:
    """Create or update the organisation records of FILE (CSV or GeoJSON; all or nothing, idempotent on codes)."""
    from geo_app.domain.organisation import batch, files
    from geo_app.domain.organisation.audit import Actor

    try:
        outcome = batch.apply(db_session(), files.read(file), Actor(None, CLI_ACTOR))
    except batch.OrgImportFailed as err:
        db.session.rollback()
        for e in err.errors:
            click.echo(f"rejected {e}", err=True)
        click.echo(f"error: {len(err.errors)} row(s) rejected; nothing was stored", err=True)
        sys.exit(2)
    except DomainError as err:
        fail(err)
    db.session.commit()
    kinds = sorted(set(outcome.changed) | set(outcome.unchanged))
    click.echo(
        f"{file.name}: "
        + (", ".join(f"{k} {outcome.changed[k]} changed, {outcome.unchanged[k]} unchanged" for k in kinds) or "empty")
    )


@click.command("export-org")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_org_command(directory: Path) -> None:
    """Write the organisation into DIRECTORY, one file per kind, as `import-org` reads them."""
    from geo_app.domain.organisation import files

    for path in files.export(db_session(), directory):
        click.echo(str(path))


COMMANDS = [import_org_command, export_org_command]

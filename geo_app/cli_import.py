"""Commands that bring real-world data in: issues from CSV (and streets, with the import issue)."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from .cli_commands import _fail, intake_settings
from .errors import DomainError
from .extensions import db


@click.command("import-issues")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rejected", "rejected_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write rejected rows with reasons here (default FILE.rejected.csv).")
@with_appcontext
def import_issues_command(file: Path, rejected_path: Path | None) -> None:
    """Import issues from a CSV file: accepted rows all in, every rejected row reported."""
    import csv

    from .domain.importers.issues_csv import import_issues

    try:
        result = import_issues(db.session, file, intake_settings())
    except DomainError as err:
        _fail(err)
    db.session.commit()
    click.echo(f"read {result.read}, inserted {result.inserted}, linked {result.linked}, "
               f"already there {result.skipped_existing}, rejected {len(result.rejected)}")
    if result.rejected:
        rejected_path = rejected_path or file.with_suffix(".rejected.csv")
        with open(rejected_path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["line", "field", "reason"])
            writer.writerows([e.line, e.field, e.message] for e in result.rejected)
        click.echo(f"rejected rows: {rejected_path}")


COMMANDS = [import_issues_command]

"""The district report on the command line, as text, JSON or CSV."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from geo_app.cli.common import fail
from geo_app.domain.errors import DomainError
from geo_app.extensions import db_session


@click.command("report")
@click.option("--start", required=True, help="First day, YYYY-MM-DD (local time).")
@click.option("--end", required=True, help="Last day, YYYY-MM-DD, inclusive.")
@click.option("--area", default=None, help="Area code (e.g. FY) or team:CODE; default everywhere.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text")
@with_appcontext
def report_command(start: str, end: str, area: str | None, fmt: str) -> None:
    """Print the district report for a period, computed from the data."""
    from geo_app.domain.analysis.reports import formats
    from geo_app.domain.analysis.reports import report as reports
    from geo_app.domain.core.validation import parse_date

    try:
        report = reports.figures(
            db_session(), parse_date(start, "start"), parse_date(end, "end"), reports.parse_area(area)
        )
    except DomainError as err:
        fail(err)
    click.echo(formats.FORMATS[fmt](report), nl=fmt != "csv")


COMMANDS = [report_command]

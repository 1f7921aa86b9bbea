"""The command implementations (kept apart so that `cli.py` stays a registry)."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from .app_settings import intake_settings
from .errors import DomainError
from .extensions import db


def _fail(err: DomainError) -> None:
    db.session.rollback()
    click.echo(f"error: {err.message}", err=True)
    sys.exit(2)


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds issues.")
@with_appcontext
def load_demo_command(if_empty: bool) -> None:
    """Load the 大塘街道 demo (idempotent)."""
    from .domain.demo import load_demo

    if if_empty and db.session.execute(text("SELECT EXISTS (SELECT 1 FROM issues)")).scalar():
        click.echo("database already holds issues; demo not loaded")
        return
    try:
        counts = load_demo(db.session, current_app.config["DEMO_DIR"], intake_settings())
    except DomainError as err:
        _fail(err)
    db.session.commit()
    click.echo("demo loaded: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))


@click.command("report")
@click.option("--start", required=True, help="First day, YYYY-MM-DD (local time).")
@click.option("--end", required=True, help="Last day, YYYY-MM-DD, inclusive.")
@click.option("--area", default=None, help="Area code (e.g. FY) or team:CODE; default everywhere.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text")
@with_appcontext
def report_command(start: str, end: str, area: str | None, fmt: str) -> None:
    """Print the district report for a period, computed from the data."""
    from .domain import report_formats, reports
    from .domain.validation import parse_date

    try:
        report = reports.figures(db.session, parse_date(start, "start"), parse_date(end, "end"),
                                 reports.parse_area(area))
    except DomainError as err:
        _fail(err)
    click.echo(report_formats.FORMATS[fmt](report), nl=fmt != "csv")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, help="admin, planner, clerk, chief, secretary or staff.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default=None)
@click.option("--department", default=None, help="Department code (staff).")
@click.option("--team", default=None, help="Team code (chief, secretary).")
@click.option("--hall", default=None, help="Reception hall code (clerk).")
@with_appcontext
def create_user_command(username, role, password, display_name, department, team, hall) -> None:
    """Create a user account."""
    from .domain.accounts import create_user

    try:
        create_user(db.session, username, password, role, display_name, department, team, hall)
    except DomainError as err:
        _fail(err)
    db.session.commit()
    click.echo(f"user {username} created ({role})")


@click.command("synth")
@click.option("--segments", type=click.IntRange(1, 2_000_000), required=True, help="Street segments to make.")
@click.option("--issues", type=click.IntRange(0, 20_000_000), required=True, help="Issues to make.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--year", type=click.IntRange(2000, 2100), default=2025, show_default=True)
@with_appcontext
def synth_command(segments: int, issues: int, seed: int, year: int) -> None:
    """Write a deterministic synthetic city (street grid, teams, clustered issues) with COPY."""
    import time

    from .domain.synth import synth_city

    t0 = time.perf_counter()
    result = synth_city(db.session, segments, issues, seed, year, snap_max_m=current_app.config["SNAP_MAX_M"])
    db.session.commit()
    # VACUUM sets the visibility map, so reports get index-only scans at once (it cannot run in a transaction)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("street_segments", "issues", "issue_events", "team_segments"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    click.echo(f"synthetic city {seed}: {result.segments} segments, {result.teams} teams, {result.issues} issues "
               f"({result.linked} linked) in {time.perf_counter() - t0:.1f} s")


COMMANDS = [synth_command, load_demo_command, report_command, create_user_command]

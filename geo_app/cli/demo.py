"""Commands that make whole data sets: the demo and synthetic cities."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import text

from geo_app.cli.common import fail
from geo_app.config import intake_settings
from geo_app.domain.errors import DomainError
from geo_app.extensions import db, db_session


@click.command("load-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has a deployment.")
@with_appcontext
def load_demo_command(if_empty: bool) -> None:
    """Load the demo of data/demo (its deployment profile first; idempotent)."""
    from geo_app.cli.deployment import init_demo_profile
    from geo_app.domain.core import deployment
    from geo_app.domain.datasets.demo import load_demo, profile_name

    demo_dir = current_app.config["DEMO_DIR"]
    existing = deployment.load(db_session())
    if if_empty and existing is not None:
        click.echo(f"database already has its deployment ({existing.name}); demo not loaded")
        return
    if existing is not None and existing.name != profile_name(demo_dir):
        click.echo(f"error: this database is the deployment {existing.name!r}, not the demo", err=True)
        raise SystemExit(2)
    try:
        init_demo_profile(demo_dir)
        counts = load_demo(db_session(), demo_dir, intake_settings())
        deployment.refresh_service_area(db_session())
    except DomainError as err:
        fail(err)
    db.session.commit()
    click.echo("demo loaded: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))


@click.command("synth")
@click.option("--segments", type=click.IntRange(1, 2_000_000), required=True, help="Street segments to make.")
@click.option("--issues", type=click.IntRange(0, 20_000_000), required=True, help="Issues to make.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--year", type=click.IntRange(2000, 2100), default=2025, show_default=True)
@with_appcontext
def synth_command(segments: int, issues: int, seed: int, year: int) -> None:
    """Write a deterministic synthetic city (street grid, teams, clustered issues) with COPY."""
    import time

    from geo_app.domain.datasets.synth import synth_city

    t0 = time.perf_counter()
    result = synth_city(db_session(), segments, issues, seed, year, snap_max_m=current_app.config["SNAP_MAX_M"])
    db.session.commit()
    # VACUUM sets the visibility map, so reports get index-only scans at once (it cannot run in a transaction)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("street_segments", "issues", "issue_events", "team_segments"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    click.echo(
        f"synthetic city {seed}: {result.segments} segments, {result.teams} teams, {result.issues} issues "
        f"({result.linked} linked) in {time.perf_counter() - t0:.1f} s"
    )


COMMANDS = [load_demo_command, synth_command]

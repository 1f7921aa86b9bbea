"""`init-deployment`: a new place's profile (name, time zone, metric CRS, ref prefix), set once."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from geo_app import profile as app_profile
from geo_app.cli.common import fail
from geo_app.domain.core import deployment
from geo_app.domain.errors import DomainError, ValidationError
from geo_app.extensions import db, db_session


def parse_center(value: str | None) -> tuple[float, float] | None:
    """Return LON,LAT as a pair of floats (None for None)."""
    if value is None:
        return None
    try:
        lon, lat = (float(part) for part in value.split(","))
    except ValueError:
        raise ValidationError(f"--center must be LON,LAT (e.g. -118.25,34.05), not {value!r}", "center") from None
    return lon, lat


def init(
    name: str, timezone: str, metric_srid: str, ref_prefix: str, name_en: str = "", center: str | None = None
) -> deployment.Profile:
    """Store the profile on the app's database, commit and activate it; DomainError when refused."""
    where = parse_center(center)
    srid = deployment.resolve_srid(metric_srid, where)
    made = deployment.create(db_session(), name, timezone, srid, ref_prefix, name_en=name_en, center=where)
    db.session.commit()
    app_profile.remember(current_app._get_current_object(), made)  # type: ignore[attr-defined]
    return made


@click.command("init-deployment")
@click.option("--name", required=True, help="The place's name (e.g. 大塘街道), shown in the header and reports.")
@click.option("--name-en", default="", help="Its English name (default: --name).")
@click.option("--timezone", required=True, help="IANA time zone, e.g. America/Los_Angeles.")
@click.option("--metric-srid", default="auto", show_default=True, help="Projected CRS (EPSG code) or auto.")
@click.option("--ref-prefix", default="XX", show_default=True, help="Prefix of public references (1-6 letters).")
@click.option("--center", default=None, help="LON,LAT of the place: picks the UTM zone for auto.")
@with_appcontext
def init_deployment_command(
    name: str, name_en: str, timezone: str, metric_srid: str, ref_prefix: str, center: str | None
) -> None:
    """Set this database's deployment profile (once, on an empty migrated database)."""
    try:
        made = init(name, timezone, metric_srid, ref_prefix, name_en=name_en, center=center)
    except DomainError as err:
        fail(err)
    click.echo(json.dumps(made.as_json(), ensure_ascii=False))


def init_demo_profile(demo_dir: Path) -> bool:
    """Create the demo's profile (data/demo/deployment.json) unless the database has one; True if created."""
    if deployment.load(db_session()) is not None:
        return False
    spec = json.loads((Path(demo_dir) / "deployment.json").read_text(encoding="utf-8"))
    lon, lat = spec["center"]
    init(spec["name"], spec["timezone"], str(spec["metric_srid"]), spec["ref_prefix"], spec["name_en"], f"{lon},{lat}")
    return True


COMMANDS = [init_deployment_command]

"""Commands that bring real-world data in: issues from CSV, streets from maps."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from geo_app.cli.common import fail
from geo_app.config import intake_settings
from geo_app.domain.errors import DomainError
from geo_app.extensions import db, db_session

if TYPE_CHECKING:  # imported where used: the importers are heavy
    from geo_app.domain.importers.issues.rows import Mapping


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint=option)
        out[key.strip()] = val.strip()
    return out


def _mapping(
    mapping_file: Path | None,
    columns: tuple[str, ...],
    categories: tuple[str, ...],
    channels: tuple[str, ...] = (),
) -> Mapping:
    from geo_app.domain.importers.issues.rows import TARGETS, Mapping

    data = json.loads(mapping_file.read_text(encoding="utf-8")) if mapping_file else {}
    cols = {**data.get("columns", {}), **_pairs(columns, "--map")}
    aliases = {"id": "ref", "opened": "reported_at", "closed": "closed_at"}
    cols = {aliases.get(k, k): v for k, v in cols.items()}
    unknown = [k for k in cols if k not in TARGETS]
    if unknown:
        raise click.BadParameter(f"unknown field {unknown[0]!r}; one of {', '.join(TARGETS)}", param_hint="--map")
    return Mapping(
        columns=cols,
        categories={**data.get("categories", {}), **_pairs(categories, "--category")},
        statuses=data.get("statuses", {}),
        channels={**data.get("channels", {}), **_pairs(channels, "--channel")},
        default_resolution=data.get("default_resolution", "team"),
    )


@click.command("import-issues")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--rejected",
    "rejected_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write rejected rows with reasons here (default FILE.rejected.csv).",
)
@click.option(
    "--map",
    "columns",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="Which CSV column holds a field: id, category, lon, lat, point, opened, closed, status, "
    "description, address, channel… (repeatable).",
)
@click.option(
    "--category",
    "categories",
    multiple=True,
    metavar="THEIRS=OURS",
    help="Map a category value of the file onto one of our category codes (repeatable).",
)
@click.option(
    "--channel",
    "channels",
    multiple=True,
    metavar="THEIRS=OURS",
    help="Map a channel value of the file onto one of our channel codes, e.g. Phone=phone (repeatable).",
)
@click.option(
    "--source", default=None, metavar="NAME", help="The system the file comes from (its ids are unique there)."
)
@click.option(
    "--id-column", "id_column", default=None, metavar="COL", help="The file's column holding each row's id in --source."
)
@click.option(
    "--update", is_flag=True, help="Rows already imported take the file's values (default: they are skipped)."
)
@click.option(
    "--date-format",
    "date_format",
    default=None,
    metavar="FMT",
    help="strptime format of every date, e.g. '%d.%m.%Y %H:%M' (default: ISO, MM/DD/YYYY hh:mm:ss AM and "
    "YYYY/MM/DD HH:MM are recognised).",
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSON file {"columns": {...}, "categories": {...}, "statuses": {...}}.',
)
@click.option(
    "--snap",
    type=click.Choice(["auto", "memory", "sql"]),
    default="auto",
    show_default=True,
    help="Link to segments in memory (numpy grid) or with one SQL UPDATE (the bulk path always links in memory).",
)
@click.option(
    "--bulk",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Bulk mode: indexes and constraints of issues and issue_events rebuilt after the load, several "
    "times faster, but those tables and the ones their foreign keys join (categories, "
    "street_segments, teams, visits, fire_lanes, users, dispatches, photos, site_visit_issues, import "
    "batches) are LOCKED, "
    "reads included, until the import commits. auto: from IMPORT_BULK_MIN_ROWS accepted rows "
    "(default 50000).",
)
@click.option(
    "--timezone",
    default=None,
    metavar="ZONE",
    help="IANA zone of the file's naive times (default: the deployment's); times with an offset keep it.",
)
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bar on stderr.")
@with_appcontext
def import_issues_command(
    file: Path,
    timezone: str | None,
    rejected_path: Path | None,
    columns: tuple[str, ...],
    categories: tuple[str, ...],
    channels: tuple[str, ...],
    source: str | None,
    id_column: str | None,
    update: bool,
    date_format: str | None,
    mapping_file: Path | None,
    snap: str,
    bulk: str,
    progress: bool,
) -> None:
    """Import issues from a CSV file as one batch: accepted rows all in (or none), every rejected row reported.

    Rows already imported (the same --source id, or the same ref) are skipped, or updated with --update.
    The last line is `batch <ID>` (see import-batches). Large files go in bulk mode, which locks the issue
    tables for the import's duration (see --bulk)."""
    from dataclasses import replace

    from flask import current_app
    from tqdm import tqdm

    from geo_app.domain.core.deployment import check_zone
    from geo_app.domain.importers.issues.csv_import import import_issues

    mapping = replace(
        _mapping(mapping_file, columns, categories, channels), source_column=id_column, date_format=date_format
    )
    if timezone:
        try:
            mapping = replace(mapping, timezone=check_zone(timezone))
        except DomainError as err:
            fail(err)
    bulk_min = {"auto": current_app.config["IMPORT_BULK_MIN_ROWS"], "always": 0, "never": None}[bulk]
    bar = tqdm(unit=" rows", desc="reading", disable=not progress, file=sys.stderr)
    try:
        result = import_issues(
            db_session(),
            file,
            intake_settings(),
            mapping,
            progress=bar.update,
            snap=snap,
            bulk_min_rows=bulk_min,
            source=source,
            update=update,
        )
    except DomainError as err:
        bar.close()
        fail(err)
    bar.close()
    db.session.commit()
    click.echo(
        f"read {result.read}, inserted {result.inserted}, linked {result.linked}, "
        + (f"updated {result.updated}, kept (worked on since) {result.kept}, " if update else "")
        + f"already there {result.skipped_existing}, rejected {len(result.rejected)}"
        + (
            f" ({'bulk, ' if result.bulk else ''}linked {result.snap_method}; "
            + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
            + ")"
            if result.inserted
            else ""
        )
    )
    if result.rejected:
        rejected_path = rejected_path or file.with_suffix(".rejected.csv")
        columns_out = list((result.rejected[0].raw or {}).keys())
        with open(rejected_path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["line", "field", "reason"] + columns_out)
            writer.writerows(
                [e.line, e.field, e.message] + [(e.raw or {}).get(c, "") for c in columns_out] for e in result.rejected
            )
        click.echo(f"rejected rows: {rejected_path}")
    click.echo(f"batch {result.batch_id}")


@click.command("import-streets")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--source",
    default=None,
    help="Code namespace of the segments (default: osm for .pbf, else the "
    "file name); re-imports update the same namespace.",
)
@click.option(
    "--highway",
    "highways",
    multiple=True,
    help="Highway classes to keep (repeatable); default: drivable and pedestrian streets.",
)
@click.option(
    "--profile",
    type=click.Choice(["drive", "walk", "all"]),
    default=None,
    help="Which ways are streets: drive (drivable; the default for .osm.pbf), walk (and pedestrian ways, "
    "footways; the default for other files) or all.",
)
@click.option("--all-lines", is_flag=True, help="Keep every line, whatever its highway class (= --profile all).")
@click.option(
    "--dropped",
    "dropped_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the dropped ways (source id, name, highway, reason) to this CSV file.",
)
@click.option("--keep-missing", is_flag=True, help="Do not retire segments of the namespace missing from the file.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write repaired and rejected features here (default FILE.report.txt when there are any).",
)
@with_appcontext
def import_streets_command(
    file: Path,
    source: str | None,
    highways: tuple[str, ...],
    profile: str | None,
    all_lines: bool,
    dropped_path: Path | None,
    keep_missing: bool,
    report_path: Path | None,
) -> None:
    """Import streets from GeoJSON, GeoPackage, Shapefile or OSM .pbf, cut at intersections."""
    from geo_app.domain.importers.street_profiles import PROFILES, summary
    from geo_app.domain.importers.streets import StreetOptions, import_streets

    if all_lines:
        profile = "all"
    osm = file.name.endswith(".pbf")
    chosen = tuple(highways) if highways and profile is None else PROFILES[profile or ("drive" if osm else "walk")]
    options = StreetOptions(source=source, highways=chosen, retire_missing=not keep_missing)
    from geo_app.domain.core.deployment import refresh_service_area, settle_auto_srid, table_exists

    try:
        r = import_streets(db_session(), file, options)
    except DomainError as err:
        fail(err)
    settled = None
    if table_exists(db_session()):
        settled = settle_auto_srid(db_session())  # --metric-srid auto without --center: these streets decide
        refresh_service_area(db_session())  # the areas, else the streets' hull, plus a margin
    db.session.commit()
    if settled:
        from flask import current_app

        from geo_app import profile as app_profile
        from geo_app.domain.core.deployment import load

        made = load(db_session())
        assert made is not None  # settle_auto_srid found the profile
        app_profile.remember(current_app._get_current_object(), made)  # type: ignore[attr-defined]
        click.echo(f"metric CRS: EPSG:{settled} (the UTM zone of these streets)")
    click.echo(
        f"ways read {r.ways_read}, kept {r.ways_kept}; segments made {r.segments_made} ({r.km:.2f} km): "
        f"new {r.inserted}, updated {r.updated}, unchanged {r.unchanged}, retired {r.retired}; "
        f"repaired {len(r.repaired)}, rejected {len(r.rejected)}"
    )
    click.echo(summary(r.dropped))
    if dropped_path is not None and r.dropped_rows is not None:
        r.dropped_rows.to_csv(dropped_path, index=False)
        click.echo(f"dropped ways: {dropped_path}")
    if r.issues_on_retired:
        click.echo(f"note: {r.issues_on_retired} issues stay linked to retired segments")
    if r.repaired or r.rejected:
        report_path = report_path or Path(str(file) + ".report.txt")
        report_path.write_text(
            "\n".join([f"repaired: {x}" for x in r.repaired] + [f"rejected: {x}" for x in r.rejected]) + "\n",
            encoding="utf-8",
        )
        click.echo(f"report: {report_path}")


COMMANDS = [import_issues_command, import_streets_command]

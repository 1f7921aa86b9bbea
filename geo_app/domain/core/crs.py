"""The metric CRS of the schema: every `geom_m` column (and the lengths computed from it) is in one SRID.

The migrations create the columns in a default CRS; `init-deployment` moves them to the deployment's own
while they are still empty. Once geometry exists the CRS cannot change (the stored metric copies and every
distance measured in them would be wrong).
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.errors import Conflict, ValidationError


def check_srid(session: Session, srid: int) -> None:
    """Refuse an SRID that PostGIS does not know or that is not projected in metres."""
    row = session.execute(text("SELECT proj4text FROM spatial_ref_sys WHERE srid = :s"), {"s": srid}).first()
    if row is None:
        raise ValidationError(f"EPSG:{srid} is not a CRS PostGIS knows", "metric_srid")
    if "+units=m" not in (row[0] or ""):
        raise ValidationError(f"EPSG:{srid} is not a projected CRS in metres", "metric_srid")


def _metric_columns(session: Session) -> list[tuple[str, str, int]]:
    return [
        (r.tbl, r.col, r.srid)
        for r in session.execute(
            text("""
            SELECT f_table_name tbl, f_geometry_column col, srid FROM geometry_columns
            WHERE f_table_schema = 'public' AND f_geometry_column = 'geom_m' ORDER BY 1""")
        )
    ]


def move_schema(session: Session, srid: int, recompute: tuple[str, ...] = ()) -> None:
    """Rebuild every generated metric column (and its indexes) in `srid`; refused once geometry exists,
    except in the tables of `recompute` (streets just imported under an `auto` CRS: recomputed from lon/lat)."""
    columns = _metric_columns(session)
    for table, _col, _old in columns:
        if table in recompute:
            continue
        if session.execute(text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar():
            raise Conflict(f"the metric CRS cannot change once geometry exists ({table} has rows)", "metric_srid")
    for table, _col, old in columns:
        generated = session.execute(
            text("""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod) typ, pg_get_expr(d.adbin, d.adrelid) expr
            FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = CAST(:t AS regclass) AND a.attgenerated = 's'"""),
            {"t": table},
        ).all()
        indexes = (
            session.execute(
                text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t AND schemaname = 'public'"),
                {"t": table},
            )
            .mappings()
            .all()
        )
        pattern = re.compile(rf"\b{old}\b")
        moved = [g for g in generated if pattern.search(g.expr) or pattern.search(g.typ)]
        names = {g.attname for g in moved}
        keep = [i for i in indexes if any(re.search(rf"\b{n}\b", i["indexdef"]) for n in names)]
        # the generation expressions and types (and check constraints) use the old SRID as a literal
        for g in moved:
            session.execute(text(f'ALTER TABLE {table} DROP COLUMN "{g.attname}" CASCADE'))
        for g in moved:
            session.execute(
                text(
                    f'ALTER TABLE {table} ADD COLUMN "{g.attname}" {pattern.sub(str(srid), g.typ)} '
                    f"GENERATED ALWAYS AS ({pattern.sub(str(srid), g.expr)}) STORED"
                )
            )
        for index in keep:
            session.execute(text(index["indexdef"]))
    _restore_checks(session)


# Check constraints that read a generated metric column go with it (DROP … CASCADE): put them back.
CHECKS = {"street_segments": ("ck_street_segments_length_positive", "length_m > 0")}


def _restore_checks(session: Session) -> None:
    for table, (name, check) in CHECKS.items():
        exists = session.execute(text("SELECT 1 FROM pg_constraint WHERE conname = :n"), {"n": name}).first()
        if exists is None:
            session.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({check})"))

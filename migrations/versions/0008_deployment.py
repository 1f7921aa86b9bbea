"""The deployment profile lives in the database, and rollup months follow its time zone.

`deployment` holds one row (place name in Chinese and English, IANA time zone, metric SRID, reference
prefix, service area), written once by `flask init-deployment` (or the demo) and read by every process.
`deployment_zone()` returns its zone; the report-rollup triggers of 0005 read months and years in it
(once per statement) instead of a zone written into the SQL, so that a deployment outside UTC+8 gets the
same months in its rollups as in its report. Without a profile the triggers refuse to file issues.

Revision ID: 0008
Revises: 0007
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _rollups_0005():
    """The module of migration 0005, whose trigger SQL is rebuilt here with the zone as a variable."""
    spec = importlib.util.spec_from_file_location("rollups_0005", Path(__file__).with_name("0005_report_rollups.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _functions(zone_sql: str | None) -> None:
    """(Re)create the three rollup trigger functions; `zone_sql` None puts back 0005's own."""
    m = _rollups_0005()
    fixed = m.MONTH.split("AT TIME ZONE ", 1)[1].split(")", 1)[0]  # 0005's literal zone
    for kind in ("insert", "update", "delete"):
        body = m._apply(kind)
        declare, guard = "DECLARE changed bigint;", ""
        if zone_sql is not None:
            body = body.replace(f"AT TIME ZONE {fixed}", "AT TIME ZONE tz")
            declare += " tz text := (SELECT timezone FROM deployment);"
            rows = "old_rows" if kind == "delete" else "new_rows"
            # no profile, no local months: refuse to file issues rather than guess a zone
            guard = f"IF tz IS NULL THEN IF EXISTS (SELECT 1 FROM {rows}) THEN tz := {zone_sql}; END IF; RETURN NULL; END IF;"
        op.execute(f"""
        CREATE OR REPLACE FUNCTION report_rollups_{kind}() RETURNS trigger LANGUAGE plpgsql
        SET work_mem = '256MB'
        AS $$
        {declare}
        BEGIN {guard} {body} INTO changed;
            RETURN NULL;
        END $$;""")


def upgrade() -> None:
    op.execute("""
    CREATE TABLE deployment (
        id smallint PRIMARY KEY DEFAULT 1 CONSTRAINT ck_deployment_one_row CHECK (id = 1),
        name text NOT NULL CONSTRAINT ck_deployment_name CHECK (length(btrim(name)) > 0),
        name_en text NOT NULL,
        timezone text NOT NULL,
        metric_srid integer NOT NULL,
        -- `auto` without a centre: the UTM zone of the first streets imported decides, then this is false
        metric_srid_pending boolean NOT NULL DEFAULT false,
        ref_prefix text NOT NULL CONSTRAINT ck_deployment_ref_prefix CHECK (ref_prefix ~ '^[A-Z]{1,6}$'),
        service_area geometry(MultiPolygon, 4326),
        created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE FUNCTION deployment_zone() RETURNS text LANGUAGE plpgsql STABLE AS $$
    DECLARE tz text;
    BEGIN
        SELECT timezone INTO tz FROM deployment;
        IF tz IS NULL THEN
            RAISE EXCEPTION 'no deployment profile: run flask --app geo_app init-deployment (or load-demo)';
        END IF;
        RETURN tz;
    END $$;
    """)
    _functions("deployment_zone()")


def downgrade() -> None:
    _functions(None)
    op.execute("DROP FUNCTION deployment_zone(); DROP TABLE deployment;")

"""Declarative base with a naming convention so that migrations name constraints predictably."""

import os

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# The deployment's projected CRS for metric work (Wuzhou: UTM 49N). Fixed when the schema is created.
METRIC_SRID = int(os.environ.get("METRIC_SRID", "32649"))

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def metric(geom_col: str = "geom") -> str:
    """Return the SQL of a geometry transformed to the metric CRS (for generated columns)."""
    return f"ST_Transform({geom_col}, {METRIC_SRID})"

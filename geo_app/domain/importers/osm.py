"""Read the ways of an OpenStreetMap extract (.osm.pbf) with pyrosm, offline."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_app.domain.importers.geojson_layers import ImportFailed


def read_pbf(path: Path) -> gpd.GeoDataFrame:
    """Return the highway ways of a .osm.pbf as (source_id, name, highway, kind, geometry) in EPSG:4326."""
    import pyrosm

    try:
        with warnings.catch_warnings():
            # pyrosm and its dependencies warn about pandas/shapely internals; nothing we can act on
            warnings.simplefilter("ignore")
            ways = pyrosm.OSM(str(path)).get_network(network_type="all", nodes=False)
    except Exception as exc:  # pyrosm raises plain exceptions of several types for corrupt files
        raise ImportFailed(f"{Path(path).name}: file: not a readable OSM PBF extract ({exc})", "file") from None
    if ways is None or len(ways) == 0:
        return gpd.GeoDataFrame({"source_id": [], "name": [], "highway": [], "kind": []}, geometry=[], crs="EPSG:4326")
    # a way's footway=sidewalk / service=driveway… says what kind of highway it is
    kind = pd.Series(pd.NA, index=ways.index, dtype="object")
    for tag in ("footway", "service"):
        if tag in ways.columns:
            kind = kind.fillna(ways[tag])
    out = gpd.GeoDataFrame(
        {
            "source_id": ways["id"].astype("int64").astype(str),
            "name": ways["name"] if "name" in ways.columns else None,
            "highway": ways["highway"],
            "kind": kind,
        },
        geometry=ways.geometry.values,
        crs=ways.crs or "EPSG:4326",
    )
    return out.to_crs(4326) if out.crs and out.crs.to_epsg() != 4326 else out

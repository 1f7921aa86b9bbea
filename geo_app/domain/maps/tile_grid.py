"""Tile coordinates and the Web-Mercator cell grid shared by the live tile queries and the rollups.

A cell at level L is the Web-Mercator tile L/cx/cy; positions are Mercator centimetres (SQL functions
merc_x_cm / merc_y_cm / merc_cell_x / merc_cell_y of migration 0004), so a tile drawn from the rollups
and the same tile counted live from issues put the same issues in the same cells.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from geo_app.domain.errors import ValidationError

MIN_ZOOM, MAX_ZOOM = 12, 20
DETAIL_ZOOM = 15  # from here on, one feature per issue (staff) or per segment (public)
CELL_BITS = 4  # clusters below DETAIL_ZOOM: 2^4 = 16 × 16 cells a tile, level z + 4
HEAT_BITS = 3  # heat: 8 × 8 cells a tile (32 px at 256 px tiles)...
HEAT_FINEST_ZOOM = 15  # ...down to level 18 (about 140 m at Wuzhou), kept at higher zooms
ROLLUP_LEVEL = 17  # the finest level the rollups keep (migration 0004); finer cells are counted live
_INT = re.compile(r"\d{1,7}")


@dataclass(frozen=True)
class TileCoord:
    z: int
    x: int
    y: int

    def bounds(self) -> tuple[float, float, float, float]:
        """Return (west, south, east, north) in degrees."""
        n = 2**self.z

        def lat(yy: float) -> float:
            return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * yy / n))))

        return self.x / n * 360 - 180, lat(self.y + 1), (self.x + 1) / n * 360 - 180, lat(self.y)


def parse_coord(z: str, x: str, y: str) -> TileCoord:
    """Return the tile coordinate, refusing non-numbers, zooms out of range and x/y outside the grid."""
    values = {}
    for name, raw in (("z", z), ("x", x), ("y", y)):
        if not isinstance(raw, str) or not _INT.fullmatch(raw):
            raise ValidationError(f"{name}: must be a non-negative whole number, got {str(raw)[:20]!r}", name)
        values[name] = int(raw)
    if not MIN_ZOOM <= values["z"] <= MAX_ZOOM:
        raise ValidationError(f"z: zoom must be between {MIN_ZOOM} and {MAX_ZOOM}", "z")
    top = 2 ** values["z"] - 1
    for name in ("x", "y"):
        if values[name] > top:
            raise ValidationError(f"{name}: must be between 0 and {top} at zoom {values['z']}", name)
    return TileCoord(values["z"], values["x"], values["y"])


def cluster_level(z: int) -> int:
    """Return the cell level of the clusters of a tile at zoom z < DETAIL_ZOOM."""
    return z + CELL_BITS


def heat_level(z: int) -> int:
    """Return the cell level of the heat cells of a tile at zoom z."""
    return min(z, HEAT_FINEST_ZOOM) + HEAT_BITS


def cell_params(coord: TileCoord, level: int, ring: int = 0) -> dict[str, int]:
    """Return the bind parameters lvl, cx0, cx1, cy0, cy1 of the cells of the tile at `level`.

    `ring` adds that many cells around the tile (clusters near an edge also go in the neighbour's buffer);
    a tile finer than the level lies inside one cell.
    """
    if level >= coord.z:
        k = level - coord.z
        x0, y0 = coord.x << k, coord.y << k
        x1, y1 = ((coord.x + 1) << k) - 1, ((coord.y + 1) << k) - 1
    else:
        x0 = x1 = coord.x >> (coord.z - level)
        y0 = y1 = coord.y >> (coord.z - level)
    return {"lvl": level, "cx0": x0 - ring, "cx1": x1 + ring, "cy0": y0 - ring, "cy1": y1 + ring}

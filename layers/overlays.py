"""The maps' embedded layers: the offline base (communities, water, halls), team areas, coverage gaps
and overlaps, fire lanes, density clusters and hot/cold segments. Labels come through `t` (the caller's
gettext), so this module needs no Flask; every value shown is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import folium
import shapely
from markupsafe import Markup
from shapely.geometry import mapping, shape

from . import styles
from .base import escape_text as esc
from .geojson import Props, geojson_layer

Translate = Callable[[str], str]
# Names (or colours) looked up with a raw property value, which is None when the property is absent.
Names = Mapping[Any, str]
SIMPLIFY_DEG = 0.00002  # about 2 m: invisible at street zooms, and it keeps area outlines small
# Analysis results are embedded in the page: past these counts only the strongest are drawn, so that a
# city of a million issues still gives a page of a few hundred kB (the API has them all).
MAX_CLUSTERS, MAX_HOTCOLD = 200, 600


def _simplify(geometry: dict[str, Any]) -> dict[str, Any]:
    geom = shapely.set_precision(shape(geometry).simplify(SIMPLIFY_DEG, preserve_topology=True), 1e-6)
    simplified: dict[str, Any] = mapping(geom)  # shapely has no types
    return simplified


def _rows(*pairs: tuple[str, object]) -> Markup:
    return Markup("<br>").join(Markup("{}: {}").format(esc(label), esc(value)) for label, value in pairs)


def base_layers(m: folium.Map, communities: dict[str, Any], water: dict[str, Any], t: Translate) -> None:
    """Add the offline base map's community outlines (with names) and water areas."""
    geojson_layer(
        m,
        water,
        t("Water"),
        "water",
        lambda p: {"color": styles.WATER, "weight": 1, "fillColor": styles.WATER, "fillOpacity": 0.45},
        tooltip=lambda p: esc(p.get("name")),
        simplify=_simplify,
    )
    geojson_layer(
        m,
        communities,
        t("Communities"),
        "communities",
        lambda p: {
            "color": styles.COMMUNITY,
            "weight": 2,
            "dashArray": "6 4",
            "fillOpacity": 0.03,
            "fillColor": styles.COMMUNITY,
        },
        tooltip=lambda p: esc(p.get("name")),
        simplify=_simplify,
    )


def halls(m: folium.Map, fc: dict[str, Any], t: Translate, show: bool = True) -> None:
    """Add reception halls as circle markers with their name and address."""
    geojson_layer(
        m,
        fc,
        t("Reception halls"),
        "halls",
        lambda p: {"color": "#fff", "weight": 2, "fillColor": styles.HALL, "fillOpacity": 1},
        popup=lambda p: Markup("<b>{}</b><br>{}").format(esc(p.get("name")), esc(p.get("address"))),
        tooltip=lambda p: esc(p.get("name")),
        show=show,
        marker=folium.CircleMarker(radius=8, fill=True),
    )


def team_areas(m: folium.Map, fc: dict[str, Any], t: Translate, name: str | None = None) -> None:
    """Add each team's coverage area in its own colour, with segments, km, open and overdue issues."""
    colours = {
        f["properties"].get("code"): styles.team_colour(i)
        for i, f in enumerate(sorted(fc.get("features", []), key=lambda f: str(f["properties"].get("code"))))
    }
    geojson_layer(
        m,
        fc,
        name or t("Team areas"),
        "teams",
        lambda p: {
            "color": colours.get(p.get("code"), "#555"),
            "weight": 2,
            "fillOpacity": 0.18,
            "fillColor": colours.get(p.get("code"), "#555"),
        },
        popup=lambda p: Markup("<b>{}</b> ({})<br>{}").format(
            esc(p.get("name")),
            esc(p.get("code")),
            _rows(
                (t("Segments"), p.get("segments")),
                (t("Street km"), p.get("km")),
                *[(t(label), p[key]) for label, key in (("Open issues", "open"), ("Overdue", "overdue")) if key in p],
            ),
        ),
        tooltip=lambda p: esc(p.get("name")),
        simplify=_simplify,
    )


def coverage_gaps(m: folium.Map, uncovered: dict[str, Any], overlaps: dict[str, Any], t: Translate) -> None:
    """Add segments no team covers (red, dashed) and segments two or more teams cover (purple)."""
    geojson_layer(
        m,
        uncovered,
        t("Uncovered segments"),
        "uncovered",
        lambda p: {"color": styles.UNCOVERED, "weight": 7, "dashArray": "8 6", "opacity": 0.95},
        popup=lambda p: Markup("<b>{}</b> {}<br>{}").format(
            esc(p.get("street_name")), esc(p.get("code")), esc(t("No team covers this segment"))
        ),
    )
    geojson_layer(
        m,
        overlaps,
        t("Overlapping segments"),
        "overlaps",
        lambda p: {"color": styles.OVERLAP, "weight": 8, "opacity": 0.9},
        popup=lambda p: Markup("<b>{}</b> {}<br>{}: {}").format(
            esc(p.get("street_name")),
            esc(p.get("code")),
            esc(t("Teams")),
            esc(", ".join(map(str, p.get("teams") or []))),
        ),
    )


def fire_lanes(m: folium.Map, fc: dict[str, Any], t: Translate, status_names: Names) -> folium.GeoJson:
    """Add fire lanes coloured by status, with households and residents served and open blockages."""
    lane_colours: Names = styles.LANE_COLOURS
    return geojson_layer(
        m,
        fc,
        t("Fire lanes"),
        "lanes",
        lambda p: {"color": lane_colours.get(p.get("status"), "#555"), "weight": 7, "opacity": 0.9},
        popup=lambda p: Markup("<b>{}</b> {}<br>{}").format(
            esc(p.get("name")),
            esc(p.get("code")),
            _rows(
                (t("Status"), status_names.get(p.get("status"), p.get("status"))),
                (t("Households"), p.get("households")),
                (t("Residents"), p.get("residents")),
                (t("Compound"), p.get("compound") or "—"),
                (t("Open blockages"), p.get("open_blockages")),
            ),
        ),
        tooltip=lambda p: esc(p.get("name")),
    )


def density_clusters(m: folium.Map, fc: dict[str, Any], t: Translate, category_names: Names) -> folium.GeoJson:
    """Add density clusters as dashed outlines (the heat and segments under them stay readable), with their
    issue count and top categories; the outline is what answers a click."""

    def popup(p: Props) -> Markup:
        cats = ", ".join(
            f"{category_names.get(c.get('code'), c.get('code'))} {c.get('count')}"
            for c in p.get("categories") or []
            if isinstance(c, dict)
        )
        return Markup("<b>{} {}</b><br>{}").format(
            esc(p.get("count")),
            esc(t("issues")),
            _rows((t("Categories"), cats or "—"), (t("From"), p.get("first")), (t("To"), p.get("last"))),
        )

    strongest = sorted(fc.get("features", []), key=lambda f: -((f.get("properties") or {}).get("count") or 0))
    fc = {"type": "FeatureCollection", "features": strongest[:MAX_CLUSTERS]}
    return geojson_layer(
        m,
        fc,
        t("Density clusters"),
        "clusters",
        lambda p: {"color": styles.CLUSTER_OUTLINE, "weight": 2.5, "dashArray": "6 4", "fill": False},
        popup=popup,
        tooltip=lambda p: esc(f"{p.get('count')} {t('issues')}"),
        simplify=_simplify,
    )


def hot_cold_segments(m: folium.Map, fc: dict[str, Any], t: Translate, class_names: Names) -> folium.GeoJson:
    """Add street segments classed hot or cold by Gi* (segments of class `none` are not drawn)."""
    significant = [
        f for f in fc.get("features", []) if (f.get("properties") or {}).get("class") in styles.HOTCOLD_COLOURS
    ]
    significant.sort(key=lambda f: -abs(f["properties"].get("z") or 0))
    strongest = {"type": "FeatureCollection", "features": significant[:MAX_HOTCOLD]}
    return geojson_layer(
        m,
        strongest,
        t("Hot and cold segments"),
        "hotcold",
        lambda p: {"color": styles.HOTCOLD_COLOURS[p["class"]], "weight": 6, "opacity": 0.95},
        popup=lambda p: Markup("<b>{}</b><br>{}").format(
            esc(p.get("street_name")),
            _rows(
                (t("Class"), class_names.get(p.get("class"), p.get("class"))),
                (t("Issues"), p.get("count")),
                ("z", p.get("z")),
                ("p", p.get("p")),
                ("q (FDR)", p.get("p_fdr")),
            ),
        ),
    )

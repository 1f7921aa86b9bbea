"""The five map pages (SPEC 4): Folium maps from PostGIS, large layers as vector tiles.

Each view parses its filters, asks the domain for the small embedded layers, and lets layers/ build the
map; the page template puts Folium's header, map and script around a filter form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast
from urllib.parse import urlencode

from branca.element import Figure
from flask import Blueprint, current_app, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from folium import LayerControl, Map
from folium.map import FitBounds
from folium.plugins import LocateControl

from geo_app.domain.analysis import coverage, fire_lanes
from geo_app.domain.analysis.hotspots import query, ranking
from geo_app.domain.analysis.reports.report import area_choices
from geo_app.domain.maps import page_data
from geo_app.domain.maps.filters import scope_team_ids
from geo_app.domain.maps.page_data import MapFilters
from geo_app.extensions import db_session
from geo_app.vocab import CHIEF_MAP_ROLES, LANE_STATUS_LABELS, OPEN_STATUSES, PLANNER_ROLES, STATUS_LABELS
from geo_app.web import param_schemas as S
from geo_app.web import params
from geo_app.web.analysis.api import arg_optional_number
from geo_app.web.auth import page_route
from geo_app.web.hardening import with_nonce
from geo_app.web.maps import basemap
from geo_app.web.maps import schemas as MS
from geo_app.web.memo import remembered
from geo_app.web.static_assets import rewrite_static_links
from layers import overlays, styles
from layers.base import add_legend, make_map
from layers.tiles import MapConfig, tile_layer

# densities per hectare at the steps of styles.HEAT_RAMP
HEAT_LEGEND = ("< 0.3", "0.3 – 0.9", "0.9 – 2.7", "2.7 – 8", "8 – 24", "≥ 24")
HOTSPOT_ARGS = ("area", "radius", "min_size")  # the hotspots page's own arguments, beyond the common filters
bp = Blueprint("maps", __name__, url_prefix="/maps")
DEMO_CENTRE = (23.48, 111.28)


def _lang() -> str:
    return str(get_locale() or "zh")


def status_names() -> dict[str, str]:
    """Return the issue and fire-lane status names in the page's language."""
    return {code: _(text) for code, text in {**STATUS_LABELS, **LANE_STATUS_LABELS}.items()}


def _category_names(cats: list[dict[str, Any]]) -> dict[str, str]:
    key = "name_en" if _lang() == "en" else "name_zh"
    return {c["code"]: c[key] for c in cats}


def tile_url(layer: str, query: Mapping[str, str] | None = None) -> str:
    """Return the /tiles/<layer>/{z}/{x}/{y}.pbf template with the (validated) filters as query."""
    path = url_for("tiles.tile", layer=layer, z="Z", x="X", y="Y").replace("/Z/X/Y.pbf", "/{z}/{x}/{y}.pbf")
    return path + ("?" + urlencode(query) if query else "")


def _new_map(cats: list[dict[str, Any]], bounds: tuple[float, float, float, float] | None = None) -> Map:
    """Return a map on the offline base (communities, water, streets as tiles) fitted to `bounds`."""
    cfg = current_app.config
    m = make_map(
        DEMO_CENTRE,
        zoom_start=15,
        tile_url=cfg.get("TILE_URL"),
        attribution=cfg.get("TILE_ATTRIBUTION"),
        min_zoom=12,
        max_zoom=19,
    )
    if bounds:
        # no animation: an animated first fit draws every tile layer at the start zoom too (twice the requests)
        fit = FitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
        fit.options["animate"] = False
        m.add_child(fit)
    strings = {
        k: _(v)
        for k, v in (
            ("issues", "issues"),
            ("open", "Open the issue"),
            ("zoom", "Zoom in to see them one by one"),
            ("street", "Street"),
            ("segment", "Segment"),
            ("length", "Length (m)"),
            ("solved", "Solved issues"),
            ("last", "Latest solved"),
            ("density", "Issues per hectare"),
            ("reported", "Reported on"),
            ("overdue", "Overdue"),
            ("teams", "Teams"),
        )
    }
    MapConfig(
        {
            "statuses": status_names(),
            "categories": _category_names(cats),
            "strings": strings,
            "statusColours": styles.STATUS_COLOURS,
            "categoryColours": styles.category_colours([c["code"] for c in cats]),
            "heatRamp": styles.HEAT_RAMP,
            "issueBase": url_for("maps.chief").replace("/maps/chief", "/issues/"),
        }
    ).add_to(m)
    if cfg.get("TILE_URL"):  # a configured base map has no areas of ours: outline them on it
        overlays.base_layers(m, page_data.communities(db_session()), page_data.water(db_session()), _)
    else:  # the offline base map: water, areas, compounds, streets and halls with their names
        basemap.add_to(m)
    LocateControl(
        strings={"title": _("My location")},
        flyTo=True,
        icon="geo-locate-icon",
        iconLoading="geo-locate-icon geo-locate-busy",
    ).add_to(m)
    return m


def _streets(m: Map, highlight: str | None = None) -> None:
    tile_layer(m, tile_url("segments", {"team": highlight} if highlight else None), "segments", _("Streets"))


def _render(
    m: Map,
    title: str,
    form: dict[str, Any],
    filters: MapFilters | None,
    cats: list[dict[str, Any]],
    note: str | None = None,
    **extra: Any,
) -> str:
    LayerControl(collapsed=True).add_to(m)
    root = cast(Figure, m.get_root())  # a folium.Map always sits in a Figure
    root.render()
    return render_template(
        "maps/map.html",
        title=title,
        header=with_nonce(rewrite_static_links(current_app, root.header.render())),
        map_html=with_nonce(root.html.render()),
        script=root.script.render(),
        form=form,
        filters=filters,
        categories=cats,
        category_names=_category_names(cats),
        statuses=status_names(),
        note=note,
        **extra,
    )


def _status_legend(statuses: Iterable[str]) -> list[tuple[str, str]]:
    names = status_names()
    return [(styles.STATUS_COLOURS[s], names[s]) for s in statuses]


@bp.get("/chief")
@page_route(*CHIEF_MAP_ROLES)
@params.declare(query=MS.FiltersQuery)
def chief() -> ResponseReturnValue:
    """My segments: the team's area and streets, its open issues by status and category, lanes, halls."""
    f = page_data.parse_filters(db_session(), request.args)
    team_ids = scope_team_ids(db_session(), g.user, f.team_code)
    own = team_ids[0] if team_ids else None
    team = page_data.team(db_session(), own) if own else None
    cats = page_data.categories(db_session())
    m = _new_map(cats, page_data.extent(db_session(), own))
    if own is not None:  # every team's area is the coverage map's job (and costly at city scale)
        overlays.team_areas(m, page_data.team_areas(db_session(), own), _, _("Team area"))
    _streets(m, team["code"] if team else None)
    overlays.fire_lanes(m, fire_lanes.lanes(db_session()), _, status_names())
    overlays.halls(m, page_data.halls(db_session()), _)
    query = dict(f.query, team=team["code"]) if team else f.query
    issues = tile_layer(m, tile_url("issues", query), "issues", _("Open issues"))
    add_legend(
        m,
        _("Open issues"),
        _status_legend(OPEN_STATUSES)
        + [(styles.CLUSTER, _("Group of issues (zoom in)")), ("#0d47a1", _("Team streets"), "line")],
        issues,
    )
    title = _("My segments") + (f" · {team['name']}" if team else "")
    form = {
        "category": True,
        "status": OPEN_STATUSES,
        "period": True,
        "teams": page_data.teams(db_session()) if g.user.role in PLANNER_ROLES else None,
    }
    return _render(m, title, form, f, cats)


@bp.get("/hotspots")
@page_route(*PLANNER_ROLES)
@params.declare(query=MS.HotspotsMapQuery)
def hotspots_map() -> ResponseReturnValue:
    """Hotspots: density (heat), density clusters (DBSCAN) and hot/cold segments (Gi*), each with its own
    legend, a ranked list that zooms the map, what each method shows, and the DBSCAN parameters used."""
    f = page_data.parse_filters(db_session(), {k: v for k, v in request.args.items() if k not in HOTSPOT_ARGS}, ())
    area = request.args.get("area") or None
    radius, min_size = arg_optional_number("radius"), arg_optional_number("min_size", int)
    period: dict[str, Any] = {"category": f.category, "start": f.start, "end": f.end, "area": area}
    clusters = query.density_clusters(db_session(), radius, cast(int | None, min_size), **period)
    hotcold = query.hot_cold_segments(db_session(), **period)
    cats = page_data.categories(db_session())
    m = _new_map(cats, _district_extent())
    _streets(m)
    heat = tile_layer(m, tile_url("heat", f.query), "heat", _("Issue density"))
    names = _category_names(cats)
    classes = {
        "hot_99": _("Hot spot, p < 0.01"),
        "hot_95": _("Hot spot, p < 0.05"),
        "hot_90": _("Hot spot, p < 0.1"),
        "cold_90": _("Cold spot, p < 0.1"),
        "cold_95": _("Cold spot, p < 0.05"),
        "cold_99": _("Cold spot, p < 0.01"),
    }
    hot = overlays.hot_cold_segments(m, hotcold, _, classes)
    outlines = overlays.density_clusters(m, clusters, _, names)
    tile_layer(m, tile_url("issues", f.query), "issues", _("Open issues"), show=False)
    add_legend(
        m,
        _("Hot and cold segments (Gi*, FDR-adjusted)"),
        [(styles.HOTCOLD_COLOURS[k], v, "line") for k, v in classes.items()],
        hot,
    )
    add_legend(m, _("Density clusters (DBSCAN)"), [(styles.CLUSTER_OUTLINE, _("Cluster outline"), "outline")], outlines)
    add_legend(m, _("Issues per hectare"), list(zip(styles.HEAT_RAMP, HEAT_LEGEND, strict=True)), heat)
    used = clusters.get("parameters", {})
    form = {
        "category": True,
        "period": True,
        "areas": area_choices(db_session()),
        "area": area or "",
        "dbscan": {
            "radius": f"{used.get('radius', 0):g}",
            "min_size": used.get("min_size"),
            "radius_arg": request.args.get("radius", ""),
            "min_size_arg": request.args.get("min_size", ""),
        },
    }
    side = {
        "segments": ranking.hot_segments(hotcold),
        "clusters": ranking.largest_clusters(clusters),
        "parameters": used,
        "category_names": names,
        "colours": {**styles.HOTCOLD_COLOURS, "cluster": styles.CLUSTER_OUTLINE},
    }
    return _render(m, _("Hotspots"), form, f, cats, side="maps/hotspots_side.html", hotspots=side)


@bp.get("/fire-lanes")
@page_route(*CHIEF_MAP_ROLES)
@params.declare(query=MS.FireLanesMapQuery)
def fire_lanes_map() -> ResponseReturnValue:
    """Fire lanes by status with households and residents served, and blockage issues nearby."""
    lane_status = page_data.parse_lane_status(request.args.get("lane_status"))
    f = page_data.parse_filters(db_session(), {k: v for k, v in request.args.items() if k != "lane_status"})
    team_ids = scope_team_ids(db_session(), g.user, f.team_code)
    cats = page_data.categories(db_session())
    lanes = fire_lanes.lanes(db_session(), status=lane_status)
    m = _new_map(cats, _lanes_extent(lanes) or _district_extent())
    _streets(m)
    lanes_layer = overlays.fire_lanes(m, lanes, _, status_names())
    query = dict(f.query, blockage="1")
    if team_ids:
        team = page_data.team(db_session(), team_ids[0])
        assert team is not None  # scope_team_ids returns existing teams only
        query["team"] = team["code"]
    issues = tile_layer(m, tile_url("issues", query), "issues", _("Blockage issues"))
    names = status_names()
    add_legend(
        m, _("Fire lanes"), [(styles.LANE_COLOURS[s], names[s], "line") for s in styles.LANE_COLOURS], lanes_layer
    )
    add_legend(m, _("Blockage issues"), _status_legend(OPEN_STATUSES), issues)
    return _render(m, _("Fire lanes"), {"lane_status": lane_status or "", "period": True}, f, cats)


def _lanes_extent(fc: dict[str, Any]) -> tuple[float, float, float, float] | None:
    xs, ys = [], []
    for feature in fc["features"]:
        for lon, lat in feature["geometry"]["coordinates"]:
            xs.append(lon)
            ys.append(lat)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


@bp.get("/coverage")
@page_route(*PLANNER_ROLES)
@params.declare()
def coverage_map() -> ResponseReturnValue:
    """Team coverage: each team's area in its own colour, uncovered segments and overlaps."""
    cats = page_data.categories(db_session())
    m = _new_map(cats, _district_extent())
    _streets(m)
    overlays.team_areas(m, page_data.team_areas(db_session()), _)
    overlays.coverage_gaps(m, coverage.uncovered_segments(db_session()), coverage.overlapping_segments(db_session()), _)
    add_legend(
        m,
        _("Team coverage"),
        [(styles.team_colour(i), t["name"]) for i, t in enumerate(page_data.teams(db_session())[:10])]
        + [(styles.UNCOVERED, _("Uncovered segments")), (styles.OVERLAP, _("Overlapping segments"))],
    )
    return _render(m, _("Team coverage"), {}, None, cats)


@bp.get("/public")
@params.declare(query=S.MapQuery)
def public() -> ResponseReturnValue:
    """Solved issues for everyone: category and date, at their street segment; no personal data."""
    f = page_data.parse_filters(db_session(), request.args, statuses=())
    cats = page_data.categories(db_session())
    m = _new_map(cats, _district_extent())
    _streets(m)
    solved = tile_layer(m, tile_url("public", f.query), "public", _("Solved issues"))
    add_legend(
        m,
        _("Solved issues"),
        [
            (styles.STATUS_COLOURS["resolved"], _("Solved issues on a street segment")),
            ("#2e7d32", _("Group of issues (zoom in)")),
        ],
        solved,
    )
    return _render(
        m,
        _("What got fixed"),
        {"category": True, "period": True},
        f,
        cats,
        note=_("Solved issues are shown at the middle of their street segment, without names or details."),
        lookup=True,
    )


def _district_extent() -> tuple[float, float, float, float] | None:
    """Return the extent of every live segment (the first view of a district-wide map), remembered a while."""
    return remembered("district_extent", lambda: page_data.extent(db_session()))

"""Colours shared by the map layers and their legends (one place, so the legend matches the map)."""

from __future__ import annotations

from collections.abc import Iterable

STATUS_COLOURS = {
    "reported": "#e53935",
    "accepted": "#fb8c00",
    "dispatched": "#8e24aa",
    "in_progress": "#1e88e5",
    "resolved": "#43a047",
    "verified": "#2e7d32",
    "closed": "#607d8b",
    "rejected": "#9e9e9e",
    "duplicate": "#bdbdbd",
}
CATEGORY_PALETTE = (
    "#d81b60",
    "#8e24aa",
    "#3949ab",
    "#00897b",
    "#1e88e5",
    "#00acc1",
    "#7cb342",
    "#f4511e",
    "#6d4c41",
    "#fdd835",
)
LANE_COLOURS = {"blocked": "#d50000", "partly_blocked": "#ff9100", "clear": "#00c853"}
TEAM_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
# Purples for density, so that the hotspots page's three classifications never share a hue: heat in
# purples, hot/cold segments in red/blue, cluster outlines in near-black dashes.
HEAT_RAMP = ("#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1", "#54278f")
HOTCOLD_COLOURS = {
    "hot_99": "#b2182b",
    "hot_95": "#ef8a62",
    "hot_90": "#fddbc7",
    "cold_90": "#d1e5f0",
    "cold_95": "#67a9cf",
    "cold_99": "#2166ac",
}
UNCOVERED, OVERLAP = "#d50000", "#6a1b9a"
COMMUNITY, WATER, HALL, CLUSTER = "#8d6e63", "#64b5f6", "#00695c", "#c62828"
CLUSTER_OUTLINE = "#212121"


def category_colours(codes: Iterable[str]) -> dict[str, str]:
    """Return a colour per category code, stable for a given ordered list of codes."""
    return {code: CATEGORY_PALETTE[i % len(CATEGORY_PALETTE)] for i, code in enumerate(codes)}


def team_colour(index: int) -> str:
    """Return the colour of the team at `index` in a stable ordering."""
    return TEAM_PALETTE[index % len(TEAM_PALETTE)]

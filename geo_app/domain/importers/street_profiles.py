"""Which lines of a map are streets a chief answers for: profiles of highway classes, and why a way is dropped.

`drive` keeps the drivable network (the default for OSM input: a report about a road snaps to the road, not
to the sidewalk beside it); `walk` adds pedestrian streets and footways (the former default); `all` keeps
every line. Every dropped way is counted by its reason, and can be listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DRIVE = (
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
)
WALK = (*DRIVE, "pedestrian", "footway")
PROFILES: dict[str, tuple[str, ...] | None] = {"drive": DRIVE, "walk": WALK, "all": None}
# Sub-kinds that are parts of a street rather than streets (sidewalks, crossings, driveways).
SKIP_KINDS = ("sidewalk", "crossing", "driveway", "parking_aisle", "drive-through")


def drop_reasons(frame: pd.DataFrame, highways: tuple[str, ...] | None) -> pd.Series:
    """Return, per way, why it is dropped (None when kept): its highway class, or the street part it is."""
    reasons = pd.Series(None, index=frame.index, dtype=object)
    if highways is None or not frame["highway"].notna().any():
        return reasons
    highway = frame["highway"].astype(object)
    outside = ~highway.isin(highways).to_numpy()
    reasons[outside] = np.where(
        highway[outside].isna(), "no highway class", "highway=" + highway[outside].fillna("").astype(str)
    )
    part = ~outside & frame["kind"].isin(SKIP_KINDS).to_numpy()
    reasons[part] = "part of a street: " + frame["kind"][part].astype(str)
    return reasons


def summary(counts: dict[str, int], top: int = 8) -> str:
    """Return 'N ways: reason n, …' for the dropped ways, most frequent first."""
    total = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{reason} {n}" for reason, n in ranked[:top])
    more = f", {len(ranked) - top} more reasons" if len(ranked) > top else ""
    return f"dropped {total} ways: {shown}{more}" if total else "dropped 0 ways"

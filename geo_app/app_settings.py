"""Settings the domain needs, read from the running app's configuration (for routes and commands alike)."""
from __future__ import annotations

from flask import current_app


def intake_settings():
    """Return the intake settings (snap distance, reference prefix, fire-lane link distance) of the app."""
    from .domain.intake import IntakeSettings

    cfg = current_app.config
    return IntakeSettings(snap_max_m=cfg["SNAP_MAX_M"], ref_prefix=cfg["REF_PREFIX"],
                          fire_lane_link_m=cfg.get("FIRE_LANE_LINK_M", 30.0))

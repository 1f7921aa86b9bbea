"""The report page and the analysis API (hotspots, figures, coverage, fire lanes)."""

"""What the maps draw: vector tiles and their grid and rollups, map-page data and filters, public issues."""

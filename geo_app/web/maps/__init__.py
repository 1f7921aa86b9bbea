"""The map pages, their vector tiles and the public issues API."""

"""Folium layer builders: data in, map objects out (no database, no Flask)."""

"""Open311 GeoReport v2 routes under /open311/v2/."""

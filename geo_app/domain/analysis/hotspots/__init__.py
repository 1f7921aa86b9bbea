"""Hotspots: density clusters (DBSCAN in metres) and hot and cold street segments (Gi*)."""

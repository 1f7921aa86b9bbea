"""What the data says: hotspots (DBSCAN, Getis-Ord Gi*), team coverage, fire lanes and the district report."""

"""Open311 GeoReport v2 over the issues: services, requests and their JSON and XML documents."""

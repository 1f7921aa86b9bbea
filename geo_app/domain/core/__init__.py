"""What every part of the work shares: input validation, issue references, snapping to street segments,
GeoJSON output, accounts and permissions (who may do what)."""

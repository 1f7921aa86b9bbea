"""Issue tables (CSV) in: read and validate as columns, link to segments, write with COPY; the bulk path
sets indexes aside and computes the rollups in memory."""

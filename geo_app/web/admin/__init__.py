"""The admin area: the organisation's JSON API (admin writes, staff reads) and the /admin/ pages."""

"""The organisation as data: vocabularies (categories, departments, channels), places (areas, halls,
compounds), street-chief teams and users — validated, upserted on their codes, audited, read from and
written to files. Flask-free: the CLI, the JSON API, the admin pages and the demo all call this package."""

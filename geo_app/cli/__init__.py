"""The `flask` commands, one module per family: demo data, the report, imports and accounts."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """Attach the project's commands to the app's `flask` CLI."""
    from geo_app.cli import batches, demo, deployment, imports, organisation, report, users

    for module in (deployment, demo, report, imports, batches, organisation, users):
        for command in module.COMMANDS:
            app.cli.add_command(command)

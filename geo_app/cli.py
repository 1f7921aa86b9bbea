"""Flask commands: load-demo, report, create-user, import-*, synth."""
from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """Attach the project's commands to the app's `flask` CLI."""
    from . import cli_commands, cli_import

    for module in (cli_commands, cli_import):
        for command in module.COMMANDS:
            app.cli.add_command(command)

"""Flask commands: load-demo, report, create-user, import-*, synth."""
from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    """Attach the project's commands to the app's `flask` CLI."""
    from . import cli_commands

    for command in cli_commands.COMMANDS:
        app.cli.add_command(command)

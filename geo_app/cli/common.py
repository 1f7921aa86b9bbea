"""What every command shares: a refused request ends the command with its message and exit status 2."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

from geo_app.domain.errors import DomainError
from geo_app.extensions import db


def fail(err: DomainError) -> NoReturn:
    """Roll back, print the domain error's message on stderr and exit with status 2."""
    db.session.rollback()
    click.echo(f"error: {err.message}", err=True)
    sys.exit(2)

"""`flask import-batches list|undo`: what each issue import brought in, and taking one back."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from geo_app.cli.common import fail
from geo_app.domain.errors import DomainError
from geo_app.extensions import db, db_session


@click.group("import-batches")
def import_batches() -> None:
    """List issue imports (batches) and undo one."""


@import_batches.command("list")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@with_appcontext
def list_command(limit: int) -> None:
    """List the latest batches, newest first."""
    from geo_app.domain.core.localtime import zone
    from geo_app.domain.importers.issues.batches import list_batches

    rows = list_batches(db_session(), limit)
    db.session.rollback()
    if not rows:
        click.echo("no import batches")
        return
    click.echo("batch  when                       source        file  read inserted updated skipped rejected holds")
    for b in rows:
        when = b["created_at"].astimezone(zone()).isoformat(timespec="seconds")
        state = f"  undone {b['undone_at'].astimezone(zone()).isoformat(timespec='seconds')}" if b["undone_at"] else ""
        forced = " (forced)" if b["undo_forced"] else ""
        click.echo(
            f"{b['id']:<6} {when:<26} {b['source'] or '-':<13} {b['file_name']}  {b['read']} {b['inserted']} "
            f"{b['updated']} {b['skipped']} {b['rejected']} {b['holds']}{state}{forced}"
        )


@import_batches.command("undo")
@click.argument("batch", type=click.IntRange(1, 2**63 - 1))
@click.option("--force", is_flag=True, help="Undo even when later work touched its issues, removing that work too.")
@with_appcontext
def undo_command(batch: int, force: bool) -> None:
    """Remove the issues a batch added and put back the ones it updated; the rollups follow."""
    from geo_app.domain.importers.issues.batches import undo

    try:
        done = undo(db_session(), batch, force)
    except DomainError as err:
        fail(err)
    db.session.commit()
    click.echo(
        f"batch {done.batch_id} undone: {done.deleted} issues removed, {done.restored} restored"
        + (f", {done.later_work} records of later work removed" if done.later_work else "")
    )


COMMANDS = [import_batches]

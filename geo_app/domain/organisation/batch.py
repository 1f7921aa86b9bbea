"""Apply many organisation records at once, all or nothing: every rejected row is reported with its reason
(row and field), and if any is rejected nothing of the batch is stored."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from geo_app.domain.errors import DomainError, ValidationError
from geo_app.domain.organisation import store
from geo_app.domain.organisation.audit import Actor
from geo_app.domain.organisation.fields import ORDER, kind_named


@dataclass
class RowError:
    row: str  # "line 4" of a CSV, "feature 2" of a GeoJSON file
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"


class OrgImportFailed(ValidationError):
    """Rows were rejected; nothing was stored. `errors` lists every one."""

    code = "import_failed"

    def __init__(self, errors: list[RowError]) -> None:
        first = errors[0]
        super().__init__(
            f"{len(errors)} row(s) rejected, nothing stored; {first}",
            first.field,
            details={"rejected": [{"row": e.row, "field": e.field, "message": e.message} for e in errors]},
        )
        self.errors = errors


@dataclass
class Outcome:
    changed: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)


def apply(
    session: Session,
    rows: list[tuple[str, dict[str, Any]]],
    actor: Actor,
    default_password: str | None = None,
) -> Outcome:
    """Upsert every (row label, record) in dependency order; raise OrgImportFailed with every rejection."""
    errors: list[RowError] = []
    typed = []
    seen: set[tuple[str, str]] = set()
    for label, rec in rows:
        try:
            kind = kind_named(rec.get("kind"))
            key = store.parse_code(kind, rec.get("code"))
        except DomainError as exc:
            errors.append(RowError(label, exc.field, exc.message))
            continue
        if (kind.name, key) in seen:
            errors.append(RowError(label, "code", f"code: {kind.name} {key!r} appears twice in the file"))
            continue
        seen.add((kind.name, key))
        typed.append((ORDER.index(kind.name), _area_depth(rec), label, kind, rec))
    typed.sort(key=lambda t: (t[0], t[1]))  # stable: file order within a kind (parents first for areas)
    outcome = Outcome()
    batch = session.begin_nested()
    for _order, _depth, label, kind, rec in typed:
        try:
            with session.begin_nested():
                changed = store.upsert(session, kind, rec, actor, default_password=default_password)
        except DomainError as exc:
            errors.append(RowError(label, exc.field, exc.message))
            continue
        except DBAPIError as exc:  # a constraint the checks above did not foresee: still a row's reason
            errors.append(RowError(label, None, f"refused by the database ({str(exc.orig).splitlines()[0]})"))
            continue
        (outcome.changed if changed is not None else outcome.unchanged)[kind.plural] += 1
    if errors:
        batch.rollback()
        raise OrgImportFailed(errors)
    batch.commit()
    return outcome


def _area_depth(rec: dict[str, Any]) -> int:
    levels = ("district", "subdistrict", "community")
    level = rec.get("level")
    return levels.index(level) if level in levels else 0

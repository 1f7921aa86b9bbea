"""The Open311 service list is the deployment's active categories, with the Open311 fields an admin keeps.

A category without its own `service_code` is offered under its code; without a description or keywords,
under its names. Retired categories are no longer offered (their old requests still show their code).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo_app.domain.errors import NotFound
from geo_app.models import Category


def service_code(category: Category) -> str:
    """Return the code a category is offered under in Open311."""
    return category.service_code or category.code


def services(session: Session, lang: str) -> list[dict[str, Any]]:
    """Return one Open311 service per active category, in the language `lang` (zh or en)."""
    rows = session.execute(select(Category).where(Category.active).order_by(Category.code)).scalars()
    return [
        {
            "service_code": service_code(c),
            "service_name": c.name_en if lang == "en" else c.name_zh,
            "description": c.service_description or f"{c.name_zh} / {c.name_en}",
            "type": c.service_type,
            "keywords": c.service_keywords or ", ".join((c.code, c.name_zh, c.name_en)),
            "group": c.service_group or c.group_name or ("blocked access" if c.blocks_access else "street"),
        }
        for c in rows
    ]


def category_for(session: Session, code: str, field: str = "service_code") -> Category:
    """Return the active category offered under the service code `code`; NotFound otherwise."""
    offered_as = func.coalesce(Category.service_code, Category.code)
    found = session.execute(select(Category).where(Category.active, offered_as == code)).scalar()
    if found is None:
        raise NotFound(f"{field}: no service {code[:40]!r}", field)
    return found

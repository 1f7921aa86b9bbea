"""Publishing an issue: staff decide whether Open311 shows its description and media (never the reporter)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from geo_app.domain.errors import ValidationError
from geo_app.models import Issue, User

TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def publish(session: Session, issue: Issue, actor: User | None, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Set the issue's public flag from `public` (a boolean, or true/false from a form)."""
    value = params.get("public")
    if isinstance(value, str) and value.strip().lower() in TRUE + FALSE:
        value = value.strip().lower() in TRUE
    if not isinstance(value, bool):
        raise ValidationError("public: must be true or false", "public")
    issue.public = value
    return {"public": value}


HANDLERS = {"publish": publish}

"""Free-text parameters of actions (reasons and notes), checked the same way by every handler."""

from __future__ import annotations

from typing import Any

from geo_app.domain.core.validation import clean_text

REASON_MAX = 1000


def reason(params: dict[str, Any], field: str = "reason", required: bool = True) -> str | None:
    """Return the cleaned text of `params[field]`, required unless told otherwise."""
    return clean_text(params.get(field), field, REASON_MAX, required=required)

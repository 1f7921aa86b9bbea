"""A resident's own report (/report, channel `web`): the same intake as the reception hall, with what a
resident can answer instead of what a clerk can.

The point is refused like any intake (impossible, outside the service area); beyond the snap distance the
resident is asked to move the pin or say the problem is not on a street, and such a report waits in the
review queue like every unlinked issue. Contact details are kept for staff only. Each client address may
file a few reports an hour (no CAPTCHA service); a photo is checked before anything is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from geo_app.domain.core.quota import Quota
from geo_app.domain.workflow import intake, photos
from geo_app.models import Issue

NOT_ON_A_STREET = "resident (web): the problem is not on a street"
FIELDS = ("category", "description", "lon", "lat", "address", "reporter_name", "reporter_phone", "reporter_email")


@dataclass(frozen=True)
class ReportSettings:
    intake: intake.IntakeSettings
    photos: photos.PhotoSettings
    per_hour: int = 5  # reports per client address and hour


def file_report(
    session: Session,
    form: dict[str, Any],
    upload: photos.Upload | None,
    client: str | None,
    settings: ReportSettings,
    now: datetime | None = None,
) -> Issue:
    """Store a resident's report (and its photo); return the issue. Raises a DomainError, nothing stored."""
    now = now or datetime.now(UTC)
    image = photos.decode(upload.data, settings.photos, upload.filename) if upload else None
    Quota("report", settings.per_hour, timedelta(hours=1)).take(session, client, now)
    data = {k: form.get(k) or None for k in FIELDS} | {"channel": "web"}
    if form.get("not_on_street") in ("true", "on", "1"):
        data |= {"confirm_unlinked": True, "unlinked_reason": NOT_ON_A_STREET}
    issue = intake.create_issue(session, data, None, settings.intake, reported_at=now)
    if image is not None:
        photos.save(session, image, settings.photos, stage="before", issue=issue)
    return issue

"""Photos: checked, re-encoded without metadata (EXIF GPS included), thumbnailed, stored on disk by a name of
our own; the database keeps the facts. Staff in scope see them all; the public only published "after" ones."""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.domain.core import permissions
from geo_app.domain.errors import Forbidden, NotFound, ValidationError
from geo_app.models import Issue, IssueEvent, Photo, User
from geo_app.models.photo import PHOTO_STAGES

FORMATS = {"JPEG", "PNG", "WEBP"}
EDGE_MAX, THUMB_EDGE = 2048, 320


@dataclass(frozen=True)
class PhotoSettings:
    directory: Path
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000  # more is refused as a decompression bomb


def _decode(data: bytes, settings: PhotoSettings) -> Image.Image:
    if not data:
        raise ValidationError("file: a photo is required", "file")
    if len(data) > settings.max_bytes:
        raise ValidationError(f"file: at most {settings.max_bytes // (1024 * 1024)} MB", "file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(FORMATS))
            if image.width * image.height > settings.max_pixels:
                raise ValidationError("file: the image has too many pixels", "file")
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, SyntaxError):
        raise ValidationError("file: not a JPEG, PNG or WebP photo", "file") from None
    return image


def store_photo(
    session: Session,
    issue: Issue,
    actor: User,
    data: bytes,
    stage: object,
    public: object,
    settings: PhotoSettings,
    dispatch_id: int | None = None,
) -> Photo:
    """Check, clean and store one photo of the issue; return its row (an event records the upload)."""
    if not permissions.can_read_issue(session, actor, issue):
        raise Forbidden(f"you may not add photos to {issue.ref}", "ref")
    if stage not in PHOTO_STAGES:
        raise ValidationError("stage: before or after", "stage")
    if public not in (True, False, "true", "false", None, ""):
        raise ValidationError("public: true or false", "public")
    publish = public in (True, "true")
    if publish and stage != "after":
        raise ValidationError("public: only an 'after' photo can be published", "public")
    image = ImageOps.exif_transpose(_decode(data, settings)).convert("RGB")  # new pixels, no metadata kept
    image.thumbnail((EDGE_MAX, EDGE_MAX))
    name = f"{datetime.now(UTC):%Y%m}/{uuid.uuid4().hex}"
    target = settings.directory / f"{name}.jpg"
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, "JPEG", quality=85)
    thumb = image.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE))
    thumb.save(settings.directory / f"{name}.thumb.jpg", "JPEG", quality=80)
    photo = Photo(
        issue_id=issue.id,
        dispatch_id=dispatch_id,
        stage=str(stage),
        public=publish,
        path=f"{name}.jpg",
        thumb_path=f"{name}.thumb.jpg",
        width=image.width,
        height=image.height,
        bytes=target.stat().st_size,
        created_by=actor.id,
    )
    session.add(photo)
    session.flush()
    session.add(
        IssueEvent(
            issue_id=issue.id,
            actor_id=actor.id,
            action="photo",
            from_status=issue.status,
            to_status=issue.status,
            data={"photo_id": photo.id, "stage": photo.stage, "public": publish},
        )
    )
    session.flush()
    return photo


def readable_photo(session: Session, photo_id: int, user: User | None) -> Photo:
    """Return the photo if `user` may see it (staff in scope; anyone for a published 'after'); else 404."""
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound("no such photo", "id")
    if photo.public and photo.stage == "after":
        return photo
    issue = session.get(Issue, photo.issue_id)
    if issue is None or not permissions.can_read_issue(session, user, issue):
        raise NotFound("no such photo", "id")  # not 403: do not tell outsiders the photo exists
    return photo


def photos_of(session: Session, issue_id: int) -> list[dict[str, Any]]:
    """Return the issue's photos (id, stage, public, size, time), oldest first."""
    rows = session.execute(select(Photo).where(Photo.issue_id == issue_id).order_by(Photo.id)).scalars()
    return [
        {
            "id": p.id,
            "stage": p.stage,
            "public": p.public,
            "width": p.width,
            "height": p.height,
            "url": f"/photos/{p.id}",
            "thumb_url": f"/photos/{p.id}/thumb",
            "created_at": p.created_at,
        }
        for p in rows
    ]

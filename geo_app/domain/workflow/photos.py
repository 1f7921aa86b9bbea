"""Photos: checked, re-encoded without metadata (EXIF GPS included), thumbnailed, stored on disk by a name of
our own; the database keeps the facts. Staff in scope see them all; the public only published "after" ones."""

from __future__ import annotations

import io
import re
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo_app.domain.core import permissions
from geo_app.domain.errors import Forbidden, NotFound, ValidationError
from geo_app.models import Dispatch, Issue, IssueEvent, Photo, SiteVisit, User
from geo_app.models.photo import PHOTO_STAGES

FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}  # HEIF: the iPhone's HEIC, decoded by pillow-heif and stored as JPEG
EDGE_MAX, THUMB_EDGE = 2048, 320
NAME_MAX = 255
MAX_PER_FORM = 6
_NAME_TRICKS = re.compile(r"[/\\\x00-\x1f\x7f]|^\.|\.\.")

pillow_heif.register_heif_opener()


@dataclass(frozen=True)
class Upload:
    """A file sent with a form: its bytes and the name the client gave it (checked, never used)."""

    data: bytes
    filename: str | None


@dataclass(frozen=True)
class PhotoSettings:
    directory: Path
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000  # more is refused as a decompression bomb


def check_name(filename: object) -> None:
    """Refuse a client's file name that tries a path (separators, '..', control characters); it is never used."""
    if filename is None or filename == "":
        return
    if not isinstance(filename, str) or len(filename) > NAME_MAX or _NAME_TRICKS.search(filename):
        raise ValidationError("file: the file name must be a plain name, without a path", "file")


def decode(data: bytes, settings: PhotoSettings, filename: object = None) -> Image.Image:
    """Return the photo in `data` as new pixels without metadata; 400 naming `file` when it is not one."""
    check_name(filename)
    if not data:
        raise ValidationError("file: a photo is required", "file")
    if len(data) > settings.max_bytes:
        size = settings.max_bytes // (1024 * 1024)
        raise ValidationError(f"file: at most {size} MB", "file", msgid="Photo: at most %(n)d MB", params={"n": size})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(FORMATS))
            if image.width * image.height > settings.max_pixels:
                raise ValidationError("file: the image has too many pixels", "file")
            image.load()
            return ImageOps.exif_transpose(image).convert("RGB")  # new pixels, no metadata kept
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise ValidationError("file: not a JPEG, PNG, WebP or HEIC photo", "file") from None


def decode_all(uploads: list[Upload], settings: PhotoSettings) -> list[Image.Image]:
    """Decode every upload of a form before anything is stored: one bad file refuses them all."""
    if len(uploads) > MAX_PER_FORM:
        raise ValidationError(
            f"file: at most {MAX_PER_FORM} photos at once",
            "file",
            msgid="Photo: at most %(n)d photos at once",
            params={"n": MAX_PER_FORM},
        )
    return [decode(u.data, settings, u.filename) for u in uploads]


def save(
    session: Session,
    image: Image.Image,
    settings: PhotoSettings,
    *,
    stage: str,
    publish: bool = False,
    issue: Issue | None = None,
    site_visit_id: int | None = None,
    dispatch_id: int | None = None,
    actor: User | None = None,
) -> Photo:
    """Write a decoded photo and its thumbnail under names of our own; return its row (with an event on an issue)."""
    image.thumbnail((EDGE_MAX, EDGE_MAX))
    name = f"{datetime.now(UTC):%Y%m}/{uuid.uuid4().hex}"
    target = settings.directory / f"{name}.jpg"
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, "JPEG", quality=85)
    thumb = image.copy()
    thumb.thumbnail((THUMB_EDGE, THUMB_EDGE))
    thumb.save(settings.directory / f"{name}.thumb.jpg", "JPEG", quality=80)
    photo = Photo(
        issue_id=issue.id if issue else None,
        site_visit_id=site_visit_id,
        dispatch_id=dispatch_id,
        stage=stage,
        public=publish,
        path=f"{name}.jpg",
        thumb_path=f"{name}.thumb.jpg",
        width=image.width,
        height=image.height,
        bytes=target.stat().st_size,
        created_by=actor.id if actor else None,
    )
    session.add(photo)
    session.flush()
    if issue is not None:
        data = {"photo_id": photo.id, "stage": photo.stage, "public": publish}
        session.add(
            IssueEvent(
                issue_id=issue.id,
                actor_id=actor.id if actor else None,
                action="photo",
                from_status=issue.status,
                to_status=issue.status,
                data=data | ({"dispatch_id": dispatch_id} if dispatch_id else {}),
            )
        )
        session.flush()
    return photo


def store_photo(
    session: Session,
    issue: Issue,
    actor: User,
    data: bytes,
    stage: object,
    public: object,
    settings: PhotoSettings,
    dispatch_id: int | None = None,
    filename: object = None,
) -> Photo:
    """Check, clean and store one photo of the issue (or of one of its dispatches); return its row."""
    name = filename if isinstance(filename, str) else None
    return store_photos(session, issue, actor, [Upload(data, name)], stage, public, settings, dispatch_id)[0]


def store_photos(
    session: Session,
    issue: Issue,
    actor: User,
    uploads: list[Upload],
    stage: object,
    public: object,
    settings: PhotoSettings,
    dispatch_id: int | None = None,
) -> list[Photo]:
    """Check every upload, then store them all as photos of the issue (or of one of its dispatches)."""
    if not permissions.can_read_issue(session, actor, issue):
        raise Forbidden(f"you may not add photos to {issue.ref}", "ref")
    if stage not in PHOTO_STAGES:
        raise ValidationError("stage: before or after", "stage")
    if public not in (True, False, "true", "false", None, ""):
        raise ValidationError("public: true or false", "public")
    publish = public in (True, "true")
    if publish and stage != "after":
        raise ValidationError("public: only an 'after' photo can be published", "public")
    if dispatch_id is not None:
        dispatch = session.get(Dispatch, dispatch_id)
        if dispatch is None or dispatch.issue_id != issue.id:
            raise ValidationError("dispatch_id: not a dispatch of this issue", "dispatch_id")
    if not uploads:
        raise ValidationError("file: a photo is required", "file")
    images = decode_all(uploads, settings)
    return [
        save(
            session,
            image,
            settings,
            stage=str(stage),
            publish=publish,
            issue=issue,
            dispatch_id=dispatch_id,
            actor=actor,
        )
        for image in images
    ]


def readable_photo(session: Session, photo_id: int, user: User | None) -> Photo:
    """Return the photo if `user` may see it (staff in scope; anyone for a published 'after'); else 404."""
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound("no such photo", "id")
    if photo.public and photo.stage == "after" and photo.issue_id is not None:
        return photo
    if photo.site_visit_id is not None:
        if not can_see_site_visit(user, session.get(SiteVisit, photo.site_visit_id)):
            raise NotFound("no such photo", "id")
        return photo
    issue = session.get(Issue, photo.issue_id) if photo.issue_id is not None else None
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
            "dispatch_id": p.dispatch_id,
            "width": p.width,
            "height": p.height,
            "url": f"/photos/{p.id}",
            "thumb_url": f"/photos/{p.id}/thumb",
            "created_at": p.created_at,
        }
        for p in rows
    ]


def can_see_site_visit(user: User | None, visit: SiteVisit | None) -> bool:
    """Return True when `user` may see the site visit: an admin, or a member of the visit's team."""
    if user is None or visit is None:
        return False
    return user.role == "admin" or (user.team_id is not None and user.team_id == visit.team_id)


def site_visit_photos(session: Session, visit_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Return the photos of the given site visits, by visit id."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not visit_ids:
        return out
    rows = session.execute(select(Photo).where(Photo.site_visit_id.in_(visit_ids)).order_by(Photo.id)).scalars()
    for p in rows:
        assert p.site_visit_id is not None
        out.setdefault(p.site_visit_id, []).append(
            {"id": p.id, "url": f"/photos/{p.id}", "thumb_url": f"/photos/{p.id}/thumb"}
        )
    return out

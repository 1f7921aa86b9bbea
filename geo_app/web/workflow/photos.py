"""Photos: upload to an issue (JSON API, bearer token) and serve files and thumbnails with access checks."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from flask import Blueprint, current_app, flash, g, jsonify, redirect, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from geo_app.domain.errors import DomainError, ValidationError
from geo_app.domain.workflow import issue_view, photos
from geo_app.extensions import csrf, db, db_session
from geo_app.models import User
from geo_app.vocab import STAFF_ROLES
from geo_app.web import params
from geo_app.web.auth import api_route, page_route, token_user
from geo_app.web.errors import committed
from geo_app.web.workflow import schemas as S

bp = Blueprint("photos", __name__)


def photo_settings() -> photos.PhotoSettings:
    """Return where photos are kept and the upload limits (PHOTO_DIR, PHOTO_MAX_BYTES)."""
    cfg = current_app.config
    return photos.PhotoSettings(directory=Path(cfg["PHOTO_DIR"]), max_bytes=int(cfg["PHOTO_MAX_BYTES"]))


@bp.post("/api/issues/<ref>/photos")
@csrf.exempt
@api_route(*STAFF_ROLES)
@params.declare(form=S.PhotoForm)
def upload(ref: str) -> ResponseReturnValue:
    """Add a photo (multipart `file`, `stage=before|after`, `public=true|false`); 201 {id, url, thumb_url}."""
    issue = issue_view.readable_issue(db_session(), ref, g.user)
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError("file: a photo is required (multipart field 'file')", "file")
    data = upload.stream.read(photo_settings().max_bytes + 1)
    photo = photos.store_photo(
        db_session(),
        issue,
        g.user,
        data,
        request.form.get("stage"),
        request.form.get("public"),
        photo_settings(),
        filename=upload.filename,
    )
    db.session.commit()
    return jsonify({"id": photo.id, "url": f"/photos/{photo.id}", "thumb_url": f"/photos/{photo.id}/thumb"}), 201


def form_uploads(field: str = "file") -> list[photos.Upload]:
    """Return the files a page's form sent in `field` (empty file inputs skipped), each read up to the limit."""
    limit = photo_settings().max_bytes + 1
    return [
        photos.Upload(f.stream.read(limit), f.filename)
        for f in request.files.getlist(field)
        if f.filename or f.content_length
    ]


@bp.post("/issues/<ref>/photos")
@page_route(*STAFF_ROLES)
@params.declare(form=S.PhotoForm)
def page_upload(ref: str) -> ResponseReturnValue:
    """Add a photo from the issue page (before / after, published or not); back to the page with the outcome."""
    from geo_app.web.workflow.issue_pages import render_issue  # the page module imports this one

    issue = issue_view.readable_issue(db_session(), ref, g.user)
    files, form = form_uploads(), request.form
    stored = committed(
        lambda: photos.store_photos(
            db_session(), issue, g.user, files, form.get("stage"), form.get("public"), photo_settings()
        )
    )
    if isinstance(stored, DomainError):
        return render_issue(ref, stored, stored.http_status)
    flash(_("%(ref)s: %(n)d photos added", ref=ref, n=len(stored)), "ok")
    return redirect(url_for("issues.show", ref=ref, _anchor="photos"))


def _viewer() -> User | None:
    if current_user.is_authenticated:
        return cast(User, current_user._get_current_object())
    return token_user() if request.headers.get("Authorization") else None


@bp.get("/photos/<int:photo_id>")
@params.declare()
def show(photo_id: int) -> ResponseReturnValue:
    """Serve a photo to who may see it (404 otherwise)."""
    photo = photos.readable_photo(db_session(), photo_id, _viewer())
    return _send(photo.path)


@bp.get("/photos/<int:photo_id>/thumb")
@params.declare()
def thumb(photo_id: int) -> ResponseReturnValue:
    """Serve a photo's thumbnail to who may see it (404 otherwise)."""
    photo = photos.readable_photo(db_session(), photo_id, _viewer())
    return _send(photo.thumb_path)


def _send(relative: str) -> ResponseReturnValue:
    root = Path(current_app.config["PHOTO_DIR"]).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:  # paths are ours, but never serve outside the directory
        raise ValidationError("path: not a photo", "path")
    response = send_file(path, mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

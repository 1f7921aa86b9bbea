"""The deployment profile over the API: anyone reads it, an admin changes what may change."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, request
from flask.typing import ResponseReturnValue

from geo_app import profile as app_profile
from geo_app.domain.core import deployment
from geo_app.domain.errors import ValidationError
from geo_app.extensions import csrf, db, db_session
from geo_app.web import params
from geo_app.web.api.deployment_schemas import DeploymentBody
from geo_app.web.auth import api_route

bp = Blueprint("deployment_api", __name__)
csrf.exempt(bp)  # bearer tokens, not session cookies
log = logging.getLogger(__name__)


@bp.get("/api/deployment")
@params.declare()
def show() -> ResponseReturnValue:
    """Return the deployment profile: name, name_en, timezone, metric_srid, ref_prefix, bbox."""
    profile = deployment.load(db_session())  # fresh: the service area grows with the streets and areas imported
    if profile is None:
        return {"error": {"code": "no_deployment", "message": "no deployment profile yet", "field": None}}, 404
    return profile.as_json()


@bp.patch("/api/deployment")
@api_route("admin")
@params.declare(json=DeploymentBody)
def change() -> ResponseReturnValue:
    """Change the name, English name, reference prefix or Open311 default (admin); the rest says why not."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body:
        raise ValidationError(
            "body: a JSON object with name, name_en, ref_prefix or public_by_default is required", "body"
        )
    updated = deployment.update(db_session(), body)
    db.session.commit()
    log.info("deployment profile changed by %s: %s", g.user.username, sorted(body))
    app_profile.remember(current_app._get_current_object(), updated)  # type: ignore[attr-defined]
    return updated.as_json()

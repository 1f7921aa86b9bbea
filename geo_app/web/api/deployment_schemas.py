"""The parameter schema of PATCH /api/deployment (see geo_app.web.params), apart from the api package's
other schemas: deployment.update reads every key of the body and says why a fixed one cannot change."""

from __future__ import annotations

from pydantic import Field

from geo_app.web.params import Params


class DeploymentBody(Params):
    """PATCH /api/deployment: what may change (deployment.update checks lengths and the prefix's letters)."""

    name: str | None = Field(None, max_length=400)
    name_en: str | None = Field(None, max_length=400)
    ref_prefix: str | None = Field(None, max_length=60)
    public_by_default: bool | None = None

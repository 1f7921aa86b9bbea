"""The parameter schema of PATCH /api/deployment (see geo_app.web.params), apart from the api package's
other schemas: deployment.update reads every key of the body and says why a fixed one cannot change."""

from __future__ import annotations

from geo_app.web.params import Code, Codes, Params


class DeploymentBody(Params):
    """PATCH /api/deployment: what may change (deployment.update checks lengths and the prefix's letters)."""

    name: Codes | None = None
    name_en: Codes | None = None
    ref_prefix: Code | None = None
    public_by_default: bool | None = None

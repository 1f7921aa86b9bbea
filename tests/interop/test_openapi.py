"""The OpenAPI document: valid OpenAPI 3, covers SPEC 6, and a bounded schemathesis fuzz finds no 500."""

from __future__ import annotations

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate

SPEC6_PATHS = {
    "/api/token",
    "/api/categories",
    "/api/departments",
    "/api/teams",
    "/api/segments",
    "/api/fire-lanes",
    "/api/issues",
    "/api/issues/{ref}",
    "/api/issues/{ref}/actions",
    "/api/public/issues",
    "/api/stats",
    "/api/hotspots",
    "/tiles/{layer}/{z}/{x}/{y}.pbf",
    "/api/openapi.json",
    "/open311/v2/discovery.{format}",
    "/open311/v2/services.{format}",
    "/open311/v2/services/{service_code}.{format}",
    "/open311/v2/requests.{format}",
    "/open311/v2/requests/{service_request_id}.{format}",
    "/open311/v2/tokens/{token}.{format}",
}
EXAMPLES_PER_OPERATION = 12


def test_document_is_valid_openapi_and_covers_spec6(client):
    resp = client.get("/api/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    doc = resp.get_json()
    validate(doc)
    assert set(doc["paths"]) >= SPEC6_PATHS
    assert doc["paths"]["/api/issues/{ref}/actions"]["post"]["responses"].keys() >= {"409", "422", "403"}
    actions = doc["paths"]["/api/issues/{ref}/actions"]["post"]["requestBody"]["content"]["application/json"]
    assert set(actions["schema"]["properties"]["action"]["enum"]) >= {
        "accept",
        "dispatch",
        "acknowledge",
        "start",
        "resolve",
        "verify",
        "close",
        "reject",
        "merge",
        "set_due",
    }
    assert "http://" not in resp.get_data(as_text=True).replace("http://wiki.open311.org", "").replace(
        "http://localhost", ""
    )


def test_fuzzing_the_running_server_finds_no_server_error(live_server):
    doc = requests.get(f"{live_server}/api/openapi.json", timeout=10).json()
    token = requests.post(
        f"{live_server}/api/token", json={"username": "admin", "password": "demo-password"}, timeout=10
    ).json()["token"]
    schema = schemathesis.openapi.from_dict(doc)
    failures, calls = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            nonlocal calls
            calls += 1
            response = case.call(base_url=live_server, headers={"Authorization": f"Bearer {token}"}, timeout=20)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} → {response.status_code}")

        run()
    assert failures == [], failures[:10]
    assert calls >= len(SPEC6_PATHS)

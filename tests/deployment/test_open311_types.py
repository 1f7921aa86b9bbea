"""Open311 answers with exactly the content types validators compare: `text/xml`, `application/json`."""

from __future__ import annotations

import pytest

BASE = "/open311/v2"


@pytest.mark.parametrize("path", ["discovery", "services", "services/noise", "requests"])
def test_content_types_are_exact(client, path):
    for fmt, expected in (("xml", "text/xml"), ("json", "application/json")):
        res = client.get(f"{BASE}/{path}.{fmt}")
        assert res.status_code == 200, res.get_data(as_text=True)
        assert res.headers["Content-Type"] == expected
    xml = client.get(f"{BASE}/{path}.xml").data
    assert xml.startswith(b"<?xml") and b"utf-8" in xml[:60].lower()  # the encoding is in the document


def test_errors_have_exact_content_types_too(client):
    res = client.post(f"{BASE}/requests.xml", data={"service_code": "noise"})
    assert res.status_code == 403 and res.headers["Content-Type"] == "text/xml"


def test_discovery_carries_the_deployments_name(client):
    assert "大塘街道" in client.get(f"{BASE}/discovery.json").get_json()["contact"]
    assert "Datang Subdistrict" in client.get(f"{BASE}/discovery.json?lang=en").get_json()["contact"]

"""SPEC 6: every time in the JSON API is ISO 8601 with its offset. The answers of the JSON API (staff and
public issues, an issue's events, dispatches, photos and follow-ups, stats, the deployment, the organisation,
Open311's JSON) are walked, and every string that reads as a date and a time must carry its offset."""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image
from sqlalchemy import text

from tests.workflow.helpers import token, version_of

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
WITH_OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")
DEMO = "start=2020-05-01&end=2020-11-06"


def _times(value: Any, path: str = "$") -> list[tuple[str, str]]:
    """Return (where, value) of every string in a JSON value that reads as a date and a time."""
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in _times(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [t for k, v in enumerate(value) for t in _times(v, f"{path}[{k}]")]
    return [(path, value)] if isinstance(value, str) and TIME.match(value) else []


def _issue_with_everything(client, session, admin) -> str:
    """A demo issue with dispatches, a photo and a follow-up (each with its own times)."""
    ref = session.execute(
        text("""SELECT i.ref FROM issues i WHERE i.status = 'closed'
                AND EXISTS (SELECT 1 FROM dispatches d WHERE d.issue_id = i.id AND d.done_at IS NOT NULL)
                ORDER BY i.id LIMIT 1""")
    ).scalar_one()
    jpeg = io.BytesIO()
    Image.new("RGB", (40, 30), "olive").save(jpeg, "JPEG")
    res = client.post(
        f"/api/issues/{ref}/photos",
        data={"file": (io.BytesIO(jpeg.getvalue()), "after.jpg"), "stage": "after", "public": "true"},
        headers=admin,
    )
    assert res.status_code == 201, res.get_json()
    res = client.post(
        f"/api/issues/{ref}/actions",
        json={"action": "follow_up", "satisfaction": "satisfied", "method": "phone", "note": "ok",
              "version": version_of(session, ref)},
        headers=admin,
    )  # fmt: skip
    assert res.status_code == 200, res.get_json()
    return ref


def test_every_time_in_the_json_api_has_its_offset(client, session):
    admin = token(client, "admin")
    ref = _issue_with_everything(client, session, admin)
    detail = client.get(f"/api/issues/{ref}", headers=admin).get_json()
    props = detail["properties"]
    assert props["events"] and props["dispatches"] and props["photos"] and props["follow_ups"]
    public_ref = session.execute(text("SELECT ref FROM issues WHERE status = 'closed' ORDER BY id LIMIT 1")).scalar()
    answers = {
        "issue": detail,
        "issues": client.get(f"/api/issues?{DEMO}", headers=admin).get_json(),
        "unlinked": client.get("/api/issues?unlinked=true", headers=admin).get_json(),
        "public issues": client.get(f"/api/public/issues?{DEMO}").get_json(),
        "public issue": client.get(f"/api/public/issues/{public_ref}").get_json(),
        "stats": client.get(f"/api/stats?{DEMO}", headers=admin).get_json(),
        "deployment": client.get("/api/deployment").get_json(),
        "token": client.post("/api/token", json={"username": "planner", "password": "demo-password"}).get_json(),
        "hotspots": client.get(f"/api/hotspots?method=dbscan&{DEMO}", headers=admin).get_json(),
        "gistar": client.get(f"/api/hotspots?method=gistar&{DEMO}", headers=admin).get_json(),
        "search": client.get("/api/search?q=DT", headers=admin).get_json(),
        "fire lanes": client.get("/api/fire-lanes", headers=admin).get_json(),
        "open311 requests": client.get("/open311/v2/requests.json?start_date=2020-05-01T00:00:00Z").get_json(),
        "open311 request": client.get(f"/open311/v2/requests/{ref}.json").get_json(),
        "open311 discovery": client.get("/open311/v2/discovery.json").get_json(),
    }
    for kind in ("categories", "departments", "channels", "teams", "areas", "halls", "users"):
        answers[kind] = client.get(f"/api/{kind}", headers=admin).get_json()
    seen, bad = 0, []
    for name, answer in answers.items():
        assert answer is not None, name
        for where, value in _times(answer):
            seen += 1
            if not WITH_OFFSET.search(value):
                bad.append((name, where, value))
    assert not bad, bad[:10]
    assert seen > 50  # times were found: events, dispatches, photos, follow-ups, Open311 requests…

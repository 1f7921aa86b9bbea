"""Load the 大塘街道 demo from data/demo: geography, organisation, visits, issues and their histories.

Idempotent: everything is matched on natural keys, and only issues imported by this run get their
history replayed, through the same workflow engine that the app uses.
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, select, text
from sqlalchemy.orm import Session

from geo_app.domain.core import accounts
from geo_app.domain.core.validation import parse_datetime
from geo_app.domain.importers import geography
from geo_app.domain.importers.issues import csv_import
from geo_app.domain.organisation import batch, files
from geo_app.domain.organisation.audit import Actor
from geo_app.domain.workflow import actions
from geo_app.domain.workflow.intake import IntakeSettings
from geo_app.models import ApiKey, FireLane, FireLaneStatusEvent, Issue, User

log = logging.getLogger(__name__)
DEMO_PASSWORD = "demo-password"
DEMO_ACTOR = Actor(None, "demo")


def profile_name(demo_dir: Path) -> str:
    """Return the place name of the demo's deployment profile (deployment.json)."""
    spec = json.loads((Path(demo_dir) / "deployment.json").read_text(encoding="utf-8"))
    return str(spec["name"])


def load_demo(session: Session, demo_dir: Path, settings: IntakeSettings) -> dict[str, int]:
    """Load every demo file; return what was inserted. The caller commits."""
    demo_dir = Path(demo_dir)
    org_dir = demo_dir / "org"
    counts: dict[str, int] = {}
    # the organisation goes through `import-org`'s code path; streets and fire lanes sit between its files
    # because teams name segments and fire lanes name compounds
    _load_org(session, org_dir, ("channels.csv", "departments.csv", "categories.csv", "areas.geojson"), counts)
    counts["water"] = geography.load_water(session, demo_dir / "water.geojson")
    counts["segments"] = geography.load_streets(session, demo_dir / "streets.geojson")
    _load_org(session, org_dir, ("halls.geojson", "compounds.geojson"), counts)
    counts["fire_lanes"] = geography.load_fire_lanes(session, demo_dir / "fire_lanes.geojson")
    _load_org(session, org_dir, ("teams.geojson", "users.csv"), counts)
    org = json.loads((demo_dir / "organisation.json").read_text(encoding="utf-8"))
    _load_api_keys(session, org)
    counts["visits"] = _load_visits(session, demo_dir / "visits.csv")
    existing = set(session.execute(select(Issue.ref)).scalars())
    result = csv_import.import_issues(session, demo_dir / "issues.csv", settings)
    if result.rejected:
        first = result.rejected[0]
        raise ValueError(f"issues.csv line {first.line}: {first.message} ({len(result.rejected)} rejected)")
    counts["issues"] = result.inserted
    counts["events"] = _replay_events(session, demo_dir / "issue_events.csv", existing)
    counts["lane_changes"] = _load_lane_history(session, demo_dir / "fire_lane_history.csv")
    return counts


def _load_org(session: Session, org_dir: Path, names: tuple[str, ...], counts: dict[str, int]) -> None:
    for name in names:
        outcome = batch.apply(session, files.read(org_dir / name), DEMO_ACTOR, default_password=DEMO_PASSWORD)
        for kind, n in outcome.changed.items():
            counts[kind] = counts.get(kind, 0) + n


def _load_api_keys(session: Session, org: dict[str, Any]) -> None:
    for k in org.get("open311_keys", []):
        if not session.execute(select(ApiKey.id).where(ApiKey.label == k["label"])).first():
            accounts.add_api_key(session, k["label"], k["key"])


def _load_visits(session: Session, path: Path) -> int:
    halls: dict[str, int] = dict(session.execute(text("SELECT code, id FROM reception_halls")).all())
    with open(path, newline="", encoding="utf-8") as f:
        rows = [
            {
                "code": r["code"],
                "hall": halls[r["hall_code"]],
                "at": parse_datetime(r["visited_at"], "visited_at"),
                "people": int(r["people"]),
                "topics": r.get("topics") or None,
            }
            for r in csv.DictReader(f)
        ]
    return sum(
        cast(
            CursorResult[Any],
            session.execute(
                text("""
        INSERT INTO visits (code, hall_id, visited_at, people, topics) VALUES (:code, :hall, :at, :people, :topics)
        ON CONFLICT (code) DO NOTHING"""),
                row,
            ),
        ).rowcount
        for row in rows
    )


def _replay_events(session: Session, path: Path, skip_refs: set[str]) -> int:
    users = {u.username: u for u in session.execute(select(User)).scalars()}
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["ref"] not in skip_refs]
    rows.sort(key=lambda r: (r["ref"], int(r["seq"])))
    for r in rows:
        actions.apply_action(
            session,
            r["ref"],
            r["action"],
            users[r["actor"]],
            json.loads(r["params"] or "{}"),
            expected_version=None,
            at=parse_datetime(r["at"], "at"),
        )
    return len(rows)


def _load_lane_history(session: Session, path: Path) -> int:
    lanes = {lane.code: lane for lane in session.execute(select(FireLane)).scalars()}
    has_history = set(session.execute(select(FireLaneStatusEvent.fire_lane_id).distinct()).scalars())
    # keyed by username, looked up with r.get("actor"): None when the file has no actor column
    users: dict[str | None, int] = dict(session.execute(text("SELECT username, id FROM users")).all())
    with open(path, newline="", encoding="utf-8") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: (r["lane_code"], r["at"]))
    added = 0
    for r in rows:
        lane = lanes[r["lane_code"]]
        if lane.id in has_history:
            continue
        session.add(
            FireLaneStatusEvent(
                fire_lane_id=lane.id,
                at=parse_datetime(r["at"], "at"),
                from_status=r["from_status"],
                to_status=r["to_status"],
                actor_id=users.get(r.get("actor")),
                note=r.get("note") or None,
            )
        )
        lane.status = r["to_status"]
        added += 1
    session.flush()
    return added

"""Organisation files: a CSV (categories, departments, channels, users, teams without a drawn area) or a
GeoJSON FeatureCollection (areas, halls, compounds, teams), the kind in a `kind` column or property, then
`code`, `name_zh`, `name_en` and the kind's own fields. `export` writes the same files back, one per kind.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from geo_app.domain.errors import ValidationError
from geo_app.domain.organisation import snapshots
from geo_app.domain.organisation.fields import KINDS, ORDER, Kind

MAX_BYTES = 200 * 1024 * 1024
CSV_KINDS = ("channel", "department", "category", "user")  # the rest carry geometry: GeoJSON
LIST_FIELDS = ("departments", "segments")


def read(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """Return (row label, record) for every row or feature of an organisation file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValidationError(f"file: larger than {MAX_BYTES // 2**20} MiB", "file")
        raw = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"file: not a readable UTF-8 file ({exc})", "file") from None
    return parse(raw, path.suffix.lower())


def parse(raw: str, suffix: str) -> list[tuple[str, dict[str, Any]]]:
    """Return the rows of an organisation file's text (`suffix`: .csv, .geojson or .json)."""
    if suffix in (".geojson", ".json"):
        return _features(raw)
    if suffix == ".csv":
        return _csv_rows(raw)
    raise ValidationError("file: a .csv or .geojson file is required", "file")


def _csv_rows(raw: str) -> list[tuple[str, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(raw))
    if not reader.fieldnames or "kind" not in reader.fieldnames or "code" not in reader.fieldnames:
        raise ValidationError("file: the CSV needs a header with `kind` and `code` columns", "file")
    rows = []
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise ValidationError(f"line {line}: more cells than columns", "file")
        rows.append((f"line {line}", {k: v for k, v in row.items() if v is not None and v.strip() != ""}))
    return rows


def _features(raw: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise ValidationError(f"file: not JSON ({exc})", "file") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise ValidationError("file: a GeoJSON FeatureCollection is required", "file")
    rows = []
    for i, feature in enumerate(doc["features"]):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            raise ValidationError(f"feature {i}: properties: an object is required", "properties")
        rows.append((f"feature {i}", {**props, "geometry": feature.get("geometry")}))
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return json.dumps(value, ensure_ascii=False)
        return ";".join(str(v) for v in value)
    return str(value)


def to_csv(kind: Kind, records: list[dict[str, Any]]) -> str:
    """Return the records of one kind as the CSV `import-org` reads."""
    out = io.StringIO()
    columns = ["kind", *(c for c in kind.columns if c != "password")]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for rec in records:
        writer.writerow([kind.name, *(_cell(rec.get(c)) for c in columns[1:])])
    return out.getvalue()


def to_geojson(kind: Kind, records: list[dict[str, Any]]) -> str:
    """Return the records of one kind as the GeoJSON FeatureCollection `import-org` reads."""
    features = [
        {
            "type": "Feature",
            "properties": {"kind": kind.name, **{c: rec.get(c) for c in kind.columns}},
            "geometry": rec.get("geometry"),
        }
        for rec in records
    ]
    # one feature a line: readable diffs, and no indentation inflating long coordinate lists
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    return f'{{"type":"FeatureCollection","name":"{kind.plural}","features":[\n{lines}\n]}}\n'


def export(session: Session, directory: Path) -> list[Path]:
    """Write one file per kind into `directory` (created if needed); return their paths in import order."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ORDER:
        kind = KINDS[name]
        records = snapshots.records(session, kind)
        if name in CSV_KINDS:
            path, body = directory / f"{kind.plural}.csv", to_csv(kind, records)
        else:
            path, body = directory / f"{kind.plural}.geojson", to_geojson(kind, records)
        path.write_text(body, encoding="utf-8")
        written.append(path)
    return written

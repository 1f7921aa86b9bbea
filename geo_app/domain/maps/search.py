"""The map search box: streets, compounds, halls, areas, segment codes and issue references, ranked.

Names are matched in `search_names` (one row per distinct name, migration 0016): the Chinese name by
prefix or substring (`银湖` → 银湖南路), or its pinyin keys by prefix (`yhnl`, `yh`, `yinhu`). The matching
names are then joined back to the tables they name for their extent. Segment codes and issue references
match by prefix through their pattern indexes. Anonymous callers find streets, compounds and halls only;
issue references are searched within the caller's scope and carry no personal data (reference, category,
street).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo_app.domain.core import permissions
from geo_app.domain.errors import ValidationError
from geo_app.models import User

Q_MAX = 60
LIMIT_MAX = 20
NAME_CANDIDATES = 40
# ties between equally good matches: the kinds a clerk most often looks for first
KIND_ORDER = {"street": 0, "compound": 1, "hall": 2, "area": 3, "segment": 4, "issue": 5}
_KEY = re.compile(r"[a-z0-9]+")


def parse_query(raw: object, limit_raw: object = None) -> tuple[str, int]:
    """Return the cleaned query and the result limit; 400 naming `q` or `limit` when unusable."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError("q: type a street, compound, hall, segment code or issue reference", "q")
    q = " ".join(raw.split())
    if len(q) > Q_MAX:
        raise ValidationError(f"q: at most {Q_MAX} characters", "q")  # catalogued with the number
    if any(ord(c) < 32 for c in q):
        raise ValidationError("q: contains control characters", "q")
    limit = 10
    if limit_raw not in (None, ""):
        if (
            not isinstance(limit_raw, str)
            or not re.fullmatch(r"[0-9]{1,2}", limit_raw)
            or not 1 <= int(limit_raw) <= LIMIT_MAX
        ):
            raise ValidationError(f"limit: a whole number from 1 to {LIMIT_MAX}", "limit")
        limit = int(limit_raw)
    return q, limit


def _like(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _bbox(row: Any) -> list[float]:
    return [round(float(v), 6) for v in (row.w, row.s, row.e, row.n)]


_EXTENT = "ST_XMin(e) AS w, ST_YMin(e) AS s, ST_XMax(e) AS e, ST_YMax(e) AS n"


def _names(session: Session, q: str) -> dict[str, int]:
    """Return matching names and how well each matches (0 exact, 1 prefix or whole pinyin, 2, 3 partial)."""
    key = q.lower().replace(" ", "")
    key = key if _KEY.fullmatch(key) else ""
    rows = session.execute(
        text(r"""
        SELECT name, CASE
            WHEN name = :q THEN 0
            WHEN name LIKE :pre ESCAPE '\' THEN 1
            WHEN :key <> '' AND (' ' || keys || ' ') LIKE :kword ESCAPE '\' THEN 1
            WHEN :key <> '' AND (' ' || keys) LIKE :kpre ESCAPE '\' THEN 2
            ELSE 3 END AS rank
        FROM search_names
        WHERE name LIKE :sub ESCAPE '\' OR (:key <> '' AND (' ' || keys) LIKE :kpre ESCAPE '\')
        ORDER BY rank, char_length(name), name LIMIT :n"""),
        {
            "q": q,
            "pre": _like(q) + "%",
            "sub": "%" + _like(q) + "%",
            "key": key,
            "kword": "% " + _like(key) + " %",
            "kpre": "% " + _like(key) + "%",
            "n": NAME_CANDIDATES,
        },
    )
    return {r.name: r.rank for r in rows}


# kind -> (label, code, detail, extent, weight) of the rows named in :names
_PLACES = {
    "street": """SELECT street_name, street_name, NULL, ST_Extent(geom), sum(length_m) FROM street_segments
                 WHERE street_name = ANY(:names) AND retired_at IS NULL GROUP BY street_name""",
    "compound": "SELECT name, name, NULL, geom::box2d, 0 FROM compounds WHERE name = ANY(:names)",
    "hall": "SELECT name, code, address, geom::box2d, 0 FROM reception_halls WHERE name = ANY(:names)",
    "area": "SELECT name, code, NULL, geom::box2d, 0 FROM admin_areas WHERE name = ANY(:names)",
}


def _places(session: Session, names: dict[str, int], staff: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for kind, sql in _PLACES.items():
        if not names or (kind == "area" and not staff):
            continue
        rows = session.execute(
            text(f"SELECT label, code, detail, weight, {_EXTENT} FROM ({sql}) AS q(label, code, detail, e, weight)"),
            {"names": list(names)},
        )
        for r in rows:
            place = {"kind": kind, "label": r.label, "code": r.code, "bbox": _bbox(r), "rank": names[r.label]}
            out.append(place | {"weight": float(r.weight)} | ({"detail": r.detail} if r.detail else {}))
    return out


def _segments(session: Session, q: str) -> list[dict[str, Any]]:
    code = q.upper().replace(" ", "")
    rows = session.execute(
        text(rf"""SELECT code, street_name, {_EXTENT} FROM (
                    SELECT code, street_name, geom::box2d AS e FROM street_segments
                    WHERE upper(code) LIKE :pre ESCAPE '\' AND retired_at IS NULL
                    ORDER BY upper(code) LIMIT 10) q"""),
        {"pre": _like(code) + "%"},
    )
    return [
        {
            "kind": "segment",
            "label": f"{r.street_name} {r.code}",
            "code": r.code,
            "detail": r.street_name,
            "bbox": _bbox(r),
            "rank": 0 if r.code.upper() == code else 2,
        }
        for r in rows
    ]


def _issues(session: Session, q: str, user: User, lang: str) -> list[dict[str, Any]]:
    ref = q.upper().replace(" ", "")
    if len(ref) < 3 or not any(c.isdigit() for c in ref):
        return []  # a reference always has digits; a short prefix would list half the issues
    scope, params = permissions.scope_sql(user)
    name = "c.name_en" if lang == "en" else "c.name_zh"
    rows = session.execute(
        text(rf"""SELECT i.ref, {name} AS category, s.street_name, ST_X(i.geom) AS x, ST_Y(i.geom) AS y
                  FROM issues i JOIN categories c ON c.code = i.category
                  LEFT JOIN street_segments s ON s.id = i.segment_id
                  WHERE i.ref LIKE :pre ESCAPE '\' AND {scope} ORDER BY i.ref LIMIT 5"""),
        {**params, "pre": _like(ref) + "%"},
    )
    return [
        {
            "kind": "issue",
            "label": r.ref,
            "ref": r.ref,
            "detail": " · ".join(v for v in (r.category, r.street_name) if v),
            "bbox": [round(r.x, 6), round(r.y, 6), round(r.x, 6), round(r.y, 6)],
            "rank": 0 if r.ref == ref else 2,
        }
        for r in rows
    ]


def search(session: Session, q: str, user: User | None, limit: int = 10, lang: str = "zh") -> list[dict[str, Any]]:
    """Return up to `limit` places matching `q`, best first: [{kind, label, code|ref, bbox, detail?}]."""
    staff = user is not None
    found = _places(session, _names(session, q), staff)
    if staff:
        assert user is not None
        found += _segments(session, q) + _issues(session, q, user, lang)
    # equally good matches: by kind, then the longer street (the main road before its side streets)
    found.sort(key=lambda r: (r["rank"], KIND_ORDER[r["kind"]], -r.get("weight", 0), len(r["label"]), r["label"]))
    for r in found:
        r.pop("rank")
        r.pop("weight", None)
    return found[:limit]

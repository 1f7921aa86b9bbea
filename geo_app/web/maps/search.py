"""GET /api/search?q=: the map pages' search box (streets, compounds, halls, segments, issue references).

Open to anyone (anonymous callers find streets, compounds and halls only); a signed-in page's box sends
its session cookie, a client its Bearer token, and then finds segments and the issues in its scope.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from geo_app.domain.maps import search, search_keys
from geo_app.extensions import db_session
from geo_app.web import param_schemas as S
from geo_app.web import params
from geo_app.web.auth import viewer

bp = Blueprint("search", __name__)


@bp.get("/api/search")
@params.declare(query=S.SearchQuery)
def search_places() -> ResponseReturnValue:
    """Return the ranked matches of `q`: [{kind, label, code|ref, bbox, detail?}]; 400 naming the field."""
    q, limit = search.parse_query(request.args.get("q"), request.args.get("limit"))
    user = viewer()
    session = db_session()
    if search_keys.pending(session):  # names added since the last search (imports, new streets) get keys once
        search_keys.fill_pending(session)
        session.commit()
    found = search.search(session, q, user, limit, str(get_locale() or "zh"))
    response = jsonify(found)
    response.headers["Cache-Control"] = "private, max-age=60" if user else "public, max-age=300"
    response.vary.add("Cookie")
    response.vary.add("Authorization")
    return response

"""Fresh migrated databases without a deployment profile: a new place is set up from there."""

from __future__ import annotations

import uuid

import pytest

from geo_app.extensions import db
from geo_app.testing import RUN, create_database, drop_database, make_app, migrate_and_load


@pytest.fixture()
def bare_db():
    """Return (name, url) of a migrated database with no deployment profile (dropped after the test)."""
    name = f"geo_app_test_{RUN}_dep_{uuid.uuid4().hex[:6]}"
    url = create_database(name)
    migrate_and_load(url, demo=False, profile=False)
    yield name, url
    drop_database(name)


@pytest.fixture()
def bare_app(bare_db):
    """The app on a bare database; its engine is let go of after the test."""
    application = make_app(bare_db[1])
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()

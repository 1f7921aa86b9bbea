"""Fixtures shared by the workflow tests."""

import pytest


@pytest.fixture()
def photo_dir(app, tmp_path):
    """Keep the test's photos in a directory of their own (checked for leftovers by the tests)."""
    saved = app.config["PHOTO_DIR"]
    app.config["PHOTO_DIR"] = tmp_path
    yield tmp_path
    app.config["PHOTO_DIR"] = saved

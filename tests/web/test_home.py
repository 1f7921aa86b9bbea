"""The app factory and the front page."""

from geo_app import create_app


def test_factory_builds_an_app_with_its_parts(app):
    assert app.testing
    assert {"home"} <= set(app.blueprints)
    commands = set(app.cli.list_commands(None))
    assert {"db", "load-demo", "report", "create-user", "import-issues"} <= commands


def test_factory_takes_config_over_the_environment(template_db):
    from geo_app.testing import db_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url(template_db), "SNAP_MAX_M": 25.0})
    assert app.config["SNAP_MAX_M"] == 25.0 and app.config["METRIC_SRID"] == 32649


def test_front_page_says_what_it_is(client):
    page = client.get("/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "街长制" in body and "http://" not in body and "https://" not in body


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}

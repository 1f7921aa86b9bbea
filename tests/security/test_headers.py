"""Security headers on pages and API answers; no-store wherever personal data may travel."""

from __future__ import annotations

import re

import pytest

from tests.workflow.helpers import login, token


@pytest.mark.parametrize("path", ["/", "/login", "/maps/public", "/api/public/issues", "/api/deployment"])
def test_every_answer_carries_the_security_headers(client, path):
    res = client.get(path)
    csp = res.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    assert res.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert res.headers["X-Content-Type-Options"] == "nosniff"
    assert res.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_each_request_gets_its_own_nonce(client):
    first = client.get("/login").headers["Content-Security-Policy"]
    second = client.get("/login").headers["Content-Security-Policy"]
    assert first != second


def test_staff_pages_and_api_answers_are_not_stored(client):
    login(client, "chief")
    assert client.get("/work").headers["Cache-Control"] == "no-store"
    assert client.get("/api/issues", headers=token(client, "chief")).headers["Cache-Control"] == "no-store"
    assert client.get("/issues/DT-2020-00001").headers["Cache-Control"] == "no-store"


def test_public_answers_may_be_cached(client):
    assert client.get("/api/public/issues").headers.get("Cache-Control") != "no-store"


def test_map_page_scripts_carry_the_nonce(client):
    res = client.get("/maps/public")
    nonce = res.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    tags = re.findall(r"<script[^>]*>", res.get_data(as_text=True))
    inline = [tag for tag in tags if "src=" not in tag]
    assert len(inline) >= 2  # folium's header scripts and the map itself
    assert all(f'nonce="{nonce}"' in tag for tag in inline)


def test_tile_server_of_the_base_map_is_allowed_for_images():
    from geo_app.web.hardening import csp

    assert "https://*.tile.example.org" in csp("https://{s}.tile.example.org/{z}/{x}/{y}.png")["img-src"]
    assert csp(None)["img-src"] == ["'self'", "data:", "blob:"]

"""Response hardening: security headers (Flask-Talisman), session cookies, proxies and caching.

The Content-Security-Policy allows scripts from this site and inline scripts carrying the request's
nonce only; folium's inline scripts get the nonce in `with_nonce`. Styles may be inline: Leaflet and
folium position every map element with style attributes, and styles cannot run code.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, Request, request
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import Talisman
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

talisman = Talisman()
_SCRIPT_TAG = re.compile(r"<script(?=[\s>])", re.IGNORECASE)
# Answers that may be cached by browsers and proxies: they carry nothing personal.
_PUBLIC_PREFIXES = ("/static/", "/api/public/", "/tiles/public/", "/maps/public", "/api/openapi.json")


class SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, its cookie marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or _is_secure(request)


def _is_secure(req: Request) -> bool:
    try:
        return req.is_secure
    except RuntimeError:  # outside a request
        return False


def csp(tile_url: str | None) -> dict[str, str | list[str]]:
    """Return the Content-Security-Policy: this site only, plus the base map's tile server if any."""
    images = ["'self'", "data:", "blob:"]
    if tile_url:  # e.g. https://{s}.tile.example.org/{z}/{x}/{y}.png: its subdomains too
        parts = urlsplit(tile_url.replace("{s}.", "*.", 1))
        if parts.scheme in ("http", "https") and parts.netloc:
            images.append(f"{parts.scheme}://{parts.netloc}")
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": images,
        "font-src": ["'self'", "data:"],
        "connect-src": "'self'",
        "worker-src": ["'self'", "blob:"],
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'self'",
    }


def with_nonce(html: str) -> Markup:
    """Return `html` (folium's output) with the request's CSP nonce on every script tag."""
    nonce = getattr(request, "csp_nonce", "")
    return Markup(_SCRIPT_TAG.sub(f'<script nonce="{nonce}"', html))


def _cache_control(response: Response) -> Response:
    if "Cache-Control" not in response.headers and not request.path.startswith(_PUBLIC_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    return response


def register(app: Flask) -> None:
    """Install the headers, the cookie rules and (when TRUSTED_PROXIES > 0) the proxy fix on `app`."""
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.session_interface = SessionInterface()
    proxies = int(app.config.get("TRUSTED_PROXIES", 0))
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    talisman.init_app(
        app,
        force_https=bool(app.config.get("FORCE_HTTPS", False)),
        session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE", False)),
        session_cookie_samesite="Lax",
        frame_options="SAMEORIGIN",
        content_security_policy=csp(app.config.get("TILE_URL")),
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy={"geolocation": "(self)"},
    )
    app.after_request(_cache_control)

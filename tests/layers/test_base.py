"""layers.base: maps render with local assets only, legends escape, and a real Chromium loads the page."""

import functools
import http.server
import re
import subprocess
import threading
from pathlib import Path

import folium
import folium.plugins as plugins
import pytest

from geo_app.testing import CHROMIUM, CHROMIUM_FLAGS
from layers.base import add_legend, escape_text, localise_assets, make_map

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor"

WUZHOU = (23.4769, 111.2790)
URL_RE = re.compile(r"https?://[^\s\"'<>)]+")
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="session")
def vendor():
    """static/vendor/ filled by the (idempotent, stamp-checked) install script."""
    subprocess.run(["bash", str(ROOT / "scripts" / "install_assets.sh")], check=True, cwd=ROOT)
    return VENDOR


def full_map(tile_url=None, attribution=None):
    m = make_map(WUZHOU, tile_url=tile_url, attribution=attribution, lean=False)
    cluster = plugins.MarkerCluster(name="issues").add_to(m)
    for i, (icon, colour) in enumerate([("info-sign", "red"), ("fire", "orange"), ("home", "green")]):
        folium.Marker(
            [WUZHOU[0] + 0.0025 * i, WUZHOU[1] + 0.003 * i],
            popup=folium.Popup(escape_text(f"issue {i} {XSS}"), max_width=250),
            icon=folium.Icon(color=colour, icon=icon, angle=15 * i),
        ).add_to(cluster)
    plugins.HeatMap([[WUZHOU[0], WUZHOU[1], 1.0], [WUZHOU[0] + 0.001, WUZHOU[1], 0.5]], name="heat").add_to(m)
    plugins.VectorGridProtobuf("/tiles/segments/{z}/{x}/{y}.pbf", "segments", {}).add_to(m)
    line = {
        "type": "Feature",
        "properties": {"name": "Street <b>1</b>"},
        "geometry": {
            "type": "LineString",
            "coordinates": [[WUZHOU[1] - 0.006, WUZHOU[0] - 0.002], [WUZHOU[1] + 0.008, WUZHOU[0] + 0.003]],
        },
    }
    folium.GeoJson(
        line,
        name="segments",
        style_function=lambda f: {"color": "#d33", "weight": 5},
        popup=folium.GeoJsonPopup(fields=["name"]),
    ).add_to(m)
    plugins.Fullscreen().add_to(m)
    plugins.MousePosition().add_to(m)
    plugins.LocateControl().add_to(m)
    folium.LayerControl().add_to(m)
    add_legend(m, "Issues", [("#d33", "open"), ("green", XSS)])
    return m


def test_full_map_has_no_remote_url():
    html = full_map().get_root().render()
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "http://" not in html and "https://" not in html


def test_every_vendor_path_exists(vendor):
    html = full_map().get_root().render()
    paths = re.findall(r'(?:src|href)="/static/vendor/([^"]+)"', html)
    assert len(paths) >= 20
    for rel in paths:
        assert (vendor / rel).is_file(), rel
    # and what the stylesheets themselves load (images, fonts)
    for rel in (p for p in paths if p.endswith(".css")):
        css = vendor / rel
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            if ref.startswith(("data:", "#")):
                continue
            target = (css.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.is_file(), f"{rel} -> {ref}"


def test_legend_escapes_labels():
    html = full_map().get_root().render()
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    with pytest.raises(ValueError):
        add_legend(make_map(WUZHOU), "t", [("red;background:url(x)", "bad colour")])


def test_escape_text_truncates_before_escaping():
    assert escape_text(None) == ""
    assert escape_text("<b>", max_len=10) == "&lt;b&gt;"
    assert escape_text("abcdef&", max_len=4) == "abc…"


def test_tile_url_is_the_only_url():
    tile_url = "http://tiles.intranet.test/{z}/{x}/{y}.png"
    html = full_map(tile_url=tile_url, attribution="Wanxiu district GIS").get_root().render()
    assert set(URL_RE.findall(html)) == {tile_url}
    with pytest.raises(ValueError):
        make_map(WUZHOU, tile_url=tile_url)


def test_localise_assets_is_idempotent():
    localise_assets()
    before = (list(folium.Map.default_js), list(plugins.MarkerCluster.default_css))
    localise_assets()
    assert (folium.Map.default_js, plugins.MarkerCluster.default_css) == before
    assert all(url.startswith("/static/vendor/") for _, url in folium.Map.default_js)


def test_map_options_without_tiles():
    m = make_map(WUZHOU, max_zoom=18, min_zoom=11)
    js = m.get_root().render()
    assert '"maxZoom": 18' in js and '"minZoom": 11' in js and '"preferCanvas": true' in js
    assert "L.control.scale" in js


class _Handler(http.server.SimpleHTTPRequestHandler):
    page = b""

    def do_GET(self):
        if self.path == "/favicon.ico":
            body, ctype = b"", "image/x-icon"
        elif self.path == "/map":
            body, ctype = self.page, "text/html; charset=utf-8"
        elif self.path.startswith("/tiles/"):
            body, ctype = b"", "application/x-protobuf"  # an empty vector tile
        elif self.path.startswith("/static/"):
            return super().do_GET()
        else:
            return self.send_error(404)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(vendor):
    handler = type("Handler", (_Handler,), {"page": full_map().get_root().render().encode()})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(ROOT)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_map_loads_offline_in_chromium(server):
    from playwright import sync_api

    errors, failed, foreign = [], [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 360, "height": 640})

            def route(r):
                if r.request.url.startswith(server):
                    return r.continue_()
                foreign.append(r.request.url)
                return r.abort()

            page.route("**/*", route)
            page.on("console", lambda msg: msg.type == "error" and errors.append(f"{msg.text} {msg.location}"))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("requestfailed", lambda req: failed.append(f"{req.url} {req.failure}"))
            page.on("response", lambda res: res.status >= 400 and failed.append(f"{res.url} {res.status}"))
            page.goto(f"{server}/map", wait_until="networkidle")
            # awesome markers carry .awesome-marker, clusters .leaflet-marker-icon
            markers = page.locator(".leaflet-marker-pane .awesome-marker, .leaflet-marker-pane .leaflet-marker-icon")
            markers.first.wait_for(timeout=10_000)
            page.wait_for_timeout(500)
            shot = ROOT / "var" / "screenshots" / "layers_base.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot))

            assert page.locator(".leaflet-container").count() == 1
            assert markers.count() > 0
            assert page.locator(".leaflet-overlay-pane canvas").count() > 0
            legend = page.locator(".leaflet-bottom.leaflet-left .geoapp-legend")
            assert legend.is_visible() and XSS in legend.inner_text()
            assert page.locator(".geoapp-legend script").count() == 0
            assert page.evaluate("document.querySelector('.leaflet-container').offsetWidth") == 360
            # zoomed out, the three markers cluster (needs the map's maxZoom when there is no tile layer)
            page.evaluate("Object.values(window).find(v => v instanceof L.Map).setZoom(11, {animate: false})")
            page.locator(".leaflet-marker-pane .marker-cluster").first.wait_for(timeout=5_000)
            # Font Awesome and glyphicon fonts really loaded
            assert page.evaluate("document.fonts.check('12px \"Glyphicons Halflings\"')")
            assert page.evaluate("[...document.fonts].some(f => f.status === 'loaded')")
        finally:
            browser.close()
    assert errors == [] and failed == [] and foreign == []

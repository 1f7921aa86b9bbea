/* GeoMaps: styles and escaped popups for the map pages' vector-tile and GeoJSON layers.
   Tile properties are data, never HTML: every value goes through esc() before it reaches a popup. */
(function () {
  "use strict";
  var G = window.GeoMaps = {map: null, cfg: {}, drawn: {}, layers: {}};

  G.esc = function (s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  };
  function t(key) { return (G.cfg.strings && G.cfg.strings[key]) || key; }
  function count(kind) { G.drawn[kind] = (G.drawn[kind] || 0) + 1; }
  function catName(code) { return (G.cfg.categories && G.cfg.categories[code]) || code; }
  function statusName(code) { return (G.cfg.statuses && G.cfg.statuses[code]) || code; }

  G.init = function (map, cfg) {
    G.map = map;
    G.cfg = cfg || {};
    // Leaflet 1.9 dropped DomEvent.fakeStop, which VectorGrid's canvas renderer still calls on click.
    if (window.L && L.DomEvent && !L.DomEvent.fakeStop) {
      L.DomEvent.fakeStop = function (e) { e._stopped = true; };
    }
  };

  function clusterStyle(n, colour) {
    var r = Math.min(22, 6 + 3 * Math.log(1 + n));
    return {radius: r, fill: true, fillColor: colour, fillOpacity: 0.55, color: "#fff", weight: 2};
  }
  function heatColour(d) {
    var ramp = G.cfg.heatRamp || ["#fd8d3c"];
    // log scale: 0.3 issues/ha is the lowest class, each class 3x the one before
    var i = Math.floor(Math.log(Math.max(d, 0.01) / 0.3) / Math.log(3)) + 1;
    return ramp[Math.max(0, Math.min(ramp.length - 1, i))];
  }

  G.style = {
    issues: function (p, z) {
      count("issues");
      if (p.n !== undefined) { return clusterStyle(p.n, "#c62828"); }
      return {radius: z >= 17 ? 8 : 6, fill: true, fillOpacity: 0.95,
              fillColor: (G.cfg.statusColours || {})[p.s] || "#555",
              color: p.late ? "#000" : "#fff", weight: p.late ? 3 : 1.5};
    },
    public: function (p, z) {
      count("public");
      if (p.segment === undefined) { return clusterStyle(p.n, "#2e7d32"); }
      return {radius: Math.min(14, 5 + 2 * Math.log(1 + p.n)), fill: true, fillColor: "#43a047",
              fillOpacity: 0.85, color: "#fff", weight: 2};
    },
    segments: function (p, z) {
      count("segments");
      return {color: p.mine ? "#0d47a1" : "#8796a8", weight: p.mine ? 5 : (z >= 16 ? 4 : 2), opacity: 0.9};
    },
    heat: function (p, z) {
      count("heat");
      return {fill: true, fillColor: heatColour(p.d), fillOpacity: 0.6, stroke: false, weight: 0};
    }
  };

  function row(label, value) { return G.esc(label) + ": " + G.esc(value) + "<br>"; }

  G.popup = {
    issues: function (p) {
      if (p.n !== undefined) { return "<b>" + G.esc(p.n) + " " + G.esc(t("issues")) + "</b><br>" + G.esc(t("zoom")); }
      var href = (G.cfg.issueBase || "/issues/") + encodeURIComponent(p.ref);
      return '<a class="issue-link" href="' + G.esc(href) + '">' + G.esc(p.ref) + "</a><br>" +
        G.esc(catName(p.c)) + " · " + G.esc(statusName(p.s)) + (p.late ? " · " + G.esc(t("overdue")) : "") +
        "<br>" + row(t("reported"), p.day) + '<span class="issue-desc">' + G.esc(p.d) + "</span>";
    },
    public: function (p) {
      if (p.segment === undefined) { return "<b>" + G.esc(p.n) + " " + G.esc(t("solved")) + "</b><br>" + G.esc(t("zoom")); }
      var cats = String(p.cats || "").split(",").filter(Boolean).map(function (item) {
        var parts = item.split(":");
        return G.esc(catName(parts[0])) + " × " + G.esc(parts[1]);
      }).join("<br>");
      return "<b>" + G.esc(p.street) + "</b> " + G.esc(p.segment) + "<br>" + row(t("solved"), p.n) +
        cats + "<br>" + row(t("last"), p.last);
    },
    segments: function (p) {
      return "<b>" + G.esc(p.name) + "</b>" + (p.code ? " " + G.esc(p.code) + "<br>" + row(t("length"), p.m) +
        row(t("teams"), p.teams) : "");
    },
    heat: function (p) { return row(t("issues"), p.n) + row(t("density"), p.d); }
  };

  // Tile layers sit in panes that ignore the pointer (a VectorGrid canvas covers its whole tile and would
  // swallow clicks meant for the areas under it). One capturing click handler hit-tests the tile
  // features instead, top layer first, and leaves the click to Leaflet when it hits none.
  var ORDER = ["issues", "public", "heat", "segments"];
  var nextId = 0;
  G.featureId = function () { nextId += 1; return nextId; };

  function tileFeatureAt(layer, latlng) {
    var map = G.map, z = layer._tileZoom;
    if (z === undefined || !layer._vectorTiles) { return null; }
    var size = layer.getTileSize();
    var c = map.project(latlng, z).unscaleBy(size).floor();
    c.z = z;
    var renderer = layer._vectorTiles[layer._tileCoordsToKey(c)];
    if (!renderer || !renderer._layers) { return null; }
    var point = map.latLngToLayerPoint(latlng).subtract(renderer.getOffset());
    var hit = null;
    for (var id in renderer._layers) {
      var f = renderer._layers[id];
      if (f.properties && f._containsPoint && f._containsPoint(point)) { hit = f; }
    }
    return hit;
  }

  function onCaptureClick(ev) {
    if (!G.map || (ev.target.closest && ev.target.closest(".leaflet-control, .leaflet-popup"))) { return; }
    var latlng = G.map.mouseEventToLatLng(ev);
    for (var i = 0; i < ORDER.length; i++) {
      var layer = G.layers[ORDER[i]];
      if (!layer || !G.map.hasLayer(layer)) { continue; }
      var hit = tileFeatureAt(layer, latlng);
      if (hit) {
        ev.stopPropagation();
        L.popup({maxWidth: 280}).setLatLng(latlng).setContent(G.popup[ORDER[i]](hit.properties)).openOn(G.map);
        return;
      }
    }
  }

  G.bindTilePopups = function (layer, kind) {
    if (!G.layers[kind] && !G._listening) {
      G.map.getContainer().addEventListener("click", onCaptureClick, true);
      G._listening = true;
    }
    G.layers[kind] = layer;
  };

  G.pane = function (name, zIndex) {
    if (!G.map.getPane(name)) {
      var pane = G.map.createPane(name);
      pane.style.zIndex = zIndex;
      pane.style.pointerEvents = "none";
    }
    return name;
  };

  // Vector tiles drawn at the screen's pixel density: VectorGrid's canvas is one pixel a CSS pixel, which a
  // phone (DPR 2 or 3) stretches into blurred lines.
  G.tileRenderer = function (coord, size, options) {
    var r = L.canvas.tile(coord, size, options), dpr = window.devicePixelRatio || 1;
    if (dpr > 1) {
      var c = r.getContainer();
      c.width = Math.round(size.x * dpr);
      c.height = Math.round(size.y * dpr);
      c.style.width = size.x + "px";
      c.style.height = size.y + "px";
      r._ctx.scale(dpr, dpr);
    }
    return r;
  };

  // A legend folds to its title (folded from the start on a phone) and shows only while its layer is on.
  var PHONE = "(max-width: 600px)";
  G.legend = function (el, layer) {
    var button = el.querySelector(".geoapp-legend-title");
    function fold(folded) {
      el.classList.toggle("is-folded", folded);
      if (button) { button.setAttribute("aria-expanded", folded ? "false" : "true"); }
    }
    fold(!!(window.matchMedia && window.matchMedia(PHONE).matches));
    if (button) { button.addEventListener("click", function () { fold(!el.classList.contains("is-folded")); }); }
    if (layer) {
      var follow = function () { el.style.display = G.map.hasLayer(layer) ? "" : "none"; };
      G.map.on("overlayadd overlayremove", follow);
      follow();
    }
  };

  // Panels of the page head (filters, ranked list): a phone opens them over the map.
  function panels() {
    var buttons = document.querySelectorAll("[data-panel]");
    Array.prototype.forEach.call(buttons, function (b) {
      var panel = document.getElementById(b.getAttribute("data-panel"));
      if (!panel) { return; }
      b.addEventListener("click", function () {
        var open = !panel.classList.contains("is-open");
        Array.prototype.forEach.call(buttons, function (other) {  // one panel at a time
          var p = document.getElementById(other.getAttribute("data-panel"));
          if (p) { p.classList.remove("is-open"); }
          other.setAttribute("aria-expanded", "false");
        });
        panel.classList.toggle("is-open", open);
        b.setAttribute("aria-expanded", open ? "true" : "false");
      });
    });
    // ranked items zoom the map to their bounds (and close the panel on a phone)
    Array.prototype.forEach.call(document.querySelectorAll("[data-bounds]"), function (item) {
      item.addEventListener("click", function () {
        var bounds = JSON.parse(item.getAttribute("data-bounds"));
        if (!G.map) { return; }
        G.map.fitBounds(bounds, {maxZoom: 18, padding: [24, 24]});
        var panel = item.closest(".map-panel");
        if (panel && panel.classList.contains("is-open")) {
          panel.classList.remove("is-open");
          var b = document.querySelector('[data-panel="' + panel.id + '"]');
          if (b) { b.setAttribute("aria-expanded", "false"); }
        }
        G.focused = item.getAttribute("data-key");
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", panels); } else { panels(); }

  // GeoJSON layers: `_popup` and `_tip` were escaped on the server.
  G.bindHtmlPopups = function (layer, kind) {
    G.layers[kind] = layer;
    layer.eachLayer(function (l) {
      var p = (l.feature && l.feature.properties) || {};
      count(kind);
      if (p._popup) { l.bindPopup(p._popup, {maxWidth: 280}); }
      if (p._tip) { l.bindTooltip(p._tip, {sticky: true}); }
    });
  };
})();

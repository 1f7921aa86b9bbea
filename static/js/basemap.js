/* GeoBase: the offline base map. Shapes come as vector tiles (/tiles/base/...) drawn by Leaflet.VectorGrid;
   names are written on one canvas over the whole map, so that a name crossing a tile edge is never cut
   and two names never overlap. Chinese street names are written the way Chinese maps write them: one
   upright character after another along the street. Names are data: they go to fillText, never to HTML. */
(function () {
  "use strict";
  var FONT = '"GeoBase", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var G = window.GeoBase = {placed: [], tiles: {}, fontLoaded: false};

  function streetWidth(z) { return z >= 18 ? 16 : z >= 17 ? 12 : z >= 16 ? 8 : z >= 15 ? 5 : z >= 14 ? 3 : 2; }
  var STYLE = {
    water: {fill: true, fillColor: "#aad3f0", fillOpacity: 1, stroke: false},
    areas: {fill: false, color: "#a48fc0", weight: 1.5, dashArray: "6 4", opacity: 0.9},
    compounds: function (p, z) {
      return z >= 14 ? {fill: true, fillColor: "#f1e7d3", fillOpacity: 1, color: "#dccba8", weight: 1} : [];
    },
    streets: function (p, z) {
      var w = streetWidth(z);
      return [{color: "#cfc6b8", weight: w + 2, opacity: 1, lineCap: "round", lineJoin: "round"},
              {color: "#ffffff", weight: w, opacity: 1, lineCap: "round", lineJoin: "round"}];
    },
    halls: function (p, z) {
      return z >= 14 ? {radius: 6, fill: true, fillColor: "#c62828", fillOpacity: 1, color: "#fff", weight: 2} : [];
    },
    labels: []
  };
  // what is written at which zoom, most important first; sizes in CSS pixels
  var KINDS = {
    area: {min: 12, max: 16, size: 15, colour: "#6a4c93", weight: "bold"},
    water: {min: 13, max: 21, size: 13, colour: "#2f6fa3", weight: "normal"},
    street: {min: 14, max: 21, size: 13, colour: "#333333", weight: "normal"},
    hall: {min: 15, max: 21, size: 12, colour: "#b71c1c", weight: "bold"},
    compound: {min: 15, max: 21, size: 12, colour: "#7a5c2e", weight: "normal"}
  };
  var ORDER = ["area", "water", "street", "hall", "compound"];

  function pane(map, name, zIndex) {
    if (!map.getPane(name)) {
      var p = map.createPane(name);
      p.style.zIndex = zIndex;
      p.style.pointerEvents = "none";
    }
    return name;
  }

  // VectorGrid that hands each decoded tile to the label writer as well as drawing it
  function tappedGrid() {
    return L.VectorGrid.Protobuf.extend({
      _getVectorTilePromise: function (coords) {
        var self = this;
        return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, coords).then(function (json) {
          self.fire("geobase:data", {coords: coords, tile: json});
          return json;
        });
      }
    });
  }

  /* Label candidates of one tile, in world pixels at the tile's zoom: {kind, name, lines: [[[x, y]...]]}. */
  function candidates(coords, tile, tileSize) {
    var out = [];
    function add(layerName, kindOf) {
      var layer = tile.layers[layerName];
      if (!layer) { return; }
      var k = tileSize / layer.extent;
      layer.features.forEach(function (f) {
        var name = f.properties && f.properties.name;
        if (!name) { return; }
        var lines = f.geometry.map(function (ring) {
          return ring.map(function (pt) { return [coords.x * tileSize + pt.x * k, coords.y * tileSize + pt.y * k]; });
        });
        out.push({kind: kindOf(f), name: String(name), lines: lines});
      });
    }
    add("labels", function (f) { return f.properties.kind; });
    add("streets", function () { return "street"; });
    add("halls", function () { return "hall"; });
    return out;
  }

  function overlaps(boxes, b) {
    for (var i = 0; i < boxes.length; i++) {
      var o = boxes[i];
      if (b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]) { return true; }
    }
    return false;
  }

  /* Positions of the characters of `text` along a line (container pixels), or null where they do not fit
     or the street bends too much under them. Reads left to right, or top to bottom. */
  function alongLine(pts, n, step, at) {
    var cum = [0];
    for (var i = 1; i < pts.length; i++) {
      cum.push(cum[i - 1] + Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]));
    }
    var total = cum[cum.length - 1], need = n * step;
    var start = at - need / 2;
    if (start < step / 2 || start + need > total - step / 2) { return null; }
    var out = [], j = 1;
    for (var c = 0; c < n; c++) {
      var d = start + (c + 0.5) * step;
      while (j < cum.length - 1 && cum[j] < d) { j++; }
      var t = (d - cum[j - 1]) / Math.max(1e-9, cum[j] - cum[j - 1]);
      out.push([pts[j - 1][0] + t * (pts[j][0] - pts[j - 1][0]), pts[j - 1][1] + t * (pts[j][1] - pts[j - 1][1])]);
    }
    var first = out[0], last = out[n - 1];
    if (n > 1 && Math.hypot(last[0] - first[0], last[1] - first[1]) < 0.85 * (n - 1) * step) { return null; }
    var dx = last[0] - first[0], dy = last[1] - first[1];
    if (dx < -Math.abs(dy) * 0.3 || (Math.abs(dx) <= Math.abs(dy) * 0.3 && dy < 0)) { out.reverse(); }
    return out;
  }

  var Labels = L.Layer.extend({
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "geobase-labels");
      this._canvas.style.position = "absolute";
      map.getPane(pane(map, "geoLabels", 430)).appendChild(this._canvas);
      map.on("moveend zoomend resize", this.schedule, this);
      map.on("zoomstart", this._hide, this);
      this.schedule();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize", this.schedule, this);
      map.off("zoomstart", this._hide, this);
    },
    _hide: function () { this._canvas.style.visibility = "hidden"; },
    schedule: function () {
      if (this._frame || !this._map) { return; }
      var self = this;
      this._frame = L.Util.requestAnimFrame(function () { self._frame = null; self.draw(); });
    },
    draw: function () {
      var map = this._map, canvas = this._canvas, size = map.getSize(), dpr = window.devicePixelRatio || 1;
      var zoom = map.getZoom(), tz = Math.round(zoom), scale = map.getZoomScale(zoom, tz);
      var origin = map.getPixelBounds().min;
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      canvas.width = size.x * dpr;
      canvas.height = size.y * dpr;
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      canvas.style.visibility = "";
      var ctx = canvas.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.lineJoin = "round";
      var boxes = [], placed = [], seen = {};
      function toScreen(p) { return [p[0] * scale - origin.x, p[1] * scale - origin.y]; }
      function inside(b) { return b[0] >= 0 && b[1] >= 0 && b[2] <= size.x && b[3] <= size.y; }
      function write(text, x, y, style, align) {
        ctx.font = style.weight + " " + style.size + "px " + FONT;
        ctx.textAlign = align || "center";
        ctx.strokeStyle = "rgba(255,255,255,0.92)";
        ctx.lineWidth = 3;
        ctx.strokeText(text, x, y);
        ctx.fillStyle = style.colour;
        ctx.fillText(text, x, y);
      }
      var all = [];
      for (var key in G.tiles) {
        if (G.tiles[key].z === tz) { all = all.concat(G.tiles[key].items); }
      }
      ORDER.forEach(function (kind) {
        var style = KINDS[kind];
        if (tz < style.min || tz > style.max) { return; }
        all.forEach(function (item) {
          if (item.kind !== kind) { return; }
          var chars = Array.from(item.name), fs = style.size;
          if (kind === "street") {
            item.lines.forEach(function (line) {
              var pts = line.map(toScreen), step = fs * 1.2;
              var total = 0;
              for (var i = 1; i < pts.length; i++) { total += Math.hypot(pts[i][0] - pts[i - 1][0], pts[i][1] - pts[i - 1][1]); }
              // one name every 300 px or so along a long street, the first in its middle
              var gap = chars.length * step + 300, count = Math.max(1, Math.floor(total / gap));
              for (var c = 0; c < count; c++) {
                var at = total / 2 + (c - (count - 1) / 2) * gap;
                var pos = alongLine(pts, chars.length, step, at);
                if (!pos) { continue; }
                var cb = pos.map(function (p) { return [p[0] - fs / 2 - 1, p[1] - fs / 2 - 1, p[0] + fs / 2 + 1, p[1] + fs / 2 + 1]; });
                var centre = pos[Math.floor(pos.length / 2)];
                var near = (seen[item.name] || []).some(function (q) { return Math.hypot(q[0] - centre[0], q[1] - centre[1]) < 400; });
                if (near || !cb.every(inside) || cb.some(function (b) { return overlaps(boxes, b); })) { continue; }
                cb.forEach(function (b) { boxes.push(b); });
                (seen[item.name] = seen[item.name] || []).push(centre);
                pos.forEach(function (p, k) { write(chars[k], p[0], p[1], style); });
                placed.push({kind: kind, name: item.name, x: centre[0], y: centre[1]});
              }
            });
            return;
          }
          var p = toScreen(item.lines[0][0]);
          ctx.font = style.weight + " " + fs + "px " + FONT;
          var w = ctx.measureText(item.name).width;
          var hall = kind === "hall", x0 = hall ? p[0] + 9 : p[0] - w / 2;
          var b = [x0 - 2, p[1] - fs / 2 - 2, x0 + w + 2, p[1] + fs / 2 + 2];
          if (!inside(b) || overlaps(boxes, b)) { return; }
          boxes.push(b);
          write(item.name, hall ? x0 : p[0], p[1], style, hall ? "left" : "center");
          placed.push({kind: kind, name: item.name, x: p[0], y: p[1]});
        });
      });
      G.placed = placed;
    }
  });

  G.add = function (map, cfg) {
    var size = 256;
    map.getContainer().style.background = "#f4f1ea";
    var Grid = tappedGrid();
    var grid = new Grid(cfg.tiles, {
      vectorTileLayerStyles: STYLE, interactive: false, pane: pane(map, "geoBaseMap", 250),
      // drawn at the screen's pixel density where the map pages offer it (GeoMaps), as their other tile layers
      rendererFactory: (window.GeoMaps && GeoMaps.tileRenderer) || L.canvas.tile,
      minZoom: 12, maxNativeZoom: 20, maxZoom: 21, keepBuffer: 1
    });
    var labels = new Labels();
    grid.on("geobase:data", function (e) {
      var c = e.coords;
      G.tiles[c.z + "/" + c.x + "/" + c.y] = {z: c.z, items: candidates(c, e.tile, size)};
      labels.schedule();
    });
    grid.on("tileunload", function (e) { delete G.tiles[e.coords.z + "/" + e.coords.x + "/" + e.coords.y]; });
    grid.addTo(map);
    labels.addTo(map);
    G.grid = grid;
    G.labels = labels;
    if (cfg.font && window.FontFace && document.fonts) {
      new FontFace("GeoBase", "url(" + cfg.font + ")").load().then(function (face) {
        document.fonts.add(face);
        G.fontLoaded = true;
        labels.schedule();
      }).catch(function () { /* the system's CJK font writes the names instead */ });
    }
    return grid;
  };
})();

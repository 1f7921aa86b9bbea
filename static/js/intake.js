/* Intake map: click to place the issue (fills lon/lat); streets come from /intake/segments.json by bbox. */
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  if (!el || typeof L === "undefined") { return; }
  var lonInput = document.getElementById("lon"), latInput = document.getElementById("lat");
  var segSelect = document.getElementById("segment");
  var start = [parseFloat(latInput.value || el.dataset.lat), parseFloat(lonInput.value || el.dataset.lon)];
  var map = L.map(el, {maxZoom: 19, minZoom: 12}).setView(start, parseInt(el.dataset.zoom || "16", 10));
  var streets = L.geoJSON(null, {style: {color: "#607d8b", weight: 5, opacity: 0.8}}).addTo(map);
  var marker = null;
  var seq = 0, snapSeq = 0;
  var preview = document.getElementById("snap-preview"), unlinkedBox = document.getElementById("unlinked-box");
  var T = (preview && preview.dataset) || {};

  /* Say, before filing, where the point goes: its segment and team and the distance, or that it has no street. */
  function showSnap(lng, lat) {
    if (!preview) { return; }
    var mine = ++snapSeq;
    fetch(preview.dataset.url + "?lon=" + lng.toFixed(6) + "&lat=" + lat.toFixed(6), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s || mine !== snapSeq) { return; }
        var n = s.nearest || {}, d = Math.round(n.distance_m || 0);
        preview.classList.toggle("snap-far", !s.linked);
        if (s.linked) {
          preview.textContent = T.linked.replace("{street}", n.street_name + " " + n.segment)
            .replace("{team}", n.team_name || T.noteam).replace("{d}", d);
        } else {
          preview.textContent = T.far.replace("{m}", Math.round(s.snap_max_m))
            .replace("{street}", n.street_name || "—").replace("{d}", d);
        }
        if (unlinkedBox) { unlinkedBox.hidden = s.linked; }
      });
  }

  function place(latlng, segmentCode) {
    lonInput.value = latlng.lng.toFixed(6);
    latInput.value = latlng.lat.toFixed(6);
    if (segSelect) { segSelect.value = segmentCode || ""; }
    if (marker) { marker.setLatLng(latlng); } else {
      marker = L.circleMarker(latlng, {radius: 9, color: "#b71c1c", weight: 3, fillColor: "#ef5350", fillOpacity: 0.9})
        .addTo(map);
    }
    if (!segmentCode) { showSnap(latlng.lng, latlng.lat); }
    else if (preview) { preview.textContent = ""; preview.classList.remove("snap-far"); if (unlinkedBox) { unlinkedBox.hidden = true; } }
  }

  function load() {
    var b = map.getBounds(), mine = ++seq;
    var url = el.dataset.segments + "?bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
      .map(function (v) { return v.toFixed(6); }).join(",");
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || mine !== seq) { return; }
        streets.clearLayers();
        streets.addData(data);
        streets.eachLayer(function (layer) {
          var p = layer.feature.properties;
          var tip = document.createElement("span");   // text, never HTML: names are data
          tip.textContent = String(p.street_name) + " " + String(p.code);
          layer.bindTooltip(tip, {sticky: true});
          layer.on("click", function (e) { L.DomEvent.stopPropagation(e); place(e.latlng, p.code); });
        });
      });
  }

  map.on("click", function (e) { place(e.latlng, ""); });
  map.on("moveend", load);
  if (lonInput.value && latInput.value) { place(L.latLng(start[0], start[1]), segSelect && segSelect.value); }
  if (segSelect) {
    segSelect.addEventListener("change", function () {
      if (segSelect.value) { lonInput.value = ""; latInput.value = ""; if (marker) { map.removeLayer(marker); marker = null; } }
    });
  }
  load();
})();

/* Intake map: click, drag the pin, search or locate to place the issue (fills lon/lat); streets come from
   /intake/segments.json by bbox, the labelled base map from GeoBase (basemap.js) when the page has one.
   Wherever the pin goes, the page says live which segment and team it goes to, and lists the open issues
   near it (likely duplicates first) before anything is filed. */
(function () {
  "use strict";
  var el = document.getElementById("pick-map");
  if (!el || typeof L === "undefined") { return; }
  var lonInput = document.getElementById("lon"), latInput = document.getElementById("lat");
  var segSelect = document.getElementById("segment");
  var start = [parseFloat(latInput.value || el.dataset.lat), parseFloat(lonInput.value || el.dataset.lon)];
  var map = L.map(el, {maxZoom: 19, minZoom: 12}).setView(start, parseInt(el.dataset.zoom || "16", 10));
  window.GeoIntake = {map: map};
  if (el.dataset.baseTiles && window.GeoBase) {
    GeoBase.add(map, {tiles: el.dataset.baseTiles, font: el.dataset.baseFont || null});
  }
  if (L.control.locate) {
    L.control.locate({flyTo: true, icon: "geo-locate-icon", iconLoading: "geo-locate-icon geo-locate-busy",
                      strings: {title: el.dataset.locate}}).addTo(map);
    map.on("locationfound", function (e) { place(e.latlng, ""); });
  }
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

  var nearby = document.getElementById("nearby"), nearSeq = 0, dragTimer = null;
  var category = document.querySelector("#issue-form select[name=category]");

  /* The open issues near the pin, likely duplicates (same category, close) first; text only, never HTML. */
  function showNearby(lng, lat) {
    if (!nearby) { return; }
    var mine = ++nearSeq, list = nearby.querySelector("ol");
    var url = nearby.dataset.url + "?lon=" + lng.toFixed(6) + "&lat=" + lat.toFixed(6) +
      (category && category.value ? "&category=" + encodeURIComponent(category.value) : "");
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (items) {
        if (!items || mine !== nearSeq) { return; }
        list.textContent = "";
        if (!items.length) {
          var none = document.createElement("li");
          none.textContent = nearby.dataset.none;
          list.appendChild(none);
        }
        items.forEach(function (it) {
          var li = document.createElement("li"), a = document.createElement("a"), desc = document.createElement("span");
          a.href = it.url;
          a.textContent = it.ref;
          li.appendChild(a);
          li.appendChild(document.createTextNode(" " + it.category + " · " + it.status + " · " + it.distance_m + " m · " + it.day));
          if (it.likely) {
            var badge = document.createElement("span");
            badge.className = "nearby-badge";
            badge.textContent = nearby.dataset.likely;
            li.appendChild(badge);
            li.className = "likely";
          }
          desc.className = "nearby-desc";
          desc.textContent = it.description;
          li.appendChild(desc);
          list.appendChild(li);
        });
        nearby.hidden = false;
      });
  }
  if (category) {
    category.addEventListener("change", function () { if (marker) { var p = marker.getLatLng(); showNearby(p.lng, p.lat); } });
  }
  document.addEventListener("geosearch:select", function (e) {
    var b = e.detail.bbox;
    place(L.latLng((b[1] + b[3]) / 2, (b[0] + b[2]) / 2), "");  // then the snap says which segment it is
  });

  function place(latlng, segmentCode) {
    lonInput.value = latlng.lng.toFixed(6);
    latInput.value = latlng.lat.toFixed(6);
    if (segSelect) { segSelect.value = segmentCode || ""; }
    if (marker) { marker.setLatLng(latlng); } else {
      marker = L.marker(latlng, {draggable: true, autoPan: true, title: el.dataset.pin, alt: el.dataset.pin}).addTo(map);
      // while the pin moves: the segment and team it would go to (at most every 250 ms); where it stops: all
      marker.on("drag", function () {
        if (dragTimer) { return; }
        dragTimer = setTimeout(function () {  // where the pin is when the time comes, not where it was
          dragTimer = null;
          var at = marker.getLatLng();
          showSnap(at.lng, at.lat);
        }, 250);
      });
      marker.on("dragend", function () { place(marker.getLatLng(), ""); });
    }
    showNearby(latlng.lng, latlng.lat);
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
